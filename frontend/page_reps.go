package frontend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
)

// Agency representatives on the site: the account page names the agency and the claim
// status, each review of the agency has a reply form (moderated by reviews.Service.Reply,
// the same path as the API), and the review form explains why a representative may not
// review.

func (f *Frontend) registerRepPages(r *api.Router) {
	if !f.has("write") {
		return
	}
	reps := api.Roles(kawan.RoleAgencyRep)
	r.Page(http.MethodGet, "/reviews/:id/reply", f.replyForm, reps)
	r.Page(http.MethodPost, "/reviews/:id/reply", f.csrf(f.reply), reps)
	// A worker who works for an agency asks to represent it (auth.RequestClaim, the same
	// path as POST /v1/me/agency-claims); an admin decides.
	workers := api.Roles(kawan.RoleWorker)
	r.Page(http.MethodGet, "/agencies/:id/represent", f.representForm, workers)
	r.Page(http.MethodPost, "/agencies/:id/represent", f.csrf(f.represent), workers)
}

type representPage struct {
	AgencyID string
	Agency   string
	Evidence string
	Errors   fieldErrors
	Sent     bool
}

var representFieldMsgs = map[string]string{"evidence": "represent.err.evidence", "agency_id": "form.invalid"}

func (f *Frontend) representData(c echo.Context, v *view) (representPage, error) {
	ctx := c.Request().Context()
	p, err := f.o.Agencies.Profile(ctx, c.Param("id"))
	if err != nil {
		return representPage{}, err
	}
	v.Nav, v.Title = "agencies", v.T("represent.title")
	return representPage{AgencyID: p.ID, Agency: p.LegalName, Errors: fieldErrors{}}, nil
}

func (f *Frontend) representForm(c echo.Context) error {
	v := f.newView(c)
	d, err := f.representData(c, v)
	if err != nil {
		return err
	}
	d.Sent = c.QueryParam("sent") == "1"
	return f.render(c, http.StatusOK, "represent_form", v, d)
}

func (f *Frontend) represent(c echo.Context) error {
	v := f.newView(c)
	d, err := f.representData(c, v)
	if err != nil {
		return err
	}
	d.Evidence = c.FormValue("evidence")
	p, _ := api.PrincipalFrom(c)
	_, err = f.o.Auth.RequestClaim(c.Request().Context(), p, d.AgencyID, d.Evidence, f.client(c))
	if fe, ok := formErrors(err, representFieldMsgs); ok {
		d.Errors = fe
		return f.render(c, http.StatusBadRequest, "represent_form", v, d)
	}
	if errors.Is(err, kawan.ErrConflict) {
		d.Errors["evidence"] = "represent.err.pending"
		return f.render(c, http.StatusConflict, "represent_form", v, d)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/agencies/"+d.AgencyID+"/represent?sent=1")
}

// WriteRefusal is the catalog key of why the signed-in visitor may not review agency id
// ("" when they may, or are signed out and will be asked to sign in).
func (v *view) WriteRefusal(agencyID string) string {
	return writeRefusal(v.User, agencyID)
}

func writeRefusal(p *kawan.Principal, agencyID string) string {
	switch {
	case p == nil || p.Role == kawan.RoleWorker:
		return ""
	case p.Role == kawan.RoleAgencyRep && p.AgencyID == agencyID:
		return "write.refused.own"
	case p.Role == kawan.RoleAgencyRep:
		return "write.refused.rep"
	}
	return "write.refused.role"
}

// refusedPage explains, in the page's language, why this account cannot review an agency.
type refusedPage struct {
	AgencyID string
	Agency   string
	Reason   string // catalog key
}

// refuseReview answers a non-worker's review form or direct post: 403 with the reason,
// not the generic "reload and send again" page. ok is false when the caller may review.
func (f *Frontend) refuseReview(c echo.Context, v *view, agencyID, agency string) (bool, error) {
	reason := writeRefusal(v.User, agencyID)
	if reason == "" {
		return false, nil
	}
	v.Title = v.T("error.forbidden.title")
	return true, f.render(c, http.StatusForbidden, "write_refused", v, refusedPage{AgencyID: agencyID, Agency: agency, Reason: reason})
}

// IsWorker reports whether the visitor is signed in with a worker account (who may ask to
// represent an agency).
func (v *view) IsWorker() bool { return v.User != nil && v.User.Role == kawan.RoleWorker }

// CanReply reports whether the visitor represents agencyID (the reply form is shown on
// that agency's reviews that have no published reply yet).
func (v *view) CanReply(agencyID string) bool {
	return v.User != nil && v.User.Role == kawan.RoleAgencyRep && v.User.AgencyID == agencyID && v.f.has("write")
}

// noteReplies reads, for the representative of agencyID, the status of the agency's replies
// to reviews (the public read model has only published replies), so a held reply shows as
// waiting instead of as a form that would be refused. A failure only loses the note.
func (f *Frontend) noteReplies(ctx context.Context, v *view, agencyID string, docs []search.ReviewDoc) {
	if !v.CanReply(agencyID) || f.o.Reviews == nil {
		return
	}
	var ids []string
	for _, d := range docs {
		if d.Reply == nil {
			ids = append(ids, d.ID)
		}
	}
	st, err := f.o.Reviews.ReplyStatuses(ctx, agencyID, ids)
	if err != nil {
		f.log.Warn("agency page: reply statuses unavailable", "agency", agencyID, "err", err)
		return
	}
	v.replies = st
}

// ReplyStatus is the status of the agency's reply to review id: "" when there is none,
// else published, rejected, removed or held (any other state is still with moderation).
func (v *view) ReplyStatus(id string) string {
	switch st, ok := v.replies[id]; {
	case !ok:
		return ""
	case st == kawan.ReviewPublished || st == kawan.ReviewRejected || st == kawan.ReviewRemoved:
		return string(st)
	}
	return string(kawan.ReviewHeld)
}

// ReplyLangs are the languages a reply can be marked with: the site's languages.
func (v *view) ReplyLangs() []Locale { return Locales }

type replyPage struct {
	Review search.ReviewDoc
	Agency string
	Text   string
	Lang   string
	Back   string
	Errors fieldErrors
	Sent   string // published or held, after a successful post
}

var replyFieldMsgs = map[string]string{"text": "reply.err.text", "lang": "reply.err.lang"}

// replyBack is where the reply form returns: the page it was on, or the agency page.
func replyBack(c echo.Context, agencyID string) string {
	if b := c.FormValue("back"); safeLocalPath(b) {
		return b
	}
	if b := c.QueryParam("back"); safeLocalPath(b) {
		return b
	}
	return "/agencies/" + agencyID
}

// replyPageData reads the review a representative answers; reviews of another agency
// are not found for them (the API's Reply refuses them too).
func (f *Frontend) replyPageData(c echo.Context, v *view) (replyPage, error) {
	ctx := c.Request().Context()
	r, err := f.o.Reviews.Review(ctx, c.Param("id"))
	if err != nil {
		return replyPage{}, err
	}
	if r.AgencyID != v.User.AgencyID {
		return replyPage{}, fmt.Errorf("frontend: reply to another agency's review: %w", kawan.ErrForbidden)
	}
	d := replyPage{Review: r, Agency: f.agencyName(ctx, r.AgencyID), Lang: v.Loc.Code, Back: replyBack(c, r.AgencyID), Errors: fieldErrors{}}
	v.Nav, v.Title = "agencies", v.T("reply.title")
	return d, nil
}

func (f *Frontend) replyForm(c echo.Context) error {
	v := f.newView(c)
	d, err := f.replyPageData(c, v)
	if err != nil {
		return err
	}
	if s := c.QueryParam("sent"); s == string(kawan.ReviewPublished) || s == string(kawan.ReviewHeld) {
		d.Sent = s
	}
	return f.render(c, http.StatusOK, "reply_form", v, d)
}

func (f *Frontend) reply(c echo.Context) error {
	v := f.newView(c)
	d, err := f.replyPageData(c, v)
	if err != nil {
		return err
	}
	d.Text, d.Lang = c.FormValue("text"), c.FormValue("lang")
	p, _ := api.PrincipalFrom(c)
	// the API's reply route has the same limit (api.routeLimits)
	if err := f.o.Auth.Limit(c.Request().Context(), auth.LimitReview, f.client(c), p.UserID); err != nil {
		return err
	}
	res, err := f.o.Reviews.Reply(c.Request().Context(), p, d.Review.ID, d.Text, d.Lang)
	if fe, ok := formErrors(err, replyFieldMsgs); ok {
		d.Errors = fe
		return f.render(c, http.StatusBadRequest, "reply_form", v, d)
	}
	if errors.Is(err, kawan.ErrConflict) {
		d.Errors["text"] = "reply.err.taken"
		return f.render(c, http.StatusConflict, "reply_form", v, d)
	}
	if err != nil {
		return err
	}
	q := url.Values{"sent": {string(res.Status)}, "back": {d.Back}}
	return c.Redirect(http.StatusSeeOther, "/reviews/"+d.Review.ID+"/reply?"+q.Encode())
}

// agencyName is an agency's legal name for a heading (its ID if it cannot be read).
func (f *Frontend) agencyName(ctx context.Context, id string) string {
	if f.o.Agencies == nil || id == "" {
		return id
	}
	p, err := f.o.Agencies.Profile(ctx, id)
	if err != nil {
		return id
	}
	return p.LegalName
}

// representation is the account page's "agency you represent" section.
type representation struct {
	AgencyID, Agency string // set for an approved representative
	Claims           []claimView
}

type claimView struct {
	Agency string
	store.Claim
}

// representation reads the agency an account speaks for and its claims; nil when there is
// nothing to show (a worker who never asked to represent an agency).
func (f *Frontend) representation(ctx context.Context, u *kawan.User) (*representation, error) {
	r := &representation{}
	if u.Role == kawan.RoleAgencyRep && u.AgencyID != "" {
		r.AgencyID, r.Agency = u.AgencyID, f.agencyName(ctx, u.AgencyID)
	}
	claims, err := f.o.Auth.UserClaims(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, cl := range claims {
		r.Claims = append(r.Claims, claimView{Agency: f.agencyName(ctx, cl.AgencyID), Claim: cl})
	}
	if r.AgencyID == "" && len(r.Claims) == 0 {
		return nil, nil
	}
	return r, nil
}

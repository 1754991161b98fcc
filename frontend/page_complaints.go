package frontend

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/complaints"
	"github.com/kawan-labs/kawan/complaints/paper"
	"github.com/kawan-labs/kawan/search"
)

// Complaints: the form (with or without an account), the case page (by account or by the
// case code and secret kept in a cookie of this browser), "My complaints" and a partner's
// list of cases. Every step is a plain form: it all works without JavaScript.

// caseCookie keeps the code and secret of the case this browser opened without an account
// (HttpOnly, for /complaints only, ends with the browser session).
const caseCookie = "kawan_case"

func (f *Frontend) registerComplaintPages(r *api.Router) {
	if !f.has("complaints") {
		return
	}
	r.Page(http.MethodGet, "/complaints/new", f.complaintForm, api.Public)
	r.Page(http.MethodPost, "/complaints/new", f.csrf(f.fileComplaint), api.Public, api.WithBodyLimit(api.MaxComplaintBody))
	r.Page(http.MethodGet, "/complaints/open", f.openCaseForm, api.Public)
	r.Page(http.MethodPost, "/complaints/open", f.csrf(f.openCase), api.Public)
	r.Page(http.MethodGet, "/complaints/:code", f.casePage, api.Public)
	r.Page(http.MethodPost, "/complaints/:code/message", f.csrf(f.caseMessage), api.Public)
	r.Page(http.MethodPost, "/complaints/:code/step", f.csrf(f.caseStep), api.Public)
	r.Page(http.MethodPost, "/complaints/:code/erase", f.csrf(f.caseErase), api.Public)
	r.Page(http.MethodGet, "/account/complaints", f.myComplaints, api.Roles(kawan.RoleWorker))
	r.Page(http.MethodGet, "/partner/cases", f.partnerCases, api.Roles(kawan.RolePartner))
	r.Page(http.MethodGet, "/moderation/complaints", f.modComplaints, api.Roles(kawan.RoleModerator, kawan.RoleAdmin))
	r.Page(http.MethodPost, "/moderation/complaints/:code/messages/:id", f.csrf(f.modDecideMessage), api.Roles(kawan.RoleModerator, kawan.RoleAdmin))
	if f.o.Paper != nil {
		r.Page(http.MethodPost, "/partner/paper-reviews", f.csrf(f.importPaper), api.Roles(kawan.RolePartner), api.WithBodyLimit(paper.MaxBytes+64<<10))
	}
}

// complaintFormPage is the complaint form with what was entered and its errors.
type complaintFormPage struct {
	In         complaints.Complaint
	AgencyName string
	Amount     complaints.Amount
	Countries  []option
	Facts      []string
	Amounts    []string
	Apps       []string
	Currencies []string
	// Partners are those taking such cases for the entered country and nationality (nil:
	// not asked yet); Choice is "mods" or a partner ID.
	Partners []complaints.Partner
	Asked    bool
	Choice   string
	Errors   fieldErrors
}

var complaintErrs = map[string]string{
	"against": "cmp.err.against", "against.kind": "cmp.err.against", "against.agency_id": "cmp.err.against", "against.name": "cmp.err.employer",
	"facts": "cmp.err.facts", "facts[0]": "cmp.err.facts", "happened_on": "cmp.err.date", "country": "cmp.err.country", "nationality": "cmp.err.country",
	"place": "cmp.err.text", "text": "cmp.err.text", "amounts[0].amount": "cmp.err.amount", "amounts[0].currency": "cmp.err.currency",
	"amounts[0].what": "cmp.err.amount", "partner_ids": "cmp.err.partner", "partner_ids[0]": "cmp.err.partner",
	"share.contact": "cmp.err.contact", "share.name": "cmp.err.contact", "share.passport_number": "cmp.err.contact",
	"private.phone": "cmp.err.phone", "private.email": "cmp.err.email", "private.passport_number": "cmp.err.passport",
	"private.messaging_app": "cmp.err.app", "private.messaging_handle": "cmp.err.app", "private.name": "cmp.err.text", "lang": "form.invalid",
}

// complaintCurrencies are offered in the form (the origin and destination currencies).
var complaintCurrencies = []string{"NPR", "PHP", "IDR", "MMK", "KHR", "VND", "THB", "LKR", "BDT", "INR", "MYR", "SGD", "HKD", "TWD",
	"KRW", "JPY", "QAR", "SAR", "AED", "KWD", "OMR", "BHD", "JOD", "USD"}

func (f *Frontend) newComplaintForm(v *view) complaintFormPage {
	d := complaintFormPage{Facts: complaints.Facts, Amounts: complaints.AmountKinds, Apps: complaints.MessagingApps,
		Currencies: complaintCurrencies, Errors: fieldErrors{}, Choice: "mods"}
	for _, code := range reviewCountries {
		d.Countries = append(d.Countries, option{Value: code, Label: v.Country(code)})
	}
	sortOptions(d.Countries)
	return d
}

func (f *Frontend) complaintForm(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "help", v.T("cmp.new.title")
	d := f.newComplaintForm(v)
	d.In.Lang = v.Loc.Code
	d.In.Against.Kind = "unknown"
	if id := c.QueryParam("agency"); id != "" && f.o.Agencies != nil && kawan.ValidID(id) {
		if p, err := f.o.Agencies.Profile(c.Request().Context(), id); err == nil {
			d.In.Against = complaints.Against{Kind: "agency", AgencyID: p.ID}
			d.AgencyName = p.LegalName
			if len(p.Destinations) == 1 {
				d.In.Country = p.Destinations[0]
			}
		}
	}
	if p := c.QueryParam("country"); slices.Contains(reviewCountries, p) {
		d.In.Country = p
	}
	d.In.Nationality = defaultNationality(v.Loc.Code)
	return f.render(c, http.StatusOK, "complaint_form", v, d)
}

// defaultNationality guesses the nationality from the page's language (the form can change it).
func defaultNationality(lang string) string {
	return map[string]string{"ne": "NP", "fil": "PH", "id": "ID", "my": "MM", "km": "KH", "th": "TH", "vi": "VN"}[lang]
}

// readComplaint reads the form into a complaint.
func readComplaint(c echo.Context) (complaints.Complaint, complaints.Amount, string) {
	fv := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	in := complaints.Complaint{
		Against:    complaints.Against{Kind: fv("against"), AgencyID: fv("agency_id"), Name: fv("employer")},
		HappenedOn: fv("happened_on"), Country: fv("country"), Nationality: fv("nationality"), Place: fv("place"),
		Text: c.FormValue("text"), Lang: fv("lang"),
		Share: complaints.Share{Contact: fv("share_contact") != "", Name: fv("share_name") != "", Passport: fv("share_passport") != ""},
		Private: complaints.Private{Name: fv("name"), Passport: strings.ToUpper(strings.ReplaceAll(fv("passport"), " ", "")), Phone: fv("phone"),
			Email: fv("email"), MessagingApp: fv("app"), MessagingHandle: fv("handle")},
		HideFromAgency: fv("hide") != "",
	}
	if in.Against.Kind != "agency" {
		in.Against.AgencyID = ""
	}
	if in.Against.Kind != "employer" {
		in.Against.Name = ""
	}
	if in.Private.MessagingHandle == "" {
		in.Private.MessagingApp = ""
	}
	form, _ := c.FormParams()
	for _, x := range form["fact"] {
		if slices.Contains(complaints.Facts, x) && !slices.Contains(in.Facts, x) {
			in.Facts = append(in.Facts, x)
		}
	}
	amt := complaints.Amount{What: fv("amount_what"), Amount: strings.ReplaceAll(fv("amount"), ",", ""), Currency: fv("currency")}
	if amt.Amount != "" {
		in.Amounts = []complaints.Amount{amt}
	}
	choice := fv("partner")
	if choice == "" || choice == "mods" {
		in.ModeratorsChoose, choice = true, "mods"
	} else {
		in.PartnerIDs = []string{choice}
	}
	return in, amt, choice
}

func (f *Frontend) fileComplaint(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "help", v.T("cmp.new.title")
	ctx := c.Request().Context()
	d := f.newComplaintForm(v)
	d.In, d.Amount, d.Choice = readComplaint(c)
	if d.In.Lang == "" {
		d.In.Lang = v.Loc.Code
	}
	if d.In.Against.AgencyID != "" && f.o.Agencies != nil {
		if p, err := f.o.Agencies.Profile(ctx, d.In.Against.AgencyID); err == nil {
			d.AgencyName = p.LegalName
		}
	}
	// The partners for what was entered (the "show organisations" button, and again with
	// every error so the choice can be made).
	if d.In.Country != "" && d.In.Nationality != "" {
		if ps, err := f.o.Complaints.Partners(ctx, d.In.Country, d.In.Nationality, ""); err == nil {
			for _, p := range ps {
				if p.Takes(d.In.Country, d.In.Nationality, d.In.Facts) || len(d.In.Facts) == 0 {
					d.Partners = append(d.Partners, p)
				}
			}
			d.Asked = true
		}
	}
	if c.FormValue("step") == "partners" {
		return f.render(c, http.StatusOK, "complaint_form", v, d)
	}
	var p *kawan.Principal
	if v.User != nil {
		p = v.User
	}
	filed, err := f.o.Complaints.File(ctx, p, d.In)
	if errs, ok := formErrors(err, complaintErrs); ok {
		d.Errors = errs
		return f.render(c, http.StatusBadRequest, "complaint_form", v, d)
	}
	if err != nil {
		return err
	}
	if filed.Secret == "" {
		return c.Redirect(http.StatusSeeOther, "/complaints/"+url.PathEscape(filed.Code)+"?done=filed")
	}
	f.setCaseCookie(c, filed.Code, filed.Secret)
	c.Response().Header().Set("Cache-Control", "no-store")
	v.Title = v.T("cmp.filed.title")
	return f.render(c, http.StatusCreated, "complaint_filed", v, filed)
}

func (f *Frontend) setCaseCookie(c echo.Context, code, secret string) {
	c.SetCookie(&http.Cookie{Name: caseCookie, Value: code + "." + secret, Path: "/complaints", HttpOnly: true,
		Secure: secureRequest(c), SameSite: http.SameSiteLaxMode})
}

// caseCaller is the visitor as the complaints service sees them: their account, and the
// secret of the case this browser opened (for that case only).
func caseCaller(c echo.Context, code string) complaints.Caller {
	var out complaints.Caller
	if p, ok := api.PrincipalFrom(c); ok {
		out.P = &p
	}
	if ck, err := c.Cookie(caseCookie); err == nil {
		if k, s, ok := strings.Cut(ck.Value, "."); ok && k == code {
			out.Secret = s
		}
	}
	return out
}

type openCasePage struct {
	Code  string
	Wrong bool
}

func (f *Frontend) openCaseForm(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "help", v.T("cmp.open.title")
	return f.render(c, http.StatusOK, "complaint_open", v, openCasePage{})
}

func (f *Frontend) openCase(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "help", v.T("cmp.open.title")
	code := strings.ToUpper(strings.TrimSpace(c.FormValue("code")))
	secret := strings.TrimSpace(c.FormValue("secret"))
	if _, err := f.o.Complaints.Get(c.Request().Context(), complaints.Caller{Secret: secret}, code); err != nil {
		if errors.Is(err, kawan.ErrNotFound) {
			return f.render(c, http.StatusNotFound, "complaint_open", v, openCasePage{Code: code, Wrong: true})
		}
		return err
	}
	f.setCaseCookie(c, code, secret)
	return c.Redirect(http.StatusSeeOther, "/complaints/"+url.PathEscape(code))
}

// casePageData is a case as the visitor sees it, with the forms they may use.
type casePageData struct {
	C *complaints.View
	// Done confirms the last action: filed, sent, moved, erased.
	Done string
	// Forms offered.
	CanAccept, CanWork, CanResolve, CanClose, CanRefer, CanErase, CanMessage bool
	Partners                                                                 []complaints.Partner
	Outcomes, Declines, Closes, Currencies                                   []string
	Errors                                                                   fieldErrors
	Draft                                                                    string
}

var caseErrs = map[string]string{
	"text": "cmp.err.message", "reason": "cmp.err.reason", "outcome": "cmp.err.outcome", "outcome.kind": "cmp.err.outcome",
	"outcome.recovered": "cmp.err.amount", "outcome.recovered.amount": "cmp.err.amount", "outcome.recovered.currency": "cmp.err.currency",
	"partner_ids": "cmp.err.partner", "partner_ids[0]": "cmp.err.partner", "note": "cmp.err.text", "outcome.note": "cmp.err.text",
}

func (f *Frontend) caseData(c echo.Context, cv *complaints.View) casePageData {
	d := casePageData{C: cv, Done: c.QueryParam("done"), Outcomes: complaints.Outcomes, Declines: complaints.DeclineReasons,
		Closes: complaints.CloseReasons, Currencies: complaintCurrencies, Errors: fieldErrors{}}
	if !slices.Contains([]string{"filed", "sent", "moved"}, d.Done) {
		d.Done = ""
	}
	st := cv.State
	if cv.Erased {
		return d
	}
	switch cv.Viewer {
	case "partner":
		handler := cv.PartnerID != ""
		d.CanAccept = st == complaints.Referred && !handler
		d.CanWork = handler && st == complaints.Accepted
		d.CanResolve = handler && (st == complaints.Accepted || st == complaints.InProgress)
		d.CanClose = d.CanResolve
		d.CanMessage = true
	case "worker":
		d.CanClose = !st.Terminal()
		d.CanRefer = st == complaints.Submitted || st == complaints.Declined
		d.CanErase = st.Terminal() || st == complaints.Declined
		d.CanMessage = true
	case "moderator":
		d.CanClose = !st.Terminal()
		d.CanRefer = st == complaints.Submitted || st == complaints.Declined
	}
	if d.CanRefer {
		if ps, err := f.o.Complaints.Partners(c.Request().Context(), cv.Country, cv.Nationality, ""); err == nil {
			for _, p := range ps {
				if p.Takes(cv.Country, cv.Nationality, cv.Facts) && !slices.Contains(cv.DeclinedBy, p.ID) {
					d.Partners = append(d.Partners, p)
				}
			}
		}
	}
	return d
}

func (f *Frontend) renderCase(c echo.Context, status int, d casePageData) error {
	v := f.newView(c)
	v.Nav, v.Title = "help", v.T("cmp.case.title", "Code", d.C.ID)
	if v.User != nil {
		v.Nav = "account"
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return f.render(c, status, "complaint_case", v, d)
}

func (f *Frontend) casePage(c echo.Context) error {
	code := c.Param("code")
	cv, err := f.o.Complaints.Get(c.Request().Context(), caseCaller(c, code), code)
	if _, signedIn := api.PrincipalFrom(c); errors.Is(err, kawan.ErrNotFound) && !signedIn {
		// Without an account and without this case's secret: ask for it (in the language
		// the link asked for, which newView remembers).
		f.newView(c)
		return c.Redirect(http.StatusSeeOther, "/complaints/open")
	}
	if err != nil {
		return err
	}
	return f.renderCase(c, http.StatusOK, f.caseData(c, cv))
}

func (f *Frontend) caseMessage(c echo.Context) error {
	code := c.Param("code")
	ctx := c.Request().Context()
	text := c.FormValue("text")
	_, err := f.o.Complaints.Message(ctx, caseCaller(c, code), code, text)
	if errs, ok := formErrors(err, caseErrs); ok {
		cv, gerr := f.o.Complaints.Get(ctx, caseCaller(c, code), code)
		if gerr != nil {
			return gerr
		}
		d := f.caseData(c, cv)
		d.Errors, d.Draft = errs, text
		return f.renderCase(c, http.StatusBadRequest, d)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/complaints/"+url.PathEscape(code)+"?done=sent#messages")
}

func (f *Frontend) caseStep(c echo.Context) error {
	code := c.Param("code")
	ctx := c.Request().Context()
	fv := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	t := complaints.Transition{To: complaints.State(fv("to")), Reason: fv("reason"), Note: fv("note")}
	if t.To == complaints.Resolved {
		t.Outcome = &complaints.Outcome{Kind: fv("outcome"), Note: t.Note}
		t.Note = ""
		if amt := strings.ReplaceAll(fv("amount"), ",", ""); amt != "" || t.Outcome.Kind == "money_recovered" {
			t.Outcome.Recovered = &kawan.Money{Amount: amt, Currency: fv("currency")}
		}
	}
	if p := fv("partner"); p != "" {
		t.PartnerIDs = []string{p}
	}
	_, err := f.o.Complaints.Transition(ctx, caseCaller(c, code), code, t)
	if errs, ok := formErrors(err, caseErrs); ok {
		cv, gerr := f.o.Complaints.Get(ctx, caseCaller(c, code), code)
		if gerr != nil {
			return gerr
		}
		d := f.caseData(c, cv)
		d.Errors = errs
		return f.renderCase(c, http.StatusBadRequest, d)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/complaints/"+url.PathEscape(code)+"?done=moved")
}

func (f *Frontend) caseErase(c echo.Context) error {
	code := c.Param("code")
	if err := f.o.Complaints.Erase(c.Request().Context(), caseCaller(c, code), code); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: caseCookie, Value: "", Path: "/complaints", MaxAge: -1, HttpOnly: true, Secure: secureRequest(c), SameSite: http.SameSiteLaxMode})
	v := f.newView(c)
	v.Nav, v.Title = "help", v.T("cmp.erased")
	return f.render(c, http.StatusOK, "complaint_list", v, caseList{Erased: true})
}

// caseList is "My complaints" or a partner's cases.
type caseList struct {
	Mod     bool
	Partner *complaints.Partner
	// Paper is the paper-review import form's state (partners).
	Paper      bool
	Imported   []paper.Result
	PaperFixes []kawan.FieldError
	Items      []complaints.Summary
	Erased     bool
	// Decided is the moderators' list after a decision on a held message.
	Decided bool
}

func (f *Frontend) myComplaints(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "account", v.T("cmp.mine.title")
	list, err := f.o.Complaints.Mine(c.Request().Context(), *v.User)
	if err != nil {
		return err
	}
	return f.render(c, http.StatusOK, "complaint_list", v, caseList{Items: list})
}

func (f *Frontend) partnerCases(c echo.Context) error {
	v := f.newView(c)
	v.Nav = "account"
	ctx := c.Request().Context()
	org, err := f.o.Complaints.PartnerOf(ctx, *v.User)
	if err != nil {
		return err
	}
	v.Title = v.T("cmp.partner.title", "Name", org.Name)
	list, err := f.o.Complaints.PartnerCases(ctx, *v.User)
	if err != nil {
		return err
	}
	return f.render(c, http.StatusOK, "complaint_list", v, caseList{Partner: org, Items: list, Paper: f.o.Paper != nil})
}

// importPaper takes a partner's CSV of paper reviews (a plain file upload) and shows what
// was imported, or every problem by line and column (nothing is imported then).
func (f *Frontend) importPaper(c echo.Context) error {
	v := f.newView(c)
	v.Nav = "account"
	ctx := c.Request().Context()
	org, err := f.o.Complaints.PartnerOf(ctx, *v.User)
	if err != nil {
		return err
	}
	v.Title = v.T("cmp.partner.title", "Name", org.Name)
	d := caseList{Partner: org, Paper: true}
	status := http.StatusCreated
	fh, ferr := c.FormFile("file")
	var data []byte
	if ferr == nil {
		if fh.Size > paper.MaxBytes {
			ferr = errors.New("too large")
		} else if fd, err := fh.Open(); err == nil {
			data, ferr = io.ReadAll(io.LimitReader(fd, paper.MaxBytes+1))
			fd.Close()
		} else {
			ferr = err
		}
	}
	if ferr != nil {
		d.PaperFixes, status = []kawan.FieldError{{Field: "file", Reason: "choose a CSV file (at most 4 MB)"}}, http.StatusBadRequest
	} else if d.Imported, err = f.o.Paper.Import(ctx, *v.User, data); err != nil {
		var ve *kawan.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		d.PaperFixes, status = ve.Fields, http.StatusBadRequest
	}
	if d.Items, err = f.o.Complaints.PartnerCases(ctx, *v.User); err != nil {
		return err
	}
	return f.render(c, status, "complaint_list", v, d)
}

// modComplaints lists the cases waiting for a moderator (to choose a partner, after every
// partner declined, unanswered for 7 days, or with a held message).
func (f *Frontend) modComplaints(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "account", v.T("cmp.mod.title")
	list, err := f.o.Complaints.ForModerators(c.Request().Context())
	if err != nil {
		return err
	}
	return f.render(c, http.StatusOK, "complaint_list", v, caseList{Mod: true, Items: list, Decided: c.QueryParam("done") == "decided"})
}

// modDecideMessage is a moderator's release or rejection of a held message (a plain form on
// the moderators' list and beside the message on the case page), back to where it was sent.
func (f *Frontend) modDecideMessage(c echo.Context) error {
	p, _ := api.PrincipalFrom(c)
	code := c.Param("code")
	_, err := f.o.Complaints.DecideMessage(c.Request().Context(), p, code, c.Param("id"),
		complaints.MessageDecisionInput{Decision: strings.TrimSpace(c.FormValue("decision"))})
	if err != nil {
		return err
	}
	if c.FormValue("back") == "case" {
		return c.Redirect(http.StatusSeeOther, "/complaints/"+url.PathEscape(code)+"?done=moved#messages")
	}
	return c.Redirect(http.StatusSeeOther, "/moderation/complaints?done=decided#case-"+url.PathEscape(code))
}

// complaintBox is the agency page's complaints section: the link to the form and the
// published outcomes (nil when the area is not wired).
type complaintBox struct {
	AgencyID string
	K        int
	Cells    []complaints.OutcomeCell
	// Shown is whether any period is released.
	Shown bool
}

func (f *Frontend) complaintBox(c echo.Context, agencyID string) *complaintBox {
	if !f.has("complaints") {
		return nil
	}
	b := &complaintBox{AgencyID: agencyID, K: f.o.Complaints.K()}
	out, err := f.o.Complaints.Outcomes(c.Request().Context(), agencyID)
	if err != nil {
		f.log.Warn("agency page: complaint outcomes unavailable", "err", err)
		return b
	}
	for _, cell := range out.Cells {
		if !cell.Suppressed {
			b.Cells = append(b.Cells, cell)
			b.Shown = true
		}
	}
	return b
}

// StepPartners names the partners of a step (its partner, or a referral's partners).
func (v *view) StepPartners(cv *complaints.View, st complaints.Step) string {
	ids := st.Partners
	if st.Partner != "" {
		ids = []string{st.Partner}
	}
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		if n := cv.PartnerNames[id]; n != "" {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// HasFact reports whether the form has fact ticked.
func (d complaintFormPage) HasFact(fact string) bool { return slices.Contains(d.In.Facts, fact) }

// noteCollected reads which of the page's reviews a partner organisation collected on paper
// or by phone, for their "collected by" label.
func (f *Frontend) noteCollected(ctx context.Context, v *view, items []search.ReviewDoc) {
	if !f.has("complaints") || len(items) == 0 {
		return
	}
	ids := make([]string, len(items))
	for i, r := range items {
		ids[i] = r.ID
	}
	m, err := f.o.Complaints.CollectedBy(ctx, ids)
	if err != nil {
		f.log.Warn("agency page: paper review labels unavailable", "err", err)
		return
	}
	v.collected = m
}

// CollectedBy is the partner that collected a paper review ("" for any other review).
func (v *view) CollectedBy(reviewID string) string { return v.collected[reviewID] }

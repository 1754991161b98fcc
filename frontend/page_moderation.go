package frontend

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/moderation"
)

var moderators = api.Roles(kawan.RoleModerator, kawan.RoleAdmin)

func (f *Frontend) registerModerationPages(r *api.Router) {
	if f.has("transparency") {
		r.Page(http.MethodGet, "/transparency", f.transparency, api.Public)
	}
	if !f.has("moderation") {
		return
	}
	r.Page(http.MethodGet, "/moderation", f.modQueue, moderators)
	r.Page(http.MethodGet, "/moderation/reviews/:id", f.modItem, moderators)
	r.Page(http.MethodPost, "/moderation/reviews/:id/decision", f.csrf(f.modDecide), moderators)
}

type queuePage struct {
	Kinds      []string
	Kind       string
	Page       moderation.QueuePage
	Agencies   map[string]string // agency ID → name
	Prev, Next string
	Decided    string // status of the review just decided, for the notice
}

func (f *Frontend) modQueue(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "account", v.T("mod.title")
	p, _ := api.PrincipalFrom(c)
	kind := c.QueryParam("kind")
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	q, err := f.o.Moderation.Queue(c.Request().Context(), p, moderation.QueueQuery{Kind: kind, Page: page, PerPage: 20})
	if _, bad := formErrors(err, nil); bad {
		kind = ""
		q, err = f.o.Moderation.Queue(c.Request().Context(), p, moderation.QueueQuery{Page: 1, PerPage: 20})
	}
	if err != nil {
		return err
	}
	data := queuePage{Kinds: moderation.QueueKinds, Kind: kind, Page: q, Decided: c.QueryParam("decided")}
	ids := make([]string, len(q.Items))
	for i, it := range q.Items {
		ids[i] = it.AgencyID
	}
	if data.Agencies, err = f.agencyNames(c.Request().Context(), ids); err != nil {
		return err
	}
	if q.Page > 1 {
		data.Prev = pageURL(c.Request().URL, q.Page-1)
	}
	if q.Page*q.PerPage < q.Total {
		data.Next = pageURL(c.Request().URL, q.Page+1)
	}
	return f.render(c, http.StatusOK, "mod_queue", v, data)
}

type modItemPage struct {
	Item           moderation.ItemDetail
	AgencyName     string
	Actions        []string // only those the review's status allows
	PublishReasons []string
	RefuseReasons  []string
	Action, Reason string
	Note           string
	Errors         fieldErrors
	Notice         string // catalog key of a message above the form; may use Status and Action
}

func (f *Frontend) modItemData(ctx context.Context, item moderation.ItemDetail) (modItemPage, error) {
	d := modItemPage{Item: item, Errors: fieldErrors{}}
	names, err := f.agencyNames(ctx, []string{item.AgencyID})
	if err != nil {
		return d, err
	}
	d.AgencyName = names[item.AgencyID]
	for _, a := range moderation.ActionsFrom(item.Status) {
		d.Actions = append(d.Actions, string(a))
	}
	for _, r := range moderation.PublishReasons {
		d.PublishReasons = append(d.PublishReasons, string(r))
	}
	for _, r := range moderation.RefuseReasons {
		d.RefuseReasons = append(d.RefuseReasons, string(r))
	}
	return d, nil
}

func (f *Frontend) modItem(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "account", v.T("mod.item.title")
	p, _ := api.PrincipalFrom(c)
	item, err := f.o.Moderation.Item(c.Request().Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	data, err := f.modItemData(c.Request().Context(), item)
	if err != nil {
		return err
	}
	return f.render(c, http.StatusOK, "mod_item", v, data)
}

func (f *Frontend) modDecide(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "account", v.T("mod.item.title")
	p, _ := api.PrincipalFrom(c)
	ctx := c.Request().Context()
	d := moderation.Decision{Action: moderation.Action(c.FormValue("action")), Reason: moderation.Reason(c.FormValue("reason")), Note: c.FormValue("note")}
	res, err := f.o.Moderation.Decide(ctx, p, c.Param("id"), d)
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/moderation?decided="+string(res.Status))
	}
	fe, invalid := formErrors(err, map[string]string{"action": "mod.err.action", "reason": "mod.err.reason", "note": "flag.err.note"})
	conflict := errors.Is(err, kawan.ErrConflict)
	if !invalid && !conflict {
		return err
	}
	item, ierr := f.o.Moderation.Item(ctx, p, c.Param("id"))
	if ierr != nil {
		return ierr
	}
	data, ierr := f.modItemData(ctx, item)
	if ierr != nil {
		return ierr
	}
	data.Action, data.Reason, data.Note = string(d.Action), string(d.Reason), d.Note
	status := http.StatusBadRequest
	switch {
	case invalid:
		data.Errors = fe
	case errors.Is(err, moderation.ErrWrongState):
		data.Notice, status = "mod.err.state", http.StatusConflict
	case errors.Is(err, moderation.ErrClaimed):
		data.Notice, status = "mod.err.claimed", http.StatusConflict
	default:
		data.Notice, status = "mod.err.conflict", http.StatusConflict
	}
	return f.render(c, status, "mod_item", v, data)
}

type transparencyPage struct {
	Report moderation.TransparencyReport
	From   string
	To     string
	Errors fieldErrors
}

func (f *Frontend) transparency(c echo.Context) error {
	v := f.newView(c)
	v.Title = v.T("tr.title")
	data := transparencyPage{From: c.QueryParam("from"), To: c.QueryParam("to"), Errors: fieldErrors{}}
	rep, err := f.o.Moderation.Transparency(c.Request().Context(), data.From, data.To)
	status := http.StatusOK
	if fe, ok := formErrors(err, map[string]string{"from": "tr.err.month", "to": "tr.err.month"}); ok {
		data.Errors = fe
		status = http.StatusBadRequest
		rep, err = f.o.Moderation.Transparency(c.Request().Context(), "", "")
	}
	if err != nil {
		return err
	}
	data.Report = rep
	return f.render(c, status, "transparency", v, data)
}

// Percent1 formats a 0–1 share as a percentage with one decimal.
func (v *view) Percent1(x *float64) string {
	if x == nil {
		return "–"
	}
	return v.T("fmt.percent", "N", v.Dec(strconv.FormatFloat(*x*100, 'f', 1, 64), 1))
}

// Duration formats a number of seconds for the transparency report.
func (v *view) Duration(s *int64) string {
	switch {
	case s == nil:
		return "–"
	case *s < 0:
		return v.T("tr.over30d")
	case *s < 3600:
		return v.T("tr.minutes", "N", v.Num(*s/60))
	case *s < 86400:
		return v.T("tr.hours", "N", v.Num(*s/3600))
	}
	return v.T("tr.days", "N", v.Num(*s/86400))
}

// Score formats a 0–1 score with two decimals.
func (v *view) Score(x float64) string { return v.Dec(strconv.FormatFloat(x, 'f', 2, 64), 2) }

// SignalName is a moderation signal or hold reason ("new_account") in words of the page's
// language (the catalog's "signal.<name>"), or the identifier itself for one the catalogs do
// not know yet (TestSignalNames lists the known ones).
func (v *view) SignalName(name string) string {
	if v.f.cat.Has("signal." + name) {
		return v.T("signal." + name)
	}
	return name
}

package frontend

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/reviews"
)

// "My reviews": a worker's own reviews with where each stands in moderation, the reason for
// a rejection or removal, and a form to ask for another check (an appeal).

func (f *Frontend) registerMyReviewPages(r *api.Router) {
	if !f.has("write") {
		return
	}
	r.Page(http.MethodGet, "/account/reviews", f.myReviews, api.AnyUser)
	if f.o.Moderation != nil {
		r.Page(http.MethodPost, "/account/reviews/:id/appeal", f.csrf(f.appeal), api.AnyUser)
	}
}

type myReview struct {
	reviews.OwnReview
	AgencyName string
	// ReasonKey is the message key of the moderation reason ("" when there is none to show).
	ReasonKey string
}

type myReviewsPage struct {
	Reviews   []myReview
	CanAppeal bool   // the appeal form is offered (moderation is wired)
	Appealed  string // the review just appealed, for the confirmation
	// ErrorFor is the review whose appeal form has Errors.
	ErrorFor string
	Note     string
	Errors   fieldErrors
}

func (f *Frontend) myReviewsData(ctx context.Context, userID string) (myReviewsPage, error) {
	own, err := f.o.Reviews.Mine(ctx, userID)
	if err != nil {
		return myReviewsPage{}, err
	}
	d := myReviewsPage{CanAppeal: f.o.Moderation != nil, Errors: fieldErrors{}}
	ids := make([]string, len(own))
	for i, o := range own {
		ids[i] = o.AgencyID
	}
	names, err := f.agencyNames(ctx, ids)
	if err != nil {
		return myReviewsPage{}, err
	}
	for _, o := range own {
		m := myReview{OwnReview: o, AgencyName: names[o.AgencyID]}
		if knownReason(o.Reason) {
			m.ReasonKey = "mod.reason." + o.Reason
		}
		d.Reviews = append(d.Reviews, m)
	}
	return d, nil
}

// knownReason reports whether code is a moderation reason the catalogs name.
func knownReason(code string) bool {
	if code == "" {
		return false
	}
	return slices.Contains(moderation.PublishReasons, moderation.Reason(code)) || slices.Contains(moderation.RefuseReasons, moderation.Reason(code))
}

func (f *Frontend) myReviews(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "account", v.T("mine.title")
	d, err := f.myReviewsData(c.Request().Context(), v.User.UserID)
	if err != nil {
		return err
	}
	if id := c.QueryParam("appealed"); kawan.ValidID(id) {
		d.Appealed = id
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return f.render(c, http.StatusOK, "my_reviews", v, d)
}

// appeal asks for another check of a rejected or removed review, then shows the list again.
func (f *Frontend) appeal(c echo.Context) error {
	p, _ := api.PrincipalFrom(c)
	ctx := c.Request().Context()
	id, note := c.Param("id"), c.FormValue("note")
	_, err := f.o.Moderation.Appeal(ctx, p, id, note)
	if fe, bad := formErrors(err, map[string]string{"note": "flag.err.note"}); bad {
		v := f.newView(c)
		v.Nav, v.Title = "account", v.T("mine.title")
		d, derr := f.myReviewsData(ctx, p.UserID)
		if derr != nil {
			return derr
		}
		d.Errors, d.ErrorFor, d.Note = fe, id, note
		return f.render(c, http.StatusBadRequest, "my_reviews", v, d)
	}
	// A second press, or an appeal already decided, lands on the list, which says where the
	// review stands; anything else is an error page.
	if err != nil && !errors.Is(err, kawan.ErrConflict) {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account/reviews?appealed="+id+"#r-"+id)
}

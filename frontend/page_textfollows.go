package frontend

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/textbot"
)

// TextFollows is what the text-follows page needs (store.TextSessions): the sender a
// confirmation code stands for, that sender's follows, and ending one.
type TextFollows interface {
	CodeSender(ctx context.Context, codeHash string, now time.Time) (string, error)
	FollowsOf(ctx context.Context, sender string) ([]store.TextFollow, error)
	UnfollowOne(ctx context.Context, sender, agencyID string) error
}

// registerTextFollowPages adds /text/follows: a worker who follows agencies by text sends
// LIST, gets a code on the same number or chat, and with it sees and ends each
// subscription here (plain forms, no account, no JavaScript needed).
func (f *Frontend) registerTextFollowPages(r *api.Router) {
	if f.o.TextFollows == nil {
		return
	}
	r.Page(http.MethodGet, "/text/follows", f.textFollowsForm, api.Public)
	r.Page(http.MethodPost, "/text/follows", f.csrf(f.textFollows), api.Public)
}

type textFollowsPage struct {
	formPage
	Code    string
	Shown   bool
	Follows []textFollowRow
	Ended   bool
}

type textFollowRow struct {
	AgencyID string
	Name     string
	Channel  string
	Since    time.Time
}

func (f *Frontend) textFollowsForm(c echo.Context) error {
	v := f.newView(c)
	v.Title = v.T("textfollows.title")
	return f.render(c, http.StatusOK, "textfollows", v, textFollowsPage{formPage: formPage{Values: map[string]string{}, Errors: fieldErrors{}}})
}

// textFollows shows (and, with "end", ends) the follows of the sender the code stands for.
// Codes are tried at most as often as the password-reset form allows per client network.
func (f *Frontend) textFollows(c echo.Context) error {
	v := f.newView(c)
	v.Title = v.T("textfollows.title")
	c.Response().Header().Set("Cache-Control", "no-store")
	ctx := c.Request().Context()
	code := c.FormValue("code")
	if len(code) > 40 {
		code = code[:40]
	}
	d := textFollowsPage{formPage: formPage{Values: map[string]string{"code": code}, Errors: fieldErrors{}}, Code: code}
	if f.o.Auth != nil {
		err := f.o.Auth.Limit(ctx, auth.LimitRecover, f.client(c), "")
		var ra *kawan.RetryAfterError
		if errors.Is(err, kawan.ErrRateLimited) {
			if errors.As(err, &ra) {
				c.Response().Header().Set("Retry-After", strconv.Itoa(ra.Seconds))
			}
			d.Notice = "signin.slow"
			return f.render(c, http.StatusTooManyRequests, "textfollows", v, d)
		}
		if err != nil {
			return err
		}
	}
	sender := ""
	if h := textbot.CodeHash(code); h != "" {
		var err error
		if sender, err = f.o.TextFollows.CodeSender(ctx, h, time.Now()); err != nil {
			return err
		}
	}
	if sender == "" {
		d.Errors["code"] = "textfollows.err.code"
		return f.render(c, http.StatusBadRequest, "textfollows", v, d)
	}
	if end := c.FormValue("end"); end != "" {
		if !kawan.ValidID(end) {
			return f.render(c, http.StatusBadRequest, "textfollows", v, d)
		}
		if err := f.o.TextFollows.UnfollowOne(ctx, sender, end); err != nil {
			return err
		}
		d.Ended = true
	}
	fs, err := f.o.TextFollows.FollowsOf(ctx, sender)
	if err != nil {
		return err
	}
	d.Shown = true
	for _, x := range fs {
		row := textFollowRow{AgencyID: x.AgencyID, Name: x.AgencyID, Channel: x.Channel, Since: x.Since}
		if f.o.Agencies != nil {
			if p, err := f.o.Agencies.Profile(ctx, x.AgencyID); err == nil {
				row.Name = p.LegalName
			}
		}
		d.Follows = append(d.Follows, row)
	}
	return f.render(c, http.StatusOK, "textfollows", v, d)
}

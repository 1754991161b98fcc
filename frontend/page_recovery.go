package frontend

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/auth"
)

// Password recovery pages: "forgot password" asks for the e-mail address or phone number
// the account gave (auth.Service.RequestReset answers the same whether or not an account
// has it), and the link's page sets a new password (auth.Service.ResetPassword).

func (f *Frontend) registerRecoveryPages(r *api.Router) {
	if f.o.Auth == nil {
		return
	}
	r.Page(http.MethodGet, "/forgot", f.forgotForm, api.Public)
	r.Page(http.MethodPost, "/forgot", f.csrf(f.forgot), api.Public)
	r.Page(http.MethodGet, "/reset", f.resetForm, api.Public)
	r.Page(http.MethodPost, "/reset", f.csrf(f.reset), api.Public)
}

// recoveryPage is the forgot and reset forms.
type recoveryPage struct {
	formPage
	Sent     bool   // forgot: the request was accepted
	Token    string // reset: the link's token, carried in a hidden field
	BadToken bool   // reset: the link is unknown, used or expired
}

func (f *Frontend) forgotForm(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "signin", v.T("forgot.title")
	d := recoveryPage{formPage: formPage{Values: map[string]string{}, Errors: fieldErrors{}}, Sent: c.QueryParam("sent") == "1"}
	return f.render(c, http.StatusOK, "forgot", v, d)
}

func (f *Frontend) forgot(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "signin", v.T("forgot.title")
	contact := c.FormValue("contact")
	d := recoveryPage{formPage: formPage{Values: map[string]string{"contact": contact}, Errors: fieldErrors{}}}
	err := f.o.Auth.RequestReset(c.Request().Context(), auth.ResetRequest{Contact: contact, Lang: v.Loc.Code}, f.client(c))
	var ra *kawan.RetryAfterError
	switch {
	case err == nil:
		return c.Redirect(http.StatusSeeOther, "/forgot?sent=1")
	case errors.Is(err, kawan.ErrRateLimited):
		if errors.As(err, &ra) {
			c.Response().Header().Set("Retry-After", strconv.Itoa(ra.Seconds))
		}
		d.Notice = "signin.slow"
		return f.render(c, http.StatusTooManyRequests, "forgot", v, d)
	}
	if fe, ok := formErrors(err, map[string]string{"contact": "forgot.err.contact"}); ok {
		d.Errors = fe
		return f.render(c, http.StatusBadRequest, "forgot", v, d)
	}
	return err
}

func (f *Frontend) resetPage(c echo.Context, v *view, token string) recoveryPage {
	v.Nav, v.Title = "signin", v.T("reset.title")
	c.Response().Header().Set("Cache-Control", "no-store")
	return recoveryPage{formPage: formPage{Values: map[string]string{}, Errors: fieldErrors{}, MinPassword: auth.MinPasswordRunes}, Token: token}
}

func (f *Frontend) resetForm(c echo.Context) error {
	v := f.newView(c)
	d := f.resetPage(c, v, c.QueryParam("token"))
	err := f.o.Auth.CheckReset(c.Request().Context(), d.Token)
	if _, bad := formErrors(err, nil); bad {
		d.BadToken = true
		return f.render(c, http.StatusBadRequest, "reset", v, d)
	}
	if err != nil {
		return err
	}
	return f.render(c, http.StatusOK, "reset", v, d)
}

func (f *Frontend) reset(c echo.Context) error {
	v := f.newView(c)
	d := f.resetPage(c, v, c.FormValue("token"))
	ctx := c.Request().Context()
	if err := f.o.Auth.Limit(ctx, auth.LimitLogin, f.client(c), ""); err != nil {
		return err
	}
	pw := c.FormValue("password")
	if pw != c.FormValue("password2") {
		d.Errors["password2"] = "register.err.password2"
		return f.render(c, http.StatusBadRequest, "reset", v, d)
	}
	err := f.o.Auth.ResetPassword(ctx, d.Token, pw)
	if fe, ok := formErrors(err, map[string]string{"password": "register.err.password"}); ok {
		if _, bad := fe["token"]; bad {
			d.BadToken = true
		}
		d.Errors = fe
		return f.render(c, http.StatusBadRequest, "reset", v, d)
	}
	if err != nil {
		return err
	}
	f.clearSession(c)
	return c.Redirect(http.StatusSeeOther, "/signin?reset=1")
}

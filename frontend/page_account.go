package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/auth"
)

// Session cookies. The access token (15 minutes) and the refresh token (single use,
// rotated on every refresh) live in HttpOnly, SameSite=Lax cookies; the JSON API never
// reads them (it takes bearer tokens only), so they cannot be used to call it cross-site.
const (
	accessCookie  = "kawan_at"
	refreshCookie = "kawan_rt"
)

func (f *Frontend) registerAccountPages(r *api.Router) {
	if f.o.Auth == nil {
		return
	}
	r.Page(http.MethodGet, "/signin", f.signinForm, api.Public)
	r.Page(http.MethodPost, "/signin", f.csrf(f.signin), api.Public)
	r.Page(http.MethodGet, "/register", f.registerForm, api.Public)
	r.Page(http.MethodPost, "/register", f.csrf(f.register), api.Public)
	r.Page(http.MethodPost, "/signout", f.csrf(f.signout), api.AnyUser)
	r.Page(http.MethodGet, "/account", f.account, api.AnyUser)
	r.Page(http.MethodGet, "/account/export", f.exportAccount, api.AnyUser)
	r.Page(http.MethodPost, "/account/delete", f.csrf(f.deleteAccount), api.AnyUser)
}

func (f *Frontend) client(c echo.Context) auth.Client {
	return auth.Client{Addr: api.ClientIP(c), UserAgent: c.Request().UserAgent()}
}

func (f *Frontend) setSession(c echo.Context, p auth.TokenPair) {
	sec := secureRequest(c)
	c.SetCookie(&http.Cookie{Name: accessCookie, Value: p.AccessToken, Path: "/", MaxAge: p.ExpiresIn,
		HttpOnly: true, Secure: sec, SameSite: http.SameSiteLaxMode})
	c.SetCookie(&http.Cookie{Name: refreshCookie, Value: p.RefreshToken, Path: "/", MaxAge: int(auth.SessionTTL / time.Second),
		HttpOnly: true, Secure: sec, SameSite: http.SameSiteLaxMode})
}

func (f *Frontend) clearSession(c echo.Context) {
	for _, n := range []string{accessCookie, refreshCookie} {
		c.SetCookie(&http.Cookie{Name: n, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secureRequest(c), SameSite: http.SameSiteLaxMode})
	}
}

// pageRequest reports whether a request is for a page (where the cookie session applies),
// not the JSON API, health, metrics or a static file.
func pageRequest(r *http.Request) bool {
	p := r.URL.Path
	for _, pre := range []string{"/v1/", "/static/", "/healthz", "/readyz", "/metrics", "/openapi.yaml", "/favicon.ico"} {
		if strings.HasPrefix(p, pre) {
			return false
		}
	}
	return p != "/v1"
}

// sessionMiddleware turns the session cookies into the request's principal on page
// routes: a valid access token directly; otherwise the refresh token is exchanged for a
// new pair (single use; a re-used one revokes the session, as in the API). An invalid
// session is cleared and the request continues anonymously.
func (f *Frontend) sessionMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if f.o.Auth == nil || !pageRequest(r) || r.Header.Get(echo.HeaderAuthorization) != "" {
			return next(c)
		}
		if ck, err := r.Cookie(accessCookie); err == nil && ck.Value != "" {
			if p, err := f.o.Auth.VerifyAccessToken(r.Context(), ck.Value); err == nil {
				api.SetPrincipal(c, p)
				return next(c)
			}
		}
		ck, err := r.Cookie(refreshCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		pair, err := f.o.Auth.Refresh(r.Context(), ck.Value, f.client(c))
		switch {
		case err == nil:
			f.setSession(c, pair)
			api.SetPrincipal(c, pair.Principal)
		case errors.Is(err, kawan.ErrUnauthenticated):
			f.clearSession(c)
		}
		return next(c)
	}
}

// formPage is a form re-rendered with what the person typed and a message per field.
type formPage struct {
	Values map[string]string
	Errors fieldErrors
	Next   string
	Notice string // catalog key of a message above the form
	// MinPassword is auth's shortest allowed password, for the help text.
	MinPassword int
}

func (p formPage) V(name string) string { return p.Values[name] }

func nextParam(c echo.Context) string {
	n := c.FormValue("next")
	if n == "" {
		n = c.QueryParam("next")
	}
	if !safeLocalPath(n) || strings.HasPrefix(n, "/signin") || strings.HasPrefix(n, "/register") {
		return "/account"
	}
	return n
}

func (f *Frontend) signinForm(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "signin", v.T("signin.title")
	d := formPage{Values: map[string]string{}, Errors: fieldErrors{}, Next: nextParam(c)}
	if c.QueryParam("reset") == "1" {
		d.Notice = "signin.reset"
	}
	return f.render(c, http.StatusOK, "signin", v, d)
}

func (f *Frontend) signin(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "signin", v.T("signin.title")
	data := formPage{Values: map[string]string{"username": c.FormValue("username")}, Errors: fieldErrors{}, Next: nextParam(c)}
	pair, err := f.o.Auth.Login(c.Request().Context(), c.FormValue("username"), c.FormValue("password"), f.client(c))
	var ra *kawan.RetryAfterError
	switch {
	case err == nil:
		f.setSession(c, pair)
		return c.Redirect(http.StatusSeeOther, data.Next)
	case errors.As(err, &ra) || errors.Is(err, kawan.ErrRateLimited):
		data.Notice = "signin.slow"
		return f.render(c, http.StatusTooManyRequests, "signin", v, data)
	case errors.Is(err, kawan.ErrUnauthenticated):
		data.Notice = "signin.wrong"
		return f.render(c, http.StatusUnauthorized, "signin", v, data)
	}
	if fe, ok := formErrors(err, map[string]string{"username": "signin.wrong", "password": "signin.wrong"}); ok {
		data.Errors = fe
		return f.render(c, http.StatusBadRequest, "signin", v, data)
	}
	return err
}

func (f *Frontend) registerForm(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "signin", v.T("register.title")
	return f.render(c, http.StatusOK, "register", v, formPage{Values: map[string]string{}, Errors: fieldErrors{}, Next: nextParam(c), MinPassword: auth.MinPasswordRunes})
}

var registerFieldMsgs = map[string]string{
	"username": "register.err.username", "password": "register.err.password", "email": "register.err.email", "phone": "register.err.phone",
}

func (f *Frontend) register(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "signin", v.T("register.title")
	in := auth.Registration{Username: c.FormValue("username"), Password: c.FormValue("password"),
		Email: strings.TrimSpace(c.FormValue("email")), Phone: strings.TrimSpace(c.FormValue("phone"))}
	data := formPage{Values: map[string]string{"username": in.Username, "email": in.Email, "phone": in.Phone}, Errors: fieldErrors{}, Next: nextParam(c),
		MinPassword: auth.MinPasswordRunes}
	ctx := c.Request().Context()
	if in.Password != c.FormValue("password2") {
		// Every problem at once: the other fields are checked too.
		if fe, ok := formErrors(f.o.Auth.CheckRegistration(in), registerFieldMsgs); ok {
			data.Errors = fe
		}
		data.Errors["password2"] = "register.err.password2"
		return f.render(c, http.StatusBadRequest, "register", v, data)
	}
	if err := f.o.Auth.Limit(ctx, auth.LimitRegister, f.client(c), ""); err != nil {
		return err
	}
	u, err := f.o.Auth.Register(ctx, in)
	if errors.Is(err, kawan.ErrConflict) {
		data.Errors["username"] = "register.err.taken"
		return f.render(c, http.StatusConflict, "register", v, data)
	}
	if fe, ok := formErrors(err, registerFieldMsgs); ok {
		data.Errors = fe
		return f.render(c, http.StatusBadRequest, "register", v, data)
	}
	if err != nil {
		return err
	}
	pair, err := f.o.Auth.StartSession(ctx, u, f.client(c))
	if err != nil {
		return err
	}
	f.setSession(c, pair)
	if data.Next == "/account" {
		// No page to return to: the account page says what one can do next.
		return c.Redirect(http.StatusSeeOther, "/account?welcome=1")
	}
	return c.Redirect(http.StatusSeeOther, data.Next)
}

func (f *Frontend) signout(c echo.Context) error {
	p, _ := api.PrincipalFrom(c)
	if err := f.o.Auth.Logout(c.Request().Context(), p); err != nil {
		return err
	}
	f.clearSession(c)
	return c.Redirect(http.StatusSeeOther, "/")
}

type accountPage struct {
	User    *kawan.User
	Errors  fieldErrors
	Choice  string
	Welcome bool // just signed up: show the next steps
	// Rep is the agency the account represents and its claims (nil: none).
	Rep *representation
	// Follows are the agencies the account follows, with their latest changes.
	Follows []agencies.FollowedAgency
}

func (f *Frontend) account(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "account", v.T("account.title")
	u, err := f.o.Auth.User(c.Request().Context(), v.User.UserID)
	if err != nil {
		return err
	}
	rep, err := f.representation(c.Request().Context(), u)
	if err != nil {
		return err
	}
	follows, err := f.followedAgencies(c, v.User.UserID)
	if err != nil {
		return err
	}
	return f.render(c, http.StatusOK, "account", v, accountPage{User: u, Errors: fieldErrors{}, Choice: "anonymise", Rep: rep, Follows: follows,
		Welcome: c.QueryParam("welcome") != "" && u.Role == kawan.RoleWorker})
}

// exportAccount downloads everything Kawan holds about the account, as JSON.
func (f *Frontend) exportAccount(c echo.Context) error {
	p, _ := api.PrincipalFrom(c)
	ctx := c.Request().Context()
	if err := f.o.Auth.Limit(ctx, auth.LimitAccount, f.client(c), p.UserID); err != nil {
		return err
	}
	data, err := f.o.Auth.Export(ctx, p)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="kawan-account.json"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/json; charset=utf-8", b)
}

func (f *Frontend) deleteAccount(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "account", v.T("account.title")
	p, _ := api.PrincipalFrom(c)
	ctx := c.Request().Context()
	in := auth.Erasure{Password: c.FormValue("password"), Reviews: c.FormValue("reviews")}
	if err := f.o.Auth.Limit(ctx, auth.LimitAccount, f.client(c), p.UserID); err != nil {
		return err
	}
	err := f.o.Auth.Erase(ctx, p, in)
	if fe, ok := formErrors(err, map[string]string{"password": "account.err.password", "reviews": "account.err.reviews"}); ok {
		u, uerr := f.o.Auth.User(ctx, p.UserID)
		if uerr != nil {
			return uerr
		}
		return f.render(c, http.StatusBadRequest, "account", v, accountPage{User: u, Errors: fe, Choice: in.Reviews})
	}
	if err != nil {
		return err
	}
	f.clearSession(c)
	return c.Redirect(http.StatusSeeOther, "/?deleted=1")
}

// signinURL is where a signed-out visitor is sent to come back to path.
func signinURL(path string) string { return "/signin?next=" + url.QueryEscape(path) }

var _ = context.Background

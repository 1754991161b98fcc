package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/auth"
)

// AuthModule serves accounts: registration, sign-in, token refresh, sign-out, the caller's
// own account (read, export, erase), agency representation claims and admin user
// management. It also rate-limits every routed request it has a rule for (LimitRequest).
type AuthModule struct {
	Svc *auth.Service
}

// Register adds the account routes.
func (h *AuthModule) Register(r *Router) {
	r.API(http.MethodPost, "/auth/register", h.register, Public)
	r.API(http.MethodPost, "/auth/login", h.login, Public)
	r.API(http.MethodPost, "/auth/refresh", h.refresh, Public)
	r.API(http.MethodPost, "/auth/logout", h.logout, AnyUser)
	r.API(http.MethodPost, "/auth/password-reset", h.requestReset, Public)
	r.API(http.MethodPost, "/auth/password-reset/confirm", h.confirmReset, Public)
	r.API(http.MethodGet, "/me", h.me, AnyUser)
	r.API(http.MethodDelete, "/me", h.erase, AnyUser)
	r.API(http.MethodGet, "/me/export", h.export, AnyUser)
	r.API(http.MethodPost, "/me/password", h.changePassword, AnyUser)
	r.API(http.MethodPost, "/me/agency-claims", h.claim, Roles(kawan.RoleWorker))
	r.API(http.MethodGet, "/admin/agency-claims", h.listClaims, Roles(kawan.RoleAdmin))
	r.API(http.MethodPost, "/admin/agency-claims/:id/decision", h.decideClaim, Roles(kawan.RoleAdmin))
	r.API(http.MethodGet, "/admin/users", h.listUsers, Roles(kawan.RoleAdmin))
	r.API(http.MethodPut, "/admin/users/:id/role", h.setRole, Roles(kawan.RoleAdmin))
}

// ClientOf is the request's client as auth sees it (address by the trusted-proxy rules,
// user agent). The address goes only into keyed fingerprints.
func ClientOf(c echo.Context) auth.Client {
	return auth.Client{Addr: ClientIP(c), UserAgent: c.Request().UserAgent()}
}

// Fingerprint is the keyed client fingerprint of a request (for ReviewsModule.Fingerprint
// and moderation's fraud signals).
func (h *AuthModule) Fingerprint(c echo.Context) string {
	cl := ClientOf(c)
	return h.Svc.Fingerprint(cl.Addr, cl.UserAgent)
}

// NetPrefix is the keyed fingerprint of the request's network prefix (for
// ReviewsModule.NetPrefix and moderation's network signals).
func (h *AuthModule) NetPrefix(c echo.Context) string {
	return h.Svc.PrefixFingerprint(ClientIP(c))
}

// routeLimits maps routes to auth's rate-limit kinds. Flag routes are matched by suffix
// so the moderation area's route is covered whatever its exact path.
var routeLimits = map[string]string{
	"POST /v1/auth/register":             auth.LimitRegister,
	"POST /v1/auth/login":                auth.LimitLogin,
	"POST /v1/auth/refresh":              auth.LimitRefresh,
	"POST /v1/agencies/:id/reviews":      auth.LimitReview,
	"POST /v1/reviews/:id/votes":         auth.LimitVote,
	"DELETE /v1/me":                      auth.LimitAccount,
	"GET /v1/me/export":                  auth.LimitAccount,
	"POST /v1/me/agency-claims":          auth.LimitAccount,
	"PUT /v1/admin/users/:id/role":       auth.LimitAccount,
	"POST /v1/reviews/:id/flags":         auth.LimitFlag,
	"POST /v1/agencies/:id/flags":        auth.LimitFlag,
	"POST /v1/reviews/:id/reply":         auth.LimitReview,
	"POST /v1/complaints":                auth.LimitReview,
	"POST /v1/complaints/:code/messages": auth.LimitFlag,
	"POST /complaints/new":               auth.LimitReview, // the complaint form (frontend)
	"POST /complaints/open":              auth.LimitLogin,
	"POST /complaints/:code/message":     auth.LimitFlag,
}

// LimitRequest implements RequestLimiter: it applies the route's rate limit (per client
// network locally, per account in MongoDB), after the access check.
func (h *AuthModule) LimitRequest(c echo.Context) error {
	route := c.Request().Method + " " + c.Path()
	kind, ok := routeLimits[route]
	if !ok && c.Request().Method == http.MethodPost && (strings.HasSuffix(c.Path(), "/flags") || strings.HasSuffix(c.Path(), "/flag")) {
		kind, ok = auth.LimitFlag, true
	}
	if !ok {
		return nil
	}
	p, _ := PrincipalFrom(c)
	// refresh counts per account inside the service, where the account is known
	return h.Svc.Limit(c.Request().Context(), kind, ClientOf(c), p.UserID)
}

// userView is an account as its owner sees it.
type userView struct {
	ID        string     `json:"id"`
	Username  string     `json:"username"`
	Role      kawan.Role `json:"role"`
	AgencyID  string     `json:"agency_id,omitempty"`
	Email     string     `json:"email,omitempty"`
	Phone     string     `json:"phone,omitempty"`
	Demo      bool       `json:"demo,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

func viewOf(u *kawan.User, contact bool) userView {
	v := userView{ID: u.ID, Username: u.Username, Role: u.Role, AgencyID: u.AgencyID, Demo: u.Demo, CreatedAt: u.CreatedAt}
	if contact {
		v.Email, v.Phone = u.Email, u.Phone
	}
	return v
}

func (h *AuthModule) register(c echo.Context) error {
	var in auth.Registration
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	u, err := h.Svc.Register(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, viewOf(u, true))
}

// ResetAccepted is the one answer to a password-reset request, whether or not an account
// has the contact detail.
const ResetAccepted = "If an account gave this e-mail address or phone number, a link to choose a new password has been sent to it. The link works once, for one hour."

// requestReset starts password recovery (rate limits inside the service, which knows the
// contact detail; the answer never says whether an account has it).
func (h *AuthModule) requestReset(c echo.Context) error {
	var in struct {
		Contact string `json:"contact"`
		Lang    string `json:"lang"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := h.Svc.RequestReset(c.Request().Context(), auth.ResetRequest{Contact: in.Contact, Lang: in.Lang}, ClientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"status": "accepted", "detail": ResetAccepted})
}

// confirmReset sets a new password with a reset link's token; every session of the
// account ends.
func (h *AuthModule) confirmReset(c echo.Context) error {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := h.Svc.Limit(c.Request().Context(), auth.LimitLogin, ClientOf(c), ""); err != nil {
		return err
	}
	if err := h.Svc.ResetPassword(c.Request().Context(), in.Token, in.Password); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.NoContent(http.StatusNoContent)
}

func (h *AuthModule) login(c echo.Context) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	pair, err := h.Svc.Login(c.Request().Context(), in.Username, in.Password, ClientOf(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, pair)
}

func (h *AuthModule) refresh(c echo.Context) error {
	var in struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	pair, err := h.Svc.Refresh(c.Request().Context(), in.RefreshToken, ClientOf(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, pair)
}

func (h *AuthModule) logout(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	if err := h.Svc.Logout(c.Request().Context(), p); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *AuthModule) me(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	u, err := h.Svc.User(c.Request().Context(), p.UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewOf(u, true))
}

func (h *AuthModule) export(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	out, err := h.Svc.Export(c.Request().Context(), p)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="kawan-export.json"`)
	return c.JSON(http.StatusOK, out)
}

func (h *AuthModule) erase(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in auth.Erasure
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := h.Svc.Erase(c.Request().Context(), p, in); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *AuthModule) changePassword(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	pair, err := h.Svc.ChangePassword(c.Request().Context(), p, in.CurrentPassword, in.NewPassword, ClientOf(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, pair)
}

func (h *AuthModule) claim(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in struct {
		AgencyID string `json:"agency_id"`
		Evidence string `json:"evidence"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	cl, err := h.Svc.RequestClaim(c.Request().Context(), p, in.AgencyID, in.Evidence, ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cl)
}

// pageQuery reads page and per_page (and the named extra parameters); unknown and repeated
// parameters are 400s.
func pageQuery(c echo.Context, extra ...string) (page, perPage int, vals map[string]string, err error) {
	if err := queryParams(c, append([]string{"page", "per_page"}, extra...)...); err != nil {
		return 0, 0, nil, err
	}
	v := &kawan.ValidationError{}
	page, perPage = intParam(v, c, "page"), intParam(v, c, "per_page")
	kawan.CheckPaging(v, &page, &perPage, 0)
	if page > 10000 {
		v.Add("page", "must be a whole number from 1 to 10000")
	}
	vals = map[string]string{}
	for _, e := range extra {
		if s := c.QueryParam(e); s != "" {
			vals[e] = s
		}
	}
	return page, perPage, vals, v.Err()
}

func (h *AuthModule) listClaims(c echo.Context) error {
	page, perPage, vals, err := pageQuery(c, "status")
	if err != nil {
		return err
	}
	items, total, err := h.Svc.Claims(c.Request().Context(), vals["status"], page, perPage)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "total": total, "page": page, "per_page": perPage})
}

func (h *AuthModule) decideClaim(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in struct {
		Decision string `json:"decision"`
		Reason   string `json:"reason"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.Decision != "approve" && in.Decision != "reject" {
		return kawan.Invalid("decision", "must be approve or reject")
	}
	cl, err := h.Svc.DecideClaim(c.Request().Context(), p, c.Param("id"), in.Decision == "approve", in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cl)
}

func (h *AuthModule) listUsers(c echo.Context) error {
	page, perPage, vals, err := pageQuery(c, "role")
	if err != nil {
		return err
	}
	users, total, err := h.Svc.Users(c.Request().Context(), kawan.Role(vals["role"]), page, perPage)
	if err != nil {
		return err
	}
	items := make([]userView, len(users))
	for i := range users {
		items[i] = viewOf(&users[i], false)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "total": total, "page": page, "per_page": perPage})
}

func (h *AuthModule) setRole(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var in struct {
		Role     kawan.Role `json:"role"`
		AgencyID string     `json:"agency_id"`
	}
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	u, err := h.Svc.SetRole(c.Request().Context(), p, c.Param("id"), in.Role, in.AgencyID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewOf(u, false))
}

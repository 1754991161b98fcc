package api

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
)

// Access says who may call a route. It is declared at registration, so the route table
// is also the permission table (Server.Routes) and no route can be added without one.
type Access struct {
	Public bool
	Roles  []kawan.Role
}

// Public admits anyone, signed in or not.
var Public = Access{Public: true}

// Roles admits signed-in callers with one of the given roles.
func Roles(roles ...kawan.Role) Access { return Access{Roles: roles} }

// AnyUser admits every signed-in caller.
var AnyUser = Roles(kawan.Roles...)

// Admits reports whether a caller with role r (empty for anonymous) may call the route.
func (a Access) Admits(r kawan.Role) bool {
	if a.Public {
		return true
	}
	return r != "" && slices.Contains(a.Roles, r)
}

// RouteInfo is one row of the permission table.
type RouteInfo struct {
	Method string
	Path   string // Echo path with :params, full (including /v1)
	Access Access
	// Page is true for HTML pages (frontend), which are not part of the JSON API contract.
	Page bool
}

// Router registers routes together with their access rule.
type Router struct {
	s    *Server
	Root *echo.Echo  // for browser pages and root routes
	V1   *echo.Group // JSON API under /v1
}

// RouteOption adjusts one route (e.g. a larger body limit for uploads).
type RouteOption func(*routeOpts)

type routeOpts struct {
	bodyLimit int64
	page      bool
}

// WithBodyLimit raises (or lowers) the request body limit for one route.
func WithBodyLimit(n int64) RouteOption { return func(o *routeOpts) { o.bodyLimit = n } }

// Handle registers a root-level route (path is absolute).
func (r *Router) Handle(method, path string, h echo.HandlerFunc, a Access, opts ...RouteOption) {
	r.add(r.Root.Add, "", method, path, h, a, opts)
}

// Page registers an HTML page route (frontend). Pages are outside openapi.yaml.
func (r *Router) Page(method, path string, h echo.HandlerFunc, a Access, opts ...RouteOption) {
	r.add(r.Root.Add, "", method, path, h, a, append(opts, func(o *routeOpts) { o.page = true }))
}

// API registers a /v1 route (path relative to /v1, e.g. "/agencies/:id").
func (r *Router) API(method, path string, h echo.HandlerFunc, a Access, opts ...RouteOption) {
	r.add(r.V1.Add, "/v1", method, path, h, a, opts)
}

func (r *Router) add(add func(string, string, echo.HandlerFunc, ...echo.MiddlewareFunc) *echo.Route,
	prefix, method, path string, h echo.HandlerFunc, a Access, opts []RouteOption) {
	if !a.Public && len(a.Roles) == 0 {
		panic(fmt.Sprintf("api: route %s %s%s has no access rule", method, prefix, path))
	}
	var o routeOpts
	for _, f := range opts {
		f(&o)
	}
	mw := []echo.MiddlewareFunc{r.s.requireAccess(a)}
	if o.bodyLimit > 0 {
		r.s.bodyLimits[method+" "+prefix+path] = o.bodyLimit
	}
	add(method, path, h, mw...)
	r.s.routes = append(r.s.routes, RouteInfo{Method: method, Path: prefix + path, Access: a, Page: o.page})
}

func (s *Server) requireAccess(a Access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a.Public {
				return s.limit(c, next)
			}
			p, ok := PrincipalFrom(c)
			if !ok {
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="kawan"`)
				return fmt.Errorf("api: this route needs you to sign in: %w", kawan.ErrUnauthenticated)
			}
			if !a.Admits(p.Role) {
				return fmt.Errorf("api: your role may not do this: %w", kawan.ErrForbidden)
			}
			return s.limit(c, next)
		}
	}
}

// limit applies the rate limiter (if any) to an admitted request.
func (s *Server) limit(c echo.Context, next echo.HandlerFunc) error {
	if s.deps.Limiter != nil {
		if err := s.deps.Limiter.LimitRequest(c); err != nil {
			return err
		}
	}
	return next(c)
}

const principalKey = "kawan.principal"

// PrincipalFrom returns the authenticated caller, if any.
func PrincipalFrom(c echo.Context) (kawan.Principal, bool) {
	p, ok := c.Get(principalKey).(kawan.Principal)
	return p, ok
}

// SetPrincipal marks the request as made by p (used by cookie-session middleware in the frontend).
func SetPrincipal(c echo.Context, p kawan.Principal) { c.Set(principalKey, p) }

// authenticate verifies a bearer token when one is sent. A bad token is a 401 even on
// public routes, so a client never silently acts anonymously by mistake.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if h == "" {
			return next(c)
		}
		tok, ok := trimBearer(h)
		if !ok || tok == "" {
			return fmt.Errorf("api: Authorization header must be 'Bearer <token>': %w", kawan.ErrUnauthenticated)
		}
		if s.deps.Tokens == nil {
			return fmt.Errorf("api: token sign-in is not configured: %w", kawan.ErrUnauthenticated)
		}
		p, err := s.deps.Tokens.VerifyAccessToken(c.Request().Context(), tok)
		if err != nil {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="kawan", error="invalid_token"`)
			return fmt.Errorf("api: access token rejected: %w", kawan.ErrUnauthenticated)
		}
		SetPrincipal(c, p)
		return next(c)
	}
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// randomID returns n random bytes as lower-case base32.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(idEncoding.EncodeToString(b))
}

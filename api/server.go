// Package api is Kawan's HTTP edge: an Echo server with one file per resource, a single
// permission table, RFC 9457 problem+json errors, health, readiness and metrics.
// Handlers parse, validate, call the domain and respond; they never import the database.
package api

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kawan-labs/kawan"
)

// Pinger is something /readyz checks: the database and the search backend.
type Pinger interface {
	Ping(ctx context.Context) error
}

// TokenVerifier turns a bearer access token into the caller (implemented by auth/).
type TokenVerifier interface {
	VerifyAccessToken(ctx context.Context, token string) (kawan.Principal, error)
}

// RequestLimiter rate-limits routed requests; it runs after the access check, so a refused
// caller never spends a limit (implemented by AuthModule with auth's rules).
type RequestLimiter interface {
	LimitRequest(c echo.Context) error
}

// Module is one resource's routes. Each resource file in this package defines a handler
// struct holding its dependencies, whose Register adds its routes to the router.
type Module interface {
	Register(r *Router)
}

// Deps is what the server itself needs; resource dependencies live in each Module.
type Deps struct {
	Logger         *slog.Logger
	Ready          map[string]Pinger // name → dependency, checked by /readyz
	Tokens         TokenVerifier     // nil: every request is anonymous
	Limiter        RequestLimiter    // nil: no rate limits
	TrustedProxies []*net.IPNet
	BodyLimit      int64 // bytes; default 64 KiB
	HTMLErrors     HTMLErrorRenderer
	Version        string
}

// Server is the configured Echo instance plus its route permission table.
type Server struct {
	e          *echo.Echo
	log        *slog.Logger
	deps       Deps
	htmlErrors HTMLErrorRenderer
	routes     []RouteInfo
	bodyLimits map[string]int64
	metrics    *metrics
	registry   *prometheus.Registry
}

// New builds the server: middleware, error handling, health routes and every module's routes.
func New(d Deps, modules ...Module) *Server {
	if d.Logger == nil {
		d.Logger = logDiscard
	}
	if d.BodyLimit <= 0 {
		d.BodyLimit = 64 << 10
	}
	e := echo.New()
	e.JSONSerializer = jsonSerializer{}
	e.HideBanner = true
	e.HidePort = true
	s := &Server{e: e, log: d.Logger, deps: d, htmlErrors: d.HTMLErrors, registry: prometheus.NewRegistry(), bodyLimits: map[string]int64{}}
	s.metrics = newMetrics(s.registry)
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = ipExtractor(d.TrustedProxies)

	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{
		Skipper: func(c echo.Context) bool { return c.Request().URL.Path == "/" },
	}))
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		// A client-supplied ID is accepted only if short and plain, so it cannot inject into logs.
		Generator: newRequestID,
	}))
	e.Use(s.recoverer)
	e.Use(s.accessLog)
	e.Use(s.metrics.middleware)
	e.Use(securityHeaders)
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{MinLength: 1024, Skipper: func(c echo.Context) bool {
		return c.Request().URL.Path == "/metrics"
	}}))
	e.Use(s.bodyLimit)
	e.Use(s.authenticate)

	r := &Router{s: s, Root: e, V1: e.Group("/v1")}
	r.Handle(http.MethodGet, "/healthz", s.healthz, Public)
	r.Handle(http.MethodGet, "/readyz", s.readyz, Public)
	r.Handle(http.MethodGet, "/metrics", s.metricsHandler(), Public)
	r.Handle(http.MethodGet, "/openapi.yaml", serveSpec, Public)
	for _, m := range modules {
		m.Register(r)
	}
	return s
}

// Echo returns the underlying Echo instance.
func (s *Server) Echo() *echo.Echo { return s.e }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// Routes returns the permission table: every registered route with the roles it admits.
func (s *Server) Routes() []RouteInfo {
	out := append([]RouteInfo(nil), s.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// HTTPServer returns an *http.Server with production timeouts for addr.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	for name, p := range s.deps.Ready {
		if err := p.Ping(ctx); err != nil {
			checks[name] = "unavailable"
			ok = false
		} else {
			checks[name] = "ok"
		}
	}
	status := http.StatusOK
	state := "ready"
	if !ok {
		status = http.StatusServiceUnavailable
		state = "not ready"
		c.Response().Header().Set("Retry-After", "5")
	}
	return c.JSON(status, map[string]any{"status": state, "checks": checks})
}

func serveSpec(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "application/yaml", kawan.OpenAPISpec)
}

func newRequestID() string {
	return randomID(12)
}

// ClientIP returns the caller's network address as established by the trusted-proxy rules.
// It must never be logged or stored raw: hash it (auth.Fingerprint) before keeping it.
func ClientIP(c echo.Context) string { return c.RealIP() }

func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if h.Get("Content-Security-Policy") == "" {
			// API default; the frontend sets its own stricter page policy.
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		}
		return next(c)
	}
}

func (s *Server) bodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit := s.deps.BodyLimit
		if l, ok := s.bodyLimits[c.Request().Method+" "+c.Path()]; ok {
			limit = l
		}
		req := c.Request()
		if req.ContentLength > limit {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		if req.Body == nil {
			// A server request always has a body; a request handed to ServeHTTP directly
			// (tests, an embedding program) may not, and reading nil would panic.
			req.Body = http.NoBody
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		return next(c)
	}
}

func (s *Server) recoverer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic in handler", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
					"route", c.Path(), "panic", r)
				err = echo.NewHTTPError(http.StatusInternalServerError)
			}
		}()
		return next(c)
	}
}

// accessLog logs one line per request: no client address, no query string (it may hold
// personal search terms), no headers.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			return nil
		}
		s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
			slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
			slog.String("method", c.Request().Method),
			slog.String("route", route),
			slog.Int("status", c.Response().Status),
			slog.Int64("bytes", c.Response().Size),
			slog.Duration("took", time.Since(start)))
		return nil
	}
}

func trimBearer(h string) (string, bool) {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

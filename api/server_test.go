package api_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/api/apitest"
)

// staticTokens accepts the tokens in its map; the real verifier lives in auth/.
type staticTokens map[string]kawan.Principal

func (s staticTokens) VerifyAccessToken(_ context.Context, tok string) (kawan.Principal, error) {
	if p, ok := s[tok]; ok {
		return p, nil
	}
	return kawan.Principal{}, errors.New("bad token")
}

type pinger struct{ err error }

func (p *pinger) Ping(context.Context) error { return p.err }

// probe is a test module exercising the router's access rules and error mapping.
type probe struct{}

func (probe) Register(r *api.Router) {
	r.API(http.MethodGet, "/probe/public", func(c echo.Context) error { return c.JSON(200, map[string]string{"ok": "yes"}) }, api.Public)
	r.API(http.MethodGet, "/probe/mod", func(c echo.Context) error { return c.NoContent(204) }, api.Roles(kawan.RoleModerator, kawan.RoleAdmin))
	r.API(http.MethodPost, "/probe/echo", func(c echo.Context) error {
		var in struct {
			Name  string `json:"name"`
			Count int    `json:"count"`
		}
		if err := api.DecodeJSON(c, &in); err != nil {
			return err
		}
		return c.JSON(200, in)
	}, api.Public)
	r.API(http.MethodPost, "/probe/big", func(c echo.Context) error {
		var in map[string]string
		if err := api.DecodeJSON(c, &in); err != nil {
			return err
		}
		return c.NoContent(204)
	}, api.Public, api.WithBodyLimit(1<<20))
	r.API(http.MethodGet, "/probe/panic", func(c echo.Context) error { panic("boom") }, api.Public)
	r.API(http.MethodGet, "/probe/missing", func(c echo.Context) error {
		return errors.Join(errors.New("store: agency x"), kawan.ErrNotFound)
	}, api.Public)
	r.API(http.MethodGet, "/probe/down", func(c echo.Context) error {
		return &kawan.RetryAfterError{Err: kawan.ErrUnavailable, Seconds: 3}
	}, api.Public)
}

func newServer(ready map[string]api.Pinger) *api.Server {
	return api.New(api.Deps{
		Ready: ready,
		Tokens: staticTokens{
			"w": {UserID: "u1", Role: kawan.RoleWorker},
			"m": {UserID: "u2", Role: kawan.RoleModerator},
		},
	}, probe{})
}

func do(h http.Handler, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHealthReadyAndSpec(t *testing.T) {
	db := &pinger{}
	s := newServer(map[string]api.Pinger{"database": db, "search": &pinger{}})
	c := apitest.New(t, s)
	if r := c.Do("GET", "/healthz", nil); r.Status != 200 {
		t.Fatalf("healthz: %d", r.Status)
	}
	if r := c.Do("GET", "/readyz", nil); r.Status != 200 {
		t.Fatalf("readyz: %d %s", r.Status, r.Body)
	}
	db.err = errors.New("down")
	r := c.Do("GET", "/readyz", nil)
	if r.Status != 503 || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), `"database":"unavailable"`) {
		t.Fatalf("readyz with db down: %d %s", r.Status, r.Body)
	}
	if r := c.Do("GET", "/openapi.yaml", nil); r.Status != 200 || !strings.HasPrefix(string(r.Body), "openapi: 3.1") {
		t.Fatalf("spec: %d", r.Status)
	}
}

func TestProblems(t *testing.T) {
	s := newServer(nil)
	cases := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		field                    string
	}{
		{"unknown route", "GET", "/v1/nope", "", nil, 404, ""},
		{"unknown field", "POST", "/v1/probe/echo", `{"name":"a","evil":1}`, nil, 400, "evil"},
		{"wrong type", "POST", "/v1/probe/echo", `{"name":{"$gt":""}}`, nil, 400, "name"},
		{"malformed", "POST", "/v1/probe/echo", `{"name":`, nil, 400, "body"},
		{"invalid UTF-8", "POST", "/v1/probe/echo", "{\"name\":\"a\xff\xfeb\"}", nil, 400, "body"},
		{"deeply nested", "POST", "/v1/probe/echo", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), nil, 400, "body"},
		{"operator in field", "POST", "/v1/probe/echo", `{"name":"a","count":{"$gt":0}}`, nil, 400, "count"},
		{"trailing", "POST", "/v1/probe/echo", `{"name":"a"}{"name":"b"}`, nil, 400, "body"},
		{"empty", "POST", "/v1/probe/echo", ``, []string{"Content-Type", "application/json"}, 400, "body"},
		{"wrong content type", "POST", "/v1/probe/echo", `name=a`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 400, "Content-Type"},
		{"too large", "POST", "/v1/probe/echo", `{"name":"` + strings.Repeat("a", 70<<10) + `"}`, nil, 413, ""},
		{"panic", "GET", "/v1/probe/panic", "", nil, 500, ""},
		{"not found kind", "GET", "/v1/probe/missing", "", nil, 404, ""},
		{"unavailable", "GET", "/v1/probe/down", "", nil, 503, ""},
		{"anonymous on role route", "GET", "/v1/probe/mod", "", nil, 401, ""},
		{"worker on moderator route", "GET", "/v1/probe/mod", "", []string{"Authorization", "Bearer w"}, 403, ""},
		{"bad token on public route", "GET", "/v1/probe/public", "", []string{"Authorization", "Bearer nope"}, 401, ""},
		{"not bearer", "GET", "/v1/probe/public", "", []string{"Authorization", "Basic abc"}, 401, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(s, tc.method, tc.path, tc.body, tc.hdr...)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != api.ProblemContentType {
				t.Fatalf("content type = %q", ct)
			}
			if tc.field != "" && !strings.Contains(rec.Body.String(), `"field":"`+tc.field+`"`) {
				t.Fatalf("problem does not name field %q: %s", tc.field, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "boom") || strings.Contains(rec.Body.String(), "goroutine") {
				t.Fatalf("internal detail leaked: %s", rec.Body)
			}
			if tc.status == 503 && rec.Header().Get("Retry-After") != "3" {
				t.Fatalf("Retry-After = %q", rec.Header().Get("Retry-After"))
			}
		})
	}
}

func TestAccessGranted(t *testing.T) {
	s := newServer(nil)
	if rec := do(s, "GET", "/v1/probe/mod", "", "Authorization", "Bearer m"); rec.Code != 204 {
		t.Fatalf("moderator: %d", rec.Code)
	}
	if rec := do(s, "POST", "/v1/probe/echo", `{"name":"a","count":2}`); rec.Code != 200 || rec.Body.String() != "{\"name\":\"a\",\"count\":2}\n" {
		t.Fatalf("echo: %d %s", rec.Code, rec.Body)
	}
}

func TestPerRouteBodyLimit(t *testing.T) {
	s := newServer(nil)
	big := `{"a":"` + strings.Repeat("x", 200<<10) + `"}`
	if rec := do(s, "POST", "/v1/probe/big", big); rec.Code != 204 {
		t.Fatalf("raised limit: %d %s", rec.Code, rec.Body)
	}
	if rec := do(s, "POST", "/v1/probe/echo", big); rec.Code != 413 {
		t.Fatalf("default limit: %d", rec.Code)
	}
}

func TestRoutesTableHasAccess(t *testing.T) {
	s := newServer(nil)
	for _, r := range s.Routes() {
		if !r.Access.Public && len(r.Access.Roles) == 0 {
			t.Errorf("%s %s has no access rule", r.Method, r.Path)
		}
	}
}

func TestMetricsAndSecurityHeaders(t *testing.T) {
	s := newServer(nil)
	rec := do(s, "GET", "/v1/probe/public", "")
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("X-Request-Id") == "" {
		t.Fatalf("headers: %v", rec.Header())
	}
	rec = do(s, "GET", "/metrics", "")
	if !strings.Contains(rec.Body.String(), `kawan_http_requests_total{method="GET",route="/v1/probe/public",status="200"} 1`) {
		t.Fatalf("metrics lack the request:\n%.2000s", rec.Body)
	}
}

func TestTrustedProxies(t *testing.T) {
	var seen string
	mod := moduleFunc(func(r *api.Router) {
		r.API("GET", "/ip", func(c echo.Context) error { seen = api.ClientIP(c); return c.NoContent(204) }, api.Public)
	})
	untrusting := api.New(api.Deps{}, mod)
	req := httptest.NewRequest("GET", "/v1/ip", nil)
	req.RemoteAddr = "10.1.2.3:5555"
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	untrusting.ServeHTTP(httptest.NewRecorder(), req)
	if seen != "10.1.2.3" {
		t.Fatalf("untrusted proxy: got %q", seen)
	}
}

type moduleFunc func(r *api.Router)

func (f moduleFunc) Register(r *api.Router) { f(r) }

// A client that disconnects mid-request is not a server fault: no 500, no error log line.
func TestClientClosedRequestIsNotAFault(t *testing.T) {
	var logged strings.Builder
	mod := moduleFunc(func(r *api.Router) {
		r.API("GET", "/slow", func(c echo.Context) error {
			<-c.Request().Context().Done()
			return fmt.Errorf("store: insert review: %w", c.Request().Context().Err())
		}, api.Public)
		r.API("GET", "/canceled-inside", func(c echo.Context) error {
			return fmt.Errorf("store: something: %w", context.Canceled) // the client is still there
		}, api.Public)
	})
	srv := api.New(api.Deps{Logger: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelInfo}))}, mod)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/slow", nil).WithContext(ctx))
	if rec.Code != api.StatusClientClosedRequest {
		t.Fatalf("status = %d, want %d", rec.Code, api.StatusClientClosedRequest)
	}
	if strings.Contains(logged.String(), "level=ERROR") {
		t.Fatalf("a client going away was logged as an error:\n%s", logged.String())
	}
	// context.Canceled from inside the server while the client waits is still a fault.
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/canceled-inside", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("internal cancellation: status = %d, want 500", rec.Code)
	}
}

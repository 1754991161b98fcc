package reliability_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/config"
	"github.com/kawan-labs/kawan/scripts/load/loadgen"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// env is the whole product (built by apptest) plus what the tests learned about it: the
// operations in openapi.yaml, the role each route admits, and real ids to put in paths.
type env struct {
	t      testing.TB
	a      *app.App     // nil for a bare server (self-tests)
	h      http.Handler // the API as a handler
	db     *mongo.Database
	limit  int64 // default body limit
	cat    *loadgen.Catalog
	access map[string]api.Access // "GET /v1/agencies/{id}" → access
	ids    map[string]string     // "agency", "review", "provider", "regulator", "licence" → a real value
	tokens map[kawan.Role]string
}

var echoParam = regexp.MustCompile(`:([A-Za-z_]+)`)

func newEnv(t testing.TB, mutate func(*config.Config)) *env {
	t.Helper()
	a := apptest.New(t, mutate)
	return envFor(t, a)
}

func envFor(t testing.TB, a *app.App) *env {
	t.Helper()
	e := bareEnv(t, a.Server, kawan.OpenAPISpec, a.Store.DB(), a.Config.BodyLimit)
	e.a = a
	e.discover()
	e.warmTokens()
	return e
}

// bareEnv describes any API server: its handler, spec, database and body limit.
func bareEnv(t testing.TB, srv *api.Server, spec []byte, db *mongo.Database, limit int64) *env {
	t.Helper()
	cat, err := loadgen.LoadCatalog(spec)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, h: srv, db: db, limit: limit, cat: cat, access: map[string]api.Access{}, ids: map[string]string{}, tokens: map[kawan.Role]string{}}
	for _, r := range srv.Routes() {
		e.access[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = r.Access
	}
	return e
}

// do sends one request through the handler (no listener).
func (e *env) do(method, target string, body io.Reader, hdr map[string]string) *httptest.ResponseRecorder {
	req, err := http.NewRequest(method, "http://kawan.test"+target, body)
	if err != nil {
		return nil // a client could not send this either
	}
	req.RemoteAddr = "192.0.2.10:40000"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func (e *env) getJSON(path string) map[string]any {
	rec := e.do(http.MethodGet, path, nil, nil)
	if rec == nil || rec.Code != http.StatusOK {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &m)
	return m
}

func firstObj(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		if arr, ok := m[k].([]any); ok && len(arr) > 0 {
			if o, ok := arr[0].(map[string]any); ok {
				return o
			}
		}
	}
	return nil
}

// discover finds real ids through the public API, so path parameters address things that exist.
func (e *env) discover() {
	if e.cat.Get(http.MethodGet, "/v1/agencies") != nil {
		if h := firstObj(e.getJSON("/v1/agencies?per_page=5"), "hits", "items", "agencies"); h != nil {
			e.ids["agency"], _ = h["id"].(string)
		}
	}
	if id := e.ids["agency"]; id != "" {
		if ag := e.getJSON("/v1/agencies/" + url.PathEscape(id)); ag != nil {
			if l := firstObj(ag, "licences"); l != nil {
				e.ids["regulator"], _ = l["regulator"].(string)
				e.ids["number"], _ = l["number"].(string)
			}
		}
		if r := firstObj(e.getJSON("/v1/agencies/"+url.PathEscape(id)+"/reviews"), "hits", "items", "reviews"); r != nil {
			e.ids["review"], _ = r["id"].(string)
		}
	}
	if p := firstObj(e.getJSON("/v1/providers"), "providers", "items", "hits"); p != nil {
		e.ids["provider"], _ = p["id"].(string)
	}
}

// paramValue picks a real value for a path parameter from its name and the path segment before it.
func (e *env) paramValue(path, name string) string {
	if v := e.ids[name]; v != "" {
		return v
	}
	i := strings.Index(path, "{"+name+"}")
	segs := strings.Split(strings.Trim(path[:max(i, 0)], "/"), "/")
	prev := ""
	if len(segs) > 0 {
		prev = segs[len(segs)-1]
	}
	switch {
	case strings.HasPrefix(prev, "agenc"):
		return e.ids["agency"]
	case strings.HasPrefix(prev, "review"):
		return e.ids["review"]
	case strings.HasPrefix(prev, "provider"):
		return e.ids["provider"]
	case strings.HasPrefix(prev, "corridor"):
		return "SGD-PHP"
	case name == "send":
		return "SGD"
	case name == "receive":
		return "PHP"
	}
	return "fictional-" + name
}

// validPath fills every path parameter of o with a real value.
func (e *env) validPath(o *loadgen.Operation) string {
	vals := make([]string, len(o.PathParams))
	for i, p := range o.PathParams {
		v := e.paramValue(o.Path, p)
		if v == "" {
			v = "fictional-" + p
		}
		vals[i] = url.PathEscape(v)
	}
	return o.Expand(vals...)
}

// role picks the role to call o as: anonymous for public routes, else the first
// admitted role (a worker when workers are admitted).
func (e *env) role(o *loadgen.Operation) kawan.Role {
	a, ok := e.access[o.Method+" "+o.Path]
	if !ok || a.Public {
		return ""
	}
	for _, r := range a.Roles {
		if r == kawan.RoleWorker {
			return r
		}
	}
	return a.Roles[0]
}

// headers returns the Authorization header for calling o, when a token can be had.
func (e *env) headers(o *loadgen.Operation) map[string]string {
	h := map[string]string{"Accept": "application/json"}
	r := e.role(o)
	if r == "" {
		return h
	}
	tok, ok := e.tokens[r]
	if !ok && e.a != nil {
		tok = token(e.t, e.a, r, e.ids["agency"])
		e.tokens[r] = tok
	}
	if tok != "" {
		h["Authorization"] = "Bearer " + tok
	}
	return h
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

package frontend_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/config"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) {
	// Cheap argon2id for the accounts the tests create (production parameters are tested in auth/).
	app.PasswordParams = &auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	storetest.Main(m)
}

// site is the whole product (real wiring, embedded FerretDB, Bleve) behind a real
// listener, as a browser sees it.
type site struct {
	t   testing.TB
	app *app.App
	srv *httptest.Server
}

func newSite(t testing.TB, mutate func(*config.Config)) *site {
	t.Helper()
	a := apptest.New(t, mutate)
	srv := httptest.NewServer(a.Server)
	t.Cleanup(srv.Close)
	return &site{t: t, app: a, srv: srv}
}

// client returns an HTTP client with a cookie jar that does not follow redirects.
func (s *site) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type page struct {
	status  int
	header  http.Header
	body    string
	wireLen int // bytes on the wire (compressed when the server compressed)
}

// get fetches path as a browser would (Accept: text/html, gzip), with extra headers.
func (s *site) get(c *http.Client, path string, hdr ...string) page {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	req.Header.Set("Accept-Encoding", "gzip")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if c == nil {
		c = s.client()
	}
	res, err := c.Do(req)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	body := raw
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(strings.NewReader(string(raw)))
		if err != nil {
			s.t.Fatalf("GET %s: gzip: %v", path, err)
		}
		body, _ = io.ReadAll(zr)
	}
	return page{status: res.StatusCode, header: res.Header, body: string(body), wireLen: len(raw)}
}

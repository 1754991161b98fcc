package reliability_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/config"
	"github.com/kawan-labs/kawan/scripts/load/loadgen"
	"github.com/kawan-labs/kawan/store"
)

// runApp serves e's product on a loopback listener with its background jobs (app.Run)
// and returns the base URL.
func runApp(t *testing.T, e *env) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrCh := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- e.a.Run(ctx, func(a net.Addr) { addrCh <- a }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("server did not stop")
		}
	})
	select {
	case a := <-addrCh:
		return "http://" + a.String()
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	return ""
}

// TestDatabaseOutage stops the database in the middle of a load and starts it again on
// the same address and directory. While it is down, writes answer 503 with Retry-After
// (never 500), readiness says so, and reads served from the search index or the quote
// snapshot keep working; after it is back, writes succeed again within 5 seconds; no
// review acknowledged before, during or after is lost.
func TestDatabaseOutage(t *testing.T) {
	dir := t.TempDir()
	db, err := store.StartEmbedded(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := db.Addr()
	t.Cleanup(func() { _ = db.Stop(10 * time.Second) })
	a := apptest.New(t, func(c *config.Config) {
		c.MongoURI = db.URI()
		c.Demo = true
		_, lo, _ := net.ParseCIDR("127.0.0.0/8")
		c.TrustedProxies = append(c.TrustedProxies, lo)
	})
	e := envFor(t, a)
	base := runApp(t, e)

	// A light load runs across the outage.
	loadDone := make(chan *loadgen.Result, 1)
	loadErr := make(chan error, 1)
	go func() {
		res, err := loadgen.Run(context.Background(), loadgen.Config{
			BaseURL: base, Clients: 8, Duration: 9 * time.Second, Seed: 7, ForwardedFor: true,
			Tokens: tokenSource{e}, RequestTimeout: 20 * time.Second,
			Weights: map[string]int{"decision": 0}, // moderators wait for the queue; not needed here
		})
		loadDone <- res
		loadErr <- err
	}()
	time.Sleep(2 * time.Second)
	if err := db.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	downAt := time.Now()

	// While down: readiness, writes and cached reads.
	rec := e.do(http.MethodGet, "/readyz", nil, nil)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("/readyz with the database down: %d (Retry-After %q), want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	for _, o := range e.cat.Ops {
		if !isWrite(o.Method) {
			continue
		}
		h := e.headers(o)
		if h["Authorization"] == "" && e.role(o) != "" {
			continue // no token yet for this role: it would only test the 401
		}
		var body io.Reader
		if o.Body != nil {
			body = bytes.NewReader(validBody(o))
			h["Content-Type"] = "application/json"
		}
		rec := e.do(o.Method, e.validPath(o), body, h)
		switch {
		case rec == nil:
		case rec.Code >= 500 && (rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == ""):
			t.Errorf("%s %s with the database down → %d (Retry-After %q), want 503 with Retry-After: %.200s",
				o.Method, o.Path, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		default:
			t.Logf("%s %s with the database down → %d", o.Method, o.Path, rec.Code)
		}
	}
	for _, path := range []string{"/v1/agencies?q=manpower", "/v1/quotes?send_currency=SGD&receive_currency=PHP&amount=500"} {
		if e.cat.Get(http.MethodGet, strings.SplitN(path, "?", 2)[0]) == nil {
			continue
		}
		if rec := e.do(http.MethodGet, path, nil, nil); rec.Code != http.StatusOK {
			t.Errorf("GET %s with the database down → %d, want 200 (served from the search index / quote snapshot): %.200s", path, rec.Code, rec.Body)
		}
	}
	time.Sleep(time.Until(downAt.Add(3 * time.Second)))

	db2, err := store.StartEmbeddedAt(dir, addr, nil)
	if err != nil {
		t.Fatalf("restart the database on %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = db2.Stop(10 * time.Second) })
	upAt := time.Now()
	for {
		rec := e.do(http.MethodGet, "/readyz", nil, nil)
		if rec.Code == http.StatusOK {
			break
		}
		if time.Since(upAt) > 5*time.Second {
			t.Fatalf("not ready 5 s after the database came back: %d %s", rec.Code, rec.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("ready again %v after the database came back", time.Since(upAt).Round(time.Millisecond))

	res, err := <-loadDone, <-loadErr
	if err != nil {
		if errors.Is(err, loadgen.ErrNothingToLoad) {
			t.Logf("load part skipped: %v", err)
			return
		}
		t.Fatal(err)
	}
	var sb strings.Builder
	res.Summary.Print(&sb)
	t.Logf("load across the outage:\n%s", sb.String())
	for _, o := range res.Summary.Ops {
		for code, n := range o.ByStatus {
			if code >= 500 && code != http.StatusServiceUnavailable {
				t.Errorf("%s: %d× %d during the outage, want only 503", o.Name, n, code)
			}
		}
		for msg, n := range o.Errors {
			if strings.Contains(msg, "without Retry-After") {
				t.Errorf("%s: %d× %s", o.Name, n, msg)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	check, err := loadgen.CheckReviews(ctx, e.db, res)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(check)
	if !check.OK() {
		t.Errorf("acknowledged reviews lost or duplicated across the outage: %v (missing %v, duplicated %v)", check, check.Missing, check.Duplicates)
	}
}

// tokenSource gives the load generator real tokens from the test's product.
type tokenSource struct{ e *env }

func (s tokenSource) Token(ctx context.Context, role string, i int) (string, error) {
	tok := s.e.tokens[kawanRole(role)] // signed in by warmTokens, before the outage
	if tok == "" {
		return "", errors.New("no tokens: the product cannot issue them yet")
	}
	return tok, nil
}

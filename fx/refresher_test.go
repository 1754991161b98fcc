package fx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// feedServer serves a feed body that tests can swap, with an ETag, and counts requests.
type feedServer struct {
	mu       sync.Mutex
	body     []byte
	etag     string
	status   int
	hang     time.Duration
	requests atomic.Int64
	notMod   atomic.Int64
}

func (f *feedServer) set(body []byte, etag string) {
	f.mu.Lock()
	f.body, f.etag, f.status = body, etag, 0
	f.mu.Unlock()
}

func (f *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	f.mu.Lock()
	body, etag, status, hang := f.body, f.etag, f.status, f.hang
	f.mu.Unlock()
	if hang > 0 {
		select {
		case <-time.After(hang):
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	if etag != "" && r.Header.Get("If-None-Match") == etag {
		f.notMod.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	_, _ = w.Write(body)
}

func newTestService(t *testing.T, c *clock, sources ...string) *Service {
	t.Helper()
	s, err := New(Options{Sources: sources, Interval: time.Minute, RetryBase: 10 * time.Second, MaxBackoff: 80 * time.Second,
		Timeout: 300 * time.Millisecond, MaxBytes: 64 << 10, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func quoteCount(t *testing.T, s *Service, send, recv, amount string) (int, Comparison) {
	t.Helper()
	c, err := s.Compare(context.Background(), Request{SendCurrency: send, ReceiveCurrency: recv, Amount: amount})
	if err != nil {
		t.Fatal(err)
	}
	return len(c.Quotes), c
}

func feedStatus(s *Service, name string) (SourceStatus, FeedStatus) {
	for _, src := range s.Status().Sources {
		for _, f := range src.Feeds {
			if strings.Contains(f.Name, name) || strings.Contains(src.Source, name) {
				return src, f
			}
		}
	}
	return SourceStatus{}, FeedStatus{}
}

// TestRefresherHTTP walks one URL source through every failure the issue names: a 304
// keeps the data without re-parsing, a 500, a hang past the timeout and an oversized or
// malformed body all keep the last good data, with the reasons in the status, and the
// source backs off exponentially while it fails.
func TestRefresherHTTP(t *testing.T) {
	c := &clock{t: testNow}
	rates := &feedServer{}
	rates.set(readFixture(t, "rates.json"), `"r1"`)
	prov := &feedServer{}
	prov.set(readFixture(t, "provider-feed.json"), `"p1"`)
	rs, ps := httptestServer(rates), httptestServer(prov)
	defer rs.Close()
	defer ps.Close()
	s := newTestService(t, c, rs.URL+"/rates.json?token=secret", ps.URL+"/acme.json")
	ctx := context.Background()
	s.Refresh(ctx, true)
	if n, _ := quoteCount(t, s, "SGD", "PHP", "500"); n != 2 {
		t.Fatalf("after first refresh: %d quotes", n)
	}
	for _, src := range s.Status().Sources {
		if strings.Contains(src.Source, "secret") {
			t.Errorf("status shows the URL's query: %s", src.Source)
		}
	}

	// Not due yet: nothing is fetched.
	before := prov.requests.Load()
	s.Refresh(ctx, false)
	if prov.requests.Load() != before {
		t.Error("fetched before the interval")
	}
	// Due: conditional GET answered 304; the snapshot keeps its data.
	c.add(time.Minute)
	s.Refresh(ctx, false)
	if prov.notMod.Load() != 1 || rates.notMod.Load() != 1 {
		t.Errorf("want one 304 each, got provider %d rates %d", prov.notMod.Load(), rates.notMod.Load())
	}
	if n, _ := quoteCount(t, s, "SGD", "PHP", "500"); n != 2 {
		t.Fatalf("after 304: %d quotes", n)
	}

	type step struct {
		name   string
		setup  func()
		reason string
	}
	steps := []step{
		{"HTTP 500", func() { prov.mu.Lock(); prov.status = 500; prov.mu.Unlock() }, "HTTP 500"},
		{"hang past the timeout", func() { prov.mu.Lock(); prov.status = 0; prov.hang = 2 * time.Second; prov.mu.Unlock() }, "deadline"},
	}
	wantFailures := 0
	for _, st := range steps {
		st.setup()
		c.add(2 * time.Minute) // past any backoff so far
		start := time.Now()
		s.Refresh(ctx, false)
		if st.name == "hang past the timeout" && time.Since(start) > 1500*time.Millisecond {
			t.Errorf("hang: refresh took %v despite a 300ms timeout", time.Since(start))
		}
		wantFailures++
		src, _ := feedStatus(s, "acme.json")
		if src.ConsecutiveFailures != wantFailures || !strings.Contains(src.LastError, st.reason) {
			t.Errorf("%s: status %+v", st.name, src)
		}
		// Exponential backoff: 10s, 20s, …
		if want := c.now().Add(10 * time.Second << (wantFailures - 1)); src.NextAttempt == nil || !src.NextAttempt.Equal(want) {
			t.Errorf("%s: next attempt %v, want %v", st.name, src.NextAttempt, want)
		}
		if n, _ := quoteCount(t, s, "SGD", "PHP", "500"); n != 2 {
			t.Fatalf("%s: last good data lost (%d quotes)", st.name, n)
		}
	}
	prov.mu.Lock()
	prov.hang = 0
	prov.mu.Unlock()

	// Bodies that arrive but are refused: the whole feed is rejected, the old data stays.
	bad := []struct{ name, body, reason string }{
		{"oversized", strings.Repeat(" ", 65<<10) + "{}", "larger than"},
		{"malformed", `{"format":"kawan.provider-feed/v1",`, "JSON"},
		{"every corridor bad", strings.NewReplacer(`"41.7000"`, `"-1"`, `"41.8350"`, `"0"`).Replace(string(readFixture(t, "provider-feed.json"))), "exchange_rate"},
		{"every rate far from mid", strings.NewReplacer(`"41.7000"`, `"30.0000"`, `"41.8350"`, `"30.0000"`).Replace(string(readFixture(t, "provider-feed.json"))), "mid-market"},
	}
	for i, b := range bad {
		prov.set([]byte(b.body), `"bad`+string(rune('a'+i))+`"`)
		c.add(10 * time.Minute)
		s.Refresh(ctx, false)
		src, f := feedStatus(s, "acme.json")
		if src.ConsecutiveFailures != 0 {
			t.Errorf("%s: the source answered; it is not failing: %+v", b.name, src)
		}
		if len(f.Rejected) == 0 || !strings.Contains(strings.Join(f.Rejected, ";"), b.reason) {
			t.Errorf("%s: rejected reasons %q, want %q", b.name, f.Rejected, b.reason)
		}
		n, cmp := quoteCount(t, s, "SGD", "PHP", "500")
		if n != 2 || cmp.Quotes[0].ExchangeRate() != "41.835" {
			t.Fatalf("%s: last good data not kept: %+v", b.name, cmp)
		}
	}

	// Good data again replaces the old and clears the rejection.
	prov.set([]byte(strings.Replace(string(readFixture(t, "provider-feed.json")), `"41.8350"`, `"41.9000"`, 1)), `"p2"`)
	c.add(10 * time.Minute)
	s.Refresh(ctx, false)
	if _, cmp := quoteCount(t, s, "SGD", "PHP", "500"); cmp.Quotes[0].ExchangeRate() != "41.9" {
		t.Errorf("new good data not used: %+v", cmp.Quotes[0])
	}
	if _, f := feedStatus(s, "acme.json"); len(f.Rejected) != 0 || f.LastError != "" {
		t.Errorf("rejection not cleared: %+v", f)
	}

	// Past valid_for_seconds (6h) quotes are labelled stale, never hidden; the status says so.
	prov.mu.Lock()
	prov.status = 500
	prov.mu.Unlock()
	c.t = time.Date(2026, 11, 22, 14, 0, 1, 0, time.UTC)
	s.Refresh(ctx, false)
	_, cmp := quoteCount(t, s, "SGD", "PHP", "500")
	for _, q := range cmp.Quotes {
		if !q.Stale() {
			t.Errorf("quote from a 6h-old feed is not stale: %+v", q)
		}
	}
	if _, f := feedStatus(s, "acme.json"); !f.Stale || f.AgeSeconds == nil || *f.AgeSeconds != 6*3600+1 {
		t.Errorf("status does not show staleness: %+v", f)
	}
}

func TestBackoffCaps(t *testing.T) {
	s := newTestService(t, &clock{t: testNow})
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 80 * time.Second}
	for i, w := range want {
		if got := s.backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

// TestRefresherDirectory: files in a directory are feeds; a changed file is re-read, a
// broken one keeps its previous data, a removed one takes its provider with it.
func TestRefresherDirectory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("rates.json", string(readFixture(t, "rates.json")))
	write("acme.json", string(readFixture(t, "provider-feed.json")))
	write("other.csv", string(readFixture(t, "provider-feed.csv")))
	write("notes.txt", "ignored")
	c := &clock{t: testNow}
	s := newTestService(t, c, dir)
	s.Refresh(context.Background(), true)
	if got := len(s.Providers()); got != 2 {
		t.Fatalf("%d providers, want 2 (acme-remit from two files, nusantara-pay)", got)
	}
	write("other.csv", "provider_id,oops\n")
	// Make sure the modification time moves even on coarse file systems.
	future := time.Now().Add(time.Hour)
	_ = os.Chtimes(filepath.Join(dir, "other.csv"), future, future)
	c.add(time.Minute)
	s.Refresh(context.Background(), false)
	if n, _ := quoteCount(t, s, "MYR", "IDR", "100"); n != 1 {
		t.Errorf("broken CSV dropped the good data: %d quotes", n)
	}
	if _, f := feedStatus(s, "other.csv"); len(f.Rejected) == 0 {
		t.Errorf("no rejection recorded: %+v", f)
	}
	_ = os.Remove(filepath.Join(dir, "other.csv"))
	c.add(time.Minute)
	s.Refresh(context.Background(), false)
	if _, ok := s.Snapshot().Provider("nusantara-pay"); ok {
		t.Error("a removed file's provider is still served")
	}
}

// TestPush: an admin push goes through the same validation; a bad one changes nothing.
func TestPush(t *testing.T) {
	c := &clock{t: testNow}
	s := newTestService(t, c, t.TempDir())
	ctx := context.Background()
	if _, err := s.Push(ctx, "rates", readFixture(t, "rates.json")); err != nil {
		t.Fatal(err)
	}
	res, err := s.Push(ctx, "acme", readFixture(t, "provider-feed.json"))
	if err != nil || res.Offers != 2 || res.Providers[0] != "acme-remit" {
		t.Fatalf("push: %+v %v", res, err)
	}
	if n, _ := quoteCount(t, s, "SGD", "PHP", "500"); n != 2 {
		t.Fatalf("%d quotes after push", n)
	}
	_, err = s.Push(ctx, "acme", []byte(strings.NewReplacer(`"41.7000"`, `"0"`, `"41.8350"`, `"0"`).Replace(string(readFixture(t, "provider-feed.json")))))
	if err == nil || !strings.Contains(err.Error(), "corridors[1].exchange_rate") {
		t.Fatalf("bad push: %v", err)
	}
	if n, _ := quoteCount(t, s, "SGD", "PHP", "500"); n != 2 {
		t.Fatalf("bad push changed the data: %d quotes", n)
	}
	if _, err := s.Push(ctx, "Bad Name", nil); err == nil {
		t.Error("bad name accepted")
	}
}

// TestSnapshotReadsDuringRefresh: readers never block on a refresh (run with -race).
func TestSnapshotReadsDuringRefresh(t *testing.T) {
	c := &clock{t: testNow}
	s := newTestService(t, c, DemoSource)
	s.Refresh(context.Background(), true)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.Compare(context.Background(), Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "500"}); err != nil {
					t.Error(err)
					return
				}
				_ = s.Status()
			}
		}()
	}
	for i := 0; i < 5; i++ {
		s.Refresh(context.Background(), true)
	}
	close(stop)
	wg.Wait()
}

func httptestServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }

package agencies_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

// dofeList is a fictional Nepal DoFE list of n companies in the np-dofe-licensed layout;
// the first company's status is first.
func dofeList(n int, first string) string {
	var b strings.Builder
	b.WriteString("S.N.,Company Name,License No.,Address,Status,Valid Till\n")
	for i := 1; i <= n; i++ {
		st := "active"
		if i == 1 {
			st = first
		}
		fmt.Fprintf(&b, "%d,Fictional Sagarmatha %03d Manpower Pvt. Ltd.,%d/070/71,Kathmandu,%s,2030-07-15\n", i, i, 900+i, st)
	}
	return b.String()
}

// listServer serves one list with an ETag, answers If-None-Match with 304, and can be
// switched to fail.
type listServer struct {
	mu             sync.Mutex
	body, etag     string
	status         int
	full, notModif int
	sawConditional bool
}

func (l *listServer) set(body, etag string, status int) {
	l.mu.Lock()
	l.body, l.etag, l.status = body, etag, status
	l.mu.Unlock()
}

func (l *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.status != http.StatusOK {
		http.Error(w, "down", l.status)
		return
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		l.sawConditional = true
		if inm == l.etag {
			l.notModif++
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	l.full++
	w.Header().Set("ETag", l.etag)
	w.Header().Set("Content-Type", "text/csv")
	_, _ = w.Write([]byte(l.body))
}

type sourcesFixture struct {
	*fixture
	srv   *listServer
	url   string
	clock time.Time
	src   *agencies.Sources
	c     *apitest.Client
}

func newSourcesFixture(t *testing.T, extra ...agencies.SourceSpec) *sourcesFixture {
	t.Helper()
	f := &sourcesFixture{fixture: newFixture(t), srv: &listServer{status: http.StatusOK}, clock: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	hs := httptest.NewServer(f.srv)
	t.Cleanup(hs.Close)
	f.url = hs.URL + "/dofe/list.csv?token=secret"
	specs := append([]agencies.SourceSpec{{Profile: "np-dofe-licensed", Location: f.url}}, extra...)
	var err error
	f.src, err = agencies.NewSources(f.svc, store.NewRegistrySources(f.s.DB()), agencies.SourcesOptions{
		Specs: specs, Interval: time.Hour, Timeout: 5 * time.Second, Now: func() time.Time { return f.clock }})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.src.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Deps{Tokens: staticTokens{"admin": {UserID: "a1", Role: kawan.RoleAdmin}, "w1": {UserID: "w1", Role: kawan.RoleWorker}}},
		&api.RegistryModule{Sources: f.src})
	f.c = apitest.New(t, srv)
	return f
}

func (f *sourcesFixture) status(t *testing.T) agencies.SourceStatus {
	t.Helper()
	var body struct {
		Total   int
		Sources []agencies.SourceStatus
	}
	r := f.c.Do("GET", "/v1/registry/status", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("status: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &body)
	if body.Total < 1 || len(body.Sources) != body.Total {
		t.Fatalf("status lists %d of %d sources: %s", len(body.Sources), body.Total, r.Body)
	}
	if strings.Contains(string(r.Body), "secret") {
		t.Fatalf("status repeats the URL's query: %s", r.Body)
	}
	return body.Sources[0]
}

// refresh advances the clock past the interval and runs one refresh of what is due.
func (f *sourcesFixture) refresh(t *testing.T, by time.Duration) {
	t.Helper()
	f.clock = f.clock.Add(by)
	f.src.Refresh(context.Background(), false)
}

func (f *sourcesFixture) licenceStatus(t *testing.T, number string) kawan.LicenceStatus {
	t.Helper()
	res, err := f.svc.CheckLicence(context.Background(), "NP-DOFE", number)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Found {
		return ""
	}
	return res.Status
}

func TestRegistrySourceFetchNotModifiedStaleAndHeld(t *testing.T) {
	f := newSourcesFixture(t)
	if st := f.status(t); st.State != "pending" || st.Rows != 0 || st.Location != strings.TrimSuffix(f.url, "token=secret")+"…" {
		t.Fatalf("before the first fetch: %+v", st)
	}

	// Fetched: ten agencies imported through the import entry point.
	f.srv.set(dofeList(10, "active"), `"v1"`, http.StatusOK)
	f.refresh(t, 0)
	st := f.status(t)
	if st.State != "ok" || st.Rows != 10 || st.Stale || st.LastApplied == nil || st.Profile != "np-dofe-licensed" || st.Regulator != "NP-DOFE" {
		t.Fatalf("after the first fetch: %+v", st)
	}
	if got := f.licenceStatus(t, "901/070/71"); got != kawan.LicenceActive {
		t.Fatalf("licence 901/070/71 after import: %q, want active", got)
	}
	var withImports struct{ Imports []store.ImportRecord }
	f.c.Do("GET", "/v1/registry/status", nil).JSON(t, &withImports)
	if len(withImports.Imports) != 1 || withImports.Imports[0].Profile != "np-dofe-licensed" || withImports.Imports[0].Rows != 10 ||
		!withImports.Imports[0].RetrievedAt.Equal(f.clock.Truncate(24*time.Hour)) {
		t.Fatalf("status imports: %+v", withImports.Imports)
	}

	// Not due yet: nothing is fetched.
	f.refresh(t, 10*time.Minute)
	if f.srv.full != 1 || f.srv.notModif != 0 {
		t.Fatalf("fetched before due: %d full, %d not-modified", f.srv.full, f.srv.notModif)
	}
	// Due: a conditional GET answered 304 changes nothing but the last success.
	f.refresh(t, time.Hour)
	st = f.status(t)
	if !f.srv.sawConditional || f.srv.notModif != 1 || f.srv.full != 1 {
		t.Fatalf("want one 304: conditional=%v full=%d 304=%d", f.srv.sawConditional, f.srv.full, f.srv.notModif)
	}
	if st.State != "ok" || st.Rows != 10 || st.LastSuccess == nil || !st.LastSuccess.Equal(f.clock) || !st.LastApplied.Before(f.clock) {
		t.Fatalf("after 304: %+v", st)
	}

	// Failure: the last good data stays, the source is stale with its age.
	lastGood := f.clock
	f.srv.set(dofeList(10, "suspended"), `"v2"`, http.StatusServiceUnavailable)
	f.refresh(t, 2*time.Hour)
	st = f.status(t)
	if st.State != "stale" || !st.Stale || st.AgeSeconds == nil || *st.AgeSeconds != int64(f.clock.Sub(lastGood).Seconds()) ||
		!strings.Contains(st.LastError, "HTTP 503") || st.Failures != 1 || st.Rows != 10 {
		t.Fatalf("after a failure: %+v", st)
	}
	if got := f.licenceStatus(t, "901/070/71"); got != kawan.LicenceActive {
		t.Fatalf("a failed fetch changed the data: %q", got)
	}
	stale := f.src.StaleFor(context.Background(), []string{"NP-DOFE"})
	if len(stale) != 1 || f.src.StaleFor(context.Background(), []string{"PH-DMW"}) != nil {
		t.Fatalf("StaleFor: %+v", stale)
	}
	// Retried after the back-off (5 minutes), not the whole interval: the source is back.
	f.srv.set(dofeList(10, "suspended"), `"v2"`, http.StatusOK)
	f.refresh(t, 6*time.Minute)
	st = f.status(t)
	if st.State != "ok" || st.Failures != 0 || f.licenceStatus(t, "901/070/71") != kawan.LicenceSuspended {
		t.Fatalf("after recovery: %+v, licence %q", st, f.licenceStatus(t, "901/070/71"))
	}

	// A list that lost 80% of its rows is held, not applied.
	f.srv.set(dofeList(2, "active"), `"v3"`, http.StatusOK)
	f.refresh(t, 2*time.Hour)
	st = f.status(t)
	if st.State != "held" || st.Held == nil || st.Held.Rows != 2 || st.Held.PreviousRows != 10 || st.Rows != 10 ||
		!strings.Contains(st.Held.Reason, "80% fewer") {
		t.Fatalf("after losing 80%%: %+v held=%+v", st, st.Held)
	}
	if got := f.licenceStatus(t, "901/070/71"); got != kawan.LicenceSuspended {
		t.Fatalf("a held list was applied: licence %q", got)
	}
	// The same document again is not fetched whole, and stays held.
	f.refresh(t, 2*time.Hour)
	if st = f.status(t); st.State != "held" || f.srv.notModif != 2 {
		t.Fatalf("held list re-read: %+v, 304s %d", st, f.srv.notModif)
	}

	// Only admins decide; the admin applies it.
	id := st.ID
	if r := f.c.As("w1").Do("POST", "/v1/admin/registry/sources/"+id+"/apply", nil); r.Status != http.StatusForbidden {
		t.Fatalf("worker apply: %d %s", r.Status, r.Body)
	}
	if r := f.c.As("admin").Do("POST", "/v1/admin/registry/sources/nosuchsource/apply", nil); r.Status != http.StatusNotFound {
		t.Fatalf("unknown source: %d %s", r.Status, r.Body)
	}
	r := f.c.As("admin").Do("POST", "/v1/admin/registry/sources/"+id+"/apply", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	var rep agencies.ImportReport
	r.JSON(t, &rep)
	if rep.Rows != 2 || rep.Updated == 0 {
		t.Fatalf("apply report: %+v", rep)
	}
	st = f.status(t)
	if st.State != "ok" || st.Held != nil || st.Rows != 2 || f.licenceStatus(t, "901/070/71") != kawan.LicenceActive {
		t.Fatalf("after apply: %+v", st)
	}
	if r := f.c.As("admin").Do("POST", "/v1/admin/registry/sources/"+id+"/discard", nil); r.Status != http.StatusNotFound {
		t.Fatalf("discard with nothing held: %d %s", r.Status, r.Body)
	}
}

func TestRegistrySourceDiscardAndFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mm.csv")
	list := "name,licence_number,status\nFictional Ayeyar Overseas,MM-0001,active\nFictional Shwe Employment,MM-0002,active\n"
	if err := os.WriteFile(path, []byte(list), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newSourcesFixture(t, agencies.SourceSpec{Profile: "generic", Regulator: "MM-MOL", Location: path})
	f.srv.set(dofeList(10, "active"), `"v1"`, http.StatusOK)
	f.refresh(t, 0)
	all, err := f.src.Status(context.Background())
	if err != nil || len(all) != 2 {
		t.Fatalf("status: %v %+v", err, all)
	}
	if fs := all[1]; fs.State != "ok" || fs.Rows != 2 || fs.Kind != "file" || fs.Location != "mm.csv" || fs.Regulator != "MM-MOL" {
		t.Fatalf("file source: %+v", fs)
	}
	res, err := f.svc.CheckLicence(context.Background(), "MM-MOL", "MM-0002")
	if err != nil || !res.Found {
		t.Fatalf("generic list with a configured regulator: %+v %v", res, err)
	}

	f.srv.set(dofeList(1, "revoked"), `"v2"`, http.StatusOK)
	f.refresh(t, 2*time.Hour)
	st := f.status(t)
	if st.State != "held" {
		t.Fatalf("want held: %+v", st)
	}
	if r := f.c.As("admin").Do("POST", "/v1/admin/registry/sources/"+st.ID+"/discard", nil); r.Status != http.StatusNoContent {
		t.Fatalf("discard: %d %s", r.Status, r.Body)
	}
	st = f.status(t)
	if st.State != "ok" || st.Rows != 10 || f.licenceStatus(t, "901/070/71") != kawan.LicenceActive {
		t.Fatalf("after discard: %+v", st)
	}
}

func TestRegistrySourceBadSpecs(t *testing.T) {
	f := newFixture(t)
	st := store.NewRegistrySources(f.s.DB())
	for _, spec := range []agencies.SourceSpec{
		{Profile: "no-such-profile", Location: "x.csv"},
		{Profile: "np-dofe-licensed", Regulator: "PH-DMW", Location: "x.csv"},
	} {
		if _, err := agencies.NewSources(f.svc, st, agencies.SourcesOptions{Specs: []agencies.SourceSpec{spec}}); err == nil {
			t.Errorf("%+v: want an error", spec)
		}
	}
}

// TestRegistrySourceRunJob runs the background job as the app does: it records the source,
// fetches it at once and returns when its context ends.
func TestRegistrySourceRunJob(t *testing.T) {
	f := newSourcesFixture(t)
	f.srv.set(dofeList(3, "active"), `"v1"`, http.StatusOK)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.src.Run(ctx); close(done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		all, err := f.src.Status(context.Background())
		if err == nil && len(all) == 1 && all[0].State == "ok" && all[0].Rows == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job did not fetch the source: %+v %v", all, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the job did not stop")
	}
}

// BenchmarkRegistrySourceDMW fetches a DMW-sized registry (3,800 fictional records) from a
// local server as a scheduled source: the first fetch imports it; an unchanged list is a 304.
// Run once: go test ./agencies/ -run XXX -bench RegistrySourceDMW -benchtime 1x.
func BenchmarkRegistrySourceDMW(b *testing.B) {
	data := dmwRegistry(3800)
	ls := &listServer{status: http.StatusOK}
	ls.set(string(data), `"dmw-1"`, http.StatusOK)
	hs := httptest.NewServer(ls)
	b.Cleanup(hs.Close)
	setup := func(b *testing.B) *agencies.Sources {
		s := storetest.New(b)
		idx, err := search.Open(context.Background(), search.Options{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = idx.Close() })
		svc := agencies.New(store.NewAgencies(s.DB()), idx, agencies.Options{})
		src, err := agencies.NewSources(svc, store.NewRegistrySources(s.DB()), agencies.SourcesOptions{
			Specs: []agencies.SourceSpec{{Profile: "ph-dmw", Location: hs.URL + "/registry.json"}}})
		if err != nil {
			b.Fatal(err)
		}
		if err := src.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		return src
	}
	rows := func(b *testing.B, src *agencies.Sources) int {
		st, err := src.Status(context.Background())
		if err != nil || len(st) != 1 || st[0].State != "ok" {
			b.Fatalf("%+v %v", st, err)
		}
		return st[0].Rows
	}
	b.Run("first fetch", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			src := setup(b)
			b.StartTimer()
			src.Refresh(context.Background(), true)
			if n := rows(b, src); n != 3800 {
				b.Fatalf("rows %d", n)
			}
		}
	})
	b.Run("not modified", func(b *testing.B) {
		src := setup(b)
		src.Refresh(context.Background(), true)
		before := ls.notModif
		for b.Loop() {
			src.Refresh(context.Background(), true)
		}
		if ls.notModif-before != b.N || rows(b, src) != 3800 {
			b.Fatalf("304s %d of %d", ls.notModif-before, b.N)
		}
	})
}

// TestRegistrySourceSameListWithoutValidators: a server that sends no ETag or Last-Modified
// and the same list again is not imported again (the document's digest is kept).
func TestRegistrySourceSameListWithoutValidators(t *testing.T) {
	f := newSourcesFixture(t)
	f.srv.set(dofeList(4, "active"), "", http.StatusOK)
	f.refresh(t, 0)
	first := f.status(t)
	f.refresh(t, 2*time.Hour)
	st := f.status(t)
	if f.srv.full != 2 || st.State != "ok" || st.LastApplied == nil || !st.LastApplied.Equal(*first.LastApplied) || !st.LastSuccess.After(*first.LastSuccess) {
		t.Fatalf("same list again: full GETs %d, before %+v, after %+v", f.srv.full, first, st)
	}
	f.srv.set(dofeList(4, "suspended"), "", http.StatusOK)
	f.refresh(t, 2*time.Hour)
	if st = f.status(t); !st.LastApplied.After(*first.LastApplied) || f.licenceStatus(t, "901/070/71") != kawan.LicenceSuspended {
		t.Fatalf("a changed list was not applied: %+v", st)
	}
}

package agencies_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/reviews"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// staticTokens accepts the tokens in its map; the real verifier lives in auth/.
type staticTokens map[string]kawan.Principal

func (s staticTokens) VerifyAccessToken(_ context.Context, tok string) (kawan.Principal, error) {
	if p, ok := s[tok]; ok {
		return p, nil
	}
	return kawan.Principal{}, errors.New("bad token")
}

// publishAll stands in for moderation's screener: it publishes everything unchanged.
type publishAll struct{}

func (publishAll) Assess(_ context.Context, r *kawan.Review) (kawan.Assessment, error) {
	return kawan.Assessment{Screening: kawan.Screening{Status: kawan.ReviewPublished, PublicText: r.Text}}, nil
}

func (publishAll) Record(context.Context, *kawan.Review, kawan.Assessment) error { return nil }

// swappable is a search.Index whose backend can be swapped, to take the real Bleve index
// down (closed) and bring it back (reopened) under a running service.
type swappable struct{ p atomic.Pointer[search.Index] }

func (s *swappable) set(i search.Index) { s.p.Store(&i) }
func (s *swappable) get() search.Index  { return *s.p.Load() }
func (s *swappable) IndexAgencies(ctx context.Context, d ...search.AgencyDoc) error {
	return s.get().IndexAgencies(ctx, d...)
}
func (s *swappable) DeleteAgency(ctx context.Context, id string) error {
	return s.get().DeleteAgency(ctx, id)
}
func (s *swappable) GetAgency(ctx context.Context, id string) (search.AgencyDoc, error) {
	return s.get().GetAgency(ctx, id)
}
func (s *swappable) SearchAgencies(ctx context.Context, q search.AgencyQuery) (search.AgencyHits, error) {
	return s.get().SearchAgencies(ctx, q)
}
func (s *swappable) Ping(ctx context.Context) error { return s.get().Ping(ctx) }
func (s *swappable) Close() error                   { return s.get().Close() }

type fixture struct {
	s       *store.Store
	dir     string
	idx     *swappable
	svc     *agencies.Service
	reviews *reviews.Service
	c       *apitest.Client
	now     time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{s: storetest.New(t), dir: t.TempDir(), idx: &swappable{}, now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	bi, err := search.Open(ctx, search.Options{Dir: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	f.idx.set(bi)
	t.Cleanup(func() { _ = f.idx.Close() })
	ri, err := search.OpenReviews(ctx, search.Options{Dir: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ri.Close() })
	clock := func() time.Time { return f.now }
	f.reviews = reviews.New(store.NewReviews(f.s.DB()), ri, reviews.Options{Now: clock, Screener: publishAll{}, Exclude: agencies.Exclusion})
	f.svc = agencies.New(store.NewAgencies(f.s.DB()), f.idx, agencies.Options{Now: clock, Scorer: f.reviews})
	srv := api.New(api.Deps{Tokens: staticTokens{
		"admin":  {UserID: "a1", Role: kawan.RoleAdmin},
		"w1":     {UserID: "w1", Role: kawan.RoleWorker},
		"w2":     {UserID: "w2", Role: kawan.RoleWorker},
		"w3":     {UserID: "w3", Role: kawan.RoleWorker},
		"mod":    {UserID: "m1", Role: kawan.RoleModerator},
		"rep":    {UserID: "r1", Role: kawan.RoleAgencyRep, AgencyID: "x"},
		"worker": {UserID: "w9", Role: kawan.RoleWorker},
	}}, &api.AgenciesModule{Svc: f.svc}, &api.ReviewsModule{Svc: f.reviews})
	f.c = apitest.New(t, srv)
	return f
}

const himalaya = `{"legal_name":"Himalaya Manpower Pvt. Ltd.","origin":"NP","city":"Kathmandu",
 "destinations":["QA","MY"],"sectors":["construction"],"languages":["ne","en"],
 "licences":[{"regulator":"NP-DOFE","number":"1234/070/71","status":"active","valid_to":"2027-07-15T00:00:00Z",
   "source_url":"https://dofe.gov.np/","retrieved_at":"2026-05-01T00:00:00Z"}],"fictional":true}`

const everest = `{"legal_name":"Everest Manpower Services","origin":"NP","city":"Pokhara","destinations":["SA"],"sectors":["hospitality"],
 "licences":[{"regulator":"NP-DOFE","number":"88/065/66","status":"suspended","status_date":"2026-04-10T00:00:00Z",
   "source_url":"https://dofe.gov.np/","retrieved_at":"2026-05-01T00:00:00Z"}],
 "sanctions":[{"date":"2026-04-10T00:00:00Z","authority":"Department of Foreign Employment","kind":"suspension",
   "summary":"Licence suspended for charging workers above the legal fee (fictional).","source_url":"https://dofe.gov.np/","licence":"88/065/66"}],"fictional":true}`

const bayanihan = `{"legal_name":"Bayanihan Placement Inc.","origin":"PH","city":"Makati","destinations":["HK"],"sectors":["domestic_work"],
 "licences":[{"regulator":"PH-DMW","number":"POEA-077-LB-121219-R","status":"revoked","status_date":"2025-02-01T00:00:00Z",
   "source_url":"https://dmw.gov.ph/","retrieved_at":"2026-05-01T00:00:00Z"}],
 "sanctions":[{"date":"2025-02-01T00:00:00Z","authority":"Department of Migrant Workers","kind":"blacklist",
   "summary":"Blacklisted for illegal recruitment (fictional).","source_url":"https://dmw.gov.ph/"}],"fictional":true}`

func (f *fixture) create(t *testing.T, body string) string {
	t.Helper()
	r := f.c.As("admin").Do("POST", "/v1/admin/agencies", body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var p struct{ ID string }
	r.JSON(t, &p)
	return p.ID
}

func review(overall int, rec bool) string {
	o := string(rune('0' + overall))
	return `{"ratings":{"overall":` + o + `,"fees_honesty":` + o + `,"contract_match":` + o + `,"treatment":` + o + `,"support":` + o + `},` +
		`"would_recommend":` + map[bool]string{true: "true", false: "false"}[rec] + `,"text":"The agency did what it promised."}`
}

func TestAgenciesAPI(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.c.As("admin")

	// Access: only admins write.
	if r := f.c.Do("POST", "/v1/admin/agencies", himalaya); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous create: %d", r.Status)
	}
	if r := f.c.As("mod").Do("POST", "/v1/admin/agencies", himalaya); r.Status != http.StatusForbidden {
		t.Errorf("moderator create: %d", r.Status)
	}
	hid := f.create(t, himalaya)
	if hid != "himalaya-manpower-np" {
		t.Errorf("slug id %q", hid)
	}
	eid := f.create(t, everest)
	bid := f.create(t, bayanihan)
	// The same agency again (name normalises equal; or same licence) is a conflict.
	if r := admin.Do("POST", "/v1/admin/agencies", strings.Replace(himalaya, "Pvt. Ltd.", "Private Limited", 1)); r.Status != http.StatusConflict {
		t.Errorf("duplicate by name: %d %s", r.Status, r.Body)
	}
	if r := admin.Do("POST", "/v1/admin/agencies", strings.Replace(everest, "Everest Manpower Services", "Other Name", 1)); r.Status != http.StatusConflict {
		t.Errorf("duplicate by licence: %d %s", r.Status, r.Body)
	}
	// Bad input: 400 naming the field, nothing written.
	for body, field := range map[string]string{
		strings.Replace(himalaya, `"origin":"NP"`, `"origin":"np"`, 1):                                       "origin",
		strings.Replace(himalaya, `"status":"active"`, `"status":"valid"`, 1):                                "licences[0].status",
		strings.Replace(himalaya, `"regulator":"NP-DOFE"`, `"regulator":"XX-NONE"`, 1):                       "licences[0].regulator",
		strings.Replace(himalaya, `"source_url":"https://dofe.gov.np/"`, `"source_url":"dofe"`, 1):           "licences[0].source_url",
		strings.Replace(himalaya, `"sectors":["construction"]`, `"sectors":["mining"]`, 1):                   "sectors[0]",
		strings.Replace(himalaya, `"legal_name":"Himalaya Manpower Pvt. Ltd."`, `"legal_name":"Pvt Ltd"`, 1): "legal_name",
		`{"legal_name":"X","origin":"NP","extra":1}`:                                                         "extra",
	} {
		r := admin.Do("POST", "/v1/admin/agencies", body)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("bad %s: %d %s", field, r.Status, r.Body)
		}
	}

	// Search: the "done when".
	var res struct {
		Hits   []map[string]any
		Total  int
		Facets map[string]map[string]int
	}
	r := f.c.Do("GET", "/v1/agencies?q="+url.QueryEscape("manpwer nepal"), nil)
	r.JSON(t, &res)
	if r.Status != 200 || res.Total != 2 {
		t.Fatalf("manpwer nepal: %d %s", r.Status, r.Body)
	}
	if res.Facets["standing"]["licence_problem"] != 1 || res.Facets["standing"]["licensed"] != 1 {
		t.Errorf("facets: %v", res.Facets)
	}
	r = f.c.Do("GET", "/v1/agencies?licence_status=suspended&origin=NP&sort=name&page=1&per_page=5", nil)
	r.JSON(t, &res)
	if res.Total != 1 || res.Hits[0]["id"] != eid || res.Hits[0]["standing"] != "licence_problem" {
		t.Errorf("suspended filter: %s", r.Body)
	}
	for _, bad := range []string{"per_page=101", "per_page=0", "page=x", "orign=NP", "origin=Nepal", "standing=good",
		"licence_status=valid", "sector=mining", "min_rating=9", "sort=best", "q=" + strings.Repeat("a", 201), "page=1000&per_page=100",
		"origin=NP&origin=PH"} {
		r := f.c.Do("GET", "/v1/agencies?"+bad, nil)
		field := strings.SplitN(bad, "=", 2)[0]
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("GET ?%s: %d %s", bad, r.Status, r.Body)
		}
	}

	// Reviews move the score; the reconciler carries it into search (rating sort, min_rating).
	for i, w := range []string{"w1", "w2", "w3"} {
		if r := f.c.As(w).Do("POST", "/v1/agencies/"+hid+"/reviews", review(5-i%2, true)); r.Status != http.StatusCreated {
			t.Fatalf("review: %d %s", r.Status, r.Body)
		}
	}
	if n, err := f.svc.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep after reviews: %d %v", n, err)
	}
	r = f.c.Do("GET", "/v1/agencies?min_rating=3.5&sort=rating", nil)
	r.JSON(t, &res)
	if res.Total != 1 || res.Hits[0]["id"] != hid || res.Hits[0]["reviews"] != float64(3) {
		t.Errorf("min_rating after reviews: %s", r.Body)
	}

	// Profile: standing, sources, and the explained review score.
	var prof struct {
		ID       string
		Licences []kawan.Licence
		Standing kawan.StandingInfo
		Score    struct {
			Value            float64
			Reviews          int
			TopRatedEligible bool `json:"top_rated_eligible"`
			Explanation      struct{ Formula, Summary, Excluded string }
		}
		Fictional bool
	}
	r = f.c.Do("GET", "/v1/agencies/"+hid, nil)
	r.JSON(t, &prof)
	if r.Status != 200 || prof.Standing.Standing != kawan.StandingLicensed || prof.Score.Reviews != 3 || prof.Score.Explanation.Formula == "" ||
		!prof.Score.TopRatedEligible || !prof.Fictional {
		t.Errorf("profile: %s", r.Body)
	}
	r = f.c.Do("GET", "/v1/agencies/"+eid, nil)
	r.JSON(t, &prof)
	if prof.Standing.Standing != kawan.StandingLicenceProblem || !strings.Contains(prof.Standing.Reason, "suspended since 2026-04-10") ||
		prof.Licences[0].Status != kawan.LicenceSuspended || prof.Licences[0].SourceURL != "https://dofe.gov.np/" ||
		prof.Licences[0].RetrievedAt.Format("2006-01-02") != "2026-05-01" {
		t.Errorf("suspended profile: %s", r.Body)
	}
	if r := f.c.Do("GET", "/v1/agencies/nope", nil); r.Status != http.StatusNotFound {
		t.Errorf("absent profile: %d", r.Status)
	}
	if r := f.c.Do("GET", "/v1/agencies/"+url.PathEscape("a b"), nil); r.Status != http.StatusNotFound {
		t.Errorf("bad id: %d", r.Status)
	}

	// Blacklisted agencies never appear in top rated, whatever their reviews.
	for _, w := range []string{"w1", "w2", "w3"} {
		if r := f.c.As(w).Do("POST", "/v1/agencies/"+bid+"/reviews", review(5, true)); r.Status != http.StatusCreated {
			t.Fatalf("review: %d %s", r.Status, r.Body)
		}
	}
	r = f.c.Do("GET", "/v1/rankings/agencies", nil)
	if r.Status != 200 || strings.Contains(string(r.Body), bid) || !strings.Contains(string(r.Body), hid) {
		t.Errorf("top rated: %s", r.Body)
	}
	r = f.c.Do("GET", "/v1/agencies/"+bid, nil)
	r.JSON(t, &prof)
	if prof.Standing.Standing != kawan.StandingBlacklisted || prof.Score.TopRatedEligible || !strings.Contains(prof.Score.Explanation.Excluded, "blacklisted") {
		t.Errorf("blacklisted profile: %s", r.Body)
	}

	// Licence check.
	var lc agencies.LicenceCheck
	r = f.c.Do("GET", "/v1/licences/np-dofe/"+url.PathEscape("88 065 66"), nil)
	r.JSON(t, &lc)
	if r.Status != 200 || !lc.Found || lc.Valid || lc.Status != kawan.LicenceSuspended || lc.Agency.ID != eid ||
		lc.Licence.SourceURL != "https://dofe.gov.np/" || len(lc.Sanctions) != 1 || !strings.Contains(lc.Warning, "suspended") {
		t.Errorf("suspended licence: %s", r.Body)
	}
	r = f.c.Do("GET", "/v1/licences/NP-DOFE/"+url.PathEscape("1234/070/71"), nil)
	r.JSON(t, &lc)
	if !lc.Valid || lc.Status != kawan.LicenceActive {
		t.Errorf("active licence: %s", r.Body)
	}
	// In date today; expired once valid_to has passed.
	f.now = time.Date(2027, 8, 1, 0, 0, 0, 0, time.UTC)
	r = f.c.Do("GET", "/v1/licences/NP-DOFE/"+url.PathEscape("1234/070/71"), nil)
	r.JSON(t, &lc)
	if lc.Valid || lc.Status != kawan.LicenceExpired {
		t.Errorf("expired licence: %s", r.Body)
	}
	f.now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	r = f.c.Do("GET", "/v1/licences/PH-DMW/NOT-A-LICENCE-1", nil)
	if r.Status != http.StatusNotFound || !strings.Contains(string(r.Body), "Do not pay") {
		t.Errorf("unknown licence: %d %s", r.Status, r.Body)
	}
	if r := f.c.Do("GET", "/v1/licences/XX/123", nil); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"regulator"`) {
		t.Errorf("unknown regulator: %d %s", r.Status, r.Body)
	}
	if r := f.c.Do("GET", "/v1/licences/PH-DMW/"+url.PathEscape("---"), nil); r.Status != http.StatusBadRequest {
		t.Errorf("empty number: %d %s", r.Status, r.Body)
	}

	// Update (admin): registry fields replaced, ratings kept, index follows.
	up := strings.Replace(everest, `"status":"suspended"`, `"status":"active"`, 1)
	r = admin.Do("PUT", "/v1/admin/agencies/"+eid, up)
	if r.Status != 200 {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	r = f.c.Do("GET", "/v1/agencies?licence_status=suspended", nil)
	r.JSON(t, &res)
	if res.Total != 0 {
		t.Errorf("index did not follow the update: %s", r.Body)
	}
	r = admin.Do("PUT", "/v1/admin/agencies/"+hid, strings.Replace(himalaya, `"city":"Kathmandu"`, `"city":"Lalitpur"`, 1))
	r.JSON(t, &prof)
	if r.Status != 200 || prof.Score.Reviews != 3 {
		t.Errorf("update lost the ratings: %s", r.Body)
	}
	if r := admin.Do("PUT", "/v1/admin/agencies/"+hid, everest); r.Status != http.StatusConflict {
		t.Errorf("update taking another agency's licence: %d %s", r.Status, r.Body)
	}
	if r := admin.Do("PUT", "/v1/admin/agencies/nope", himalaya); r.Status != http.StatusNotFound {
		t.Errorf("update absent: %d", r.Status)
	}
}

// A write while search is down succeeds; the reconciler brings the index up to date.
func TestReconcilerCatchesUpAfterSearchOutage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	hid := f.create(t, himalaya)

	// Search goes down (the real Bleve index, closed).
	if err := f.idx.get().Close(); err != nil {
		t.Fatal(err)
	}
	if r := f.c.Do("GET", "/v1/agencies?q=everest", nil); r.Status != http.StatusServiceUnavailable {
		t.Errorf("search while down: %d %s", r.Status, r.Body)
	}
	eid := f.create(t, everest) // the write succeeds
	if r := f.c.As("admin").Do("PUT", "/v1/admin/agencies/"+hid, strings.Replace(himalaya, "Kathmandu", "Bhaktapur", 1)); r.Status != 200 {
		t.Fatalf("update while down: %d %s", r.Status, r.Body)
	}
	if r := f.c.Do("GET", "/v1/agencies/"+eid, nil); r.Status != 200 {
		t.Errorf("profile (by _id) while search is down: %d", r.Status)
	}
	if _, err := f.svc.Sweep(ctx); err == nil {
		t.Error("sweep claims success while search is down")
	}

	// Search comes back: the same index files, reopened.
	bi, err := search.Open(ctx, search.Options{Dir: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	f.idx.set(bi)
	if h, _ := bi.SearchAgencies(ctx, search.AgencyQuery{Q: "everest", Page: 1, PerPage: 10}); h.Total != 0 {
		t.Fatal("the write reached the index while it was down?")
	}
	n, err := f.svc.Sweep(ctx)
	if err != nil || n != 2 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if h, _ := bi.SearchAgencies(ctx, search.AgencyQuery{Q: "bhaktapur", Page: 1, PerPage: 10}); h.Total != 1 {
		t.Errorf("update not caught up: %+v", h)
	}
	if h, _ := bi.SearchAgencies(ctx, search.AgencyQuery{Q: "everest", Page: 1, PerPage: 10}); h.Total != 1 {
		t.Errorf("create not caught up: %+v", h)
	}
	if n, _ := f.svc.Sweep(ctx); n != 0 {
		t.Errorf("second sweep re-synced %d", n)
	}
	// Reconcile (the background loop) also works and stops with its context.
	if err := store.NewAgencies(f.s.DB()).Touch(ctx, hid); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { f.svc.Reconcile(rctx, agencies.ReconcileOptions{Every: 10 * time.Millisecond}); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if behind, _ := store.NewAgencies(f.s.DB()).Behind(ctx, 10); len(behind) == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if behind, _ := store.NewAgencies(f.s.DB()).Behind(ctx, 10); len(behind) != 0 {
		t.Errorf("reconcile left %v behind", behind)
	}
	// Full rebuild.
	n, err = f.svc.Reindex(ctx, nil)
	if err != nil || n != 2 {
		t.Errorf("reindex: %d %v", n, err)
	}
	// A lost index (a new, empty directory) is rebuilt from the database.
	empty, err := search.Open(ctx, search.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	f.idx.set(empty)
	if n, err := f.svc.RebuildIfEmpty(ctx); err != nil || n != 2 {
		t.Errorf("rebuild: %d %v", n, err)
	}
	if n, _ := f.svc.RebuildIfEmpty(ctx); n != 0 {
		t.Errorf("rebuilt a full index: %d", n)
	}
}

package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
)

// The tests in this file check the HTTP requests Kawan's Meilisearch backend sends, through
// the real meilisearch-go client, to a local REQUEST-CAPTURE harness that records them and
// answers with Meilisearch's documented JSON shapes. The harness is no Meilisearch: it does
// not search; the search contract runs against a real server only (MEILI_URL).

type capturedRequest struct {
	Method, Path, Query, Auth string
	Body                      string
}

// meiliCapture is the harness: settings it holds per index (after a PATCH), tasks that
// finish after pollsToFinish polls, and per-path overrides (status + body).
type meiliCapture struct {
	t             *testing.T
	mu            sync.Mutex
	reqs          []capturedRequest
	settings      map[string]map[string]any
	pendingTasks  int // GET /tasks answers this many enqueued settings tasks
	pollsToFinish int
	polls         map[string]int
	failWith      func(r *http.Request) (int, string, bool)
	srv           *httptest.Server
}

func newMeiliCapture(t *testing.T) *meiliCapture {
	c := &meiliCapture{t: t, settings: map[string]map[string]any{}, polls: map[string]int{}}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *meiliCapture) requests() []capturedRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reqs)
}

func (c *meiliCapture) reset() {
	c.mu.Lock()
	c.reqs = nil
	c.mu.Unlock()
}

func (c *meiliCapture) count(method, pathPrefix string) int {
	n := 0
	for _, r := range c.requests() {
		if r.Method == method && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

const meiliTaskJSON = `{"taskUid":%d,"indexUid":%q,"status":"enqueued","type":%q,"enqueuedAt":"2026-01-01T00:00:00Z"}`

func (c *meiliCapture) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs = append(c.reqs, capturedRequest{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: string(body)})
	w.Header().Set("Content-Type", "application/json")
	if c.failWith != nil {
		if st, b, ok := c.failWith(r); ok {
			w.WriteHeader(st)
			_, _ = io.WriteString(w, b)
			return
		}
	}
	parts := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	switch {
	case r.Method == http.MethodGet && len(parts) == 3 && parts[0] == "indexes" && parts[2] == "settings":
		s, ok := c.settings[parts[1]]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"message":"Index `+"`%s`"+` not found.","code":"index_not_found","type":"invalid_request","link":"https://docs.meilisearch.com/errors#index_not_found"}`, parts[1])
			return
		}
		_ = json.NewEncoder(w).Encode(s)
	case r.Method == http.MethodPatch && len(parts) == 3 && parts[2] == "settings":
		var patch map[string]any
		_ = json.Unmarshal(body, &patch)
		s, ok := c.settings[parts[1]]
		if !ok {
			s = map[string]any{ // a new index: Meilisearch's defaults
				"typoTolerance": map[string]any{"enabled": true, "minWordSizeForTypos": map[string]any{"oneTypo": 5, "twoTypos": 9}, "disableOnWords": []string{}, "disableOnAttributes": []string{}},
				"faceting":      map[string]any{"maxValuesPerFacet": 100, "sortFacetValuesBy": map[string]string{"*": "alpha"}},
			}
			c.settings[parts[1]] = s
		}
		for k, v := range patch {
			s[k] = v
		}
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, meiliTaskJSON, len(c.reqs), parts[1], "settingsUpdate")
	case r.Method == http.MethodGet && r.URL.Path == "/tasks":
		var res []string
		for i := range c.pendingTasks {
			res = append(res, fmt.Sprintf(`{"uid":%d,"indexUid":"x","status":"enqueued","type":"settingsUpdate","enqueuedAt":"2026-01-01T00:00:00Z"}`, 900+i))
		}
		fmt.Fprintf(w, `{"results":[%s],"total":%d,"limit":1,"from":null,"next":null}`, strings.Join(res, ","), c.pendingTasks)
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "tasks":
		c.polls[parts[1]]++
		status := "succeeded"
		if c.polls[parts[1]] <= c.pollsToFinish {
			status = "processing"
		}
		fmt.Fprintf(w, `{"uid":%s,"indexUid":"x","status":%q,"type":"documentAdditionOrUpdate","enqueuedAt":"2026-01-01T00:00:00Z"}`, parts[1], status)
	case r.Method == http.MethodPost && len(parts) == 3 && parts[2] == "documents",
		r.Method == http.MethodDelete && len(parts) >= 3 && parts[2] == "documents",
		r.Method == http.MethodDelete && len(parts) == 4 && parts[2] == "settings":
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, meiliTaskJSON, len(c.reqs), parts[1], "documentAdditionOrUpdate")
	case r.Method == http.MethodPost && len(parts) == 3 && parts[2] == "search":
		_, _ = io.WriteString(w, `{"hits":[],"query":"","processingTimeMs":0,"hitsPerPage":20,"page":1,"totalPages":0,"totalHits":0}`)
	case r.Method == http.MethodGet && len(parts) == 4 && parts[2] == "documents":
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"Document not found.","code":"document_not_found","type":"invalid_request","link":"https://docs.meilisearch.com/errors#document_not_found"}`)
	default:
		c.t.Errorf("harness: unexpected request %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusNotImplemented)
	}
}

func (c *meiliCapture) opts() Options { return Options{MeiliURL: c.srv.URL, MeiliAPIKey: "test-key"} }

// Two processes starting together on a missing index both open it: no explicit creation
// (index_already_exists cannot happen), one settings update that creates the index, and no
// settings task at all on the next start when the settings are already right.
func TestMeiliOpenConfiguresOnceWithoutCreation(t *testing.T) {
	c := newMeiliCapture(t)
	ctx := context.Background()
	if _, err := openMeiliAgenciesUID(ctx, c.opts(), "ag"); err != nil {
		t.Fatal(err)
	}
	if c.count(http.MethodPost, "/indexes") != 0 {
		t.Errorf("open created the index explicitly: %v", c.requests())
	}
	if n := c.count(http.MethodPatch, "/indexes/ag/settings"); n != 1 {
		t.Fatalf("settings updates at first open: %d, want 1: %v", n, c.requests())
	}
	c.reset()
	if _, err := openMeiliAgenciesUID(ctx, c.opts(), "ag"); err != nil {
		t.Fatal(err)
	}
	if _, err := openMeiliReviewsUID(ctx, c.opts(), "rv"); err != nil {
		t.Fatal(err)
	}
	c.reset()
	if _, err := openMeiliReviewsUID(ctx, c.opts(), "rv"); err != nil {
		t.Fatal(err)
	}
	if _, err := openMeiliAgenciesUID(ctx, c.opts(), "ag"); err != nil {
		t.Fatal(err)
	}
	for _, r := range c.requests() {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.Path, "/settings") {
			t.Errorf("reopening an index with the right settings sent %s %s", r.Method, r.Path)
		}
		if r.Auth != "Bearer test-key" {
			t.Errorf("%s %s without the key", r.Method, r.Path)
		}
	}
	// A settings update already queued (another process, or a slow re-index) is not queued again.
	c.settings["ag"]["rankingRules"] = []string{"words"}
	c.pendingTasks = 1
	c.reset()
	if _, err := openMeiliAgenciesUID(ctx, c.opts(), "ag"); err != nil {
		t.Fatal(err)
	}
	if n := c.count(http.MethodPatch, "/indexes/ag/settings"); n != 0 {
		t.Errorf("a second settings task was queued behind a pending one")
	}
	c.pendingTasks = 0
	c.reset()
	if _, err := openMeiliAgenciesUID(ctx, c.opts(), "ag"); err != nil {
		t.Fatal(err)
	}
	if n := c.count(http.MethodPatch, "/indexes/ag/settings"); n != 1 {
		t.Errorf("changed settings were not updated: %v", c.requests())
	}
	// A server that echoes a setting otherwise than it was sent: the same process does not
	// queue a settings task at every write and readiness check.
	m, _ := openMeiliAgenciesUID(ctx, c.opts(), "ag")
	c.settings["ag"]["rankingRules"] = []string{"words"}
	_ = m.ensure(ctx)
	c.settings["ag"]["rankingRules"] = []string{"words"}
	c.reset()
	for range 3 {
		if err := m.ensure(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.count(http.MethodPatch, "/indexes/ag/settings"); n != 0 {
		t.Errorf("settings re-sent %d times within meiliResendAfter", n)
	}
	// But a deleted index is always reconfigured.
	delete(c.settings, "ag")
	if err := m.ensure(ctx); err != nil || c.count(http.MethodPatch, "/indexes/ag/settings") != 1 {
		t.Errorf("deleted index not reconfigured: %v %v", err, c.requests())
	}
}

// The settings body: "sort" the first ranking rule and Bleve's tie-breakers last, nothing
// newer than MeiliMinVersion (no typoTolerance: the client always serialises
// disableOnNumbers, a 1.15 field), and non-default typo tolerance reset, not sent.
func TestMeiliSettingsBody(t *testing.T) {
	c := newMeiliCapture(t)
	ctx := context.Background()
	_, _ = openMeiliAgenciesUID(ctx, c.opts(), "ag")
	_, _ = openMeiliReviewsUID(ctx, c.opts(), "rv")
	want := map[string][]string{
		"ag": {"sort", "words", "typo", "proximity", "attribute", "exactness", "trust:asc", "name_sort:asc"},
		"rv": {"sort", "words", "typo", "proximity", "attribute", "exactness", "created:desc", "id:asc"},
	}
	for _, r := range c.requests() {
		if r.Method != http.MethodPatch {
			continue
		}
		uid := strings.Split(r.Path, "/")[2]
		var body map[string]json.RawMessage
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatal(err)
		}
		var rules []string
		_ = json.Unmarshal(body["rankingRules"], &rules)
		if !slices.Equal(rules, want[uid]) {
			t.Errorf("%s ranking rules %v, want %v", uid, rules, want[uid])
		}
		for _, k := range []string{"typoTolerance", "faceting", "prefixSearch", "facetSearch", "localizedAttributes"} {
			if _, ok := body[k]; ok {
				t.Errorf("%s settings send %s: %s", uid, k, r.Body)
			}
		}
		if strings.Contains(r.Body, "disableOnNumbers") {
			t.Errorf("%s settings send disableOnNumbers", uid)
		}
		if uid == "ag" && !strings.Contains(r.Body, `"maxTotalHits":10000`) {
			t.Errorf("agency pagination: %s", r.Body)
		}
	}
	c.settings["ag"]["typoTolerance"] = map[string]any{"enabled": true, "minWordSizeForTypos": map[string]any{"oneTypo": 3, "twoTypos": 9}}
	c.reset()
	_, _ = openMeiliAgenciesUID(ctx, c.opts(), "ag")
	if c.count(http.MethodDelete, "/indexes/ag/settings/typo-tolerance") != 1 || c.count(http.MethodPatch, "/indexes/ag/settings") != 0 {
		t.Errorf("non-default typo tolerance: %v", c.requests())
	}
}

// Meilisearch down at boot: open succeeds, readiness and writes report ErrUnavailable, and
// each call is one request (the client's retries are off: the reconciler retries).
func TestMeiliDownAtBoot(t *testing.T) {
	c := newMeiliCapture(t)
	c.failWith = func(*http.Request) (int, string, bool) {
		return http.StatusServiceUnavailable, `{"message":"down","code":"internal","type":"internal"}`, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	idx, err := Open(ctx, c.opts())
	if err != nil {
		t.Fatalf("open while Meilisearch is down: %v", err)
	}
	rv, err := OpenReviews(ctx, c.opts())
	if err != nil {
		t.Fatalf("open reviews while Meilisearch is down: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("open took %s while Meilisearch was down (client retries?)", d)
	}
	if n := len(c.requests()); n != 2 {
		t.Errorf("open sent %d requests, want 2 (one settings read each, no retries)", n)
	}
	for name, p := range map[string]interface{ Ping(context.Context) error }{"agencies": idx, "reviews": rv} {
		if err := p.Ping(ctx); !errors.Is(err, kawan.ErrUnavailable) {
			t.Errorf("%s ping: %v, want ErrUnavailable", name, err)
		}
	}
	if err := idx.IndexAgencies(ctx, AgencyDoc{ID: "a1", Name: "A"}); !errors.Is(err, kawan.ErrUnavailable) {
		t.Errorf("index while down: %v", err)
	}
	// Back up: the next write configures the index, then adds.
	c.failWith = nil
	c.reset()
	if err := idx.IndexAgencies(ctx, AgencyDoc{ID: "a1", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range c.requests() {
		order = append(order, r.Method+" "+r.Path)
	}
	if i, j := slices.Index(order, "PATCH /indexes/kawan_agencies/settings"), slices.Index(order, "POST /indexes/kawan_agencies/documents"); i < 0 || j < i {
		t.Errorf("settings must be queued before the first document add: %v", order)
	}
	if err := idx.Ping(ctx); err != nil {
		t.Errorf("ping when up: %v", err)
	}
}

// An index deleted under a running service: the next write sees it missing and queues the
// settings (which recreate it) before the documents, so they never create a bare index.
func TestMeiliIndexDeletedUnderRunningService(t *testing.T) {
	c := newMeiliCapture(t)
	ctx := context.Background()
	rv, _ := openMeiliReviewsUID(ctx, c.opts(), "rv")
	delete(c.settings, "rv")
	c.reset()
	if err := rv.IndexReviews(ctx, ReviewDoc{ID: "r1", AgencyID: "a1", Text: "fine"}); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range c.requests() {
		order = append(order, r.Method+" "+r.Path)
	}
	if i, j := slices.Index(order, "PATCH /indexes/rv/settings"), slices.Index(order, "POST /indexes/rv/documents"); i < 0 || j < i {
		t.Errorf("requests after the index was deleted: %v", order)
	}
	// Readiness on a missing index repairs it too, and asks with the key, not /health.
	delete(c.settings, "rv")
	c.reset()
	if err := rv.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range c.requests() {
		if r.Path == "/health" || r.Auth != "Bearer test-key" {
			t.Errorf("readiness request %s %s (auth %q)", r.Method, r.Path, r.Auth)
		}
	}
	if c.count(http.MethodPatch, "/indexes/rv/settings") != 1 || c.count(http.MethodPost, "/indexes/rv/search") != 1 {
		t.Errorf("readiness on a missing index: %v", c.requests())
	}
}

// Task waits poll with back-off (not every 25 ms).
func TestMeiliTaskPollingBacksOff(t *testing.T) {
	c := newMeiliCapture(t)
	ctx := context.Background()
	rv, _ := openMeiliReviewsUID(ctx, c.opts(), "rv")
	c.pollsToFinish = 8
	c.reset()
	start := time.Now()
	if err := rv.DeleteReview(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	polls := c.count(http.MethodGet, "/tasks/")
	if polls != 9 {
		t.Errorf("%d polls, want 9", polls)
	}
	// 10+20+40+…+1280 ms = 2.55 s for 8 unfinished polls; a fixed 25 ms would take 0.2 s.
	if took < 2*time.Second {
		t.Errorf("8 unfinished polls took %s: no back-off", took)
	}
}

// An empty or impossible id sends nothing: no DELETE …/documents/ (the whole index with the
// slash trimmed) and no document listing; ids go into the path escaped.
func TestMeiliIDGuards(t *testing.T) {
	c := newMeiliCapture(t)
	ctx := context.Background()
	ag, _ := openMeiliAgenciesUID(ctx, c.opts(), "ag")
	rv, _ := openMeiliReviewsUID(ctx, c.opts(), "rv")
	c.reset()
	for _, id := range []string{"", "a/b", "../settings", "a b", strings.Repeat("x", 512)} {
		if err := ag.DeleteAgency(ctx, id); err != nil {
			t.Errorf("delete agency %q: %v", id, err)
		}
		if err := rv.DeleteReview(ctx, id); err != nil {
			t.Errorf("delete review %q: %v", id, err)
		}
		if _, err := ag.GetAgency(ctx, id); !errors.Is(err, kawan.ErrNotFound) {
			t.Errorf("get agency %q: %v", id, err)
		}
		if err := ag.IndexAgencies(ctx, AgencyDoc{ID: id, Name: "X"}); err == nil {
			t.Errorf("indexed an agency with id %q", id)
		}
	}
	if reqs := c.requests(); len(reqs) != 0 {
		t.Errorf("requests for impossible ids: %v", reqs)
	}
	if _, err := ag.GetAgency(ctx, "nepal-01_x"); !errors.Is(err, kawan.ErrNotFound) {
		t.Errorf("get absent: %v", err)
	}
	if r := c.requests(); len(r) != 1 || r[0].Path != "/indexes/ag/documents/nepal-01_x" {
		t.Errorf("get request: %v", r)
	}
}

// The requests searches build: a chosen sort with a query, the filter string, the relevance
// order left to the ranking rules, punctuation-only review queries answered without asking,
// and review totals exact for offsets that are not page-aligned.
func TestMeiliSearchRequests(t *testing.T) {
	c := newMeiliCapture(t)
	ctx := context.Background()
	ag, _ := openMeiliAgenciesUID(ctx, c.opts(), "ag")
	rv, _ := openMeiliReviewsUID(ctx, c.opts(), "rv")
	body := func() map[string]any {
		t.Helper()
		r := c.requests()
		if len(r) == 0 {
			t.Fatal("no request")
		}
		var b map[string]any
		_ = json.Unmarshal([]byte(r[len(r)-1].Body), &b)
		return b
	}
	c.reset()
	if _, err := ag.SearchAgencies(ctx, AgencyQuery{Q: "manpower", Sort: AgencySortRating, Origin: `N"P`, PerPage: 20, Page: 1}); err != nil {
		t.Fatal(err)
	}
	b := body()
	if fmt.Sprint(b["sort"]) != "[rating:desc reviews:desc name_sort:asc id:asc]" || b["q"] != "manpower" || b["filter"] != `origin = "N\"P"` {
		t.Errorf("sort rating with a query: %v", b)
	}
	c.reset()
	_, _ = ag.SearchAgencies(ctx, AgencyQuery{Q: "manpower", PerPage: 20, Page: 1})
	if _, ok := body()["sort"]; ok {
		t.Errorf("relevance sends a sort (it would come before relevance): %v", body())
	}
	c.reset()
	_, _ = ag.SearchAgencies(ctx, AgencyQuery{MinRating: 4, Destination: "QA", Sort: AgencySortReviews, PerPage: 10, Page: 2, Facets: true})
	b = body()
	if b["filter"] != `destination = "QA" AND rating >= 4 AND reviews >= 1` || fmt.Sprint(b["sort"]) != "[reviews:desc rating:desc name_sort:asc id:asc]" ||
		b["page"] != 2.0 || b["hitsPerPage"] != 10.0 || fmt.Sprint(b["facets"]) != fmt.Sprint(AgencyFacets) || b["matchingStrategy"] != "all" {
		t.Errorf("filters, sort reviews, page 2: %v", b)
	}
	c.reset()
	_, _ = rv.SearchReviews(ctx, ReviewQuery{AgencyID: "a1", Lang: "ne", Q: "passport", Sort: SortHelpful, Limit: 10})
	b = body()
	if b["filter"] != `agency_id = "a1" AND lang = "ne"` || fmt.Sprint(b["sort"]) != "[helpful:desc created:desc id:asc]" || b["q"] != "passport" {
		t.Errorf("review filters and sort: %v", b)
	}
	c.reset()
	for _, q := range []string{"!!! ???", "—", "..."} {
		h, err := rv.SearchReviews(ctx, ReviewQuery{Q: q, Limit: 10})
		if err != nil || h.Total != 0 || len(h.Items) != 0 {
			t.Errorf("punctuation-only review query %q: %+v %v", q, h, err)
		}
	}
	if r := c.requests(); len(r) != 0 {
		t.Errorf("punctuation-only queries were sent: %v", r)
	}
	c.reset()
	_, _ = rv.SearchReviews(ctx, ReviewQuery{AgencyID: "a1", Offset: 5, Limit: 10})
	b = body()
	if b["hitsPerPage"] != 15.0 || b["page"] != 1.0 || b["offset"] != nil || fmt.Sprint(b["sort"]) != "[created:desc id:asc]" {
		t.Errorf("offset 5 limit 10: %v", b)
	}
	c.reset()
	_, _ = rv.SearchReviews(ctx, ReviewQuery{Offset: 713, Limit: 10})
	if r := c.requests(); len(r) != 2 || !strings.Contains(r[1].Body, `"hitsPerPage":0`) {
		t.Errorf("a window no small page holds: %v", r)
	}
	for _, tc := range []struct{ off, lim, per, page, skip int }{{0, 10, 10, 1, 0}, {20, 10, 10, 3, 0}, {5, 10, 15, 1, 5}, {14, 2, 2, 8, 0}, {15, 10, 13, 2, 2}} {
		per, page, skip, ok := meiliReviewPage(tc.off, tc.lim)
		if !ok || int(per) != tc.per || int(page) != tc.page || skip != tc.skip {
			t.Errorf("meiliReviewPage(%d, %d) = %d %d %d %v", tc.off, tc.lim, per, page, skip, ok)
		}
		if s := (int(page)-1)*int(per) + skip; s != tc.off || skip+tc.lim > int(per) {
			t.Errorf("meiliReviewPage(%d, %d): window not in the page", tc.off, tc.lim)
		}
	}
}

// Error mapping: outages (no answer, 408, 429, 5xx, a missing index) are ErrUnavailable; a
// refused key and other answers are plain errors; Meilisearch's error code is kept.
func TestMeiliErrorMapping(t *testing.T) {
	c := newMeiliCapture(t)
	ctx := context.Background()
	ag, _ := openMeiliAgenciesUID(ctx, c.opts(), "ag")
	for _, tc := range []struct {
		status      int
		code        string
		unavailable bool
		says        string
	}{
		{408, "", true, "HTTP 408"},
		{429, "too_many_search_requests", true, "rate-limited"},
		{502, "", true, "HTTP 502"},
		{503, "internal", true, "internal"},
		{401, "missing_authorization_header", false, "refused the API key"},
		{403, "invalid_api_key", false, "invalid_api_key"},
		{400, "invalid_search_filter", false, "invalid_search_filter"},
		{404, "index_not_found", true, "index_not_found"},
	} {
		c.failWith = func(*http.Request) (int, string, bool) {
			if tc.code == "" {
				return tc.status, "<html>gateway</html>", true
			}
			return tc.status, fmt.Sprintf(`{"message":"m","code":%q,"type":"invalid_request","link":""}`, tc.code), true
		}
		c.reset()
		_, err := ag.SearchAgencies(ctx, AgencyQuery{Q: "x", PerPage: 10, Page: 1})
		if errors.Is(err, kawan.ErrUnavailable) != tc.unavailable || err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("HTTP %d %s: %v", tc.status, tc.code, err)
		}
		if n := len(c.requests()); n != 1 {
			t.Errorf("HTTP %d: %d requests (client retries?)", tc.status, n)
		}
	}
	c.srv.Close()
	if _, err := ag.SearchAgencies(ctx, AgencyQuery{Q: "x", PerPage: 10, Page: 1}); !errors.Is(err, kawan.ErrUnavailable) {
		t.Errorf("no answer: %v", err)
	}
}

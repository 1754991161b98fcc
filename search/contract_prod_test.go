package search

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/kawan-labs/kawan"
)

// The contract cases that break production: run on Bleve always, and on Meilisearch when
// MEILI_URL is set (fresh, randomly named indexes, deleted afterwards). Where a case cannot
// mean anything on Bleve (one process per index directory, no key, no server to lose an
// index on), the test says so and skips that leg.

// TestMeiliLeg says whether the Meilisearch leg of the contract runs, and when it does,
// that the server at MEILI_URL takes Kawan's key and settings.
func TestMeiliLeg(t *testing.T) {
	u := os.Getenv("MEILI_URL")
	if u == "" {
		t.Skip("MEILI_URL is not set: the Meilisearch leg of the search contract (TestAgencyIndexContract, TestReviewIndexContract, TestContract*) is SKIPPED, " +
			"no Meilisearch server being available; set MEILI_URL (and MEILI_API_KEY) to a Meilisearch " + MeiliMinVersion + " or newer to run it. " +
			"The TestMeili* tests check the requests Kawan sends through a request-capture harness, not against Meilisearch.")
	}
	var r [4]byte
	_, _ = rand.Read(r[:])
	m, err := openMeiliAgenciesUID(context.Background(), Options{MeiliURL: u, MeiliAPIKey: os.Getenv("MEILI_API_KEY")}, "kawan_test_leg_"+hex.EncodeToString(r[:]))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Drop(context.Background())
	if err := m.Ping(context.Background()); err != nil {
		t.Fatalf("the Meilisearch at MEILI_URL is not ready for Kawan: %v", err)
	}
}

// prodBackend opens the same agency and review index again on every call.
type prodBackend struct {
	name         string
	openAgencies func(t *testing.T) Index
	openReviews  func(t *testing.T) ReviewIndex
	meili        *Options // nil for Bleve
	agencyUID    string
	reviewUID    string
}

func prodBackends(t *testing.T) []prodBackend {
	t.Helper()
	dir := t.TempDir()
	out := []prodBackend{{
		name: "bleve",
		openAgencies: func(t *testing.T) Index {
			b, err := openBleveAgencies(filepath.Join(dir, "agencies.bleve"))
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		openReviews: func(t *testing.T) ReviewIndex {
			b, err := openBleveReviews(filepath.Join(dir, "reviews.bleve"))
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	}}
	u := os.Getenv("MEILI_URL")
	if u == "" {
		t.Log("MEILI_URL is not set: the Meilisearch leg of this contract case is SKIPPED (Bleve only)")
		return out
	}
	var r [4]byte
	_, _ = rand.Read(r[:])
	o := &Options{MeiliURL: u, MeiliAPIKey: os.Getenv("MEILI_API_KEY")}
	ag, rv := "kawan_test_agencies_"+hex.EncodeToString(r[:]), "kawan_test_reviews_"+hex.EncodeToString(r[:])
	t.Cleanup(func() {
		ctx := context.Background()
		_ = newMeiliIndex(*o, ag, "agency index", nil).drop(ctx)
		_ = newMeiliIndex(*o, rv, "review index", nil).drop(ctx)
	})
	return append(out, prodBackend{
		name: "meilisearch", meili: o, agencyUID: ag, reviewUID: rv,
		openAgencies: func(t *testing.T) Index {
			m, err := openMeiliAgenciesUID(context.Background(), *o, ag)
			if err != nil {
				t.Fatal(err)
			}
			return m
		},
		openReviews: func(t *testing.T) ReviewIndex {
			m, err := openMeiliReviewsUID(context.Background(), *o, rv)
			if err != nil {
				t.Fatal(err)
			}
			return m
		},
	})
}

func searchOK(t *testing.T, idx Index, q AgencyQuery) AgencyHits {
	t.Helper()
	q.PerPage, q.Page = cmp.Or(q.PerPage, 30), cmp.Or(q.Page, 1)
	h, err := idx.SearchAgencies(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return h
}

// An index that already exists (a restart, or the index another process made) opens with
// its documents and works with filters, sorts and facets.
func TestContractIndexAlreadyExists(t *testing.T) {
	ctx := context.Background()
	for _, b := range prodBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			idx := b.openAgencies(t)
			if err := idx.IndexAgencies(ctx, contractAgencies()...); err != nil {
				t.Fatal(err)
			}
			_ = idx.Close()
			idx = b.openAgencies(t)
			defer idx.Close()
			if err := idx.Ping(ctx); err != nil {
				t.Fatalf("ping: %v", err)
			}
			if h := searchOK(t, idx, AgencyQuery{Q: "nepal", Origin: "NP", Sort: AgencySortRating, Facets: true}); fmt.Sprint(hitIDs(h)) != "[himalaya-manpower-np everest-manpower-np annapurna-overseas-np]" || h.Facets[FacetOrigin]["NP"] != 3 {
				t.Errorf("after reopening: %v %v", hitIDs(h), h.Facets)
			}
		})
	}
}

// Two services opening the same index at the same moment both start and both work.
func TestContractConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	for _, b := range prodBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			if b.meili == nil {
				t.Skip("Bleve: one process holds an index directory (it is per process, not shared); the case means nothing on Bleve")
			}
			var wg sync.WaitGroup
			idx := make([]Index, 2)
			rv := make([]ReviewIndex, 2)
			for i := range 2 {
				wg.Go(func() { idx[i], rv[i] = b.openAgencies(t), b.openReviews(t) })
			}
			wg.Wait()
			if err := idx[0].IndexAgencies(ctx, contractAgencies()...); err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				if err := idx[i].Ping(ctx); err != nil {
					t.Errorf("service %d agencies not ready: %v", i, err)
				}
				if err := rv[i].Ping(ctx); err != nil {
					t.Errorf("service %d reviews not ready: %v", i, err)
				}
			}
			if h := searchOK(t, idx[1], AgencyQuery{Origin: "NP", Sort: AgencySortName}); h.Total != 3 {
				t.Errorf("the other service sees %v", hitIDs(h))
			}
		})
	}
}

// Every sort combined with a query is that sort, not relevance; ties (equal ratings, equal
// relevance) come back A–Z, as on Bleve.
func TestContractSortsWithQueryAndTies(t *testing.T) {
	ctx := context.Background()
	for _, b := range prodBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			idx := b.openAgencies(t)
			defer idx.Close()
			docs := contractAgencies()
			if err := idx.IndexAgencies(ctx, docs...); err != nil {
				t.Fatal(err)
			}
			for q, want := range map[AgencyQuery]string{
				{Q: "nepal", Sort: AgencySortRating}:                 "[himalaya-manpower-np everest-manpower-np annapurna-overseas-np]",
				{Q: "nepal", Sort: AgencySortReviews}:                "[everest-manpower-np himalaya-manpower-np annapurna-overseas-np]",
				{Q: "nepal", Sort: AgencySortName}:                   "[annapurna-overseas-np everest-manpower-np himalaya-manpower-np]",
				{Q: "kathmandu", Sort: AgencySortReviews}:            "[everest-manpower-np himalaya-manpower-np]",
				{Q: "manpower", Sort: AgencySortRating, PerPage: 3}:  "[nusantara-p3mi-id himalaya-manpower-np manila-manpower-ph]",
				{Q: "manpower", Sort: AgencySortReviews, PerPage: 2}: "[bayanihan-placement-ph everest-manpower-np]",
				{Q: "manpower", Sort: AgencySortName, PerPage: 2}:    "[annapurna-overseas-np bayanihan-placement-ph]",
			} {
				if h := searchOK(t, idx, q); fmt.Sprint(hitIDs(h)) != want {
					t.Errorf("%+v: %v, want %s", q, hitIDs(h), want)
				}
			}
			// Ties: 23 agencies with the same rating (none), the same reviews and equally
			// relevant names come back A–Z in every order, pages included.
			var az []string
			for i := range 23 {
				az = append(az, fmt.Sprintf("dhaka-%02d-bd", i))
			}
			for _, s := range []string{"", AgencySortRelevance, AgencySortRating, AgencySortReviews, AgencySortName} {
				var got []string
				for page := 1; page <= 3; page++ {
					got = append(got, hitIDs(searchOK(t, idx, AgencyQuery{Q: "dhaka global", Sort: s, PerPage: 10, Page: page}))...)
				}
				if !slices.Equal(got, az) {
					t.Errorf("ties, sort %q: %v", s, got)
				}
			}
		})
	}
}

// Review ties in relevance come back newest first; a punctuation-only query matches nothing.
func TestContractReviewTiesAndPunctuation(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, b := range prodBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			idx := b.openReviews(t)
			defer idx.Close()
			var docs []ReviewDoc
			for i := range 12 {
				docs = append(docs, ReviewDoc{ID: fmt.Sprintf("t%02d", i), AgencyID: "a1", Lang: "en", Text: "The agency was fine and the job matched.",
					Ratings: kawan.Ratings{Overall: 3, FeesHonesty: 3, ContractMatch: 3, Treatment: 3, Support: 3}, HelpfulCount: 2,
					CreatedAt: base.Add(time.Duration((i*5)%12) * time.Hour), UpdatedAt: base})
			}
			if err := idx.IndexReviews(ctx, docs...); err != nil {
				t.Fatal(err)
			}
			newest := slices.Clone(docs)
			slices.SortFunc(newest, func(a, b ReviewDoc) int { return b.CreatedAt.Compare(a.CreatedAt) })
			for _, s := range []string{"", SortRelevance, SortHelpful, SortRating, SortRecent} {
				h, err := idx.SearchReviews(ctx, ReviewQuery{Q: "fine", Sort: s, Limit: 5, Offset: 3})
				if err != nil {
					t.Fatal(err)
				}
				var got, want []string
				for _, d := range h.Items {
					got = append(got, d.ID)
				}
				for _, d := range newest[3:8] {
					want = append(want, d.ID)
				}
				if !slices.Equal(got, want) || h.Total != 12 {
					t.Errorf("ties, sort %q, offset 3: total %d %v, want 12 %v", s, h.Total, got, want)
				}
			}
			for _, q := range []string{"!!! ???", "...", "—", "?"} {
				if h, err := idx.SearchReviews(ctx, ReviewQuery{Q: q, Limit: 10}); err != nil || h.Total != 0 || len(h.Items) != 0 {
					t.Errorf("punctuation-only %q: %d %v", q, h.Total, err)
				}
			}
		})
	}
}

// Readiness with a bad key is not ready (and says why); open still succeeds.
func TestContractReadinessBadKey(t *testing.T) {
	for _, b := range prodBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			if b.meili == nil {
				t.Skip("Bleve has no key: the case means nothing on Bleve")
			}
			if b.meili.MeiliAPIKey == "" {
				t.Skip("MEILI_API_KEY is not set: the server at MEILI_URL may accept any key, so a bad key cannot be shown")
			}
			o := *b.meili
			o.MeiliAPIKey = "not-the-key"
			m, err := openMeiliAgenciesUID(context.Background(), o, b.agencyUID)
			if err != nil {
				t.Fatalf("open with a bad key: %v", err)
			}
			if err := m.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "refused the API key") {
				t.Errorf("ping with a bad key: %v", err)
			}
		})
	}
}

// An index deleted under a running service comes back with its settings at the next write
// (filters and sorts work), and readiness recovers.
func TestContractIndexDeletedUnderRunningService(t *testing.T) {
	ctx := context.Background()
	for _, b := range prodBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			if b.meili == nil {
				t.Skip("Bleve: the index is files of this process, not a server another client can delete; the case means nothing on Bleve")
			}
			idx := b.openAgencies(t).(*meiliAgencies)
			if err := idx.IndexAgencies(ctx, contractAgencies()...); err != nil {
				t.Fatal(err)
			}
			if err := idx.Drop(ctx); err != nil {
				t.Fatal(err)
			}
			if err := idx.IndexAgencies(ctx, contractAgencies()...); err != nil {
				t.Fatal(err)
			}
			if h := searchOK(t, idx, AgencyQuery{Q: "nepal", Origin: "NP", Sort: AgencySortRating}); fmt.Sprint(hitIDs(h)) != "[himalaya-manpower-np everest-manpower-np annapurna-overseas-np]" {
				t.Errorf("after the index was deleted and written again: %v", hitIDs(h))
			}
			if err := idx.Ping(ctx); err != nil {
				t.Errorf("ping: %v", err)
			}
		})
	}
}

// A settings change on an index with documents (an upgrade): the old settings are
// replaced at open, once, and the documents are searched with the new ones.
func TestContractSettingsChangeWithDocuments(t *testing.T) {
	ctx := context.Background()
	for _, b := range prodBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			if b.meili == nil {
				t.Skip("Bleve: settings are the index mapping, versioned; an outdated index is rebuilt at open (TestOutdatedReviewIndexIsDropped)")
			}
			idx := b.openAgencies(t).(*meiliAgencies)
			if err := idx.IndexAgencies(ctx, contractAgencies()...); err != nil {
				t.Fatal(err)
			}
			// What an older Kawan configured: sort after the relevance rules.
			task, err := idx.idx.UpdateSettingsWithContext(ctx, &meilisearch.Settings{RankingRules: []string{"words", "typo", "proximity", "attribute", "sort", "exactness"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := idx.wait(ctx, "old settings", task); err != nil {
				t.Fatal(err)
			}
			idx = b.openAgencies(t).(*meiliAgencies)
			// A write queues behind the settings update, so once it is done the settings are.
			if err := idx.IndexAgencies(ctx, contractAgencies()[0]); err != nil {
				t.Fatal(err)
			}
			got, err := idx.idx.GetSettingsWithContext(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if d := meiliSettingsDiff(idx.want, got); len(d) > 0 {
				t.Errorf("settings still differ after reopening: %v", d)
			}
			if h := searchOK(t, idx, AgencyQuery{Q: "nepal", Sort: AgencySortReviews}); fmt.Sprint(hitIDs(h)) != "[everest-manpower-np himalaya-manpower-np annapurna-overseas-np]" {
				t.Errorf("sort with a query after the settings change: %v", hitIDs(h))
			}
			if err := idx.Ping(ctx); errors.Is(err, kawan.ErrUnavailable) {
				t.Errorf("ping: %v", err)
			}
		})
	}
}

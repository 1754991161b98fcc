package search

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
)

// reviewIndexes returns every review backend to run the contract against.
func reviewIndexes(t *testing.T) map[string]ReviewIndex {
	t.Helper()
	b, err := openBleveReviews(t.TempDir() + "/reviews.bleve")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	out := map[string]ReviewIndex{"bleve": b}
	// The Meilisearch leg runs against a real server when MEILI_URL is set, on an index of
	// its own that is deleted afterwards.
	if u := os.Getenv("MEILI_URL"); u != "" {
		uid := fmt.Sprintf("kawan_test_reviews_%d", time.Now().UnixNano())
		m, err := openMeiliReviewsUID(context.Background(), Options{MeiliURL: u, MeiliAPIKey: os.Getenv("MEILI_API_KEY")}, uid)
		if err != nil {
			t.Fatalf("meilisearch at MEILI_URL: %v", err)
		}
		t.Cleanup(func() { _ = m.drop(context.Background()) })
		out["meilisearch"] = m
	} else {
		t.Log("MEILI_URL is not set: the Meilisearch leg of the review contract is SKIPPED (Bleve only)")
	}
	return out
}

func TestReviewIndexContract(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, idx := range reviewIndexes(t) {
		t.Run(name, func(t *testing.T) {
			var docs []ReviewDoc
			for i := range 30 {
				d := ReviewDoc{
					ID: fmt.Sprintf("r%02d", i), AgencyID: []string{"a1", "a2"}[i%2],
					Ratings: kawan.Ratings{Overall: 1 + i%5, FeesHonesty: 3, ContractMatch: 3, Treatment: 3, Support: 3},
					Origin:  "NP", Destination: "QA", Lang: "en", HelpfulCount: (i * 7) % 11,
					Text:      "The agency was fine and the job matched.",
					CreatedAt: base.Add(time.Duration(i) * time.Hour), UpdatedAt: base,
				}
				if i%10 == 3 {
					d.Text = "They kept my passport for two years."
					d.Destination = "MY"
				}
				if i == 13 {
					d.Lang = "ne"
					d.Text = "एजेन्सीले मेरो पासपोर्ट राख्यो"
				}
				docs = append(docs, d)
			}
			if err := idx.IndexReviews(ctx, docs...); err != nil {
				t.Fatal(err)
			}
			ids := func(h ReviewHits) []string {
				var out []string
				for _, d := range h.Items {
					out = append(out, d.ID)
				}
				return out
			}
			h, err := idx.SearchReviews(ctx, ReviewQuery{AgencyID: "a1", Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			if h.Total != 15 || fmt.Sprint(ids(h)) != "[r28 r26 r24]" {
				t.Errorf("recent for a1: total %d, %v", h.Total, ids(h))
			}
			h, _ = idx.SearchReviews(ctx, ReviewQuery{AgencyID: "a1", Limit: 2, Offset: 14})
			if len(h.Items) != 1 || h.Items[0].ID != "r00" {
				t.Errorf("last page: %v", ids(h))
			}
			h, _ = idx.SearchReviews(ctx, ReviewQuery{AgencyID: "a2", Sort: SortRating, Limit: 3})
			for _, d := range h.Items {
				if d.Ratings.Overall != 5 {
					t.Errorf("rating sort: %v has overall %d", d.ID, d.Ratings.Overall)
				}
			}
			h, _ = idx.SearchReviews(ctx, ReviewQuery{Sort: SortHelpful, Limit: 30})
			for i := 1; i < len(h.Items); i++ {
				if h.Items[i].HelpfulCount > h.Items[i-1].HelpfulCount {
					t.Fatalf("helpful sort out of order at %d", i)
				}
			}
			h, _ = idx.SearchReviews(ctx, ReviewQuery{Q: "passport", Origin: "NP", Destination: "MY", Limit: 10})
			if h.Total != 2 || h.Items[0].Text != "They kept my passport for two years." {
				t.Errorf("full text: total %d %v", h.Total, ids(h))
			}
			h, _ = idx.SearchReviews(ctx, ReviewQuery{Q: "पासपोर्ट", Limit: 10})
			if h.Total != 1 || h.Items[0].ID != "r13" {
				t.Errorf("Nepali full text: %v", ids(h))
			}
			h, _ = idx.SearchReviews(ctx, ReviewQuery{Lang: "ne", Limit: 10})
			if h.Total != 1 {
				t.Errorf("lang filter: %v", ids(h))
			}
			// Replace and delete.
			docs[0].HelpfulCount = 99
			if err := idx.IndexReviews(ctx, docs[0]); err != nil {
				t.Fatal(err)
			}
			h, _ = idx.SearchReviews(ctx, ReviewQuery{Sort: SortHelpful, Limit: 1})
			if h.Total != 30 || h.Items[0].ID != "r00" || h.Items[0].HelpfulCount != 99 {
				t.Errorf("after update: %d %v", h.Total, ids(h))
			}
			if err := idx.DeleteReview(ctx, "r00"); err != nil {
				t.Fatal(err)
			}
			if err := idx.DeleteReview(ctx, "nope"); err != nil {
				t.Errorf("deleting an absent review: %v", err)
			}
			h, _ = idx.SearchReviews(ctx, ReviewQuery{AgencyID: "a1", Limit: 100})
			if h.Total != 14 {
				t.Errorf("after delete: %d", h.Total)
			}
			if _, err := idx.SearchReviews(ctx, ReviewQuery{Limit: 100, Offset: MaxReviewWindow}); err == nil {
				t.Error("a page past the window was answered")
			}
		})
	}
}

func TestMeiliQuote(t *testing.T) {
	if got := meiliQuote(`a"b\c`); got != `"a\"b\\c"` {
		t.Fatalf("meiliQuote = %s", got)
	}
}

// TestOutdatedReviewIndexIsDropped: an index recording another mapping version (built by
// an older Kawan) is deleted at open and comes back empty, with the current version; an
// index with the current version keeps its documents.
func TestOutdatedReviewIndexIsDropped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "reviews.bleve")
	b, err := openBleveReviews(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := ReviewDoc{ID: "r1", AgencyID: "a1", Text: "kept my passport", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := b.IndexReviews(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
	_ = b.Close()
	if b, err = openBleveReviews(path); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.idx.DocCount(); n != 1 {
		t.Fatalf("current index reopened with %d documents, want 1", n)
	}
	if err := b.idx.SetInternal([]byte("kawan_mapping"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	_ = b.Close()
	if b, err = openBleveReviews(path); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n, _ := b.idx.DocCount(); n != 0 {
		t.Errorf("outdated index kept %d documents", n)
	}
	if v, _ := b.idx.GetInternal([]byte("kawan_mapping")); string(v) != reviewMappingVersion {
		t.Errorf("recreated index records mapping %q", v)
	}
}

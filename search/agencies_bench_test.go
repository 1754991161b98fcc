package search_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/search"
)

var (
	benchOnce sync.Once
	benchIdx  search.Index
	benchErr  error
)

// benchIndex is a Bleve index of 10,000 fictional agencies, built once per test binary.
// (scripts/benchagencies measures 100,000 with percentiles.)
func benchIndex(b *testing.B) search.Index {
	benchOnce.Do(func() {
		dir, err := benchDir()
		if err != nil {
			benchErr = err
			return
		}
		ctx := context.Background()
		idx, err := search.Open(ctx, search.Options{Dir: dir})
		if err != nil {
			benchErr = err
			return
		}
		docs := agencies.DemoDocs(10000, 1, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
		for i := 0; i < len(docs); i += 500 {
			if err := idx.IndexAgencies(ctx, docs[i:min(i+500, len(docs))]...); err != nil {
				benchErr = err
				return
			}
		}
		benchIdx = idx
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchIdx
}

func BenchmarkAgencySearch(b *testing.B) {
	idx := benchIndex(b)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		q    search.AgencyQuery
	}{
		{"one-word", search.AgencyQuery{Q: "manpower"}},
		{"one-word-origin", search.AgencyQuery{Q: "manpower", Origin: "NP"}},
		{"two-words", search.AgencyQuery{Q: "himalayan manpower"}},
		{"misspelled", search.AgencyQuery{Q: "manpwer nepal"}},
		{"prefix", search.AgencyQuery{Q: "bayan"}},
		{"filter-destination", search.AgencyQuery{Destination: "QA"}},
		{"all-by-rating", search.AgencyQuery{Sort: search.AgencySortRating}},
	} {
		for _, facets := range []bool{false, true} {
			q := c.q
			q.Page, q.PerPage, q.Facets = 1, 20, facets
			b.Run(fmt.Sprintf("%s/facets=%v", c.name, facets), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := idx.SearchAgencies(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkAgencyIndexBatch(b *testing.B) {
	dir := b.TempDir()
	idx, err := search.Open(context.Background(), search.Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	docs := agencies.DemoDocs(2000, 2, time.Now())
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for i := 0; i < len(docs); i += 500 {
			if err := idx.IndexAgencies(context.Background(), docs[i:i+500]...); err != nil {
				b.Fatal(err)
			}
		}
		n += len(docs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "docs/s")
}

func benchDir() (string, error) { return os.MkdirTemp("", "kawan-agency-bench-") }

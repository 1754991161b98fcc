// Command benchreviews measures review listing and full-text search latency through the
// review search index at scale (issue 6's goal: listing p95 under 20 ms with 1 million
// reviews indexed). It builds a Bleve index of synthetic, fictional reviews in a temporary
// directory (or reuses one with -dir), then runs the queries the API runs and prints
// p50/p95/p99 per kind of query.
//
//	go run ./scripts/benchreviews -n 1000000            # build and measure (≈ minutes)
//	go run ./scripts/benchreviews -dir /tmp/r -keep     # keep the index for another run
//
// Set MEILI_URL (and MEILI_API_KEY) to measure the Meilisearch backend instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/search"
)

var words = strings.Fields(`agency fee passport contract salary employer promised paid loan
	broker training medical visa ticket deployment dormitory overtime deduction agent office
	helpful honest kept refused returned late early transparent receipt cash extra hidden
	domestic caregiver factory construction farm fishing hotel kitchen cleaning driver
	manila kathmandu jakarta yangon phnom penh hanoi bangkok dhaka colombo doha riyadh dubai
	kuala lumpur singapore hong kong taipei seoul tokyo good bad problem help support`)

var (
	origins      = []string{"PH", "ID", "NP", "MM", "KH", "VN", "TH", "BD", "LK"}
	destinations = []string{"SA", "AE", "QA", "KW", "MY", "SG", "HK", "TW", "JP", "KR"}
	langs        = []string{"en", "fil", "id", "ne", "my", "km", "vi", "th"}
)

func main() {
	n := flag.Int("n", 100000, "reviews to index")
	agencies := flag.Int("agencies", 5000, "distinct agencies")
	queries := flag.Int("queries", 2000, "queries per kind")
	dir := flag.String("dir", "", "index directory (default: a temporary one)")
	keep := flag.Bool("keep", false, "keep the index directory")
	flag.Parse()
	if *n < 1 || *n > 5_000_000 || *agencies < 1 || *queries < 1 || *queries > 100000 {
		fmt.Fprintln(os.Stderr, "benchreviews: -n must be 1..5000000, -agencies ≥ 1, -queries 1..100000")
		os.Exit(2)
	}
	if err := run(*n, *agencies, *queries, *dir, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "benchreviews:", err)
		os.Exit(1)
	}
}

func run(n, agencies, queries int, dir string, keep bool) error {
	ctx := context.Background()
	if dir == "" {
		d, err := os.MkdirTemp("", "kawan-benchreviews-")
		if err != nil {
			return err
		}
		dir = d
		if !keep {
			defer os.RemoveAll(d)
		}
	}
	idx, err := search.OpenReviews(ctx, search.Options{Dir: dir, MeiliURL: os.Getenv("MEILI_URL"), MeiliAPIKey: os.Getenv("MEILI_API_KEY")})
	if err != nil {
		return err
	}
	defer idx.Close()

	have, _ := idx.SearchReviews(ctx, search.ReviewQuery{Limit: 1})
	r := rand.New(rand.NewPCG(1, 2))
	if have.Total < n {
		fmt.Printf("indexing %d fictional reviews over %d agencies into %s\n", n-have.Total, agencies, filepath.Clean(dir))
		start := time.Now()
		const batch = 2000
		base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		docs := make([]search.ReviewDoc, 0, batch)
		for i := have.Total; i < n; i++ {
			docs = append(docs, fakeReview(r, i, agencies, base))
			if len(docs) == batch || i == n-1 {
				if err := idx.IndexReviews(ctx, docs...); err != nil {
					return err
				}
				docs = docs[:0]
				if done := i + 1 - have.Total; done%100000 < batch {
					el := time.Since(start)
					fmt.Printf("  %d indexed, %.0f docs/s\n", done, float64(done)/el.Seconds())
				}
			}
		}
		fmt.Printf("indexed in %s\n", time.Since(start).Round(time.Second))
	}

	kinds := []struct {
		name string
		q    func() search.ReviewQuery
	}{
		{"agency list, recent", func() search.ReviewQuery {
			return search.ReviewQuery{AgencyID: agencyID(r.IntN(agencies)), Limit: 20}
		}},
		{"agency list, helpful", func() search.ReviewQuery {
			return search.ReviewQuery{AgencyID: agencyID(r.IntN(agencies)), Sort: search.SortHelpful, Limit: 20}
		}},
		{"agency list, page 3 by rating", func() search.ReviewQuery {
			return search.ReviewQuery{AgencyID: agencyID(r.IntN(agencies)), Sort: search.SortRating, Offset: 40, Limit: 20}
		}},
		{"full text q=passport origin+destination", func() search.ReviewQuery {
			return search.ReviewQuery{Q: "passport", Origin: origins[r.IntN(len(origins))], Destination: destinations[r.IntN(len(destinations))], Limit: 20}
		}},
		{"full text two words", func() search.ReviewQuery {
			return search.ReviewQuery{Q: words[r.IntN(len(words))] + " " + words[r.IntN(len(words))], Limit: 20}
		}},
	}
	fmt.Printf("\n%-42s %9s %9s %9s %9s\n", "query ("+fmt.Sprint(queries)+" each)", "p50", "p95", "p99", "max")
	for _, k := range kinds {
		lat := make([]time.Duration, 0, queries)
		for i := 0; i < queries; i++ {
			q := k.q()
			t := time.Now()
			if _, err := idx.SearchReviews(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", k.name, err)
			}
			lat = append(lat, time.Since(t))
		}
		slices.Sort(lat)
		pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
		fmt.Printf("%-42s %9s %9s %9s %9s\n", k.name, round(pct(.50)), round(pct(.95)), round(pct(.99)), round(lat[len(lat)-1]))
	}
	return nil
}

func agencyID(i int) string { return fmt.Sprintf("bench-agency-%05d", i) }

func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(10 * time.Microsecond)
}

func fakeReview(r *rand.Rand, i, agencies int, base time.Time) search.ReviewDoc {
	var b strings.Builder
	for w, nw := 0, 20+r.IntN(120); w < nw; w++ {
		if w > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	stars := func() int { return 1 + r.IntN(5) }
	created := base.Add(time.Duration(r.IntN(6*365*24)) * time.Hour)
	return search.ReviewDoc{
		ID:       fmt.Sprintf("bench-%08d", i),
		AgencyID: agencyID(r.IntN(agencies)),
		Ratings: kawan.Ratings{Overall: stars(), FeesHonesty: stars(), ContractMatch: stars(),
			Treatment: stars(), Support: stars()},
		WouldRecommend: r.IntN(2) == 0,
		Origin:         origins[r.IntN(len(origins))],
		Destination:    destinations[r.IntN(len(destinations))],
		Text:           b.String(),
		Lang:           langs[r.IntN(len(langs))],
		HelpfulCount:   r.IntN(50),
		CreatedAt:      created,
		UpdatedAt:      created,
	}
}

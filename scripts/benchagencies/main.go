// Command benchagencies measures agency search latency and reindex throughput on the
// embedded Bleve index (issue 4's goals: p95 under 15 ms with 100,000 agencies; reindex over
// 2,000 documents/s). It indexes fictional agencies (agencies.DemoDocs) into a temporary
// index in batches of 500, timing the throughput, then runs each kind of query the API runs
// (with facets and, for three in four, an origin, destination or standing filter) and prints
// wall-clock p50/p95/p99 and the mean CPU time per query (stable when the machine is shared).
//
//	go run ./scripts/benchagencies -n 100000
//	go run ./scripts/benchagencies -n 100000 -dir /tmp/agx   # keep the index, reuse it next time
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"

	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/search"
)

func main() {
	n := flag.Int("n", 100000, "agencies to index")
	queries := flag.Int("queries", 1000, "queries per kind")
	facets = flag.Bool("facets", true, "ask for facet counts")
	settle = flag.Duration("settle", 5*time.Second, "wait after reopening the index, for background merges")
	keepDir = flag.String("dir", "", "index directory to build or reuse (default: a temporary one, removed)")
	cpuProfile = flag.String("cpuprofile", "", "write a CPU profile of the query measurements to this file")
	rounds = flag.Int("rounds", 2, "measure every kind of query this many times (the spread shows the noise)")
	only = flag.String("only", "", "measure only the kind of query with this name (e.g. \"one word\")")
	flag.Parse()
	if *n < 1 || *n > 2_000_000 || *queries < 1 || *queries > 100000 || *rounds < 1 || *rounds > 100 {
		fmt.Fprintln(os.Stderr, "benchagencies: -n must be 1..2000000, -queries 1..100000, -rounds 1..100")
		os.Exit(2)
	}
	if err := run(*n, *queries); err != nil {
		fmt.Fprintln(os.Stderr, "benchagencies:", err)
		os.Exit(1)
	}
}

var (
	facets     *bool
	keepDir    *string
	settle     *time.Duration
	cpuProfile *string
	only       *string
	rounds     *int
)

func run(n, queries int) error {
	ctx := context.Background()
	dir := *keepDir
	if dir == "" {
		d, err := os.MkdirTemp("", "benchagencies-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	idx, err := search.Open(ctx, search.Options{Dir: dir, MeiliURL: os.Getenv("MEILI_URL"), MeiliAPIKey: os.Getenv("MEILI_API_KEY")})
	if err != nil {
		return err
	}
	defer func() { _ = idx.Close() }()
	if h, err := idx.SearchAgencies(ctx, search.AgencyQuery{Page: 1, PerPage: 1}); err == nil && h.Total == n {
		fmt.Printf("reusing the %d agencies indexed in %s\n", n, dir)
	} else {
		fmt.Printf("generating %d fictional agencies…\n", n)
		docs := agencies.DemoDocs(n, 1, time.Now())
		start, cpuStart := time.Now(), cpuTime()
		for i := 0; i < len(docs); i += 500 {
			if err := idx.IndexAgencies(ctx, docs[i:min(i+500, len(docs))]...); err != nil {
				return err
			}
		}
		took, cpu := time.Since(start), cpuTime()-cpuStart
		fmt.Printf("indexed %d agencies in %s: %.0f documents/s wall-clock, %.0f documents per CPU-second (batches of 500)\n",
			n, took.Round(time.Millisecond), float64(n)/took.Seconds(), float64(n)/cpu.Seconds())
	}
	// Measure a settled index, as a server sees it: reopen (the background merges of a fresh
	// bulk load otherwise compete for the CPU) and warm up.
	if os.Getenv("MEILI_URL") == "" {
		_ = idx.Close()
		if idx, err = search.Open(ctx, search.Options{Dir: dir}); err != nil {
			return err
		}
		time.Sleep(*settle)
	}
	for i := range 200 {
		_, _ = idx.SearchAgencies(ctx, search.AgencyQuery{Q: []string{"manpower", "bayan", "nepal"}[i%3], Page: 1, PerPage: 20, Facets: true})
	}

	kinds := []kind{
		{"one word", []string{"manpower", "overseas", "recruitment", "bayanihan", "himalayan", "nusantara", "placement", "services"}},
		{"two words", []string{"himalayan manpower", "bayanihan placement", "manpower nepal", "overseas employment", "golden land", "karya mandiri"}},
		{"misspelled", []string{"manpwer nepal", "bayanihn", "recruitmnt", "himalayn manpower", "nusantra", "plaecment agency"}},
		{"prefix", []string{"bayan", "himal", "sagar", "man", "nusa", "angk"}},
		{"filters only", []string{""}},
	}
	if *only != "" {
		kinds = slices.DeleteFunc(kinds, func(k kind) bool { return k.name != *only })
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for r := range *rounds {
		fmt.Printf("\nround %d of %d (facets counted by every query):\n", r+1, *rounds)
		if err := measure(ctx, idx, kinds, queries); err != nil {
			return err
		}
	}
	return nil
}

type kind struct {
	name string
	qs   []string
}

func measure(ctx context.Context, idx search.Index, kinds []kind, queries int) error {
	r := rand.New(rand.NewPCG(3, 4))
	origins := []string{"PH", "ID", "NP", "MM", "KH", "VN", "TH", "BD", "LK"}
	dests := []string{"SA", "AE", "QA", "MY", "HK", "TW", "JP", "KR", "SG"}
	fmt.Printf("%-14s %8s %8s %8s %8s %10s\n", "query", "p50", "p95", "p99", "max", "cpu/query")
	for _, k := range kinds {
		lat := make([]time.Duration, 0, queries)
		var cpu time.Duration
		for i := range queries {
			cpu0 := cpuTime()
			q := search.AgencyQuery{Q: k.qs[r.IntN(len(k.qs))], Page: 1, PerPage: 20, Facets: *facets}
			switch i % 4 {
			case 1:
				q.Origin = origins[r.IntN(len(origins))]
			case 2:
				q.Destination = dests[r.IntN(len(dests))]
			case 3:
				q.Standing = "licensed"
			}
			if k.name == "filters only" && i%2 == 0 {
				q.Sort = search.AgencySortRating
			}
			st := time.Now()
			if _, err := idx.SearchAgencies(ctx, q); err != nil {
				return err
			}
			lat = append(lat, time.Since(st))
			cpu += cpuTime() - cpu0
		}
		cpu /= time.Duration(queries)
		slices.Sort(lat)
		p := func(f float64) string { return lat[int(f*float64(len(lat)-1))].Round(10 * time.Microsecond).String() }
		fmt.Printf("%-14s %8s %8s %8s %8s %10s\n", k.name, p(0.50), p(0.95), p(0.99), p(1), cpu.Round(10*time.Microsecond))
	}
	return nil
}

// cpuTime is the CPU time (user + system) this process has used: unlike wall-clock
// latency, it does not grow when other programs compete for the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

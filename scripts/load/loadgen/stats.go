package loadgen

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// Stats collects the outcome of every request, per operation. Safe for concurrent use.
type Stats struct {
	mu  sync.Mutex
	ops map[string]*opStats
}

type opStats struct {
	lat      []time.Duration
	byStatus map[int]int
	errs     map[string]int // transport errors, by message
}

// NewStats returns an empty collector.
func NewStats() *Stats { return &Stats{ops: map[string]*opStats{}} }

// Record adds one request's outcome: status 0 means it failed before a response (err says why).
func (s *Stats) Record(op string, status int, took time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.ops[op]
	if o == nil {
		o = &opStats{byStatus: map[int]int{}, errs: map[string]int{}}
		s.ops[op] = o
	}
	o.lat = append(o.lat, took)
	if err != nil && status == 0 {
		msg := err.Error()
		if len(msg) > 120 {
			msg = msg[:120]
		}
		o.errs[msg]++
		return
	}
	o.byStatus[status]++
}

// OpSummary is one operation's figures.
type OpSummary struct {
	Name          string
	Count         int
	P50, P95, P99 time.Duration
	Max           time.Duration
	ByStatus      map[int]int
	Errors        map[string]int
	Status5xx     int
	Status4xx     int
	TransportErrs int
}

// Summary is the whole run's figures.
type Summary struct {
	Elapsed   time.Duration
	Requests  int
	Status5xx int
	Status4xx int
	// Status429 counts rate-limited answers (included in Status4xx).
	Status429     int
	TransportErrs int
	Ops           []OpSummary
}

// RPS is the achieved throughput.
func (s Summary) RPS() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// Summarize computes percentiles; elapsed is the wall time of the run.
func (s *Stats) Summarize(elapsed time.Duration) Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := Summary{Elapsed: elapsed}
	names := make([]string, 0, len(s.ops))
	for n := range s.ops {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		o := s.ops[n]
		lat := append([]time.Duration(nil), o.lat...)
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		os := OpSummary{Name: n, Count: len(lat), ByStatus: map[int]int{}, Errors: map[string]int{}}
		if len(lat) > 0 {
			os.P50, os.P95, os.P99, os.Max = pct(lat, 50), pct(lat, 95), pct(lat, 99), lat[len(lat)-1]
		}
		for st, c := range o.byStatus {
			os.ByStatus[st] = c
			switch {
			case st >= 500:
				os.Status5xx += c
			case st >= 400:
				os.Status4xx += c
				if st == 429 {
					sum.Status429 += c
				}
			}
		}
		for e, c := range o.errs {
			os.Errors[e] = c
			os.TransportErrs += c
		}
		sum.Requests += os.Count
		sum.Status5xx += os.Status5xx
		sum.Status4xx += os.Status4xx
		sum.TransportErrs += os.TransportErrs
		sum.Ops = append(sum.Ops, os)
	}
	return sum
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	if i > 0 {
		i--
	}
	return sorted[min(i, len(sorted)-1)]
}

// Print writes the summary as a table.
func (s Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "%d requests in %v: %.0f req/s; 5xx: %d, 4xx: %d (429: %d), transport errors: %d\n",
		s.Requests, s.Elapsed.Round(time.Millisecond), s.RPS(), s.Status5xx, s.Status4xx, s.Status429, s.TransportErrs)
	fmt.Fprintf(w, "%-16s %8s %9s %9s %9s %9s  %s\n", "operation", "count", "p50", "p95", "p99", "max", "statuses")
	for _, o := range s.Ops {
		codes := make([]int, 0, len(o.ByStatus))
		for c := range o.ByStatus {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		var parts []string
		for _, c := range codes {
			parts = append(parts, fmt.Sprintf("%d×%d", c, o.ByStatus[c]))
		}
		if o.TransportErrs > 0 {
			parts = append(parts, fmt.Sprintf("err×%d", o.TransportErrs))
		}
		fmt.Fprintf(w, "%-16s %8d %9s %9s %9s %9s  %s\n", o.Name, o.Count, ms(o.P50), ms(o.P95), ms(o.P99), ms(o.Max), strings.Join(parts, " "))
	}
	for _, o := range s.Ops {
		for e, c := range o.Errors {
			fmt.Fprintf(w, "  %s: %d× %s\n", o.Name, c, e)
		}
	}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

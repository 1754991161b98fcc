package stats

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
)

var update = flag.Bool("update", false, "rewrite golden files")

// facts is an in-memory FactSource: the statistics' input, not a stand-in for the store
// (store.StatsSource has its own tests against a real database).
type facts []Fact

func (fs facts) EachPublishedReview(_ context.Context, fn func(Fact) error) error {
	for _, f := range fs {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

type sanctions map[string]bool

func (s sanctions) EachAgencySanction(_ context.Context, fn func(string, bool) error) error {
	for id, v := range s {
		if err := fn(id, v); err != nil {
			return err
		}
	}
	return nil
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func money(amount, cur string) *kawan.Money { return &kawan.Money{Amount: amount, Currency: cur} }

// fact builds a review fact; n orders publication.
func fact(n int, author, agency, origin, dest, sector string, year int, fee, salary *kawan.Money, stars int, rec bool) Fact {
	return Fact{ReviewID: "r" + itoa(n), AgencyID: agency, AuthorID: author, Origin: origin, Destination: dest, Sector: sector,
		Year: year, FeesPaid: fee, SalaryReceived: salary, Overall: stars, Recommend: rec, PublishedAt: t0.Add(time.Duration(n) * time.Hour)}
}

// handData is the hand-computed case (k = 3, sample rates: 141 NPR, 3.64 QAR, 4.15 MYR per USD).
func handData() facts {
	return facts{
		// NP→QA construction 2023: four workers; the oldest three are released.
		fact(1, "w1", "ag1", "NP", "QA", "construction", 2023, money("141000", "NPR"), money("1820", "QAR"), 2, false), // 1000 USD, ratio 2
		fact(2, "w2", "ag1", "NP", "QA", "construction", 2023, money("282000", "NPR"), money("3640", "QAR"), 1, false), // 2000 USD, ratio 2
		fact(3, "w3", "ag2", "NP", "QA", "construction", 2023, money("0", "NPR"), money("1820", "QAR"), 5, true),       // 0, ratio 0
		fact(4, "w4", "ag2", "NP", "QA", "construction", 2023, money("70500", "NPR"), money("1820", "QAR"), 4, true),   // 500 USD, ratio 1 (held back)
		// w1 again, another agency in the same base cell: counts once.
		fact(5, "w1", "ag2", "NP", "QA", "construction", 2023, money("70500", "NPR"), nil, 4, true),
		// NP→QA fishing 2023: one worker — suppressed everywhere.
		fact(6, "w5", "ag3", "NP", "QA", "fishing", 2023, money("705000", "NPR"), money("1820", "QAR"), 1, false), // 5000 USD
		// NP→MY construction 2024: three workers, fees and salaries in MYR.
		fact(7, "w6", "ag4", "NP", "MY", "construction", 2024, money("4150", "MYR"), money("1245", "MYR"), 3, true),  // 1000 USD, 3.3333
		fact(8, "w7", "ag4", "NP", "MY", "construction", 2024, money("8300", "MYR"), money("1660", "MYR"), 3, false), // 2000 USD, 5
		fact(9, "w8", "ag4", "NP", "MY", "construction", 2024, money("12450", "MYR"), money("2490", "MYR"), 4, true), // 3000 USD, 5
	}
}

func newService(t testing.TB, fs FactSource, k int, mode protectionMode) *Service {
	t.Helper()
	return New(fs, sanctions{"ag1": true, "ag4": false}, nil, nil, Options{K: k, protection: mode,
		Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }})
}

type row map[string]string

func rows(t testing.TB, tb *Table) []row {
	t.Helper()
	var out []row
	for _, c := range tb.Cells {
		r := row{}
		for i, col := range tb.Columns {
			if c[i] != "" {
				r[col.Name] = c[i]
			}
		}
		out = append(out, r)
	}
	return out
}

func check(t *testing.T, got []row, want ...row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("cells: got %d %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		for k, v := range want[i] {
			if got[i][k] != v {
				t.Errorf("cell %d %s: got %q, want %q (cell %v)", i, k, got[i][k], v, got[i])
			}
		}
		for k := range got[i] {
			if _, ok := want[i][k]; !ok {
				t.Errorf("cell %d has unexpected %s=%q", i, k, got[i][k])
			}
		}
	}
}

func TestRecruitmentFeesHandComputed(t *testing.T) {
	s := newService(t, handData(), 3, protectFull)
	ctx := context.Background()
	tb, err := s.RecruitmentFees(ctx, Query{By: []string{"origin", "destination", "sector", "year"}})
	if err != nil {
		t.Fatal(err)
	}
	check(t, rows(t, tb),
		row{"origin": "NP", "destination": "MY", "sector": "construction", "year": "2024", "suppressed": "false", "reports": "3",
			"fee_usd_mean": "2000", "fee_usd_p25": "1000", "fee_usd_median": "2000", "fee_usd_p75": "3000", "paid_nothing_percent": "0"},
		row{"origin": "NP", "destination": "QA", "sector": "construction", "year": "2023", "suppressed": "false", "reports": "3",
			"fee_usd_mean": "1000", "fee_usd_p25": "0", "fee_usd_median": "1000", "fee_usd_p75": "2000", "paid_nothing_percent": "33"},
		row{"origin": "NP", "destination": "QA", "sector": "fishing", "year": "2023", "suppressed": "true"},
	)
	if tb.Rates == nil || !tb.Rates.Sample || tb.K != 3 || tb.Licence.Name != "CC BY 4.0" {
		t.Errorf("metadata: %+v", tb)
	}
	// The total is built from released base cells only: 0, 1000, 1000, 2000, 2000, 3000.
	tb, _ = s.RecruitmentFees(ctx, Query{})
	check(t, rows(t, tb), row{"suppressed": "false", "reports": "6", "fee_usd_mean": "1500", "fee_usd_p25": "1000",
		"fee_usd_median": "1000", "fee_usd_p75": "2000", "paid_nothing_percent": "17"})
	tb, _ = s.RecruitmentFees(ctx, Query{By: []string{"sector"}, Filter: map[string]string{"destination": "QA"}})
	check(t, rows(t, tb),
		row{"sector": "construction", "suppressed": "false", "reports": "3", "fee_usd_mean": "1000", "fee_usd_p25": "0",
			"fee_usd_median": "1000", "fee_usd_p75": "2000", "paid_nothing_percent": "33"},
		row{"sector": "fishing", "suppressed": "true"})
	// Asking for the suppressed cell directly returns it suppressed, never the number.
	tb, _ = s.RecruitmentFees(ctx, Query{Filter: map[string]string{"sector": "fishing"}})
	check(t, rows(t, tb), row{"suppressed": "true"})
	// A cell nobody reported on is absent (zero), not suppressed.
	tb, _ = s.RecruitmentFees(ctx, Query{Filter: map[string]string{"destination": "JP"}})
	check(t, rows(t, tb))
}

func TestSDG1071HandComputed(t *testing.T) {
	s := newService(t, handData(), 3, protectFull)
	tb, err := s.SDG1071(context.Background(), Query{By: []string{"destination"}})
	if err != nil {
		t.Fatal(err)
	}
	check(t, rows(t, tb),
		// 4150/1245 = 3.3333, 8300/1660 = 5, 12450/2490 = 5 (same currency: no conversion).
		row{"destination": "MY", "suppressed": "false", "reports": "3", "ratio_mean": "4.44", "ratio_median": "5.00", "over_one_month_percent": "100"},
		// 1000 USD / 500 USD = 2, 2000/1000 = 2, 0/500 = 0 (w4 held back; w5's fishing cell suppressed).
		row{"destination": "QA", "suppressed": "false", "reports": "3", "ratio_mean": "1.33", "ratio_median": "2.00", "over_one_month_percent": "67"},
	)
}

func TestAgencyReviewsHandComputed(t *testing.T) {
	s := newService(t, handData(), 3, protectFull)
	tb, err := s.AgencyReviews(context.Background(), Query{By: []string{"origin", "destination"}})
	if err != nil {
		t.Fatal(err)
	}
	// NP→QA: w1 (2★, ag1), w2 (1★, ag1), w3 (5★, ag2) released; w4, w1's second review and w5 not.
	// NP→MY: 3★, 3★, 4★, all ag4.
	check(t, rows(t, tb),
		row{"origin": "NP", "destination": "MY", "suppressed": "false", "reports": "3", "stars_1_percent": "0", "stars_2_percent": "0",
			"stars_3_percent": "67", "stars_4_percent": "33", "stars_5_percent": "0", "recommend_percent": "67", "agencies": "1",
			"agencies_sanctioned_percent": "0"},
		row{"origin": "NP", "destination": "QA", "suppressed": "false", "reports": "3", "stars_1_percent": "33", "stars_2_percent": "33",
			"stars_3_percent": "0", "stars_4_percent": "0", "stars_5_percent": "33", "recommend_percent": "33", "agencies": "2",
			"agencies_sanctioned_percent": "50"},
	)
}

func TestBadQueries(t *testing.T) {
	s := newService(t, handData(), 3, protectFull)
	for _, q := range []struct {
		q     Query
		field string
	}{
		{Query{By: []string{"religion"}}, "by"},
		{Query{By: []string{"origin", "origin"}}, "by"},
		{Query{Filter: map[string]string{"religion": "x"}}, "religion"},
		{Query{Filter: map[string]string{"origin": "Nepal"}}, "origin"},
		{Query{Filter: map[string]string{"year": "20x4"}}, "year"},
		{Query{Filter: map[string]string{"sector": "Con struction"}}, "sector"},
	} {
		_, err := s.RecruitmentFees(context.Background(), q.q)
		ve, ok := err.(*kawan.ValidationError)
		if !ok || ve.Fields[0].Field != q.field {
			t.Errorf("%+v: want error naming %s, got %v", q.q, q.field, err)
		}
	}
	if _, err := s.AgencyReviews(context.Background(), Query{By: []string{"sector"}}); err == nil {
		t.Error("agency reviews have no sector dimension")
	}
}

func TestCSVGolden(t *testing.T) {
	s := newService(t, handData(), 3, protectFull)
	for _, c := range []struct {
		name string
		tb   func() (*Table, error)
	}{
		{"recruitment-fees-by-all", func() (*Table, error) {
			return s.RecruitmentFees(context.Background(), Query{By: []string{"origin", "destination", "sector", "year"}})
		}},
		{"sdg-10-7-1-by-destination", func() (*Table, error) {
			return s.SDG1071(context.Background(), Query{By: []string{"destination"}})
		}},
		{"agency-reviews-by-destination", func() (*Table, error) {
			return s.AgencyReviews(context.Background(), Query{By: []string{"destination"}})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tb, err := c.tb()
			if err != nil {
				t.Fatal(err)
			}
			got := tb.CSV()
			path := filepath.Join("testdata", c.name+".golden.csv")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./stats -run CSVGolden -update)", err)
			}
			if string(got) != string(want) {
				t.Errorf("CSV differs from %s:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

// TestConcurrentReadsDuringRefresh: tables are read while snapshots are replaced (run with -race).
func TestConcurrentReadsDuringRefresh(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := New(handData(), nil, nil, nil, Options{K: 3, Refresh: time.Minute, Now: clock})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if g == 0 && i%10 == 0 {
					mu.Lock()
					now = now.Add(2 * time.Minute) // stale: the next read refreshes in the background
					mu.Unlock()
				}
				tb, err := s.RecruitmentFees(context.Background(), Query{By: []string{"destination"}})
				if err != nil || len(tb.Cells) != 2 {
					t.Errorf("read %d: %v %v", i, err, tb)
					return
				}
				_ = tb.CSV()
			}
		}()
	}
	wg.Wait()
}

// TestImplausibleFiguresLeftOut: a fee or salary the worker confirmed although Kawan found
// it implausible for its currency stays on the review but never reaches open data.
func TestImplausibleFiguresLeftOut(t *testing.T) {
	perUSD := map[string]decimal.Decimal{"NPR": decimal.NewFromInt(135), "QAR": decimal.RequireFromString("3.64")}
	f := Fact{ReviewID: "r1", AgencyID: "a1", AuthorID: "u1", Origin: "NP", Destination: "QA", Overall: 4,
		FeesPaid: &kawan.Money{Amount: "150000", Currency: "NPR"}, SalaryReceived: &kawan.Money{Amount: "1500", Currency: "QAR"}}
	if _, _, _, ok := factRecords(f, perUSD); ok != 7 {
		t.Fatalf("plausible figures: families %b, want fee, ratio and agency", ok)
	}
	f.SalaryReceived.Implausible = true
	if _, _, _, ok := factRecords(f, perUSD); ok != 5 {
		t.Errorf("implausible salary: families %b, want fee and agency only", ok)
	}
	f.FeesPaid.Implausible = true
	if _, _, _, ok := factRecords(f, perUSD); ok != 4 {
		t.Errorf("implausible fee and salary: families %b, want agency only", ok)
	}
}

package stats

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// The adversarial tests. Each attack is run against full protection (it must fail) and
// against weaker protection (it must succeed), so a test cannot pass because the attack
// is toothless: remove the k-step release or the unions-only rule and these tests fail.

// sumOf reads a published cell's total fee (mean × reports) in USD; ok is false when the
// cell is suppressed or absent.
func sumOf(t *testing.T, tb *Table, match func(row) bool) (decimal.Decimal, int, bool) {
	t.Helper()
	for _, r := range rows(t, tb) {
		if !match(r) {
			continue
		}
		if r["suppressed"] == "true" {
			return decimal.Zero, 0, false
		}
		n, _ := decimal.NewFromString(r["reports"])
		mean, _ := decimal.NewFromString(r["fee_usd_mean"])
		return mean.Mul(n), int(n.IntPart()), true
	}
	return decimal.Zero, 0, false
}

var all = func(row) bool { return true }

// totalsVsSubcells: the attacker knows w5 is the only worker from NP in fishing in QA and
// subtracts the published sector cells from the published NP→QA total.
func totalsVsSubcells(t *testing.T, mode protectionMode) (estimate decimal.Decimal, tolerance int) {
	s := newService(t, handData(), 3, mode)
	ctx := context.Background()
	f := map[string]string{"origin": "NP", "destination": "QA"}
	total, _ := s.RecruitmentFees(ctx, Query{Filter: f})
	bySector, _ := s.RecruitmentFees(ctx, Query{By: []string{"sector"}, Filter: f})
	sum, n, _ := sumOf(t, total, all)
	estimate = sum
	for _, r := range rows(t, bySector) {
		if r["sector"] == "fishing" {
			continue
		}
		sub, m, ok := sumOf(t, bySector, func(x row) bool { return x["sector"] == r["sector"] })
		if ok {
			estimate = estimate.Sub(sub)
			n += m
		}
	}
	return estimate, n // each mean is rounded to whole dollars: error ≤ reports/2 per cell
}

func TestDifferencingTotalsVsSubcells(t *testing.T) {
	const secret = 5000 // w5's fee in USD
	succeeds := func(mode protectionMode) bool {
		est, tol := totalsVsSubcells(t, mode)
		return est.Sub(decimal.NewFromInt(secret)).Abs().LessThanOrEqual(decimal.NewFromInt(int64(tol)))
	}
	if !succeeds(protectNone) || !succeeds(protectNaive) {
		t.Fatal("the attack must work against no protection and against suppression of small cells alone; the test is toothless")
	}
	if succeeds(protectFull) {
		est, _ := totalsVsSubcells(t, protectFull)
		t.Fatalf("totals minus sub-cells revealed w5's fee: estimate %s", est)
	}
}

// snapshots: the attacker downloads the table, sees one new review published (say, by a
// worker they know), downloads again and subtracts.
func snapshotAttack(t *testing.T, mode protectionMode, extra ...Fact) (estimate decimal.Decimal, reportsDelta int, tolerance int) {
	ctx := context.Background()
	q := Query{By: []string{"origin", "destination", "sector", "year"}}
	match := func(r row) bool {
		return r["origin"] == "NP" && r["destination"] == "QA" && r["sector"] == "construction" && r["year"] == "2023"
	}
	before, _ := newService(t, handData(), 3, mode).RecruitmentFees(ctx, q)
	after, _ := newService(t, append(handData(), extra...), 3, mode).RecruitmentFees(ctx, q)
	s1, n1, _ := sumOf(t, before, match)
	s2, n2, _ := sumOf(t, after, match)
	return s2.Sub(s1), n2 - n1, n1 + n2
}

func TestDifferencingSnapshots(t *testing.T) {
	// w9 pays 1234 USD (173 994 NPR) and is the only new review between the snapshots.
	w9 := fact(20, "w9", "ag1", "NP", "QA", "construction", 2023, money("173994", "NPR"), nil, 3, true)
	succeeds := func(mode protectionMode) bool {
		est, delta, tol := snapshotAttack(t, mode, w9)
		return delta == 1 && est.Sub(decimal.NewFromInt(1234)).Abs().LessThanOrEqual(decimal.NewFromInt(int64(tol)))
	}
	if !succeeds(protectNone) || !succeeds(protectNaive) {
		t.Fatal("the snapshot attack must work against weaker protection; the test is toothless")
	}
	if succeeds(protectFull) {
		t.Fatal("two snapshots around one review revealed its fee")
	}
	// When the new review completes a step of k, k reports are released together.
	w10 := fact(21, "w10", "ag1", "NP", "QA", "construction", 2023, money("141000", "NPR"), nil, 3, true)
	_, delta, _ := snapshotAttack(t, protectFull, w9, w10)
	if delta != 3 {
		t.Fatalf("a completed step must release k=3 reports at once, released %d", delta)
	}
}

// ---- the general property: linear algebra over everything published ----

// gfp is arithmetic modulo a large prime: a 0/1 vector is in the span of others over the
// rationals iff it is over GF(p) for all but finitely many p; 2^61-1 stands in for them.
const gfp = uint64(1<<61 - 1)

func mulmod(a, b uint64) uint64 {
	hi, lo := mul64(a, b)
	// (hi·2^64 + lo) mod p, with 2^61 ≡ 1 (mod p)
	r := (lo & gfp) + (lo >> 61) + (hi << 3)
	for r >= gfp {
		r -= gfp
	}
	return r
}

func mul64(a, b uint64) (hi, lo uint64) {
	const mask32 = 1<<32 - 1
	a0, a1 := a&mask32, a>>32
	b0, b1 := b&mask32, b>>32
	w0 := a0 * b0
	t := a1*b0 + w0>>32
	w1 := t & mask32
	w2 := t >> 32
	w1 += a0 * b1
	hi = a1*b1 + w2 + w1>>32
	lo = a * b
	return
}

func powmod(a, e uint64) uint64 {
	r := uint64(1)
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			r = mulmod(r, a)
		}
		a = mulmod(a, a)
	}
	return r
}

// basis is a row-echelon basis over GF(p) of the published cells' indicator vectors.
type basis struct {
	rows  map[int][]uint64 // pivot column → row with 1 at pivot
	width int
}

func (b *basis) reduce(v []uint64) []uint64 {
	v = slices.Clone(v)
	for col := 0; col < b.width; col++ {
		if v[col] == 0 {
			continue
		}
		r, ok := b.rows[col]
		if !ok {
			continue
		}
		f := v[col]
		for j := col; j < b.width; j++ {
			v[j] = (v[j] + gfp - mulmod(f, r[j])) % gfp
		}
	}
	return v
}

func (b *basis) add(v []uint64) {
	v = b.reduce(v)
	for col, x := range v {
		if x == 0 {
			continue
		}
		inv := powmod(x, gfp-2)
		for j := range v {
			v[j] = mulmod(v[j], inv)
		}
		// keep the basis reduced: eliminate col from the other rows
		for c, r := range b.rows {
			if r[col] != 0 {
				f := r[col]
				for j := range r {
					r[j] = (r[j] + gfp - mulmod(f, v[j])) % gfp
				}
				b.rows[c] = r
			}
		}
		b.rows[col] = v
		return
	}
}

// isolated returns the records whose own indicator vector lies in the span of the
// published cells: for those, the published sums (and counts) determine their value.
func (b *basis) isolated() []int {
	var out []int
	for i := 0; i < b.width; i++ {
		e := make([]uint64, b.width)
		e[i] = 1
		r := b.reduce(e)
		if !slices.ContainsFunc(r, func(x uint64) bool { return x != 0 }) {
			out = append(out, i)
		}
	}
	return out
}

// published collects every cell of every query (all groupings, every filter) of a family.
func published(f *family, ids map[string]int, b *basis, seen map[string]bool) {
	values := make([][]string, len(f.dims))
	for _, k := range f.keys {
		for i := range f.dims {
			if !slices.Contains(values[i], k[i]) {
				values[i] = append(values[i], k[i])
			}
		}
	}
	nd := len(f.dims)
	var filters [][4]string
	var gen func(i int, cur [4]string)
	gen = func(i int, cur [4]string) {
		if i == nd {
			filters = append(filters, cur)
			return
		}
		gen(i+1, cur)
		for _, v := range values[i] {
			c := cur
			c[i] = v
			gen(i+1, c)
		}
	}
	gen(0, [4]string{})
	for mask := 0; mask < 1<<nd; mask++ {
		var by []int
		for i := 0; i < nd; i++ {
			if mask&(1<<i) != 0 {
				by = append(by, i)
			}
		}
		for _, flt := range filters {
			for _, g := range f.query(by, flt) {
				if g.n == 0 {
					continue
				}
				v := make([]uint64, len(ids))
				var sig strings.Builder
				g.each(func(r *rec) { v[ids[r.id]] = 1 })
				for i, x := range v {
					if x != 0 {
						fmt.Fprintf(&sig, "%d,", i)
					}
				}
				if !seen[sig.String()] {
					seen[sig.String()] = true
					b.add(v)
				}
			}
		}
	}
}

func randomFacts(r *rand.Rand, n int) facts {
	origins := []string{"NP", "PH", "ID"}
	dests := []string{"QA", "MY", "SG"}
	sectors := []string{"construction", "domestic_work", ""}
	years := []int{2022, 2023, 0}
	var fs facts
	for i := range n {
		fee := money(fmt.Sprint(r.IntN(300000)), "NPR")
		sal := money(fmt.Sprint(500+r.IntN(3000)), "QAR")
		if r.IntN(5) == 0 {
			sal = nil
		}
		fs = append(fs, fact(i, fmt.Sprintf("a%d", r.IntN(n*3/4+1)), fmt.Sprintf("ag%d", r.IntN(6)),
			origins[r.IntN(2+r.IntN(2))], dests[r.IntN(3)], sectors[r.IntN(3)], years[r.IntN(3)], fee, sal, 1+r.IntN(5), r.IntN(2) == 0))
	}
	return fs
}

// isolatedRecords builds both snapshots (before and after one extra review) and returns
// the records some combination of their published cells isolates, per family.
func isolatedRecords(t *testing.T, before, after facts, k int, mode protectionMode) map[string][]string {
	t.Helper()
	ids := map[string]int{}
	var names []string
	for _, f := range after {
		if _, ok := ids[f.ReviewID]; !ok {
			ids[f.ReviewID] = len(names)
			names = append(names, f.ReviewID)
		}
	}
	out := map[string][]string{}
	bases := map[string]*basis{}
	seen := map[string]map[string]bool{}
	for _, fam := range []string{"fees", "ratio", "agency"} {
		bases[fam] = &basis{rows: map[int][]uint64{}, width: len(ids)}
		seen[fam] = map[string]bool{}
	}
	for _, data := range []facts{before, after} {
		sn, err := newService(t, data, k, mode).Current(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for fam, f := range map[string]*family{"fees": sn.fees, "ratio": sn.ratio, "agency": sn.agency} {
			published(f, ids, bases[fam], seen[fam])
		}
	}
	for fam, b := range bases {
		for _, i := range b.isolated() {
			out[fam] = append(out[fam], names[i])
		}
	}
	return out
}

// TestNoCombinationIsolatesAWorker: over random data sets, every grouping and every
// filter of every review table, in two snapshots around one new review, no record's value
// is determined by the published sums and counts.
func TestNoCombinationIsolatesAWorker(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	runs := 12
	if testing.Short() {
		runs = 3
	}
	naiveLeaks := 0
	for run := range runs {
		k := []int{3, 4, 5}[run%3]
		before := randomFacts(r, 40+r.IntN(60))
		extra := before[r.IntN(len(before))]
		extra.ReviewID, extra.AuthorID, extra.PublishedAt = "new", "new-author", t0.AddDate(1, 0, 0)
		after := append(slices.Clone(before), extra)
		if iso := isolatedRecords(t, before, after, k, protectFull); len(iso) > 0 {
			t.Fatalf("run %d (k=%d): published tables isolate records %v", run, k, iso)
		}
		if iso := isolatedRecords(t, before, after, k, protectNaive); len(iso) > 0 {
			naiveLeaks++
		}
	}
	if naiveLeaks == 0 {
		t.Fatal("suppressing small cells alone never leaked: the property test cannot tell")
	}
	t.Logf("suppression of small cells alone leaked in %d of %d runs; full protection in none", naiveLeaks, runs)
}

// checkCellsK fails t if any cell of fams, grouped by any subset of their dimensions, has
// contributions from fewer than k (and more than 0) distinct contributors.
func checkCellsK(t *testing.T, run, k int, fams ...*family) {
	t.Helper()
	for _, fam := range fams {
		for mask := 0; mask < 1<<len(fam.dims); mask++ {
			var by []int
			for i := range fam.dims {
				if mask&(1<<i) != 0 {
					by = append(by, i)
				}
			}
			for _, g := range fam.query(by, [4]string{}) {
				if n := g.distinctAuthors(); n > 0 && n < k {
					t.Fatalf("run %d: cell %v (grouped by %v) has %d < k=%d distinct contributors", run, g.key, by, n, k)
				}
			}
		}
	}
}

// TestKAnonymity: every non-suppressed cell of every table has at least k distinct
// contributors, and a cell with reports but nothing releasable is marked suppressed
// with no figures.
func TestKAnonymity(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for run := range 20 {
		k := 3 + r.IntN(8)
		data := randomFacts(r, 20+r.IntN(200))
		s := newService(t, data, k, protectFull)
		sn, _ := s.Current(context.Background())
		checkCellsK(t, run, k, sn.fees, sn.ratio, sn.agency)
		for _, name := range []string{TableRecruitmentFees, TableSDG1071, TableAgencyReviews} {
			tb, err := s.ReviewTable(context.Background(), name, Query{By: []string{"origin", "destination"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, rw := range rows(t, tb) {
				if rw["suppressed"] == "true" && len(rw) != 3 {
					t.Fatalf("run %d: suppressed cell shows figures: %v", run, rw)
				}
				if rw["suppressed"] == "false" {
					n, _ := decimal.NewFromString(rw["reports"])
					if n.IntPart() < int64(k) || n.IntPart()%int64(k) != 0 && len(fam(sn, name).dims) == 2 {
						t.Fatalf("run %d: %s cell %v: reports %s with k=%d", run, name, rw, rw["reports"], k)
					}
				}
			}
		}
	}
}

func fam(sn *Snapshot, name string) *family {
	switch name {
	case TableRecruitmentFees:
		return sn.fees
	case TableSDG1071:
		return sn.ratio
	}
	return sn.agency
}

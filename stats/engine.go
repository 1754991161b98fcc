package stats

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// The privacy engine. Every statistic about workers is computed from one family's records
// (one record per contributor and base cell), in three steps:
//
//  1. Base cells. A family partitions its records by all of its dimensions (e.g. origin ×
//     destination × sector × year). Within a base cell a contributor counts once (their
//     earliest published report).
//  2. k-step release. A base cell releases only its oldest ⌊n/k⌋·k records (by publication
//     time): nothing while it has fewer than k contributors, and afterwards it grows in
//     steps of exactly k. Two snapshots therefore differ, in every base cell, by zero or
//     by at least k records — a reader comparing the tables before and after one review
//     learns nothing about that review.
//  3. Unions only. Every published cell, at any level of aggregation and under any filter,
//     is computed from the released records of the base cells it covers; records a base
//     cell holds back are left out of every level. So a total minus its sub-cells is again
//     a union of whole released base cells (≥ k contributors each), never a suppressed cell.
//
// A published cell that covers base cells holding records but releases none is shown as
// suppressed, without numbers.

// key is a record's value in each of its family's dimensions ("" when the family has
// fewer than four dimensions).
type key [4]string

// rec is one contributor's report in one base cell. v1 and v2 are the family's values.
type rec struct {
	key    key
	author string
	id     string
	agency string
	at     time.Time
	v1, v2 int64
}

// family is a set of released base cells.
type family struct {
	dims []string
	// released records per base cell (only cells with records released).
	base map[key][]rec
	// contributors per base cell before release (>0 marks a cell that exists); never published.
	held map[key]int
	keys []key // sorted keys of held
	// naiveK > 0 (tests only) hides groups under naiveK contributors at query time instead.
	naiveK int
}

// buildFamily applies steps 1 and 2 (with mode protectFull).
func buildFamily(dims []string, recs []rec, k int, mode protectionMode) *family {
	cells := map[key][]rec{}
	for _, r := range recs {
		cells[r.key] = append(cells[r.key], r)
	}
	f := &family{dims: dims, base: make(map[key][]rec, len(cells)), held: make(map[key]int, len(cells)), keys: make([]key, 0, len(cells))}
	if mode == protectNaive {
		f.naiveK = k
	}
	seen := map[string]bool{}
	for bk, cell := range cells {
		slices.SortFunc(cell, func(a, b rec) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return strings.Compare(a.id, b.id)
		})
		clear(seen)
		kept := cell[:0]
		for _, r := range cell {
			if seen[r.author] {
				continue
			}
			seen[r.author] = true
			kept = append(kept, r)
		}
		n := len(kept)
		f.held[bk] = n
		f.keys = append(f.keys, bk)
		if mode == protectFull {
			kept = kept[:n/k*k]
		}
		if len(kept) > 0 {
			f.base[bk] = slices.Clip(kept)
		}
	}
	slices.SortFunc(f.keys, compareKey)
	return f
}

func compareKey(a, b key) int {
	for i := range a {
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

// group is one published cell being assembled: the released records of the base cells
// it covers (shared with the family, never modified).
type group struct {
	key   key
	parts [][]rec
	n     int
}

// each calls fn for every record of the group.
func (g *group) each(fn func(r *rec)) {
	for _, p := range g.parts {
		for i := range p {
			fn(&p[i])
		}
	}
}

// query applies step 3: it groups the base cells matching filter by the dimensions in by
// (indexes into f.dims). Groups come back sorted by key; a group with no records is a
// suppressed cell.
func (f *family) query(by []int, filter [4]string) []*group {
	groups := map[key]*group{}
	for _, bk := range f.keys {
		ok := true
		for i, want := range filter {
			if want != "" && bk[i] != want {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		var gk key
		for _, d := range by {
			gk[d] = bk[d]
		}
		g := groups[gk]
		if g == nil {
			g = &group{key: gk}
			groups[gk] = g
		}
		if b := f.base[bk]; len(b) > 0 {
			g.parts = append(g.parts, b)
			g.n += len(b)
		}
	}
	out := make([]*group, 0, len(groups))
	for _, g := range groups {
		if f.naiveK > 0 && g.distinctAuthors() < f.naiveK {
			g.parts, g.n = nil, 0
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *group) int { return compareKey(a.key, b.key) })
	return out
}

// distinctAuthors counts the contributors of a group (≥ k for every non-empty group).
func (g *group) distinctAuthors() int {
	m := make(map[string]struct{}, g.n)
	g.each(func(r *rec) { m[r.author] = struct{}{} })
	return len(m)
}

// nearestRank returns the p-th percentile (0 < p ≤ 100) of sorted values by the
// nearest-rank method: the value at rank ⌈p/100·n⌉. It is always one of the values.
func nearestRank[T cmp.Ordered](sorted []T, p int) T {
	n := len(sorted)
	r := (p*n + 99) / 100
	if r < 1 {
		r = 1
	}
	return sorted[r-1]
}

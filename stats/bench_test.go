package stats

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchFacts is a realistic spread: 6 origins, 8 destinations, 13 sectors, 8 years, fees in
// the origin currency, salaries in the destination currency, 10% repeat reviewers.
func benchFacts(n int) facts {
	r := rand.New(rand.NewPCG(42, 42))
	origins := []string{"NP", "PH", "ID", "BD", "MM", "VN"}
	oc := []string{"NPR", "PHP", "IDR", "BDT", "MMK", "VND"}
	dests := []string{"QA", "MY", "SG", "SA", "AE", "HK", "TW", "JP"}
	dc := []string{"QAR", "MYR", "SGD", "SAR", "AED", "HKD", "TWD", "JPY"}
	sectors := []string{"domestic_work", "care", "construction", "manufacturing", "agriculture", "fishing",
		"hospitality", "retail", "transport", "cleaning", "security", "healthcare", ""}
	fs := make(facts, n)
	for i := range n {
		o, d := r.IntN(len(origins)), r.IntN(len(dests))
		fee := money(fmt.Sprint(r.IntN(500000)), oc[o])
		sal := money(fmt.Sprint(800+r.IntN(4000)), dc[d])
		fs[i] = fact(i, fmt.Sprintf("a%d", r.IntN(n*9/10)), fmt.Sprintf("ag%d", r.IntN(2000)), origins[o], dests[d],
			sectors[r.IntN(len(sectors))], 2019+r.IntN(8), fee, sal, 1+r.IntN(5), r.IntN(2) == 0)
	}
	return fs
}

// BenchmarkSnapshot100k computes a snapshot (conversion, base cells, k-step release) of
// 100 000 published reviews.
func BenchmarkSnapshot100k(b *testing.B) {
	fs := benchFacts(100_000)
	s := newService(b, fs, 10, protectFull)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Refresh(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAllTables100k computes a snapshot and then every grouping (16 + 16 + 4) of the
// three review tables without the table cache, as a cold start would.
func BenchmarkAllTables100k(b *testing.B) {
	fs := benchFacts(100_000)
	s := newService(b, fs, 10, protectFull)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		cells := 0
		for _, name := range []string{TableRecruitmentFees, TableSDG1071, TableAgencyReviews} {
			dims := recruitmentDims
			if name == TableAgencyReviews {
				dims = agencyDims
			}
			for mask := 0; mask < 1<<len(dims); mask++ {
				var by []string
				for i, d := range dims {
					if mask&(1<<i) != 0 {
						by = append(by, d)
					}
				}
				tb, err := s.ReviewTable(ctx, name, Query{By: by})
				if err != nil {
					b.Fatal(err)
				}
				cells += len(tb.Cells)
			}
		}
		b.ReportMetric(float64(cells), "cells")
	}
}

// BenchmarkCachedTable is a request for a table already computed in this snapshot.
func BenchmarkCachedTable(b *testing.B) {
	s := newService(b, benchFacts(100_000), 10, protectFull)
	ctx := context.Background()
	q := Query{By: []string{"origin", "destination"}}
	if _, err := s.RecruitmentFees(ctx, q); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.RecruitmentFees(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

package complaints_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/complaints"
)

func rows(n int, start time.Time, resolvedEvery int) []complaints.CaseCount {
	out := make([]complaints.CaseCount, 0, n)
	for i := range n {
		r := complaints.CaseCount{Complainant: fmt.Sprintf("w%03d", i), State: complaints.Referred, CreatedAt: start.Add(time.Duration(i) * time.Hour)}
		if resolvedEvery > 0 && i%resolvedEvery == 0 {
			r.State, r.WasAccepted, r.Outcome = complaints.Resolved, true, "money_recovered"
		}
		out = append(out, r)
	}
	return out
}

func cell(cells []complaints.OutcomeCell, period string) complaints.OutcomeCell {
	for _, c := range cells {
		if c.Period == period {
			return c
		}
	}
	return complaints.OutcomeCell{}
}

// TestOutcomesThreshold: nothing is published below k distinct workers (the period is
// marked suppressed), a worker complaining twice counts once, and hidden complaints are
// not counted at all.
func TestOutcomesThreshold(t *testing.T) {
	start := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	r := rows(4, start, 2)
	r = append(r, complaints.CaseCount{Complainant: "w000", State: complaints.Referred, CreatedAt: start.Add(100 * time.Hour)})
	r = append(r, complaints.CaseCount{Complainant: "hidden", State: complaints.Referred, CreatedAt: start, Hidden: true})
	got := complaints.Release(r, 5)
	if c := cell(got, "2026"); !c.Suppressed || c.Received != 0 {
		t.Fatalf("4 workers (one twice, one hidden) with k=5: %+v", got)
	}
	r = append(r, rows(5, start.Add(200*time.Hour), 0)[4:]...) // a fifth worker
	got = complaints.Release(r, 5)
	if c := cell(got, "2026"); c.Suppressed || c.Workers != 5 || c.Received != 5 || c.Resolved != 2 || c.Outcomes["money_recovered"] != 2 {
		t.Fatalf("5 workers with k=5: %+v", c)
	}
	if all := cell(got, "all"); all.Workers != 5 {
		t.Fatalf("all: %+v", all)
	}
}

// TestOutcomesDifferencing: two releases around any one new complaint are either equal or
// differ by a whole group of k workers, so subtracting them never isolates one complaint;
// against the plain threshold (publish every count once n ≥ k) the same attack succeeds.
func TestOutcomesDifferencing(t *testing.T) {
	const k = 5
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for trial := range 200 {
		var data []complaints.CaseCount
		n := rng.IntN(40)
		for range n {
			r := complaints.CaseCount{Complainant: fmt.Sprintf("t%d-w%d", trial, rng.IntN(n+1)),
				State:     []complaints.State{complaints.Referred, complaints.Accepted, complaints.Resolved}[rng.IntN(3)],
				CreatedAt: start.Add(time.Duration(rng.IntN(700*24)) * time.Hour)}
			if r.State == complaints.Resolved {
				r.WasAccepted, r.Outcome = true, complaints.Outcomes[rng.IntN(len(complaints.Outcomes))]
			}
			data = append(data, r)
		}
		before := complaints.Release(data, k)
		extra := complaints.CaseCount{Complainant: fmt.Sprintf("t%d-new", trial), State: complaints.Resolved, WasAccepted: true,
			Outcome: "money_recovered", CreatedAt: start.Add(800 * 24 * time.Hour)}
		// A new complaint is always the newest: created_at is the server's clock, never the
		// worker's. It may be a worker who complained before (counted once) or a new one.
		if rng.IntN(3) == 0 && len(data) > 0 {
			extra.Complainant = data[rng.IntN(len(data))].Complainant
		}
		after := complaints.Release(append(data, extra), k)
		for _, a := range after {
			b := cell(before, a.Period)
			dw := a.Workers - b.Workers
			if dw != 0 && dw < k {
				t.Fatalf("trial %d period %s: workers %d → %d after one complaint", trial, a.Period, b.Workers, a.Workers)
			}
			if dw == 0 && !reflect.DeepEqual(a, b) && !(b.Period == "" && a.Suppressed) {
				t.Fatalf("trial %d period %s: figures changed without a new group of k:\n%+v\n%+v", trial, a.Period, b, a)
			}
		}
	}
	// The plain threshold gives the one new complaint away: with 6 workers published, the
	// 7th's outcome is the difference.
	naive := func(rs []complaints.CaseCount) map[string]int {
		out := map[string]int{}
		if len(rs) >= k {
			for _, r := range rs {
				out[r.Outcome]++
			}
		}
		return out
	}
	base := rows(6, start, 3)
	one := complaints.CaseCount{Complainant: "victim", State: complaints.Resolved, Outcome: "agency_sanctioned", CreatedAt: start.Add(24 * time.Hour)}
	if naive(append(base, one))["agency_sanctioned"]-naive(base)["agency_sanctioned"] != 1 {
		t.Fatal("the attack should succeed against the plain threshold")
	}
	if !reflect.DeepEqual(complaints.Release(append(base, one), k), complaints.Release(base, k)) {
		t.Fatal("the released outcomes must not change with one more complaint below the next step of k")
	}
}

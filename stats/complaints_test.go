package stats

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/complaints"
)

// complaintFacts is an in-memory ComplaintSource (store.StatsSource has its own tests).
type complaintFacts []ComplaintFact

func (cs complaintFacts) EachComplaint(_ context.Context, fn func(ComplaintFact) error) error {
	for _, c := range cs {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// cf builds a complaint fact; n orders filing.
func cf(n int, worker, agency, dest, nat, state, outcome string, facts ...string) ComplaintFact {
	return ComplaintFact{CaseID: "KC-" + itoa(n), Complainant: worker, AgencyID: agency, Destination: dest, Nationality: nat,
		Facts: facts, State: state, Accepted: state == "resolved" || state == "in_progress" || state == "accepted", Outcome: outcome,
		ReceivedAt: t0.Add(time.Duration(n) * time.Hour)}
}

func complaintService(t testing.TB, cs complaintFacts, k int, mode protectionMode) *Service {
	t.Helper()
	return New(facts{}, nil, nil, nil, Options{K: k, protection: mode, Complaints: cs,
		Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }})
}

// handComplaints: k = 3. 2026 QA NP wages_unpaid: four workers (the oldest three released);
// a worker complaining twice counts once; one worker alone in abuse (suppressed).
func handComplaints() complaintFacts {
	return complaintFacts{
		cf(1, "w1", "ag1", "QA", "NP", "resolved", "money_recovered", "wages_unpaid"),
		cf(2, "w2", "ag1", "QA", "NP", "in_progress", "", "wages_unpaid"),
		cf(3, "w3", "", "QA", "NP", "referred", "", "wages_unpaid"),
		cf(4, "w4", "ag1", "QA", "NP", "resolved", "no_remedy", "wages_unpaid"), // held back
		cf(5, "w1", "ag1", "QA", "NP", "resolved", "no_remedy", "wages_unpaid"), // w1 again: counts once
		cf(6, "w5", "ag2", "QA", "NP", "referred", "", "abuse"),
		cf(7, "w6", "ag1", "MY", "NP", "closed", "", "fees_above_cap", "job_deception"),
		cf(8, "w7", "ag1", "MY", "NP", "resolved", "documents_returned", "fees_above_cap", "documents_withheld"),
		cf(9, "w8", "ag1", "MY", "NP", "resolved", "documents_returned", "documents_withheld", "job_deception"),
	}
}

func TestComplaintsHandComputed(t *testing.T) {
	s := complaintService(t, handComplaints(), 3, protectFull)
	ctx := context.Background()
	tb, err := s.Complaints(ctx, Query{By: []string{"destination", "fact"}})
	if err != nil {
		t.Fatal(err)
	}
	zeroOutcomes := func(r row) row {
		for _, c := range complaintColumns {
			if _, ok := r[c.Name]; !ok {
				r[c.Name] = "0"
			}
		}
		return r
	}
	check(t, rows(t, tb),
		zeroOutcomes(row{"destination": "MY", "fact": "several", "suppressed": "false", "received": "3", "accepted": "2", "resolved": "2",
			"outcome_documents_returned": "2", "fact_fees_above_cap": "2", "fact_job_deception": "2", "fact_documents_withheld": "2"}),
		row{"destination": "QA", "fact": "abuse", "suppressed": "true"},
		zeroOutcomes(row{"destination": "QA", "fact": "wages_unpaid", "suppressed": "false", "received": "3", "accepted": "2", "resolved": "1",
			"outcome_money_recovered": "1", "fact_wages_unpaid": "3"}),
	)
	// Per agency and year: ag1 has w1, w2, w4, w6, w7, w8 in 2026 (six workers: all released
	// with k = 3); ag2 one worker; w3's complaint names no agency.
	tb, err = s.Complaints(ctx, Query{By: []string{"agency", "year"}})
	if err != nil {
		t.Fatal(err)
	}
	got := rows(t, tb)
	if len(got) != 2 || got[0]["agency"] != "ag1" || got[0]["received"] != "6" || got[0]["resolved"] != "4" || got[1]["agency"] != "ag2" || got[1]["suppressed"] != "true" {
		t.Fatalf("per agency: %v", got)
	}
	// Nothing but counts: no case ID, no worker.
	for _, c := range tb.Cells {
		for _, v := range c {
			if v == "w1" || v == "KC-1" {
				t.Fatalf("a cell carries an identifier: %v", c)
			}
		}
	}
	// agency combines with year only; the error names the parameter.
	for q, field := range map[string]Query{
		"by":          {By: []string{"agency", "destination"}},
		"nationality": {Filter: map[string]string{"agency": "ag1", "nationality": "NP"}},
		"fact":        {Filter: map[string]string{"fact": "Wages"}},
		"agency":      {Filter: map[string]string{"agency": "a b"}},
	} {
		_, err := s.Complaints(ctx, field)
		if err == nil || !containsField(err, q) {
			t.Errorf("%v: %v, want a field error naming %s", field, err, q)
		}
	}
}

func containsField(err error, field string) bool {
	var ve *kawan.ValidationError
	return errors.As(err, &ve) && slices.ContainsFunc(ve.Fields, func(f kawan.FieldError) bool { return f.Field == field })
}

// TestComplaintsMatchAgencyOutcomes: the table's per-agency cells are exactly the agency
// page's complaint outcomes (complaints.Release) over random data, year by year and for
// all years, so the two publications together tell a reader nothing either does not.
func TestComplaintsMatchAgencyOutcomes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for run := range 30 {
		k := 3 + r.IntN(4)
		cs := randomComplaints(r, 30+r.IntN(150))
		s := complaintService(t, cs, k, protectFull)
		tb, err := s.Complaints(context.Background(), Query{By: []string{"agency", "year"}})
		if err != nil {
			t.Fatal(err)
		}
		all, _ := s.Complaints(context.Background(), Query{By: []string{"agency"}})
		for _, ag := range []string{"ag0", "ag1", "ag2", "ag3"} {
			var counts []complaints.CaseCount
			for _, c := range cs {
				if c.AgencyID != ag {
					continue
				}
				counts = append(counts, complaints.CaseCount{Complainant: c.Complainant, State: complaints.State(c.State), Outcome: c.Outcome,
					WasAccepted: c.Accepted, CreatedAt: c.ReceivedAt})
			}
			want := complaints.Release(counts, k)
			var got []complaints.OutcomeCell
			for _, rw := range rows(t, tb) {
				if rw["agency"] == ag {
					got = append(got, outcomeCell(rw, rw["year"]))
				}
			}
			for _, rw := range rows(t, all) {
				if rw["agency"] == ag {
					got = append(got, outcomeCell(rw, "all"))
				}
			}
			for i := range want {
				want[i].Workers = 0 // the table publishes complaints, one per worker and period
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("run %d k=%d %s:\n table %v\n agency page %v", run, k, ag, got, want)
			}
		}
	}
}

func outcomeCell(rw row, period string) complaints.OutcomeCell {
	if rw["suppressed"] == "true" {
		return complaints.OutcomeCell{Period: period, Suppressed: true}
	}
	n := func(c string) int { v, _ := strconv.Atoi(rw[c]); return v }
	c := complaints.OutcomeCell{Period: period, Received: n("received"), Accepted: n("accepted"), Resolved: n("resolved"), Outcomes: map[string]int{}}
	for _, o := range complaints.Outcomes {
		if v := n("outcome_" + o); v > 0 {
			c.Outcomes[o] = v
		}
	}
	return c
}

func randomComplaints(r *rand.Rand, n int) complaintFacts {
	dests := []string{"QA", "MY", "SA"}
	nats := []string{"NP", "PH", "ID"}
	agencies := []string{"ag0", "ag1", "ag2", "ag3", ""}
	states := []string{"submitted", "referred", "accepted", "in_progress", "resolved", "closed", "declined"}
	var out complaintFacts
	for i := range n {
		st := states[r.IntN(len(states))]
		out = append(out, ComplaintFact{CaseID: fmt.Sprintf("KC-%d", i), Complainant: fmt.Sprintf("w%d", r.IntN(n*3/4+1)),
			AgencyID: agencies[r.IntN(len(agencies))], Destination: dests[r.IntN(3)], Nationality: nats[r.IntN(2+r.IntN(2))],
			Facts: []string{complaints.Facts[r.IntN(3)]}, State: st, Accepted: st == "resolved" && r.IntN(3) > 0 || st == "in_progress",
			Outcome:    map[bool]string{true: complaints.Outcomes[r.IntN(len(complaints.Outcomes))]}[st == "resolved"],
			ReceivedAt: t0.AddDate(r.IntN(2), 0, 0).Add(time.Duration(i) * time.Hour)})
		if r.IntN(4) == 0 {
			out[i].Facts = append(out[i].Facts, complaints.Facts[3+r.IntN(6)])
		}
	}
	return out
}

// TestComplaintsKAnonymity: every released cell of both complaint families, at every
// grouping, has at least k distinct workers; a suppressed cell shows no figures.
func TestComplaintsKAnonymity(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for run := range 15 {
		k := 3 + r.IntN(6)
		s := complaintService(t, randomComplaints(r, 20+r.IntN(200)), k, protectFull)
		sn, err := s.Current(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		checkCellsK(t, run, k, sn.complaints, sn.complaintAgency)
		for _, by := range [][]string{{"destination", "nationality", "fact", "year"}, {"agency", "year"}} {
			tb, err := s.Complaints(context.Background(), Query{By: by})
			if err != nil {
				t.Fatal(err)
			}
			for _, rw := range rows(t, tb) {
				if rw["suppressed"] == "true" && len(rw) != len(by)+1 {
					t.Fatalf("run %d: suppressed cell shows figures: %v", run, rw)
				}
				if n, _ := strconv.Atoi(rw["received"]); rw["suppressed"] == "false" && (n < k || n%k != 0) {
					t.Fatalf("run %d: finest cell %v releases %d complaints with k=%d", run, rw, n, k)
				}
			}
		}
	}
}

// TestComplaintsCellUnderKSuppressed: k-1 distinct workers (one of them complaining three
// times) make a suppressed cell, at every level; the k-th worker releases all k.
func TestComplaintsCellUnderKSuppressed(t *testing.T) {
	const k = 5
	var cs complaintFacts
	for i := range k - 1 {
		cs = append(cs, cf(i, fmt.Sprintf("w%d", i), "ag1", "QA", "NP", "resolved", "money_recovered", "wages_unpaid"))
	}
	cs = append(cs, cf(10, "w0", "ag1", "QA", "NP", "resolved", "money_recovered", "wages_unpaid"),
		cf(11, "w0", "ag1", "QA", "NP", "referred", "", "wages_unpaid"))
	for _, q := range []Query{{}, {By: []string{"year", "destination", "nationality", "fact"}}, {By: []string{"agency"}},
		{Filter: map[string]string{"destination": "QA", "fact": "wages_unpaid"}}} {
		tb, err := complaintService(t, cs, k, protectFull).Complaints(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if got := rows(t, tb); len(got) != 1 || got[0]["suppressed"] != "true" || got[0]["received"] != "" {
			t.Fatalf("%+v: %d workers with k=%d must be suppressed: %v", q, k-1, k, got)
		}
		more := append(slices.Clone(cs), cf(20, "w-k", "ag1", "QA", "NP", "referred", "", "wages_unpaid"))
		tb, _ = complaintService(t, more, k, protectFull).Complaints(context.Background(), q)
		if got := rows(t, tb); len(got) != 1 || got[0]["received"] != itoa(k) || got[0]["resolved"] != itoa(k-1) {
			t.Fatalf("%+v: the k-th worker releases k: %v", q, got)
		}
	}
}

// complaintSnapshotAttack: the attacker downloads the table, sees one new complaint filed
// (by a worker they know), learns it was resolved with money recovered, downloads again and
// subtracts: the difference in received and in money_recovered gives the complaint away.
func complaintSnapshotAttack(t *testing.T, mode protectionMode, q Query, match func(row) bool, extra ...ComplaintFact) (received, recovered int) {
	ctx := context.Background()
	before, _ := complaintService(t, handComplaints(), 3, mode).Complaints(ctx, q)
	after, _ := complaintService(t, append(handComplaints(), extra...), 3, mode).Complaints(ctx, q)
	count := func(tb *Table) (int, int) {
		for _, r := range rows(t, tb) {
			if match(r) {
				a, _ := strconv.Atoi(r["received"])
				b, _ := strconv.Atoi(r["outcome_money_recovered"])
				return a, b
			}
		}
		return 0, 0
	}
	r1, m1 := count(before)
	r2, m2 := count(after)
	return r2 - r1, m2 - m1
}

func TestComplaintsDifferencingSnapshots(t *testing.T) {
	w9 := cf(30, "w9", "ag1", "QA", "NP", "resolved", "money_recovered", "wages_unpaid")
	for name, c := range map[string]struct {
		q     Query
		match func(row) bool
	}{
		"finest cell": {Query{By: []string{"year", "destination", "nationality", "fact"}},
			func(r row) bool { return r["destination"] == "QA" && r["fact"] == "wages_unpaid" }},
		"total":      {Query{}, func(row) bool { return true }},
		"per agency": {Query{By: []string{"agency", "year"}}, func(r row) bool { return r["agency"] == "ag1" }},
	} {
		succeeds := func(mode protectionMode) bool {
			rec, mon := complaintSnapshotAttack(t, mode, c.q, c.match, w9)
			return rec == 1 && mon == 1
		}
		if !succeeds(protectNone) || !succeeds(protectNaive) {
			t.Fatalf("%s: the attack must work against weaker protection; the test is toothless", name)
		}
		if succeeds(protectFull) {
			t.Fatalf("%s: two releases around one complaint revealed its outcome", name)
		}
	}
	// In the finest cell w4 and w9 make a step: k=3 complaints are released together.
	w10 := cf(31, "w10", "ag1", "QA", "NP", "referred", "", "wages_unpaid")
	rec, _ := complaintSnapshotAttack(t, protectFull, Query{By: []string{"destination", "fact"}},
		func(r row) bool { return r["destination"] == "QA" && r["fact"] == "wages_unpaid" }, w9, w10)
	if rec != 3 {
		t.Fatalf("a completed step must release k=3 complaints at once, released %d", rec)
	}
}

// TestComplaintsNoCombinationIsolates: over random data, every grouping and filter of each
// complaint family in two releases around one new complaint, no complaint's indicator
// vector is in the span of the published cells; suppression of small cells alone leaks.
func TestComplaintsNoCombinationIsolates(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	runs := 10
	if testing.Short() {
		runs = 3
	}
	naiveLeaks := 0
	isolated := func(before, after complaintFacts, k int, mode protectionMode) int {
		n := 0
		for fi := range 2 {
			ids := map[string]int{}
			b := &basis{rows: map[int][]uint64{}}
			seen := map[string]bool{}
			var fams []*family
			for _, data := range []complaintFacts{before, after} {
				sn, err := complaintService(t, data, k, mode).Current(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				fams = append(fams, []*family{sn.complaints, sn.complaintAgency}[fi])
			}
			for _, c := range after {
				ids[c.Complainant+"\x00"+c.CaseID] = len(ids)
			}
			b.width = len(ids)
			for _, f := range fams {
				published(f, ids, b, seen)
			}
			n += len(b.isolated())
		}
		return n
	}
	for run := range runs {
		k := []int{3, 4, 5}[run%3]
		before := randomComplaints(r, 40+r.IntN(50))
		extra := before[r.IntN(len(before))]
		extra.CaseID, extra.Complainant, extra.ReceivedAt = "KC-new", "w-new", t0.AddDate(1, 6, 0)
		after := append(slices.Clone(before), extra)
		if n := isolated(before, after, k, protectFull); n > 0 {
			t.Fatalf("run %d (k=%d): the published cells isolate %d complaints", run, k, n)
		}
		if isolated(before, after, k, protectNaive) > 0 {
			naiveLeaks++
		}
	}
	if naiveLeaks == 0 {
		t.Fatal("suppressing small cells alone never leaked: the property test cannot tell")
	}
}

package complaints_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/complaints"
	"github.com/kawan-labs/kawan/store/storetest"
)

// BenchmarkRelease: the published outcomes of an agency with 100 000 complaints by 50 000
// workers over 3 years (what GET /v1/agencies/{id}/complaint-outcomes computes per request).
func BenchmarkRelease(b *testing.B) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]complaints.CaseCount, 100000)
	for i := range rows {
		rows[i] = complaints.CaseCount{Complainant: fmt.Sprintf("w%d", i%50000), State: complaints.States[i%len(complaints.States)],
			WasAccepted: i%3 == 0, Outcome: complaints.Outcomes[i%len(complaints.Outcomes)], CreatedAt: start.Add(time.Duration(i) * 15 * time.Minute)}
	}
	b.ReportAllocs()
	for b.Loop() {
		complaints.Release(rows, 10)
	}
}

// BenchmarkFileAndAccept: filing a complaint without an account (validation, partner
// checks, one insert) and a partner accepting it (read, compare-and-set), on the embedded
// FerretDB.
func BenchmarkFileAndAccept(b *testing.B) {
	s := storetest.New(b)
	f := newFixture(b, s)
	ctx := context.Background()
	in := complaint()
	b.ReportAllocs()
	for b.Loop() {
		filed, err := f.svc.File(ctx, nil, in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.svc.Transition(ctx, f.partner("fx-np-desk"), filed.Code, complaints.Transition{To: complaints.Accepted}); err != nil {
			b.Fatal(err)
		}
	}
}

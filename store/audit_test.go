package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestAuditAppendAndList(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		log := store.NewAuditLog(s.DB())
		t0 := time.Now().UTC().Add(-time.Minute)
		for i, to := range []string{"held", "published"} {
			if err := log.Append(ctx, kawan.AuditEntry{Action: "review.transition", Subject: "review:r1", To: to, At: t0.Add(time.Duration(i) * time.Second)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := log.Append(ctx, kawan.AuditEntry{Action: "account.erase", Subject: "user:u1"}); err != nil {
			t.Fatal(err)
		}
		got, err := log.BySubject(ctx, "review:r1", 10)
		if err != nil || len(got) != 2 || got[0].To != "held" || got[1].To != "published" {
			t.Fatalf("by subject: %+v %v", got, err)
		}
		got, err = log.Since(ctx, t0, "account.erase", 10)
		if err != nil || len(got) != 1 || got[0].ID == "" {
			t.Fatalf("since: %+v %v", got, err)
		}
	})
}

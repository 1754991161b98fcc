package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestFXFeeds(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fx := store.NewFX(s.DB())
		t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
		if err := fx.SaveFeed(ctx, store.FXFeed{Key: "dir:a.json", Source: "dir", Format: "json", Data: []byte("new"), FetchedAt: t0}); err != nil {
			t.Fatal(err)
		}
		// An older copy never replaces a newer one.
		if err := fx.SaveFeed(ctx, store.FXFeed{Key: "dir:a.json", Source: "dir", Format: "json", Data: []byte("old"), FetchedAt: t0.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		got, err := fx.Feeds(ctx)
		if err != nil || len(got) != 1 || string(got[0].Data) != "new" || !got[0].FetchedAt.Equal(t0) {
			t.Fatalf("feeds %+v, %v", got, err)
		}
		if err := fx.SaveFeed(ctx, store.FXFeed{Key: "dir:a.json", Data: []byte("newer"), FetchedAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		got, _ = fx.Feeds(ctx)
		if string(got[0].Data) != "newer" {
			t.Fatalf("newer copy not stored: %q", got[0].Data)
		}
	})
}

func TestFXHistory(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fx := store.NewFX(s.DB())
		t0 := time.Date(2026, 11, 22, 8, 17, 0, 0, time.UTC)
		pts := []store.FXPoint{
			{At: t0, Provider: "a", PayoutMethod: "bank_account", FundingMethod: "bank_transfer", ExchangeRate: "41.8", TotalCostPercent: "1.59", CostBP: 159},
			{At: t0, Provider: "b", PayoutMethod: "cash_pickup", FundingMethod: "cash", ExchangeRate: "41.2", TotalCostPercent: "3.10", CostBP: 310},
			{At: t0, Provider: "c", Stale: true, TotalCostPercent: "9.00", CostBP: 900}, // stale: not in the sums
		}
		ok, err := fx.RecordSlot(ctx, "SGD", "PHP", t0, pts)
		if err != nil || !ok {
			t.Fatalf("first record: %v %v", ok, err)
		}
		// Same hour again (another process, or a second refresh): not double-counted.
		ok, err = fx.RecordSlot(ctx, "SGD", "PHP", t0.Add(30*time.Minute), pts)
		if err != nil || ok {
			t.Fatalf("second record of the same hour: %v %v", ok, err)
		}
		ok, err = fx.RecordSlot(ctx, "SGD", "PHP", t0.Add(time.Hour), pts[:1])
		if err != nil || !ok {
			t.Fatalf("next hour: %v %v", ok, err)
		}
		if _, err := fx.RecordSlot(ctx, "SGD", "PHP", t0.Add(24*time.Hour), pts[1:2]); err != nil {
			t.Fatal(err)
		}
		days, err := fx.Days(ctx, "SGD-PHP", t0.Add(-48*time.Hour), t0.Add(48*time.Hour))
		if err != nil || len(days) != 2 {
			t.Fatalf("days %d, %v", len(days), err)
		}
		d := days[0]
		if d.Day != "2026-11-22" || d.SumCostBP != 159+310+159 || d.Count != 3 || d.MinCostBP != 159 || d.MaxCostBP != 310 ||
			len(d.Points) != 4 || len(d.Slots) != 2 || d.SendCurrency != "SGD" || d.Points[1].ExchangeRate != "41.2" {
			t.Errorf("day 1: %+v", d)
		}
		if days[1].Day != "2026-11-23" || days[1].SumCostBP != 310 {
			t.Errorf("day 2: %+v", days[1])
		}
		if _, err := fx.Days(ctx, "SGD-PHP", t0, t0.Add(500*24*time.Hour)); err == nil {
			t.Error("a 500-day read must be refused")
		}
	})
}

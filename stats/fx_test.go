package stats_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/fx/demofeeds"
	"github.com/kawan-labs/kawan/stats"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func demoSnapshot(t testing.TB, at time.Time) *fx.Snapshot {
	t.Helper()
	s, err := fx.DemoSnapshot(at)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestObserveSnapshot(t *testing.T) {
	snap := demoSnapshot(t, demofeeds.Epoch)
	rt := stats.RatesFromSnapshot(snap)
	if !rt.PerUSD["USD"].Equal(decimal.NewFromInt(1)) || !rt.PerUSD["PHP"].IsPositive() || !rt.PerUSD["NPR"].IsPositive() || rt.Sample {
		t.Fatalf("rates: %+v", rt)
	}
	obs := stats.ObserveSnapshot(snap, demofeeds.Epoch)
	seen := map[string]bool{}
	for _, o := range obs {
		seen[o.SendCurrency+"-"+o.ReceiveCurrency+"/"+map[int]string{200: "200", 500: "500"}[o.AmountUSD]] = true
	}
	for _, k := range []string{"SGD-PHP/200", "SGD-PHP/500", "QAR-NPR/200", "MYR-NPR/500"} {
		if !seen[k] {
			t.Errorf("no observation for %s", k)
		}
	}
	// Cross-check one: the SGD amount is 200 USD at mid, and each provider's cost is its
	// cheapest quote there.
	sgd := decimal.NewFromInt(200).Mul(rt.PerUSD["SGD"]).RoundBank(2)
	c, err := snap.Compare(fx.Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: sgd.StringFixed(2)}, demofeeds.Epoch)
	if err != nil || len(c.Quotes) == 0 {
		t.Fatalf("compare: %v %+v", err, c)
	}
	cheapest := map[string]decimal.Decimal{}
	for _, q := range c.Quotes {
		if q.Stale() {
			continue
		}
		p := decimal.RequireFromString(q.TotalCostPercent())
		if b, ok := cheapest[q.Provider().ID]; !ok || p.LessThan(b) {
			cheapest[q.Provider().ID] = p
		}
	}
	n := 0
	for _, o := range obs {
		if o.SendCurrency == "SGD" && o.ReceiveCurrency == "PHP" && o.AmountUSD == 200 {
			n++
			if !o.CostPercent.Equal(cheapest[o.ProviderID]) {
				t.Errorf("%s: %s, cheapest quote %s", o.ProviderID, o.CostPercent, cheapest[o.ProviderID])
			}
		}
	}
	if n != len(cheapest) {
		t.Errorf("%d observations for %d providers", n, len(cheapest))
	}
}

func TestRemittanceHistoryStore(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rec := store.NewRemittanceCosts(st.DB())
		day1 := demofeeds.Epoch
		now := day1
		snap := demoSnapshot(t, day1)
		svc := stats.New(store.NewStatsSource(st.DB()), nil, nil, nil, stats.Options{Now: func() time.Time { return now },
			FX: func() *fx.Snapshot { return snap }, Costs: rec})
		if _, err := svc.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		// Day 2: the same prices observed a day later (the demo feeds would be stale by then).
		next := stats.ObserveSnapshot(snap, day1)
		for i := range next {
			next[i].At = next[i].At.Add(24 * time.Hour)
		}
		if err := rec.RecordCosts(ctx, next); err != nil {
			t.Fatal(err)
		}
		// A slower process recording an older observation of day 2 must not replace the newer one.
		older := stats.ObserveSnapshot(snap, day1.Add(23*time.Hour))
		for i := range older {
			older[i].At = day1.Add(24*time.Hour - time.Minute)
			older[i].CostPercent = decimal.NewFromInt(99)
		}
		if err := rec.RecordCosts(ctx, older); err != nil {
			t.Fatal(err)
		}
		now = day1.Add(25 * time.Hour)
		if _, err := svc.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		tb, err := svc.RemittanceCosts(ctx, stats.CostQuery{Corridor: "SGD-PHP", Amount: 200, Since: "2026-11-01", Until: "2026-11-30"})
		if err != nil {
			t.Fatal(err)
		}
		if len(tb.Cells) != 2 || tb.Value(tb.Cells[0], "period") != "2026-11-22" || tb.Value(tb.Cells[1], "period") != "2026-11-23" {
			t.Fatalf("two days of history: %v", tb.Cells)
		}
		if tb.Value(tb.Cells[0], "average_cost_percent") != tb.Value(tb.Cells[1], "average_cost_percent") ||
			tb.Value(tb.Cells[1], "cheapest_cost_percent") == "99.00" {
			t.Errorf("same snapshot both days, older observation ignored: %v", tb.Cells)
		}
		if tb.Rates != nil {
			t.Errorf("remittance table has no currency conversion: %+v", tb.Rates)
		}
		fees, _ := svc.RecruitmentFees(ctx, stats.Query{})
		if fees.Rates == nil || fees.Rates.Sample || fees.Rates.Source == "" {
			t.Errorf("with fx connected, fees use its mid-market rates: %+v", fees.Rates)
		}
	})
}

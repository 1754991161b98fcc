package stats

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

type costList []CostObservation

func (c costList) CostObservations(_ context.Context, since time.Time, fn func(CostObservation) error) error {
	for _, o := range c {
		if !o.At.Before(since) {
			if err := fn(o); err != nil {
				return err
			}
		}
	}
	return nil
}

func obs(corridor string, day int, hour int, prov string, amount int, pct string) CostObservation {
	return CostObservation{SendCurrency: corridor[:3], ReceiveCurrency: corridor[4:], ProviderID: prov, AmountUSD: amount,
		At: time.Date(2026, 11, day, hour, 0, 0, 0, time.UTC), CostPercent: decimal.RequireFromString(pct)}
}

func TestRemittanceCostsHandComputed(t *testing.T) {
	data := costList{
		obs("SGD-PHP", 20, 8, "a", 200, "9.00"), // replaced by a's later quote the same day
		obs("SGD-PHP", 20, 9, "a", 200, "3.10"),
		obs("SGD-PHP", 20, 9, "b", 200, "5.00"), // exactly 5%: not above
		obs("SGD-PHP", 20, 9, "c", 200, "6.25"),
		obs("SGD-PHP", 20, 9, "d", 200, "1.05"),
		obs("SGD-PHP", 21, 9, "a", 200, "2.00"),
		obs("SGD-PHP", 21, 9, "b", 200, "7.01"),
		obs("SGD-PHP", 20, 9, "a", 500, "1.50"),
		obs("QAR-NPR", 20, 9, "x", 200, "4.00"),
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := New(facts{}, nil, nil, data, Options{Now: func() time.Time { return now }})
	tb, err := s.RemittanceCosts(context.Background(), CostQuery{Corridor: "SGD-PHP"})
	if err != nil {
		t.Fatal(err)
	}
	check(t, rows(t, tb),
		// 3.10, 5.00, 6.25, 1.05: mean 15.40/4 = 3.85; median (3.10+5.00)/2 = 4.05; cheapest 1.05; 1 of 4 above 5%.
		row{"corridor": "SGD-PHP", "period": "2026-11-20", "amount_usd": "200", "providers": "4", "average_cost_percent": "3.85",
			"median_cost_percent": "4.05", "cheapest_cost_percent": "1.05", "above_5_percent_share": "25",
			// SmaRT: 1.05 + 3.10 + 5.00 = 9.15, / 3 = 3.05, not above 5%.
			"smart_cost_percent": "3.05", "smart_above_5_percent": "false"},
		row{"corridor": "SGD-PHP", "period": "2026-11-20", "amount_usd": "500", "providers": "1", "average_cost_percent": "1.50",
			"median_cost_percent": "1.50", "cheapest_cost_percent": "1.50", "above_5_percent_share": "0"},
		// (2.00+7.01)/2 = 4.505 → 4.50 (2 decimals, half-even as FEEDS.md rounds percentages).
		row{"corridor": "SGD-PHP", "period": "2026-11-21", "amount_usd": "200", "providers": "2", "average_cost_percent": "4.50",
			"median_cost_percent": "4.50", "cheapest_cost_percent": "2.00", "above_5_percent_share": "50"},
	)
	// By month each provider's last quote counts: a 2.00, b 7.01, c 6.25, d 1.05: mean 16.31/4 = 4.0775;
	// median (2.00+6.25)/2 = 4.125 → 4.12 (half-even).
	tb, _ = s.RemittanceCosts(context.Background(), CostQuery{Corridor: "SGD-PHP", Period: "month", Amount: 200})
	check(t, rows(t, tb), row{"corridor": "SGD-PHP", "period": "2026-11", "amount_usd": "200", "providers": "4",
		"average_cost_percent": "4.08", "median_cost_percent": "4.12", "cheapest_cost_percent": "1.05", "above_5_percent_share": "50",
		// SmaRT: 1.05 + 2.00 + 6.25 = 9.30, / 3 = 3.10.
		"smart_cost_percent": "3.10", "smart_above_5_percent": "false"})
	tb, _ = s.RemittanceCosts(context.Background(), CostQuery{Period: "week", Amount: 200, Since: "2026-11-01", Until: "2026-11-30"})
	if len(tb.Cells) != 2 || tb.Cells[0][0] != "QAR-NPR" || tb.Cells[1][1] != "2026-W47" {
		t.Errorf("weekly: %v", tb.Cells)
	}
}

// SmaRT in the table: the three cheapest at USD 200, above 5% or not, rounded half-even; none at
// USD 500 nor with fewer than three providers.
func TestRemittanceCostsSmaRT(t *testing.T) {
	data := costList{
		obs("AED-SDG", 20, 9, "a", 200, "9.00"),
		obs("AED-SDG", 20, 9, "b", 200, "5.50"),
		obs("AED-SDG", 20, 9, "c", 200, "7.13"),
		obs("AED-SDG", 20, 9, "d", 200, "6.00"),
		obs("AED-SDG", 20, 9, "a", 500, "4.00"),
		obs("AED-SDG", 20, 9, "b", 500, "4.00"),
		obs("AED-SDG", 20, 9, "c", 500, "4.00"),
		obs("AED-SDG", 21, 9, "a", 200, "5.01"),
		obs("AED-SDG", 21, 9, "b", 200, "5.00"),
		obs("AED-SDG", 21, 9, "c", 200, "5.00"),
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := New(facts{}, nil, nil, data, Options{Now: func() time.Time { return now }})
	tb, err := s.RemittanceCosts(context.Background(), CostQuery{Corridor: "AED-SDG"})
	if err != nil {
		t.Fatal(err)
	}
	got := rows(t, tb)
	want := []struct{ smart, above string }{
		{"6.21", "true"},  // 5.50 + 6.00 + 7.13 = 18.63, / 3 = 6.21
		{"", ""},          // USD 500: SmaRT is measured at USD 200
		{"5.00", "false"}, // 15.01 / 3 = 5.00333… shows as 5.00: not above 5%, judged on the value shown as fx's corridor_cost is
	}
	if len(got) != len(want) {
		t.Fatalf("cells %v", got)
	}
	for i, w := range want {
		if got[i]["smart_cost_percent"] != w.smart || got[i]["smart_above_5_percent"] != w.above {
			t.Errorf("cell %d: %v, want SmaRT %q above %q", i, got[i], w.smart, w.above)
		}
	}
}

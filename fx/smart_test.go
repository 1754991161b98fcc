package fx

import (
	"fmt"
	"strings"
	"testing"
)

// smartSnapshot has SGD→PHP providers at 41.90 (k = 56.25 − 41.90 × 1.34 = 0.104 against the
// golden mid 56.25/1.34) with the flat fees given; the last provider's feed is stale.
func smartSnapshot(t *testing.T, fees ...string) *Snapshot {
	t.Helper()
	rates := mustParse(t, ratesFeed("USD", "2026-11-22T07:00:00Z", map[string]string{"SGD": "1.34", "PHP": "56.25"}))
	var feeds []*Feed
	for i, fee := range fees {
		b := providerFeed(fmt.Sprintf("p%d", i), corridorJSON("SGD", "PHP", "41.90", "10", "5000", `[{"flat":"`+fee+`"}]`))
		if i == len(fees)-1 {
			b = []byte(strings.Replace(string(b), `"valid_for_seconds":21600`, `"valid_for_seconds":60`, 1))
		}
		feeds = append(feeds, mustParse(t, b))
	}
	return BuildSnapshot(feeds, []*Feed{rates}, DefaultBounds, testNow)
}

// TestCorridorCostSmaRT: the corridor's SDG 10.c cost is the mean of the three cheapest fresh
// quotes at the USD 200 equivalent (SGD 268 → 270). Computed by hand: the FX part is
// 270 × 0.104 / 56.25 = 0.4992, so fee F costs (F + 0.4992) / 270 × 100 percent.
func TestCorridorCostSmaRT(t *testing.T) {
	cases := []struct {
		fees  []string
		fresh int
		smart string
		above bool
	}{
		// 0.93, 1.67, 2.41 and 3.14 (fee 8); the stale fee-1 quote (0.56) does not count: (0.93 + 1.67 + 2.41) / 3 = 1.67.
		{[]string{"2.00", "4.00", "6.00", "8.00", "1.00"}, 4, "1.67", false},
		// 5.37, 5.74, 6.11: mean 5.74, above 5% although one service is cheaper than the others.
		{[]string{"14.00", "15.00", "16.00", "1.00"}, 3, "5.74", true},
		// Two fresh quotes: SmaRT needs three.
		{[]string{"2.00", "4.00", "1.00"}, 2, "", false},
	}
	for _, c := range cases {
		s := smartSnapshot(t, c.fees...)
		info := s.Corridors()[0]
		cc := info.CorridorCost
		if cc == nil || cc.SendAmount != "270.00" || cc.FreshQuotes != c.fresh || cc.SmaRTPercent != c.smart || cc.AboveSDGTarget != c.above {
			t.Errorf("fees %v: %+v", c.fees, cc)
		}
	}
	// The per-quote flag stays per quote: a 5.37% quote is above target in a corridor whose SmaRT is 1.67%.
	s := smartSnapshot(t, "2.00", "4.00", "6.00", "14.00", "1.00")
	cmp, _ := s.Compare(Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "270"}, testNow)
	above := 0
	for _, q := range cmp.Quotes {
		if q.AboveSDGTarget() {
			above++
		}
	}
	if above != 1 || s.Corridors()[0].CorridorCost.AboveSDGTarget {
		t.Errorf("%d quotes above 5%%, corridor %+v", above, s.Corridors()[0].CorridorCost)
	}
}

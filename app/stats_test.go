package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/config"
)

// TestOpenDataOnDemoData: the product serves the statistics with the configured k; on the
// demo data a published cell's figures match an independent computation from the stored
// reviews, small cells are suppressed, and the sample help directory is searchable.
func TestOpenDataOnDemoData(t *testing.T) {
	a := apptest.New(t, func(c *config.Config) { c.Demo = true })
	c := apitest.New(t, a.Server)
	r := c.Do("GET", "/v1/stats", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"k":10`) {
		t.Fatalf("catalogue: %d %s", r.Status, r.Body)
	}
	var tb struct {
		Cells []map[string]any
	}
	r = c.Do("GET", "/v1/stats/recruitment-fees?by=origin,destination,sector,year", nil)
	r.JSON(t, &tb)
	var cell map[string]any
	suppressed := 0
	for _, x := range tb.Cells {
		if x["suppressed"] == true {
			suppressed++
		}
		if x["origin"] == "NP" && x["destination"] == "QA" && x["sector"] == "construction" && x["year"] == "2024" {
			cell = x
		}
	}
	if cell == nil || cell["suppressed"] != false || suppressed == 0 {
		t.Fatalf("want NP-QA construction 2024 published and some cells suppressed: %s", r.Body)
	}

	// Independently: the oldest ⌊n/10⌋·10 published NP→QA construction 2024 reports, NPR at
	// the fx mid-market rate per USD (the sample rate of 141 when fx is not wired),
	// nearest-rank median and mean in whole dollars.
	perUSD := decimal.NewFromInt(141)
	if a.FX != nil {
		if m, ok := a.FX.Snapshot().Mid("USD", "NPR"); ok {
			perUSD = m.Num.DivRound(m.Den, 10)
		}
	}
	cur, err := a.Store.DB().Collection("reviews").Find(context.Background(), bson.D{{Key: "status", Value: "published"},
		{Key: "origin", Value: "NP"}, {Key: "destination", Value: "QA"}, {Key: "sector", Value: "construction"}, {Key: "departure_year", Value: 2024}})
	if err != nil {
		t.Fatal(err)
	}
	var revs []kawan.Review
	if err := cur.All(context.Background(), &revs); err != nil {
		t.Fatal(err)
	}
	revs = slices.DeleteFunc(revs, func(r kawan.Review) bool { return r.FeesPaid == nil })
	slices.SortFunc(revs, func(a, b kawan.Review) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	revs = revs[:len(revs)/10*10]
	var usd []decimal.Decimal
	sum := decimal.Zero
	for _, rv := range revs {
		v := decimal.RequireFromString(rv.FeesPaid.Amount).DivRound(perUSD, 2)
		usd = append(usd, v)
		sum = sum.Add(v)
	}
	slices.SortFunc(usd, func(a, b decimal.Decimal) int { return a.Cmp(b) })
	median := usd[(len(usd)+1)/2-1].RoundBank(0).String()
	mean := sum.DivRound(decimal.NewFromInt(int64(len(usd))), 8).RoundBank(0).String()
	if cell["reports"] != float64(len(revs)) || cell["fee_usd_median"] != median || cell["fee_usd_mean"] != mean {
		t.Errorf("published %v; independent: reports %d median %s mean %s", cell, len(revs), median, mean)
	}

	for _, path := range []string{"/v1/stats/sdg-10-7-1?by=destination", "/v1/stats/agency-reviews?by=origin,destination&format=csv"} {
		if r := c.Do("GET", path, nil); r.Status != 200 || !strings.Contains(string(r.Body), "false") {
			t.Errorf("%s: %d %s", path, r.Status, r.Body)
		}
	}
	r = c.Do("GET", "/v1/help?country=QA", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"sample":true`) || !strings.Contains(string(r.Body), "SAMPLE DATA") {
		t.Fatalf("help: %d %s", r.Status, r.Body)
	}
	if r := c.Do("GET", "/v1/rights/QA", nil); r.Status != 200 {
		t.Fatalf("rights: %d", r.Status)
	}
}

// TestStatsKFromConfig: KAWAN_STATS_K reaches the statistics.
func TestStatsKFromConfig(t *testing.T) {
	a := apptest.New(t, func(c *config.Config) { c.StatsK = 25 })
	r := apitest.New(t, a.Server).Do("GET", "/v1/stats", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"k":25`) {
		t.Fatalf("catalogue: %d %s", r.Status, r.Body)
	}
}

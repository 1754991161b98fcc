package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// demoHelp loads the sample help directory shipped in the repo (fictional entries, each
// marked sample).
func demoHelp(ctx context.Context, a *App) error {
	_, err := a.Help.Seed(ctx)
	return err
}

// demoStatsReviewsMax: the statistics demo adds its reviews only to a database holding
// fewer published reviews than this (another area's demo reviews make it unnecessary).
const demoStatsReviewsMax = 300

// demoCohort is a group of fictional workers who went the same way in the same year, so
// that the demo statistics have cells with at least k contributors.
type demoCohort struct {
	origin, dest, sector string
	year, n              int
	feeLo, feeHi         int64   // in the origin currency
	zeroFee              float64 // share who paid nothing
	salLo, salHi         int64   // monthly, in the destination currency
}

var demoCohorts = []demoCohort{
	{"NP", "QA", "construction", 2024, 32, 90_000, 160_000, 0.03, 1000, 1400},
	{"NP", "QA", "construction", 2025, 24, 100_000, 170_000, 0.04, 1000, 1500},
	{"NP", "MY", "manufacturing", 2024, 22, 120_000, 220_000, 0.0, 1500, 1900},
	{"NP", "AE", "security", 2025, 14, 80_000, 140_000, 0.05, 1200, 1800},
	{"PH", "SA", "domestic_work", 2024, 26, 5_000, 25_000, 0.5, 1500, 1700},
	{"PH", "SA", "domestic_work", 2025, 12, 5_000, 25_000, 0.5, 1500, 1700},
	{"PH", "HK", "domestic_work", 2025, 18, 10_000, 40_000, 0.3, 4990, 5200},
	{"ID", "MY", "agriculture", 2024, 25, 3_000_000, 9_000_000, 0.1, 1500, 1800},
	{"ID", "TW", "manufacturing", 2025, 15, 20_000_000, 40_000_000, 0.0, 27_000, 30_000},
	{"BD", "SA", "construction", 2024, 20, 300_000, 550_000, 0.0, 1000, 1400},
	{"VN", "JP", "manufacturing", 2024, 16, 120_000_000, 220_000_000, 0.0, 160_000, 200_000},
	{"MM", "TH", "manufacturing", 2025, 12, 800_000, 2_000_000, 0.05, 9000, 11_500},
}

var demoCurrency = map[string]string{
	"NP": "NPR", "PH": "PHP", "ID": "IDR", "BD": "BDT", "LK": "LKR", "MM": "MMK", "KH": "KHR", "VN": "VND", "TH": "THB",
	"QA": "QAR", "AE": "AED", "SA": "SAR", "MY": "MYR", "KW": "KWD", "BH": "BHD", "OM": "OMR", "HK": "HKD", "SG": "SGD",
	"TW": "TWD", "JP": "JPY", "KR": "KRW", "CA": "CAD", "IL": "ILS", "SE": "SEK", "DE": "EUR",
}

var demoTexts = []string{
	"Demo review (fictional): the agency explained the contract and the job matched it.",
	"Demo review (fictional): I paid more than the receipt said and waited months to leave.",
	"Demo review (fictional): the salary was lower than promised in the first months.",
	"Demo review (fictional): staff answered my questions and helped when my employer changed.",
	"Demo review (fictional): they asked for extra money for the medical test and the visa.",
}

type demoAgency struct {
	ID           string   `bson:"_id"`
	Origin       string   `bson:"origin"`
	Destinations []string `bson:"destinations"`
	Sectors      []string `bson:"sectors"`
}

// loadDemoStatsReviews adds fictional published reviews of the demo agencies — cohorts
// large enough for k-anonymous cells plus scattered reports that stay suppressed — so the
// open-data tables show numbers on demo data. Each review text starts "Demo review
// (fictional)". They are stored as published fixtures (they never met the screener); the
// reviews reconciler counts and indexes them within a minute of start.
func loadDemoStatsReviews(ctx context.Context, a *App) error {
	db := a.Store.DB()
	n, err := db.Collection("reviews").CountDocuments(ctx, bson.D{{Key: "status", Value: kawan.ReviewPublished}})
	if err != nil {
		return store.Unavailable(err)
	}
	if n >= demoStatsReviewsMax {
		return nil
	}
	cur, err := db.Collection("agencies").Find(ctx, bson.D{{Key: "fictional", Value: true}},
		options.Find().SetProjection(bson.D{{Key: "origin", Value: 1}, {Key: "destinations", Value: 1}, {Key: "sectors", Value: 1}}))
	if err != nil {
		return store.Unavailable(err)
	}
	var ags []demoAgency
	if err := cur.All(ctx, &ags); err != nil {
		return store.Unavailable(err)
	}
	docs := demoStatsReviews(ags, time.Now().UTC())
	for i := 0; i < len(docs); i += 500 {
		if _, err := db.Collection("reviews").InsertMany(ctx, docs[i:min(i+500, len(docs))]); err != nil {
			return store.Classify("insert demo reviews", err)
		}
	}
	return nil
}

// demoStatsReviews generates the reviews (deterministic for a set of agencies and a day).
func demoStatsReviews(ags []demoAgency, now time.Time) []any {
	if len(ags) == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(2026, 9))
	byOrigin := map[string][]demoAgency{}
	for _, ag := range ags {
		byOrigin[ag.Origin] = append(byOrigin[ag.Origin], ag)
	}
	between := func(lo, hi int64) int64 { return (lo + r.Int64N(hi-lo+1)) / 100 * 100 }
	var docs []any
	worker := 0
	add := func(ag demoAgency, c demoCohort, withFee, withSalary bool) {
		worker++
		fee := between(c.feeLo, c.feeHi)
		if r.Float64() < c.zeroFee {
			fee = 0
		}
		stars := 5 - int(4*float64(fee-c.feeLo)/float64(max(c.feeHi-c.feeLo, 1))) + r.IntN(3) - 1
		stars = max(1, min(5, stars))
		rv := kawan.Review{ID: kawan.NewID(), AgencyID: ag.ID, AuthorID: fmt.Sprintf("demo-stats-worker-%04d", worker),
			Ratings: kawan.Ratings{Overall: stars, FeesHonesty: max(1, stars-r.IntN(2)), ContractMatch: stars, Treatment: max(1, min(5, stars+r.IntN(3)-1)),
				Support: max(1, min(5, stars+r.IntN(3)-1))},
			WouldRecommend: stars >= 4, Origin: c.origin, Destination: c.dest, Sector: c.sector, DepartureYear: c.year,
			Text: demoTexts[r.IntN(len(demoTexts))], Lang: "en", Status: kawan.ReviewPublished,
			Moderation: kawan.Moderation{Reason: "demo fixture"}, Version: 1,
			CreatedAt: now.Add(-time.Duration(1+r.IntN(300*24)) * time.Hour)}
		rv.UpdatedAt = rv.CreatedAt
		rv.AuthorSince = rv.CreatedAt.AddDate(0, -1, 0)
		if cur := demoCurrency[c.origin]; withFee && cur != "" {
			rv.FeesPaid = &kawan.Money{Amount: fmt.Sprint(fee), Currency: cur}
		}
		if cur := demoCurrency[c.dest]; withSalary && cur != "" {
			sal := c.salLo + r.Int64N(c.salHi-c.salLo+1)
			rv.SalaryReceived = &kawan.Money{Amount: fmt.Sprint(sal), Currency: cur}
			rv.SalaryPromised = &kawan.Money{Amount: fmt.Sprint(sal + sal/10*int64(r.IntN(2))), Currency: cur}
		}
		docs = append(docs, rv)
	}
	for _, c := range demoCohorts {
		pool := byOrigin[c.origin]
		var going []demoAgency
		for _, ag := range pool {
			for _, d := range ag.Destinations {
				if d == c.dest {
					going = append(going, ag)
				}
			}
		}
		if len(going) == 0 {
			going = pool
		}
		if len(going) == 0 {
			continue
		}
		for range c.n {
			add(going[r.IntN(len(going))], c, r.Float64() < 0.95, r.Float64() < 0.85)
		}
	}
	// Scattered reports: mostly in cells too small to publish.
	for range 250 {
		ag := ags[r.IntN(len(ags))]
		if len(ag.Destinations) == 0 || len(ag.Sectors) == 0 {
			continue
		}
		c := demoCohort{origin: ag.Origin, dest: ag.Destinations[r.IntN(len(ag.Destinations))], sector: ag.Sectors[r.IntN(len(ag.Sectors))],
			year: 2019 + r.IntN(7), feeLo: 1000, feeHi: 300_000, zeroFee: 0.1, salLo: 1000, salHi: 3000}
		add(ag, c, r.Float64() < 0.8, r.Float64() < 0.6)
	}
	return docs
}

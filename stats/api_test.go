package stats_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/stats"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// seed stores n published reviews of NP→QA construction workers (fee 141 000 NPR =
// 1000 USD, salary 1820 QAR = 500 USD), plus reviews that must not count.
func seed(t *testing.T, st *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		r := kawan.Review{ID: fmt.Sprintf("r%03d", i), AgencyID: "ag1", AuthorID: fmt.Sprintf("w%03d", i),
			Ratings: kawan.Ratings{Overall: 1 + i%5, FeesHonesty: 3, ContractMatch: 3, Treatment: 3, Support: 3}, WouldRecommend: i%2 == 0,
			Origin: "NP", Destination: "QA", Sector: "construction", DepartureYear: 2023,
			FeesPaid: &kawan.Money{Amount: "141000", Currency: "NPR"}, SalaryReceived: &kawan.Money{Amount: "1820", Currency: "QAR"},
			Text: "secret text", Lang: "en", Status: kawan.ReviewPublished, CreatedAt: t0.Add(time.Duration(i) * time.Hour)}
		if _, err := st.DB().Collection("reviews").InsertOne(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for i, status := range []kawan.ReviewStatus{kawan.ReviewHeld, kawan.ReviewRemoved, kawan.ReviewRejected, kawan.ReviewSuperseded, kawan.ReviewSubmitted, kawan.ReviewUnderReview} {
		r := kawan.Review{ID: fmt.Sprintf("x%d", i), AgencyID: "ag2", AuthorID: fmt.Sprintf("x%d", i), Ratings: kawan.Ratings{Overall: 5},
			Origin: "NP", Destination: "QA", Sector: "construction", DepartureYear: 2023,
			FeesPaid: &kawan.Money{Amount: "9999999", Currency: "NPR"}, Status: status, CreatedAt: t0}
		if _, err := st.DB().Collection("reviews").InsertOne(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []bson.D{
		{{Key: "_id", Value: "ag1"}, {Key: "sanctions", Value: bson.A{bson.D{{Key: "kind", Value: "suspension"}}}}},
		{{Key: "_id", Value: "ag2"}, {Key: "sanctions", Value: bson.A{}}},
		{{Key: "_id", Value: "ag3"}, {Key: "blacklisted", Value: true}},
	} {
		if _, err := st.DB().Collection("agencies").InsertOne(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStatsSource(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		seed(t, st, 3)
		src := store.NewStatsSource(st.DB())
		var got []stats.Fact
		if err := src.EachPublishedReview(context.Background(), func(f stats.Fact) error { got = append(got, f); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("only published reviews count: got %d", len(got))
		}
		f := got[0]
		if f.AuthorID == "" || f.Origin != "NP" || f.Year != 2023 || f.FeesPaid.Amount != "141000" || f.SalaryReceived.Currency != "QAR" ||
			f.Overall == 0 || !f.PublishedAt.Equal(t0) && !f.PublishedAt.After(t0) {
			t.Errorf("fact: %+v", f)
		}
		sanctioned := map[string]bool{}
		if err := src.EachAgencySanction(context.Background(), func(id string, s bool) error { sanctioned[id] = s; return nil }); err != nil {
			t.Fatal(err)
		}
		if !sanctioned["ag1"] || sanctioned["ag2"] || !sanctioned["ag3"] {
			t.Errorf("sanctions: %v", sanctioned)
		}
		stop := errors.New("stop")
		if err := src.EachPublishedReview(context.Background(), func(stats.Fact) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("callback error: %v", err)
		}
	})
}

func statsServer(t *testing.T, n, k int) *apitest.Client {
	t.Helper()
	st := storetest.New(t)
	seed(t, st, n)
	src := store.NewStatsSource(st.DB())
	svc := stats.New(src, src, nil, nil, stats.Options{K: k})
	return apitest.New(t, api.New(api.Deps{}, &api.StatsModule{Svc: svc}))
}

func TestStatsAPI(t *testing.T) {
	c := statsServer(t, 23, 10) // 23 published: 20 released (two steps of 10)

	r := c.Do("GET", "/v1/stats", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "CC BY 4.0") || !strings.Contains(string(r.Body), `"k":10`) {
		t.Fatalf("catalogue: %d %s", r.Status, r.Body)
	}
	r = c.Do("GET", "/v1/stats/recruitment-fees?by=origin,destination", nil)
	var tb struct {
		Cells []map[string]any
		K     int
	}
	r.JSON(t, &tb)
	if r.Status != 200 || len(tb.Cells) != 1 || tb.Cells[0]["reports"] != float64(20) || tb.Cells[0]["fee_usd_median"] != "1000" {
		t.Fatalf("fees: %d %s", r.Status, r.Body)
	}
	if r.Header.Get("Link") == "" || strings.Contains(string(r.Body), "secret") || strings.Contains(string(r.Body), "w00") {
		t.Errorf("licence link missing or private data leaked: %v %s", r.Header, r.Body)
	}
	r = c.Do("GET", "/v1/stats/sdg-10-7-1?origin=NP", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"ratio_median":"2.00"`) {
		t.Errorf("sdg: %d %s", r.Status, r.Body)
	}
	r = c.Do("GET", "/v1/stats/agency-reviews?by=destination", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"agencies_sanctioned_percent":"100"`) || !strings.Contains(string(r.Body), `"stars_1_percent":"20"`) {
		t.Errorf("agency reviews: %d %s", r.Status, r.Body)
	}
	r = c.Do("GET", "/v1/stats/recruitment-fees?by=sector&format=csv", nil)
	want := "sector,suppressed,reports,fee_usd_mean,fee_usd_p25,fee_usd_median,fee_usd_p75,paid_nothing_percent\r\nconstruction,false,20,1000,1000,1000,1000,0\r\n"
	if r.Status != 200 || string(r.Body) != want || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "kawan-recruitment-fees.csv") {
		t.Errorf("csv: %d %q %v", r.Status, r.Body, r.Header)
	}
	r = c.Do("GET", "/v1/stats/remittance-costs?corridor=SGD-PHP&amount=200&period=month", nil)
	if r.Status != 200 {
		t.Errorf("remittance costs without history: %d %s", r.Status, r.Body)
	}

	for q, field := range map[string]string{
		"recruitment-fees?by=religion":                       "by",
		"recruitment-fees?origin=Nepal":                      "origin",
		"recruitment-fees?year=next":                         "year",
		"recruitment-fees?format=xml":                        "format",
		"recruitment-fees?colour=red":                        "colour",
		"recruitment-fees?by=origin,origin":                  "by",
		"agency-reviews?sector=construction":                 "sector",
		"agency-reviews?by=year":                             "by",
		"sdg-10-7-1?by=a,b,c,d,e":                            "by",
		"remittance-costs?corridor=sgdphp":                   "corridor",
		"remittance-costs?amount=300":                        "amount",
		"remittance-costs?amount=x":                          "amount",
		"remittance-costs?period=hour":                       "period",
		"remittance-costs?since=yesterday":                   "since",
		"remittance-costs?since=2026-02-01&until=2026-01-01": "until",
		"remittance-costs?since=2020-01-01&until=2026-01-01": "since",
	} {
		r := c.Do("GET", "/v1/stats/"+q, nil)
		if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("GET %s: %d %s", q, r.Status, r.Body)
		}
	}
	if r := c.Do("GET", "/v1/stats?x=1", nil); r.Status != http.StatusBadRequest {
		t.Errorf("catalogue with unknown parameter: %d", r.Status)
	}
}

// TestStatsAPISuppressed: with fewer than k contributors the cell is marked suppressed and
// carries no figures, whatever the filter.
func TestStatsAPISuppressed(t *testing.T) {
	c := statsServer(t, 9, 10)
	for _, q := range []string{"", "?by=origin,destination,sector,year", "?origin=NP&destination=QA&sector=construction&year=2023"} {
		r := c.Do("GET", "/v1/stats/recruitment-fees"+q, nil)
		var tb struct{ Cells []map[string]any }
		r.JSON(t, &tb)
		if r.Status != 200 || len(tb.Cells) != 1 || tb.Cells[0]["suppressed"] != true || tb.Cells[0]["reports"] != nil ||
			tb.Cells[0]["fee_usd_mean"] != nil {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
		}
	}
	r := c.Do("GET", "/v1/stats/sdg-10-7-1?format=csv", nil)
	if string(r.Body) != "suppressed,reports,ratio_mean,ratio_median,over_one_month_percent\r\ntrue,,,,\r\n" {
		t.Errorf("suppressed csv: %q", r.Body)
	}
}

// BenchmarkStatsSourceScan reads 10 000 published reviews from the embedded FerretDB, as
// a snapshot does (go test ./stats -run X -bench StatsSourceScan).
func BenchmarkStatsSourceScan(b *testing.B) {
	st := storetest.New(b)
	ctx := context.Background()
	var docs []any
	for i := range 10_000 {
		docs = append(docs, kawan.Review{ID: fmt.Sprintf("r%05d", i), AgencyID: "ag1", AuthorID: fmt.Sprintf("w%05d", i),
			Ratings: kawan.Ratings{Overall: 1 + i%5}, Origin: "NP", Destination: "QA", Sector: "construction", DepartureYear: 2023,
			FeesPaid: &kawan.Money{Amount: "141000", Currency: "NPR"}, SalaryReceived: &kawan.Money{Amount: "1820", Currency: "QAR"},
			Text: strings.Repeat("review text ", 40), Lang: "en", Status: kawan.ReviewPublished, CreatedAt: t0})
	}
	for i := 0; i < len(docs); i += 1000 {
		if _, err := st.DB().Collection("reviews").InsertMany(ctx, docs[i:i+1000]); err != nil {
			b.Fatal(err)
		}
	}
	src := store.NewStatsSource(st.DB())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		if err := src.EachPublishedReview(ctx, func(stats.Fact) error { n++; return nil }); err != nil || n != 10_000 {
			b.Fatal(n, err)
		}
	}
}

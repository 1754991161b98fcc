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
	"github.com/kawan-labs/kawan/complaints"
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

// Canary details of the complaints in TestComplaintsTableAPI: none may appear in the table.
var complaintCanaries = []string{"Canaryname Gurung", "PX4471CANARY", "+977 980 444 7171", "canary.4471@example.org", "canaryhandle4471",
	"canary text of what happened 4471", "Canary Place 4471", "Canary Employer 4471", "987654", "KC-"}

// seedComplaints stores n complaints against ag1 (QA, Nepali workers, wages unpaid) with
// canary details, the first three resolved with money recovered and then erased at the
// worker's request, plus one hidden from the agency and one against an employer.
func seedComplaints(t *testing.T, st *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	cs := store.NewComplaints(st.DB())
	mk := func(i int, against complaints.Against, hidden bool) *complaints.Case {
		at := t0.Add(time.Duration(i) * time.Hour)
		c := &complaints.Case{ID: fmt.Sprintf("KC-%05d-CANRY", i), Version: 1, State: complaints.Referred, Complainant: fmt.Sprintf("cw%03d", i),
			Against: against, Facts: []string{"wages_unpaid"}, HappenedOn: "2026-01-15", Country: "QA", Nationality: "NP",
			Place: "Canary Place 4471", Amounts: []complaints.Amount{{What: "wages_owed", Amount: "987654", Currency: "NPR"}},
			Text: "canary text of what happened 4471", Lang: "en", HideFromAgency: hidden,
			Private: complaints.Private{Name: "Canaryname Gurung", Passport: "PX4471CANARY", Phone: "+977 980 444 7171", Email: "canary.4471@example.org",
				MessagingApp: "whatsapp", MessagingHandle: "canaryhandle4471"},
			Steps:    []complaints.Step{{To: complaints.Submitted, At: at, By: "worker"}, {From: complaints.Submitted, To: complaints.Referred, At: at, By: "worker"}},
			Messages: []complaints.Message{{ID: "m1", At: at, From: "worker", Text: "canary text of what happened 4471"}}, CreatedAt: at, UpdatedAt: at}
		if i < 3 {
			c.State = complaints.Resolved
			c.Outcome = &complaints.Outcome{Kind: "money_recovered", Recovered: &kawan.Money{Amount: "987654", Currency: "NPR"}, Note: "Canaryname Gurung was paid"}
			c.Steps = append(c.Steps, complaints.Step{From: complaints.Referred, To: complaints.Accepted, At: at, By: "partner"},
				complaints.Step{From: complaints.Accepted, To: complaints.Resolved, At: at, By: "partner", Outcome: c.Outcome})
		}
		return c
	}
	for i := range n {
		c := mk(i, complaints.Against{Kind: "agency", AgencyID: "ag1"}, false)
		if err := cs.InsertCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		if i < 3 { // erased at the worker's request: what remains still counts
			prev := c.Version
			complaints.Anonymise(c, t0.Add(1000*time.Hour))
			c.Version++
			if ok, err := cs.ReplaceCase(ctx, prev, c); err != nil || !ok {
				t.Fatal(ok, err)
			}
		}
	}
	for i, c := range []*complaints.Case{mk(n, complaints.Against{Kind: "agency", AgencyID: "ag1"}, true), mk(n+1, complaints.Against{Kind: "employer", Name: "Canary Employer 4471"}, false)} {
		_ = i
		if err := cs.InsertCase(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
}

// TestComplaintsTableAPI: GET /v1/stats/complaints through the API on a real store: the
// counts (erased complaints keep counting, a hidden one is left out of its agency), no
// canary detail of any complaint in any grouping as JSON or CSV, and bad parameters are
// 400 naming the parameter.
func TestComplaintsTableAPI(t *testing.T) {
	st := storetest.New(t)
	seedComplaints(t, st, 8) // 8 against ag1 + 1 hidden + 1 against an employer: 10 workers
	src := store.NewStatsSource(st.DB())
	svc := stats.New(src, src, nil, nil, stats.Options{K: 5, Complaints: src})
	c := apitest.New(t, api.New(api.Deps{}, &api.StatsModule{Svc: svc}))

	var tb struct{ Cells []map[string]any }
	r := c.Do("GET", "/v1/stats/complaints?by=destination,nationality,fact", nil)
	r.JSON(t, &tb)
	if r.Status != 200 || len(tb.Cells) != 1 || tb.Cells[0]["received"] != float64(10) || tb.Cells[0]["resolved"] != float64(3) ||
		tb.Cells[0]["outcome_money_recovered"] != float64(3) || tb.Cells[0]["accepted"] != float64(3) || tb.Cells[0]["fact_wages_unpaid"] != float64(10) {
		t.Fatalf("by destination, nationality, fact: %d %s", r.Status, r.Body)
	}
	// ag1: 8 workers, the hidden complaint left out: 5 released (one step of k).
	r = c.Do("GET", "/v1/stats/complaints?by=agency,year", nil)
	r.JSON(t, &tb)
	if r.Status != 200 || len(tb.Cells) != 1 || tb.Cells[0]["agency"] != "ag1" || tb.Cells[0]["year"] != "2026" || tb.Cells[0]["received"] != float64(5) ||
		tb.Cells[0]["resolved"] != float64(3) {
		t.Fatalf("by agency: %d %s", r.Status, r.Body)
	}
	r = c.Do("GET", "/v1/stats/complaints?by=fact&format=csv", nil)
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), "fact,suppressed,received,accepted,resolved,outcome_money_recovered,") ||
		!strings.Contains(string(r.Body), "\r\nwages_unpaid,false,10,3,3,3,") || !strings.Contains(r.Header.Get("Content-Disposition"), "kawan-complaints.csv") {
		t.Errorf("csv: %d %q", r.Status, r.Body)
	}
	// The canary: every grouping and filter, JSON and CSV, and the catalogue.
	queries := []string{"", "?by=year", "?by=destination", "?by=nationality", "?by=fact", "?by=year,destination,nationality,fact",
		"?by=agency", "?by=agency,year", "?agency=ag1", "?destination=QA&nationality=NP&fact=wages_unpaid&year=2026"}
	for _, q := range queries {
		for _, format := range []string{"", "format=csv"} {
			path := "/v1/stats/complaints" + q
			if format != "" {
				path += map[bool]string{true: "?", false: "&"}[q == ""] + format
			}
			r := c.Do("GET", path, nil)
			if r.Status != 200 {
				t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
			}
			for _, canary := range complaintCanaries {
				if strings.Contains(string(r.Body), canary) {
					t.Errorf("GET %s shows %q: %s", path, canary, r.Body)
				}
			}
		}
	}
	if r := c.Do("GET", "/v1/stats", nil); !strings.Contains(string(r.Body), `"table":"complaints"`) {
		t.Errorf("the catalogue does not list the complaints table: %s", r.Body)
	}
	for q, field := range map[string]string{
		"by=religion":                  "by",
		"by=fact,fact":                 "by",
		"by=agency,destination":        "by",
		"agency=ag1&nationality=NP":    "nationality",
		"nationality=Nepal":            "nationality",
		"destination=qa":               "destination",
		"fact=Wages%20unpaid":          "fact",
		"agency=ag%201":                "agency",
		"year=twenty":                  "year",
		"format=xlsx":                  "format",
		"text=x":                       "text",
		"fact=abuse&fact=wages_unpaid": "fact",
		"by=year&by=fact":              "by",
	} {
		r := c.Do("GET", "/v1/stats/complaints?"+q, nil)
		if r.Status != 400 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") ||
			!strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("GET ?%s: %d %s, want 400 naming %s", q, r.Status, r.Body, field)
		}
	}
}

package moderation_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/stats"
	"github.com/kawan-labs/kawan/store"
)

// TestFlagsDoNotMoveOpenData is the differencing attack of issue 21 through the API: three
// fresh accounts flag one worker's review until it is hidden; the next statistics snapshot
// must publish exactly the same cells (a flags-only hide keeps counting), so the hidden
// worker's fee cannot be computed from two downloads. A moderator's removal does change
// the cell (the accepted limit of docs/open-data.md).
func TestFlagsDoNotMoveOpenData(t *testing.T) {
	e := newEnv(t, moderation.Options{}, "ag-od")
	c := evalServer(t, e, map[string]time.Time{})
	fees := []string{"90000", "100000", "110000", "95000", "105000", "98000", "102000", "97000", "103000", "1165000"}
	texts := []string{"The fee was higher than the law allows.", "Contract changed at the airport, salary lower.", "They kept my passport three weeks.",
		"Training centre was crowded and hot.", "Medical was done twice, paid both.", "Fine agency, slow visa.", "Employer kind, agency silent after.",
		"Receipt only for half of what I paid.", "Dormitory far from the site.", "Sub-agent in my village took extra money."}
	var target string
	for i, fee := range fees {
		body := map[string]any{
			"ratings":         map[string]int{"overall": 3, "fees_honesty": 2, "contract_match": 3, "treatment": 3, "support": 3},
			"would_recommend": false, "origin": "NP", "destination": "QA", "sector": "construction", "departure_year": 2024,
			"fees_paid": map[string]string{"amount": fee, "currency": "NPR"},
			"text":      texts[i],
		}
		res := c.As(fmt.Sprintf("u:od%d", i)).Do(http.MethodPost, "/v1/agencies/ag-od/reviews", body, "X-Test-FP", fmt.Sprint("c", i), "X-Test-Net", fmt.Sprint("n", i))
		var cr created
		res.JSON(t, &cr)
		if res.Status != http.StatusCreated || cr.Status != "published" {
			t.Fatalf("submit %d: %d %s", i, res.Status, res.Body)
		}
		if i == len(fees)-1 {
			target = cr.ID // the worker who paid far more
		}
	}
	src := store.NewStatsSource(e.st.DB())
	svc := stats.New(src, src, nil, nil, stats.Options{K: 10})
	sc := apitest.New(t, api.New(api.Deps{}, &api.StatsModule{Svc: svc}))
	download := func() string {
		t.Helper()
		if _, err := svc.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		r := sc.Do(http.MethodGet, "/v1/stats/recruitment-fees?by=origin,destination&format=csv", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("stats: %d %s", r.Status, r.Body)
		}
		return string(r.Body)
	}
	before := download()
	for i := range 3 {
		r := c.As(fmt.Sprintf("u:flagger%d", i)).Do(http.MethodPost, "/v1/reviews/"+target+"/flags", map[string]any{"reason": "fake"})
		if r.Status != http.StatusOK && r.Status != http.StatusCreated {
			t.Fatalf("flag: %d %s", r.Status, r.Body)
		}
	}
	if s := status(t, e, target); s != kawan.ReviewUnderReview {
		t.Fatalf("flagged review is %s, want hidden (under review)", s)
	}
	if r := c.Do(http.MethodGet, "/v1/reviews/"+target, nil); r.Status != http.StatusNotFound {
		t.Errorf("the hidden review is public: %d", r.Status)
	}
	if after := download(); after != before {
		t.Errorf("a hide by flags moved released open data:\nbefore %s\nafter  %s", before, after)
	}
	// A moderator decides: removal takes it out of the statistics.
	mod := kawan.Principal{UserID: "mod", Role: kawan.RoleModerator}
	if _, err := e.mod.Decide(context.Background(), mod, target, moderation.Decision{Action: moderation.ActionRemove, Reason: moderation.ReasonFake}); err != nil {
		t.Fatal(err)
	}
	if after := download(); after == before {
		t.Errorf("a moderator's removal left the statistics unchanged: %s", after)
	}
}

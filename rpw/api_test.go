package rpw_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/rpw"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

// GET /v1/corridors/{corridor}/survey, checked against openapi.yaml: the survey's reference
// with its attribution, and clear problem answers when there is none.
func TestSurveyAPI(t *testing.T) {
	svc := rpw.New(rpw.Options{Store: store.NewRPW(storetest.New(t).DB())})
	fxs, err := fx.New(fx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := apitest.New(t, api.New(api.Deps{}, &api.FXModule{Svc: fxs, Survey: svc}))
	if res := c.Do(http.MethodGet, "/v1/corridors/SGD-PHP/survey", nil); res.Status != http.StatusNotFound ||
		!strings.Contains(string(res.Body), "the World Bank survey has no corridor from SGD to PHP") {
		t.Fatalf("before import: %d %s", res.Status, res.Body)
	}
	if _, err := svc.Import(context.Background(), read(t, fixture()), rpw.ImportOptions{Fictional: true}); err != nil {
		t.Fatal(err)
	}
	res := c.Do(http.MethodGet, "/v1/corridors/SGD-PHP/survey", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("survey: %d %s", res.Status, res.Body)
	}
	var got rpw.CorridorSurvey
	res.JSON(t, &got)
	a, _ := got.Surveys[0].Amount(rpw.USD200)
	if got.Period != "2025_3Q" || a.AverageCostPercent != "2.96" || a.SmartCostPercent != "1.40" ||
		got.Attribution.Text != "The World Bank, Remittance Prices Worldwide" || got.Attribution.Licence != "CC BY 4.0" ||
		got.Surveys[0].Services[3].Transparent != "no" || got.Surveys[0].Services[5].USD200.TotalCostPercent != "-0.35" {
		t.Errorf("survey %s", res.Body)
	}
	if res := c.Do(http.MethodGet, "/v1/corridors/SGD-PHP/survey?period=2024_4Q", nil); res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"period":"2024_4Q"`) {
		t.Errorf("period: %d %s", res.Status, res.Body)
	}
	for _, bad := range []struct {
		url, field string
		status     int
	}{
		{"/v1/corridors/SGD-PHX/survey", "corridor", 400},
		{"/v1/corridors/sgd-php/survey", "corridor", 400},
		{"/v1/corridors/SGD-PHP/survey?period=2025-Q3", "period", 400},
		{"/v1/corridors/SGD-PHP/survey?year=2025", "year", 400},
		{"/v1/corridors/SGD-PHP/survey?period=2019_1Q", "", 404},
		{"/v1/corridors/JPY-VND/survey", "", 404},
	} {
		res := c.Do(http.MethodGet, bad.url, nil)
		if res.Status != bad.status || !strings.Contains(res.Header.Get("Content-Type"), "application/problem+json") || !strings.Contains(string(res.Body), bad.field) {
			t.Errorf("%s: %d %s %s", bad.url, res.Status, res.Header.Get("Content-Type"), res.Body)
		}
	}
}

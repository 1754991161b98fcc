package fx_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

type staticTokens map[string]kawan.Principal

func (s staticTokens) VerifyAccessToken(_ context.Context, tok string) (kawan.Principal, error) {
	if p, ok := s[tok]; ok {
		return p, nil
	}
	return kawan.Principal{}, errors.New("bad token")
}

var apiNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// fxServer serves the bundled demo feeds (at their own epoch) with ten days of demo history.
func fxServer(t *testing.T) (*apitest.Client, *fx.Service) {
	t.Helper()
	st := store.NewFX(storetest.New(t).DB())
	svc, err := fx.New(fx.Options{Store: st, Now: func() time.Time { return apiNow }})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SynthesizeDemoHistory(context.Background(), st, 10, 1); err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Deps{Tokens: staticTokens{
		"admin":  {UserID: "a1", Role: kawan.RoleAdmin},
		"worker": {UserID: "w1", Role: kawan.RoleWorker},
	}}, &api.FXModule{Svc: svc})
	return apitest.New(t, srv), svc
}

func TestFXAPI(t *testing.T) {
	c, _ := fxServer(t)
	res := c.Do(http.MethodGet, "/v1/quotes?send_currency=SGD&receive_currency=PHP&amount=500", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("quotes: %d %s", res.Status, res.Body)
	}
	var cmp fx.WireComparison
	res.JSON(t, &cmp)
	if len(cmp.Quotes) < 5 || cmp.MidRate == nil || cmp.Amount != "500.00" || cmp.Mode != "send" {
		t.Fatalf("comparison %+v", cmp)
	}
	stale := false
	for i, q := range cmp.Quotes {
		stale = stale || q.Stale
		if i > 0 && mustDecimal(t, q.ReceiveAmount).GreaterThan(mustDecimal(t, cmp.Quotes[i-1].ReceiveAmount)) {
			t.Errorf("send mode not ordered by receive_amount: %s after %s", q.ReceiveAmount, cmp.Quotes[i-1].ReceiveAmount)
		}
	}
	if !stale {
		t.Error("the demo's Harbour Bank feed is meant to be stale and labelled so")
	}

	res = c.Do(http.MethodGet, "/v1/quotes?send_currency=JPY&receive_currency=VND&amount=5000000&mode=receive&sort=speed", nil)
	res.JSON(t, &cmp)
	if res.Status != http.StatusOK || len(cmp.Quotes) == 0 || cmp.AmountCurrency != "VND" {
		t.Fatalf("receive mode: %d %s", res.Status, res.Body)
	}
	for _, q := range cmp.Quotes {
		if !strings.HasSuffix(q.SendAmount, "") || strings.Contains(q.SendAmount, ".") {
			t.Errorf("JPY send amount with decimals: %s", q.SendAmount)
		}
	}

	// Nobody serves it: 200, empty, with a reason.
	res = c.Do(http.MethodGet, "/v1/quotes?send_currency=EUR&receive_currency=PHP&amount=100", nil)
	res.JSON(t, &cmp)
	if res.Status != http.StatusOK || len(cmp.Quotes) != 0 || cmp.Reason == "" {
		t.Errorf("unserved corridor: %d %s", res.Status, res.Body)
	}

	for _, path := range []string{"/v1/corridors", "/v1/providers", "/v1/providers/demo-lautan-remit", "/v1/feeds/status",
		"/v1/corridors/SGD-PHP/history", "/v1/corridors/SGD-PHP/history?provider=demo-merlion-fx&from=2026-11-15&to=2026-11-21",
		"/v1/corridors/SGD-PHP/daily-costs?from=2026-11-01"} {
		if res := c.Do(http.MethodGet, path, nil); res.Status != http.StatusOK {
			t.Errorf("%s: %d %s", path, res.Status, res.Body)
		}
	}
	var corridors struct {
		Corridors []fx.CorridorInfo `json:"corridors"`
		Total     int               `json:"total"`
	}
	c.Do(http.MethodGet, "/v1/corridors", nil).JSON(t, &corridors)
	if corridors.Total < 30 || corridors.Total != len(corridors.Corridors) {
		t.Errorf("%d corridors", corridors.Total)
	}
	var days struct {
		Days []fx.DailyCost `json:"days"`
	}
	c.Do(http.MethodGet, "/v1/corridors/SGD-PHP/daily-costs?from=2026-11-01", nil).JSON(t, &days)
	if len(days.Days) < 10 {
		t.Errorf("daily costs: %d days", len(days.Days))
	}
	if res := c.Do(http.MethodGet, "/v1/providers/nobody", nil); res.Status != http.StatusNotFound {
		t.Errorf("unknown provider: %d", res.Status)
	}
}

// TestFXAPIBadInput: every bad parameter is a 400 problem naming it; never a 500.
func TestFXAPIBadInput(t *testing.T) {
	c, _ := fxServer(t)
	cases := []struct{ path, field string }{
		{"/v1/quotes?receive_currency=PHP&amount=1", "send_currency"},
		{"/v1/quotes?send_currency=SGD&amount=1", "receive_currency"},
		{"/v1/quotes?send_currency=SGD&receive_currency=PHP", "amount"},
		{"/v1/quotes?send_currency=SG&receive_currency=PHP&amount=1", "send_currency"},
		{"/v1/quotes?send_currency=SGD&receive_currency=ABC&amount=1", "receive_currency"},
		{"/v1/quotes?send_currency=SGD&receive_currency=PHP&amount=0", "amount"},
		{"/v1/quotes?send_currency=SGD&receive_currency=PHP&amount=-5", "amount"},
		{"/v1/quotes?send_currency=SGD&receive_currency=PHP&amount=1e3", "amount"},
		{"/v1/quotes?send_currency=SGD&receive_currency=PHP&amount=10.001", "amount"},
		{"/v1/quotes?send_currency=JPY&receive_currency=VND&amount=100.5", "amount"},
		{"/v1/quotes?send_currency=SGD&receive_currency=VND&amount=10.5&mode=receive", "amount"},
		{"/v1/quotes?send_currency=KWD&receive_currency=PHP&amount=1.0001", "amount"},
		{"/v1/quotes?send_currency=SGD&receive_currency=PHP&amount=" + strings.Repeat("9", 300), "amount"},
		{"/v1/quotes?send_currency=SGD&receive_currency=PHP&amount=1&mode=both", "mode"},
		{"/v1/quotes?send_currency=SGD&receive_currency=PHP&amount=1&sort=cheap", "sort"},
		{"/v1/quotes?send_currency=SGD&receive_currency=PHP&amount=1&payout_method=pigeon", "payout_method"},
		{"/v1/quotes?send_currency=SGD&receive_currency=PHP&amount=1&ammount=2", "ammount"},
		{"/v1/quotes?send_currency=SGD&send_currency=MYR&receive_currency=PHP&amount=1", "send_currency"},
		{"/v1/corridors/SGDPHP/history", "corridor"},
		{"/v1/corridors/SGD-XXX/daily-costs", "corridor"},
		{"/v1/corridors/SGD-PHP/history?from=yesterday", "from"},
		{"/v1/corridors/SGD-PHP/history?from=2025-01-01&to=2026-01-01", "from"},
		{"/v1/corridors/SGD-PHP/history?provider=Bad!", "provider"},
	}
	for _, tc := range cases {
		res := c.Do(http.MethodGet, tc.path, nil)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", tc.path, res.Status, res.Body)
			continue
		}
		var p api.Problem
		res.JSON(t, &p)
		if len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: want field %s, got %+v", tc.path, tc.field, p.Errors)
		}
	}
}

// TestFXAPIPush: admins push feeds; others may not; a bad feed is a 400 and changes nothing.
func TestFXAPIPush(t *testing.T) {
	c, svc := fxServer(t)
	feed, err := os.ReadFile("testdata/provider-feed.json")
	if err != nil {
		t.Fatal(err)
	}
	if res := c.Do(http.MethodPut, "/v1/admin/feeds/acme", feed); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous push: %d", res.Status)
	}
	if res := c.As("worker").Do(http.MethodPut, "/v1/admin/feeds/acme", feed); res.Status != http.StatusForbidden {
		t.Errorf("worker push: %d", res.Status)
	}
	// The fixture is dated 2026-11-22T08:00Z, an hour before apiNow: accepted.
	res := c.As("admin").Do(http.MethodPut, "/v1/admin/feeds/acme", feed)
	if res.Status != http.StatusOK {
		t.Fatalf("admin push: %d %s", res.Status, res.Body)
	}
	if _, ok := svc.Snapshot().Provider("acme-remit"); !ok {
		t.Fatal("pushed provider not served")
	}
	bad := strings.NewReplacer(`"41.8350"`, `"abc"`, `"41.7000"`, `"0"`).Replace(string(feed))
	res = c.As("admin").Do(http.MethodPut, "/v1/admin/feeds/acme", bad)
	var p api.Problem
	res.JSON(t, &p)
	if res.Status != http.StatusBadRequest || len(p.Errors) < 3 || p.Errors[0].Field != "body" || !strings.Contains(p.Errors[0].Reason, "2 of 2 corridors fail") ||
		p.Errors[1].Field != "corridors[0].exchange_rate" {
		t.Errorf("bad push: %d %+v", res.Status, p)
	}
	cmp, _ := svc.Compare(context.Background(), fx.Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "500"})
	found := false
	for _, q := range cmp.Quotes {
		found = found || (q.Provider().ID == "acme-remit" && q.ExchangeRate() == "41.835")
	}
	if !found {
		t.Error("a rejected push replaced the good data")
	}
	huge := strings.Repeat(" ", fx.MaxFeedBytes+10)
	if res := c.As("admin").Do(http.MethodPut, "/v1/admin/feeds/acme", huge); res.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("huge push: %d", res.Status)
	}
}

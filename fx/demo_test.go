package fx

import (
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/fx/demofeeds"
)

// TestDemoFeeds: every bundled feed parses and passes validation, offered rates are within
// the bound of mid, at least 12 fictional providers cover the corridors of the issue, and
// every corridor has a mid-market rate.
func TestDemoFeeds(t *testing.T) {
	provs, rates, err := DemoFeeds()
	if err != nil {
		t.Fatal(err)
	}
	var sets []RateSet
	for _, f := range rates {
		rs, _ := f.Latest()
		sets = append(sets, rs)
	}
	for _, f := range provs {
		if err := CheckAgainstMid(f, sets, DefaultBounds); err != nil {
			t.Errorf("%s: %v", f.Providers[0].ID, err)
		}
	}
	s := BuildSnapshot(provs, rates, DefaultBounds, demofeeds.Epoch)
	if len(s.Notes) > 0 {
		t.Errorf("notes: %q", s.Notes)
	}
	if n := len(s.Providers()); n < 12 {
		t.Errorf("%d providers, want at least 12", n)
	}
	for _, p := range s.Providers() {
		if !strings.HasPrefix(p.ID, "demo-") || !strings.Contains(p.Name, "fictional") {
			t.Errorf("provider %s %q is not clearly fictional", p.ID, p.Name)
		}
	}
	want := "SGD-PHP SGD-IDR SGD-MMK SGD-INR SGD-BDT MYR-IDR MYR-NPR MYR-BDT MYR-MMK HKD-PHP HKD-IDR THB-MMK THB-KHR THB-LAK " +
		"QAR-NPR QAR-PHP QAR-IDR SAR-NPR SAR-PHP SAR-IDR AED-NPR AED-PHP AED-IDR KWD-NPR KWD-PHP KWD-IDR JPY-VND JPY-PHP KRW-VND KRW-KHR USD-VND"
	have := map[string]CorridorInfo{}
	for _, c := range s.Corridors() {
		have[CorridorKey(c.SendCurrency, c.ReceiveCurrency)] = c
	}
	for _, k := range strings.Fields(want) {
		c, ok := have[k]
		if !ok || !c.HasMidRate {
			t.Errorf("corridor %s: served %v, mid rate %v", k, ok, c.HasMidRate)
		}
	}
}

// TestDemoRateBandsAndProducts: the fictional demo shows rate bands and products working:
// Padala Express gives a better rate above SGD 1,300 on its Standard product and also
// offers an Express product on the same corridor, payout and funding method.
func TestDemoRateBandsAndProducts(t *testing.T) {
	s := demoSnapshot(t)
	rates := map[string]map[string]string{}
	for _, amount := range []string{"1300", "1300.01"} {
		cmp, err := s.Compare(Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: amount, PayoutMethod: "bank_account", FundingMethod: "bank_transfer"}, demofeeds.Epoch)
		if err != nil {
			t.Fatal(err)
		}
		rates[amount] = map[string]string{}
		for _, q := range cmp.Quotes {
			if q.Provider().ID == "demo-padala-express" {
				rates[amount][q.Product()] = q.ExchangeRate()
			}
		}
	}
	if rates["1300"]["Standard"] != "43.0267" || rates["1300.01"]["Standard"] != "43.15" || rates["1300"]["Express"] != "42.91" || len(rates["1300"]) != 2 {
		t.Errorf("padala express rates by product: %v", rates)
	}
}

package fx

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseProviderJSON(t *testing.T) {
	f := mustParse(t, readFixture(t, "provider-feed.json"))
	if f.Format != FormatProviderJSON || len(f.Providers) != 1 || len(f.Offers) != 2 {
		t.Fatalf("got %+v", f)
	}
	p := f.Providers[0]
	if p.ID != "acme-remit" || p.Kind != "money_transfer_operator" || !reflect.DeepEqual(p.LicensedIn, []string{"SG"}) {
		t.Errorf("provider %+v", p)
	}
	o := f.Offers[0]
	if o.Send.Code != "SGD" || o.Receive.Code != "PHP" || o.Rate.String() != "41.835" || o.MinSend.String() != "10" ||
		o.MaxSend.String() != "5000" || o.ValidFor != 6*time.Hour || !o.GeneratedAt.Equal(time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("offer %+v", o)
	}
	if len(o.Fees) != 3 || !o.Fees[0].Bounded || o.Fees[2].Bounded || !o.Fees[2].HasMin || !o.Fees[2].HasMax || o.Fees[1].Percent.String() != "0.25" {
		t.Errorf("fees %+v", o.Fees)
	}
}

// TestParseCSVMatchesJSON: the CSV fixture describes the same acme-remit offers as the JSON one.
func TestParseCSVMatchesJSON(t *testing.T) {
	j := mustParse(t, readFixture(t, "provider-feed.json"))
	c := mustParse(t, readFixture(t, "provider-feed.csv"))
	if c.Format != FormatProviderCSV || len(c.Providers) != 2 || len(c.Offers) != 3 {
		t.Fatalf("got %d providers, %d offers", len(c.Providers), len(c.Offers))
	}
	for i := 0; i < 2; i++ {
		a, b := j.Offers[i], c.Offers[i]
		if a.Key() != b.Key() || !a.Rate.Equal(b.Rate) || a.PayoutMethod != b.PayoutMethod || len(a.Fees) != len(b.Fees) || !a.MaxSend.Equal(b.MaxSend) {
			t.Errorf("offer %d differs:\njson %+v\n csv %+v", i, a, b)
		}
		for k := range a.Fees {
			fa, fb := a.Fees[k], b.Fees[k]
			if fa.Bounded != fb.Bounded || !fa.UpTo.Equal(fb.UpTo) || !fa.Flat.Equal(fb.Flat) || !fa.Percent.Equal(fb.Percent) ||
				fa.HasMin != fb.HasMin || !fa.MinFee.Equal(fb.MinFee) || fa.HasMax != fb.HasMax || !fa.MaxFee.Equal(fb.MaxFee) {
				t.Errorf("offer %d band %d: json %+v csv %+v", i, k, fa, fb)
			}
		}
	}
	if p := c.Providers[1]; p.Name != "Nusantara Pay, Ltd" || p.Kind != "money_transfer_operator" {
		t.Errorf("quoted CSV field: %+v", p)
	}
}

func TestParseECB(t *testing.T) {
	daily := mustParse(t, readFixture(t, "eurofxref-daily.xml"))
	rs, ok := daily.Latest()
	if !ok || rs.Base != "EUR" || len(rs.Rates) != 6 || !rs.AsOf.Equal(time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)) {
		t.Fatalf("daily: %+v", rs)
	}
	// Cross rate SGD→PHP = rate(PHP)/rate(SGD) = 63.147 / 1.4539.
	m, ok := midFor("SGD", "PHP", []RateSet{rs})
	if !ok || m.Num.String() != "63.147" || m.Den.String() != "1.4539" || m.Rate().String() != "43.43283582" {
		t.Errorf("SGD→PHP mid %+v (%s)", m, m.Rate())
	}
	// EUR itself is the base.
	if m, ok := midFor("EUR", "JPY", []RateSet{rs}); !ok || m.Rate().String() != "164.91" {
		t.Errorf("EUR→JPY %+v", m)
	}
	hist := mustParse(t, readFixture(t, "eurofxref-hist.xml"))
	if len(hist.RateSets) != 3 {
		t.Fatalf("hist: %d days", len(hist.RateSets))
	}
	latest, _ := hist.Latest()
	if latest.AsOf.Format(time.DateOnly) != "2026-11-20" || latest.Rates["PHP"].String() != "63.147" {
		t.Errorf("hist latest %+v", latest)
	}
}

func TestParseRatesJSONAndCrossBase(t *testing.T) {
	rates := mustParse(t, readFixture(t, "rates.json"))
	ecb := mustParse(t, readFixture(t, "eurofxref-daily.xml"))
	r1, _ := rates.Latest()
	r2, _ := ecb.Latest()
	// Both have SGD and PHP: the fresher (rates.json, 2026-11-22) wins.
	m, _ := midFor("SGD", "PHP", []RateSet{r2, r1})
	if m.Source != "Example rates" || m.Num.String() != "58.12" || m.Den.String() != "1.34" {
		t.Errorf("freshest: %+v", m)
	}
	// JPY is only in the ECB table and NPR only in the USD one: cross through USD
	// (JPY→USD from ECB, USD→NPR from rates.json) = (1.0850 × 135.40) / (164.91 × 1).
	m, ok := midFor("JPY", "NPR", []RateSet{r2, r1})
	if !ok || !m.Num.Equal(mustDec("1.0850").Mul(mustDec("135.40"))) || !m.Den.Equal(mustDec("164.91")) {
		t.Errorf("JPY→NPR: %+v", m)
	}
	if !m.AsOf.Equal(r2.AsOf) {
		t.Errorf("a cross of two tables is as old as the older: %v", m.AsOf)
	}
}

// TestRatesBaseListedAtOne: most public rate APIs list the base itself at 1; such a feed is
// read as if the base were not listed (issue 16).
func TestRatesBaseListedAtOne(t *testing.T) {
	goodRates := string(readFixture(t, "rates.json"))
	for _, one := range []string{"1", "1.0", "1.000000"} {
		f, err := ParseFeed([]byte(strings.Replace(goodRates, `"PHP":"58.12"`, `"USD":"`+one+`","PHP":"58.12"`, 1)), ParseOptions{Now: testNow})
		if err != nil {
			t.Fatalf("base listed at %s rejected: %v", one, err)
		}
		rs, _ := f.Latest()
		if _, listed := rs.Rates["USD"]; listed || len(rs.Rates) != 5 {
			t.Errorf("base at %s: rates %v", one, rs.Rates)
		}
		if m, ok := midFor("SGD", "USD", []RateSet{rs}); !ok || m.Num.String() != "1" || m.Den.String() != "1.34" {
			t.Errorf("SGD→USD mid %+v", m)
		}
	}
}

// TestRejections: each broken feed is rejected as a whole with a reason naming the problem.
func TestRejections(t *testing.T) {
	good := string(readFixture(t, "provider-feed.json"))
	goodCSV := string(readFixture(t, "provider-feed.csv"))
	goodRates := string(readFixture(t, "rates.json"))
	goodECB := string(readFixture(t, "eurofxref-daily.xml"))
	// quarantine: the problem is in one corridor of two, which is left out with the reason
	// while the other is used; the same problem in most corridors rejects the feed.
	cases := []struct {
		name, feed, reason string
		quarantine         bool
	}{
		{"empty", "  ", "empty", false},
		{"not JSON", `{"format":`, "JSON", false},
		{"unknown format", `{"format":"acme/v9"}`, "format", false},
		{"trailing data", good + "{}", "JSON", false},
		{"unknown field", strings.Replace(good, `"delivery": "minutes"`, `"delivery": "minutes", "bonus": "1"`, 1), "bonus", false},
		{"rate as number", strings.Replace(good, `"41.8350"`, `41.8350`, 1), "exchange_rate", false},
		{"not ISO currency", strings.Replace(good, `"PHP"`, `"PHX"`, 1), "receive_currency", true},
		{"lower-case currency", strings.Replace(good, `"SGD"`, `"sgd"`, 1), "send_currency", true},
		{"negative rate", strings.Replace(good, `"41.8350"`, `"-41.8350"`, 1), "exchange_rate", true},
		{"zero rate", strings.Replace(good, `"41.8350"`, `"0"`, 1), "exchange_rate: must be more than 0", true},
		{"exponent rate", strings.Replace(good, `"41.8350"`, `"4.1835e1"`, 1), "exchange_rate", true},
		{"negative fee", strings.Replace(good, `"flat": "3.00"`, `"flat": "-3.00"`, 1), "flat", true},
		{"fee not decimal", strings.Replace(good, `"flat": "3.00"`, `"flat": "three"`, 1), "flat", true},
		{"fee more decimals than SGD", strings.Replace(good, `"flat": "3.00"`, `"flat": "3.005"`, 1), "decimals", true},
		{"bands out of order", strings.Replace(good, `"up_to": "1000"`, `"up_to": "150"`, 1), "ascending", true},
		{"unbounded band not last", strings.Replace(good, `{"up_to": "200",  "flat": "3.00"}`, `{"flat": "3.00"}`, 1), "only the last", true},
		{"bands end before max_send", strings.Replace(good, `"fees": [{"flat": "4.50"}]`, `"fees": [{"up_to": "100", "flat": "4.50"}]`, 1), "max_send", true},
		{"min_fee above max_fee", strings.Replace(good, `"max_fee": "20.00"`, `"max_fee": "5.00"`, 1), "min_fee", true},
		{"min_send above max_send", strings.Replace(good, `"min_send": "10", "max_send": "5000"`, `"min_send": "6000", "max_send": "5000"`, 1), "min_send", true},
		{"generated in the future", strings.Replace(good, `2026-11-22T08:00:00Z`, `2026-11-23T08:00:00Z`, 1), "future", false},
		{"bad time", strings.Replace(good, `2026-11-22T08:00:00Z`, `yesterday`, 1), "generated_at", false},
		{"no validity", strings.Replace(good, `"valid_for_seconds": 21600,`, ``, 1), "valid_for_seconds", false},
		{"bad kind", strings.Replace(good, `"money_transfer_operator"`, `"pawn_shop"`, 1), "kind", false},
		{"bad payout", strings.Replace(good, `"bank_account"`, `"pigeon"`, 1), "payout_method", true},
		{"bad provider id", strings.Replace(good, `"acme-remit"`, `"Acme Remit!"`, 1), "provider.id", false},
		{"bad licence country", strings.Replace(good, `["SG"]`, `["XX"]`, 1), "licensed_in", false},
		{"duplicate corridor", strings.NewReplacer(`"cash_pickup"`, `"bank_account"`, `"debit_card"`, `"bank_transfer"`).Replace(good), "twice", false},
		{"send equals receive", strings.Replace(good, `"PHP"`, `"SGD"`, 1), "differ", true},
		{"deeply nested", `{"format":"kawan.provider-feed/v1","provider":` + strings.Repeat(`[`, 5000) + strings.Repeat(`]`, 5000) + `}`, "provider", false},
		{"CSV unknown column", strings.Replace(goodCSV, "fee_max", "fee_maximum", 1), "fee_maximum", false},
		{"CSV missing column", strings.Replace(goodCSV, ",valid_for_seconds", "", 1), "", false},
		{"CSV inconsistent corridor", strings.Replace(goodCSV, "41.8350,10,5000,minutes,1000", "41.9,10,5000,minutes,1000", 1), "differ", false},
		{"CSV wrong field count", goodCSV + "a,b\n", "fields", false},
		{"rates: non-ISO", strings.Replace(goodRates, `"NPR"`, `"NPX"`, 1), "NPX", false},
		{"rates: zero", strings.Replace(goodRates, `"135.40"`, `"0"`, 1), "NPR", false},
		{"rates: base listed not at 1", strings.Replace(goodRates, `"PHP":"58.12"`, `"USD":"1.01","PHP":"58.12"`, 1), "rates.USD: the base currency USD may be listed only at exactly 1", false},
		{"rates: base listed at 0", strings.Replace(goodRates, `"PHP":"58.12"`, `"USD":"0","PHP":"58.12"`, 1), "rates.USD", false},
		{"rates: future", strings.Replace(goodRates, `2026-11-22`, `2027-01-01`, 1), "future", false},
		{"ECB: bad rate", strings.Replace(goodECB, `rate='63.147'`, `rate='abc'`, 1), "PHP", false},
		{"ECB: unknown currency", strings.Replace(goodECB, `currency='PHP'`, `currency='PHX'`, 1), "PHX", false},
		{"ECB: malformed", strings.Replace(goodECB, `</gesmes:Envelope>`, ``, 1), "XML", false},
		{"ECB: no days", `<gesmes:Envelope xmlns:gesmes="x"><Cube></Cube></gesmes:Envelope>`, "no Cube", false},
		{"ECB: deep", `<gesmes:Envelope xmlns:gesmes="x">` + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + `</gesmes:Envelope>`, "deeper", false},
		{"ECB: wrong root", `<html><body/></html>`, "root", false},
		{"ECB: future day", strings.Replace(goodECB, `2026-11-20`, `2026-12-20`, 1), "future", false},
		{"huge", strings.Repeat(" ", MaxFeedBytes+1), "larger", false},
		{"not UTF-8", "{\"format\":\"\xff\"}", "UTF-8", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ParseFeed([]byte(c.feed), ParseOptions{Now: testNow})
			if c.quarantine {
				if err != nil || len(f.Offers) != 1 || len(f.Quarantined) != 1 || !strings.Contains(strings.Join(f.Quarantined[0].Reasons, "; "), c.reason) {
					t.Fatalf("want one corridor quarantined for %q, the other used: %v %+v", c.reason, err, f)
				}
				// The good corridor is dropped too: now both fail, and the feed is rejected whole.
				var only jsonProviderFeed
				if decodeStrict([]byte(c.feed), &only) == nil {
					only.Corridors = only.Corridors[f.Quarantined[0].index : f.Quarantined[0].index+1]
					b, _ := json.Marshal(only)
					if _, err := ParseFeed(b, ParseOptions{Now: testNow}); err == nil || !strings.Contains(err.Error(), c.reason) {
						t.Errorf("the bad corridor alone: %v", err)
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %+v", f)
			}
			fe, ok := err.(*FeedError)
			if !ok {
				t.Fatalf("want *FeedError, got %T %v", err, err)
			}
			if !strings.Contains(strings.Join(fe.AllReasons(), "; "), c.reason) {
				t.Errorf("reasons %q do not mention %q", fe.AllReasons(), c.reason)
			}
		})
	}
}

// TestRejectFarFromMid: an offered rate more than 15% from mid is a suspicious rate; the
// feed is rejected whole only when most of its corridors are (one is quarantined instead:
// TestQuarantinePerCorridor).
func TestRejectFarFromMid(t *testing.T) {
	rates := mustParse(t, readFixture(t, "rates.json"))
	rs, _ := rates.Latest()
	feed := string(readFixture(t, "provider-feed.json"))
	// mid SGD→PHP = 58.12/1.34 = 43.37; 15% below is 36.86.
	ok := mustParse(t, []byte(strings.NewReplacer(`"41.7000"`, `"36.87"`, `"41.8350"`, `"36.87"`).Replace(feed)))
	if err := CheckAgainstMid(ok, []RateSet{rs}, DefaultBounds); err != nil {
		t.Errorf("14.99%% off rejected: %v", err)
	}
	one := mustParse(t, []byte(strings.Replace(feed, `"41.7000"`, `"36.85"`, 1)))
	if err := CheckAgainstMid(one, []RateSet{rs}, DefaultBounds); err != nil {
		t.Errorf("one of two corridors 15.03%% off rejected the feed: %v", err)
	}
	bad := mustParse(t, []byte(strings.NewReplacer(`"41.7000"`, `"36.85"`, `"41.8350"`, `"36.85"`).Replace(feed)))
	err := CheckAgainstMid(bad, []RateSet{rs}, DefaultBounds)
	if err == nil || !strings.Contains(err.Error(), "36.85 is 15.04% from the mid-market rate") {
		t.Errorf("15.03%% off: %v", err)
	}
}

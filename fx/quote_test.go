package fx

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
)

var testNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// providerFeed returns a kawan.provider-feed/v1 document for one provider.
func providerFeed(id string, corridors ...string) []byte {
	return []byte(fmt.Sprintf(`{"format":"kawan.provider-feed/v1",
	"provider":{"id":%q,"name":"Test %s (fictional)","kind":"money_transfer_operator"},
	"generated_at":"2026-11-22T08:00:00Z","valid_for_seconds":21600,
	"corridors":[%s]}`, id, id, strings.Join(corridors, ",")))
}

func corridorJSON(send, recv, rate, minSend, maxSend, fees string) string {
	return fmt.Sprintf(`{"send_currency":%q,"receive_currency":%q,"payout_method":"bank_account","funding_method":"bank_transfer",
	"exchange_rate":%q,"min_send":%q,"max_send":%q,"delivery":"minutes","fees":%s}`, send, recv, rate, minSend, maxSend, fees)
}

func ratesFeed(base, asOf string, rates map[string]string) []byte {
	b, _ := json.Marshal(map[string]any{"format": "kawan.rates/v1", "base": base, "as_of": asOf, "source": "Test rates (fictional)", "rates": rates})
	return b
}

func mustParse(t testing.TB, data []byte) *Feed {
	t.Helper()
	f, err := ParseFeed(data, ParseOptions{Now: testNow})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return f
}

// goldenSnapshot holds the corridors of the hand-computed cases. Mid rates (USD base):
// SGD 1.34, PHP 56.25 → SGD→PHP 41.97761…; JPY 150, VND 25800 → 172; KWD 0.3070,
// PHP 58.00 via a second table; QAR 3.64, IDR 16300.
func goldenSnapshot(t testing.TB) *Snapshot {
	t.Helper()
	rates := mustParse(t, ratesFeed("USD", "2026-11-22T07:00:00Z", map[string]string{
		"SGD": "1.34", "PHP": "56.25", "JPY": "150", "VND": "25800", "QAR": "3.64", "IDR": "16300"}))
	kwd := mustParse(t, ratesFeed("USD", "2026-11-22T06:00:00Z", map[string]string{"KWD": "0.3070", "PHP": "58.00"}))
	kwd.RateSets[0].Source = "KWD test rates (fictional)"
	p := mustParse(t, providerFeed("golden",
		corridorJSON("SGD", "PHP", "41.8350", "10", "5000",
			`[{"up_to":"200","flat":"3.00"},{"up_to":"1000","flat":"5.00","percent":"0.25"},{"flat":"0","percent":"0.50","min_fee":"6.00","max_fee":"20.00"}]`),
		corridorJSON("JPY", "VND", "171.5", "1000", "1000000",
			`[{"up_to":"50000","flat":"500"},{"percent":"1.5","min_fee":"800","max_fee":"3000"}]`),
		corridorJSON("KWD", "PHP", "188.250", "5", "2000",
			`[{"up_to":"100.000","flat":"1.000","percent":"0.5"},{"flat":"2.000"}]`),
		corridorJSON("QAR", "IDR", "4300.50", "50", "10000", `[{"flat":"15.00"}]`),
	))
	return BuildSnapshot([]*Feed{p}, []*Feed{rates, kwd}, DefaultBounds, testNow)
}

// TestGoldenQuotes checks quotes against values computed by hand with the FEEDS.md method
// (and re-checked with exact rational arithmetic): every band boundary, the min and max
// clamps, half-up fee rounding, 0-decimal (JPY, VND), 3-decimal (KWD) and IDR (2 in ISO,
// 0 in CLDR) currencies.
func TestGoldenQuotes(t *testing.T) {
	s := goldenSnapshot(t)
	type want struct{ fee, recv, cost, pct, margin, toPay string }
	cases := []struct {
		name, send, recv, amount string
		w                        want
	}{
		{"SGD mid band", "SGD", "PHP", "500", want{"6.25", "20917.50", "7.95", "1.59", "0.34", "506.25"}},
		{"SGD first band upper bound inclusive", "SGD", "PHP", "200", want{"3.00", "8367.00", "3.68", "1.84", "0.34", "203.00"}},
		{"SGD one cent into band 2", "SGD", "PHP", "200.01", want{"5.50", "8367.41", "6.18", "3.09", "0.34", "205.51"}},
		{"SGD percent fee exactly half a cent rounds up", "SGD", "PHP", "202", want{"5.51", "8450.67", "6.20", "3.07", "0.34", "207.51"}},
		{"SGD band 2 upper bound", "SGD", "PHP", "1000", want{"7.50", "41835.00", "10.90", "1.09", "0.34", "1007.50"}},
		{"SGD min clamp", "SGD", "PHP", "1000.01", want{"6.00", "41835.41", "9.40", "0.94", "0.34", "1006.01"}},
		{"SGD max clamp at max_send", "SGD", "PHP", "5000", want{"20.00", "209175.00", "36.99", "0.74", "0.34", "5020.00"}},
		{"SGD min_send, above SDG", "SGD", "PHP", "10", want{"3.00", "418.35", "3.03", "30.34", "0.34", "13.00"}},
		{"JPY to VND, 0 decimals", "JPY", "VND", "30001", want{"500", "5145171", "587", "1.96", "0.29", "30501"}},
		{"JPY band boundary", "JPY", "VND", "50000", want{"500", "8575000", "645", "1.29", "0.29", "50500"}},
		{"JPY min clamp", "JPY", "VND", "50001", want{"800", "8575171", "945", "1.89", "0.29", "50801"}},
		{"JPY percent rounds down below half", "JPY", "VND", "100001", want{"1500", "17150171", "1791", "1.79", "0.29", "101501"}},
		{"JPY percent exactly half a yen rounds up", "JPY", "VND", "100300", want{"1505", "17201450", "1797", "1.79", "0.29", "101805"}},
		{"JPY max clamp", "JPY", "VND", "300000", want{"3000", "51450000", "3872", "1.29", "0.29", "303000"}},
		{"KWD 3 decimals", "KWD", "PHP", "33.333", want{"1.167", "6274.93", "1.286", "3.86", "0.36", "34.500"}},
		{"KWD fee half a fils rounds up, above SDG", "KWD", "PHP", "20.1", want{"1.101", "3783.82", "1.173", "5.83", "0.36", "21.201"}},
		{"KWD one fils into band 2", "KWD", "PHP", "100.001", want{"2.000", "18825.18", "2.357", "2.36", "0.36", "102.001"}},
		{"QAR to IDR whole", "QAR", "IDR", "100.00", want{"15.00", "430050.00", "18.96", "18.96", "3.96", "115.00"}},
		{"QAR to IDR keeps IDR cents (ISO 2, not CLDR 0)", "QAR", "IDR", "100.03", want{"15.00", "430179.01", "18.97", "18.96", "3.96", "115.03"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmp, err := s.Compare(Request{SendCurrency: c.send, ReceiveCurrency: c.recv, Amount: c.amount, Mode: ModeSend}, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if len(cmp.Quotes) != 1 {
				t.Fatalf("want 1 quote, got %d (reason %q)", len(cmp.Quotes), cmp.Reason)
			}
			q := cmp.Quotes[0]
			got := want{q.Fee(), q.ReceiveAmount(), q.TotalCost(), q.TotalCostPercent(), q.FXMarginPercent(), q.TotalToPay()}
			if got != c.w {
				t.Errorf("quote %s %s→%s\n got: %+v\nwant: %+v", c.amount, c.send, c.recv, got, c.w)
			}
			if q.AboveSDGTarget() != mustDec(q.TotalCostPercent()).GreaterThan(SDGTarget) {
				t.Errorf("above_sdg_target %v for %s%%", q.AboveSDGTarget(), q.TotalCostPercent())
			}
		})
	}
}

// TestGoldenReceiveMode checks receive mode against hand-computed minimal send amounts.
func TestGoldenReceiveMode(t *testing.T) {
	s := goldenSnapshot(t)
	cases := []struct{ send, recv, x, wantS, wantRecv, wantFee string }{
		{"JPY", "VND", "5000000", "29155", "5000082", "500"},          // 29154 × 171.5 = 4 999 911 < X
		{"QAR", "IDR", "1000000.50", "232.54", "1000038.27", "15.00"}, // IDR cents count
		{"SGD", "PHP", "20000", "478.07", "20000.05", "6.20"},         // 478.06 × 41.835 = 19 999.64…
		{"KWD", "PHP", "1000", "5.313", "1000.17", "1.027"},           // 5.312 × 188.25 = 999.984
	}
	for _, c := range cases {
		cmp, err := s.Compare(Request{SendCurrency: c.send, ReceiveCurrency: c.recv, Amount: c.x, Mode: ModeReceive}, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(cmp.Quotes) != 1 {
			t.Fatalf("%s→%s: want 1 quote, got %d (%s)", c.send, c.recv, len(cmp.Quotes), cmp.Reason)
		}
		q := cmp.Quotes[0]
		if q.SendAmount() != c.wantS || q.ReceiveAmount() != c.wantRecv || q.Fee() != c.wantFee {
			t.Errorf("%s→%s receive %s: got S=%s recv=%s fee=%s, want S=%s recv=%s fee=%s",
				c.send, c.recv, c.x, q.SendAmount(), q.ReceiveAmount(), q.Fee(), c.wantS, c.wantRecv, c.wantFee)
		}
	}
}

func TestCompareBadInput(t *testing.T) {
	s := goldenSnapshot(t)
	cases := []struct {
		r     Request
		field string
	}{
		{Request{ReceiveCurrency: "PHP", Amount: "1"}, "send_currency"},
		{Request{SendCurrency: "sgd", ReceiveCurrency: "PHP", Amount: "1"}, "send_currency"},
		{Request{SendCurrency: "XYZ", ReceiveCurrency: "PHP", Amount: "1"}, "send_currency"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "SGD", Amount: "1"}, "receive_currency"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP"}, "amount"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "0"}, "amount"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "-5"}, "amount"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "1e3"}, "amount"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "10.001"}, "amount"},
		{Request{SendCurrency: "JPY", ReceiveCurrency: "VND", Amount: "1000.5"}, "amount"},
		{Request{SendCurrency: "JPY", ReceiveCurrency: "VND", Amount: "1000.00"}, "amount"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "VND", Amount: "100000.5", Mode: ModeReceive}, "amount"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: strings.Repeat("9", 100)}, "amount"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "1234567890123456"}, "amount"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "NaN"}, "amount"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: " 10"}, "amount"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "10", Mode: "both"}, "mode"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "10", PayoutMethod: "pigeon"}, "payout_method"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "10", FundingMethod: "gold"}, "funding_method"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "10", Sort: "cheapest"}, "sort"},
	}
	for _, c := range cases {
		_, err := s.Compare(c.r, testNow)
		var ve *kawan.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%+v: want a validation error, got %v", c.r, err)
			continue
		}
		if ve.Fields[0].Field != c.field {
			t.Errorf("%+v: want field %s, got %+v", c.r, c.field, ve.Fields)
		}
	}
}

func TestCompareEmptyWithReason(t *testing.T) {
	s := goldenSnapshot(t)
	for _, r := range []Request{
		{SendCurrency: "SGD", ReceiveCurrency: "NPR", Amount: "100"},                              // nobody serves it
		{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "5000.01"},                          // above max_send
		{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "9.99"},                             // below min_send
		{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "100", PayoutMethod: "cash_pickup"}, // no such method
	} {
		c, err := s.Compare(r, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Quotes) != 0 || c.Reason == "" {
			t.Errorf("%+v: want no quotes and a reason, got %d quotes, reason %q", r, len(c.Quotes), c.Reason)
		}
	}
}

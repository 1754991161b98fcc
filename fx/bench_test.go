package fx

import (
	"github.com/kawan-labs/kawan"

	"fmt"
	"strings"
	"testing"
)

// benchSnapshot: 50 providers × 3 payout methods on SGD→PHP, three fee bands each.
func benchSnapshot(b *testing.B) *Snapshot {
	rates := mustParse(b, ratesFeed("USD", "2026-11-22T07:00:00Z", map[string]string{"SGD": "1.34", "PHP": "56.25"}))
	var feeds []*Feed
	for p := 0; p < 50; p++ {
		var cs []string
		for i, payout := range []string{"bank_account", "cash_pickup", "mobile_wallet"} {
			rate := fmt.Sprintf("41.%04d", 5000+p*37+i*11)
			cs = append(cs, strings.Replace(corridorJSON("SGD", "PHP", rate, "10", "5000",
				`[{"up_to":"200","flat":"3.00"},{"up_to":"1000","flat":"5.00","percent":"0.25"},{"percent":"0.50","min_fee":"6.00","max_fee":"20.00"}]`),
				`"bank_account"`, `"`+payout+`"`, 1))
		}
		feeds = append(feeds, mustParse(b, providerFeed(fmt.Sprintf("p%02d", p), cs...)))
	}
	return BuildSnapshot(feeds, []*Feed{rates}, DefaultBounds, testNow)
}

func BenchmarkCompareSend150(b *testing.B) {
	s := benchSnapshot(b)
	r := Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "500", Mode: ModeSend}
	b.ReportAllocs()
	for b.Loop() {
		c, err := s.Compare(r, testNow)
		if err != nil || len(c.Quotes) != 150 {
			b.Fatal(err, len(c.Quotes))
		}
	}
}

func BenchmarkCompareReceive150(b *testing.B) {
	s := benchSnapshot(b)
	r := Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "20000", Mode: ModeReceive}
	b.ReportAllocs()
	for b.Loop() {
		if c, err := s.Compare(r, testNow); err != nil || len(c.Quotes) != 150 {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompareSend50 is the goal case: one 50-provider comparison (one payout method each).
func BenchmarkCompareSend50(b *testing.B) {
	s := benchSnapshot(b)
	r := Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "500", Mode: ModeSend, PayoutMethod: "bank_account"}
	b.ReportAllocs()
	for b.Loop() {
		if c, err := s.Compare(r, testNow); err != nil || len(c.Quotes) != 50 {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompareSend50JSON is the goal case with its response written: the comparison
// and its JSON (AppendJSON into a reused buffer), since amounts are formatted only then.
func BenchmarkCompareSend50JSON(b *testing.B) {
	benchCompareJSON(b, Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "500", Mode: ModeSend, PayoutMethod: "bank_account"}, 50)
}

// BenchmarkCompareSend150JSON: 50 providers × 3 payout methods, compared and written.
func BenchmarkCompareSend150JSON(b *testing.B) {
	benchCompareJSON(b, Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "500", Mode: ModeSend}, 150)
}

func benchCompareJSON(b *testing.B, r Request, quotes int) {
	s := benchSnapshot(b)
	buf := make([]byte, 0, 128<<10)
	b.ReportAllocs()
	for b.Loop() {
		c, err := s.Compare(r, testNow)
		if err != nil || len(c.Quotes) != quotes {
			b.Fatal(err, len(c.Quotes))
		}
		buf = c.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkQuoteExact prices one quote on the decimal path (the fallback).
func BenchmarkQuoteExact(b *testing.B) {
	s := benchSnapshot(b)
	c := s.corridors["SGD-PHP"]
	amt := mustDec("500")
	sgd, _ := kawan.LookupCurrency("SGD")
	php, _ := kawan.LookupCurrency("PHP")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := c.offers[0].quote(amt, sgd, php, testNow); !ok {
			b.Fatal("no quote")
		}
	}
}

// BenchmarkParseFeed1000 parses and validates a 1,000-corridor provider feed.
func BenchmarkParseFeed1000(b *testing.B) {
	var cs []string
	codes := []string{"PHP", "IDR", "NPR", "BDT", "INR", "MMK", "VND", "KHR", "LAK", "LKR"}
	sends := []string{"SGD", "MYR", "HKD", "QAR", "SAR", "AED", "USD", "EUR", "GBP", "AUD"}
	payouts := PayoutMethods
	fundings := FundingMethods
	for i := 0; i < 1000; i++ {
		c := corridorJSON(sends[i%10], codes[(i/10)%10], "41.8350", "10", "5000",
			`[{"up_to":"200","flat":"3.00"},{"up_to":"1000","flat":"5.00","percent":"0.25"},{"percent":"0.50","min_fee":"6.00","max_fee":"20.00"}]`)
		c = strings.Replace(c, `"bank_account"`, `"`+payouts[(i/100)%4]+`"`, 1)
		c = strings.Replace(c, `"bank_transfer"`, `"`+fundings[(i/400)%5]+`"`, 1)
		cs = append(cs, c)
	}
	data := providerFeed("bulk", cs...)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFeed(data, ParseOptions{Now: testNow}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuoteFast prices one quote on the integer fast path.
func BenchmarkQuoteFast(b *testing.B) {
	s := benchSnapshot(b)
	c := s.corridors["SGD-PHP"]
	sgd, _ := kawan.LookupCurrency("SGD")
	php, _ := kawan.LookupCurrency("PHP")
	b.ReportAllocs()
	for b.Loop() {
		if _, in, ok := c.offers[0].quoteFast(50000, ModeSend, sgd, php, testNow); !ok || !in {
			b.Fatal("no quote")
		}
	}
}

package fx

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
)

// checkFeed is what every accepted feed must satisfy, whatever the parser.
func checkFeed(t *testing.T, f *Feed, err error) {
	if err != nil {
		var fe *FeedError
		if !errors.As(err, &fe) || len(fe.Reasons) == 0 {
			t.Fatalf("rejection without reasons: %T %v", err, err)
		}
		if len(fe.Reasons) > maxReasons {
			t.Fatalf("%d reasons, more than the bound", len(fe.Reasons))
		}
		return
	}
	for _, o := range f.Offers {
		if !o.Rate.IsPositive() || !o.MinSend.IsPositive() || o.MinSend.GreaterThan(o.MaxSend) || len(o.Fees) == 0 {
			t.Fatalf("accepted a bad offer: %+v", o)
		}
		if _, err := kawan.LookupCurrency(o.Send.Code); err != nil {
			t.Fatalf("accepted send currency %q", o.Send.Code)
		}
		for i, b := range o.Fees {
			if b.Flat.IsNegative() || b.Percent.IsNegative() || (i > 0 && b.Bounded && !b.UpTo.GreaterThan(o.Fees[i-1].UpTo)) {
				t.Fatalf("accepted bad bands: %+v", o.Fees)
			}
		}
		for i, b := range o.RateBands {
			last := i == len(o.RateBands)-1
			if !b.Rate.IsPositive() || (!b.Bounded && !last) || (i > 0 && b.Bounded && !b.UpTo.GreaterThan(o.RateBands[i-1].UpTo)) ||
				(last && b.Bounded && b.UpTo.LessThan(o.MaxSend)) {
				t.Fatalf("accepted bad rate bands: %+v", o.RateBands)
			}
		}
		// Quoting at both ends of the range must work.
		if _, err := o.Fees.Fee(o.MaxSend, o.Send.Minor); err != nil {
			t.Fatalf("accepted bands that do not cover max_send: %v", err)
		}
	}
	for _, rs := range f.RateSets {
		for c, r := range rs.Rates {
			if !r.IsPositive() || c == rs.Base {
				t.Fatalf("accepted rate %s=%s", c, r)
			}
		}
	}
	if len(f.Offers) > 0 || len(f.RateSets) > 0 {
		var provs, rates []*Feed
		if f.IsRates() {
			rates = append(rates, f)
		} else {
			provs = append(provs, f)
		}
		s := BuildSnapshot(provs, rates, DefaultBounds, testNow)
		for _, c := range s.Corridors() {
			_, _ = s.Compare(Request{SendCurrency: c.SendCurrency, ReceiveCurrency: c.ReceiveCurrency, Amount: c.MinSend}, testNow)
			_, _ = s.Compare(Request{SendCurrency: c.SendCurrency, ReceiveCurrency: c.ReceiveCurrency, Amount: c.MaxSend, Mode: ModeReceive}, testNow)
		}
	}
}

func seedFixtures(f *testing.F, names ...string) {
	for _, n := range names {
		f.Add(readFixture(f, n))
	}
}

func FuzzParseProviderJSON(f *testing.F) {
	seedFixtures(f, "provider-feed.json")
	f.Add([]byte(`{"format":"kawan.provider-feed/v1","provider":{}}`))
	// Rate bands, and a feed with one quarantined corridor (issue 16).
	f.Add(providerFeed("banded", bandedCorridor))
	f.Add(providerFeed("banded", bandedCorridor, strings.Replace(bandedCorridor, `"up_to":"3000"`, `"up_to":"900"`, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := parseProviderJSON(data, ParseOptions{Now: testNow})
		checkFeed(t, feed, err)
	})
}

func FuzzParseCSV(f *testing.F) {
	seedFixtures(f, "provider-feed.csv")
	f.Add([]byte("provider_id\n\"unterminated"))
	f.Add([]byte(bandedCSV))
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := parseCSV(data, ParseOptions{Now: testNow})
		checkFeed(t, feed, err)
	})
}

func FuzzParseECB(f *testing.F) {
	seedFixtures(f, "eurofxref-daily.xml", "eurofxref-hist.xml")
	f.Add([]byte(`<gesmes:Envelope><Cube><Cube currency="USD" rate="1"/></Cube></gesmes:Envelope>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := parseECB(data, ParseOptions{Now: testNow})
		checkFeed(t, feed, err)
	})
}

func FuzzParseRatesJSON(f *testing.F) {
	seedFixtures(f, "rates.json")
	f.Add([]byte(`{"format":"kawan.rates/v1","base":"USD","as_of":"2026-11-22T08:00:00Z","source":"x","rates":{"USD":"1.000","PHP":"58.12"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := parseRatesJSON(data, ParseOptions{Now: testNow})
		checkFeed(t, feed, err)
	})
}

// FuzzParseFeed goes through format detection with every fixture as a seed.
func FuzzParseFeed(f *testing.F) {
	seedFixtures(f, "provider-feed.json", "provider-feed.csv", "eurofxref-daily.xml", "eurofxref-hist.xml", "rates.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := ParseFeed(data, ParseOptions{Now: testNow})
		checkFeed(t, feed, err)
	})
}

// FuzzParseAmount: an accepted amount is positive, within the currency's decimals, and
// prints back as the same number.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"500", "0.01", "1e3", "-1", "10.001", "1.", ".5", "00012.50", "999999999999999.999999999999", "NaN", "１２"} {
		f.Add(s, "SGD")
	}
	f.Add("1000", "JPY")
	f.Add("1.234", "KWD")
	f.Fuzz(func(t *testing.T, s, code string) {
		c, err := kawan.LookupCurrency(code)
		if err != nil {
			return
		}
		d, err := ParseAmount(s, c)
		if err != nil {
			return
		}
		if !d.IsPositive() || d.Exponent() < -c.Minor || len(s) > maxIntDigits+maxFracDigits+1 {
			t.Fatalf("accepted %q for %s as %s", s, code, d)
		}
		if want, err := decimal.NewFromString(s); err != nil || !want.Equal(d) {
			t.Fatalf("%q parsed as %s", s, d)
		}
	})
}

// FuzzCompareRequest: any query either quotes or is a validation error; never a panic.
func FuzzCompareRequest(f *testing.F) {
	f.Add("SGD", "PHP", "500", "send", "", "", "")
	f.Add("JPY", "VND", "5000000", "receive", "bank_account", "bank_transfer", "speed")
	f.Add("KWD", "PHP", "20.100", "", "", "", "total_cost")
	f.Fuzz(func(t *testing.T, send, recv, amount, mode, payout, funding, sortBy string) {
		s := goldenSnapshot(t)
		c, err := s.Compare(Request{SendCurrency: send, ReceiveCurrency: recv, Amount: amount, Mode: mode, PayoutMethod: payout, FundingMethod: funding, Sort: sortBy}, testNow)
		if err != nil {
			var ve *kawan.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("non-validation error %v", err)
			}
			return
		}
		if len(c.Quotes) == 0 && c.Reason == "" {
			t.Fatalf("empty comparison without a reason: %+v", c)
		}
	})
}

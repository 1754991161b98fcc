package fx

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// quarantineRates: mid AED→PHP = 58.12/3.6725 = 15.8257…, AED→SDG = 601.50/3.6725 = 163.7849….
const quarantineRates = `{"format":"kawan.rates/v1","base":"USD","as_of":"2026-11-22T08:00:00Z","source":"Example rates",
 "rates":{"AED":"3.6725","PHP":"58.12","SDG":"601.50","NPR":"135.40"}}`

// globeFeed is a fictional Western-Union-like provider: two healthy UAE→Philippines offers
// and, as extra, the corridors given (each a JSON object).
func globeFeed(extra ...string) []byte {
	corr := func(recv, payout, rate string) string {
		return `{"send_currency":"AED","receive_currency":"` + recv + `","payout_method":"` + payout + `","funding_method":"cash",
		 "exchange_rate":"` + rate + `","min_send":"10","max_send":"10000","delivery":"minutes","fees":[{"flat":"15.00"}]}`
	}
	cs := []string{corr("PHP", "bank_account", "15.50"), corr("PHP", "cash_pickup", "15.40")}
	for _, e := range extra {
		cs = append(cs, e)
	}
	return []byte(`{"format":"kawan.provider-feed/v1","provider":{"id":"globe-remit","name":"Globe Remit (fictional)","kind":"money_transfer_operator"},
	 "generated_at":"2026-11-22T08:00:00Z","valid_for_seconds":21600,"corridors":[` + strings.Join(cs, ",") + `]}`)
}

// sudan29 is AED→SDG at 116.29, 29.0% below mid (a real margin on UAE→Sudan).
const sudan29 = `{"send_currency":"AED","receive_currency":"SDG","payout_method":"cash_pickup","funding_method":"cash",
 "exchange_rate":"116.29","min_send":"10","max_send":"10000","delivery":"minutes","fees":[{"flat":"15.00"}]}`

func quarantined(s *Service, feed string) []Quarantined {
	_, f := feedStatus(s, feed)
	return f.Quarantined
}

// TestQuarantinePerCorridor: one corridor far from mid is quarantined with its reason and
// since when; the rest of the provider's feed is still quoted (issue 16: adding Western
// Union's real UAE→Sudan row made it vanish from UAE→Philippines).
func TestQuarantinePerCorridor(t *testing.T) {
	c := &clock{t: testNow}
	s := newTestService(t, c, t.TempDir())
	ctx := context.Background()
	if _, err := s.Push(ctx, "rates", []byte(quarantineRates)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Push(ctx, "globe", globeFeed(sudan29)); err != nil {
		t.Fatalf("one corridor 29%% from mid rejected the whole feed: %v", err)
	}
	if n, cmp := quoteCount(t, s, "AED", "PHP", "500"); n != 2 {
		t.Fatalf("AED→PHP: %d quotes (%s)", n, cmp.Reason)
	}
	if n, _ := quoteCount(t, s, "AED", "SDG", "500"); n != 0 {
		t.Fatalf("AED→SDG quoted although quarantined")
	}
	q := quarantined(s, "globe")
	if len(q) != 1 || q[0].ProviderID != "globe-remit" || q[0].SendCurrency != "AED" || q[0].ReceiveCurrency != "SDG" ||
		q[0].PayoutMethod != "cash_pickup" || !q[0].Since.Equal(testNow) {
		t.Fatalf("quarantined: %+v", q)
	}
	// (163.7849… − 116.29) / 163.7849… = 28.998…%.
	if r := strings.Join(q[0].Reasons, "; "); !strings.Contains(r, "suspicious rate") || !strings.Contains(r, "29.00%") || !strings.Contains(r, "15%") {
		t.Errorf("reason: %q", r)
	}
	// Still quarantined an hour later: since stays the first time it was seen.
	c.add(time.Hour)
	if _, err := s.Push(ctx, "globe", globeFeed(sudan29)); err != nil {
		t.Fatal(err)
	}
	if q := quarantined(s, "globe"); len(q) != 1 || !q[0].Since.Equal(testNow) {
		t.Errorf("since moved: %+v", q)
	}
}

// TestQuarantineBoundPerCorridor: the bound is a per-corridor setting (default 15%).
func TestQuarantineBoundPerCorridor(t *testing.T) {
	c := &clock{t: testNow}
	s, err := New(Options{Sources: []string{t.TempDir()}, Now: c.now,
		CorridorMaxDeviation: map[string]decimal.Decimal{"AED-SDG": decimal.NewFromInt(30)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Push(ctx, "rates", []byte(quarantineRates)); err != nil {
		t.Fatal(err)
	}
	// AED→PHP at 13.30 is 15.96% from mid: above the default bound, which still holds there.
	feed := strings.Replace(string(globeFeed(sudan29)), `"15.40"`, `"13.30"`, 1)
	if _, err := s.Push(ctx, "globe", []byte(feed)); err != nil {
		t.Fatal(err)
	}
	if n, _ := quoteCount(t, s, "AED", "SDG", "500"); n != 1 {
		t.Errorf("AED→SDG within its 30%% bound: %d quotes", n)
	}
	if n, _ := quoteCount(t, s, "AED", "PHP", "500"); n != 1 {
		t.Errorf("AED→PHP: %d quotes, want the one within 15%%", n)
	}
	if q := quarantined(s, "globe"); len(q) != 1 || q[0].ReceiveCurrency != "PHP" {
		t.Errorf("quarantined: %+v", q)
	}
	if _, err := ParseDeviationBounds("AED-SDG=30,*=20"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"AED-SDG", "AED-SDG=0", "AED-SDG=101", "AED-XXY=20", "AED=20", "AED-SDG=-3"} {
		if _, err := ParseDeviationBounds(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestQuarantineInvalidCorridor: a corridor that fails validation (unknown currency, bad
// band order) is left out with its reason naming the field; when most corridors fail, or the
// feed's own fields are wrong, the feed is rejected whole as before.
func TestQuarantineInvalidCorridor(t *testing.T) {
	badCur := strings.Replace(sudan29, `"SDG"`, `"SDX"`, 1)
	badBands := strings.Replace(sudan29, `"fees":[{"flat":"15.00"}]`, `"fees":[{"up_to":"500","flat":"5.00"},{"up_to":"100","flat":"3.00"},{"flat":"15.00"}]`, 1)
	f, err := ParseFeed(globeFeed(badCur), ParseOptions{Now: testNow})
	if err != nil {
		t.Fatalf("one bad currency rejected the feed: %v", err)
	}
	if len(f.Offers) != 2 || len(f.Quarantined) != 1 || !strings.Contains(f.Quarantined[0].Reasons[0], "corridors[2].receive_currency") ||
		f.Quarantined[0].ReceiveCurrency != "SDX" {
		t.Fatalf("offers %d, quarantined %+v", len(f.Offers), f.Quarantined)
	}
	f, err = ParseFeed(globeFeed(badBands), ParseOptions{Now: testNow})
	if err != nil || len(f.Offers) != 2 || len(f.Quarantined) != 1 || !strings.Contains(f.Quarantined[0].Reasons[0], "corridors[2].fees[1].up_to") {
		t.Fatalf("bad bands: %v %+v", err, f)
	}
	// Two of four corridors fail: not most; three of four: rejected whole.
	if _, err := ParseFeed(globeFeed(badCur, badBands), ParseOptions{Now: testNow}); err != nil {
		t.Errorf("half failing rejected: %v", err)
	}
	third := strings.Replace(badCur, `"cash_pickup"`, `"bank_account"`, 1)
	_, err = ParseFeed(globeFeed(badCur, badBands, third, strings.Replace(third, `"cash"`, `"wallet"`, 1)), ParseOptions{Now: testNow})
	if err == nil || !strings.Contains(err.Error(), "4 of 6 corridors fail") || !strings.Contains(err.Error(), "corridors[2].receive_currency") {
		t.Errorf("mostly failing: %v", err)
	}
	// Feed-level fields still reject the whole feed.
	if _, err := ParseFeed([]byte(strings.Replace(string(globeFeed(badCur)), `"2026-11-22T08:00:00Z"`, `"yesterday"`, 1)), ParseOptions{Now: testNow}); err == nil {
		t.Error("bad generated_at accepted")
	}
	// Most corridors too far from mid: the mid check rejects the feed whole.
	rates := mustParse(t, []byte(quarantineRates))
	rs, _ := rates.Latest()
	far := mustParse(t, []byte(strings.NewReplacer(`"15.50"`, `"11.00"`, `"15.40"`, `"11.10"`).Replace(string(globeFeed(sudan29)))))
	if err := CheckAgainstMid(far, []RateSet{rs}, DefaultBounds); err == nil || !strings.Contains(err.Error(), "3 of 3 corridors fail") {
		t.Errorf("all far from mid: %v", err)
	}
}

// TestQuarantineRefreshCSV: the refresher (a directory source) quarantines a CSV corridor
// far from mid and serves the rest, and status lists it with its reason.
func TestQuarantineRefreshCSV(t *testing.T) {
	dir := t.TempDir()
	csv := strings.Replace(string(readFixture(t, "provider-feed.csv")), "41.7000", "30.0000", -1)
	for name, body := range map[string]string{"rates.json": string(readFixture(t, "rates.json")), "feed.csv": csv} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := &clock{t: testNow}
	s := newTestService(t, c, dir)
	s.Refresh(context.Background(), true)
	if n, cmp := quoteCount(t, s, "SGD", "PHP", "500"); n != 1 || cmp.Quotes[0].PayoutMethod() != "bank_account" {
		t.Fatalf("SGD→PHP: %d quotes", n)
	}
	if n, _ := quoteCount(t, s, "MYR", "IDR", "100"); n != 1 {
		t.Errorf("the other provider of the file: %d quotes", n)
	}
	_, f := feedStatus(s, "feed.csv")
	if len(f.Rejected) != 0 || len(f.Quarantined) != 1 || f.Quarantined[0].PayoutMethod != "cash_pickup" ||
		!strings.Contains(f.Quarantined[0].Reasons[0], "suspicious rate: exchange_rate 30 is 30.83% from the mid-market rate 43.37313433") {
		t.Errorf("status: %+v", f)
	}
}

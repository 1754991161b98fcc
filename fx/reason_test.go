package fx

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestEmptyAnswerReasons: a comparison without quotes says why, for each case (issue 16).
func TestEmptyAnswerReasons(t *testing.T) {
	good := corridorJSON("SGD", "PHP", "41.8350", "10", "5000", `[{"flat":"3.00"}]`)
	noMid := corridorJSON("SGD", "MMK", "1500", "10", "5000", `[{"flat":"3.00"}]`)
	farMid := corridorJSON("SGD", "JPY", "50", "10", "5000", `[{"flat":"3.00"}]`) // mid 111.94
	badCur := corridorJSON("SGD", "VND", "19000", "10", "5000", `[{"flat":"3.00"}]`)
	badCur = strings.Replace(badCur, `"min_send":"10"`, `"min_send":"-10"`, 1)
	s := bandedSnapshot(t, good, noMid, farMid, badCur)
	cases := []struct {
		req    Request
		code   string
		reason string
	}{
		{Request{SendCurrency: "AED", ReceiveCurrency: "NPR", Amount: "100"}, ReasonNoProvider, "no provider in Kawan's feeds serves AED→NPR yet"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "MMK", Amount: "100"}, ReasonNoMidRate,
			"no mid-market rate for SGD→MMK, so costs cannot be measured: no rates source lists MMK (sources in use: Test rates (fictional) as of 2026-11-22T07:00:00Z)"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "100", PayoutMethod: "home_delivery"}, ReasonNoMethod, "with the payout and funding methods asked for"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "5000.01"}, ReasonAmountOutOfRange,
			"every offer on SGD→PHP is outside its provider's limits for this amount (providers take 10 to 5000 SGD)"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "1", Mode: ModeReceive}, ReasonAmountOutOfRange, "outside its provider's limits"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "JPY", Amount: "100"}, ReasonQuarantined, "every offer on SGD→JPY is quarantined (1 failed"},
		{Request{SendCurrency: "SGD", ReceiveCurrency: "VND", Amount: "100"}, ReasonQuarantined, "every offer on SGD→VND is quarantined"},
	}
	for _, c := range cases {
		cmp, err := s.Compare(c.req, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(cmp.Quotes) != 0 || cmp.ReasonCode != c.code || !strings.Contains(cmp.Reason, c.reason) {
			t.Errorf("%+v:\n got %s %q\nwant %s %q", c.req, cmp.ReasonCode, cmp.Reason, c.code, c.reason)
		}
		if b, _ := cmp.MarshalJSON(); !strings.Contains(string(b), `"reason_code":"`+c.code+`"`) {
			t.Errorf("JSON: %s", b)
		}
	}
	if cmp, _ := s.Compare(Request{SendCurrency: "SGD", ReceiveCurrency: "MMK", Amount: "100"}, testNow); !slices.Equal(cmp.MissingRates, []string{"MMK"}) {
		t.Errorf("missing rates %v", cmp.MissingRates)
	}
	if cmp, _ := s.Compare(Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "100"}, testNow); len(cmp.Quotes) != 1 || cmp.ReasonCode != "" {
		t.Errorf("a quoted corridor has a reason: %+v", cmp)
	}
}

// TestEmptyAnswerRefusedRatesFeed: without a mid rate because the rates feed was refused, the
// reason names that feed and why (issue 16: a rates feed listing its base at 1.01).
func TestEmptyAnswerRefusedRatesFeed(t *testing.T) {
	c := &clock{t: testNow}
	ctx := context.Background()
	bad := strings.Replace(string(readFixture(t, "rates.json")), `"PHP":"58.12"`, `"USD":"1.01","PHP":"58.12"`, 1)
	dir := t.TempDir()
	if err := writeFile(dir, "rates.json", bad); err != nil {
		t.Fatal(err)
	}
	s2 := newTestService(t, c, dir)
	s2.Refresh(ctx, true)
	if _, err := s2.Push(ctx, "acme", readFixture(t, "provider-feed.json")); err != nil {
		t.Fatal(err)
	}
	_, cmp := quoteCount(t, s2, "SGD", "PHP", "500")
	if cmp.ReasonCode != ReasonNoMidRate || !strings.Contains(cmp.Reason, "no mid-market rates feed is in use") ||
		!strings.Contains(cmp.Reason, "rates.json (rates.USD: the base currency USD may be listed only at exactly 1") {
		t.Errorf("%s: %s", cmp.ReasonCode, cmp.Reason)
	}
}

func writeFile(dir, name, body string) error {
	return os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
}

package frontend_test

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan/fx"
)

var routeOptionRE = regexp.MustCompile(`<option value="([A-Z]{3})-([A-Z]{3})"`)

// TestSendFormOffersOnlyServedRoutes: the remittance forms offer only the routes that have
// providers (not the From×To product, of which most had none), every one of them answers
// with quotes at an amount its providers accept, and anything else says at once why.
func TestSendFormOffersOnlyServedRoutes(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	if s.app.FX == nil {
		t.Skip("fx area not wired")
	}
	ctx := context.Background()
	served := map[string]fx.CorridorInfo{}
	froms, tos := map[string]bool{}, map[string]bool{}
	for _, c := range s.app.FX.Corridors() {
		if c.Providers > 0 && c.HasMidRate {
			served[c.SendCurrency+"-"+c.ReceiveCurrency] = c
			froms[c.SendCurrency], tos[c.ReceiveCurrency] = true, true
		}
	}
	t.Logf("%d routes served; the old form offered %d pairs", len(served), len(froms)*len(tos))
	for _, path := range []string{"/send", "/"} {
		opts := routeOptionRE.FindAllStringSubmatch(s.get(nil, path).body, -1)
		if len(opts) != len(served) {
			t.Errorf("%s offers %d routes, want the %d served", path, len(opts), len(served))
		}
		for _, o := range opts {
			if _, ok := served[o[1]+"-"+o[2]]; !ok {
				t.Errorf("%s offers %s-%s, which no provider serves", path, o[1], o[2])
			}
		}
	}
	// Every route answers with quotes at an amount inside its providers' range.
	for key, c := range served {
		lo, _ := decimal.NewFromString(c.MinSend)
		amt := lo.Mul(decimal.NewFromInt(10)).String()
		res, err := s.app.FX.Compare(ctx, fx.Request{SendCurrency: c.SendCurrency, ReceiveCurrency: c.ReceiveCurrency, Amount: amt})
		if err != nil || len(res.Quotes) == 0 {
			t.Errorf("%s at %s: %d quotes, %v %s", key, amt, len(res.Quotes), err, res.Reason)
		}
		p := s.get(nil, "/send?route="+key+"&amount="+amt)
		if !strings.Contains(p.body, `class="card quote"`) {
			t.Errorf("/send?route=%s&amount=%s shows no quote", key, amt)
		}
	}
	// 500 yen is below every JPY provider's minimum: the page says which amounts they take.
	p := s.get(nil, "/send?route=JPY-PHP&amount=500&lang=en")
	if !strings.Contains(p.body, `id="none"`) || !strings.Contains(p.body, "They accept from JPY\u00a01,500 to JPY\u00a0760,000") ||
		strings.Contains(p.body, "Try another amount") {
		t.Errorf("JPY-PHP 500: %s", noneText(p.body))
	}
	// A pair nobody serves (an old link): said at once, with the routes there are from SGD.
	p = s.get(nil, "/send?from=SGD&to=NPR&amount=500&lang=en")
	if !strings.Contains(p.body, "No provider in Kawan&#39;s data sends SGD to NPR.") || !strings.Contains(p.body, `href="/send?route=SGD-PHP&amp;amount=500&amp;mode=send"`) {
		t.Errorf("SGD-NPR: %s", noneText(p.body))
	}
	if p := s.get(nil, "/send?route=sgd%20php&amount=500"); p.status != 400 || !strings.Contains(p.body, `id="route-err"`) {
		t.Errorf("bad route: %d", p.status)
	}
}

func noneText(body string) string {
	if i := strings.Index(body, `id="none"`); i >= 0 {
		return html.UnescapeString(body[i:min(len(body), i+400)])
	}
	return "(no message)"
}

var (
	cardRE = regexp.MustCompile(`(?s)<article class="card quote">.*?</article>`)
	h3RE   = regexp.MustCompile(`<h3[^>]*>([^<]+)</h3>`)
	bigRE  = regexp.MustCompile(`<p class="big">([A-Z]{3})\x{a0}([0-9,.]+)</p>`)
)

// TestSendCards: one card per provider, each with the rate and its unit, the quote's time
// and how far it is from the best; the mid rate to sensible digits; receive mode leads
// with what you pay, headed and sorted by it.
func TestSendCards(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	if s.app.FX == nil {
		t.Skip("fx area not wired")
	}
	res, err := s.app.FX.Compare(context.Background(), fx.Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "500"})
	if err != nil {
		t.Fatal(err)
	}
	providers := map[string]bool{}
	for _, q := range res.Quotes {
		providers[q.Provider().Name] = true
	}
	if len(providers) == len(res.Quotes) {
		t.Fatal("fixture: want a provider with several options on SGD-PHP")
	}
	p := s.get(nil, "/send?route=SGD-PHP&amount=500&lang=en")
	cards := cardRE.FindAllString(p.body, -1)
	if len(cards) != len(providers) {
		t.Errorf("%d cards for %d providers", len(cards), len(providers))
	}
	seen := map[string]bool{}
	for i, c := range cards {
		name := html.UnescapeString(h3RE.FindStringSubmatch(c)[1])
		if seen[name] {
			t.Errorf("provider %s twice", name)
		}
		seen[name] = true
		if !regexp.MustCompile(`<dd>1 SGD = \d+\.\d+ PHP</dd>`).MatchString(c) {
			t.Errorf("card %d: no rate with its unit", i)
		}
		if !regexp.MustCompile(`Price published</dt><dd>\d+ \w+ 20\d\d, \d\d:\d\d UTC</dd>`).MatchString(c) {
			t.Errorf("card %d: no quote time", i)
		}
		if (i == 0) != strings.Contains(c, "Best offer") {
			t.Errorf("card %d: best-offer badge wrong", i)
		}
	}
	// The gap to the best, in decimal arithmetic, on the second card.
	best, _ := decimal.NewFromString(res.Quotes[0].ReceiveAmount())
	var second fx.Quote
	for _, q := range res.Quotes {
		if q.Provider().ID != res.Quotes[0].Provider().ID {
			second = q
			break
		}
	}
	recv, _ := decimal.NewFromString(second.ReceiveAmount())
	want := fmt.Sprintf("Your family gets PHP\u00a0%s less than with the best offer", best.Sub(recv).StringFixed(2))
	if len(cards) < 2 || !strings.Contains(cards[1], want) {
		t.Errorf("second card lacks %q", want)
	}
	// The provider's other options are inside its card.
	if !strings.Contains(p.body, "Other ways with this provider:") {
		t.Error("no provider's other options listed")
	}
	// The mid rate with its unit, six significant digits, not the engine's eight decimals.
	mid := regexp.MustCompile(`id="mid">Mid-market rate: 1 SGD = (\d+\.\d+) PHP`).FindStringSubmatch(p.body)
	if mid == nil || len(mid[1]) != 7 {
		t.Errorf("mid rate shown as %v (engine: %s)", mid, res.MidRate.Rate)
	}
	// Nepali digits in the rate.
	if ne := s.get(nil, "/send?route=SGD-PHP&amount=500&lang=ne"); !regexp.MustCompile(`१ SGD = [०-९]+\.[०-९]+ PHP`).MatchString(ne.body) {
		t.Error("Nepali page: rate not in Nepali digits")
	}

	// Receive mode: headed by what you pay, big number what you pay, ascending, and differs.
	p = s.get(nil, "/send?route=SGD-PHP&amount=20000&mode=receive&lang=en")
	if !strings.Contains(p.body, "SGD to PHP: least to pay first") || strings.Contains(p.body, "most money received first") {
		t.Error("receive mode heading")
	}
	bigs := bigRE.FindAllStringSubmatch(p.body, -1)
	if len(bigs) < 2 {
		t.Fatalf("receive mode: %d cards", len(bigs))
	}
	distinct := map[string]bool{}
	for i, b := range bigs {
		if b[1] != "SGD" {
			t.Errorf("receive mode card %d leads with %s, not what you pay", i, b[1])
		}
		distinct[b[2]] = true
		if i > 0 {
			prev, _ := decimal.NewFromString(strings.ReplaceAll(bigs[i-1][2], ",", ""))
			cur, _ := decimal.NewFromString(strings.ReplaceAll(b[2], ",", ""))
			if cur.LessThan(prev) {
				t.Errorf("receive mode: card %d pays %s, less than card %d (%s)", i, cur, i-1, prev)
			}
		}
	}
	if len(distinct) < 2 {
		t.Error("receive mode: the big number is the same on every card")
	}
	if !strings.Contains(p.body, "You pay SGD\u00a0") || !strings.Contains(p.body, "more than with the best offer") {
		t.Error("receive mode: no gap in what you pay")
	}
}

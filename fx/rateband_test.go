package fx

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
)

// bandedCorridor is SGD→PHP with rate_bands 41.50 up to 1000, 41.80 up to 3000, 41.90 above,
// a flat fee of 3.00, min 10, max 5000. With the golden mid 56.25/1.34 = 41.9776…, the
// cost fraction k = Num − r×Den is 56.25 − 41.50×1.34 = 0.64, 0.238 and 0.104 per band.
const bandedCorridor = `{"send_currency":"SGD","receive_currency":"PHP","payout_method":"bank_account","funding_method":"bank_transfer",
 "min_send":"10","max_send":"5000","delivery":"minutes","fees":[{"flat":"3.00"}],
 "rate_bands":[{"up_to":"1000","exchange_rate":"41.50"},{"up_to":"3000","exchange_rate":"41.80"},{"exchange_rate":"41.90"}]}`

func bandedSnapshot(t testing.TB, corridors ...string) *Snapshot {
	t.Helper()
	rates := mustParse(t, ratesFeed("USD", "2026-11-22T07:00:00Z", map[string]string{
		"SGD": "1.34", "PHP": "56.25", "JPY": "150", "VND": "25800", "KWD": "0.3070"}))
	return BuildSnapshot([]*Feed{mustParse(t, providerFeed("banded", corridors...))}, []*Feed{rates}, DefaultBounds, testNow)
}

// TestRateBandsGolden: quotes at every band edge, computed by hand with the FEEDS.md method.
// Send mode, e.g. S = 1000 (band 1, 41.50): receive 41500.00, cost 3 + 1000 × 0.64/56.25 =
// 14.3777… → 14.38, 1.44%, margin 0.64/56.25 = 1.14%; S = 1000.01 (band 2, 41.80): receive
// floor(41800.418) = 41800.41, cost 3 + 1000.01 × 0.238/56.25 = 7.2311… → 7.23.
// Receive mode: X = 41500.01 cannot be reached in band 1 (ceil(X/41.50) = 1000.01 > 1000);
// in band 2 ceil(X/41.80) = 992.83 is below the band, whose first amount 1000.01 gives
// 41800.41 ≥ X, so S = 1000.01.
func TestRateBandsGolden(t *testing.T) {
	s := bandedSnapshot(t, bandedCorridor)
	type want struct{ send, rate, recv, cost, pct, margin, toPay string }
	cases := []struct {
		mode, amount string
		w            want
	}{
		{ModeSend, "10", want{"10.00", "41.5", "415.00", "3.11", "31.14", "1.14", "13.00"}},
		{ModeSend, "1000", want{"1000.00", "41.5", "41500.00", "14.38", "1.44", "1.14", "1003.00"}},
		{ModeSend, "1000.01", want{"1000.01", "41.8", "41800.41", "7.23", "0.72", "0.42", "1003.01"}},
		{ModeSend, "3000", want{"3000.00", "41.8", "125400.00", "15.69", "0.52", "0.42", "3003.00"}},
		{ModeSend, "3000.01", want{"3000.01", "41.9", "125700.41", "8.55", "0.28", "0.18", "3003.01"}},
		{ModeSend, "5000", want{"5000.00", "41.9", "209500.00", "12.24", "0.24", "0.18", "5003.00"}},
		{ModeReceive, "41500.00", want{"1000.00", "41.5", "41500.00", "14.38", "1.44", "1.14", "1003.00"}},
		{ModeReceive, "41500.01", want{"1000.01", "41.8", "41800.41", "7.23", "0.72", "0.42", "1003.01"}},
		{ModeReceive, "41800.41", want{"1000.01", "41.8", "41800.41", "7.23", "0.72", "0.42", "1003.01"}},
		{ModeReceive, "41800.42", want{"1000.02", "41.8", "41800.83", "7.23", "0.72", "0.42", "1003.02"}},
		{ModeReceive, "125400.00", want{"3000.00", "41.8", "125400.00", "15.69", "0.52", "0.42", "3003.00"}},
		{ModeReceive, "125400.01", want{"3000.01", "41.9", "125700.41", "8.55", "0.28", "0.18", "3003.01"}},
	}
	for _, c := range cases {
		for _, fast := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s %s fast=%v", c.mode, c.amount, fast), func(t *testing.T) {
				p, err := Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: c.amount, Mode: c.mode}.validate()
				if err != nil {
					t.Fatal(err)
				}
				o := &s.corridors["SGD-PHP"].offers[0]
				amountU, _ := toUnits(p.amount, 2)
				q, ok := o.quoteBanded(&p, amountU, fast, testNow)
				if !ok {
					t.Fatal("no quote")
				}
				if fast && q.text != nil {
					t.Error("the fast path was not taken")
				}
				got := want{q.SendAmount(), q.ExchangeRate(), q.ReceiveAmount(), q.TotalCost(), q.TotalCostPercent(), q.FXMarginPercent(), q.TotalToPay()}
				if got != c.w {
					t.Errorf("\n got %+v\nwant %+v", got, c.w)
				}
			})
		}
	}
	// Through Compare too, with the JSON naming the band's rate.
	cmp, err := s.Compare(Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "1000.01"}, testNow)
	if err != nil || len(cmp.Quotes) != 1 {
		t.Fatalf("%v %+v", err, cmp)
	}
	if b, _ := cmp.MarshalJSON(); !strings.Contains(string(b), `"exchange_rate":"41.8","send_amount":"1000.01"`) {
		t.Errorf("JSON: %s", b)
	}
	// Above max_send in receive mode: out of range, no quote.
	if cmp, _ := s.Compare(Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "209500.01", Mode: ModeReceive}, testNow); len(cmp.Quotes) != 0 {
		t.Errorf("beyond max_send quoted: %s", cmp.Quotes[0].SendAmount())
	}
}

// TestRateBandsExchangeRateAbove: exchange_rate beside bounded rate bands is the rate above them.
func TestRateBandsExchangeRateAbove(t *testing.T) {
	c := strings.Replace(bandedCorridor, `,{"exchange_rate":"41.90"}]`, `], "exchange_rate":"41.90"`, 1)
	s := bandedSnapshot(t, c)
	cmp, _ := s.Compare(Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "3000.01"}, testNow)
	if len(cmp.Quotes) != 1 || cmp.Quotes[0].ExchangeRate() != "41.9" || cmp.Quotes[0].ReceiveAmount() != "125700.41" {
		t.Errorf("%+v", cmp)
	}
}

// TestRateBandsRejected: bad rate bands quarantine their corridor with a reason naming the field.
func TestRateBandsRejected(t *testing.T) {
	cases := []struct{ name, from, to, reason string }{
		{"out of order", `"up_to":"3000"`, `"up_to":"900"`, "rate_bands[1].up_to: rate bands must be in ascending up_to order"},
		{"overlapping", `"up_to":"3000"`, `"up_to":"1000"`, "rate_bands[1].up_to: rate bands must be in ascending up_to order, without overlap (1000 after 1000)"},
		{"zero rate", `"41.80"`, `"0"`, "rate_bands[1].exchange_rate: must be more than 0"},
		{"no rate", `,"exchange_rate":"41.80"`, ``, "rate_bands[1].exchange_rate: is required"},
		{"unbounded not last", `{"up_to":"1000","exchange_rate":"41.50"}`, `{"exchange_rate":"41.50"}`, "rate_bands[0].up_to: only the last"},
		{"end before max_send", `,{"exchange_rate":"41.90"}`, ``, "rate_bands: the rate bands end at 3000 but max_send is 5000"},
		{"both exchange_rate and an unbounded last band", `"min_send"`, `"exchange_rate":"41.00","min_send"`, "exchange_rate: the last rate band has no up_to, so exchange_rate would never apply"},
		{"up_to beyond cents", `"up_to":"1000"`, `"up_to":"1000.001"`, "rate_bands[0].up_to: 1000.001 has more decimals"},
		{"far from mid", `"41.90"`, `"30.00"`, ""},
	}
	good := strings.Replace(corridorJSON("SGD", "PHP", "41.8350", "10", "5000", `[{"flat":"3.00"}]`), "bank_account", "cash_pickup", 1)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := strings.Replace(bandedCorridor, c.from, c.to, 1)
			if bad == bandedCorridor {
				t.Fatal("replacement did not apply")
			}
			f, err := ParseFeed(providerFeed("banded", good, bad), ParseOptions{Now: testNow})
			if c.reason == "" { // judged against mid, per snapshot
				s := bandedSnapshot(t, good, bad)
				if len(s.quarantined) != 1 || !strings.Contains(s.quarantined[0].Reasons[0], "rate_bands[2].exchange_rate 30 is 28.53%") {
					t.Errorf("%+v", s.quarantined)
				}
				return
			}
			if err != nil || len(f.Quarantined) != 1 || !strings.Contains(strings.Join(f.Quarantined[0].Reasons, "; "), "corridors[1]."+c.reason) {
				t.Errorf("%v %+v", err, f)
			}
		})
	}
}

// TestRateBandsCSV: the CSV rate_bands column ("UP_TO:RATE;…;RATE") reads as the JSON field.
const bandedCSV = "provider_id,provider_name,send_currency,receive_currency,payout_method,funding_method,exchange_rate,rate_bands,min_send,max_send,delivery,fee_up_to,fee_flat,fee_percent,fee_min,fee_max,generated_at,valid_for_seconds\n" +
	"banded,Test banded (fictional),SGD,PHP,bank_account,bank_transfer,,1000:41.50;3000:41.80;41.90,10,5000,minutes,,3.00,,,,2026-11-22T08:00:00Z,21600\n"

func TestRateBandsCSV(t *testing.T) {
	csv := bandedCSV
	c := mustParse(t, []byte(csv))
	j := mustParse(t, providerFeed("banded", bandedCorridor))
	if len(c.Offers) != 1 || fmt.Sprint(c.Offers[0].RateBands) != fmt.Sprint(j.Offers[0].RateBands) || len(c.Offers[0].RateBands) != 3 {
		t.Fatalf("csv %+v\njson %+v", c.Offers, j.Offers)
	}
	for _, bad := range []string{"1000:41.50;41.80;41.90", "1000:41.50;abc", "1000:41.50;900:41.80;41.90", "1000:;41.90"} {
		f, err := ParseFeed([]byte(strings.Replace(csv, "1000:41.50;3000:41.80;41.90", bad, 1)), ParseOptions{Now: testNow})
		if err == nil || !strings.Contains(err.Error(), "CSV line 2.rate_bands") {
			t.Errorf("%q: %v %+v", bad, err, f)
		}
	}
}

// TestRateBandsProperty: on random banded offers (0-3 decimal currencies), at every band
// edge and one minor unit either side, send mode uses the band the amount falls in, and
// receive mode gives the smallest send amount whose band reaches X: S reaches it, S − one
// unit does not (when in the same band), and no earlier band reaches it at its top. The
// fast path equals the decimal path field by field.
func TestRateBandsProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 3))
	pairs := []struct {
		send, recv string
		mid        float64
	}{{"SGD", "PHP", 41.97}, {"JPY", "VND", 172}, {"KWD", "PHP", 183.2}}
	for iter := 0; iter < 150; iter++ {
		pr := pairs[iter%len(pairs)]
		cur, _ := kawan.LookupCurrency(pr.send)
		unit := decimal.New(1, -cur.Minor)
		n := 1 + r.IntN(4)
		edges := make([]decimal.Decimal, n-1)
		e := decimal.NewFromInt(int64(50 + r.IntN(200)))
		var bands []string
		rates := make([]decimal.Decimal, n)
		for i := range rates {
			rates[i] = decimal.NewFromFloat(pr.mid * (0.9 + 0.095*r.Float64())).Round(4)
			if i < n-1 {
				edges[i] = e
				bands = append(bands, fmt.Sprintf(`{"up_to":%q,"exchange_rate":%q}`, e.StringFixed(cur.Minor), rates[i]))
				e = e.Add(decimal.NewFromInt(int64(1 + r.IntN(3000)))).Add(unit.Mul(decimal.NewFromInt(int64(r.IntN(100)))))
			} else {
				bands = append(bands, fmt.Sprintf(`{"exchange_rate":%q}`, rates[i]))
			}
		}
		maxSend := e.Add(decimal.NewFromInt(5000)).StringFixed(0)
		corr := fmt.Sprintf(`{"send_currency":%q,"receive_currency":%q,"payout_method":"bank_account","funding_method":"bank_transfer",
		 "min_send":"1","max_send":%q,"delivery":"minutes","fees":[{"flat":"1"}],"rate_bands":[%s]}`, pr.send, pr.recv, maxSend, strings.Join(bands, ","))
		s := bandedSnapshot(t, corr)
		c := s.corridors[CorridorKey(pr.send, pr.recv)]
		if c == nil || len(c.offers) != 1 {
			t.Fatalf("offer not built: %s %+v", corr, s.Notes)
		}
		o := &c.offers[0]
		recvCur, _ := kawan.LookupCurrency(pr.recv)
		rateAt := func(s decimal.Decimal) (decimal.Decimal, int) {
			for i, ed := range edges {
				if s.Cmp(ed) <= 0 {
					return rates[i], i
				}
			}
			return rates[n-1], n - 1
		}
		recvAt := func(s decimal.Decimal) decimal.Decimal {
			rt, _ := rateAt(s)
			return s.Mul(rt).RoundFloor(recvCur.Minor)
		}
		check := func(mode string, amount decimal.Decimal) {
			p, err := Request{SendCurrency: pr.send, ReceiveCurrency: pr.recv, Amount: amount.String(), Mode: mode}.validate()
			if err != nil {
				t.Fatal(err)
			}
			minor := cur.Minor
			if mode == ModeReceive {
				minor = recvCur.Minor
			}
			amountU, _ := toUnits(p.amount, minor)
			exact, ok1 := o.quoteBanded(&p, amountU, false, testNow)
			fast, ok2 := o.quoteBanded(&p, amountU, true, testNow)
			if ok1 != ok2 || (ok1 && fmt.Sprint(exact.SendAmount(), exact.ReceiveAmount(), exact.TotalCost(), exact.TotalCostPercent(), exact.ExchangeRate()) !=
				fmt.Sprint(fast.SendAmount(), fast.ReceiveAmount(), fast.TotalCost(), fast.TotalCostPercent(), fast.ExchangeRate())) {
				t.Fatalf("%s %s %s: fast %v %+v, exact %v %+v", corr, mode, amount, ok2, fast, ok1, exact)
			}
			if !ok1 {
				return
			}
			sA := mustDec(exact.SendAmount())
			rt, bi := rateAt(sA)
			if exact.ExchangeRate() != rt.String() || !mustDec(exact.ReceiveAmount()).Equal(recvAt(sA)) {
				t.Fatalf("%s %s %s: rate %s receive %s, want band %d %s", corr, mode, amount, exact.ExchangeRate(), exact.ReceiveAmount(), bi, rt)
			}
			if mode == ModeSend {
				if !sA.Equal(amount) {
					t.Fatalf("send amount %s for %s", sA, amount)
				}
				return
			}
			if recvAt(sA).LessThan(amount) {
				t.Fatalf("%s: S %s gives %s < X %s", corr, sA, recvAt(sA), amount)
			}
			if prev := sA.Sub(unit); prev.IsPositive() {
				if _, pb := rateAt(prev); pb == bi && !recvAt(prev).LessThan(amount) {
					t.Fatalf("%s: S − 1 unit %s already gives %s ≥ X %s", corr, prev, recvAt(prev), amount)
				}
			}
			for j := 0; j < bi; j++ {
				if !recvAt(edges[j]).LessThan(amount) {
					t.Fatalf("%s: band %d's top %s already gives %s ≥ X %s (S %s)", corr, j, edges[j], recvAt(edges[j]), amount, sA)
				}
			}
		}
		for _, ed := range edges {
			for _, sa := range []decimal.Decimal{ed.Sub(unit), ed, ed.Add(unit)} {
				check(ModeSend, sa)
				ra := recvAt(sa)
				runit := decimal.New(1, -recvCur.Minor)
				for _, x := range []decimal.Decimal{ra.Sub(runit), ra, ra.Add(runit)} {
					if x.IsPositive() {
						check(ModeReceive, x)
					}
				}
			}
		}
	}
}

package fx

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// TestFastMatchesExact: the integer fast path gives exactly the decimal path's quote, field
// by field, on random offers, mid rates (including two-table crosses), amounts and 0/2/3-
// decimal currencies, in send and receive mode.
func TestFastMatchesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	curs := []Currency{{Code: "JPY", Minor: 0}, {Code: "SGD", Minor: 2}, {Code: "KWD", Minor: 3}, {Code: "VND", Minor: 0}, {Code: "IDR", Minor: 2}, {Code: "CLF", Minor: 4}}
	dec := func(maxUnits int64, places int32) decimal.Decimal { return decimal.New(1+r.Int64N(maxUnits), -places) }
	fastCount := 0
	for i := 0; i < 3000; i++ {
		send, recv := curs[r.IntN(len(curs))], curs[r.IntN(len(curs))]
		mid := MidRate{Num: dec(1_000_000_000, int32(r.IntN(9))), Den: dec(1_000_000, int32(r.IntN(7)))}
		if i%3 == 0 { // a cross of two tables: products of rates
			mid.Num = mid.Num.Mul(dec(100_000, int32(r.IntN(5))))
			mid.Den = mid.Den.Mul(dec(100_000, int32(r.IntN(5))))
		}
		m := mid.Num.Div(mid.Den)
		// An offered rate within ±15% of mid, with 0-8 decimals.
		rp := int32(r.IntN(9))
		rate := m.Mul(decimal.NewFromFloat(0.85 + 0.3*r.Float64())).RoundFloor(rp)
		if !rate.IsPositive() {
			continue
		}
		minSend := decimal.New(1+r.Int64N(1000), -send.Minor)
		maxSend := minSend.Add(decimal.New(r.Int64N(100_000_000), -send.Minor))
		var fees FeeSchedule
		upTo := minSend
		for b := 0; b < 1+r.IntN(3); b++ {
			upTo = upTo.Add(decimal.New(r.Int64N(10_000_000), -send.Minor))
			fb := FeeBand{UpTo: upTo, Bounded: true, Flat: decimal.New(r.Int64N(5000), -send.Minor),
				Percent: decimal.New(r.Int64N(500), -int32(r.IntN(4)))}
			if r.IntN(2) == 0 {
				fb.MinFee, fb.HasMin = decimal.New(r.Int64N(3000), -send.Minor), true
			}
			if r.IntN(2) == 0 {
				fb.MaxFee, fb.HasMax = fb.MinFee.Add(decimal.New(r.Int64N(30000), -send.Minor)), true
			}
			fees = append(fees, fb)
		}
		fees[len(fees)-1].Bounded = false
		o := Offer{ProviderID: "p", Send: send, Receive: recv, Rate: rate, MinSend: minSend, MaxSend: maxSend, Fees: fees,
			PayoutMethod: "bank_account", FundingMethod: "bank_transfer", Delivery: "minutes", GeneratedAt: testNow, ValidFor: 3600e9}
		c := &corridor{mid: mid, hasMid: true}
		p := prepare(o, Provider{ID: "p"}, c)
		if !p.fast.ok {
			continue
		}
		for j := 0; j < 20; j++ {
			var amount decimal.Decimal
			mode := ModeSend
			amountCur := send
			if j%2 == 0 {
				amount = minSend.Add(decimal.New(r.Int64N(maxSend.Sub(minSend).Shift(send.Minor).IntPart()+2), -send.Minor))
			} else {
				mode, amountCur = ModeReceive, recv
				amount = decimal.New(1+r.Int64N(1_000_000_000), -recv.Minor)
			}
			u, ok := toUnits(amount, amountCur.Minor)
			if !ok {
				t.Fatal("amount not on grid")
			}
			fq, inRange, ok := p.quoteFast(u, mode, send, recv, testNow)
			if !ok {
				continue
			}
			s := amount
			if mode == ModeReceive {
				s = SendFor(amount, rate, send.Minor)
			}
			dq, dIn := p.quote(s, send, recv, testNow)
			if inRange != dIn {
				t.Fatalf("in range: fast %v, exact %v (S=%s, offer %+v)", inRange, dIn, s, o)
			}
			if !inRange {
				continue
			}
			fastCount++
			// The decimal path keeps its amounts as text (and the units as saturated sort
			// keys); both must agree with the fast path's units and their formatting.
			if dq.text == nil || quoteAmounts(fq) != quoteAmounts(dq) {
				t.Fatalf("%s %s→%s amount %s rate %s mid %s/%s:\nfast  %v\nexact %v", mode, send.Code, recv.Code, amount, rate, mid.Num, mid.Den, quoteAmounts(fq), quoteAmounts(dq))
			}
			dq.text = nil
			if fq != dq {
				t.Fatalf("%s %s→%s amount %s rate %s mid %s/%s:\nfast  %+v\nexact %+v", mode, send.Code, recv.Code, amount, rate, mid.Num, mid.Den, fq, dq)
			}
		}
	}
	if fastCount < 10000 {
		t.Errorf("only %d quotes took the fast path", fastCount)
	}
}

func TestFormatUnits(t *testing.T) {
	for _, c := range []struct {
		u    int64
		p    int32
		want string
	}{{0, 2, "0.00"}, {5, 2, "0.05"}, {-5, 2, "-0.05"}, {12345, 0, "12345"}, {12345, 3, "12.345"}, {-12345, 2, "-123.45"}, {7, 4, "0.0007"}, {-9223372036854775808, 2, "-92233720368547758.08"}} {
		if got := formatUnits(c.u, c.p); got != c.want {
			t.Errorf("formatUnits(%d, %d) = %q, want %q", c.u, c.p, got, c.want)
		}
	}
}

// quoteAmounts is a quote's six amounts as text.
func quoteAmounts(q Quote) [6]string {
	return [6]string{q.SendAmount(), q.Fee(), q.TotalToPay(), q.ReceiveAmount(), q.TotalCost(), q.TotalCostPercent()}
}

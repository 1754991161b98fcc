package fx

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// ratOf converts a decimal to an exact rational.
func ratOf(d decimal.Decimal) *big.Rat {
	return new(big.Rat).Mul(new(big.Rat).SetInt(d.Coefficient()), pow10(d.Exponent()))
}

func pow10(e int32) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs32(e))), nil)
	if e >= 0 {
		return new(big.Rat).SetInt(p)
	}
	return new(big.Rat).SetFrac(big.NewInt(1), p)
}

func abs32(e int32) int32 {
	if e < 0 {
		return -e
	}
	return e
}

// floorTo rounds a rational down to places decimals, exactly.
func floorTo(r *big.Rat, places int32) *big.Rat {
	scaled := new(big.Rat).Mul(r, pow10(places))
	q := new(big.Int).Quo(scaled.Num(), scaled.Denom()) // r ≥ 0 here: truncation is floor
	return new(big.Rat).Mul(new(big.Rat).SetInt(q), pow10(-places))
}

func randDecimal(r *rand.Rand, maxUnits int64, places int32) decimal.Decimal {
	return decimal.New(1+r.Int64N(maxUnits), -places)
}

// TestReceiveModeMinimal: for random rates, amounts and every combination of 0/2/3-decimal
// currencies, SendFor's S gives at least X and S minus one minor unit gives less than X,
// checked with exact rationals independent of the decimal library's rounding.
func TestReceiveModeMinimal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	minors := []int32{0, 2, 3}
	for i := 0; i < 20000; i++ {
		sm, rm := minors[r.IntN(3)], minors[r.IntN(3)]
		rate := decimal.New(1+r.Int64N(9_999_999), -int32(r.IntN(9)))
		x := randDecimal(r, 1_000_000_000, rm)
		s := SendFor(x, rate, sm)
		if s.Exponent() < -sm {
			t.Fatalf("S=%s has more than %d decimals", s, sm)
		}
		got := floorTo(new(big.Rat).Mul(ratOf(s), ratOf(rate)), rm)
		if got.Cmp(ratOf(x)) < 0 {
			t.Fatalf("rate %s X %s: S=%s receives %s < X", rate, x, s, got.FloatString(int(rm)))
		}
		less := s.Sub(decimal.New(1, -sm))
		if less.IsPositive() {
			got := floorTo(new(big.Rat).Mul(ratOf(less), ratOf(rate)), rm)
			if got.Cmp(ratOf(x)) >= 0 {
				t.Fatalf("rate %s X %s: S=%s is not minimal, %s also receives %s", rate, x, s, less, got.FloatString(int(rm)))
			}
		}
	}
}

// TestSendReceiveRoundTrip: a send-mode quote for S receives R; a receive-mode quote for R
// then needs at most S (the minimal S may be smaller when several S round to the same R).
func TestSendReceiveRoundTrip(t *testing.T) {
	s := goldenSnapshot(t)
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 2000; i++ {
		amount := decimal.New(1000+r.Int64N(499_000), -2) // 10.00 .. 5000.00 SGD
		sq, err := s.Compare(Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: amount.String()}, testNow)
		if err != nil || len(sq.Quotes) != 1 {
			t.Fatalf("send %s: %v %+v", amount, err, sq)
		}
		rq, err := s.Compare(Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: sq.Quotes[0].ReceiveAmount(), Mode: ModeReceive}, testNow)
		if err != nil || len(rq.Quotes) != 1 {
			t.Fatalf("receive %s: %v %+v", sq.Quotes[0].ReceiveAmount(), err, rq)
		}
		back := mustDec(rq.Quotes[0].SendAmount())
		if back.GreaterThan(amount) {
			t.Fatalf("send %s receives %s, but receive mode asks %s for it", amount, sq.Quotes[0].ReceiveAmount(), back)
		}
		if mustDec(rq.Quotes[0].ReceiveAmount()).LessThan(mustDec(sq.Quotes[0].ReceiveAmount())) {
			t.Fatalf("receive mode for %s delivers only %s", sq.Quotes[0].ReceiveAmount(), rq.Quotes[0].ReceiveAmount())
		}
	}
}

// TestDivRound checks the exact rounding helper against big.Rat on random fractions,
// including exact halves.
func TestDivRound(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		a := decimal.New(r.Int64N(2_000_001)-1_000_000, -int32(r.IntN(6)))
		b := decimal.New(1+r.Int64N(99_999), -int32(r.IntN(5)))
		if i%4 == 0 {
			b = decimal.New(2*(1+r.Int64N(50)), 0) // many exact halves
		}
		places := int32(r.IntN(4))
		exact := new(big.Rat).Quo(ratOf(a), ratOf(b))
		for _, mode := range []roundMode{roundFloor, roundCeil, roundHalfUp, roundHalfEven} {
			got := ratOf(divRound(a, b, places, mode))
			want := roundRat(exact, places, mode)
			if got.Cmp(want) != 0 {
				t.Fatalf("divRound(%s, %s, %d, %d) = %s, want %s", a, b, places, mode, got.FloatString(int(places)), want.FloatString(int(places)))
			}
		}
	}
}

// roundRat is a slow, obviously correct reference rounding.
func roundRat(x *big.Rat, places int32, mode roundMode) *big.Rat {
	scaled := new(big.Rat).Mul(x, pow10(places))
	fl := new(big.Int).Div(scaled.Num(), scaled.Denom()) // Euclidean: floor for positive denominators
	frac := new(big.Rat).Sub(scaled, new(big.Rat).SetInt(fl))
	half := big.NewRat(1, 2)
	res := new(big.Int).Set(fl)
	if frac.Sign() != 0 {
		switch mode {
		case roundCeil:
			res.Add(res, big.NewInt(1))
		case roundHalfUp, roundHalfEven:
			c := frac.Cmp(half)
			up := c > 0
			if c == 0 {
				if mode == roundHalfUp {
					up = x.Sign() > 0 // half away from zero
				} else {
					up = fl.Bit(0) == 1
				}
			}
			if up {
				res.Add(res, big.NewInt(1))
			}
		}
	}
	return new(big.Rat).Mul(new(big.Rat).SetInt(res), pow10(-places))
}

package fx

import (
	"math"
	"math/bits"
	"strconv"

	"github.com/shopspring/decimal"
)

// The fast path prices a quote in integer minor units with 64/128-bit arithmetic instead of
// arbitrary-precision decimals. It computes exactly the same numbers (TestFastMatchesExact
// checks it against the decimal path on random offers); an offer or amount whose numbers do
// not fit in 64 bits falls back to the decimal path.

var pow10u = func() [20]uint64 {
	var p [20]uint64
	p[0] = 1
	for i := 1; i < 20; i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// fastOffer is an offer's numbers as integers: amounts in send minor units, the rate as
// rM × 10^-re, and the cost fraction k/Num scaled to integers kAbs/num with a common exponent.
type fastOffer struct {
	ok         bool
	rM         uint64
	re         int32
	minU, maxU int64
	bands      []fastBand
	num, kAbs  uint64
	kNeg       bool
}

type fastBand struct {
	bounded        bool
	upTo, flat     int64
	hasMin, hasMax bool
	minFee, maxFee int64
	pM             uint64 // percent as pM × 10^-pe; pDiv = 10^(pe+2)
	pDiv           uint64
}

// toUnits returns d as a whole number of 10^-places, if exact and within int64.
func toUnits(d decimal.Decimal, places int32) (int64, bool) {
	shifted := d.Shift(places)
	if !shifted.Equal(shifted.Truncate(0)) {
		return 0, false
	}
	c := shifted.Truncate(0).BigInt()
	if !c.IsInt64() {
		return 0, false
	}
	return c.Int64(), true
}

// mantissa returns d (≥ 0) as m × 10^-e with e ≥ 0 and m fitting uint64.
func mantissa(d decimal.Decimal) (uint64, int32, bool) {
	if d.IsNegative() {
		return 0, 0, false
	}
	e := -d.Exponent()
	if e < 0 {
		e = 0
	}
	if e > 18 {
		return 0, 0, false
	}
	u, ok := toUnits(d, e)
	return uint64(u), e, ok && u >= 0
}

func prepareFast(o *priced, mid MidRate) fastOffer {
	var f fastOffer
	var ok bool
	sm := o.Send.Minor
	if f.rM, f.re, ok = mantissa(o.Rate); !ok || f.rM == 0 {
		return f
	}
	if f.minU, ok = toUnits(o.MinSend, sm); !ok {
		return f
	}
	if f.maxU, ok = toUnits(o.MaxSend, sm); !ok {
		return f
	}
	for _, b := range o.Fees {
		fb := fastBand{bounded: b.Bounded, hasMin: b.HasMin, hasMax: b.HasMax}
		ok1 := true
		if b.Bounded {
			fb.upTo, ok1 = toUnits(b.UpTo, sm)
		}
		fl, ok2 := toUnits(b.Flat, sm)
		mn, ok3 := toUnits(b.MinFee, sm)
		mx, ok4 := toUnits(b.MaxFee, sm)
		pM, pe, ok5 := mantissa(b.Percent)
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || pe+2 > 19 {
			return f
		}
		fb.flat, fb.minFee, fb.maxFee, fb.pM, fb.pDiv = fl, mn, mx, pM, pow10u[pe+2]
		f.bands = append(f.bands, fb)
	}
	// k = Num − r×Den and Num on a common exponent E.
	k := mid.Num.Sub(o.Rate.Mul(mid.Den))
	e := max(-mid.Num.Exponent(), -k.Exponent(), 0)
	num, ok := toUnits(mid.Num, e)
	if !ok || num <= 0 {
		return f
	}
	kU, ok := toUnits(k.Abs(), e)
	if !ok {
		return f
	}
	f.num, f.kAbs, f.kNeg = uint64(num), uint64(kU), k.IsNegative()
	f.ok = true
	return f
}

// mulDiv returns floor(a×b / d) and the remainder, or false when the quotient overflows.
func mulDiv(a, b, d uint64) (q, r uint64, ok bool) {
	hi, lo := bits.Mul64(a, b)
	if hi >= d {
		return 0, 0, false
	}
	q, r = bits.Div64(hi, lo, d)
	return q, r, true
}

// fastResult is a quote in integer units.
type fastResult struct {
	fee, recv, toPay, cost int64 // send minor units, except recv: receive minor units
	pct                    int64 // total_cost_percent in hundredths
}

// sendForFast is SendFor in units: ceil(x × 10^(sm+re−rm) / rM).
func (f *fastOffer) sendForFast(xU int64, sm, rm int32) (int64, bool) {
	if xU <= 0 {
		return 0, false
	}
	k := sm + f.re - rm
	var q, r uint64
	var ok bool
	if k >= 0 {
		if k > 19 {
			return 0, false
		}
		q, r, ok = mulDiv(uint64(xU), pow10u[k], f.rM)
	} else {
		if -k > 19 {
			return 0, false
		}
		hi, den := bits.Mul64(f.rM, pow10u[-k])
		if hi != 0 {
			return 0, false
		}
		q, r, ok = mulDiv(uint64(xU), 1, den)
	}
	if !ok {
		return 0, false
	}
	if r > 0 {
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}

// quote prices sU send units; inRange false when outside [min_send, max_send]; ok false
// when a number does not fit (the caller then uses the decimal path).
func (f *fastOffer) quote(sU int64, sm, rm int32) (res fastResult, inRange, ok bool) {
	if sU < f.minU || sU > f.maxU {
		return res, false, true
	}
	var b *fastBand
	for i := range f.bands {
		if !f.bands[i].bounded || sU <= f.bands[i].upTo {
			b = &f.bands[i]
			break
		}
	}
	if b == nil {
		return res, false, true
	}
	// Fee: flat + percent% × S, the percentage part half-up to the minor unit, then clamps.
	fee := b.flat
	if b.pM != 0 {
		q, r, ok := mulDiv(uint64(sU), b.pM, b.pDiv)
		if !ok {
			return res, true, false
		}
		if 2*r >= b.pDiv {
			q++
		}
		if q > math.MaxInt64/2 {
			return res, true, false
		}
		fee += int64(q)
	}
	if b.hasMin && fee < b.minFee {
		fee = b.minFee
	}
	if b.hasMax && fee > b.maxFee {
		fee = b.maxFee
	}
	res.fee, res.toPay = fee, sU+fee
	// Receive: floor(S × r) in receive units = floor(sU × rM × 10^(rm−sm−re)).
	e := rm - sm - f.re
	if e >= 0 {
		if e > 19 {
			return res, true, false
		}
		hi, lo := bits.Mul64(uint64(sU), f.rM)
		hi2, lo2 := bits.Mul64(lo, pow10u[e])
		if hi != 0 || hi2 != 0 || lo2 > math.MaxInt64 {
			return res, true, false
		}
		res.recv = int64(lo2)
	} else {
		if -e > 19 {
			return res, true, false
		}
		q, _, ok := mulDiv(uint64(sU), f.rM, pow10u[-e])
		if !ok || q > math.MaxInt64 {
			return res, true, false
		}
		res.recv = int64(q)
	}
	// Cost: X = fee×num ± sU×kAbs (128-bit, with its sign); cost = X/num; pct = X×10^4/(num×sU).
	aHi, aLo := bits.Mul64(uint64(fee), f.num)
	bHi, bLo := bits.Mul64(uint64(sU), f.kAbs)
	var xHi, xLo uint64
	neg := false
	if !f.kNeg {
		var c uint64
		xLo, c = bits.Add64(aLo, bLo, 0)
		xHi, c = bits.Add64(aHi, bHi, c)
		if c != 0 {
			return res, true, false
		}
	} else if aHi > bHi || (aHi == bHi && aLo >= bLo) {
		var br uint64
		xLo, br = bits.Sub64(aLo, bLo, 0)
		xHi, _ = bits.Sub64(aHi, bHi, br)
	} else {
		var br uint64
		xLo, br = bits.Sub64(bLo, aLo, 0)
		xHi, _ = bits.Sub64(bHi, aHi, br)
		neg = true
	}
	cost, ok := divHalfEven(xHi, xLo, f.num)
	if !ok {
		return res, true, false
	}
	// X × 10^4 must stay within 128 bits, and num × sU within 64 for Div64.
	dHi, den := bits.Mul64(f.num, uint64(sU))
	if dHi != 0 || xHi > math.MaxUint64/10000 {
		return res, true, false
	}
	pHi1, pLo := bits.Mul64(xLo, 10000)
	pHi := xHi*10000 + pHi1
	if pHi < xHi*10000 {
		return res, true, false
	}
	pct, ok := divHalfEven(pHi, pLo, den)
	if !ok {
		return res, true, false
	}
	if neg {
		cost, pct = -cost, -pct
	}
	res.cost, res.pct = cost, pct
	return res, true, true
}

// divHalfEven returns (hi,lo)/d rounded half to even (of the magnitude: the caller applies
// the sign, and half-even is symmetric).
func divHalfEven(hi, lo, d uint64) (int64, bool) {
	if hi >= d {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, d)
	// Compare 2r with d without overflow.
	if r > d-r || (r == d-r && q&1 == 1) {
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}

// formatUnits writes u × 10^-places with exactly places decimals.
func formatUnits(u int64, places int32) string {
	var buf [48]byte
	return string(appendUnits(buf[:0], u, places))
}

// appendUnits appends u × 10^-places with exactly places decimals to b.
func appendUnits(b []byte, u int64, places int32) []byte {
	var dbuf [24]byte
	neg := u < 0
	var mag uint64
	if neg {
		mag = uint64(-(u + 1)) + 1
	} else {
		mag = uint64(u)
	}
	digits := strconv.AppendUint(dbuf[:0], mag, 10)
	if neg {
		b = append(b, '-')
	}
	p := int(places)
	if p == 0 {
		return append(b, digits...)
	}
	if len(digits) <= p {
		b = append(b, '0', '.')
		for i := len(digits); i < p; i++ {
			b = append(b, '0')
		}
		return append(b, digits...)
	}
	b = append(b, digits[:len(digits)-p]...)
	b = append(b, '.')
	return append(b, digits[len(digits)-p:]...)
}

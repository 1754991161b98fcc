package fx

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// Limits on decimal strings accepted from clients and feeds: long enough for any real
// amount or rate, short enough that no input makes arithmetic expensive.
const (
	maxIntDigits  = 15 // a quadrillion units of anything
	maxFracDigits = 12 // rates like 0.000043210987
)

var (
	hundred = decimal.NewFromInt(100)
	one     = decimal.NewFromInt(1)
	zero    = decimal.Zero
)

// ParseDecimal parses a plain, non-negative decimal string: digits, optionally a point and
// more digits. Signs, exponents, spaces, "NaN" and more than 15 integer or 12 fractional
// digits are refused, so a client or feed cannot smuggle in 1e999999 or a 10 MB number.
func ParseDecimal(s string) (decimal.Decimal, error) {
	if s == "" {
		return zero, fmt.Errorf("must not be empty")
	}
	intDigits, fracDigits, seenPoint := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if seenPoint {
				fracDigits++
			} else {
				intDigits++
			}
		case c == '.' && !seenPoint:
			seenPoint = true
		default:
			return zero, fmt.Errorf("must be a plain decimal number like 41.835 (digits and one point, no sign or exponent)")
		}
	}
	if intDigits == 0 || (seenPoint && fracDigits == 0) {
		return zero, fmt.Errorf("must be a plain decimal number like 41.835 (digits and one point, no sign or exponent)")
	}
	if intDigits > maxIntDigits || fracDigits > maxFracDigits {
		return zero, fmt.Errorf("must have at most %d digits before and %d after the point", maxIntDigits, maxFracDigits)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return zero, fmt.Errorf("must be a plain decimal number")
	}
	return d, nil
}

// ParseAmount parses a positive amount of currency c as a client sends it: a plain decimal
// (see ParseDecimal) written with at most c.Minor decimals ("500.5" is fine for SGD; "500.5"
// and even "500.00" are not for JPY, which has no minor unit).
func ParseAmount(s string, c Currency) (decimal.Decimal, error) {
	d, err := ParseDecimal(s)
	if err != nil {
		return zero, err
	}
	if !d.IsPositive() {
		return zero, fmt.Errorf("must be more than 0")
	}
	if d.Exponent() < -c.Minor {
		if c.Minor == 0 {
			return zero, fmt.Errorf("%s has no minor unit: send a whole number", c.Code)
		}
		return zero, fmt.Errorf("%s allows at most %d decimals", c.Code, c.Minor)
	}
	return d, nil
}

// onGrid reports whether d is a whole number of 10^-places.
func onGrid(d decimal.Decimal, places int32) bool {
	return d.Exponent() >= -places || d.Truncate(places).Equal(d)
}

// roundMode says how divRound rounds.
type roundMode int

const (
	roundFloor    roundMode = iota // toward −∞
	roundCeil                      // toward +∞
	roundHalfUp                    // to nearest, halves away from zero
	roundHalfEven                  // to nearest, halves to the even neighbour
)

// divRound returns a/b rounded to places decimals with mode, exactly: the rounding
// decision uses the true remainder, not a truncated quotient, so a result that is exactly
// half (or just above half) is never misjudged. b must be positive.
func divRound(a, b decimal.Decimal, places int32, mode roundMode) decimal.Decimal {
	q, r := a.QuoRem(b, places)
	if r.IsZero() {
		return q
	}
	unit := decimal.New(1, -places)
	switch mode {
	case roundFloor:
		if r.IsNegative() {
			q = q.Sub(unit)
		}
		return q
	case roundCeil:
		if r.IsPositive() {
			q = q.Add(unit)
		}
		return q
	}
	cmp := r.Abs().Add(r.Abs()).Cmp(b.Mul(unit))
	up := cmp > 0
	if cmp == 0 {
		up = mode == roundHalfUp || q.Shift(places).BigInt().Bit(0) == 1
	}
	if up {
		if a.IsNegative() {
			return q.Sub(unit)
		}
		return q.Add(unit)
	}
	return q
}

// fixed formats d with exactly places decimals (the JSON form of an amount).
func fixed(d decimal.Decimal, places int32) string { return d.StringFixed(places) }

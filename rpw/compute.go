package rpw

import (
	"math/big"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// sdgTarget is SDG 10.c's corridor bound: 5%.
var sdgTarget = decimal.NewFromInt(5)

// summarize computes a corridor's reference at each surveyed amount:
//
//   - average: the simple mean of total_cost_percent over the services priced at that amount,
//     leaving out those with transparent = no (their 0% margin is not a measured zero; the
//     World Bank's averages leave them out too);
//   - SmaRT (USD 200 only): the mean of the three cheapest qualifying services: priced at
//     USD 200, transparent, and not slower than 5 days ("6 days or more"); absent with fewer
//     than three.
//
// Both are exact means rounded to 2 decimals half-even, from the survey's own percentages.
func summarize(ss []Offer) []AmountSummary {
	var out []AmountSummary
	for _, usd := range []string{USD200, USD500} {
		var costs, smart []decimal.Decimal
		sendAmount := ""
		for i := range ss {
			p := ss[i].USD200
			if usd == USD500 {
				p = ss[i].USD500
			}
			if p == nil {
				continue
			}
			if sendAmount == "" {
				sendAmount = p.SendAmount
			}
			if ss[i].Transparent == "no" {
				continue
			}
			c := decimal.RequireFromString(p.TotalCostPercent)
			costs = append(costs, c)
			if usd == USD200 && qualifiesForSmaRT(ss[i]) {
				smart = append(smart, c)
			}
		}
		if len(costs) == 0 && sendAmount == "" {
			continue
		}
		a := AmountSummary{USD: usd, SendAmount: sendAmount, Averaged: len(costs)}
		if len(costs) > 0 {
			a.AverageCostPercent = meanHalfEven(costs).StringFixed(2)
		}
		if len(smart) >= 3 {
			slices.SortFunc(smart, func(x, y decimal.Decimal) int { return x.Cmp(y) })
			m := meanHalfEven(smart[:3])
			a.SmartCostPercent = m.StringFixed(2)
			above := m.GreaterThan(sdgTarget)
			a.AboveSDGTarget = &above
		}
		out = append(out, a)
	}
	return out
}

// qualifiesForSmaRT: transparent (or not recorded) and at most 5 days.
func qualifiesForSmaRT(s Offer) bool {
	if s.Transparent == "no" {
		return false
	}
	sp := strings.ToLower(s.Speed)
	return !strings.Contains(sp, "6 days") && !strings.Contains(sp, "more than 5")
}

// meanHalfEven is the exact mean of xs rounded to 2 decimals, half to even.
func meanHalfEven(xs []decimal.Decimal) decimal.Decimal {
	sum := new(big.Rat)
	for _, x := range xs {
		sum.Add(sum, x.Rat())
	}
	sum.Quo(sum, new(big.Rat).SetInt64(int64(len(xs))))
	return roundRatHalfEven(sum, 2)
}

// roundRatHalfEven rounds r to places decimals, half to even, exactly.
func roundRatHalfEven(r *big.Rat, places int32) decimal.Decimal {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	num := new(big.Int).Mul(r.Num(), scale)
	den := r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int)) // truncated toward zero
	twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	switch c := twice.Cmp(den); {
	case c > 0 || (c == 0 && q.Bit(0) == 1):
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return decimal.NewFromBigInt(q, -places)
}

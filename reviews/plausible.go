package reviews

import (
	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
)

// UsualRange is the usual span of a review figure in one currency: a migrant worker's
// monthly salary, or the recruitment fees a worker reports paying (Low is 0 for fees).
type UsualRange struct {
	Low, High decimal.Decimal
}

// ImplausibleFactor is how far outside the usual range a figure must be to be implausible:
// more than ImplausibleFactor × High, or (salaries) less than Low / ImplausibleFactor. It is
// wide on purpose: it catches a wrong currency or extra zeros (BHD 1,200 typed for QAR 1,200,
// 1,500,000 for 15,000), never an unusually good or bad job.
const ImplausibleFactor = 10

// usualSalary is the usual monthly salary of a migrant worker paid in each currency,
// low–high, in whole units: the destinations' currencies from the corridors Kawan covers
// (minimum wages and the pay of domestic, construction and factory work at the low end,
// skilled work at the high end), and the origins' and world currencies at the same wages
// converted at late-2026 rates, rounded. A documented table, not measured data: the figures
// only bound what is plausible, ten times wider each way.
var usualSalary = map[string][2]string{
	// Destinations.
	"QAR": {"1000", "6000"}, "SAR": {"800", "6000"}, "AED": {"800", "6000"}, "KWD": {"60", "600"},
	"OMR": {"60", "600"}, "BHD": {"60", "600"}, "JOD": {"150", "1000"}, "ILS": {"3000", "15000"},
	"MYR": {"1200", "6000"}, "SGD": {"450", "4500"}, "HKD": {"4000", "20000"}, "TWD": {"20000", "60000"},
	"KRW": {"1800000", "4500000"}, "JPY": {"120000", "400000"}, "THB": {"6000", "30000"},
	// Origins and world currencies (the same pay written in them).
	"NPR": {"25000", "400000"}, "PHP": {"12000", "180000"}, "IDR": {"3000000", "50000000"},
	"MMK": {"400000", "9000000"}, "KHR": {"800000", "12000000"}, "VND": {"5000000", "75000000"},
	"LKR": {"50000", "900000"}, "BDT": {"20000", "350000"}, "INR": {"15000", "250000"}, "PKR": {"50000", "850000"},
	"USD": {"200", "3000"}, "EUR": {"180", "2800"}, "GBP": {"150", "2400"},
}

// usualFeeHigh is the most a worker usually reports paying in recruitment fees and costs
// in each currency (about USD 6,000, what the costliest corridors charge), whole units.
var usualFeeHigh = map[string]string{
	"QAR": "22000", "SAR": "22000", "AED": "22000", "KWD": "1850", "OMR": "2300", "BHD": "2300",
	"JOD": "4300", "ILS": "22000", "MYR": "27000", "SGD": "8000", "HKD": "47000", "TWD": "190000",
	"KRW": "8500000", "JPY": "900000", "THB": "210000",
	"NPR": "800000", "PHP": "350000", "IDR": "95000000", "MMK": "18000000", "KHR": "24000000",
	"VND": "150000000", "LKR": "1800000", "BDT": "720000", "INR": "500000", "PKR": "1700000",
	"USD": "6000", "EUR": "5600", "GBP": "4800",
}

// Usual returns the usual range of a review figure (field is fees_paid, salary_promised or
// salary_received) in currency, and whether Kawan has one for it.
func Usual(field, currency string) (UsualRange, bool) {
	if field == "fees_paid" {
		h, ok := usualFeeHigh[currency]
		if !ok {
			return UsualRange{}, false
		}
		return UsualRange{Low: decimal.Zero, High: decimal.RequireFromString(h)}, true
	}
	r, ok := usualSalary[currency]
	if !ok {
		return UsualRange{}, false
	}
	return UsualRange{Low: decimal.RequireFromString(r[0]), High: decimal.RequireFromString(r[1])}, true
}

// Implausible reports whether a review figure is more than ImplausibleFactor times outside
// its currency's usual range (false when the amount does not parse or Kawan has no range
// for the currency), with that range.
func Implausible(field string, m kawan.Money) (bool, UsualRange) {
	r, ok := Usual(field, m.Currency)
	if !ok {
		return false, r
	}
	amt, err := decimal.NewFromString(m.Amount)
	if err != nil {
		return false, r
	}
	f := decimal.NewFromInt(ImplausibleFactor)
	if amt.GreaterThan(r.High.Mul(f)) {
		return true, r
	}
	// A salary of 0 is a report of not being paid, not a typing error.
	return r.Low.IsPositive() && amt.IsPositive() && amt.LessThan(r.Low.Div(f)), r
}

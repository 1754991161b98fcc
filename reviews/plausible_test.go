package reviews

import (
	"testing"

	"github.com/kawan-labs/kawan"
)

func TestImplausible(t *testing.T) {
	cases := []struct {
		field, amount, currency string
		want                    bool
	}{
		{"salary_received", "1200", "QAR", false},
		{"salary_received", "60000", "QAR", false}, // 10 × 6000: the edge is still plausible
		{"salary_received", "60001", "QAR", true},
		{"salary_received", "1200000", "QAR", true},
		{"salary_received", "99", "QAR", true}, // below 1000 / 10
		{"salary_received", "0", "QAR", false}, // not paid at all
		{"salary_promised", "1200", "BHD", false},
		{"salary_promised", "12000", "KWD", true},
		{"fees_paid", "0", "NPR", false},
		{"fees_paid", "1", "NPR", false},
		{"fees_paid", "200000", "NPR", false},
		{"fees_paid", "8000001", "NPR", true},
		{"fees_paid", "100000", "SGD", true},
		{"fees_paid", "999999999", "XAF", false}, // no range: never flagged
	}
	for _, c := range cases {
		got, _ := Implausible(c.field, kawan.Money{Amount: c.amount, Currency: c.currency})
		if got != c.want {
			t.Errorf("%s %s %s: implausible %v, want %v", c.field, c.currency, c.amount, got, c.want)
		}
	}
	for cur := range usualSalary {
		if _, ok := usualFeeHigh[cur]; !ok {
			t.Errorf("%s has a salary range but no fee range", cur)
		}
		if _, err := kawan.CurrencyMinorUnits(cur); err != nil {
			t.Errorf("%s: %v", cur, err)
		}
	}
}

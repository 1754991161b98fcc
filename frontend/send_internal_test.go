package frontend

import "testing"

func TestSigRound(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"43.43350498", "43.4335"},
		{"3651.65185032", "3651.65"},
		{"37.14285714", "37.1429"},
		{"0.02134567", "0.0213457"},
		{"0.5", "0.5"},
		{"42.17000000", "42.17"},
		{"1234567.891", "1234568"},
		{"26315.78947368", "26315.8"},
		{"0.00012345678", "0.000123457"},
	} {
		if got := sigRound(tc.in, rateDigits).String(); got != tc.want {
			t.Errorf("sigRound(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

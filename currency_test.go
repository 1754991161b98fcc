package kawan

import (
	"slices"
	"testing"

	"golang.org/x/text/currency"
)

// TestMinorUnitsISO pins the minor units the issue names and a few more, from the ISO 4217
// table (published by SIX on behalf of ISO).
func TestMinorUnitsISO(t *testing.T) {
	want := map[string]int32{
		"JPY": 0, "KWD": 3, "BHD": 3, "OMR": 3, "VND": 0, "IDR": 2, "KRW": 0, "MMK": 2, "LAK": 2, "KHR": 2,
		"PHP": 2, "SGD": 2, "NPR": 2, "IQD": 3, "JOD": 3, "TND": 3, "LYD": 3, "CLF": 4, "ISK": 0, "XOF": 0, "USD": 2, "EUR": 2,
	}
	for code, m := range want {
		c, err := LookupCurrency(code)
		if err != nil || c.Minor != m {
			t.Errorf("%s: got %+v, %v; want minor unit %d", code, c, err, m)
		}
	}
	for _, bad := range []string{"", "sgd", "SG", "SGDX", "XAU", "XXX", "XTS", "DEM", "HRK", "ABC", "S1D", "ＳＧＤ"} {
		if _, err := LookupCurrency(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

// TestMinorUnitsAgainstXText compares the ISO table with golang.org/x/text/currency (CLDR).
// They agree except where CLDR's digits deliberately differ from ISO or CLDR lacks a code;
// this list is the complete set of differences, so an update on either side shows up here.
func TestMinorUnitsAgainstXText(t *testing.T) {
	// CLDR rounds these to whole units by custom; ISO 4217 keeps their minor unit.
	wantDiffer := []string{"AFN", "ALL", "AMD", "COP", "GYD", "IDR", "IQD", "IRR", "KPW", "LAK", "LBP", "MGA",
		"MMK", "MNT", "MUR", "PKR", "RSD", "SOS", "SYP", "TZS", "UZS", "YER"}
	// Codes ISO added that x/text v0.43 does not know yet.
	wantMissing := []string{"MRU", "SLE", "UYW", "VED", "VES", "XCG", "ZWG"}
	var differ, missing []string
	for code, iso := range iso4217 {
		cldr, ok := cldrDigits(code)
		switch {
		case !ok:
			missing = append(missing, code)
		case int32(cldr) != iso:
			differ = append(differ, code)
		}
	}
	slices.Sort(differ)
	slices.Sort(missing)
	if !slices.Equal(differ, wantDiffer) {
		t.Errorf("ISO and x/text differ on %q, want exactly %q", differ, wantDiffer)
	}
	if !slices.Equal(missing, wantMissing) {
		t.Errorf("x/text lacks %q, want exactly %q", missing, wantMissing)
	}
}

// cldrDigits returns the CLDR (golang.org/x/text/currency) standard number of decimals
// for code, and whether x/text knows the code.
func cldrDigits(code string) (int, bool) {
	u, err := currency.ParseISO(code)
	if err != nil {
		return 0, false
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, true
}

// TestOneCurrencyTable: the reviews' and the frontend's minor units are the fx table's (GYD and
// MUR once had 2 minor units in fx and 0 in the root package, which the frontend used).
func TestOneCurrencyTable(t *testing.T) {
	for code, want := range iso4217 {
		got, err := CurrencyMinorUnits(code)
		if err != nil || int32(got) != want {
			t.Errorf("%s: CurrencyMinorUnits %d, %v; the table says %d", code, got, err, want)
		}
	}
	for _, code := range []string{"GYD", "MUR"} {
		if got, _ := CurrencyMinorUnits(code); got != 2 {
			t.Errorf("%s: %d minor units, ISO 4217 says 2", code, got)
		}
	}
	if _, err := CurrencyMinorUnits("php"); err == nil {
		t.Error("lower-case code accepted")
	}
}

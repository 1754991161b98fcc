package kawan

import (
	"fmt"
)

// Currency is an ISO 4217 currency with its minor unit (the number of decimals an amount
// in it may carry), e.g. JPY 0, PHP 2, KWD 3.
type Currency struct {
	Code  string
	Minor int32
}

// String returns the ISO code.
func (c Currency) String() string { return c.Code }

// iso4217 is ISO 4217 List One (current currencies and funds, 2025), code → minor unit.
// It is the authority for both validity and minor units. golang.org/x/text/currency follows
// CLDR, whose "digits" differ from ISO for 22 currencies, several on migrant corridors (IDR,
// MMK, LAK, PKR: 0 in CLDR, 2 in ISO; IQD 0 vs 3), and which lacks recent codes (SLE, VES,
// ZWG, MRU, XCG);
// TestMinorUnitsAgainstXText pins every difference, so a change on either side is noticed.
// Precious metals, SDR and test codes (XAU, XDR, XTS, XXX …) have no minor unit and are
// not remittance currencies, so they are left out.
var iso4217 = map[string]int32{
	"AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "ANG": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2, "AZN": 2,
	"BAM": 2, "BBD": 2, "BDT": 2, "BGN": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2, "BOB": 2, "BOV": 2,
	"BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BZD": 2, "CAD": 2, "CDF": 2, "CHE": 2, "CHF": 2,
	"CHW": 2, "CLF": 4, "CLP": 0, "CNY": 2, "COP": 2, "COU": 2, "CRC": 2, "CUP": 2, "CVE": 2, "CZK": 2,
	"DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2, "EGP": 2, "ERN": 2, "ETB": 2, "EUR": 2, "FJD": 2, "FKP": 2,
	"GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2, "GNF": 0, "GTQ": 2, "GYD": 2, "HKD": 2, "HNL": 2,
	"HTG": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "IQD": 3, "IRR": 2, "ISK": 0, "JMD": 2, "JOD": 3,
	"JPY": 0, "KES": 2, "KGS": 2, "KHR": 2, "KMF": 0, "KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2,
	"LAK": 2, "LBP": 2, "LKR": 2, "LRD": 2, "LSL": 2, "LYD": 3, "MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2,
	"MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2, "MUR": 2, "MVR": 2, "MWK": 2, "MXN": 2, "MXV": 2, "MYR": 2,
	"MZN": 2, "NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2, "NZD": 2, "OMR": 3, "PAB": 2, "PEN": 2,
	"PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2, "PYG": 0, "QAR": 2, "RON": 2, "RSD": 2, "RUB": 2, "RWF": 0,
	"SAR": 2, "SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2, "SHP": 2, "SLE": 2, "SOS": 2, "SRD": 2,
	"SSP": 2, "STN": 2, "SVC": 2, "SYP": 2, "SZL": 2, "THB": 2, "TJS": 2, "TMT": 2, "TND": 3, "TOP": 2,
	"TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2, "UAH": 2, "UGX": 0, "USD": 2, "USN": 2, "UYI": 0, "UYU": 2,
	"UYW": 4, "UZS": 2, "VED": 2, "VES": 2, "VND": 0, "VUV": 0, "WST": 2, "XAF": 0, "XCD": 2, "XCG": 2,
	"XOF": 0, "XPF": 0, "YER": 2, "ZAR": 2, "ZMW": 2, "ZWG": 2,
}

// LookupCurrency returns the ISO 4217 currency for an upper-case three-letter code, or an
// error saying why it is not one (worded for a field error).
func LookupCurrency(code string) (Currency, error) {
	if len(code) != 3 || !isUpper3(code) {
		return Currency{}, fmt.Errorf("must be an ISO 4217 code of three capital letters, like SGD")
	}
	m, ok := iso4217[code]
	if !ok {
		return Currency{}, fmt.Errorf("%s is not a current ISO 4217 currency", code)
	}
	return Currency{Code: code, Minor: m}, nil
}

// CurrencyMinorUnits returns the ISO 4217 minor units (decimal places) of a current currency,
// given as its upper-case three-letter code.
func CurrencyMinorUnits(code string) (int, error) {
	c, err := LookupCurrency(code)
	if err != nil {
		return 0, fmt.Errorf("kawan: %q: %w", code, err)
	}
	return int(c.Minor), nil
}

func isUpper3(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

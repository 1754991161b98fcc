package stats

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// SampleRates is a fixed table of approximate mid-market rates (units per 1 USD), SAMPLE
// DATA used until the fx area's live rates are connected (Options.FX). Tables that
// used it say so (rates.sample = true).
type SampleRates struct{}

var sampleRates = map[string]string{
	"AED": "3.6725", "AUD": "1.53", "BDT": "122.0", "BHD": "0.376", "BND": "1.30", "CAD": "1.40", "CNY": "7.10",
	"EUR": "0.86", "GBP": "0.76", "HKD": "7.78", "IDR": "16600", "ILS": "3.25", "INR": "88.5", "JOD": "0.709",
	"JPY": "154", "KHR": "4000", "KRW": "1460", "KWD": "0.307", "LAK": "21700", "LKR": "300",
	"MMK": "2100", "MVR": "15.4", "MYR": "4.15", "NPR": "141", "OMR": "0.3845", "PHP": "58.5",
	"PKR": "281", "QAR": "3.64", "SAR": "3.75", "SEK": "9.50", "SGD": "1.30", "THB": "32.5", "TWD": "30.5",
	"USD": "1", "VND": "26300",
}

// USDRates implements RateSource.
func (SampleRates) USDRates(context.Context) (RateTable, error) {
	t := RateTable{Source: "Kawan sample rates (approximate, not for production use)",
		AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Sample: true, PerUSD: map[string]decimal.Decimal{}}
	for c, r := range sampleRates {
		t.PerUSD[c] = decimal.RequireFromString(r)
	}
	return t, nil
}

// Package demodata holds the FICTIONAL survey the demo loads on first start: the demo
// corridors in the World Bank's Remittance Prices Worldwide CSV layout, every firm and
// number made up (written by scripts/rpwdemo).
package demodata

import _ "embed"

// CSV is the fictional survey, as the survey's CSV export.
//
//go:embed rpw_demo_fictional.csv
var CSV []byte

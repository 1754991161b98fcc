package fx

import "github.com/kawan-labs/kawan"

// Currency is an ISO 4217 currency with its minor unit; the table is kawan's (currency.go in
// the module root), the one table fx, reviews and the frontend share.
type Currency = kawan.Currency

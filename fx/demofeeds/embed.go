// Package demofeeds holds Kawan's bundled demo feeds: fictional remittance providers
// ("(fictional demo)" in every name, IDs starting with demo-, websites under .example) and
// fictional mid-market rates in the kawan.rates/v1 and ECB eurofxref formats. They are what
// Kawan quotes from when KAWAN_FEEDS is unset. The times in them are relative to
// Epoch: the demo source shifts them so the newest is as old as at Epoch.
package demofeeds

import (
	"embed"
	"time"
)

// FS holds the feed files.
//
//go:embed *.json *.csv *.xml
var FS embed.FS

// Epoch is the moment the demo feeds were written for: their generated_at and as_of times
// are shifted by (now − Epoch) when loaded, so the demo always looks as fresh as it did then.
var Epoch = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// Package fx compares remittance providers on a corridor by the amount that arrives:
// ISO 4217 currencies and minor units, fee schedules, exact quotes by the World Bank RPW
// cost method, feed adapters (kawan.provider-feed/v1 JSON and CSV, ECB eurofxref daily and
// history, kawan.rates/v1), validation that rejects a bad feed whole, immutable snapshots
// for lock-free reads, and the refresher that keeps them current.
//
// All money and rates are shopspring/decimal; a quote is computed exactly (mid rates are
// kept as fractions, rounding decisions use true remainders) and rounded only where
// ../shared/FEEDS.md says: receive amounts down to the receive currency's minor unit,
// percentage fees half-up to the send currency's minor unit, percentages to 2 decimals
// half-even, and total_cost half-even to the send currency's minor unit.
package fx

package stats

import (
	"github.com/kawan-labs/kawan"

	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan/fx"
)

// CostRecorder keeps the remittance cost observations statistics are built from
// (store.RemittanceCosts): one record per corridor, UTC day and reference amount, holding
// each provider's cost from the last snapshot observed that day.
type CostRecorder interface {
	CostSource
	RecordCosts(ctx context.Context, obs []CostObservation) error
}

// fxRates reads USD mid-market rates from the current fx snapshot.
type fxRates struct{ snapshot func() *fx.Snapshot }

func (f fxRates) USDRates(ctx context.Context) (RateTable, error) {
	snap := f.snapshot()
	if snap == nil {
		return SampleRates{}.USDRates(ctx)
	}
	return RatesFromSnapshot(snap), nil
}

// RatesFromSnapshot returns units of each currency per USD from the snapshot's mid-market
// rate tables (the freshest table holding the currency, or a cross rate), exact to 10 decimals.
func RatesFromSnapshot(snap *fx.Snapshot) RateTable {
	t := RateTable{PerUSD: map[string]decimal.Decimal{"USD": decimal.NewFromInt(1)}}
	var sources []string
	for _, rs := range snap.RateSets() {
		if !slices.Contains(sources, rs.Source) {
			sources = append(sources, rs.Source)
		}
		if t.AsOf.IsZero() || rs.AsOf.Before(t.AsOf) {
			t.AsOf = rs.AsOf
		}
		codes := []string{rs.Base}
		for c := range rs.Rates {
			codes = append(codes, c)
		}
		for _, c := range codes {
			if _, done := t.PerUSD[c]; done {
				continue
			}
			if m, ok := snap.Mid("USD", c); ok && m.Den.IsPositive() && m.Num.IsPositive() {
				t.PerUSD[c] = m.Num.DivRound(m.Den, 10)
			}
		}
	}
	sort.Strings(sources)
	t.Source = "mid-market rates: " + strings.Join(sources, ", ")
	return t
}

// ObserveSnapshot prices every corridor of snap at the RPW reference amounts (200 and 500
// USD converted at mid into the send currency, rounded half-even to its minor unit) and
// returns each provider's cheapest fresh quote per corridor and amount.
func ObserveSnapshot(snap *fx.Snapshot, now time.Time) []CostObservation {
	var out []CostObservation
	for _, info := range snap.Corridors() {
		if !info.HasMidRate {
			continue
		}
		cur, err := kawan.LookupCurrency(info.SendCurrency)
		if err != nil {
			continue
		}
		perUSD := decimal.NewFromInt(1)
		if info.SendCurrency != "USD" {
			m, ok := snap.Mid("USD", info.SendCurrency)
			if !ok || !m.Den.IsPositive() {
				continue
			}
			perUSD = m.Num.DivRound(m.Den, 12)
		}
		for _, usd := range RPWAmounts {
			amt := decimal.NewFromInt(int64(usd)).Mul(perUSD).RoundBank(cur.Minor)
			c, err := snap.Compare(fx.Request{SendCurrency: info.SendCurrency, ReceiveCurrency: info.ReceiveCurrency,
				Amount: amt.StringFixed(cur.Minor)}, now)
			if err != nil {
				continue
			}
			best := map[string]decimal.Decimal{}
			for _, q := range c.Quotes {
				if q.Stale() {
					continue
				}
				p, err := decimal.NewFromString(q.TotalCostPercent())
				if err != nil {
					continue
				}
				if b, ok := best[q.Provider().ID]; !ok || p.LessThan(b) {
					best[q.Provider().ID] = p
				}
			}
			for id, p := range best {
				out = append(out, CostObservation{SendCurrency: info.SendCurrency, ReceiveCurrency: info.ReceiveCurrency,
					ProviderID: id, At: now.UTC(), AmountUSD: usd, CostPercent: p})
			}
		}
	}
	slices.SortFunc(out, func(a, b CostObservation) int {
		return strings.Compare(a.SendCurrency+a.ReceiveCurrency+itoa(a.AmountUSD)+a.ProviderID, b.SendCurrency+b.ReceiveCurrency+itoa(b.AmountUSD)+b.ProviderID)
	})
	return out
}

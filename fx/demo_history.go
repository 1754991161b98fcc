package fx

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// DemoHistoryStore is what SynthesizeDemoHistory writes to; *store.FX implements it.
type DemoHistoryStore interface {
	InsertDays(ctx context.Context, days []HistoryDay) error
}

// demoHours are the hours of the day the fictional history is sampled at.
var demoHours = []int{8, 20}

// SynthesizeDemoHistory writes days of FICTIONAL history (ending yesterday, UTC) for the
// corridors of the current snapshot, so the demo's cost charts have data: every currency's
// rate drifts smoothly (a few percent over weeks), each provider's rate keeps its margin
// with a little noise, and the samples go through the same pricing as the live recorder.
// It returns the number of corridor-days written. Only the demo loader calls it.
func (s *Service) SynthesizeDemoHistory(ctx context.Context, st DemoHistoryStore, days int, seed uint64) (int, error) {
	if days <= 0 || days > MaxHistoryDays {
		return 0, errors.New("fx: demo history: days must be 1-366")
	}
	s.mu.Lock()
	var pf, rf []*Feed
	for _, k := range sortedKeys(s.feeds) {
		if g := s.feeds[k].good; g != nil {
			if g.IsRates() {
				rf = append(rf, g)
			} else {
				pf = append(pf, g)
			}
		}
	}
	s.mu.Unlock()
	r := rand.New(rand.NewPCG(seed, 0x6b6177616e))
	// Each currency drifts along a triangle wave against USD, in whole parts per million:
	// period 15–55 days, amplitude 0.5–2.5%, a random phase. Exact integer arithmetic, so
	// the fictional history is the same on every machine for a seed.
	type wave struct{ periodH, phaseH, ampPPM int64 }
	waves := map[string]wave{}
	factor := func(code string, tH int64) decimal.Decimal {
		if code == "USD" {
			return decimal.NewFromInt(1)
		}
		w, ok := waves[code]
		if !ok {
			p := int64(15+r.IntN(41)) * 24
			w = wave{periodH: p, phaseH: r.Int64N(p), ampPPM: int64(5000 + r.IntN(20001))}
			waves[code] = w
		}
		pos := (tH + w.phaseH) % w.periodH
		tri := 2_000_000*abs64(2*pos-w.periodH)/w.periodH - 1_000_000    // −1e6 … 1e6
		return decimal.New(1_000_000_000_000+w.ampPPM*tri, -12).Round(6) // a simulation input, not money: rounded at once
	}
	today := s.now().Truncate(24 * time.Hour)
	out := map[string]*HistoryDay{}
	for d := days; d >= 1; d-- {
		day := today.Add(-time.Duration(d) * 24 * time.Hour)
		for _, h := range demoHours {
			at := day.Add(time.Duration(h) * time.Hour)
			t := int64(days-d)*24 + int64(h) // hours since the start of the history
			snap := BuildSnapshot(perturbOffers(pf, at, t, factor, r), perturbRates(rf, at, t, factor), s.bounds, at)
			for key, pts := range snap.points(at) {
				id := DayID(key, day)
				doc := out[id]
				if doc == nil {
					doc = &HistoryDay{ID: id, Corridor: key, SendCurrency: key[:3], ReceiveCurrency: key[4:], Day: day.Format(time.DateOnly)}
					out[id] = doc
				}
				doc.Slots = append(doc.Slots, at.Format(time.RFC3339))
				for _, p := range pts {
					if doc.Count == 0 || p.CostBP < doc.MinCostBP {
						doc.MinCostBP = p.CostBP
					}
					if doc.Count == 0 || p.CostBP > doc.MaxCostBP {
						doc.MaxCostBP = p.CostBP
					}
					doc.SumCostBP += p.CostBP
					doc.Count++
				}
				doc.Points = append(doc.Points, pts...)
			}
		}
	}
	docs := make([]HistoryDay, 0, len(out))
	for _, id := range sortedKeys(out) {
		docs = append(docs, *out[id])
	}
	defer s.histGen.Add(1) // cached daily costs are out of date
	for chunk := range slices.Chunk(docs, 200) {
		if err := st.InsertDays(ctx, chunk); err != nil {
			return 0, err
		}
	}
	return len(docs), nil
}

func perturbRates(feeds []*Feed, at time.Time, t int64, factor func(string, int64) decimal.Decimal) []*Feed {
	out := make([]*Feed, 0, len(feeds))
	for _, f := range feeds {
		rs, ok := f.Latest()
		if !ok {
			continue
		}
		fb := factor(rs.Base, t)
		n := RateSet{Source: rs.Source, Base: rs.Base, AsOf: at.Add(-time.Hour), Rates: make(map[string]decimal.Decimal, len(rs.Rates))}
		for c, v := range rs.Rates {
			n.Rates[c] = v.Mul(factor(c, t)).Div(fb).Round(6)
		}
		out = append(out, &Feed{Format: f.Format, RateSets: []RateSet{n}})
	}
	return out
}

func perturbOffers(feeds []*Feed, at time.Time, t int64, factor func(string, int64) decimal.Decimal, r *rand.Rand) []*Feed {
	out := make([]*Feed, 0, len(feeds))
	for _, f := range feeds {
		n := &Feed{Format: f.Format, Providers: f.Providers, Offers: make([]Offer, len(f.Offers))}
		for i, o := range f.Offers {
			noise := decimal.New(1_000_000+int64(r.IntN(4001))-2000, -6) // ±0.2%
			move := func(r decimal.Decimal) decimal.Decimal {
				places := max(-r.Exponent(), 2) // as many decimals as the provider quotes
				return r.Mul(factor(o.Receive.Code, t)).Div(factor(o.Send.Code, t)).Mul(noise).RoundFloor(places)
			}
			o.Rate = move(o.Rate)
			if len(o.RateBands) > 0 {
				o.RateBands = slices.Clone(o.RateBands)
				for j := range o.RateBands {
					o.RateBands[j].Rate = move(o.RateBands[j].Rate)
				}
			}
			o.GeneratedAt = at.Add(-30 * time.Minute)
			n.Offers[i] = o
		}
		out = append(out, n)
	}
	return out
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

package fx

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
)

// referenceUSD is the amount history samples are priced at: USD 200 in the send currency,
// the smaller of the World Bank RPW's two reference amounts.
var referenceUSD = decimal.NewFromInt(200)

// ReferenceAmount is the send amount a corridor's history is sampled at: USD 200 converted
// at mid to the send currency and rounded to two significant digits (SGD 270, JPY 30000,
// KWD 62), or 200 units when no USD rate is known; kept inside what some provider accepts.
func (s *Snapshot) ReferenceAmount(send, receive string) decimal.Decimal {
	cur, _ := kawan.LookupCurrency(send)
	amt := referenceUSD
	if send != "USD" {
		if m, ok := midFor("USD", send, s.rateSets); ok {
			amt = referenceUSD.Mul(m.Num).Div(m.Den)
		}
	}
	// Two significant digits, but never finer than the currency's minor unit.
	places := 2 - int32(len(amt.Truncate(0).String()))
	amt = amt.Round(min(places, cur.Minor))
	if c, ok := s.corridors[CorridorKey(send, receive)]; ok {
		lo, _ := decimal.NewFromString(c.info.MinSend)
		hi, _ := decimal.NewFromString(c.info.MaxSend)
		if amt.LessThan(lo) {
			amt = lo
		}
		if amt.GreaterThan(hi) {
			amt = hi
		}
	}
	return amt
}

// points prices the reference amount on every corridor of snap and returns the history
// points per corridor key.
func (snap *Snapshot) points(at time.Time) map[string][]HistoryPoint {
	out := map[string][]HistoryPoint{}
	for _, info := range snap.corrList {
		if !info.HasMidRate {
			continue
		}
		send, _ := kawan.LookupCurrency(info.SendCurrency)
		ref := snap.ReferenceAmount(info.SendCurrency, info.ReceiveCurrency)
		c, err := snap.Compare(Request{SendCurrency: info.SendCurrency, ReceiveCurrency: info.ReceiveCurrency, Amount: ref.StringFixed(send.Minor)}, at)
		if err != nil || len(c.Quotes) == 0 {
			continue
		}
		pts := make([]HistoryPoint, 0, len(c.Quotes))
		for _, q := range c.Quotes {
			pts = append(pts, HistoryPoint{At: at.UTC().Truncate(time.Second), Provider: q.o.provider.ID, PayoutMethod: q.o.PayoutMethod,
				FundingMethod: q.o.FundingMethod, Product: q.o.Product, ExchangeRate: q.o.rateStr, MidRate: c.MidRate.Rate, SendAmount: q.SendAmount(),
				Fee: q.Fee(), ReceiveAmount: q.ReceiveAmount(), FXMarginPercent: q.o.margin, TotalCostPercent: q.TotalCostPercent(),
				CostBP: q.pct, Stale: q.stale})
		}
		out[CorridorKey(info.SendCurrency, info.ReceiveCurrency)] = pts
	}
	return out
}

// recordHistory samples the snapshot once per corridor and hour. Callers hold mu.
func (s *Service) recordHistory(ctx context.Context, snap *Snapshot, now time.Time) {
	slot := now.Truncate(time.Hour)
	for key, pts := range snap.points(now) {
		if s.recorded[key].Equal(slot) {
			continue
		}
		send, receive := key[:3], key[4:]
		if _, err := s.o.Store.RecordSlot(ctx, send, receive, slot, pts); err != nil {
			s.log.Warn("fx: could not record history; quotes are unaffected", "corridor", key, "err", err)
			continue
		}
		s.recorded[key] = slot
		s.histGen.Add(1) // cached daily costs are out of date
	}
}

var corridorPattern = regexp.MustCompile(`^[A-Z]{3}-[A-Z]{3}$`)

// ParseCorridor checks a corridor key like "SGD-PHP"; errors name field.
func ParseCorridor(field, key string) (send, receive Currency, err error) {
	if !corridorPattern.MatchString(key) {
		return send, receive, kawan.Invalid(field, "must be two ISO 4217 codes joined by a dash, like SGD-PHP")
	}
	if send, err = kawan.LookupCurrency(key[:3]); err != nil {
		return send, receive, kawan.Invalid(field, "%v", err)
	}
	if receive, err = kawan.LookupCurrency(key[4:]); err != nil {
		return send, receive, kawan.Invalid(field, "%v", err)
	}
	if send == receive {
		return send, receive, kawan.Invalid(field, "the two currencies must differ")
	}
	return send, receive, nil
}

// HistoryQuery asks for a corridor's quote history, optionally for one provider.
type HistoryQuery struct {
	Corridor string // "SGD-PHP"
	Provider string // optional
	From, To time.Time
}

// Limits of a history read: a provider's series may span a year; all providers together a
// month; at most MaxHistoryPoints points are returned (the earliest first).
const (
	MaxHistoryDays         = 366
	MaxHistoryDaysAll      = 31
	MaxHistoryPoints       = 10000
	defaultHistoryDuration = 30 * 24 * time.Hour
)

// History is a corridor's time series: one point per provider offer and sampled hour, each
// priced at the corridor's reference amount (see Snapshot.ReferenceAmount).
type History struct {
	Corridor  Corridor       `json:"corridor"`
	Provider  string         `json:"provider,omitempty"`
	From      time.Time      `json:"from"`
	To        time.Time      `json:"to"`
	Points    []HistoryPoint `json:"points"`
	Truncated bool           `json:"truncated"`
	Days      []DailyCost    `json:"days"`
}

// DailyCost is a corridor's average cost on one UTC day: the mean total_cost_percent of
// every fresh quote sampled that day at the reference amount.
type DailyCost struct {
	Day                     string `json:"day"`
	AverageTotalCostPercent string `json:"average_total_cost_percent"`
	MinTotalCostPercent     string `json:"min_total_cost_percent"`
	MaxTotalCostPercent     string `json:"max_total_cost_percent"`
	Samples                 int64  `json:"samples"`
	AboveSDGTarget          bool   `json:"above_sdg_target"`
}

// normalizeRange applies the default (last 30 days) and checks the bounds; errors name the
// query parameters from and to.
func (s *Service) normalizeRange(from, to time.Time, maxDays int) (time.Time, time.Time, error) {
	if to.IsZero() {
		to = s.now()
	}
	if from.IsZero() {
		from = to.Add(-defaultHistoryDuration)
	}
	from, to = from.UTC(), to.UTC()
	if to.Before(from) {
		return from, to, kawan.Invalid("from", "must not be after to")
	}
	if to.Sub(from) > time.Duration(maxDays)*24*time.Hour {
		return from, to, kawan.Invalid("from", "the range may span at most %d days", maxDays)
	}
	return from, to, nil
}

// History returns the sampled quotes of a corridor between q.From and q.To (default: the
// last 30 days), optionally for one provider, with the daily averages of the same days.
func (s *Service) History(ctx context.Context, q HistoryQuery) (History, error) {
	send, receive, err := ParseCorridor("corridor", q.Corridor)
	if err != nil {
		return History{}, err
	}
	maxDays := MaxHistoryDaysAll
	if q.Provider != "" {
		if !providerIDPattern.MatchString(q.Provider) {
			return History{}, kawan.Invalid("provider", "must be a provider id like demo-lautan-remit")
		}
		maxDays = MaxHistoryDays
	}
	from, to, err := s.normalizeRange(q.From, q.To, maxDays)
	if err != nil {
		return History{}, err
	}
	h := History{Corridor: Corridor{SendCurrency: send.Code, ReceiveCurrency: receive.Code}, Provider: q.Provider,
		From: from, To: to, Points: []HistoryPoint{}, Days: []DailyCost{}}
	days, err := s.days(ctx, q.Corridor, from, to)
	if err != nil {
		return History{}, err
	}
	for _, d := range days {
		for _, p := range d.Points {
			if p.At.Before(from) || p.At.After(to) || (q.Provider != "" && p.Provider != q.Provider) {
				continue
			}
			if len(h.Points) >= MaxHistoryPoints {
				h.Truncated = true
				break
			}
			h.Points = append(h.Points, p)
		}
		if q.Provider == "" {
			h.Days = append(h.Days, dailyCost(d))
		}
	}
	return h, nil
}

// DailyCosts returns a corridor's daily average cost for the UTC days between from and to
// (default: the last 30 days; at most MaxHistoryDays), oldest first, skipping days without samples.
func (s *Service) DailyCosts(ctx context.Context, corridor string, from, to time.Time) ([]DailyCost, error) {
	if _, _, err := ParseCorridor("corridor", corridor); err != nil {
		return nil, err
	}
	from, to, err := s.normalizeRange(from, to, MaxHistoryDays)
	if err != nil {
		return nil, err
	}
	key := corridor + "|" + from.Format(time.DateOnly) + "|" + to.Format(time.DateOnly)
	gen, now := s.histGen.Load(), s.now()
	if e, ok := s.dailyCache.Get(key); ok && e.gen == gen && now.Sub(e.at) >= 0 && now.Sub(e.at) < dailyCacheTTL {
		return slices.Clone(e.days), nil
	}
	days, err := s.days(ctx, corridor, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]DailyCost, 0, len(days))
	for _, d := range days {
		if d.Count > 0 {
			out = append(out, dailyCost(d))
		}
	}
	s.dailyCache.Put(key, dailyEntry{gen: gen, at: now, days: slices.Clone(out)})
	return out, nil
}

// dailyEntry is a cached DailyCosts result.
type dailyEntry struct {
	gen  int64
	at   time.Time
	days []DailyCost
}

const (
	// dailyCacheTTL bounds how stale a cached DailyCosts result may be (history written by
	// another process, days finishing); this process's own writes clear it at once.
	dailyCacheTTL = time.Minute
	// maxDailyCached bounds the cache's entries (corridor × range).
	maxDailyCached = 1024
)

// maxCachedDays bounds the finished-day cache (a few MB).
const maxCachedDays = 4096

func (s *Service) days(ctx context.Context, corridor string, from, to time.Time) ([]HistoryDay, error) {
	if s.o.Store == nil {
		return nil, nil
	}
	have, err := s.o.Store.HistoryDays(ctx, corridor)
	if err != nil {
		return nil, fmt.Errorf("fx: history: %w", err)
	}
	lo, hi := from.Format(time.DateOnly), to.Format(time.DateOnly)
	finished := s.now().Add(-48 * time.Hour).Format(time.DateOnly)
	var out []HistoryDay
	for _, day := range have {
		if day < lo || day > hi {
			continue
		}
		id := corridor + "|" + day
		if d, ok := s.dayCache.Get(id); ok {
			out = append(out, d)
			continue
		}
		d, err := s.o.Store.Day(ctx, corridor, day)
		if errors.Is(err, kawan.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("fx: history: %w", err)
		}
		if day <= finished {
			s.dayCache.Put(id, d)
		}
		out = append(out, d)
	}
	return out, nil
}

func dailyCost(d HistoryDay) DailyCost {
	dc := DailyCost{Day: d.Day, Samples: d.Count, AverageTotalCostPercent: "0.00", MinTotalCostPercent: "0.00", MaxTotalCostPercent: "0.00"}
	if d.Count > 0 {
		avg := divRound(decimal.NewFromInt(d.SumCostBP), decimal.NewFromInt(d.Count*100), 2, roundHalfEven)
		dc.AverageTotalCostPercent = avg.StringFixed(2)
		dc.MinTotalCostPercent = decimal.New(d.MinCostBP, -2).StringFixed(2)
		dc.MaxTotalCostPercent = decimal.New(d.MaxCostBP, -2).StringFixed(2)
		dc.AboveSDGTarget = avg.GreaterThan(SDGTarget)
	}
	return dc
}

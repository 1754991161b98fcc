// Package stats computes Kawan's open data: recruitment fees paid by origin, destination,
// sector and year; the SDG indicator 10.7.1 ratio (recruitment cost as a multiple of
// monthly income in the destination); agency review statistics; complaints and what became
// of them; and remittance costs per corridor over time. Statistics about workers are k-anonymous: every published cell has at
// least k contributors, smaller cells are suppressed and marked, and the engine (engine.go)
// makes sure that no combination of published tables, nor two snapshots taken before and
// after one review or complaint, isolates a worker. Only published reviews count. The method is
// documented in docs/open-data.md.
package stats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/fx"
)

// Fact is what statistics read from one published review.
type Fact struct {
	ReviewID, AgencyID, AuthorID string
	Origin, Destination, Sector  string
	Year                         int
	FeesPaid, SalaryReceived     *kawan.Money
	Overall                      int
	Recommend                    bool
	// PublishedAt orders a base cell's reports for the k-step release.
	PublishedAt time.Time
}

// FactSource yields every published review (store.StatsSource).
type FactSource interface {
	EachPublishedReview(ctx context.Context, fn func(Fact) error) error
}

// AgencySource yields whether each agency has a sanction on record (store.StatsSource).
type AgencySource interface {
	EachAgencySanction(ctx context.Context, fn func(agencyID string, sanctioned bool) error) error
}

// RateTable holds mid-market rates as units of each currency per 1 USD.
type RateTable struct {
	Source string
	AsOf   time.Time
	Sample bool
	PerUSD map[string]decimal.Decimal
}

// RateSource gives the current mid-market rates (fx).
type RateSource interface {
	USDRates(ctx context.Context) (RateTable, error)
}

// Options configure the service.
type Options struct {
	// K is the k of k-anonymity (default 10).
	K int
	// Refresh is how long a snapshot is served before it is recomputed (default 15 min).
	Refresh time.Duration
	// MaxReports bounds the reviews read per computation (default 5 000 000).
	MaxReports int
	Now        func() time.Time
	Logger     *slog.Logger
	// FX, when set, is the fx area's current quote snapshot (fx.Service.Snapshot): its
	// mid-market rates convert amounts to USD, and its quotes at the 200 and 500
	// USD-equivalent reference amounts are recorded in Costs at every refresh, building the
	// remittance cost history. Without it the sample rates and the given sources are used.
	FX    func() *fx.Snapshot
	Costs CostRecorder
	// Complaints, when set, yields every complaint case for the complaints table
	// (store.StatsSource); without it the table is empty.
	Complaints ComplaintSource
	// protection is protectFull outside tests; the weaker modes exist so tests can prove
	// that the differencing attacks they run do succeed against weaker protection.
	protection protectionMode
}

type protectionMode int

const (
	protectFull  protectionMode = iota // base cells, k-step release, unions only
	protectNaive                       // hide cells under k, but compute every cell from all records
	protectNone                        // publish everything
)

// Service computes and caches snapshots of every table.
type Service struct {
	facts    FactSource
	agencies AgencySource
	rates    RateSource
	costs    CostSource
	opt      Options
	fxSnap   func() *fx.Snapshot
	costRec  CostRecorder

	snap      atomic.Pointer[Snapshot]
	computeMu sync.Mutex
	bgRunning atomic.Bool
	// bgCtx bounds background refreshes: Run's context, so they stop with the product.
	bgCtx atomic.Pointer[context.Context]
}

// New returns a statistics service. agencies, rates and costs may be nil (no sanction
// shares, the sample rate table, no remittance costs).
func New(facts FactSource, agencies AgencySource, rates RateSource, costs CostSource, o Options) *Service {
	if o.K <= 0 {
		o.K = 10
	}
	if o.Refresh <= 0 {
		o.Refresh = 15 * time.Minute
	}
	if o.MaxReports <= 0 {
		o.MaxReports = 5_000_000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if rates == nil {
		rates = SampleRates{}
	}
	s := &Service{facts: facts, agencies: agencies, rates: rates, costs: costs, opt: o}
	if o.FX != nil {
		s.fxSnap, s.rates = o.FX, fxRates{o.FX}
	}
	if o.Costs != nil {
		s.costRec, s.costs = o.Costs, o.Costs
	}
	return s
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.opt.Now() }

// K returns the k-anonymity threshold.
func (s *Service) K() int { return s.opt.K }

// Snapshot is one computation of every table's inputs.
type Snapshot struct {
	ComputedAt time.Time
	Rates      RateInfo
	fees       *family // origin, destination, sector, year; v1 = fee in US cents, v2 = 1 if nothing paid
	ratio      *family // origin, destination, sector, year; v1 = ratio × 10 000
	agency     *family // origin, destination; v1 = overall stars, v2 = 1 if recommended
	sanctioned map[string]bool
	costs      *costIndex

	// complaints: year, destination, nationality, fact; complaintAgency: year, agency
	// (complaintRecord packs the measures).
	complaints, complaintAgency *family

	mu    sync.Mutex
	cache map[string]*Table
}

const maxCachedTables = 512

func (sn *Snapshot) cached(key string, build func() (*Table, error)) (*Table, error) {
	sn.mu.Lock()
	t, ok := sn.cache[key]
	sn.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := build()
	if err != nil {
		return nil, err
	}
	sn.mu.Lock()
	if len(sn.cache) >= maxCachedTables {
		clear(sn.cache)
	}
	sn.cache[key] = t
	sn.mu.Unlock()
	return t, nil
}

// Current returns the latest snapshot, computing one if there is none yet; a snapshot
// older than Refresh is served while a new one is computed in the background.
func (s *Service) Current(ctx context.Context) (*Snapshot, error) {
	if sn := s.snap.Load(); sn != nil {
		if s.opt.Now().Sub(sn.ComputedAt) >= s.opt.Refresh && s.bgRunning.CompareAndSwap(false, true) {
			base := context.Background()
			if p := s.bgCtx.Load(); p != nil {
				base = *p
			}
			go func() {
				defer s.bgRunning.Store(false)
				ctx, cancel := context.WithTimeout(base, 10*time.Minute)
				defer cancel()
				if _, err := s.Refresh(ctx); err != nil {
					s.opt.Logger.Warn("stats refresh failed", "err", err)
				}
			}()
		}
		return sn, nil
	}
	s.computeMu.Lock()
	defer s.computeMu.Unlock()
	if sn := s.snap.Load(); sn != nil {
		return sn, nil
	}
	// The first snapshot is computed for every waiting request: a client that goes away
	// must not abort it.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	return s.refreshLocked(cctx)
}

// Refresh computes a new snapshot now and publishes it.
func (s *Service) Refresh(ctx context.Context) (*Snapshot, error) {
	s.computeMu.Lock()
	defer s.computeMu.Unlock()
	return s.refreshLocked(ctx)
}

func (s *Service) refreshLocked(ctx context.Context) (*Snapshot, error) {
	start := time.Now()
	sn, err := s.compute(ctx)
	if err != nil {
		return nil, err
	}
	s.snap.Store(sn)
	s.opt.Logger.Info("statistics computed", "took", time.Since(start).Round(time.Millisecond))
	return sn, nil
}

// Run computes a snapshot at once and then every Refresh until ctx ends (a background job).
func (s *Service) Run(ctx context.Context) {
	s.bgCtx.Store(&ctx)
	if _, err := s.Current(ctx); err != nil && ctx.Err() == nil {
		s.opt.Logger.Warn("stats: first computation failed", "err", err)
	}
	t := time.NewTicker(s.opt.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				s.opt.Logger.Warn("stats refresh failed", "err", err)
			}
		}
	}
}

var errTooMany = errors.New("stats: too many reviews")

// compute reads every input and builds the families.
func (s *Service) compute(ctx context.Context) (*Snapshot, error) {
	rates, err := s.rates.USDRates(ctx)
	if err != nil {
		return nil, fmt.Errorf("stats: exchange rates: %w", err)
	}
	sn := &Snapshot{ComputedAt: s.opt.Now().UTC().Truncate(time.Second), cache: map[string]*Table{},
		Rates: RateInfo{Source: rates.Source, AsOf: rates.AsOf, Sample: rates.Sample}}
	var feeRecs, ratioRecs, agencyRecs []rec
	n := 0
	err = s.facts.EachPublishedReview(ctx, func(f Fact) error {
		n++
		if n > s.opt.MaxReports {
			return errTooMany
		}
		fr, rr, ar, ok := factRecords(f, rates.PerUSD)
		if ok&1 != 0 {
			feeRecs = append(feeRecs, fr)
		}
		if ok&2 != 0 {
			ratioRecs = append(ratioRecs, rr)
		}
		if ok&4 != 0 {
			agencyRecs = append(agencyRecs, ar)
		}
		return nil
	})
	if errors.Is(err, errTooMany) {
		s.opt.Logger.Warn("stats: review limit reached; later reviews left out", "limit", s.opt.MaxReports)
	} else if err != nil {
		return nil, err
	}
	sn.fees = buildFamily(recruitmentDims, feeRecs, s.opt.K, s.opt.protection)
	sn.ratio = buildFamily(recruitmentDims, ratioRecs, s.opt.K, s.opt.protection)
	sn.agency = buildFamily(agencyDims, agencyRecs, s.opt.K, s.opt.protection)
	if sn.complaints, sn.complaintAgency, err = s.complaintFamilies(ctx); err != nil {
		return nil, err
	}
	sn.sanctioned = map[string]bool{}
	if s.agencies != nil {
		err := s.agencies.EachAgencySanction(ctx, func(id string, sanctioned bool) error {
			if sanctioned {
				sn.sanctioned[id] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if s.fxSnap != nil && s.costRec != nil {
		if snap := s.fxSnap(); snap != nil {
			if err := s.costRec.RecordCosts(ctx, ObserveSnapshot(snap, s.opt.Now())); err != nil {
				s.opt.Logger.Warn("stats: could not record remittance costs", "err", err)
			}
		}
	}
	if s.costs != nil {
		ci, err := buildCostIndex(ctx, s.costs, sn.ComputedAt)
		if err != nil {
			return nil, err
		}
		sn.costs = ci
	}
	return sn, nil
}

// Dimensions of the review families.
var (
	recruitmentDims = []string{"origin", "destination", "sector", "year"}
	agencyDims      = []string{"origin", "destination"}
)

// Unknown is the value of a dimension a report leaves out.
const Unknown = "unknown"

func orUnknown(s string) string {
	if s == "" {
		return Unknown
	}
	return s
}

// maxRatioMonths leaves out ratios above 100 years of income (data-entry errors).
var maxRatioMonths = decimal.NewFromInt(1200)

// toUSD converts an amount to USD (unrounded); ok is false without a rate.
func toUSD(m *kawan.Money, perUSD map[string]decimal.Decimal) (decimal.Decimal, decimal.Decimal, bool) {
	amt, err := m.ParseAmount()
	if err != nil {
		return decimal.Decimal{}, decimal.Decimal{}, false
	}
	if m.Currency == "USD" {
		return amt, amt, true
	}
	r, ok := perUSD[m.Currency]
	if !ok || !r.IsPositive() {
		return decimal.Decimal{}, amt, false
	}
	return amt.DivRound(r, 8), amt, true
}

// factRecords turns a fact into the records of each family it belongs to; ok has bit 1
// for fees, 2 for the ratio, 4 for agency reviews.
func factRecords(f Fact, perUSD map[string]decimal.Decimal) (fee, ratio, agency rec, ok int) {
	// A figure the worker confirmed although it is far outside the usual range for its
	// currency (kawan.Money.Implausible) is kept on the review, never in open data.
	if f.FeesPaid != nil && f.FeesPaid.Implausible {
		f.FeesPaid = nil
	}
	if f.SalaryReceived != nil && f.SalaryReceived.Implausible {
		f.SalaryReceived = nil
	}
	year := Unknown
	if f.Year > 0 {
		year = itoa(f.Year)
	}
	base := rec{author: f.AuthorID, id: f.ReviewID, agency: f.AgencyID, at: f.PublishedAt}
	rk := key{orUnknown(f.Origin), orUnknown(f.Destination), orUnknown(f.Sector), year}
	agency = base
	agency.key = key{orUnknown(f.Origin), orUnknown(f.Destination)}
	if f.Overall >= 1 && f.Overall <= 5 {
		agency.v1 = int64(f.Overall)
		if f.Recommend {
			agency.v2 = 1
		}
		ok |= 4
	}
	if f.FeesPaid == nil {
		return fee, ratio, agency, ok
	}
	feeUSD, feeAmt, feeOK := toUSD(f.FeesPaid, perUSD)
	if feeOK {
		fee = base
		fee.key = rk
		fee.v1 = feeUSD.Shift(2).Round(0).IntPart()
		if feeAmt.IsZero() {
			fee.v2 = 1
		}
		ok |= 1
	}
	if f.SalaryReceived == nil {
		return fee, ratio, agency, ok
	}
	salUSD, salAmt, salOK := toUSD(f.SalaryReceived, perUSD)
	var r decimal.Decimal
	switch {
	case salAmt.IsZero() || salAmt.IsNegative():
		return fee, ratio, agency, ok
	case f.FeesPaid.Currency == f.SalaryReceived.Currency:
		r = feeAmt.DivRound(salAmt, 8)
	case feeOK && salOK && salUSD.IsPositive():
		r = feeUSD.DivRound(salUSD, 8)
	default:
		return fee, ratio, agency, ok
	}
	if r.GreaterThan(maxRatioMonths) {
		return fee, ratio, agency, ok
	}
	ratio = base
	ratio.key = rk
	ratio.v1 = r.Shift(4).Round(0).IntPart()
	ok |= 2
	return fee, ratio, agency, ok
}

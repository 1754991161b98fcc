package fx

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/internal/bounded"
)

// HistoryStore is what the service keeps in the database: accepted feeds (so a restart
// starts from good data) and the per-corridor history. *store.FX implements it.
type HistoryStore interface {
	SaveFeed(ctx context.Context, f SavedFeed) error
	Feeds(ctx context.Context) ([]SavedFeed, error)
	RecordSlot(ctx context.Context, send, receive string, slot time.Time, pts []HistoryPoint) (bool, error)
	HistoryDays(ctx context.Context, corridor string) ([]string, error)
	Day(ctx context.Context, corridor, day string) (HistoryDay, error)
}

// Options configures a Service. Zero values take the defaults shown.
type Options struct {
	// Sources are KAWAN_FEEDS entries: directories, files, http(s) URLs, or "demo" for the
	// bundled fictional feeds. Empty: the bundled demo feeds.
	Sources []string
	// Interval between refreshes of a healthy source (KAWAN_FEED_INTERVAL); default 15m.
	Interval time.Duration
	// RetryBase is the first retry delay after a source fails; it doubles with each further
	// failure up to MaxBackoff. Defaults: min(30s, Interval) and 8×Interval (at most 6h).
	RetryBase, MaxBackoff time.Duration
	// Timeout bounds one fetch (connect, headers and body); default 20s.
	Timeout time.Duration
	// MaxBytes bounds one feed; default 8 MiB.
	MaxBytes int64
	// MaxDeviation is how far (percent) an offered rate may be from mid; default 15.
	MaxDeviation decimal.Decimal
	// CorridorMaxDeviation overrides MaxDeviation per corridor ("AED-SDG"), as
	// KAWAN_FX_MAX_DEVIATION sets it; a corridor beyond its bound is quarantined.
	CorridorMaxDeviation map[string]decimal.Decimal
	// Skew is how far in the future a feed's time may be; default 5m.
	Skew time.Duration
	// HTTPClient fetches URL sources; default a client with Timeout.
	HTTPClient *http.Client
	// Store keeps accepted feeds and history; nil keeps nothing (tests, tools).
	Store  HistoryStore
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Service is the remittance comparison engine: it owns the refresher and serves
// comparisons from an immutable snapshot behind an atomic pointer, so readers never lock
// and never touch the database.
type Service struct {
	o       Options
	log     *slog.Logger
	sources []source
	snap    atomic.Pointer[Snapshot]
	status  atomic.Pointer[Status]

	mu     sync.Mutex // serialises refreshes and pushes; readers never take it
	feeds  map[string]*feedState
	srcs   map[string]*sourceState
	bounds DeviationBounds
	// since is when each quarantined corridor (by feed key and Quarantined.key) was first seen.
	since map[string]time.Time
	// recorded is the last hour whose history was recorded, per corridor.
	recorded map[string]time.Time
	// dayCache holds finished history days (before yesterday, so no process still writes
	// them) by _id: charts re-read the same days often, and each read costs a round trip.
	dayCache *bounded.Map[HistoryDay]
	// dailyCache holds DailyCosts results by corridor and day range for dailyCacheTTL, or
	// until this process records history again (histGen moves): /send shows a corridor's
	// chart on every comparison, and the result changes at most hourly.
	dailyCache *bounded.Map[dailyEntry]
	histGen    atomic.Int64
}

// feedState is what the service knows about one feed (one file, URL or pushed document).
type feedState struct {
	key, name, source string
	good              *Feed
	goodRaw           []byte
	goodFetchedAt     time.Time
	lastAttempt       time.Time
	lastSuccess       time.Time
	lastError         string
	rejected          []string
	prior             prior
	shift             time.Duration
}

type sourceState struct {
	src         source
	failures    int
	due         time.Time
	lastAttempt time.Time
	lastSuccess time.Time
	lastError   string
}

// New builds the service. It publishes an empty snapshot at once; call Start (or Refresh)
// to load the feeds.
func New(o Options) (*Service, error) {
	if o.Interval <= 0 {
		o.Interval = 15 * time.Minute
	}
	if o.RetryBase <= 0 {
		o.RetryBase = min(30*time.Second, o.Interval)
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = min(8*o.Interval, 6*time.Hour)
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.MaxBytes <= 0 || o.MaxBytes > MaxFeedBytes {
		o.MaxBytes = MaxFeedBytes
	}
	if o.MaxDeviation.IsZero() {
		o.MaxDeviation = DefaultMaxDeviation
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: o.Timeout}
	}
	if len(o.Sources) == 0 {
		o.Sources = []string{DemoSource}
	}
	s := &Service{o: o, log: o.Logger, feeds: map[string]*feedState{}, srcs: map[string]*sourceState{}, recorded: map[string]time.Time{},
		bounds: DeviationBounds{Default: o.MaxDeviation, Corridors: o.CorridorMaxDeviation}, since: map[string]time.Time{},
		dayCache: bounded.New[HistoryDay](maxCachedDays), dailyCache: bounded.New[dailyEntry](maxDailyCached)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, spec := range o.Sources {
		var src source
		if spec == DemoSource {
			src = &demoSource{now: s.now}
		} else {
			var err error
			if src, err = newSource(spec, o.HTTPClient, o.MaxBytes); err != nil {
				return nil, err
			}
		}
		if _, dup := s.srcs[src.id()]; dup {
			continue
		}
		s.sources = append(s.sources, src)
		s.srcs[src.id()] = &sourceState{src: src}
	}
	s.snap.Store(BuildSnapshot(nil, nil, s.bounds, s.now()))
	s.publishStatus()
	return s, nil
}

func (s *Service) now() time.Time { return s.o.Now().UTC() }

// Snapshot returns the current snapshot (never nil).
func (s *Service) Snapshot() *Snapshot { return s.snap.Load() }

// Compare quotes every provider on a corridor from the current snapshot. Without a mid rate,
// the reason also names the feeds refused at their last fetch that could have held it.
func (s *Service) Compare(_ context.Context, r Request) (Comparison, error) {
	c, err := s.snap.Load().Compare(r, s.now())
	if err == nil && c.ReasonCode == ReasonNoMidRate {
		var refused []string
		for _, src := range s.status.Load().Sources {
			for _, f := range src.Feeds {
				if len(f.Rejected) > 0 && (f.Format == "" || f.Format == string(FormatRatesJSON) || f.Format == string(FormatECB)) {
					refused = append(refused, fmt.Sprintf("%s (%s)", f.Name, f.Rejected[0]))
				}
			}
		}
		if len(refused) > 0 {
			c.Reason += "; refused at its last fetch, so its last good data (if any) is used: " + strings.Join(refused, ", ")
		}
	}
	return c, err
}

// Corridors lists the corridors served now.
func (s *Service) Corridors() []CorridorInfo { return s.snap.Load().Corridors() }

// Providers lists the providers known now.
func (s *Service) Providers() []Provider { return s.snap.Load().Providers() }

// ProviderDetail is a provider with every corridor it serves.
type ProviderDetail struct {
	Provider
	Offers []OfferView `json:"offers"`
}

// OfferView is one corridor of a provider as the API shows it.
type OfferView struct {
	SendCurrency    string        `json:"send_currency"`
	ReceiveCurrency string        `json:"receive_currency"`
	PayoutMethod    string        `json:"payout_method"`
	FundingMethod   string        `json:"funding_method"`
	Product         string        `json:"product,omitempty"`
	Speed           string        `json:"speed,omitempty"`
	Delivery        string        `json:"delivery"`
	ExchangeRate    string        `json:"exchange_rate"`
	FXMarginPercent string        `json:"fx_margin_percent,omitempty"`
	MinSend         string        `json:"min_send"`
	MaxSend         string        `json:"max_send"`
	Fees            []FeeBandView `json:"fees"`
	// RateBands, when the rate depends on the amount (ExchangeRate is then the first band's).
	RateBands []RateBandView `json:"rate_bands,omitempty"`
	QuotedAt  time.Time      `json:"quoted_at"`
	Stale     bool           `json:"stale"`
}

// RateBandView is a rate band as the API shows it: the rate for send amounts up to UpTo.
type RateBandView struct {
	UpTo            string `json:"up_to,omitempty"`
	ExchangeRate    string `json:"exchange_rate"`
	FXMarginPercent string `json:"fx_margin_percent,omitempty"`
}

// FeeBandView is a fee band as the API shows it.
type FeeBandView struct {
	UpTo    string `json:"up_to,omitempty"`
	Flat    string `json:"flat"`
	Percent string `json:"percent"`
	MinFee  string `json:"min_fee,omitempty"`
	MaxFee  string `json:"max_fee,omitempty"`
}

// Provider returns one provider and its offers; kawan.ErrNotFound when unknown.
func (s *Service) Provider(id string) (ProviderDetail, error) {
	snap := s.snap.Load()
	p, ok := snap.Provider(id)
	if !ok {
		return ProviderDetail{}, fmt.Errorf("fx: provider %.64q: %w", id, kawan.ErrNotFound)
	}
	d := ProviderDetail{Provider: p, Offers: []OfferView{}}
	now := s.now()
	for _, k := range sortedKeys(snap.corridors) {
		c := snap.corridors[k]
		for i := range c.offers {
			o := &c.offers[i]
			if o.ProviderID != id {
				continue
			}
			v := OfferView{SendCurrency: o.Send.Code, ReceiveCurrency: o.Receive.Code, PayoutMethod: o.PayoutMethod,
				FundingMethod: o.FundingMethod, Product: o.Product, Speed: o.Speed, Delivery: o.Delivery, ExchangeRate: o.rateStr, FXMarginPercent: o.margin,
				MinSend: o.minSend, MaxSend: o.maxSend, QuotedAt: o.GeneratedAt, Stale: now.After(o.staleAt), Fees: []FeeBandView{}}
			for _, b := range o.Fees {
				fb := FeeBandView{Flat: b.Flat.String(), Percent: b.Percent.String()}
				if b.Bounded {
					fb.UpTo = b.UpTo.String()
				}
				if b.HasMin {
					fb.MinFee = b.MinFee.String()
				}
				if b.HasMax {
					fb.MaxFee = b.MaxFee.String()
				}
				v.Fees = append(v.Fees, fb)
			}
			for _, b := range o.bands {
				rb := RateBandView{ExchangeRate: b.p.rateStr, FXMarginPercent: b.p.margin}
				if b.bounded {
					rb.UpTo = b.upTo.String()
				}
				v.RateBands = append(v.RateBands, rb)
			}
			d.Offers = append(d.Offers, v)
		}
	}
	return d, nil
}

// Status is the state of every feed source, for GET /v1/feeds/status.
type Status struct {
	SnapshotAt time.Time      `json:"snapshot_at"`
	Providers  int            `json:"providers"`
	Corridors  int            `json:"corridors"`
	Notes      []string       `json:"notes"`
	Sources    []SourceStatus `json:"sources"`
}

// SourceStatus is one configured source (or "push" for admin-pushed feeds).
type SourceStatus struct {
	Source              string       `json:"source"`
	Kind                string       `json:"kind"`
	LastAttempt         *time.Time   `json:"last_attempt,omitempty"`
	LastSuccess         *time.Time   `json:"last_success,omitempty"`
	LastError           string       `json:"last_error,omitempty"`
	ConsecutiveFailures int          `json:"consecutive_failures"`
	NextAttempt         *time.Time   `json:"next_attempt,omitempty"`
	Feeds               []FeedStatus `json:"feeds"`
}

// FeedStatus is one feed of a source.
type FeedStatus struct {
	Name   string `json:"name"`
	Format string `json:"format,omitempty"`
	// AcceptedAt is when the data in use was fetched; AgeSeconds how old that data is by
	// its own generated_at/as_of; Stale whether any of its offers is past valid_for_seconds.
	AcceptedAt  *time.Time `json:"accepted_at,omitempty"`
	AgeSeconds  *int64     `json:"age_seconds,omitempty"`
	Stale       bool       `json:"stale"`
	LastAttempt *time.Time `json:"last_attempt,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	// Rejected lists why the last fetched version was refused (the previous good data stays).
	Rejected []string `json:"rejected_reasons,omitempty"`
	// Quarantined lists the corridors of the data in use that are left out, with why and since when.
	Quarantined []Quarantined `json:"quarantined,omitempty"`

	newest time.Time
	offers []Offer
}

// Status returns the feed status published by the last refresh.
func (s *Service) Status() Status {
	pub := s.status.Load()
	st := *pub
	// Ages and staleness move with the clock: compute them now, on a copy.
	now := s.now()
	st.Sources = make([]SourceStatus, len(pub.Sources))
	for i, src := range pub.Sources {
		src.Feeds = slices.Clone(src.Feeds)
		for j := range src.Feeds {
			f := &src.Feeds[j]
			if !f.newest.IsZero() {
				age := int64(now.Sub(f.newest) / time.Second)
				f.AgeSeconds = &age
			}
			f.Stale = false
			for _, o := range f.offers {
				if now.After(o.GeneratedAt.Add(o.ValidFor)) {
					f.Stale = true
					break
				}
			}
		}
		st.Sources[i] = src
	}
	return st
}

func tp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// publishStatus builds the status from the refresher's state; callers hold mu (or are New).
func (s *Service) publishStatus() {
	snap := s.snap.Load()
	st := &Status{SnapshotAt: snap.BuiltAt, Providers: len(snap.provList), Corridors: len(snap.corrList), Notes: snap.Notes}
	if st.Notes == nil {
		st.Notes = []string{}
	}
	seen := map[string]bool{}
	defer func() {
		for k := range s.since {
			if !seen[k] {
				delete(s.since, k) // no longer quarantined: a later quarantine starts afresh
			}
		}
	}()
	groups := map[string][]*feedState{}
	for _, f := range s.feeds {
		groups[f.source] = append(groups[f.source], f)
	}
	ids := make([]string, 0, len(s.sources)+1)
	for _, src := range s.sources {
		ids = append(ids, src.id())
	}
	if len(groups[pushSource]) > 0 {
		ids = append(ids, pushSource)
	}
	for _, id := range ids {
		ss := SourceStatus{Source: id, Kind: "push", Feeds: []FeedStatus{}}
		if src := s.srcs[id]; src != nil {
			ss.Kind = src.src.kind()
			ss.LastAttempt, ss.LastSuccess, ss.LastError = tp(src.lastAttempt), tp(src.lastSuccess), src.lastError
			ss.ConsecutiveFailures, ss.NextAttempt = src.failures, tp(src.due)
		}
		fs := groups[id]
		slices.SortFunc(fs, func(a, b *feedState) int { return strings.Compare(a.key, b.key) })
		for _, f := range fs {
			fst := FeedStatus{Name: f.name, AcceptedAt: tp(f.goodFetchedAt), LastAttempt: tp(f.lastAttempt), LastError: f.lastError, Rejected: f.rejected}
			if f.good != nil {
				fst.Format = string(f.good.Format)
				fst.newest = f.good.newest()
				fst.offers = f.good.Offers
				fst.Quarantined = s.quarantinedIn(f, snap, seen)
			}
			ss.Feeds = append(ss.Feeds, fst)
		}
		st.Sources = append(st.Sources, ss)
	}
	s.status.Store(st)
}

// quarantinedIn lists a feed's quarantined corridors (by the parser, and by the snapshot for a
// rate too far from mid), each with the time it was first seen; callers hold mu.
func (s *Service) quarantinedIn(f *feedState, snap *Snapshot, seen map[string]bool) []Quarantined {
	out := slices.Clone(f.good.Quarantined)
	for _, q := range snap.quarantined {
		if q.feed == f.good {
			out = append(out, q)
		}
	}
	now := s.now()
	for i := range out {
		k := f.key + "\x00" + out[i].key()
		if _, ok := s.since[k]; !ok {
			s.since[k] = now
		}
		out[i].Since, seen[k] = s.since[k], true
	}
	return out
}

// newest returns the newest generated_at or as_of in a feed.
func (f *Feed) newest() (newest time.Time) {
	for _, o := range f.Offers {
		if o.GeneratedAt.After(newest) {
			newest = o.GeneratedAt
		}
	}
	for _, rs := range f.RateSets {
		if rs.AsOf.After(newest) {
			newest = rs.AsOf
		}
	}
	return newest
}

const pushSource = "push"

// Start restores the feeds saved in the store (so quotes are served even if every source is
// down right now) and refreshes every source once.
func (s *Service) Start(ctx context.Context) error {
	if s.o.Store != nil {
		if err := s.restore(ctx); err != nil {
			s.log.Warn("fx: could not restore saved feeds; starting from the sources alone", "err", err)
		}
	}
	s.Refresh(ctx, true)
	return nil
}

func (s *Service) restore(ctx context.Context) error {
	saved, err := s.o.Store.Feeds(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sf := range saved {
		if sf.Source != pushSource && s.srcs[sf.Source] == nil {
			continue // a source no longer configured
		}
		f, err := ParseFeed(sf.Data, ParseOptions{Now: s.now(), Skew: s.o.Skew})
		if err != nil {
			s.log.Warn("fx: saved feed no longer parses; skipped", "feed", sf.Key, "err", err)
			continue
		}
		name := sf.Key[strings.LastIndex(sf.Key, "|")+1:]
		s.feeds[sf.Key] = &feedState{key: sf.Key, name: name, source: sf.Source, good: f, goodRaw: sf.Data, goodFetchedAt: sf.FetchedAt}
	}
	s.rebuild(ctx, nil)
	return nil
}

// Run refreshes each source when it is due until ctx ends: every Interval while healthy,
// after RetryBase × 2^(failures−1) (at most MaxBackoff) while failing.
func (s *Service) Run(ctx context.Context) {
	for {
		wait := s.nextDue().Sub(s.now())
		wait = max(wait, time.Second)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		s.Refresh(ctx, false)
	}
}

func (s *Service) nextDue() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, st := range s.srcs {
		if next.IsZero() || st.due.Before(next) {
			next = st.due
		}
	}
	if next.IsZero() {
		next = s.now().Add(s.o.Interval)
	}
	return next
}

// backoff is the delay before retrying a source after n consecutive failures.
func (s *Service) backoff(n int) time.Duration {
	d := s.o.RetryBase
	for i := 1; i < n && d < s.o.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.o.MaxBackoff)
}

// Refresh fetches every source that is due (all when force), validates what changed,
// publishes a new snapshot and records history. A rejected feed keeps its previous good data.
func (s *Service) Refresh(ctx context.Context, force bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var changed []fetchedFrom
	for _, src := range s.sources {
		st := s.srcs[src.id()]
		if !force && now.Before(st.due) {
			continue
		}
		priors := map[string]prior{}
		for k, f := range s.feeds {
			if f.source == src.id() {
				priors[k] = f.prior
			}
		}
		fctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
		got, err := src.fetch(fctx, priors)
		cancel()
		st.lastAttempt = now
		if err != nil {
			st.failures++
			st.lastError = trimMsg(err.Error())
			st.due = now.Add(s.backoff(st.failures))
			s.log.Warn("fx: feed source failed; keeping its last good data", "source", src.id(), "failures", st.failures, "retry_in", st.due.Sub(now), "err", err)
			continue
		}
		st.failures, st.lastError, st.lastSuccess, st.due = 0, "", now, now.Add(s.o.Interval)
		seen := map[string]bool{}
		for _, f := range got {
			seen[f.key] = true
			changed = append(changed, fetchedFrom{f, src.id()})
		}
		// A file that disappeared from a directory takes its data with it.
		for k, f := range s.feeds {
			if f.source == src.id() && !seen[k] {
				delete(s.feeds, k)
			}
		}
	}
	s.rebuild(ctx, changed)
}

type fetchedFrom struct {
	f      fetched
	source string
}

// rebuild applies fetched feeds (rates first, so provider feeds are checked against the
// newest mid rates), builds and publishes the snapshot, then saves feeds and history.
// Callers hold mu.
func (s *Service) rebuild(ctx context.Context, changed []fetchedFrom) {
	now := s.now()
	type parsed struct {
		st   *feedState
		raw  []byte
		feed *Feed
	}
	var rates, provs []parsed
	var accepted []*feedState
	for _, c := range changed {
		f := c.f
		st := s.feeds[f.key]
		if st == nil {
			st = &feedState{key: f.key, name: f.name, source: c.source}
			s.feeds[f.key] = st
		}
		st.lastAttempt = now
		if f.unchanged {
			st.lastSuccess = now
			st.prior.etag, st.prior.lastModified = cmp.Or(f.etag, st.prior.etag), cmp.Or(f.lastModified, st.prior.lastModified)
			continue
		}
		if f.tooBig {
			st.reject([]string{fmt.Sprintf("feed is larger than %d bytes", s.o.MaxBytes)})
			continue
		}
		opts := ParseOptions{Now: now.Add(-f.shift), Skew: s.o.Skew}
		feed, err := ParseFeed(f.data, opts)
		if err != nil {
			st.reject(reasonsOf(err))
			s.log.Warn("fx: feed rejected; keeping its last good data", "feed", f.key, "err", err)
			continue
		}
		feed.shiftTimes(f.shift)
		st.shift = f.shift
		st.prior = prior{etag: f.etag, lastModified: f.lastModified, modTime: f.modTime, size: f.size}
		p := parsed{st, f.data, feed}
		if feed.IsRates() {
			rates = append(rates, p)
		} else {
			provs = append(provs, p)
		}
	}
	accept := func(p parsed) {
		p.st.good, p.st.goodRaw, p.st.goodFetchedAt = p.feed, p.raw, now
		p.st.lastSuccess, p.st.lastError, p.st.rejected = now, "", nil
		accepted = append(accepted, p.st)
	}
	for _, p := range rates {
		accept(p)
	}
	sets := s.rateSets()
	for _, p := range provs {
		if err := CheckAgainstMid(p.feed, sets, s.bounds); err != nil {
			p.st.reject(reasonsOf(err))
			s.log.Warn("fx: feed rejected; keeping its last good data", "feed", p.st.key, "err", err)
			continue
		}
		accept(p)
	}
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
	snap := BuildSnapshot(pf, rf, s.bounds, now)
	s.snap.Store(snap)
	s.publishStatus()
	if s.o.Store != nil {
		s.persist(ctx, accepted)
		s.recordHistory(ctx, snap, now)
	}
}

func (st *feedState) reject(reasons []string) {
	st.rejected = reasons
	st.lastError = "rejected: " + reasons[0]
	if len(reasons) > 1 {
		st.lastError += fmt.Sprintf(" (and %d more)", len(reasons)-1)
	}
}

func reasonsOf(err error) []string {
	var fe *FeedError
	if errors.As(err, &fe) {
		return fe.AllReasons()
	}
	return []string{trimMsg(err.Error())}
}

// rateSets returns the latest table of every good rates feed. Callers hold mu.
func (s *Service) rateSets() []RateSet {
	var sets []RateSet
	for _, k := range sortedKeys(s.feeds) {
		if g := s.feeds[k].good; g != nil && g.IsRates() {
			if rs, ok := g.Latest(); ok {
				sets = append(sets, rs)
			}
		}
	}
	return sets
}

// persist saves newly accepted feeds (not the bundled demo: it ships with the binary).
func (s *Service) persist(ctx context.Context, accepted []*feedState) {
	for _, st := range accepted {
		if st.source == DemoSource {
			continue
		}
		err := s.o.Store.SaveFeed(ctx, SavedFeed{Key: st.key, Source: st.source, Format: string(st.good.Format), Data: st.goodRaw, FetchedAt: st.goodFetchedAt})
		if err != nil {
			s.log.Warn("fx: could not save an accepted feed; it is still served from memory", "feed", st.key, "err", err)
		}
	}
}

// PushResult describes an accepted pushed feed.
type PushResult struct {
	Name       string    `json:"name"`
	Format     string    `json:"format"`
	Providers  []string  `json:"providers"`
	Offers     int       `json:"offers"`
	RateDays   int       `json:"rate_days"`
	AcceptedAt time.Time `json:"accepted_at"`
	// Quarantined lists the corridors left out (the rest of the feed is in use).
	Quarantined []Quarantined `json:"quarantined"`
}

// Push accepts a feed sent by an admin under a name; a later push of the same name replaces
// it. It runs through the same parser and validator as fetched feeds; a rejected feed is a
// *kawan.ValidationError with one entry per reason and changes nothing.
func (s *Service) Push(ctx context.Context, name string, data []byte) (PushResult, error) {
	if !providerIDPattern.MatchString(name) {
		return PushResult{}, kawan.Invalid("name", "must be 1-63 lower-case letters, digits or dashes")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	feed, err := ParseFeed(data, ParseOptions{Now: now, Skew: s.o.Skew})
	if err == nil && !feed.IsRates() {
		err = CheckAgainstMid(feed, s.rateSets(), s.bounds)
	}
	key := pushSource + "|" + name
	if err != nil {
		if st := s.feeds[key]; st != nil {
			st.lastAttempt = now
			st.reject(reasonsOf(err))
			s.publishStatus()
		}
		return PushResult{}, feedValidationError(err)
	}
	st := s.feeds[key]
	if st == nil {
		st = &feedState{key: key, name: name, source: pushSource}
		s.feeds[key] = st
	}
	st.lastAttempt = now
	res := PushResult{Name: name, Format: string(feed.Format), Providers: []string{}, Offers: len(feed.Offers), RateDays: len(feed.RateSets), AcceptedAt: now}
	for _, p := range feed.Providers {
		res.Providers = append(res.Providers, p.ID)
	}
	if feed.IsRates() {
		s.rebuild(ctx, []fetchedFrom{{fetched{key: key, name: name, data: data}, pushSource}})
	} else {
		st.good, st.goodRaw, st.goodFetchedAt, st.lastSuccess, st.lastError, st.rejected = feed, data, now, now, "", nil
		s.rebuild(ctx, nil)
		if s.o.Store != nil {
			s.persist(ctx, []*feedState{st})
		}
	}
	res.Quarantined = []Quarantined{}
	for _, src := range s.status.Load().Sources {
		for _, f := range src.Feeds {
			if src.Source == pushSource && f.Name == name {
				res.Quarantined = append(res.Quarantined, f.Quarantined...)
			}
		}
	}
	return res, nil
}

// feedValidationError turns a feed rejection into a 400 naming each offending field.
func feedValidationError(err error) error {
	v := &kawan.ValidationError{}
	for _, r := range reasonsOf(err) {
		field, reason := "body", r
		if i := strings.Index(r, ": "); i > 0 && i < 80 && !strings.Contains(r[:i], " ") {
			field, reason = r[:i], r[i+2:]
		}
		v.Add(field, "%s", reason)
	}
	return v
}

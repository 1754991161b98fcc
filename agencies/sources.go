package agencies

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/internal/fetch"
	"github.com/kawan-labs/kawan/store"
)

// SourceSpec is one scheduled registry source (a KAWAN_REGISTRY_SOURCES entry): the
// profile that reads the list, the regulator when the profile has none, and where the
// list is (an http(s) URL or a file path).
type SourceSpec struct {
	Profile, Regulator, Location string
}

// SourcesOptions configures the scheduled registry sources. Zero values take the defaults.
type SourcesOptions struct {
	Specs []SourceSpec
	// Interval between fetches of a healthy source (KAWAN_REGISTRY_INTERVAL); default 6h.
	Interval time.Duration
	// Timeout bounds one fetch (connect, headers and body); default 60s.
	Timeout time.Duration
	// MaxBytes bounds one list; default (and at most) MaxImportBytes.
	MaxBytes int64
	// HTTPClient fetches URL sources; default a client with Timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// HoldDrop is the share of its rows a list may lose before it is held for an admin
// instead of applied: a list with at most half the rows of the one applied last is held
// (a regulator's site returning one page of fifty, a truncated export).
const HoldDrop = 0.5

// maxHeldBytes bounds a held list once compressed (it is kept in one document).
const maxHeldBytes = 12 << 20

// statusTTL is how long a process reuses the sources' status it read (agency pages show it).
const statusTTL = 15 * time.Second

// Sources fetches the regulators' lists on a schedule and imports them through
// Service.Import. What processes must agree on (validators, last success, the rows of the
// applied list, held lists, a lease per source) lives in store.RegistrySources, so every
// process may run the job: one fetches a source at a time, the others skip it.
type Sources struct {
	svc  *Service
	st   *store.RegistrySources
	o    SourcesOptions
	log  *slog.Logger
	defs []sourceDef

	mu       sync.Mutex
	cached   []SourceStatus
	cachedAt time.Time
}

type sourceDef struct {
	id        string
	spec      SourceSpec
	regulator string // the profile's or the spec's ("" for a generic list with its own column)
	kind      string // "url" or "file"
	shown     string // redacted URL or the file's base name
}

// NewSources checks every spec against the profiles (an unknown profile, a missing or
// contradictory regulator stops Kawan at start) and returns the scheduler.
func NewSources(svc *Service, st *store.RegistrySources, o SourcesOptions) (*Sources, error) {
	if o.Interval <= 0 {
		o.Interval = 6 * time.Hour
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.MaxBytes <= 0 || o.MaxBytes > MaxImportBytes {
		o.MaxBytes = MaxImportBytes
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: o.Timeout}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Sources{svc: svc, st: st, o: o, log: o.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for i, spec := range o.Specs {
		p, err := profileFor(spec.Profile, spec.Regulator)
		if err != nil {
			return nil, fmt.Errorf("agencies: registry source %d (%s): %w", i+1, spec.Profile, err)
		}
		d := sourceDef{spec: spec, regulator: p.Regulator, kind: "file", shown: filepath.Base(spec.Location)}
		if strings.Contains(spec.Location, "://") {
			d.kind, d.shown = "url", fetch.Redact(spec.Location)
		}
		sum := sha256.Sum256([]byte(spec.Profile + "|" + spec.Regulator + "|" + spec.Location))
		d.id = hex.EncodeToString(sum[:6])
		s.defs = append(s.defs, d)
	}
	return s, nil
}

func (s *Sources) now() time.Time { return s.o.Now().UTC() }

// Start records every configured source in the store and fetches those that are due.
func (s *Sources) Start(ctx context.Context) error {
	for _, d := range s.defs {
		if err := s.st.EnsureRegistrySource(ctx, store.RegistrySource{ID: d.id, Profile: d.spec.Profile,
			Regulator: d.regulator, Location: d.shown, Kind: d.kind}); err != nil {
			return err
		}
	}
	return nil
}

// Run fetches each source when it is due until ctx ends (Start first).
func (s *Sources) Run(ctx context.Context) {
	if len(s.defs) == 0 {
		return
	}
	tick := min(max(s.o.Interval/4, time.Second), time.Minute)
	started := false
	for {
		if !started {
			if err := s.Start(ctx); err != nil {
				s.log.Warn("agencies: registry sources: could not record them; retrying on the next tick", "err", err)
			} else {
				started = true
			}
		}
		s.Refresh(ctx, false)
		t := time.NewTimer(tick)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Refresh fetches every source that is due (every one when force) and no other process is
// fetching. A source that fails keeps the data it gave last and is retried with back-off.
func (s *Sources) Refresh(ctx context.Context, force bool) {
	for _, d := range s.defs {
		if ctx.Err() != nil {
			return
		}
		if err := s.refresh(ctx, d, force); err != nil {
			s.log.Warn("agencies: registry source: could not record its state", "source", d.id, "err", err)
		}
	}
	s.invalidate()
}

func (s *Sources) refresh(ctx context.Context, d sourceDef, force bool) error {
	now := s.now()
	cur, ok, err := s.st.ClaimRegistrySource(ctx, d.id, now, now.Add(s.o.Timeout+30*time.Minute), force)
	if err != nil || !ok {
		return err
	}
	cur.LastAttempt = now
	res, err := s.fetch(ctx, d, cur)
	if err == nil && res.TooBig {
		err = fmt.Errorf("the list is larger than %d MB", s.o.MaxBytes>>20)
	}
	if err == nil && !res.Unchanged {
		err = s.take(ctx, d, &cur, res, now)
	}
	if err != nil {
		cur.Failures++
		cur.LastError = trimErr(err)
		cur.NextDue = now.Add(s.backoff(cur.Failures))
		s.log.Warn("agencies: registry source failed; keeping the data it gave last", "source", d.id, "profile", d.spec.Profile,
			"failures", cur.Failures, "err", cur.LastError)
	} else {
		cur.Failures, cur.LastError, cur.LastSuccess, cur.NextDue = 0, "", now, now.Add(s.o.Interval)
	}
	cur.LeaseUntil = time.Time{}
	return s.st.SaveRegistrySource(ctx, cur)
}

// backoff is the delay before retrying after n consecutive failures: 5 minutes (at most
// the interval), doubling, never more than the interval.
func (s *Sources) backoff(n int) time.Duration {
	d := min(5*time.Minute, s.o.Interval)
	for i := 1; i < n && d < s.o.Interval; i++ {
		d *= 2
	}
	return min(d, s.o.Interval)
}

func (s *Sources) fetch(ctx context.Context, d sourceDef, cur store.RegistrySource) (fetch.Result, error) {
	prior := &fetch.Validators{ETag: cur.ETag, LastModified: cur.LastModified, ModTime: cur.ModTime, Size: cur.Size}
	if d.kind == "file" {
		return fetch.File(d.spec.Location, s.o.MaxBytes, prior)
	}
	fctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	return fetch.URL(fctx, s.o.HTTPClient, fetch.Request{URL: d.spec.Location, MaxBytes: s.o.MaxBytes, Prior: prior,
		Accept: "application/json, text/csv, text/plain;q=0.9, */*;q=0.1", UserAgent: "kawan-registry/1"})
}

// take applies a newly fetched list, or holds it when it lost most of the applied list's rows.
func (s *Sources) take(ctx context.Context, d sourceDef, cur *store.RegistrySource, res fetch.Result, now time.Time) error {
	sum := sha256.Sum256(res.Data)
	digest := hex.EncodeToString(sum[:])
	validators := func() {
		cur.ETag, cur.LastModified, cur.ModTime, cur.Size, cur.Digest = res.ETag, res.LastModified, res.ModTime, res.Size, digest
	}
	if digest == cur.Digest {
		validators() // the same document as last read (applied, held or discarded)
		return nil
	}
	rows, err := s.svc.countRows(d.spec.Profile, d.spec.Regulator, res.Data, ParseOptions{Now: now})
	if err != nil {
		return err
	}
	if cur.Rows > 0 && float64(rows) <= float64(cur.Rows)*(1-HoldDrop) {
		gz, err := gzipped(res.Data)
		if err != nil {
			return err
		}
		if len(gz) > maxHeldBytes {
			return fmt.Errorf("the list has %d rows where the applied one had %d, and is too large to hold for an admin", rows, cur.Rows)
		}
		cur.Held = &store.HeldList{FetchedAt: now, Rows: rows, PreviousRows: cur.Rows, Data: gz,
			Reason: fmt.Sprintf("the list has %d rows where the applied one had %d (%d%% fewer): held for an admin to apply or discard",
				rows, cur.Rows, 100-rows*100/cur.Rows)}
		validators()
		s.log.Warn("agencies: registry source lost most of its rows; held for an admin", "source", d.id, "rows", rows, "previous_rows", cur.Rows)
		return nil
	}
	if err := s.apply(ctx, d, cur, res.Data, rows, now); err != nil {
		return err
	}
	validators()
	return nil
}

func (s *Sources) apply(ctx context.Context, d sourceDef, cur *store.RegistrySource, data []byte, rows int, now time.Time) error {
	rep, err := s.svc.Import(ctx, d.spec.Profile, data, ImportOptions{ParseOptions: ParseOptions{RetrievedAt: now, Now: now}, Regulator: d.spec.Regulator})
	if err != nil {
		return err
	}
	cur.Rows, cur.LastApplied, cur.LastReport, cur.Held = rows, now, rep.Summary(), nil
	s.log.Info("agencies: registry source imported", "source", d.id, "summary", rep.Summary())
	return nil
}

// countRows is how many rows of a list read without error under a profile.
func (s *Service) countRows(profile, regulator string, data []byte, o ParseOptions) (int, error) {
	p, err := profileFor(profile, regulator)
	if err != nil {
		return 0, err
	}
	parsed, err := ParseList(p, data, o)
	if err != nil {
		return 0, err
	}
	return len(parsed.Rows), nil
}

func gzipped(data []byte) ([]byte, error) {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func gunzipped(gz []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	data, tooBig, err := fetch.ReadBounded(r, MaxImportBytes)
	if err == nil && tooBig {
		err = errors.New("held list is larger than the import limit")
	}
	return data, err
}

func trimErr(err error) string {
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

func (s *Sources) def(id string) (sourceDef, error) {
	for _, d := range s.defs {
		if d.id == id {
			return d, nil
		}
	}
	return sourceDef{}, fmt.Errorf("agencies: registry source %q: %w", id, kawan.ErrNotFound)
}

// claimHeld leases a source for an admin's decision on its held list.
func (s *Sources) claimHeld(ctx context.Context, id string) (sourceDef, store.RegistrySource, error) {
	d, err := s.def(id)
	if err != nil {
		return d, store.RegistrySource{}, err
	}
	now := s.now()
	cur, ok, err := s.st.ClaimRegistrySource(ctx, id, now, now.Add(s.o.Timeout+30*time.Minute), true)
	switch {
	case err != nil:
		return d, cur, err
	case !ok:
		return d, cur, fmt.Errorf("agencies: registry source %s is being fetched right now; try again in a minute: %w", id, kawan.ErrConflict)
	case cur.Held == nil:
		cur.LeaseUntil = time.Time{}
		err = s.st.SaveRegistrySource(ctx, cur)
		return d, cur, errors.Join(fmt.Errorf("agencies: registry source %s holds no list: %w", id, kawan.ErrNotFound), err)
	}
	return d, cur, nil
}

// ApplyHeld imports a source's held list (an admin checked that the regulator's list really
// shrank) and makes it the applied list.
func (s *Sources) ApplyHeld(ctx context.Context, id string) (*ImportReport, error) {
	d, cur, err := s.claimHeld(ctx, id)
	if err != nil {
		return nil, err
	}
	defer s.invalidate()
	data, err := gunzipped(cur.Held.Data)
	var rep *ImportReport
	if err == nil {
		rep, err = s.svc.Import(ctx, d.spec.Profile, data, ImportOptions{ParseOptions: ParseOptions{RetrievedAt: cur.Held.FetchedAt, Now: s.now()},
			Regulator: d.spec.Regulator})
	}
	if err == nil {
		cur.Rows, cur.LastApplied, cur.LastReport, cur.Held = cur.Held.Rows, s.now(), rep.Summary(), nil
	}
	cur.LeaseUntil = time.Time{}
	if serr := s.st.SaveRegistrySource(ctx, cur); err == nil {
		err = serr
	}
	return rep, err
}

// DiscardHeld drops a source's held list; the applied list stays, and the same document
// is not fetched again until the source changes it.
func (s *Sources) DiscardHeld(ctx context.Context, id string) error {
	_, cur, err := s.claimHeld(ctx, id)
	if err != nil {
		return err
	}
	defer s.invalidate()
	cur.Held, cur.LeaseUntil = nil, time.Time{}
	return s.st.SaveRegistrySource(ctx, cur)
}

// SourceStatus is what /v1/registry/status shows of one source.
type SourceStatus struct {
	ID        string `json:"id"`
	Profile   string `json:"profile"`
	Regulator string `json:"regulator,omitempty"`
	Kind      string `json:"kind"`
	// Location is the URL without user info or query, or the file's base name.
	Location    string     `json:"location"`
	LastAttempt *time.Time `json:"last_attempt,omitempty"`
	LastSuccess *time.Time `json:"last_success,omitempty"`
	LastApplied *time.Time `json:"last_applied,omitempty"`
	Rows        int        `json:"rows"`
	// State: pending (not fetched yet), ok, stale (the last fetch failed or is overdue: the
	// data shown is that old), failing (never read), held (a list waits for an admin).
	State string `json:"state"`
	Stale bool   `json:"stale"`
	// AgeSeconds is how long ago the source last answered with a usable list.
	AgeSeconds *int64       `json:"age_seconds,omitempty"`
	LastError  string       `json:"last_error,omitempty"`
	Failures   int          `json:"failures"`
	LastReport string       `json:"last_report,omitempty"`
	Held       *HeldSummary `json:"held,omitempty"`
}

// HeldSummary describes a held list.
type HeldSummary struct {
	FetchedAt    time.Time `json:"fetched_at"`
	Rows         int       `json:"rows"`
	PreviousRows int       `json:"previous_rows"`
	Reason       string    `json:"reason"`
}

// Imports lists the last import of each list (profile), scheduled or uploaded, with when
// it was read and the list's own date.
func (s *Sources) Imports(ctx context.Context) ([]store.ImportRecord, error) {
	return s.svc.st.Imports(ctx)
}

// Interval is how often a healthy source is fetched.
func (s *Sources) Interval() time.Duration { return s.o.Interval }

// Status lists every configured source in configuration order (read at most statusTTL ago).
func (s *Sources) Status(ctx context.Context) ([]SourceStatus, error) {
	if len(s.defs) == 0 {
		return []SourceStatus{}, nil
	}
	now := s.now()
	s.mu.Lock()
	if s.cached != nil && now.Sub(s.cachedAt) < statusTTL {
		out := s.cached
		s.mu.Unlock()
		return out, nil
	}
	s.mu.Unlock()
	ids := make([]string, len(s.defs))
	for i, d := range s.defs {
		ids[i] = d.id
	}
	docs, err := s.st.RegistrySourceList(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]store.RegistrySource{}
	for _, d := range docs {
		byID[d.ID] = d
	}
	out := make([]SourceStatus, 0, len(s.defs))
	for _, d := range s.defs {
		out = append(out, s.status(d, byID[d.id], now))
	}
	s.mu.Lock()
	s.cached, s.cachedAt = out, now
	s.mu.Unlock()
	return out, nil
}

func (s *Sources) status(d sourceDef, doc store.RegistrySource, now time.Time) SourceStatus {
	st := SourceStatus{ID: d.id, Profile: d.spec.Profile, Regulator: d.regulator, Kind: d.kind, Location: d.shown,
		LastAttempt: tp(doc.LastAttempt), LastSuccess: tp(doc.LastSuccess), LastApplied: tp(doc.LastApplied), Rows: doc.Rows,
		LastError: doc.LastError, Failures: doc.Failures, LastReport: doc.LastReport}
	if !doc.LastSuccess.IsZero() {
		age := int64(now.Sub(doc.LastSuccess) / time.Second)
		st.AgeSeconds = &age
	}
	overdue := !doc.LastSuccess.IsZero() && now.Sub(doc.LastSuccess) > 2*s.o.Interval
	switch {
	case doc.LastAttempt.IsZero():
		st.State = "pending"
	case doc.LastSuccess.IsZero():
		st.State, st.Stale = "failing", true
	case doc.LastError != "" || overdue:
		st.State, st.Stale = "stale", true
	default:
		st.State = "ok"
	}
	if h := doc.Held; h != nil {
		st.State = "held"
		st.Held = &HeldSummary{FetchedAt: h.FetchedAt, Rows: h.Rows, PreviousRows: h.PreviousRows, Reason: h.Reason}
	}
	return st
}

// StaleFor lists the stale (or failing) sources of the given regulators: the agency page
// shows their age next to the facts they gave. Errors leave the list empty (a page never
// fails for it).
func (s *Sources) StaleFor(ctx context.Context, regulators []string) []SourceStatus {
	if s == nil || len(s.defs) == 0 || len(regulators) == 0 {
		return nil
	}
	all, err := s.Status(ctx)
	if err != nil {
		s.log.Warn("agencies: registry source status unavailable", "err", err)
		return nil
	}
	var out []SourceStatus
	for _, st := range all {
		if !st.Stale || st.LastSuccess == nil {
			continue
		}
		for _, r := range regulators {
			if strings.EqualFold(r, st.Regulator) {
				out = append(out, st)
				break
			}
		}
	}
	return out
}

func (s *Sources) invalidate() {
	s.mu.Lock()
	s.cached = nil
	s.mu.Unlock()
}

func tp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

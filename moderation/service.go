package moderation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// Representatives gives the client fingerprints (and, if the auth area chooses, hashed
// contact details in the same keyed form) of an agency's approved representatives, for the
// self-review signal. The auth area implements it; until it is wired the signal is off.
type Representatives interface {
	RepresentativeFingerprints(ctx context.Context, agencyID string) ([]string, error)
}

// Options configures a Service.
type Options struct {
	// Thresholds decide publish / watch / hold from the fraud score (DefaultThresholds if zero).
	Thresholds Thresholds
	// FlagThreshold is how many accounts must flag a published review before it goes under
	// review (hidden until a moderator decides). Default 3.
	FlagThreshold int
	// Lease is how long a moderator's claim on a queued review lasts. Default 15 minutes.
	Lease  time.Duration
	Logger *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Service is moderation: it screens every submitted review (kawan.Screener) and reply,
// runs the review lifecycle for moderators and authors, and reports on it.
type Service struct {
	st    *store.Moderation
	audit *store.AuditLog
	log   *slog.Logger
	now   func() time.Time
	th    Thresholds
	flagN int
	lease time.Duration

	mu   sync.RWMutex
	sync kawan.ReviewSyncer
	reps Representatives
}

// maxCandidates bounds the near-duplicate candidates compared in full per review.
const maxCandidates = 20

// New returns the moderation service. syncer (the reviews service) brings the search index
// and aggregates in line after every transition; it may be set later with SetSyncer.
func New(st *store.Moderation, audit *store.AuditLog, syncer kawan.ReviewSyncer, o Options) *Service {
	s := &Service{st: st, audit: audit, sync: syncer, log: o.Logger, now: o.Now, th: o.Thresholds, flagN: o.FlagThreshold, lease: o.Lease}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.th == (Thresholds{}) {
		s.th = DefaultThresholds
	}
	if s.flagN <= 0 {
		s.flagN = 3
	}
	if s.lease <= 0 {
		s.lease = 15 * time.Minute
	}
	return s
}

// SetSyncer sets the review syncer (the reviews service).
func (s *Service) SetSyncer(y kawan.ReviewSyncer) {
	s.mu.Lock()
	s.sync = y
	s.mu.Unlock()
}

// SetRepresentatives connects the self-review signal to the auth area.
func (s *Service) SetRepresentatives(r Representatives) {
	s.mu.Lock()
	s.reps = r
	s.mu.Unlock()
}

// Thresholds returns the configured thresholds.
func (s *Service) Thresholds() Thresholds { return s.th }

// Screen is the decision point every new review passes before it is stored: it redacts
// personal data from the public text, runs the abuse filter and the fraud signals, and
// publishes, publishes-and-watches, or holds the review. The automatic transition is
// written to the audit log and counted for the transparency report.
func (s *Service) Screen(ctx context.Context, r *kawan.Review) (kawan.Screening, error) {
	at := r.CreatedAt
	if at.IsZero() {
		at = s.now().UTC()
	}
	public, redacted := Redact(r.Text)
	signals, err := s.Signals(ctx, r, at)
	failed := err != nil
	if failed {
		// Fail closed but visible: the review is held and queued for a moderator (an error
		// returned here would make the reviews service hold it outside the queue).
		s.log.Warn("moderation: fraud signals unavailable; review held", "review", r.ID, "err", err)
		signals = []kawan.Signal{{Name: "screening_failed", Score: 1, Reason: "the fraud signals could not be computed; check by hand"}}
	}
	score, reasons := Combine(signals)
	v := kawan.Screening{PublicText: public, Redacted: redacted, FraudScore: score, Signals: signals, Status: kawan.ReviewPublished}
	if failed {
		v.Status, reasons = kawan.ReviewHeld, []string{"screening_failed"}
	}
	if abusive, lang := Abusive(r.Text); abusive {
		v.Signals = append(v.Signals, kawan.Signal{Name: "abusive_language", Score: 1, Reason: "contains a listed slur or threat (" + lang + " list)"})
		reasons = append([]string{"abusive_language"}, reasons...)
		v.Status = kawan.ReviewHeld
	}
	kind := ""
	switch {
	case v.Status == kawan.ReviewHeld || score >= s.th.HoldAt:
		v.Status, kind = kawan.ReviewHeld, "held"
		if len(reasons) == 0 {
			reasons = []string{"fraud_score"}
		}
		v.HoldReasons = reasons
	case score >= s.th.WatchAt:
		kind = "watch"
		v.HoldReasons = reasons
	}
	reason := ReasonAutoPublished
	if v.Status == kawan.ReviewHeld {
		reason = ReasonAutoHeld
	}
	s.record(ctx, kawan.AuditEntry{At: at, Action: "review.screen", Subject: "review:" + r.ID,
		From: string(kawan.ReviewSubmitted), To: string(v.Status), Reason: string(reason), FraudScore: &score})
	stats := map[string]int64{"received": 1}
	if v.Status == kawan.ReviewHeld {
		stats["held_auto"] = 1
	} else {
		stats["published_auto"] = 1
	}
	if kind == "watch" {
		stats["watched"] = 1
	}
	s.count(ctx, at, stats, nil)
	if kind != "" {
		if err := s.st.Enqueue(context.WithoutCancel(ctx), store.QueueItem{ReviewID: r.ID, AgencyID: r.AgencyID, Kind: kind, Status: v.Status,
			FraudScore: score, Since: at}); err != nil {
			s.log.Warn("moderation: enqueue screened review", "review", r.ID, "err", err)
		}
	}
	return v, nil
}

// ScreenReply screens an agency's reply: personal data is redacted; a listed slur or threat
// holds it for a moderator; anything else is published.
func (s *Service) ScreenReply(_ context.Context, text string) (kawan.Screening, error) {
	public, redacted := Redact(text)
	v := kawan.Screening{Status: kawan.ReviewPublished, PublicText: public, Redacted: redacted}
	if abusive, _ := Abusive(text); abusive {
		v.Status, v.HoldReasons = kawan.ReviewHeld, []string{"abusive_language"}
	}
	return v, nil
}

// Signals records r in the shared fraud-signal state and returns every signal that fired
// (score > 0), each with its reason. at is the submission time.
func (s *Service) Signals(ctx context.Context, r *kawan.Review, at time.Time) ([]kawan.Signal, error) {
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
		out      = make([]kawan.Signal, 0, 8)
		outMu    sync.Mutex
	)
	add := func(sigs ...kawan.Signal) {
		outMu.Lock()
		for _, x := range sigs {
			if x.Score > 0 {
				out = append(out, x)
			}
		}
		outMu.Unlock()
	}
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
	}
	run := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				fail(err)
			}
		}()
	}
	run(func() error {
		w, err := s.st.RecordAgencySubmission(ctx, r.AgencyID, at, r.Ratings.Overall)
		if err != nil {
			return err
		}
		add(BurstSignal(w), SwingSignal(w, r.Ratings.Overall))
		return nil
	})
	run(func() error {
		ev, err := s.st.RecordAuthorSubmission(ctx, r.AuthorID, r.AgencyID, at, 24*time.Hour)
		if err != nil {
			return err
		}
		add(VelocitySignal(ev, at))
		return nil
	})
	if r.ClientFP != "" {
		run(func() error {
			authors, err := s.st.RecordFingerprint(ctx, r.AgencyID, r.ClientFP, r.AuthorID)
			if err != nil {
				return err
			}
			add(SharedFingerprintSignal(r.AuthorID, authors))
			return nil
		})
		s.mu.RLock()
		reps := s.reps
		s.mu.RUnlock()
		if reps != nil {
			run(func() error {
				fps, err := reps.RepresentativeFingerprints(ctx, r.AgencyID)
				if err != nil {
					return fmt.Errorf("moderation: representative fingerprints: %w", err)
				}
				add(SelfReviewSignal(r.ClientFP, fps))
				return nil
			})
		}
	}
	run(func() error {
		cands, err := s.nearDuplicates(ctx, r)
		if err != nil {
			return err
		}
		add(DuplicateSignal(r.AuthorID, r.AgencyID, r.Ratings.Overall, cands))
		return nil
	})
	add(NewAccountSignal(r.AuthorSince, at), GenericExtremeSignal(r))
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	// A stable order (by weight) so moderators see the strongest kind of evidence first.
	sortSignals(out)
	return out, nil
}

func sortSignals(sigs []kawan.Signal) {
	for i := 1; i < len(sigs); i++ {
		for j := i; j > 0 && Weights[sigs[j].Name]*sigs[j].Score > Weights[sigs[j-1].Name]*sigs[j-1].Score; j-- {
			sigs[j], sigs[j-1] = sigs[j-1], sigs[j]
		}
	}
}

// nearDuplicates stores r's text fingerprint and returns the earlier reviews whose text is
// close to it, with their estimated similarity.
func (s *Service) nearDuplicates(ctx context.Context, r *kawan.Review) ([]Candidate, error) {
	sg, n := MinHash(r.Text)
	if n < MinShingles {
		return nil, nil
	}
	keys := sg.BandKeys()
	e := store.TextEntry{ReviewID: r.ID, AgencyID: r.AgencyID, AuthorID: r.AuthorID, Overall: r.Ratings.Overall}
	if err := s.st.SaveSignature(ctx, e, sg.Int64s()); err != nil {
		return nil, err
	}
	entries, err := s.st.RecordBands(ctx, keys[:], e)
	if err != nil {
		return nil, err
	}
	if len(entries) > maxCandidates {
		entries = entries[:maxCandidates]
	}
	ids := make([]string, len(entries))
	for i, x := range entries {
		ids[i] = x.ReviewID
	}
	stored, err := s.st.Signatures(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	for _, x := range entries {
		st := stored[x.ReviewID]
		o, ok := SignatureFrom(st.Sig)
		if !ok {
			continue
		}
		out = append(out, Candidate{ReviewID: x.ReviewID, AgencyID: x.AgencyID, AuthorID: x.AuthorID, Overall: st.Overall, Similarity: sg.Similarity(&o)})
	}
	return out, nil
}

// record appends an audit entry; a failure is logged (the transition itself has happened).
func (s *Service) record(ctx context.Context, e kawan.AuditEntry) {
	if s.audit == nil {
		return
	}
	if err := s.audit.Append(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("moderation: audit append failed", "subject", e.Subject, "action", e.Action, "err", err)
	}
}

// recordTransition writes a transition's audit entry (carried by its token) right after the
// transition; on failure the entry stays with the token and RecoverAudit writes it.
func (s *Service) recordTransition(ctx context.Context, key string, e kawan.AuditEntry) {
	if s.audit == nil {
		return
	}
	if err := s.writeAudit(context.WithoutCancel(ctx), key, e); err != nil {
		s.log.Error("moderation: audit write failed; recovery will retry it", "subject", e.Subject, "action", e.Action, "err", err)
	}
}

// writeAudit appends a token's audit entry (once: its ID is fixed) and marks the token audited.
func (s *Service) writeAudit(ctx context.Context, key string, e kawan.AuditEntry) error {
	if err := s.audit.AppendOnce(ctx, e); err != nil {
		return err
	}
	return s.st.MarkAudited(ctx, key)
}

// auditGrace is how long a transition's audit entry may be pending before RecoverAudit
// handles it: the request that made the transition normally writes it within milliseconds.
const auditGrace = time.Minute

// RecoverAudit writes the audit entries of transitions that happened but whose entry was
// never written (the process stopped, or the audit log was unavailable, right after the
// transition), and drops the tokens of transitions that never happened (claimed, then
// the process stopped before the write). It handles at most 1000 tokens a call and
// returns how many entries it wrote.
func (s *Service) RecoverAudit(ctx context.Context) (int, error) {
	if s.audit == nil {
		return 0, nil
	}
	now := s.now().UTC()
	pending, err := s.st.UnauditedTransitions(ctx, now.Add(-auditGrace), 1000)
	if err != nil {
		return 0, err
	}
	written := 0
	for _, p := range pending {
		r, err := s.st.Review(ctx, p.ReviewID)
		switch {
		case errors.Is(err, kawan.ErrNotFound):
			// The review is gone (a submission that lost its race): nothing to audit.
			if err := s.st.DropToken(ctx, p.Key, p.At); err != nil {
				return written, err
			}
			continue
		case err != nil:
			return written, err
		}
		if !slices.Contains(r.Moderation.Transitions, p.Key) {
			if now.Sub(p.At) >= store.StaleToken {
				if err := s.st.DropToken(ctx, p.Key, p.At); err != nil {
					return written, err
				}
			}
			continue
		}
		if err := s.writeAudit(ctx, p.Key, p.Entry); err != nil {
			return written, err
		}
		written++
		s.log.Warn("moderation: wrote a transition's missing audit entry", "subject", p.Entry.Subject, "action", p.Entry.Action)
	}
	return written, nil
}

// auditRecoveryEvery is how often RunAuditRecovery looks for missing audit entries.
const auditRecoveryEvery = 5 * time.Minute

// RunAuditRecovery runs RecoverAudit at start and every five minutes until ctx ends (a
// background job of the app).
func (s *Service) RunAuditRecovery(ctx context.Context) {
	t := time.NewTicker(auditRecoveryEvery)
	defer t.Stop()
	for {
		if n, err := s.RecoverAudit(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("moderation: audit recovery", "err", err)
		} else if n > 0 {
			s.log.Info("moderation: audit recovery wrote missing entries", "entries", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// count adds transparency counters for the month of at.
func (s *Service) count(ctx context.Context, at time.Time, counts map[string]int64, latency *time.Duration) {
	inc := make(map[string]int64, len(counts)+1)
	for k, v := range counts {
		inc["c."+k] = v
	}
	if latency != nil {
		inc[fmt.Sprintf("lat.%d", latencyBucket(*latency))] = 1
	}
	if err := s.st.IncStats(context.WithoutCancel(ctx), at.UTC().Format("2006-01"), inc); err != nil {
		s.log.Warn("moderation: count transparency stats", "err", err)
	}
}

func (s *Service) syncReview(ctx context.Context, reviewID string) {
	s.mu.RLock()
	y := s.sync
	s.mu.RUnlock()
	if y == nil {
		return
	}
	if err := y.SyncReview(context.WithoutCancel(ctx), reviewID); err != nil {
		s.log.Warn("moderation: sync after transition failed; the reconciler will retry", "review", reviewID, "err", err)
	}
}

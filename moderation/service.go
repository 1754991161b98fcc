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

// Options configures a Service.
type Options struct {
	// Thresholds decide publish / watch / hold from the fraud score (DefaultThresholds if zero).
	Thresholds Thresholds
	// FlagThreshold is how many accounts must flag a published review before it goes under
	// review (hidden until a moderator decides). Default 3.
	FlagThreshold int
	// Lease is how long a moderator's claim on a queued review lasts. Default 15 minutes.
	Lease time.Duration
	// QueueCache is how long queue listings reuse the last read of the queue's entries (0:
	// every listing reads them). The queue is read whole to be ordered by a priority that
	// depends on the time; on the embedded store that is a scan of every entry. Reviews
	// this service dequeues leave the reused read at once; new entries appear within it.
	QueueCache time.Duration
	Logger     *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Service is moderation's review lifecycle for moderators and authors (queue, leases,
// decisions, flags, appeals, replies) and its reports. Screening new reviews is the
// Screener's (screen.go), which depends on no other service.
type Service struct {
	st    *store.Moderation
	audit *store.AuditLog
	log   *slog.Logger
	now   func() time.Time
	th    Thresholds
	flagN int
	lease time.Duration

	sync kawan.ReviewSyncer

	queueTTL time.Duration
	qmu      sync.Mutex
	qsnap    map[string]queueSnap // by kind ("" all)
	qgone    map[string]time.Time // reviews dequeued here in the last 2·queueTTL, and when
}

// queueSnap is one read of the queue's entries (with their groups), and when it was made.
type queueSnap struct {
	at    time.Time // time.Now: the cache ages in real time, whatever the service's clock
	items []store.QueueItem
}

// maxCandidates bounds the near-duplicate candidates compared in full per review.
const maxCandidates = 20

// New returns the moderation service. syncer (the reviews service) brings the search index
// and aggregates in line after every transition.
func New(st *store.Moderation, audit *store.AuditLog, syncer kawan.ReviewSyncer, o Options) *Service {
	s := &Service{st: st, audit: audit, sync: syncer, log: o.Logger, now: o.Now, th: o.Thresholds, flagN: o.FlagThreshold, lease: o.Lease,
		queueTTL: o.QueueCache, qsnap: map[string]queueSnap{}, qgone: map[string]time.Time{}}
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

// Thresholds returns the configured thresholds.
func (s *Service) Thresholds() Thresholds { return s.th }

// sortSignals puts signals in a stable order (by weight) so moderators see the strongest
// kind of evidence first.
func sortSignals(sigs []kawan.Signal) {
	for i := 1; i < len(sigs); i++ {
		for j := i; j > 0 && Weights[sigs[j].Name]*sigs[j].Score > Weights[sigs[j-1].Name]*sigs[j-1].Score; j-- {
			sigs[j], sigs[j-1] = sigs[j-1], sigs[j]
		}
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
	y := s.sync
	if y == nil {
		return
	}
	if err := y.SyncReview(context.WithoutCancel(ctx), reviewID); err != nil {
		s.log.Warn("moderation: sync after transition failed; the reconciler will retry", "review", reviewID, "err", err)
	}
}

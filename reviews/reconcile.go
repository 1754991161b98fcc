package reviews

import (
	"context"
	"errors"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/search"
)

// ReconcileOptions tunes the background reconciler.
type ReconcileOptions struct {
	// Every is how often the sync queue is drained (default 5 s).
	Every time.Duration
	// SweepEvery is how often every review is scanned for indexed_version < version or an
	// unfinished count op (default 1 h; the first sweep runs a minute after start). The sweep
	// catches writes whose process died before it could even queue the sync.
	SweepEvery time.Duration
	// KeepIdempotency is how long Idempotency-Keys are remembered (default 24 h).
	KeepIdempotency time.Duration
}

// Reconcile runs until ctx is cancelled: it re-syncs queued reviews (a sync that failed
// after a write), sweeps for reviews behind the index, and purges old idempotency keys.
// Safe to run in every process at once: each step is idempotent and SyncReview uses
// conditional updates.
func (s *Service) Reconcile(ctx context.Context, o ReconcileOptions) {
	if o.Every <= 0 {
		o.Every = 5 * time.Second
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = time.Hour
	}
	if o.KeepIdempotency <= 0 {
		o.KeepIdempotency = 24 * time.Hour
	}
	if n, err := s.RebuildIfEmpty(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("reviews: rebuild empty review index", "err", err)
	} else if n > 0 {
		s.log.Info("reviews: review index was empty; rebuilt from the database", "reviews", n)
	}
	tick := time.NewTicker(o.Every)
	defer tick.Stop()
	nextSweep := time.Now().Add(time.Minute)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := s.DrainQueue(ctx, o.Every); err != nil && ctx.Err() == nil {
			s.log.Warn("reviews: reconcile queue", "err", err)
		}
		if err := s.forgetFinished(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("reviews: forget finished count ops", "err", err)
		}
		if time.Now().After(nextSweep) {
			nextSweep = time.Now().Add(o.SweepEvery)
			if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("reviews: reconcile sweep", "err", err)
			} else if n > 0 {
				s.log.Info("reviews: reconcile sweep re-synced reviews", "count", n)
			}
			if _, err := s.st.PurgeIdempotency(ctx, s.now().UTC().Add(-o.KeepIdempotency)); err != nil && ctx.Err() == nil {
				s.log.Warn("reviews: purge idempotency keys", "err", err)
			}
		}
	}
}

// DrainQueue re-syncs reviews queued for longer than minAge (younger ones are probably
// being synced right now by the request that queued them). It returns how many it synced.
func (s *Service) DrainQueue(ctx context.Context, minAge time.Duration) (int, error) {
	ids, err := s.st.Pending(ctx, s.now().UTC().Add(-minAge), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		if err := s.SyncReview(ctx, id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Sweep scans every review and syncs those behind (indexed_version < version, or with an
// unfinished count op). It returns how many it synced.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	after, n := "", 0
	for {
		ids, last, err := s.st.Behind(ctx, after, 1000)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			if err := s.SyncReview(ctx, id); err != nil {
				return n, err
			}
			if err := s.recordScreening(ctx, id); err != nil {
				return n, err
			}
			n++
		}
		if last == "" {
			return n, nil
		}
		after = last
	}
}

// outboxGrace is how old a review's screening outbox must be before the sweep records it
// again: the submission records it within milliseconds, and moderation writes it within
// a second.
const outboxGrace = 10 * time.Minute

// recordScreening records the screening of a review whose outbox stayed (the process
// stopped between the insert and the record, or the record failed); Record is idempotent.
func (s *Service) recordScreening(ctx context.Context, id string) error {
	if s.screener == nil {
		return nil
	}
	r, err := s.st.Review(ctx, id)
	if errors.Is(err, kawan.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.Moderation.Outbox == nil || s.now().Sub(r.CreatedAt) < outboxGrace {
		return nil
	}
	return s.screener.Record(ctx, r, kawan.Assessment{})
}

// RebuildIfEmpty indexes every published review when the index holds none (a new or lost
// index directory, or one dropped because its mapping is outdated) and returns how many it
// indexed. The database's indexed marks are left as they are: they record that a review's
// version was indexed once, which a rebuild restores.
func (s *Service) RebuildIfEmpty(ctx context.Context) (int, error) {
	h, err := s.idx.SearchReviews(ctx, search.ReviewQuery{Limit: 1})
	if err != nil || h.Total > 0 {
		return 0, err
	}
	n := 0
	batch := make([]search.ReviewDoc, 0, 500)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := s.idx.IndexReviews(ctx, batch...); err != nil {
			return err
		}
		n += len(batch)
		batch = batch[:0]
		return ctx.Err()
	}
	err = s.st.EachReview(ctx, func(r *kawan.Review) error {
		if r.Status != kawan.ReviewPublished {
			return nil
		}
		batch = append(batch, PublicDoc(r))
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return n, err
}

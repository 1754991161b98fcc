// Package reviews is where workers' reviews of recruitment agencies are submitted, replied
// to, voted on and read. Every new review passes moderation's Screener before it is stored
// (without one, every review is held); published reviews are copied to the search index,
// the public read model; each review's ratings and fees move its agency's aggregates exactly
// once (SyncReview).
package reviews

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
)

// ReplyScreener screens an agency's reply text (moderation exports one); it returns the
// verdict with the public (redacted) text. Without one, every reply is held.
type ReplyScreener func(ctx context.Context, text string) (kawan.Screening, error)

// Service is the reviews domain service.
type Service struct {
	st  *store.Reviews
	idx search.ReviewIndex
	log *slog.Logger
	now func() time.Time

	mu            sync.RWMutex
	screener      kawan.Screener
	replyScreener ReplyScreener
	exclude       func(a store.AgencyRatings) (bool, string)

	// locks serialise SyncReview per review within this process, so an older version can
	// never overwrite a newer one in the index.
	locks [64]sync.Mutex
	// writers bounds the submissions writing at once (see maxConcurrentSubmissions).
	writers chan struct{}
	// syncing coalesces best-effort syncs of one review: review id → "written again while
	// a sync was running" (see syncBestEffort).
	syncingMu sync.Mutex
	syncing   map[string]bool
	prior     priorCache
	top       topCache
}

// maxConcurrentSubmissions is the default bound on submissions writing at once in this
// process (Options.MaxConcurrentSubmissions). A submission is some twenty-four database
// operations; on the embedded store every write takes SQLite's single write lock, and more
// writers only add lock waits (SQLite's busy handler sleeps in steps of up to 100 ms):
// with scripts/load at 100 clients, a bound of 4 (or 2) acknowledged 558-577 reviews in
// 20 s against 477 unbounded, and votes' p50 fell from 97 to 14-28 ms. Others wait their
// turn until their request's context ends.
const maxConcurrentSubmissions = 4

// Options configures a Service.
type Options struct {
	Logger *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// MaxConcurrentSubmissions bounds submissions writing at once; 0 means 4, right for
	// the embedded store (a MongoDB replica set takes many more).
	MaxConcurrentSubmissions int
}

// New returns the service. Call SetScreener before serving: until then every review is held.
func New(st *store.Reviews, idx search.ReviewIndex, o Options) *Service {
	s := &Service{st: st, idx: idx, log: o.Logger, now: o.Now, exclude: defaultExclude,
		writers: make(chan struct{}, cmp.Or(max(o.MaxConcurrentSubmissions, 0), maxConcurrentSubmissions))}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// SetScreener sets moderation's decision point for new reviews.
func (s *Service) SetScreener(sc kawan.Screener) {
	s.mu.Lock()
	s.screener = sc
	s.mu.Unlock()
}

// SetReplyScreener sets moderation's screening of reply text.
func (s *Service) SetReplyScreener(f ReplyScreener) {
	s.mu.Lock()
	s.replyScreener = f
	s.mu.Unlock()
}

// SetExclusion sets how ranking tells that an agency must never be "top rated" (revoked
// licence, blacklisting) from its stored document.
func (s *Service) SetExclusion(f func(a store.AgencyRatings) (bool, string)) {
	s.mu.Lock()
	s.exclude = f
	s.mu.Unlock()
}

// Author is who submits a review, as the API knows them.
type Author struct {
	UserID string
	// ClientFP is auth's keyed HMAC of network address and user agent (never raw).
	ClientFP string
	// Since is when the account was created.
	Since time.Time
}

// Result is the outcome of a submission.
type Result struct {
	ID     string             `json:"id"`
	Status kawan.ReviewStatus `json:"status"`
	// Replayed is true when an Idempotency-Key matched an earlier, finished submission.
	Replayed bool `json:"-"`
}

// staleClaim is how long an unfinished idempotency claim blocks a retry with the same key.
const staleClaim = 30 * time.Second

// Submit validates, screens and stores a review of agencyID by author. A later review by
// the same author of the same agency replaces the earlier one as a new version (the earlier
// is kept, superseded). With an idempotency key, a retry of the same request returns the
// first result and never creates a second review.
func (s *Service) Submit(ctx context.Context, agencyID string, author Author, in Submission, idemKey string) (Result, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	if idemKey != "" && !validIdempotencyKey(idemKey) {
		return Result{}, kawan.Invalid("Idempotency-Key", "must be 1 to 200 printable ASCII characters")
	}
	fields, err := in.validate(now)
	if err != nil {
		return Result{}, err
	}
	if author.UserID == "" {
		return Result{}, fmt.Errorf("reviews: submit: %w", kawan.ErrUnauthenticated)
	}
	select {
	case s.writers <- struct{}{}:
		defer func() { <-s.writers }()
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	if ok, err := s.st.AgencyExists(ctx, agencyID); err != nil {
		return Result{}, err
	} else if !ok {
		return Result{}, fmt.Errorf("reviews: agency %s: %w", agencyID, kawan.ErrNotFound)
	}
	reviewID := kawan.NewID()
	var claimKey string
	if idemKey != "" {
		claimKey = store.IdempotencyID(author.UserID, idemKey)
		rec, claimed, err := s.st.ClaimIdempotency(ctx, store.Idempotency{Key: claimKey, RequestHash: requestHash(agencyID, in),
			ReviewID: reviewID, ClaimedAt: now}, staleClaim)
		if err != nil {
			return Result{}, err
		}
		if rec.RequestHash != requestHash(agencyID, in) {
			return Result{}, kawan.Invalid("Idempotency-Key", "was already used for a different request")
		}
		if !claimed && !rec.Done {
			return Result{}, fmt.Errorf("reviews: a request with this Idempotency-Key is still being processed, retry shortly: %w", kawan.ErrConflict)
		}
		if r, err := s.st.Review(ctx, rec.ReviewID); err == nil {
			// Done earlier, or a crashed attempt that got as far as storing the review.
			_ = s.st.FinishIdempotency(ctx, claimKey)
			return Result{ID: r.ID, Status: r.Status, Replayed: true}, nil
		} else if !errors.Is(err, kawan.ErrNotFound) {
			return Result{}, err
		}
		reviewID = rec.ReviewID
	}
	res, err := s.create(ctx, reviewID, agencyID, author, fields, now)
	if err != nil {
		if claimKey != "" {
			_ = s.st.ReleaseIdempotency(context.WithoutCancel(ctx), claimKey)
		}
		return Result{}, err
	}
	if claimKey != "" {
		if err := s.st.FinishIdempotency(ctx, claimKey); err != nil {
			s.log.Warn("reviews: finish idempotency key", "review", res.ID, "err", err)
		}
	}
	return res, nil
}

func (s *Service) create(ctx context.Context, reviewID, agencyID string, author Author, r kawan.Review, now time.Time) (Result, error) {
	prev, err := s.st.CurrentReviewID(ctx, agencyID, author.UserID)
	if err != nil {
		return Result{}, err
	}
	r.ID, r.AgencyID, r.AuthorID = reviewID, agencyID, author.UserID
	r.ClientFP, r.AuthorSince, r.PreviousID = author.ClientFP, author.Since.UTC(), prev
	r.Status, r.CreatedAt, r.UpdatedAt, r.Version = kawan.ReviewSubmitted, now, now, 1
	s.screen(ctx, &r)
	if err := s.st.InsertReview(ctx, &r); err != nil {
		return Result{}, err
	}
	ok, err := s.st.SetCurrentReview(ctx, agencyID, author.UserID, prev, r.ID)
	if err != nil || !ok {
		// Never published nor indexed yet: removing it leaves nothing behind.
		_ = s.st.DeleteReview(context.WithoutCancel(ctx), r.ID)
		if err == nil {
			err = fmt.Errorf("reviews: another review of this agency by you was submitted at the same moment: %w", kawan.ErrConflict)
		}
		return Result{}, err
	}
	if prev != "" {
		if _, err := s.st.Supersede(ctx, prev, now); err != nil {
			s.log.Warn("reviews: supersede earlier version", "review", prev, "err", err)
		}
		s.syncBestEffort(ctx, prev)
	}
	s.syncBestEffort(ctx, r.ID)
	return Result{ID: r.ID, Status: r.Status}, nil
}

// screen runs the screener on r (its Text still the author's text) and applies the verdict.
// It fails closed: no screener, a screener error or an unexpected verdict holds the review.
func (s *Service) screen(ctx context.Context, r *kawan.Review) {
	s.mu.RLock()
	sc := s.screener
	s.mu.RUnlock()
	hold := func(reason string) {
		r.Status = kawan.ReviewHeld
		r.Moderation.HoldReasons = append(r.Moderation.HoldReasons, reason)
		r.Moderation.OriginalText = r.Text
	}
	if sc == nil {
		hold("awaiting_screening")
		return
	}
	v, err := sc.Screen(ctx, r)
	if err != nil {
		s.log.Warn("reviews: screening failed; review held", "review", r.ID, "err", err)
		hold("screening_failed")
		return
	}
	original := r.Text
	r.Moderation.FraudScore, r.Moderation.Signals, r.Moderation.HoldReasons, r.Moderation.Redacted =
		v.FraudScore, v.Signals, v.HoldReasons, v.Redacted
	switch {
	case v.PublicText == "" && original != "":
		hold("screening_returned_no_text")
		return
	case v.Status == kawan.ReviewPublished:
		r.Status = kawan.ReviewPublished
		r.Text = v.PublicText
	default:
		r.Status = kawan.ReviewHeld
		r.Text = v.PublicText
		// Moderators see the original until they decide; then moderation deletes it.
		r.Moderation.OriginalText = original
	}
}

// syncBestEffort syncs a review right after a write; a failure leaves it queued for the
// reconciler, so the request still succeeds.
//
// Syncs of one review are coalesced: when one is already running in this process (many
// votes on a popular review at once), the caller only marks the review written again and
// returns; the running sync then goes once more. After maxSyncPasses passes it leaves the
// rest to the reconciler (the review is queued in review_sync), so no request waits on a
// review that keeps changing.
func (s *Service) syncBestEffort(ctx context.Context, reviewID string) {
	const maxSyncPasses = 3
	ctx = context.WithoutCancel(ctx)
	s.syncingMu.Lock()
	if s.syncing == nil {
		s.syncing = map[string]bool{}
	}
	if _, busy := s.syncing[reviewID]; busy {
		s.syncing[reviewID] = true
		s.syncingMu.Unlock()
		return
	}
	s.syncing[reviewID] = false
	s.syncingMu.Unlock()
	for pass := 1; ; pass++ {
		if err := s.SyncReview(ctx, reviewID); err != nil {
			s.log.Warn("reviews: sync after write failed; the reconciler will retry", "review", reviewID, "err", err)
		}
		s.syncingMu.Lock()
		again := s.syncing[reviewID]
		if !again || pass == maxSyncPasses {
			delete(s.syncing, reviewID)
		} else {
			s.syncing[reviewID] = false
		}
		s.syncingMu.Unlock()
		if !again {
			return
		}
		if pass == maxSyncPasses {
			if _, err := s.st.MarkPending(ctx, reviewID, s.now().UTC()); err != nil {
				s.log.Warn("reviews: queue review for the reconciler", "review", reviewID, "err", err)
			}
			return
		}
	}
}

func requestHash(agencyID string, in Submission) string {
	b, _ := json.Marshal(struct {
		A string
		S Submission
	}{agencyID, in})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (s *Service) lock(id string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return &s.locks[h.Sum32()%uint32(len(s.locks))]
}

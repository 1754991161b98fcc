// Package reviews is where workers' reviews of recruitment agencies are submitted, replied
// to, voted on and read. Every new review passes moderation's Screener (Assess before it is
// stored, Record after; without one, every review is held); published reviews are copied to the search index,
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
	"log/slog"
	"sync"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/internal/stripe"
	"github.com/kawan-labs/kawan/ranking"
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

	screener      kawan.Screener
	replyScreener ReplyScreener
	exclude       func(a store.AgencyRatings) (bool, string)

	// syncs serialises SyncReview per review within this process, so an older version can
	// never overwrite a newer one in the index. It is not for database atomicity: every
	// single-document update is atomic on both stores.
	syncs *stripe.Locks
	// writers bounds the submissions writing at once (see maxConcurrentSubmissions).
	writers chan struct{}
	// syncing coalesces best-effort syncs of one review: review id → "written again while
	// a sync was running" (see syncBestEffort).
	syncingMu sync.Mutex
	syncing   map[string]bool
	// forget holds, per agency, count ops applied and finished whose IDs the agency still
	// remembers; the next update of that agency's aggregates drops them in the same command.
	forgetMu sync.Mutex
	forget   map[string][]string
	prior    priorCache
	top      topCache
}

// maxConcurrentSubmissions is the default bound on submissions writing at once in this
// process (Options.MaxConcurrentSubmissions). On the embedded store every write takes
// SQLite's single write lock, and more writers only add lock waits (SQLite's busy handler
// sleeps in steps of up to 100 ms): with scripts/load at 100 clients, a bound of 4 (or 2)
// acknowledged 558-577 reviews in 20 s against 477 unbounded, and votes' p50 fell from 97
// to 14-28 ms. Others wait their turn until their request's context ends.
const maxConcurrentSubmissions = 4

// Options configures a Service.
type Options struct {
	Logger *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// MaxConcurrentSubmissions bounds submissions writing at once; 0 means 4, right for
	// the embedded store (a MongoDB replica set takes many more).
	MaxConcurrentSubmissions int
	// Screener is moderation's decision point for new reviews; nil holds every review
	// ("awaiting_screening").
	Screener kawan.Screener
	// ReplyScreener screens agencies' replies; nil holds every reply.
	ReplyScreener ReplyScreener
	// Exclude tells from its stored document that an agency must never be "top rated"
	// (ranking's rule, agencies.Exclusion); nil uses the blacklisting and licence fields.
	Exclude func(a store.AgencyRatings) (bool, string)
}

// New returns the service.
func New(st *store.Reviews, idx search.ReviewIndex, o Options) *Service {
	s := &Service{st: st, idx: idx, log: o.Logger, now: o.Now, screener: o.Screener, replyScreener: o.ReplyScreener,
		exclude: o.Exclude, syncs: stripe.New(64),
		writers: make(chan struct{}, cmp.Or(max(o.MaxConcurrentSubmissions, 0), maxConcurrentSubmissions))}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.exclude == nil {
		s.exclude = defaultExclude
	}
	return s
}

// Author is who submits a review, as the API knows them.
type Author struct {
	UserID string
	// ClientFP is auth's keyed HMAC of network address and user agent (never raw).
	ClientFP string
	// NetFP is auth's keyed HMAC of the network prefix (never raw).
	NetFP string
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
//
// One pass, top to bottom: validate → claim the idempotency key → assess (moderation's
// verdict, from reads only) → insert the review with its moderation state and screening
// outbox → make it the author's current review (a submission that loses this race deletes
// its review, and nothing else was written) → record the side effects (moderation's, each
// idempotent) → supersede the earlier version → sync the index (best effort).
func (s *Service) Submit(ctx context.Context, agencyID string, author Author, in Submission, idemKey string) (Result, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	if idemKey != "" && !validIdempotencyKey(idemKey) {
		return Result{}, kawan.Invalid("Idempotency-Key", "must be 1 to 200 printable ASCII characters")
	}
	r, err := in.validate(now)
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
	r.ID, r.AgencyID, r.AuthorID = kawan.NewID(), agencyID, author.UserID
	r.ClientFP, r.NetFP, r.AuthorSince = author.ClientFP, author.NetFP, author.Since.UTC()
	r.Status, r.CreatedAt, r.UpdatedAt, r.Version = kawan.ReviewSubmitted, now, now, 1

	claimKey := ""
	if idemKey != "" {
		claimKey = store.IdempotencyID(author.UserID, idemKey)
		id, replay, err := s.claim(ctx, claimKey, requestHash(agencyID, in), r.ID, now)
		if err != nil || replay != nil {
			return ptrOr(replay), err
		}
		r.ID = id
	}
	a := s.assess(ctx, &r)
	res, err := s.store(ctx, &r)
	if err != nil {
		if claimKey != "" {
			_ = s.st.ReleaseIdempotency(context.WithoutCancel(ctx), claimKey)
		}
		return Result{}, err
	}
	if s.screener != nil {
		if err := s.screener.Record(ctx, &r, a); err != nil {
			s.log.Warn("reviews: record screening; the reconciler's sweep will retry", "review", r.ID, "err", err)
		}
	}
	if r.PreviousID != "" {
		if _, err := s.st.Supersede(ctx, r.PreviousID, now); err != nil {
			s.log.Warn("reviews: supersede earlier version", "review", r.PreviousID, "err", err)
		}
		s.syncBestEffort(ctx, r.PreviousID)
	}
	s.syncNew(ctx, &r)
	return res, nil
}

func ptrOr(r *Result) Result {
	if r == nil {
		return Result{}
	}
	return *r
}

// claim claims the idempotency key for the review reviewID. It returns the review ID to
// use (a crashed earlier attempt's, when its claim is taken over), or the earlier result
// when the request was already done.
func (s *Service) claim(ctx context.Context, key, hash, reviewID string, now time.Time) (string, *Result, error) {
	rec, claimed, err := s.st.ClaimIdempotency(ctx, store.Idempotency{Key: key, RequestHash: hash, ReviewID: reviewID, ClaimedAt: now}, staleClaim)
	if err != nil {
		return "", nil, err
	}
	if rec.RequestHash != hash {
		return "", nil, kawan.Invalid("Idempotency-Key", "was already used for a different request")
	}
	if claimed && rec.ReviewID == reviewID {
		return reviewID, nil, nil // a new key: nothing to look up
	}
	// Done earlier, still running, or a crashed attempt that got as far as storing the
	// review: the stored review is the answer.
	if r, err := s.st.Review(ctx, rec.ReviewID); err == nil {
		return "", &Result{ID: r.ID, Status: r.Status, Replayed: true}, nil
	} else if !errors.Is(err, kawan.ErrNotFound) {
		return "", nil, err
	}
	if !claimed {
		return "", nil, fmt.Errorf("reviews: a request with this Idempotency-Key is still being processed, retry shortly: %w", kawan.ErrConflict)
	}
	return rec.ReviewID, nil, nil
}

// assess runs the screener's assessment on r (its Text still the author's text) and applies
// the verdict: status, public text, moderation state and the outbox it is stored with.
// It fails closed: no screener, a screener error or an unexpected verdict holds the review.
func (s *Service) assess(ctx context.Context, r *kawan.Review) kawan.Assessment {
	hold := func(reason string) kawan.Assessment {
		r.Status = kawan.ReviewHeld
		r.Moderation.HoldReasons = append(r.Moderation.HoldReasons, reason)
		r.Moderation.OriginalText = r.Text
		return kawan.Assessment{}
	}
	if s.screener == nil {
		return hold("awaiting_screening")
	}
	a, err := s.screener.Assess(ctx, r)
	if err != nil {
		s.log.Warn("reviews: screening failed; review held", "review", r.ID, "err", err)
		return hold("screening_failed")
	}
	v, original := a.Screening, r.Text
	r.Moderation.FraudScore, r.Moderation.Signals, r.Moderation.HoldReasons, r.Moderation.Redacted =
		v.FraudScore, v.Signals, v.HoldReasons, v.Redacted
	r.Moderation.Outbox = a.Outbox
	switch {
	case v.PublicText == "" && original != "":
		hold("screening_returned_no_text")
	case v.Status == kawan.ReviewPublished:
		r.Status = kawan.ReviewPublished
		r.Text = v.PublicText
	default:
		r.Status = kawan.ReviewHeld
		r.Text = v.PublicText
		// Moderators see the original until they decide; then moderation deletes it.
		r.Moderation.OriginalText = original
	}
	return a
}

// store inserts r and makes it the author's current review of its agency (r.PreviousID is
// then the version it replaces). A published review is inserted with its count op (its
// contribution to the agency's aggregates, applied by the sync); any other is inserted as
// already in line with the index (it is not there). On a lost race the review is deleted.
func (s *Service) store(ctx context.Context, r *kawan.Review) (Result, error) {
	if r.Status == kawan.ReviewPublished {
		d, err := ranking.Contribution(r)
		if err != nil {
			return Result{}, fmt.Errorf("reviews: submit: %w", err)
		}
		r.CountOp = &kawan.CountOp{ID: kawan.NewID(), Add: true, Delta: d}
	} else {
		r.IndexedVersion = r.Version
	}
	if err := s.st.InsertReview(ctx, r); err != nil {
		return Result{}, err
	}
	prev, ok, err := s.st.BecomeCurrent(ctx, r.AgencyID, r.AuthorID, r.ID)
	if err != nil || !ok {
		// Nothing else was written for it: removing it leaves nothing behind.
		_ = s.st.DeleteReview(context.WithoutCancel(ctx), r.ID)
		if err == nil {
			err = fmt.Errorf("reviews: another review of this agency by you was submitted at the same moment: %w", kawan.ErrConflict)
		}
		return Result{}, err
	}
	if prev != "" {
		r.PreviousID = prev
		if err := s.st.SetPrevious(ctx, r.ID, prev); err != nil {
			s.log.Warn("reviews: link earlier version", "review", r.ID, "err", err)
		}
	}
	return Result{ID: r.ID, Status: r.Status}, nil
}

// syncNew brings a review just stored into the index and its agency's aggregates without
// reading it back: a published one is counted (its count op applied to the agency),
// indexed, and marked counted and indexed in one update; any other was stored in line.
// Anything unusual (it changed meanwhile, the index failed) goes the general way.
func (s *Service) syncNew(ctx context.Context, r *kawan.Review) {
	if r.CountOp == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	op := *r.CountOp
	if err := s.applyCountOp(ctx, r.AgencyID, op); err != nil {
		s.log.Warn("reviews: count new review; the reconciler will retry", "review", r.ID, "err", err)
		s.queueForSync(ctx, r.ID)
		return
	}
	indexed := s.idx.IndexReviews(ctx, PublicDoc(r)) == nil
	done, err := s.st.FinishNewCountOp(ctx, r.ID, r.Version, op, indexed)
	if err == nil {
		s.finishedCountOp(r.AgencyID, op.ID)
	}
	if err != nil || !done || !indexed {
		s.syncBestEffort(ctx, r.ID)
	}
}

// queueForSync leaves a review to the reconciler.
func (s *Service) queueForSync(ctx context.Context, reviewID string) {
	if _, err := s.st.MarkPending(ctx, reviewID, s.now().UTC()); err != nil {
		s.log.Warn("reviews: queue review for the reconciler", "review", reviewID, "err", err)
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
			s.queueForSync(ctx, reviewID)
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

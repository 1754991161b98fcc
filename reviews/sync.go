package reviews

import (
	"context"
	"errors"
	"fmt"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/ranking"
	"github.com/kawan-labs/kawan/search"
)

// SyncReview brings the search index and the agency aggregates in line with the review's
// stored state: a published review is indexed (public fields only) and counted once in its
// agency's aggregates; any other status is removed from the index and uncounted. It
// implements kawan.ReviewSyncer: moderation calls it after every transition; the API after
// every write; the reconciler for anything left behind.
//
// Exactly-once counting without transactions: the change is first recorded on the review
// (count_op, conditional on the counted flag), then applied to the agency in one update that
// also remembers the op ID (so a retry cannot apply it twice), then the review's counted flag
// is flipped and the op cleared. A crash at any point leaves a count_op that the next sync
// finishes.
func (s *Service) SyncReview(ctx context.Context, id string) error {
	defer s.syncs.Lock(id)()
	seq, err := s.st.MarkPending(ctx, id, s.now().UTC())
	if err != nil {
		return err
	}
	for range 5 {
		r, err := s.st.Review(ctx, id)
		if errors.Is(err, kawan.ErrNotFound) {
			if err := s.idx.DeleteReview(ctx, id); err != nil {
				return err
			}
			return s.st.ClearPending(ctx, id, seq)
		}
		if err != nil {
			return err
		}
		if err := s.settleCount(ctx, r); err != nil {
			return err
		}
		if r.Status == kawan.ReviewPublished {
			err = s.idx.IndexReviews(ctx, PublicDoc(r))
		} else {
			err = s.idx.DeleteReview(ctx, id)
		}
		if err != nil {
			return err
		}
		ok, err := s.st.MarkIndexed(ctx, id, r.Version)
		if err != nil {
			return err
		}
		if ok {
			return s.st.ClearPending(ctx, id, seq)
		}
		// The review changed while we worked: go again with the new version.
	}
	return fmt.Errorf("reviews: sync review %s: it keeps changing; left queued", id)
}

// settleCount makes the review's contribution to its agency's aggregates match its status.
// On return r holds the review as last read.
func (s *Service) settleCount(ctx context.Context, r *kawan.Review) error {
	for range 6 {
		if r.CountOp != nil {
			if err := s.finishOp(ctx, r, *r.CountOp); err != nil {
				return err
			}
		} else {
			var want *kawan.ReviewAggregates
			if r.Status == kawan.ReviewPublished {
				d, err := ranking.Contribution(r)
				if err != nil {
					return fmt.Errorf("reviews: sync review %s: %w", r.ID, err)
				}
				want = &d
			}
			var op kawan.CountOp
			switch {
			case r.Counted && r.CountedAs == nil:
				// Should not happen; make it visible and recover by recounting after a repair.
				return fmt.Errorf("reviews: review %s counted without a recorded contribution; run kawan repair-aggregates", r.ID)
			case r.Counted && (want == nil || !ranking.SameContribution(*r.CountedAs, *want)):
				op = kawan.CountOp{ID: kawan.NewID(), Add: false, Delta: *r.CountedAs}
			case !r.Counted && want != nil:
				op = kawan.CountOp{ID: kawan.NewID(), Add: true, Delta: *want}
			default:
				return nil
			}
			started, err := s.st.StartCountOp(ctx, r.ID, r.Counted, op)
			if err != nil {
				return err
			}
			if started {
				if err := s.finishOp(ctx, r, op); err != nil {
					return err
				}
			}
		}
		nr, err := s.st.Review(ctx, r.ID)
		if err != nil {
			return err
		}
		*r = *nr
	}
	return fmt.Errorf("reviews: review %s: aggregates did not settle", r.ID)
}

func (s *Service) finishOp(ctx context.Context, r *kawan.Review, op kawan.CountOp) error {
	if err := s.applyCountOp(ctx, r.AgencyID, op); err != nil {
		return err
	}
	if err := s.st.FinishCountOp(ctx, r.ID, op); err != nil {
		return err
	}
	s.finishedCountOp(r.AgencyID, op.ID)
	return nil
}

// maxForget bounds the finished op IDs kept per agency before they are dropped on their own.
const maxForget = 64

// applyCountOp applies op to the agency, dropping the agency's finished op IDs in the same
// command (a remembered op ID only blocks re-applying that op, so keeping some after a
// crash is harmless; kawan repair-aggregates clears them).
func (s *Service) applyCountOp(ctx context.Context, agencyID string, op kawan.CountOp) error {
	s.forgetMu.Lock()
	forget := s.forget[agencyID]
	delete(s.forget, agencyID)
	s.forgetMu.Unlock()
	err := s.st.ApplyCountOp(ctx, agencyID, op, forget...)
	if err != nil {
		s.forgetMu.Lock()
		if s.forget == nil {
			s.forget = map[string][]string{}
		}
		s.forget[agencyID] = append(s.forget[agencyID], forget...)
		s.forgetMu.Unlock()
		return err
	}
	s.prior.invalidate()
	return nil
}

// forgetFinished drops the finished op IDs agencies still remember (one update per agency).
func (s *Service) forgetFinished(ctx context.Context) error {
	s.forgetMu.Lock()
	pending := s.forget
	s.forget = nil
	s.forgetMu.Unlock()
	for agencyID, ids := range pending {
		if err := s.st.ForgetCountOp(ctx, agencyID, ids...); err != nil {
			return err
		}
	}
	return nil
}

// finishedCountOp notes that the agency may forget opID (at its next count op).
func (s *Service) finishedCountOp(agencyID, opID string) {
	s.forgetMu.Lock()
	if s.forget == nil {
		s.forget = map[string][]string{}
	}
	ids := append(s.forget[agencyID], opID)
	if len(ids) < maxForget {
		s.forget[agencyID] = ids
		ids = nil
	} else {
		delete(s.forget, agencyID)
	}
	s.forgetMu.Unlock()
	if len(ids) > 0 {
		if err := s.st.ForgetCountOp(context.Background(), agencyID, ids...); err != nil {
			s.log.Warn("reviews: forget count ops", "agency", agencyID, "err", err)
		}
	}
}

// PublicDoc is the public, PII-free form of a published review: what the index holds and
// the API shows. The reply appears only once it is itself published.
func PublicDoc(r *kawan.Review) search.ReviewDoc {
	d := search.ReviewDoc{
		ID: r.ID, AgencyID: r.AgencyID, Ratings: r.Ratings, WouldRecommend: r.WouldRecommend,
		Origin: r.Origin, Destination: r.Destination, Sector: r.Sector, DepartureYear: r.DepartureYear,
		FeesPaid: r.FeesPaid, SalaryPromised: r.SalaryPromised, SalaryReceived: r.SalaryReceived,
		Text: r.Text, Lang: r.Lang, HelpfulCount: r.HelpfulCount, Verified: r.Moderation.Verified,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.Reply != nil && r.Reply.Status == kawan.ReviewPublished {
		d.Reply = &search.ReplyDoc{Text: r.Reply.Text, Lang: r.Reply.Lang, CreatedAt: r.Reply.CreatedAt.UTC()}
	}
	return d
}

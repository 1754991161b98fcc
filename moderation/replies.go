package moderation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// ReplyItem is an agency reply held for a moderator (a listed slur or threat).
type ReplyItem struct {
	ReviewID   string    `json:"review_id"`
	AgencyID   string    `json:"agency_id"`
	Text       string    `json:"text"`
	Lang       string    `json:"lang,omitempty"` // the reply's language, as recorded
	ReviewText string    `json:"review_text"`
	CreatedAt  time.Time `json:"created_at"`
}

// HeldReplies lists agency replies waiting for a moderator, oldest first (at most 100).
func (s *Service) HeldReplies(ctx context.Context, p kawan.Principal) ([]ReplyItem, error) {
	if !isModerator(p) {
		return nil, fmt.Errorf("moderation: only moderators: %w", kawan.ErrForbidden)
	}
	rs, err := s.st.HeldReplies(ctx, 100)
	if err != nil {
		return nil, err
	}
	out := make([]ReplyItem, 0, len(rs))
	for _, r := range rs {
		if r.Reply == nil {
			continue
		}
		out = append(out, ReplyItem{ReviewID: r.ID, AgencyID: r.AgencyID, Text: r.Reply.Text, Lang: r.Reply.Lang, ReviewText: r.Text, CreatedAt: r.Reply.CreatedAt.UTC()})
	}
	return out, nil
}

// DecideReply publishes or rejects a held agency reply (actions publish and reject, with
// the same reasons as reviews). Two moderators at once: one wins, the other gets 409.
func (s *Service) DecideReply(ctx context.Context, p kawan.Principal, reviewID string, d Decision) (DecisionResult, error) {
	if !isModerator(p) {
		return DecisionResult{}, fmt.Errorf("moderation: only moderators decide: %w", kawan.ErrForbidden)
	}
	if d.Action != ActionPublish && d.Action != ActionReject {
		return DecisionResult{}, kawan.Invalid("action", "must be publish or reject for a reply")
	}
	if !reasonFits(d.Action, d.Reason) {
		return DecisionResult{}, kawan.Invalid("reason", "is not a reason for %s (see the reason taxonomy)", d.Action)
	}
	if err := checkNote("note", d.Note); err != nil {
		return DecisionResult{}, err
	}
	if !kawan.ValidID(reviewID) {
		return DecisionResult{}, notFound(reviewID)
	}
	r, err := s.st.Review(ctx, reviewID)
	if err != nil {
		return DecisionResult{}, err
	}
	if r.Reply == nil {
		return DecisionResult{}, notFound(reviewID)
	}
	if r.Reply.Status != kawan.ReviewHeld {
		return DecisionResult{}, fmt.Errorf("moderation: the reply to review %s is %s, not held: %w", reviewID, r.Reply.Status, kawan.ErrConflict)
	}
	to := kawan.ReviewPublished
	if d.Action == ActionReject {
		to = kawan.ReviewRejected
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	note, _ := Redact(strings.TrimSpace(d.Note))
	entry := &kawan.AuditEntry{At: now, ActorID: p.UserID, ActorRole: p.Role, Action: "reply.decision", Subject: "review:" + reviewID,
		From: string(kawan.ReviewHeld), To: string(to), Reason: string(d.Reason), Note: note}
	if err := s.st.TransitionReply(ctx, r, to, now, entry); err != nil {
		return DecisionResult{}, err
	}
	s.recordTransition(ctx, store.ReplyTransitionKey(r.ID, r.Version), *entry)
	s.count(ctx, now, map[string]int64{"reply_decisions": 1}, nil)
	s.syncReview(ctx, reviewID)
	return DecisionResult{ReviewID: reviewID, From: kawan.ReviewHeld, Status: to}, nil
}

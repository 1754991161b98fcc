package reviews

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kawan-labs/kawan"
)

// Vote records userID's "helpful" vote on a published review; one vote per account per
// review (a second is ErrConflict), never on one's own review. It returns the new count.
func (s *Service) Vote(ctx context.Context, reviewID, userID string) (int, error) {
	r, err := s.published(ctx, reviewID)
	if err != nil {
		return 0, err
	}
	if r.AuthorID == userID {
		return 0, fmt.Errorf("reviews: you cannot vote on your own review: %w", kawan.ErrConflict)
	}
	if err := s.st.InsertVote(ctx, reviewID, userID, s.now().UTC()); err != nil {
		return 0, err
	}
	if err := s.st.IncHelpful(ctx, reviewID); err != nil {
		// Undo the vote so the voter's retry is accepted; if the database is gone for that
		// too, RepairAggregates recounts helpful votes from the votes themselves.
		if derr := s.st.DeleteVote(context.WithoutCancel(ctx), reviewID, userID); derr != nil {
			s.log.Warn("reviews: vote stored but not counted; run the aggregate repair", "review", reviewID, "err", derr)
		}
		return 0, err
	}
	s.syncBestEffort(ctx, reviewID)
	return r.HelpfulCount + 1, nil
}

// ReplyResult is the outcome of a reply: its moderation status.
type ReplyResult struct {
	Status kawan.ReviewStatus `json:"status"`
}

// Reply stores the one public reply to a published review by an approved representative of
// the reviewed agency (p.AgencyID). The reply is screened like a review; until moderation
// provides a reply screener, it is held for a moderator. lang is the reply's declared
// language (BCP 47); empty means detect it from the text.
func (s *Service) Reply(ctx context.Context, p kawan.Principal, reviewID, text, lang string) (ReplyResult, error) {
	text = strings.TrimSpace(text)
	if msg := checkText(text, true); msg != "" {
		return ReplyResult{}, kawan.Invalid("text", "%s", msg)
	}
	if lang == "" {
		lang = detectLang(text)
	} else if l, ok := normLang(lang); ok {
		lang = l
	} else {
		return ReplyResult{}, kawan.Invalid("lang", "must be a language tag like ne or fil")
	}
	if p.AgencyID == "" {
		return ReplyResult{}, fmt.Errorf("reviews: only an approved agency representative may reply: %w", kawan.ErrForbidden)
	}
	r, err := s.published(ctx, reviewID)
	if err != nil {
		return ReplyResult{}, err
	}
	if r.AgencyID != p.AgencyID {
		return ReplyResult{}, fmt.Errorf("reviews: you may reply only to reviews of the agency you represent: %w", kawan.ErrForbidden)
	}
	reply := kawan.Reply{Text: text, Lang: lang, AuthorID: p.UserID, Status: kawan.ReviewHeld, CreatedAt: s.now().UTC().Truncate(1e6)}
	screen := s.replyScreener
	if screen != nil {
		v, err := screen(ctx, text)
		switch {
		case err != nil:
			s.log.Warn("reviews: reply screening failed; reply held", "review", reviewID, "err", err)
		case v.Status == kawan.ReviewPublished && v.PublicText != "":
			reply.Status, reply.Text, reply.Redacted = kawan.ReviewPublished, v.PublicText, v.Redacted
		case v.PublicText != "":
			reply.Text, reply.Redacted = v.PublicText, v.Redacted
		}
	}
	if err := s.st.SetReply(ctx, reviewID, p.AgencyID, reply); err != nil {
		return ReplyResult{}, err
	}
	s.syncBestEffort(ctx, reviewID)
	return ReplyResult{Status: reply.Status}, nil
}

// maxReplyStatuses bounds ReplyStatuses (one page of an agency's reviews).
const maxReplyStatuses = 50

// ReplyStatuses returns, for those of reviewIDs that are agencyID's and have a reply, the
// reply's moderation status: the agency's representative sees that a reply is waiting for
// a moderator (or was not published) instead of a form that would be refused. Reads by
// _id, at most maxReplyStatuses.
func (s *Service) ReplyStatuses(ctx context.Context, agencyID string, reviewIDs []string) (map[string]kawan.ReviewStatus, error) {
	out := map[string]kawan.ReviewStatus{}
	for _, id := range reviewIDs[:min(len(reviewIDs), maxReplyStatuses)] {
		if !kawan.ValidID(id) {
			continue
		}
		r, err := s.st.Review(ctx, id)
		if errors.Is(err, kawan.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if r.AgencyID == agencyID && r.Reply != nil {
			out[id] = r.Reply.Status
		}
	}
	return out, nil
}

// published reads a review that the public may see; anything else is not found.
func (s *Service) published(ctx context.Context, reviewID string) (*kawan.Review, error) {
	if !kawan.ValidID(reviewID) {
		return nil, fmt.Errorf("reviews: review %q: %w", reviewID, kawan.ErrNotFound)
	}
	r, err := s.st.Review(ctx, reviewID)
	if err != nil {
		return nil, err
	}
	if r.Status != kawan.ReviewPublished {
		return nil, fmt.Errorf("reviews: review %s: %w", reviewID, kawan.ErrNotFound)
	}
	return r, nil
}

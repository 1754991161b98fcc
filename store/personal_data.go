package store

import (
	"context"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
)

// PersonalData finds and erases what other areas hold about one account, for the privacy
// rights (GET /v1/me/export, DELETE /v1/me): reviews and their current-review keys
// ("reviews", "review_keys"), helpful votes ("review_votes"), flags ("review_flags"),
// appeals ("mod_appeals") and moderation's fraud-signal state ("mod_signals"). These are
// rare, per-account operations, so scans are acceptable.
//
// Erasure pseudonymises rather than deletes where a record must stay for others (a kept
// review, a vote already counted, moderation history): the account ID is replaced by a
// random one that links to nothing, and client fingerprints are dropped.
type PersonalData struct {
	reviews, keys, votes, flags, appeals, modSignals *mongo.Collection
	watches                                          *Watches
}

// NewPersonalData returns the personal-data finder of db.
func NewPersonalData(db *mongo.Database) *PersonalData {
	return &PersonalData{
		reviews: db.Collection("reviews"), keys: db.Collection("review_keys"), votes: db.Collection("review_votes"),
		flags: db.Collection("review_flags"), appeals: db.Collection("mod_appeals"), modSignals: db.Collection("mod_signals"),
		watches: NewWatches(db),
	}
}

// ExportedReview is one of the caller's reviews with the fields the public view hides.
type ExportedReview struct {
	kawan.Review
	Status      kawan.ReviewStatus `json:"status"`
	ClientFP    string             `json:"client_fingerprint,omitempty"`
	AuthorSince time.Time          `json:"account_created_at,omitzero"`
	HoldReasons []string           `json:"hold_reasons,omitempty"`
	Decision    string             `json:"moderation_reason,omitempty"`
	// OriginalText is what the author wrote, beside the published text ("text"), while
	// Kawan keeps it; Original says which case applies (OriginalKept, …).
	OriginalText string `json:"original_text,omitempty"`
	Original     string `json:"original"`
	// OriginalErasedAt is when a moderator's decision erased the original.
	OriginalErasedAt time.Time `json:"original_erased_at,omitzero"`
}

// What an export says about the original text of a review or reply.
const (
	// OriginalKept: held for a moderator; the original is kept until the decision.
	OriginalKept = "kept_until_decision"
	// OriginalSame: nothing was removed; the published text is what the author wrote.
	OriginalSame = "same_as_published"
	// OriginalErased: the moderator's decision erased the original (original_erased_at).
	OriginalErased = "erased_at_decision"
	// OriginalNotKept: personal data was removed when it was submitted and published at
	// once; only the published text was ever stored.
	OriginalNotKept = "not_kept_personal_data_removed"
)

// exportOriginal fills in what the export says about r's original text.
func exportOriginal(e *ExportedReview, r kawan.Review) {
	switch m := r.Moderation; {
	case m.OriginalText != "":
		e.OriginalText, e.Original = m.OriginalText, OriginalKept
	case !m.OriginalErasedAt.IsZero():
		e.Original, e.OriginalErasedAt = OriginalErased, m.OriginalErasedAt
	case m.Redacted:
		e.Original = OriginalNotKept
	default:
		e.OriginalText, e.Original = r.Text, OriginalSame
	}
}

// Export returns the account's reviews, replies, votes, flags, appeals and followed agencies.
func (p *PersonalData) Export(ctx context.Context, userID string) (map[string]any, error) {
	revs, err := all[kawan.Review](ctx, p.reviews, bson.D{{Key: "author_id", Value: userID}}, options.Find().SetLimit(10000))
	if err != nil {
		return nil, err
	}
	out := make([]ExportedReview, len(revs))
	for i, r := range revs {
		out[i] = ExportedReview{Review: r, Status: r.Status, ClientFP: r.ClientFP, AuthorSince: r.AuthorSince,
			HoldReasons: r.Moderation.HoldReasons, Decision: r.Moderation.Reason}
		exportOriginal(&out[i], r)
	}
	type vote struct {
		ReviewID string    `bson:"review_id" json:"review_id"`
		At       time.Time `bson:"at" json:"at"`
	}
	votes, err := all[vote](ctx, p.votes, bson.D{{Key: "user_id", Value: userID}}, options.Find().SetLimit(100000))
	if err != nil {
		return nil, err
	}
	type flag struct {
		ReviewID string    `bson:"review_id" json:"review_id"`
		Reason   string    `bson:"reason" json:"reason"`
		At       time.Time `bson:"at" json:"at"`
	}
	flags, err := all[flag](ctx, p.flags, bson.D{{Key: "user_id", Value: userID}}, options.Find().SetLimit(100000))
	if err != nil {
		return nil, err
	}
	type appeal struct {
		ReviewID string    `bson:"review_id" json:"review_id"`
		Note     string    `bson:"note" json:"note,omitempty"`
		At       time.Time `bson:"at" json:"at"`
	}
	appeals, err := all[appeal](ctx, p.appeals, bson.D{{Key: "author_id", Value: userID}}, options.Find().SetLimit(10000))
	if err != nil {
		return nil, err
	}
	replies, err := all[kawan.Review](ctx, p.reviews, bson.D{{Key: "reply.author_id", Value: userID}}, options.Find().SetLimit(10000))
	if err != nil {
		return nil, err
	}
	type reply struct {
		ReviewID string `json:"review_id"`
		kawan.Reply
		OriginalText string `json:"original_text,omitempty"`
		Original     string `json:"original"`
	}
	rs := make([]reply, 0, len(replies))
	for _, r := range replies {
		if r.Reply != nil {
			x := reply{ReviewID: r.ID, Reply: *r.Reply, Original: OriginalSame, OriginalText: r.Reply.Text}
			if r.Reply.Redacted {
				x.Original, x.OriginalText = OriginalNotKept, ""
			}
			rs = append(rs, x)
		}
	}
	follows, err := p.watches.WatchesOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"reviews": out, "replies": rs, "votes": votes, "flags": flags, "appeals": appeals, "follows": follows}, nil
}

// liveStatuses are the statuses an erased author's "remove" choice takes down.
var liveStatuses = bson.A{kawan.ReviewSubmitted, kawan.ReviewPublished, kawan.ReviewHeld, kawan.ReviewUnderReview}

// EraseAuthor detaches every record of userID from the account. With remove, the author's
// live reviews become "removed" and their text is deleted; otherwise they stay as they
// are. Either way each review's author becomes pseudonym, its client fingerprint is
// dropped and its version is bumped (so the caller re-syncs the search index and agency
// aggregates for the returned review IDs).
func (p *PersonalData) EraseAuthor(ctx context.Context, userID, pseudonym string, remove bool, now time.Time) ([]string, error) {
	revs, err := all[struct {
		ID       string `bson:"_id"`
		AgencyID string `bson:"agency_id"`
	}](ctx, p.reviews, bson.D{{Key: "author_id", Value: userID}}, options.Find().SetLimit(100000))
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range revs {
		if remove {
			if _, err := p.reviews.UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}, {Key: "status", Value: bson.D{{Key: "$in", Value: liveStatuses}}}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: kawan.ReviewRemoved}, {Key: "text", Value: ""},
					{Key: "moderation.reason", Value: "removed by its author (account erased)"}, {Key: "updated_at", Value: now}}},
					{Key: "$unset", Value: bson.D{{Key: "moderation.original_text", Value: ""}}}}); err != nil {
				return ids, Classify("remove review", err)
			}
		}
		if _, err := p.reviews.UpdateOne(ctx, id(r.ID), bson.D{
			{Key: "$set", Value: bson.D{{Key: "author_id", Value: pseudonym}, {Key: "updated_at", Value: now}}},
			{Key: "$unset", Value: bson.D{{Key: "client_fp", Value: ""}, {Key: "net_fp", Value: ""}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}}); err != nil {
			return ids, Classify("pseudonymise review", err)
		}
		if _, err := p.keys.DeleteOne(ctx, id(authorKey(r.AgencyID, userID))); err != nil {
			return ids, Classify("forget current review", err)
		}
		ids = append(ids, r.ID)
	}
	// followed agencies are the account's own choice: nothing to keep
	if err := p.watches.ForgetUser(ctx, userID); err != nil {
		return ids, err
	}
	// replies written as an agency representative stay (they speak for the agency)
	if _, err := p.reviews.UpdateMany(ctx, bson.D{{Key: "reply.author_id", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "reply.author_id", Value: pseudonym}}}}); err != nil {
		return ids, Classify("pseudonymise replies", err)
	}
	if err := p.rekey(ctx, p.votes, userID, pseudonym); err != nil {
		return ids, err
	}
	if err := p.rekey(ctx, p.flags, userID, pseudonym); err != nil {
		return ids, err
	}
	if _, err := p.appeals.UpdateMany(ctx, bson.D{{Key: "author_id", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "author_id", Value: pseudonym}}}, {Key: "$unset", Value: bson.D{{Key: "note", Value: ""}}}}); err != nil {
		return ids, Classify("pseudonymise appeals", err)
	}
	// Moderation's fraud-signal state (store/moderation_state.go): the account's own
	// submissions are deleted; fingerprint, bucket and signature entries name the pseudonym.
	if _, err := p.modSignals.DeleteOne(ctx, id(signalID("author", userID))); err != nil {
		return ids, Classify("forget author events", err)
	}
	if _, err := p.modSignals.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^sig\\|"}}}, {Key: "u", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "u", Value: pseudonym}}}}); err != nil {
		return ids, Classify("pseudonymise text signatures", err)
	}
	if err := p.renameInLists(ctx, userID, pseudonym); err != nil {
		return ids, err
	}
	return ids, nil
}

// renameInLists replaces userID by pseudonym in the fingerprint account lists and the LSH
// bucket entries (a scan: erasure is rare), one document update each.
func (p *PersonalData) renameInLists(ctx context.Context, userID, pseudonym string) error {
	docs, err := all[bson.D](ctx, p.modSignals, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "u", Value: userID}}, bson.D{{Key: "e.u", Value: userID}}, bson.D{{Key: "r.u", Value: userID}}}}}, options.Find().SetLimit(100000))
	if err != nil {
		return err
	}
	for _, d := range docs {
		var docID string
		set := bson.D{}
		for _, el := range d {
			switch el.Key {
			case "_id":
				docID, _ = el.Value.(string)
			case "u":
				if us, ok := el.Value.(bson.A); ok {
					for i, u := range us {
						if u == userID {
							us[i] = pseudonym
						}
					}
					set = append(set, bson.E{Key: "u", Value: us})
				}
			case "e", "r":
				if es, ok := el.Value.(bson.A); ok {
					for _, e := range es {
						if ed, ok := e.(bson.D); ok {
							for i := range ed {
								if ed[i].Key == "u" && ed[i].Value == userID {
									ed[i].Value = pseudonym
								}
							}
						}
					}
					set = append(set, bson.E{Key: el.Key, Value: es})
				}
			}
		}
		if docID == "" || len(set) == 0 || strings.HasPrefix(docID, "sig|") {
			continue
		}
		if _, err := p.modSignals.UpdateOne(ctx, id(docID), bson.D{{Key: "$set", Value: set}}); err != nil {
			return Classify("pseudonymise fraud-signal state", err)
		}
	}
	return nil
}

// rekey moves documents whose _id is "<thing>|<userID>" and field user_id = userID to the
// pseudonym (insert the copy, then delete the original).
func (p *PersonalData) rekey(ctx context.Context, c *mongo.Collection, userID, pseudonym string) error {
	docs, err := all[bson.D](ctx, c, bson.D{{Key: "user_id", Value: userID}}, options.Find().SetLimit(100000))
	if err != nil {
		return err
	}
	for _, d := range docs {
		var oldID string
		for i := range d {
			switch d[i].Key {
			case "_id":
				oldID, _ = d[i].Value.(string)
				if n := len(oldID) - len(userID); n > 0 && oldID[n:] == userID {
					d[i].Value = oldID[:n] + pseudonym
				} else {
					d[i].Value = kawan.NewID()
				}
			case "user_id":
				d[i].Value = pseudonym
			}
		}
		if _, err := c.InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
			return Classify("pseudonymise "+c.Name(), err)
		}
		if _, err := c.DeleteOne(ctx, id(oldID)); err != nil {
			return Classify("pseudonymise "+c.Name(), err)
		}
	}
	return nil
}

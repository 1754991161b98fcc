package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/complaints"
)

// Complaints is the repository of complaint cases ("complaints", _id the case code),
// partner organisations ("partners") and partner accounts ("partner_members", _id the
// account). A case is one document: every transition and message replaces it with a
// compare-and-set on {_id, version}, so of two concurrent changes exactly one wins.
type Complaints struct {
	cases, partners, members, paper *mongo.Collection
}

// NewComplaints returns the complaints repository of db.
func NewComplaints(db *mongo.Database) *Complaints {
	return &Complaints{cases: db.Collection("complaints"), partners: db.Collection("partners"),
		members: db.Collection("partner_members"), paper: db.Collection("paper_reviews")}
}

// complaintIndexes serve a worker's list, a partner's list, an agency's outcome counts and
// the overdue sweep.
func complaintIndexes(ctx context.Context, db *mongo.Database) error {
	return EnsureIndexes(ctx, db.Collection("complaints"),
		mongo.IndexModel{Keys: bson.D{{Key: "owner_id", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "referred_to", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "partner_id", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "against.agency_id", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "state", Value: 1}, {Key: "waiting_since", Value: 1}}})
}

// paperIndexes serve the agency page's "collected by" labels (by review).
func paperIndexes(ctx context.Context, db *mongo.Database) error {
	return EnsureIndexes(ctx, db.Collection("paper_reviews"), mongo.IndexModel{Keys: bson.D{{Key: "review_id", Value: 1}}})
}

// InsertCase stores a new case; an existing code is kawan.ErrConflict.
func (s *Complaints) InsertCase(ctx context.Context, c *complaints.Case) error {
	_, err := s.cases.InsertOne(ctx, c)
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("store: case %s exists: %w", c.ID, kawan.ErrConflict)
	}
	return Classify("insert case", err)
}

// Case reads one case; a missing one is kawan.ErrNotFound.
func (s *Complaints) Case(ctx context.Context, code string) (*complaints.Case, error) {
	var c complaints.Case
	err := s.cases.FindOne(ctx, id(code)).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("store: case %s: %w", code, kawan.ErrNotFound)
	}
	if err != nil {
		return nil, Classify("read case", err)
	}
	return &c, nil
}

// ReplaceCase writes c (with its version already bumped) only if the stored case still has
// version prev. It reports whether it did: false means another change came first.
func (s *Complaints) ReplaceCase(ctx context.Context, prev int64, c *complaints.Case) (bool, error) {
	res, err := s.cases.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ID}, {Key: "version", Value: prev}}, c)
	if err != nil {
		return false, Classify("update case", err)
	}
	return res.MatchedCount == 1, nil
}

// CasesOfOwner lists an account's cases, newest first.
func (s *Complaints) CasesOfOwner(ctx context.Context, ownerID string, limit int) ([]complaints.Case, error) {
	return all[complaints.Case](ctx, s.cases, bson.D{{Key: "owner_id", Value: ownerID}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}).SetLimit(int64(limit)))
}

// CasesOfPartner lists the cases referred to or accepted by a partner, newest first.
func (s *Complaints) CasesOfPartner(ctx context.Context, partnerID string, limit int) ([]complaints.Case, error) {
	f := bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "referred_to", Value: partnerID}}, bson.D{{Key: "partner_id", Value: partnerID}}}}}
	return all[complaints.Case](ctx, s.cases, f, options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}).SetLimit(int64(limit)))
}

// CasesForModerators lists cases that wait for a moderator: filed with "let moderators
// choose" and not yet referred, declined by every partner, or flagged as unanswered.
func (s *Complaints) CasesForModerators(ctx context.Context, limit int) ([]complaints.Case, error) {
	f := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "state", Value: complaints.Submitted}},
		bson.D{{Key: "state", Value: complaints.Declined}},
		bson.D{{Key: "flagged", Value: true}},
		bson.D{{Key: "messages.held", Value: true}},
	}}}
	return all[complaints.Case](ctx, s.cases, f, options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}}).SetLimit(int64(limit)))
}

// caseCount is the part of a case the published outcome counts read (never text, amounts
// or anything identifying).
type caseCount struct {
	Complainant string              `bson:"complainant"`
	State       complaints.State    `bson:"state"`
	Outcome     *complaints.Outcome `bson:"outcome"`
	Steps       []complaints.Step   `bson:"steps"`
	CreatedAt   time.Time           `bson:"created_at"`
	Hidden      bool                `bson:"hide_from_agency"`
}

// CaseCounts reads what the outcome counts of an agency need (at most limit cases).
func (s *Complaints) CaseCounts(ctx context.Context, agencyID string, limit int) ([]complaints.CaseCount, error) {
	proj := bson.D{{Key: "complainant", Value: 1}, {Key: "state", Value: 1}, {Key: "outcome.kind", Value: 1},
		{Key: "steps.to", Value: 1}, {Key: "created_at", Value: 1}, {Key: "hide_from_agency", Value: 1}}
	rows, err := all[caseCount](ctx, s.cases, bson.D{{Key: "against.agency_id", Value: agencyID}},
		options.Find().SetProjection(proj).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	out := make([]complaints.CaseCount, 0, len(rows))
	for _, r := range rows {
		c := complaints.CaseCount{Complainant: r.Complainant, State: r.State, CreatedAt: r.CreatedAt, Hidden: r.Hidden}
		if r.Outcome != nil {
			c.Outcome = r.Outcome.Kind
		}
		for _, st := range r.Steps {
			if st.To == complaints.Accepted {
				c.WasAccepted = true
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// WaitingCases lists cases waiting for an answer since before t and not flagged yet.
func (s *Complaints) WaitingCases(ctx context.Context, before time.Time, limit int) ([]complaints.Case, error) {
	f := bson.D{{Key: "state", Value: bson.D{{Key: "$in", Value: bson.A{complaints.Submitted, complaints.Referred}}}},
		{Key: "waiting_since", Value: bson.D{{Key: "$lt", Value: before}}}, {Key: "flagged", Value: bson.D{{Key: "$ne", Value: true}}}}
	return all[complaints.Case](ctx, s.cases, f, options.Find().SetLimit(int64(limit)))
}

// PutPartner creates or replaces a partner organisation.
func (s *Complaints) PutPartner(ctx context.Context, p *complaints.Partner) error {
	_, err := s.partners.ReplaceOne(ctx, id(p.ID), p, options.Replace().SetUpsert(true))
	return Classify("put partner", err)
}

// Partner reads one partner; a missing one is kawan.ErrNotFound.
func (s *Complaints) Partner(ctx context.Context, partnerID string) (*complaints.Partner, error) {
	var p complaints.Partner
	err := s.partners.FindOne(ctx, id(partnerID)).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("store: partner %s: %w", partnerID, kawan.ErrNotFound)
	}
	if err != nil {
		return nil, Classify("read partner", err)
	}
	return &p, nil
}

// Partners lists partners (at most limit), by ID.
func (s *Complaints) Partners(ctx context.Context, limit int) ([]complaints.Partner, error) {
	return all[complaints.Partner](ctx, s.partners, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// SetMember binds an account to a partner (one partner per account).
func (s *Complaints) SetMember(ctx context.Context, userID, partnerID string, now time.Time) error {
	_, err := s.members.ReplaceOne(ctx, id(userID), bson.D{{Key: "_id", Value: userID}, {Key: "partner_id", Value: partnerID}, {Key: "since", Value: now}},
		options.Replace().SetUpsert(true))
	return Classify("bind partner account", err)
}

// MemberOf returns the partner an account speaks for; none is kawan.ErrNotFound.
func (s *Complaints) MemberOf(ctx context.Context, userID string) (string, error) {
	var m struct {
		PartnerID string `bson:"partner_id"`
	}
	err := s.members.FindOne(ctx, id(userID)).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", fmt.Errorf("store: account is no partner's: %w", kawan.ErrNotFound)
	}
	if err != nil {
		return "", Classify("read partner account", err)
	}
	return m.PartnerID, nil
}

// PaperRecord reads which review a partner's reference became; none is kawan.ErrNotFound.
func (s *Complaints) PaperRecord(ctx context.Context, key string) (*complaints.PaperRecord, error) {
	var r complaints.PaperRecord
	err := s.paper.FindOne(ctx, id(key)).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("store: paper review %s: %w", key, kawan.ErrNotFound)
	}
	if err != nil {
		return nil, Classify("read paper review", err)
	}
	return &r, nil
}

// PutPaperRecord records a paper review (again: replaced, the same review on a retry).
func (s *Complaints) PutPaperRecord(ctx context.Context, r *complaints.PaperRecord) error {
	_, err := s.paper.ReplaceOne(ctx, id(r.ID), r, options.Replace().SetUpsert(true))
	return Classify("put paper review", err)
}

// PaperRecordsOf returns the paper records of the given reviews (at most 200 asked).
func (s *Complaints) PaperRecordsOf(ctx context.Context, reviewIDs []string) ([]complaints.PaperRecord, error) {
	if len(reviewIDs) > 200 {
		reviewIDs = reviewIDs[:200]
	}
	return all[complaints.PaperRecord](ctx, s.paper, bson.D{{Key: "review_id", Value: bson.D{{Key: "$in", Value: reviewIDs}}}},
		options.Find().SetLimit(int64(len(reviewIDs))))
}

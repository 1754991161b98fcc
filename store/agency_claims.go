package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
)

// Claim is a worker's request to represent an agency, decided by an admin.
type Claim struct {
	ID        string    `bson:"_id" json:"id"`
	UserID    string    `bson:"user_id" json:"user_id"`
	AgencyID  string    `bson:"agency_id" json:"agency_id"`
	Evidence  string    `bson:"evidence" json:"evidence"` // how the admin can check (job title, office phone, …)
	Status    string    `bson:"status" json:"status"`     // pending, approved, rejected
	Reason    string    `bson:"reason,omitempty" json:"reason,omitempty"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
	DecidedBy string    `bson:"decided_by,omitempty" json:"-"`
	DecidedAt time.Time `bson:"decided_at,omitempty" json:"decided_at,omitzero"`
}

// Claim statuses.
const (
	ClaimPending  = "pending"
	ClaimApproved = "approved"
	ClaimRejected = "rejected"
)

// InsertClaim stores a new claim.
func (s *Users) InsertClaim(ctx context.Context, c *Claim) error {
	_, err := s.claims.InsertOne(ctx, c)
	return Classify("insert agency claim", err)
}

// Claim reads one claim.
func (s *Users) Claim(ctx context.Context, claimID string) (*Claim, error) {
	var c Claim
	if err := s.claims.FindOne(ctx, id(claimID)).Decode(&c); err != nil {
		return nil, Classify("agency claim "+claimID, err)
	}
	return &c, nil
}

// ListClaims lists claims with a status (all when empty), oldest first, with the total.
func (s *Users) ListClaims(ctx context.Context, status string, skip, limit int) ([]Claim, int64, error) {
	f := bson.D{}
	if status != "" {
		f = bson.D{{Key: "status", Value: status}}
	}
	total, err := s.claims.CountDocuments(ctx, f)
	if err != nil {
		return nil, 0, Classify("count agency claims", err)
	}
	cur, err := s.claims.Find(ctx, f, options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}).
		SetSkip(int64(skip)).SetLimit(int64(min(max(limit, 1), 100))))
	if err != nil {
		return nil, 0, Classify("list agency claims", err)
	}
	out := []Claim{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, 0, Classify("read agency claims", err)
	}
	return out, total, nil
}

// UserClaims lists one user's claims (at most 100, newest first).
func (s *Users) UserClaims(ctx context.Context, userID string) ([]Claim, error) {
	return all[Claim](ctx, s.claims, bson.D{{Key: "user_id", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}).SetLimit(100))
}

// DecideClaim moves a pending claim to status (compare-and-set on pending).
func (s *Users) DecideClaim(ctx context.Context, claimID, status, reason, by string, now time.Time) (bool, error) {
	res, err := s.claims.UpdateOne(ctx, bson.D{{Key: "_id", Value: claimID}, {Key: "status", Value: ClaimPending}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: status}, {Key: "reason", Value: reason},
			{Key: "decided_by", Value: by}, {Key: "decided_at", Value: now}}}})
	if err != nil {
		return false, Classify("decide agency claim", err)
	}
	return res.ModifiedCount == 1, nil
}

// DeleteUserClaims removes a user's claims (erasure).
func (s *Users) DeleteUserClaims(ctx context.Context, userID string) error {
	_, err := s.claims.DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return Classify("delete agency claims", err)
}

// AddRep records userID as a representative of agencyID.
func (s *Users) AddRep(ctx context.Context, agencyID, userID string) error {
	_, err := s.reps.UpdateOne(ctx, id(agencyID), bson.D{{Key: "$addToSet", Value: bson.D{{Key: "user_ids", Value: userID}}}},
		options.UpdateOne().SetUpsert(true))
	return Classify("add agency representative", err)
}

// RemoveRep forgets userID as a representative of agencyID.
func (s *Users) RemoveRep(ctx context.Context, agencyID, userID string) error {
	_, err := s.reps.UpdateOne(ctx, id(agencyID), bson.D{{Key: "$pull", Value: bson.D{{Key: "user_ids", Value: userID}}}})
	return Classify("remove agency representative", err)
}

// Reps lists the user IDs representing an agency (by _id: cheap on FerretDB).
func (s *Users) Reps(ctx context.Context, agencyID string) ([]string, error) {
	var d struct {
		UserIDs []string `bson:"user_ids"`
	}
	err := s.reps.FindOne(ctx, id(agencyID)).Decode(&d)
	if err != nil {
		if err := Classify("agency representatives", err); isNotFound(err) {
			return nil, nil
		} else {
			return nil, err
		}
	}
	return d.UserIDs, nil
}

func isNotFound(err error) bool { return errors.Is(err, kawan.ErrNotFound) }

package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
)

// PasswordReset is one password-recovery link (collection "password_resets"). Only the
// SHA-256 of its secret is stored, as the _id: the secret itself exists only in the
// message sent to the account's e-mail or phone.
type PasswordReset struct {
	Hash      string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	// UsedAt is set, once, by UseReset: a link works a single time.
	UsedAt time.Time `bson:"used_at,omitempty"`
}

func resetIndexes(ctx context.Context, db *mongo.Database) error {
	if err := EnsureIndexes(ctx, db.Collection("users"),
		mongo.IndexModel{Keys: bson.D{{Key: "contact_hashes", Value: 1}}}); err != nil {
		return err
	}
	return EnsureIndexes(ctx, db.Collection("password_resets"),
		mongo.IndexModel{Keys: bson.D{{Key: "user_id", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "expires_at", Value: 1}}})
}

// UsersByContact lists the accounts (at most limit) that gave this contact detail, by the
// keyed HMAC auth stores in contact_hashes. Password recovery is rare, so this reads by
// an index on MongoDB and by a scan of users on the embedded store.
func (s *Users) UsersByContact(ctx context.Context, contactHash string, limit int64) ([]kawan.User, error) {
	return all[kawan.User](ctx, s.users, bson.D{{Key: "contact_hashes", Value: contactHash}},
		options.Find().SetLimit(limit).SetSort(bson.D{{Key: "created_at", Value: 1}}))
}

// InsertReset stores a new recovery link.
func (s *Users) InsertReset(ctx context.Context, r *PasswordReset) error {
	_, err := s.resets.InsertOne(ctx, r)
	return Classify("insert password reset", err)
}

// Reset reads a recovery link by the hash of its secret (ErrNotFound if there is none).
func (s *Users) Reset(ctx context.Context, hash string) (*PasswordReset, error) {
	var r PasswordReset
	if err := s.resets.FindOne(ctx, id(hash)).Decode(&r); err != nil {
		return nil, Classify("password reset", err)
	}
	return &r, nil
}

// UseReset marks a link used if it is unused and not expired at now (compare-and-set, so
// two requests with one link cannot both succeed). It reports whether this call used it.
func (s *Users) UseReset(ctx context.Context, hash string, now time.Time) (bool, error) {
	res, err := s.resets.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: hash}, {Key: "used_at", Value: bson.D{{Key: "$exists", Value: false}}},
			{Key: "expires_at", Value: bson.D{{Key: "$gt", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used_at", Value: now}}}})
	if err != nil {
		return false, Classify("use password reset", err)
	}
	return res.ModifiedCount == 1, nil
}

// DeleteUserResets removes every recovery link of an account (after a reset, and on erasure).
func (s *Users) DeleteUserResets(ctx context.Context, userID string) error {
	_, err := s.resets.DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return Classify("delete password resets", err)
}

// PurgeResets deletes links that expired before t (no TTL indexes).
func (s *Users) PurgeResets(ctx context.Context, before time.Time) error {
	_, err := s.resets.DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: before}}}})
	return Classify("purge password resets", err)
}

package store

import (
	"context"
	"errors"
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
	if err := EnsureIndexes(ctx, db.Collection("password_resets_used"),
		mongo.IndexModel{Keys: bson.D{{Key: "expires_at", Value: 1}}}); err != nil {
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

// UseReset uses up link r (the caller checked it is unused and unexpired) and reports
// whether this call did: of two requests with one link, exactly one wins. The claim is the
// insert of the link's hash into password_resets_used, because inserting a unique _id is
// atomic on every backend, while FerretDB v1 applies a conditional update's filter and its
// write in two steps (two concurrent updates with one filter can both succeed). The link
// is then marked used too, so a reader sees it without the claims collection.
func (s *Users) UseReset(ctx context.Context, r *PasswordReset, now time.Time) (bool, error) {
	_, err := s.resetsUsed.InsertOne(ctx, bson.D{{Key: "_id", Value: r.Hash}, {Key: "used_at", Value: now}, {Key: "expires_at", Value: r.ExpiresAt}})
	if err != nil {
		if err = Classify("use password reset", err); errors.Is(err, kawan.ErrConflict) {
			return false, nil
		}
		return false, err
	}
	_, err = s.resets.UpdateOne(ctx, id(r.Hash), bson.D{{Key: "$set", Value: bson.D{{Key: "used_at", Value: now}}}})
	return true, Classify("mark password reset used", err)
}

// DeleteUserResets removes every recovery link of an account (after a reset, and on erasure).
func (s *Users) DeleteUserResets(ctx context.Context, userID string) error {
	_, err := s.resets.DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return Classify("delete password resets", err)
}

// PurgeResets deletes links, and the claims of used ones, that expired before t (no TTL
// indexes).
func (s *Users) PurgeResets(ctx context.Context, before time.Time) error {
	f := bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: before}}}}
	if _, err := s.resetsUsed.DeleteMany(ctx, f); err != nil {
		return Classify("purge used password resets", err)
	}
	_, err := s.resets.DeleteMany(ctx, f)
	return Classify("purge password resets", err)
}

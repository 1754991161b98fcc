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
)

// MaxWatches bounds how many agencies one account follows.
const MaxWatches = 100

// Watches is the repository of followed agencies ("agency_watches"): one small document
// per account and agency, _id "<user>|<agency>", so following twice is one document and a
// check is one _id read.
type Watches struct{ c *mongo.Collection }

// NewWatches returns the follows repository of db.
func NewWatches(db *mongo.Database) *Watches { return &Watches{c: db.Collection("agency_watches")} }

// watchIndexes serve an account's list (and erasure) and an agency's followers.
func watchIndexes(ctx context.Context, db *mongo.Database) error {
	return EnsureIndexes(ctx, db.Collection("agency_watches"),
		mongo.IndexModel{Keys: bson.D{{Key: "user_id", Value: 1}, {Key: "since", Value: -1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "agency_id", Value: 1}}})
}

// Watch is one account following one agency.
type Watch struct {
	UserID   string    `json:"-" bson:"user_id"`
	AgencyID string    `json:"agency_id" bson:"agency_id"`
	Since    time.Time `json:"since" bson:"since"`
}

func watchID(userID, agencyID string) string { return userID + "|" + agencyID }

// Watch makes userID follow agencyID; following again changes nothing (created false). An
// account that already follows MaxWatches agencies gets kawan.ErrConflict.
func (s *Watches) Watch(ctx context.Context, userID, agencyID string, now time.Time) (bool, error) {
	if ok, err := s.Watching(ctx, userID, agencyID); err != nil || ok {
		return false, err
	}
	n, err := s.c.CountDocuments(ctx, bson.D{{Key: "user_id", Value: userID}})
	if err != nil {
		return false, Classify("count follows", err)
	}
	if n >= MaxWatches {
		return false, fmt.Errorf("store: an account follows at most %d agencies; unfollow one first: %w", MaxWatches, kawan.ErrConflict)
	}
	res, err := s.c.UpdateOne(ctx, id(watchID(userID, agencyID)),
		bson.D{{Key: "$setOnInsert", Value: Watch{UserID: userID, AgencyID: agencyID, Since: now.UTC()}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return false, Classify("follow agency", err)
	}
	return res.UpsertedCount == 1, nil
}

// Unwatch stops userID following agencyID (not following is no error).
func (s *Watches) Unwatch(ctx context.Context, userID, agencyID string) error {
	_, err := s.c.DeleteOne(ctx, id(watchID(userID, agencyID)))
	return Classify("unfollow agency", err)
}

// Watching reports whether userID follows agencyID.
func (s *Watches) Watching(ctx context.Context, userID, agencyID string) (bool, error) {
	err := s.c.FindOne(ctx, id(watchID(userID, agencyID)), options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, Classify("read follow", err)
}

// WatchesOf lists the agencies userID follows, newest first (at most MaxWatches).
func (s *Watches) WatchesOf(ctx context.Context, userID string) ([]Watch, error) {
	return all[Watch](ctx, s.c, bson.D{{Key: "user_id", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "since", Value: -1}}).SetLimit(MaxWatches))
}

// ForgetUser deletes every follow of userID (account erasure).
func (s *Watches) ForgetUser(ctx context.Context, userID string) error {
	_, err := s.c.DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return Classify("forget follows", err)
}

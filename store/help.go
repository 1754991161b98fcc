package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/help"
)

// HelpEntries is the repository of the help directory ("help_entries"): a few hundred
// small documents, read whole into memory by help.Service and written one by one by admins.
type HelpEntries struct{ c *mongo.Collection }

// NewHelpEntries returns the help directory repository of db.
func NewHelpEntries(db *mongo.Database) *HelpEntries {
	return &HelpEntries{c: db.Collection("help_entries")}
}

// helpIndexes serves MongoDB deployments that query the directory by country.
func helpIndexes(ctx context.Context, db *mongo.Database) error {
	return EnsureIndexes(ctx, db.Collection("help_entries"),
		mongo.IndexModel{Keys: bson.D{{Key: "countries", Value: 1}}})
}

// HelpEntries reads up to limit entries.
func (s *HelpEntries) HelpEntries(ctx context.Context, limit int) ([]help.Entry, error) {
	cur, err := s.c.Find(ctx, bson.D{}, options.Find().SetLimit(int64(limit)).SetBatchSize(500))
	if err != nil {
		return nil, Classify("list help entries", err)
	}
	defer cur.Close(ctx)
	out := []help.Entry{}
	for cur.Next(ctx) {
		var e help.Entry
		if err := cur.Decode(&e); err != nil {
			return nil, fmt.Errorf("store: decode help entry: %w", err)
		}
		out = append(out, e)
	}
	return out, Classify("list help entries", cur.Err())
}

// PutHelpEntry creates or replaces an entry (one document, one atomic write).
func (s *HelpEntries) PutHelpEntry(ctx context.Context, e help.Entry) (bool, error) {
	res, err := s.c.ReplaceOne(ctx, id(e.ID), e, options.Replace().SetUpsert(true))
	if err != nil {
		return false, Classify("put help entry", err)
	}
	return res.UpsertedCount == 1, nil
}

// DeleteHelpEntry removes an entry; a missing one is ErrNotFound.
func (s *HelpEntries) DeleteHelpEntry(ctx context.Context, entryID string) error {
	res, err := s.c.DeleteOne(ctx, id(entryID))
	if err != nil {
		return Classify("delete help entry", err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("store: help entry %s: %w", entryID, kawan.ErrNotFound)
	}
	return nil
}

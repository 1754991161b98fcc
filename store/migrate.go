package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Step is one ordered, versioned set-up step: create indexes, backfill a field, … Steps
// must be idempotent, because two processes starting together may both run one.
type Step struct {
	Version int
	Name    string
	Run     func(ctx context.Context, db *mongo.Database) error
}

// steps is the ordered list of set-up steps. Append new steps with the next version;
// never reorder or renumber a step that has shipped. Each repository file declares its own
// step function next to its queries; this list only orders them.
var steps = []Step{
	{1, "meta collection", func(ctx context.Context, db *mongo.Database) error { return nil }},
	{2, "audit log indexes", auditIndexes},
	// fx (remittance history) steps:
	{100, "fx history indexes", fxIndexes},

	// agencies steps:
	{200, "agency and agency key indexes", agencyIndexes},
	{201, "agency history index", agencyHistoryIndexes},
	{202, "licence keys in LicenceNumberKey form", rekeyLicences},
	{250, "agency follow indexes", watchIndexes},

	// auth steps:
	{300, "account, session, claim and rate-limit indexes", userIndexes},
	{301, "password reset and account contact indexes", resetIndexes},

	// reviews steps:
	{400, "review, vote and idempotency indexes", reviewIndexes},

	// moderation steps:
	{500, "moderation queue, flag and appeal indexes", moderationIndexes},

	// stats / help steps:
	{600, "help directory indexes", helpIndexes},
	{601, "remittance cost history indexes", remittanceCostIndexes},

	// text channels steps:
	{700, "text session, seen-message and follow indexes", textIndexes},
	// complaints steps:
	{800, "complaint case indexes", complaintIndexes},
	{801, "paper review indexes", paperIndexes},
}

// Steps returns a copy of the ordered set-up steps (for tests and `kawan migrate --list`).
func Steps() []Step { return append([]Step(nil), steps...) }

type schemaDoc struct {
	ID      string    `bson:"_id"`
	Version int       `bson:"version"`
	Applied []int     `bson:"applied"`
	At      time.Time `bson:"at"`
}

// Migrate runs every step not yet recorded as applied, recording each one in the "meta"
// collection after it succeeds. Steps are recorded by version, not by a high-water mark,
// because areas own version ranges (fx 100-199, agencies 200-299, …): a step numbered 150
// that ships after step 400 must still run on a database that already has 400.
func Migrate(ctx context.Context, db *mongo.Database, log *slog.Logger) error {
	return MigrateSteps(ctx, db, log, steps)
}

// MigrateSteps is Migrate with an explicit list of steps (for tests).
func MigrateSteps(ctx context.Context, db *mongo.Database, log *slog.Logger, steps []Step) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	meta := db.Collection("meta")
	var cur schemaDoc
	err := meta.FindOne(ctx, bson.D{{Key: "_id", Value: "schema"}}).Decode(&cur)
	if err != nil && err != mongo.ErrNoDocuments {
		return fmt.Errorf("store: read schema version: %w", Unavailable(err))
	}
	applied := make(map[int]bool, len(cur.Applied))
	for _, v := range cur.Applied {
		applied[v] = true
	}
	if len(cur.Applied) == 0 && cur.Version > 0 {
		// A database from before steps were recorded one by one: only the foundation
		// steps (1, 2) and the reviews step (400) had shipped, and all ran.
		for _, st := range steps {
			if st.Version <= cur.Version && (st.Version < 100 || st.Version == 400) {
				applied[st.Version] = true
			}
		}
	}
	for _, st := range steps {
		if applied[st.Version] {
			continue
		}
		start := time.Now()
		if err := st.Run(ctx, db); err != nil {
			return fmt.Errorf("store: set-up step %d (%s): %w", st.Version, st.Name, err)
		}
		_, err := meta.UpdateOne(ctx, bson.D{{Key: "_id", Value: "schema"}},
			bson.D{
				{Key: "$max", Value: bson.D{{Key: "version", Value: st.Version}}},
				{Key: "$addToSet", Value: bson.D{{Key: "applied", Value: st.Version}}},
				{Key: "$set", Value: bson.D{{Key: "at", Value: time.Now().UTC()}}},
			},
			options.UpdateOne().SetUpsert(true))
		if err != nil {
			return fmt.Errorf("store: record set-up step %d: %w", st.Version, err)
		}
		log.Debug("store set-up step done", "version", st.Version, "name", st.Name, "took", time.Since(start))
	}
	return nil
}

// EnsureIndexes creates the given indexes on a collection; creating an existing identical
// index is a no-op on both MongoDB and FerretDB, so it is idempotent.
func EnsureIndexes(ctx context.Context, c *mongo.Collection, models ...mongo.IndexModel) error {
	if len(models) == 0 {
		return nil
	}
	if _, err := c.Indexes().CreateMany(ctx, models); err != nil {
		return fmt.Errorf("store: create indexes on %s: %w", c.Name(), err)
	}
	return nil
}

// Meta reads a small named value from the meta collection (e.g. "demo_loaded").
func Meta(ctx context.Context, db *mongo.Database, key string, out any) error {
	err := db.Collection("meta").FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(out)
	if err == mongo.ErrNoDocuments {
		return errNotFound("meta " + key)
	}
	return Unavailable(err)
}

// SetMeta stores a small named value in the meta collection.
func SetMeta(ctx context.Context, db *mongo.Database, key string, fields bson.D) error {
	_, err := db.Collection("meta").UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$set", Value: fields}}, options.UpdateOne().SetUpsert(true))
	return Unavailable(err)
}

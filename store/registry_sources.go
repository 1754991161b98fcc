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

// RegistrySources is the repository of the scheduled registry sources ("registry_sources"):
// one small document per configured source (KAWAN_REGISTRY_SOURCES) with what every process
// must agree on: the validators of the last fetch, when it last succeeded, how many rows
// the applied list had, a lease so one process fetches a source at a time, and a list held
// for an admin. Every write is one document update, conditional on the version read.
type RegistrySources struct{ c *mongo.Collection }

// NewRegistrySources returns the registry source repository of db.
func NewRegistrySources(db *mongo.Database) *RegistrySources {
	return &RegistrySources{c: db.Collection("registry_sources")}
}

// RegistrySource is the shared state of one scheduled registry source.
type RegistrySource struct {
	ID        string `bson:"_id"`
	Profile   string `bson:"profile"`
	Regulator string `bson:"regulator,omitempty"`
	// Location is the URL (redacted: no user info or query) or the file's base name.
	Location string `bson:"location"`
	Kind     string `bson:"kind"` // "url" or "file"

	// Validators of the last document read (applied, held or discarded).
	ETag         string    `bson:"etag,omitempty"`
	LastModified string    `bson:"last_modified,omitempty"`
	ModTime      time.Time `bson:"mod_time,omitempty"`
	Size         int64     `bson:"size,omitempty"`
	// Digest is the SHA-256 of that document: a server that sends no validators and the
	// same list again is not imported again.
	Digest string `bson:"digest,omitempty"`

	LastAttempt time.Time `bson:"last_attempt,omitempty"`
	// LastSuccess is when the source last answered with a usable list (new or unchanged).
	LastSuccess time.Time `bson:"last_success,omitempty"`
	// LastApplied is when a fetched list was last imported.
	LastApplied time.Time `bson:"last_applied,omitempty"`
	LastError   string    `bson:"last_error,omitempty"`
	Failures    int       `bson:"failures,omitempty"`
	// Rows is how many rows the applied list had (the baseline a new list is compared to).
	Rows       int       `bson:"rows"`
	LastReport string    `bson:"last_report,omitempty"`
	NextDue    time.Time `bson:"next_due"`
	LeaseUntil time.Time `bson:"lease_until"`
	Held       *HeldList `bson:"held,omitempty"`
	Version    int64     `bson:"version"`
}

// HeldList is a fetched list not applied because it lost most of the rows of the applied one.
type HeldList struct {
	FetchedAt    time.Time `bson:"fetched_at"`
	Rows         int       `bson:"rows"`
	PreviousRows int       `bson:"previous_rows"`
	Reason       string    `bson:"reason"`
	// Data is the list, gzip-compressed (a registry of thousands of rows compresses to a
	// few hundred kilobytes, well inside one document).
	Data []byte `bson:"data"`
}

// EnsureRegistrySource creates the state document of a configured source if it is new and
// refreshes its description.
func (s *RegistrySources) EnsureRegistrySource(ctx context.Context, src RegistrySource) error {
	_, err := s.c.UpdateOne(ctx, id(src.ID), bson.D{
		{Key: "$set", Value: bson.D{{Key: "profile", Value: src.Profile}, {Key: "regulator", Value: src.Regulator},
			{Key: "location", Value: src.Location}, {Key: "kind", Value: src.Kind}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "rows", Value: 0}, {Key: "next_due", Value: time.Time{}},
			{Key: "lease_until", Value: time.Time{}}, {Key: "version", Value: int64(0)}}},
	}, options.UpdateOne().SetUpsert(true))
	return Classify("ensure registry source", err)
}

// RegistrySourceList reads the given sources without their held data, in the order given;
// a source without a document is left out.
func (s *RegistrySources) RegistrySourceList(ctx context.Context, ids []string) ([]RegistrySource, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	got, err := all[RegistrySource](ctx, s.c, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "held.data", Value: 0}}).SetLimit(int64(len(ids))))
	if err != nil {
		return nil, fmt.Errorf("store: list registry sources: %w", err)
	}
	byID := make(map[string]RegistrySource, len(got))
	for _, g := range got {
		byID[g.ID] = g
	}
	out := make([]RegistrySource, 0, len(got))
	for _, i := range ids {
		if g, ok := byID[i]; ok {
			out = append(out, g)
		}
	}
	return out, nil
}

// RegistrySource reads one source with its held data; kawan.ErrNotFound when unknown.
func (s *RegistrySources) RegistrySource(ctx context.Context, sourceID string) (RegistrySource, error) {
	var out RegistrySource
	err := s.c.FindOne(ctx, id(sourceID)).Decode(&out)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return out, errNotFound("registry source " + sourceID)
	}
	return out, Classify("read registry source", err)
}

// ClaimRegistrySource leases a source that is due (next_due ≤ now, no live lease; any
// source when force) until until, and returns it with its held data. ok is false when it is
// not due or another process holds it.
func (s *RegistrySources) ClaimRegistrySource(ctx context.Context, sourceID string, now, until time.Time, force bool) (RegistrySource, bool, error) {
	f := bson.D{{Key: "_id", Value: sourceID}, {Key: "lease_until", Value: bson.D{{Key: "$lt", Value: now}}}}
	if !force {
		f = append(f, bson.E{Key: "next_due", Value: bson.D{{Key: "$lte", Value: now}}})
	}
	var out RegistrySource
	err := s.c.FindOneAndUpdate(ctx, f, bson.D{{Key: "$set", Value: bson.D{{Key: "lease_until", Value: until}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&out)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return out, false, nil
	}
	if err != nil {
		return out, false, Classify("claim registry source", err)
	}
	return out, true, nil
}

// SaveRegistrySource replaces a source's state if nobody changed it since it was read at
// src.Version (the lease is released unless src.LeaseUntil says otherwise); kawan.ErrConflict
// when someone did.
func (s *RegistrySources) SaveRegistrySource(ctx context.Context, src RegistrySource) error {
	read := src.Version
	src.Version++
	res, err := s.c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: src.ID}, {Key: "version", Value: read}}, src)
	if err != nil {
		return Classify("save registry source", err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("store: registry source %s changed meanwhile: %w", src.ID, kawan.ErrConflict)
	}
	return nil
}

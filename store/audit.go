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

// AuditLog is the append-only audit trail ("audit" collection). It has no update or
// delete methods, and no API route writes to it except through Append.
type AuditLog struct{ c *mongo.Collection }

// NewAuditLog returns the audit log of db.
func NewAuditLog(db *mongo.Database) *AuditLog { return &AuditLog{c: db.Collection("audit")} }

func auditIndexes(ctx context.Context, db *mongo.Database) error {
	return EnsureIndexes(ctx, db.Collection("audit"),
		mongo.IndexModel{Keys: bson.D{{Key: "subject", Value: 1}, {Key: "at", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "at", Value: 1}}},
	)
}

// Append records e, filling ID and At when empty.
func (l *AuditLog) Append(ctx context.Context, e kawan.AuditEntry) error {
	if e.ID == "" {
		e.ID = kawan.NewID()
	}
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	_, err := l.c.InsertOne(ctx, e)
	return Classify("append audit entry", err)
}

// AppendOnce records e (its ID set) unless an entry with that ID is already there.
func (l *AuditLog) AppendOnce(ctx context.Context, e kawan.AuditEntry) error {
	if e.ID == "" {
		return fmt.Errorf("store: append audit entry once: no ID")
	}
	_, err := l.c.InsertOne(ctx, e)
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	return Classify("append audit entry", err)
}

// AppendManyOnce records entries (their IDs set) with one unordered insert; entries already
// there (same ID) are left as they are.
func (l *AuditLog) AppendManyOnce(ctx context.Context, entries []kawan.AuditEntry) error {
	docs := make([]any, 0, len(entries))
	for _, e := range entries {
		if e.ID == "" {
			return fmt.Errorf("store: append audit entries once: no ID")
		}
		docs = append(docs, e)
	}
	if len(docs) == 0 {
		return nil
	}
	_, err := l.c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil && onlyDuplicates(bwe) {
		return nil
	}
	return Classify("append audit entries", err)
}

// BySubject lists the entries about one subject, oldest first (at most limit, ≤ 1000).
func (l *AuditLog) BySubject(ctx context.Context, subject string, limit int) ([]kawan.AuditEntry, error) {
	limit = min(max(limit, 1), 1000)
	cur, err := l.c.Find(ctx, bson.D{{Key: "subject", Value: subject}},
		options.Find().SetSort(bson.D{{Key: "at", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, Classify("list audit entries", err)
	}
	var out []kawan.AuditEntry
	if err := cur.All(ctx, &out); err != nil {
		return nil, Classify("read audit entries", err)
	}
	return out, nil
}

// Since lists entries at or after t with the given action prefix (empty: all), oldest
// first, at most limit (≤ 10000). For reports such as the transparency report.
func (l *AuditLog) Since(ctx context.Context, t time.Time, action string, limit int) ([]kawan.AuditEntry, error) {
	limit = min(max(limit, 1), 10000)
	f := bson.D{{Key: "at", Value: bson.D{{Key: "$gte", Value: t}}}}
	if action != "" {
		f = append(f, bson.E{Key: "action", Value: action})
	}
	cur, err := l.c.Find(ctx, f, options.Find().SetSort(bson.D{{Key: "at", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, Classify("list audit entries", err)
	}
	var out []kawan.AuditEntry
	if err := cur.All(ctx, &out); err != nil {
		return nil, Classify("read audit entries", err)
	}
	return out, nil
}

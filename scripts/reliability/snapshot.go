// Package reliability holds Kawan's fault and hostile-input tests: the database stopping
// and coming back, the search backend failing, hostile feeds, SIGKILL during a burst of
// writes, and a table of hostile HTTP requests generated from openapi.yaml. `go test ./...`
// runs them in a quick form; `bash scripts/reliability.sh` runs them with the load tool
// and a fuzz smoke run (see docs/reliability.md).
package reliability

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Snapshot is a fingerprint of a database: per collection, the document count and a hash
// of every document in _id order.
type Snapshot map[string]CollectionPrint

// CollectionPrint is one collection's count and content hash.
type CollectionPrint struct {
	Count int
	Hash  string
}

// TakeSnapshot fingerprints every collection of db except those in skip (collections that
// legitimately change when a request is refused, such as rate-limit counters).
func TakeSnapshot(ctx context.Context, db *mongo.Database, skip ...string) (Snapshot, error) {
	return TakeSnapshotWhere(ctx, db, nil, skip...)
}

// TakeSnapshotWhere is TakeSnapshot fingerprinting, in the collections named in where, only
// the documents matching their filter (for example the audit entries other than the ones
// that a successful read legitimately appends).
func TakeSnapshotWhere(ctx context.Context, db *mongo.Database, where map[string]bson.D, skip ...string) (Snapshot, error) {
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("reliability: list collections: %w", err)
	}
	out := Snapshot{}
	for _, n := range names {
		if contains(skip, n) || strings.HasPrefix(n, "system.") {
			continue
		}
		filter := where[n]
		if filter == nil {
			filter = bson.D{}
		}
		cur, err := db.Collection(n).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return nil, fmt.Errorf("reliability: read %s: %w", n, err)
		}
		h := sha256.New()
		count := 0
		for cur.Next(ctx) {
			h.Write(cur.Current)
			count++
		}
		err = cur.Err()
		cur.Close(ctx)
		if err != nil {
			return nil, fmt.Errorf("reliability: read %s: %w", n, err)
		}
		out[n] = CollectionPrint{Count: count, Hash: hex.EncodeToString(h.Sum(nil))[:16]}
	}
	return out, nil
}

// Diff lists the collections whose count or content differ between s and other.
func (s Snapshot) Diff(other Snapshot) []string {
	var out []string
	for n, p := range s {
		q, ok := other[n]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: gone (had %d documents)", n, p.Count))
		case p != q:
			out = append(out, fmt.Sprintf("%s: %d documents (%s) → %d documents (%s)", n, p.Count, p.Hash, q.Count, q.Hash))
		}
	}
	for n, q := range other {
		if _, ok := s[n]; !ok {
			out = append(out, fmt.Sprintf("%s: new collection with %d documents", n, q.Count))
		}
	}
	sort.Strings(out)
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
)

func errNotFound(what string) error { return fmt.Errorf("store: %s: %w", what, kawan.ErrNotFound) }

// Classify maps a driver error to a domain error: no documents → ErrNotFound, duplicate
// key → ErrConflict, unreachable → ErrUnavailable; other errors are returned wrapped as is.
func Classify(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return errNotFound(what)
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("store: %s: %w", what, kawan.ErrConflict)
	}
	if u, ok := unavailable(err); ok {
		return fmt.Errorf("store: %s: %w", what, u)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// incLocks serialise read-modify-write increments on one document within this process.
// FerretDB v1 applies $inc by reading the document and writing it back, so two concurrent
// increments of one document can lose one (MongoDB needs no lock; the embedded store is
// only ever used by one process). Package-level, so every repository value shares them.
var incLocks [64]sync.Mutex

// lockInc locks the stripe of key (collection and _id) and returns its unlock.
func lockInc(key string) func() {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	mu := &incLocks[h.Sum32()%uint32(len(incLocks))]
	mu.Lock()
	return mu.Unlock
}

// all reads every document of c matching f (with opts: sort, limit) into a []T, never nil.
func all[T any](ctx context.Context, c *mongo.Collection, f bson.D, opts *options.FindOptionsBuilder) ([]T, error) {
	cur, err := c.Find(ctx, f, opts)
	if err != nil {
		return nil, Classify("find "+c.Name(), err)
	}
	out := []T{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, Classify("read "+c.Name(), err)
	}
	return out, nil
}

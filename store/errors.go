package store

import (
	"context"
	"errors"
	"fmt"

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

// byIDs reads the documents of c whose _id is one of ids (at most most of them, else an
// error naming what) in one find: the documents that exist, in no particular order.
func byIDs[T any](ctx context.Context, c *mongo.Collection, ids []string, most int, what string) ([]T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > most {
		return nil, fmt.Errorf("store: %s: %d ids, at most %d", what, len(ids), most)
	}
	in := make(bson.A, len(ids))
	for i, id := range ids {
		in[i] = id
	}
	out, err := all[T](ctx, c, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: in}}}}, options.Find())
	if err != nil {
		return nil, Classify(what, err)
	}
	return out, nil
}

// each calls fn for every document of c matching f, decoded as T, with its raw bytes (valid
// only during the call), reading in batches of opts; what names the read in errors.
func each[T any](ctx context.Context, c *mongo.Collection, f bson.D, opts *options.FindOptionsBuilder, what string, fn func(v *T, raw bson.Raw) error) error {
	cur, err := c.Find(ctx, f, opts)
	if err != nil {
		return Classify(what, err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var v T
		if err := cur.Decode(&v); err != nil {
			return fmt.Errorf("store: %s: decode: %w", what, err)
		}
		if err := fn(&v, cur.Current); err != nil {
			return err
		}
	}
	return Classify(what, cur.Err())
}

package store

import (
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"

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

// Package search is Kawan's public read model: agencies and published reviews, found by
// typo-tolerant, filtered, faceted search. Meilisearch serves production; an embedded Bleve
// index under the data directory is the default. Both implement Index.
package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"

	"github.com/kawan-labs/kawan"
)

// Index is the search backend as its users see it.
type Index interface {
	// Ping reports whether the backend answers (for /readyz).
	Ping(ctx context.Context) error
	// Close releases the backend.
	Close() error
}

// Options selects and configures the backend.
type Options struct {
	Dir         string // Bleve index directory (used when MeiliURL is empty)
	MeiliURL    string
	MeiliAPIKey string
}

// Open opens the configured backend.
func Open(ctx context.Context, o Options) (Index, error) {
	if o.MeiliURL != "" {
		return nil, fmt.Errorf("search: Meilisearch backend: %w", errors.ErrUnsupported)
	}
	return openBleve(o.Dir)
}

type bleveIndex struct {
	idx bleve.Index
}

func openBleve(dir string) (*bleveIndex, error) {
	path := filepath.Join(dir, "agencies.bleve")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("search: create index directory: %w", err)
	}
	idx, err := bleve.Open(path)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		idx, err = bleve.New(path, bleve.NewIndexMapping())
	}
	if err != nil {
		return nil, fmt.Errorf("search: open bleve index %s: %w", path, err)
	}
	return &bleveIndex{idx: idx}, nil
}

func (b *bleveIndex) Ping(ctx context.Context) error {
	if _, err := b.idx.DocCount(); err != nil {
		return fmt.Errorf("search: bleve: %w", kawan.ErrUnavailable)
	}
	return nil
}

func (b *bleveIndex) Close() error { return b.idx.Close() }

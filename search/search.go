// Package search is Kawan's public read model: agencies and published reviews, found by
// typo-tolerant, filtered, faceted search. Meilisearch serves production; an embedded Bleve
// index under the data directory is the default. Both implement Index (agencies) and
// ReviewIndex (reviews), and both pass the same contract tests.
package search

import (
	"context"
	"path/filepath"
)

// Options selects and configures the backend.
type Options struct {
	Dir         string // Bleve index directory (used when MeiliURL is empty)
	MeiliURL    string
	MeiliAPIKey string
}

// Open opens the agency index of the configured backend: Meilisearch when o.MeiliURL is
// set, else a Bleve index in o.Dir/agencies.bleve.
func Open(ctx context.Context, o Options) (Index, error) {
	if o.MeiliURL != "" {
		return openMeiliAgencies(ctx, o)
	}
	return openBleveAgencies(filepath.Join(o.Dir, "agencies.bleve"))
}

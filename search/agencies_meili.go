package search

import (
	"context"
	"errors"
	"fmt"
)

func openMeiliAgencies(ctx context.Context, o Options) (Index, error) {
	return nil, fmt.Errorf("search: Meilisearch agency index: %w", errors.ErrUnsupported)
}

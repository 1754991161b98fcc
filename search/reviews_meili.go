package search

import (
	"context"
	"errors"
	"fmt"
)

// openMeiliReviews is the Meilisearch review index. Not built yet: the agencies area lands
// the Meilisearch client; until then a Meilisearch deployment cannot hold reviews.
func openMeiliReviews(ctx context.Context, o Options) (ReviewIndex, error) {
	return nil, fmt.Errorf("search: Meilisearch review index: %w", errors.ErrUnsupported)
}

package search

import (
	"context"
	"path/filepath"
	"time"

	"github.com/kawan-labs/kawan"
)

// ReviewDoc is a published review as the public read model holds it, and as the API shows
// it: no author, no client fingerprint, no original (unredacted) text, no moderation notes.
// Only reviews with status published are ever indexed (reviews.Service.SyncReview).
type ReviewDoc struct {
	ID             string        `json:"id"`
	AgencyID       string        `json:"agency_id"`
	Ratings        kawan.Ratings `json:"ratings"`
	WouldRecommend bool          `json:"would_recommend"`
	Origin         string        `json:"origin,omitempty"`
	Destination    string        `json:"destination,omitempty"`
	Sector         string        `json:"sector,omitempty"`
	DepartureYear  int           `json:"departure_year,omitempty"`
	FeesPaid       *kawan.Money  `json:"fees_paid,omitempty"`
	SalaryPromised *kawan.Money  `json:"salary_promised,omitempty"`
	SalaryReceived *kawan.Money  `json:"salary_received,omitempty"`
	Text           string        `json:"text"`
	Lang           string        `json:"lang"`
	HelpfulCount   int           `json:"helpful_count"`
	Verified       bool          `json:"verified"`
	Reply          *ReplyDoc     `json:"reply,omitempty"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
}

// ReplyDoc is an agency's published reply to a review.
type ReplyDoc struct {
	Text      string    `json:"text"`
	Lang      string    `json:"lang,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Review sort orders.
const (
	SortRecent    = "recent"    // newest first
	SortHelpful   = "helpful"   // most helpful votes first, then newest
	SortRating    = "rating"    // highest overall rating first, then newest
	SortRelevance = "relevance" // best text match first (the default when Q is set)
)

// MaxReviewWindow bounds Offset+Limit: deep pages cost the backend and nobody reads them.
const MaxReviewWindow = 10000

// ReviewQuery selects published reviews. Empty fields do not filter.
type ReviewQuery struct {
	AgencyID    string
	Q           string // full text over the review text
	Lang        string
	Origin      string
	Destination string
	Sort        string
	Offset      int
	Limit       int
}

// ReviewHits is one page of matching reviews and the total number of matches.
type ReviewHits struct {
	Total int
	Items []ReviewDoc
}

// ReviewIndex holds published reviews (the public read model of reviews).
type ReviewIndex interface {
	// IndexReviews adds or replaces reviews (by ID).
	IndexReviews(ctx context.Context, docs ...ReviewDoc) error
	// DeleteReview removes a review; removing an absent review is not an error.
	DeleteReview(ctx context.Context, id string) error
	// SearchReviews returns one page of matches.
	SearchReviews(ctx context.Context, q ReviewQuery) (ReviewHits, error)
	// Ping reports whether the backend answers (for /readyz).
	Ping(ctx context.Context) error
	// Close releases the backend.
	Close() error
}

// OpenReviews opens the review index of the configured backend: Meilisearch when
// o.MeiliURL is set, else a Bleve index in o.Dir/reviews.bleve.
func OpenReviews(ctx context.Context, o Options) (ReviewIndex, error) {
	if o.MeiliURL != "" {
		return openMeiliReviews(ctx, o)
	}
	return openBleveReviews(filepath.Join(o.Dir, "reviews.bleve"))
}

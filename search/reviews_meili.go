package search

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/meilisearch/meilisearch-go"
)

// meiliReviewsUID is the Meilisearch index that holds published reviews.
const meiliReviewsUID = "kawan_reviews"

// meiliReview is the indexed form of a ReviewDoc in Meilisearch: the same filter and sort
// fields as the Bleve index, the text, and the whole public document as a JSON string.
type meiliReview struct {
	ID          string `json:"id"`
	AgencyID    string `json:"agency_id"`
	Lang        string `json:"lang"`
	Origin      string `json:"origin"`
	Destination string `json:"destination"`
	Text        string `json:"text"`
	Created     int64  `json:"created"` // Unix milliseconds
	Helpful     int    `json:"helpful"`
	Overall     int    `json:"overall"`
	Doc         string `json:"doc"`
}

type meiliReviews struct {
	*meiliIndex
}

// openMeiliReviews opens the review index on the Meilisearch server at o.MeiliURL.
func openMeiliReviews(ctx context.Context, o Options) (ReviewIndex, error) {
	return openMeiliReviewsUID(ctx, o, meiliReviewsUID)
}

// meiliReviewRankingRules: a chosen sort first, then relevance, then newest first and the
// id (Bleve's order for equal scores).
var meiliReviewRankingRules = []string{"sort", "words", "typo", "proximity", "attribute", "exactness", "created:desc", "id:asc"}

// meiliReviewSettings is the review index's configuration (typo tolerance and faceting are
// Meilisearch's defaults and not sent: see MeiliMinVersion).
func meiliReviewSettings() *meilisearch.Settings {
	return &meilisearch.Settings{
		SearchableAttributes: []string{"text"},
		FilterableAttributes: []string{"agency_id", "lang", "origin", "destination"},
		SortableAttributes:   []string{"created", "helpful", "overall", "id"},
		DisplayedAttributes:  []string{"id", "doc"},
		RankingRules:         meiliReviewRankingRules,
		Pagination:           &meilisearch.Pagination{MaxTotalHits: MaxReviewWindow},
	}
}

// openMeiliReviewsUID opens a review index; like openMeiliAgenciesUID it does not fail
// while Meilisearch is down, slow or refuses the key.
func openMeiliReviewsUID(ctx context.Context, o Options, uid string) (*meiliReviews, error) {
	m := &meiliReviews{newMeiliIndex(o, uid, "review index", meiliReviewSettings())}
	m.open(ctx)
	return m, nil
}

func (m *meiliReviews) IndexReviews(ctx context.Context, docs ...ReviewDoc) error {
	if len(docs) == 0 {
		return nil
	}
	out := make([]meiliReview, 0, len(docs))
	for _, d := range docs {
		if _, ok := meiliDocPath(d.ID); !ok {
			return fmt.Errorf("search: review id %q cannot be a Meilisearch document id", d.ID)
		}
		raw, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("search: encode review %s: %w", d.ID, err)
		}
		out = append(out, meiliReview{
			ID: d.ID, AgencyID: d.AgencyID, Lang: d.Lang, Origin: d.Origin, Destination: d.Destination,
			Text: d.Text, Created: d.CreatedAt.UnixMilli(), Helpful: d.HelpfulCount, Overall: d.Ratings.Overall,
			Doc: string(raw),
		})
	}
	if err := m.ensure(ctx); err != nil {
		return err
	}
	pk := "id"
	task, err := m.idx.AddDocumentsWithContext(ctx, out, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err != nil {
		return meiliErr("index reviews", err)
	}
	return m.wait(ctx, "index reviews", task)
}

func (m *meiliReviews) DeleteReview(ctx context.Context, id string) error {
	return m.deleteDoc(ctx, "delete review", id)
}

func (m *meiliReviews) SearchReviews(ctx context.Context, q ReviewQuery) (ReviewHits, error) {
	if q.Limit <= 0 || q.Limit > 100 || q.Offset < 0 || q.Offset+q.Limit > MaxReviewWindow {
		return ReviewHits{}, fmt.Errorf("search: review page out of range (offset %d, limit %d)", q.Offset, q.Limit)
	}
	var filters []string
	eq := func(field, v string) {
		if v != "" {
			filters = append(filters, field+" = "+meiliQuote(v))
		}
	}
	eq("agency_id", q.AgencyID)
	eq("lang", q.Lang)
	eq("origin", q.Origin)
	eq("destination", q.Destination)
	req := &meilisearch.SearchRequest{
		AttributesToRetrieve: []string{"doc"},
		MatchingStrategy:     meilisearch.All, // every word must match, as in Bleve (AND)
	}
	if len(filters) > 0 {
		req.Filter = strings.Join(filters, " AND ")
	}
	switch sortOrDefault(q) {
	case SortHelpful:
		req.Sort = []string{"helpful:desc", "created:desc", "id:asc"}
	case SortRating:
		req.Sort = []string{"overall:desc", "created:desc", "id:asc"}
	case SortRelevance:
		// The ranking rules: relevance, then newest first (no sort: "sort" comes first).
	default:
		req.Sort = []string{"created:desc", "id:asc"}
	}
	query := strings.TrimSpace(q.Q)
	if query != "" && !hasWord(query) {
		// Punctuation only: Meilisearch would treat it as empty and match every review;
		// Bleve matches none (as SearchAgencies does).
		return ReviewHits{Items: []ReviewDoc{}}, nil
	}
	// Page mode gives an exhaustive total (totalHits); offset mode only an estimate. An
	// offset that is not a multiple of the limit is read from a slightly larger page that
	// holds the whole window, or else with a second, hit-less page-mode request for the total.
	per, page, skip, exact := meiliReviewPage(q.Offset, q.Limit)
	if exact {
		req.HitsPerPage, req.Page = &per, page
	} else {
		req.Offset, req.Limit = int64(q.Offset), int64(q.Limit)
	}
	res, err := m.idx.SearchWithContext(ctx, query, req)
	if err != nil {
		return ReviewHits{}, meiliErr("search reviews", err)
	}
	out := ReviewHits{Total: int(res.TotalHits), Items: make([]ReviewDoc, 0, len(res.Hits))}
	if !exact {
		zero := int64(0)
		treq := *req
		treq.Offset, treq.Limit, treq.HitsPerPage, treq.Page, treq.Sort = 0, 0, &zero, 1, nil
		tres, err := m.idx.SearchWithContext(ctx, query, &treq)
		if err != nil {
			return ReviewHits{}, meiliErr("count reviews", err)
		}
		out.Total = int(tres.TotalHits)
	}
	hits := res.Hits
	if exact {
		hits = hits[min(skip, len(hits)):]
		hits = hits[:min(q.Limit, len(hits))]
	}
	for _, h := range hits {
		var raw string
		if err := json.Unmarshal(h["doc"], &raw); err != nil {
			return ReviewHits{}, fmt.Errorf("search: decode review hit: %w", err)
		}
		var d ReviewDoc
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			return ReviewHits{}, fmt.Errorf("search: decode review: %w", err)
		}
		out.Items = append(out.Items, d)
	}
	return out, nil
}

// meiliReviewPage chooses a page (size per, number page, from 1) holding the window
// [offset, offset+limit) at skip hits into it, no larger than twice the limit; exact is false
// when there is none (offset mode then).
func meiliReviewPage(offset, limit int) (per, page int64, skip int, exact bool) {
	for p := limit; p <= 2*limit; p++ {
		if offset/p == (offset+limit-1)/p {
			return int64(p), int64(offset/p) + 1, offset % p, true
		}
	}
	return 0, 0, 0, false
}

func (m *meiliReviews) Ping(ctx context.Context) error { return m.ping(ctx) }

func (m *meiliReviews) Close() error { return nil }

package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/kawan-labs/kawan"
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
	client meilisearch.ServiceManager
	idx    meilisearch.IndexManager
}

// openMeiliReviews opens (creating and configuring when needed) the review index on the
// Meilisearch server at o.MeiliURL.
func openMeiliReviews(ctx context.Context, o Options) (ReviewIndex, error) {
	return openMeiliReviewsUID(ctx, o, meiliReviewsUID)
}

func openMeiliReviewsUID(ctx context.Context, o Options, uid string) (*meiliReviews, error) {
	opts := []meilisearch.Option{meilisearch.WithCustomClient(&http.Client{Timeout: 10 * time.Second})}
	if o.MeiliAPIKey != "" {
		opts = append(opts, meilisearch.WithAPIKey(o.MeiliAPIKey))
	}
	client := meilisearch.New(o.MeiliURL, opts...)
	m := &meiliReviews{client: client, idx: client.Index(uid)}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := client.GetIndexWithContext(ctx, uid); err != nil {
		var me *meilisearch.Error
		if !errors.As(err, &me) || me.StatusCode != http.StatusNotFound {
			return nil, meiliErr("open review index", err)
		}
		task, err := client.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: "id"})
		if err != nil {
			return nil, meiliErr("create review index", err)
		}
		if err := m.wait(ctx, task); err != nil {
			return nil, fmt.Errorf("search: create review index: %w", err)
		}
	}
	task, err := m.idx.UpdateSettingsWithContext(ctx, &meilisearch.Settings{
		SearchableAttributes: []string{"text"},
		FilterableAttributes: []string{"agency_id", "lang", "origin", "destination"},
		SortableAttributes:   []string{"created", "helpful", "overall", "id"},
		DisplayedAttributes:  []string{"id", "doc"},
		Pagination:           &meilisearch.Pagination{MaxTotalHits: MaxReviewWindow},
	})
	if err != nil {
		return nil, meiliErr("configure review index", err)
	}
	if err := m.wait(ctx, task); err != nil {
		return nil, fmt.Errorf("search: configure review index: %w", err)
	}
	return m, nil
}

// wait blocks until a Meilisearch task has finished, so that a caller who then marks a
// review as indexed (indexed_version) is right to do so.
func (m *meiliReviews) wait(ctx context.Context, t *meilisearch.TaskInfo) error {
	done, err := m.client.WaitForTaskWithContext(ctx, t.TaskUID, 25*time.Millisecond)
	if err != nil {
		return meiliErr("wait for task", err)
	}
	if done.Status != meilisearch.TaskStatusSucceeded {
		return fmt.Errorf("search: task %d %s: %s", t.TaskUID, done.Status, done.Error.Message)
	}
	return nil
}

func (m *meiliReviews) IndexReviews(ctx context.Context, docs ...ReviewDoc) error {
	if len(docs) == 0 {
		return nil
	}
	out := make([]meiliReview, 0, len(docs))
	for _, d := range docs {
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
	pk := "id"
	task, err := m.idx.AddDocumentsWithContext(ctx, out, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err != nil {
		return meiliErr("index reviews", err)
	}
	return m.wait(ctx, task)
}

func (m *meiliReviews) DeleteReview(ctx context.Context, id string) error {
	task, err := m.idx.DeleteDocumentWithContext(ctx, id, nil)
	if err != nil {
		return meiliErr("delete review", err)
	}
	return m.wait(ctx, task)
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
		// Meilisearch's ranking rules order by relevance.
	default:
		req.Sort = []string{"created:desc", "id:asc"}
	}
	// Page mode gives an exhaustive total (totalHits); offset mode only an estimate.
	exact := q.Offset%q.Limit == 0
	if exact {
		per := int64(q.Limit)
		req.HitsPerPage, req.Page = &per, int64(q.Offset/q.Limit)+1
	} else {
		req.Offset, req.Limit = int64(q.Offset), int64(q.Limit)
	}
	res, err := m.idx.SearchWithContext(ctx, strings.TrimSpace(q.Q), req)
	if err != nil {
		return ReviewHits{}, meiliErr("search reviews", err)
	}
	out := ReviewHits{Total: int(res.TotalHits), Items: make([]ReviewDoc, 0, len(res.Hits))}
	if !exact {
		out.Total = int(res.EstimatedTotalHits)
	}
	for _, h := range res.Hits {
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

func (m *meiliReviews) Ping(ctx context.Context) error {
	if _, err := m.client.HealthWithContext(ctx); err != nil {
		return fmt.Errorf("search: review index: %w", kawan.ErrUnavailable)
	}
	return nil
}

func (m *meiliReviews) Close() error { return nil }

// meiliQuote makes a Meilisearch filter string literal of v.
func meiliQuote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// meiliErr maps a client error: no answer or a 5xx means the backend is unavailable (the
// write path then relies on the reconciler); anything else is a plain error.
func meiliErr(what string, err error) error {
	var me *meilisearch.Error
	if errors.As(err, &me) && me.StatusCode > 0 && me.StatusCode < 500 {
		return fmt.Errorf("search: %s: %s", what, me.MeilisearchApiError.Message)
	}
	return fmt.Errorf("search: %s: %w: %v", what, kawan.ErrUnavailable, err)
}

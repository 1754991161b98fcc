package reviews

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/ranking"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
)

// ListQuery is a public query for published reviews (either of one agency, or full text).
type ListQuery struct {
	AgencyID    string
	Q           string
	Lang        string
	Origin      string
	Destination string
	Sort        string
	Page        int // from 1
	PerPage     int // 1–100
}

// Page is one page of published reviews.
type Page struct {
	Items   []search.ReviewDoc `json:"items"`
	Total   int                `json:"total"`
	Page    int                `json:"page"`
	PerPage int                `json:"per_page"`
}

// List returns published reviews from the search index (never by scanning the database).
// With AgencyID set the agency must exist (checked by _id).
func (s *Service) List(ctx context.Context, q ListQuery) (Page, error) {
	sq, err := q.validate()
	if err != nil {
		return Page{}, err
	}
	if q.AgencyID != "" {
		if !kawan.ValidID(q.AgencyID) {
			return Page{}, fmt.Errorf("reviews: agency %q: %w", q.AgencyID, kawan.ErrNotFound)
		}
		ok, err := s.st.AgencyExists(ctx, q.AgencyID)
		if err != nil {
			return Page{}, err
		}
		if !ok {
			return Page{}, fmt.Errorf("reviews: agency %s: %w", q.AgencyID, kawan.ErrNotFound)
		}
	}
	hits, err := s.idx.SearchReviews(ctx, sq)
	if err != nil {
		return Page{}, err
	}
	return Page{Items: hits.Items, Total: hits.Total, Page: q.Page, PerPage: q.PerPage}, nil
}

func (q *ListQuery) validate() (search.ReviewQuery, error) {
	v := &kawan.ValidationError{}
	kawan.CheckPaging(v, &q.Page, &q.PerPage, search.MaxReviewWindow)
	sorts := []string{search.SortRecent, search.SortHelpful, search.SortRating}
	if q.AgencyID == "" {
		sorts = append(sorts, search.SortRelevance)
	}
	if q.Sort != "" && !slices.Contains(sorts, q.Sort) {
		v.Add("sort", "must be one of %s", strings.Join(sorts, ", "))
	}
	if !utf8.ValidString(q.Q) || utf8.RuneCountInString(q.Q) > 200 {
		v.Add("q", "must be valid UTF-8, at most 200 characters")
	}
	lang := ""
	if q.Lang != "" {
		l, ok := normLang(q.Lang)
		if !ok {
			v.Add("lang", "must be a language tag such as en, tl, id, ne, my")
		}
		lang = l
	}
	country(v, "origin", q.Origin)
	country(v, "destination", q.Destination)
	if err := v.Err(); err != nil {
		return search.ReviewQuery{}, err
	}
	return search.ReviewQuery{AgencyID: q.AgencyID, Q: strings.TrimSpace(q.Q), Lang: lang, Origin: q.Origin,
		Destination: q.Destination, Sort: q.Sort, Offset: (q.Page - 1) * q.PerPage, Limit: q.PerPage}, nil
}

// Review returns one published review (by _id).
func (s *Service) Review(ctx context.Context, id string) (search.ReviewDoc, error) {
	r, err := s.published(ctx, id)
	if err != nil {
		return search.ReviewDoc{}, err
	}
	return PublicDoc(r), nil
}

// FeeSummary is an agency's recruitment fees in one currency, as decimal strings.
type FeeSummary struct {
	Currency string `json:"currency"`
	Count    int64  `json:"count"`
	PaidNone int64  `json:"paid_none"`
	Total    string `json:"total"`
	Mean     string `json:"mean"`
}

// AgencyRatings is an agency's public review summary: counts, per-dimension means, the
// fee statistics and the explained score.
type AgencyRatings struct {
	AgencyID       string             `json:"agency_id"`
	Reviews        int64              `json:"reviews"`
	Stars          kawan.StarCounts   `json:"stars"`
	WouldRecommend int64              `json:"would_recommend"`
	Fees           []FeeSummary       `json:"fees"`
	Score          ranking.Score      `json:"score"`
	DimensionMeans map[string]float64 `json:"-"`
}

// Ratings returns agencyID's summary and explained score (GET /v1/agencies/{id}/ratings;
// the agencies area embeds Score in GET /v1/agencies/{id}).
func (s *Service) Ratings(ctx context.Context, agencyID string) (AgencyRatings, error) {
	if !kawan.ValidID(agencyID) {
		return AgencyRatings{}, fmt.Errorf("reviews: agency %q: %w", agencyID, kawan.ErrNotFound)
	}
	a, err := s.st.AgencyRatings(ctx, agencyID)
	if err != nil {
		return AgencyRatings{}, err
	}
	p, err := s.Prior(ctx)
	if err != nil {
		return AgencyRatings{}, err
	}
	return s.summary(a, p), nil
}

// Score explains one agency's score from its stored document (for the agencies handler).
func (s *Service) Score(ctx context.Context, a store.AgencyRatings) (ranking.Score, error) {
	p, err := s.Prior(ctx)
	if err != nil {
		return ranking.Score{}, err
	}
	return s.summary(a, p).Score, nil
}

func (s *Service) summary(a store.AgencyRatings, p ranking.Prior) AgencyRatings {
	exclude := s.exclude
	ex, why := exclude(a)
	out := AgencyRatings{
		AgencyID: a.ID, Reviews: a.Ratings.Count, Stars: a.Ratings.Stars, WouldRecommend: a.Ratings.Recommend,
		Fees:  []FeeSummary{},
		Score: ranking.Compute(ranking.Input{AgencyID: a.ID, Agg: a.Ratings, Excluded: ex, Reason: why}, p, s.now()),
	}
	for cur, f := range a.Ratings.Fees {
		if f.Count <= 0 {
			continue
		}
		out.Fees = append(out.Fees, FeeSummary{Currency: cur, Count: f.Count, PaidNone: f.Zero,
			Total: kawan.FormatMinorUnits(f.SumMinor, cur), Mean: feeMean(f, cur)})
	}
	slices.SortFunc(out.Fees, func(x, y FeeSummary) int { return strings.Compare(x.Currency, y.Currency) })
	return out
}

// feeMean is the exact mean fee rounded half-up to the currency's minor units.
func feeMean(f kawan.FeeStats, cur string) string {
	q := f.SumMinor / f.Count
	if r := f.SumMinor % f.Count; 2*r >= f.Count {
		q++
	}
	return kawan.FormatMinorUnits(q, cur)
}

// topTTL is how long the "top rated" list is reused: computing it reads every agency.
const topTTL = time.Minute

// maxTop is the longest "top rated" list kept.
const maxTop = 100

type topCache struct {
	mu     sync.Mutex
	at     time.Time
	scores []ranking.Score
}

// TopRated returns the best-scored eligible agencies (see package ranking), at most limit
// (≤ 100). The list is recomputed from every agency's aggregates at most once a minute.
func (s *Service) TopRated(ctx context.Context, limit int) ([]ranking.Score, error) {
	c := &s.top
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || s.now().Sub(c.at) >= topTTL {
		ins, err := s.inputs(ctx)
		if err != nil {
			if c.at.IsZero() {
				return nil, err
			}
		} else {
			_, scores := ranking.ComputeAll(ins, s.now())
			c.scores, c.at = ranking.TopRated(scores, maxTop), s.now()
		}
	}
	limit = min(max(limit, 1), maxTop)
	return slices.Clone(c.scores[:min(limit, len(c.scores))]), nil
}

func (s *Service) inputs(ctx context.Context) ([]ranking.Input, error) {
	exclude := s.exclude
	var ins []ranking.Input
	err := s.st.EachAgencyRatings(ctx, func(a store.AgencyRatings) error {
		ex, why := exclude(a)
		ins = append(ins, ranking.Input{AgencyID: a.ID, Agg: a.Ratings, Excluded: ex, Reason: why})
		return nil
	})
	return ins, err
}

// priorTTL is how long the platform-wide prior is reused before it is recomputed.
const priorTTL = 10 * time.Minute

type priorCache struct {
	mu    sync.Mutex
	p     ranking.Prior
	at    time.Time
	valid bool
}

func (c *priorCache) invalidate() {
	c.mu.Lock()
	c.valid = false
	c.mu.Unlock()
}

// Prior returns the platform-wide prior (cached for priorTTL; a stale prior is served while
// the database cannot be read).
func (s *Service) Prior(ctx context.Context) (ranking.Prior, error) {
	c := &s.prior
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.now()
	if !c.at.IsZero() && now.Sub(c.at) < priorTTL && (c.valid || now.Sub(c.at) < 10*time.Second) {
		return c.p, nil
	}
	var aggs []kawan.ReviewAggregates
	err := s.st.EachAgencyRatings(ctx, func(a store.AgencyRatings) error {
		aggs = append(aggs, a.Ratings)
		return nil
	})
	if err != nil {
		if !c.at.IsZero() {
			return c.p, nil
		}
		return ranking.Prior{}, err
	}
	c.p, c.at, c.valid = ranking.ComputePrior(aggs), now, true
	return c.p, nil
}

// defaultExclude reads the agency fields that mean "never top rated": a blacklisting or a
// revoked licence. Options.Exclude replaces it (app gives agencies.Exclusion).
func defaultExclude(a store.AgencyRatings) (bool, string) {
	if a.Raw == nil {
		return false, ""
	}
	if v, ok := a.Raw.Lookup("blacklisted").BooleanOK(); ok && v {
		return true, "agency is blacklisted"
	}
	for _, path := range [][]string{{"licence_status"}, {"licence", "status"}, {"status"}} {
		v, err := a.Raw.LookupErr(path...)
		if err != nil || v.Type != bson.TypeString {
			continue
		}
		switch v.StringValue() {
		case "revoked", "cancelled", "blacklisted", "banned":
			return true, "licence " + v.StringValue()
		}
	}
	return false, ""
}

// Appeal states of an author's own review (OwnReview.Appeal).
const (
	AppealNone      = "none"      // nothing to appeal
	AppealAvailable = "available" // rejected or removed: the author may ask for another check
	AppealPending   = "pending"   // appealed; waiting for a moderator
	AppealFinal     = "final"     // decided on appeal; no further appeal
)

// OwnReview is one of the caller's reviews as its author sees it: the public fields, the
// status, the moderator's reason when it was rejected or removed, and the appeal state.
type OwnReview struct {
	kawan.Review
	// Reason is the moderation reason code of a rejection or removal (spam, personal_info, …).
	Reason string `json:"moderation_reason,omitempty"`
	Appeal string `json:"appeal"`
}

// Mine returns userID's reviews, newest first (at most store.MaxByAuthor; earlier
// versions replaced by an edit are left out): GET /v1/me/reviews and the "My reviews" page.
func (s *Service) Mine(ctx context.Context, userID string) ([]OwnReview, error) {
	if userID == "" {
		return nil, fmt.Errorf("reviews: mine: %w", kawan.ErrUnauthenticated)
	}
	rs, err := s.st.ByAuthor(ctx, userID, store.MaxByAuthor)
	if err != nil {
		return nil, err
	}
	out := make([]OwnReview, len(rs))
	for i, r := range rs {
		o := OwnReview{Review: r, Appeal: AppealNone}
		m := r.Moderation
		switch r.Status {
		case kawan.ReviewRejected, kawan.ReviewRemoved:
			o.Reason = m.Reason
			o.Appeal = AppealAvailable
			if m.AppealDecided() {
				o.Appeal = AppealFinal
			}
		case kawan.ReviewHeld, kawan.ReviewUnderReview:
			if !m.AppealedAt.IsZero() && !m.AppealedAt.Before(m.DecidedAt) {
				o.Appeal = AppealPending
			}
		}
		out[i] = o
	}
	return out, nil
}

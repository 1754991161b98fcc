// Package ranking computes agency scores a worker can trust and a maintainer can explain:
// a Bayesian average of the overall rating, pulled toward the mean of all reviews, in which
// recent and moderator-verified reviews weigh more; a Wilson lower bound for the share of
// reviewers who would recommend the agency; and the "top rated" order, from which agencies
// with a revoked licence or on a blacklist are always excluded.
//
// The method, in one place:
//
//   - Each published review i has a weight w_i = 2^(−age_i / HalfLife) × (VerifiedBoost if a
//     moderator verified it, else 1). HalfLife is 365 days: a review from a year ago counts
//     half as much as one from today, one from two years ago a quarter. Held, rejected,
//     removed and superseded reviews are never counted (only published reviews are in the
//     aggregates), so fraud-held reviews cannot move a score.
//   - score = (C × m + Σ w_i × overall_i) / (C + Σ w_i), where m is the weighted mean overall
//     rating of every counted review on the platform (the prior mean) and C = PriorWeight = 5
//     "effective reviews". An agency with a handful of reviews stays close to m; with many
//     recent reviews its own mean dominates.
//   - would-recommend: the Wilson score interval's lower bound (z = 1.96, 95%) on the share
//     k/n of counted reviews that would recommend; 0 with no reviews.
//   - top rated: eligible agencies (not revoked, not blacklisted, at least MinReviews counted
//     reviews) by score, then recommend lower bound, then effective review count, then ID,
//     so the order is total and stable under ties.
//
// Weights are stored on the agency aggregates relative to a fixed Epoch (w × 2^((t−Epoch)/HalfLife))
// so that they can be kept with $inc; scoring multiplies by 2^(−(now−Epoch)/HalfLife). Changing
// HalfLife or VerifiedBoost requires `kawan repair-aggregates`.
package ranking

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/kawan-labs/kawan"
)

const (
	// PriorWeight is C, how many effective reviews the prior mean is worth.
	PriorWeight = 5.0
	// HalfLife is how long it takes a review's weight to halve.
	HalfLife = 365 * 24 * time.Hour
	// VerifiedBoost multiplies the weight of a review a moderator has verified.
	VerifiedBoost = 2.0
	// RecommendZ is the normal quantile of the Wilson lower bound (95% two-sided).
	RecommendZ = 1.96
	// MinReviews is the fewest counted reviews an agency needs to appear in "top rated".
	MinReviews = 3
	// DefaultPriorMean is the prior mean when the platform has no reviews yet.
	DefaultPriorMean = 3.0
)

// Epoch is the reference time of the stored weights (see the package comment).
var Epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// epochWeight is 2^((t−Epoch)/HalfLife): the recency part of a weight, stored relative to Epoch.
func epochWeight(t time.Time) float64 {
	return math.Exp2(float64(t.Sub(Epoch)) / float64(HalfLife))
}

// decay converts stored (Epoch-relative) weights to weights as of now.
func decay(now time.Time) float64 { return 1 / epochWeight(now) }

// ReviewWeight is the stored weight of a review written at t: recency relative to Epoch
// times VerifiedBoost when a moderator verified it.
func ReviewWeight(t time.Time, verified bool) float64 {
	w := epochWeight(t)
	if verified {
		w *= VerifiedBoost
	}
	return w
}

// Prior is the platform-wide prior every agency's score is pulled toward.
type Prior struct {
	Mean   float64 `json:"mean"`
	Weight float64 `json:"weight"`
}

// ComputePrior returns the weighted mean overall rating of all counted reviews (weights
// cancel out their Epoch scaling in the ratio), or DefaultPriorMean when there are none.
func ComputePrior(aggs []kawan.ReviewAggregates) Prior {
	var w, s float64
	for i := range aggs {
		if aggs[i].Weight > 0 {
			w += aggs[i].Weight
			s += aggs[i].WeightedSums.Overall
		}
	}
	p := Prior{Mean: DefaultPriorMean, Weight: PriorWeight}
	if w > 0 {
		p.Mean = clamp(s/w, 1, 5)
	}
	return p
}

// Input is what scoring needs about one agency.
type Input struct {
	AgencyID string
	Agg      kawan.ReviewAggregates
	// Excluded is true for a revoked licence or a blacklisting; Reason says which.
	Excluded bool
	Reason   string
}

// Score is an agency's score with everything that went into it.
type Score struct {
	AgencyID string `json:"-"`
	// Value is the Bayesian average overall rating, 1–5.
	Value float64 `json:"value"`
	// RecommendLowerBound is the Wilson lower bound of the would-recommend share, 0–1.
	RecommendLowerBound float64 `json:"recommend_lower_bound"`
	// Reviews is the number of counted (published) reviews.
	Reviews int64 `json:"reviews"`
	// TopRatedEligible says whether the agency may appear in "top rated".
	TopRatedEligible bool        `json:"top_rated_eligible"`
	Explanation      Explanation `json:"explanation"`
}

// Explanation lists every component of a score, so anyone can recompute it.
type Explanation struct {
	Formula          string             `json:"formula"`
	PriorMean        float64            `json:"prior_mean"`
	PriorWeight      float64            `json:"prior_weight"`
	EffectiveReviews float64            `json:"effective_reviews"` // Σ w_i as of now
	WeightedMean     *float64           `json:"weighted_mean"`     // Σ w_i·overall_i / Σ w_i; null without reviews
	HalfLifeDays     int                `json:"half_life_days"`
	VerifiedBoost    float64            `json:"verified_boost"`
	VerifiedReviews  int64              `json:"verified_reviews"`
	Recommend        RecommendPart      `json:"recommend"`
	DimensionMeans   map[string]float64 `json:"dimension_means,omitempty"` // unweighted, per dimension
	Excluded         string             `json:"excluded,omitempty"`        // why not in top rated
	Summary          string             `json:"summary"`
	ComputedAt       time.Time          `json:"computed_at"`
}

// RecommendPart explains the would-recommend bound.
type RecommendPart struct {
	Yes        int64   `json:"yes"`
	Of         int64   `json:"of"`
	Z          float64 `json:"z"`
	LowerBound float64 `json:"lower_bound"`
}

var tooFewReviews = fmt.Sprintf("fewer than %d published reviews", MinReviews)

// Formula is the score's formula as shown in explanations.
const Formula = "score = (prior_weight × prior_mean + Σ w·overall) / (prior_weight + Σ w); " +
	"w = 2^(−age / half_life) × (verified_boost if verified by a moderator, else 1); only published reviews count"

// Compute scores one agency against prior p as of now, with the full explanation.
func Compute(in Input, p Prior, now time.Time) Score { return compute(in, p, now, true) }

// computeLean scores without the explanation's text and per-dimension means (ranking
// many agencies needs only the numbers).
func computeLean(in Input, p Prior, now time.Time) Score { return compute(in, p, now, false) }

func compute(in Input, p Prior, now time.Time, explain bool) Score {
	a := in.Agg
	f := decay(now)
	w := max(a.Weight*f, 0)
	ws := max(a.WeightedSums.Overall*f, 0)
	value := p.Mean
	if p.Weight+w > 0 {
		value = (p.Weight*p.Mean + ws) / (p.Weight + w)
	}
	value = clamp(value, 1, 5)
	lb := Wilson(a.Recommend, a.Count, RecommendZ)
	s := Score{
		AgencyID: in.AgencyID, Value: round(value, 4), RecommendLowerBound: round(lb, 4), Reviews: a.Count,
		TopRatedEligible: !in.Excluded && a.Count >= MinReviews,
	}
	e := Explanation{
		Formula: Formula, PriorMean: round(p.Mean, 4), PriorWeight: p.Weight, EffectiveReviews: round(w, 4),
		HalfLifeDays: int(HalfLife / (24 * time.Hour)), VerifiedBoost: VerifiedBoost, VerifiedReviews: a.Verified,
		Recommend:  RecommendPart{Yes: a.Recommend, Of: a.Count, Z: RecommendZ, LowerBound: round(lb, 4)},
		ComputedAt: now.UTC().Truncate(time.Second),
	}
	if w > 0 {
		m := round(clamp(ws/w, 1, 5), 4)
		e.WeightedMean = &m
	}
	switch {
	case in.Excluded:
		e.Excluded = in.Reason
		if e.Excluded == "" {
			e.Excluded = "licence revoked or agency blacklisted"
		}
	case a.Count < MinReviews:
		e.Excluded = tooFewReviews
	}
	if !explain {
		s.Explanation = e
		return s
	}
	if a.Count > 0 {
		n := float64(a.Count)
		e.DimensionMeans = map[string]float64{
			"overall": round(float64(a.Sums.Overall)/n, 2), "fees_honesty": round(float64(a.Sums.FeesHonesty)/n, 2),
			"contract_match": round(float64(a.Sums.ContractMatch)/n, 2), "treatment": round(float64(a.Sums.Treatment)/n, 2),
			"support": round(float64(a.Sums.Support)/n, 2),
		}
	}
	e.Summary = summary(s, e)
	s.Explanation = e
	return s
}

func summary(s Score, e Explanation) string {
	if s.Reviews == 0 {
		return fmt.Sprintf("No published reviews yet: the score is the platform average %.2f.", e.PriorMean)
	}
	if e.WeightedMean == nil {
		// Reviews whose weight has decayed to nothing (or aggregates written before weights
		// existed): they are counted but do not move the score.
		return fmt.Sprintf("%d published reviews, all too old to carry weight: the score is the platform average %.2f. %d of %d would recommend (at least %.0f%% with 95%% confidence).",
			s.Reviews, e.PriorMean, e.Recommend.Yes, e.Recommend.Of, 100*e.Recommend.LowerBound)
	}
	own := *e.WeightedMean
	return fmt.Sprintf("%d published reviews (%d verified by a moderator) weigh as %.1f recent reviews with a weighted average of %.2f; "+
		"blended with the platform average %.2f worth %.0f reviews, the score is %.2f. %d of %d would recommend (at least %.0f%% with 95%% confidence).",
		s.Reviews, e.VerifiedReviews, e.EffectiveReviews, own, e.PriorMean, e.PriorWeight, s.Value,
		e.Recommend.Yes, e.Recommend.Of, 100*e.Recommend.LowerBound)
}

// Wilson returns the lower bound of the Wilson score interval for k successes in n trials
// at normal quantile z; 0 when n is 0.
func Wilson(k, n int64, z float64) float64 {
	if n <= 0 {
		return 0
	}
	k = min(max(k, 0), n)
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	lb := (p + z2/(2*nf) - z*math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))) / (1 + z2/nf)
	return clamp(lb, 0, 1)
}

// ComputeAll scores every agency against the prior computed from all of them. The scores
// carry the numeric components only; call Compute with the returned prior for one agency's
// full explanation.
func ComputeAll(ins []Input, now time.Time) (Prior, []Score) {
	aggs := make([]kawan.ReviewAggregates, len(ins))
	for i := range ins {
		aggs[i] = ins[i].Agg
	}
	p := ComputePrior(aggs)
	out := make([]Score, len(ins))
	for i := range ins {
		out[i] = computeLean(ins[i], p, now)
	}
	return p, out
}

// TopRated returns the eligible scores in "top rated" order (see the package comment), at
// most limit of them (all when limit ≤ 0). The input is not modified.
func TopRated(scores []Score, limit int) []Score {
	idx := make([]int32, 0, len(scores))
	for i := range scores {
		if scores[i].TopRatedEligible {
			idx = append(idx, int32(i))
		}
	}
	// Compare is a total order for distinct agency IDs, so an unstable sort of indices
	// gives the same order whatever the input order.
	slices.SortFunc(idx, func(a, b int32) int { return Compare(&scores[a], &scores[b]) })
	if limit > 0 && len(idx) > limit {
		idx = idx[:limit]
	}
	out := make([]Score, len(idx))
	for i, j := range idx {
		out[i] = scores[j]
	}
	return out
}

// Compare orders two scores best first: value, recommend lower bound, effective reviews,
// then agency ID, so that no two distinct agencies tie.
func Compare(a, b *Score) int {
	if c := cmp.Compare(b.Value, a.Value); c != 0 {
		return c
	}
	if c := cmp.Compare(b.RecommendLowerBound, a.RecommendLowerBound); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Explanation.EffectiveReviews, a.Explanation.EffectiveReviews); c != 0 {
		return c
	}
	return cmp.Compare(a.AgencyID, b.AgencyID)
}

func clamp(x, lo, hi float64) float64 {
	if math.IsNaN(x) {
		return lo
	}
	return min(max(x, lo), hi)
}

func round(x float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(x*p) / p
}

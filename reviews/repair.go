package reviews

import (
	"context"
	"math"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/ranking"
	"github.com/kawan-labs/kawan/store"
)

// RepairReport says what `kawan repair-aggregates` found and fixed.
type RepairReport struct {
	Reviews         int `json:"reviews"`
	Published       int `json:"published"`
	ReviewsFixed    int `json:"reviews_fixed"`    // counted flag or contribution corrected
	HelpfulFixed    int `json:"helpful_fixed"`    // helpful counts recounted from votes
	Agencies        int `json:"agencies"`         // agencies scanned
	AgenciesFixed   int `json:"agencies_fixed"`   // aggregates rewritten
	UnknownAgencies int `json:"unknown_agencies"` // published reviews of agencies that do not exist
}

// RepairAggregates recomputes every agency's aggregates, every review's counted state and
// every helpful count from the reviews and votes themselves, and rewrites what differs. Run
// it when the service is quiet (after a restore, or if a bug is suspected): a count op that
// runs concurrently with it may be counted twice until the next repair.
func (s *Service) RepairAggregates(ctx context.Context) (RepairReport, error) {
	var rep RepairReport
	// Finished ops this process still has agencies remember are not damage: drop them first.
	if err := s.forgetFinished(ctx); err != nil {
		return rep, err
	}
	totals := map[string]*kawan.ReviewAggregates{}
	type fix struct {
		id string
		as *kawan.ReviewAggregates
	}
	var fixes []fix
	helpful := map[string]int64{}
	err := s.st.EachReview(ctx, func(r *kawan.Review) error {
		rep.Reviews++
		helpful[r.ID] = int64(r.HelpfulCount)
		if r.Status != kawan.ReviewPublished {
			if r.Counted || r.CountOp != nil || r.CountedAs != nil {
				fixes = append(fixes, fix{id: r.ID})
			}
			return nil
		}
		rep.Published++
		d, err := ranking.Contribution(r)
		if err != nil {
			return err
		}
		t := totals[r.AgencyID]
		if t == nil {
			t = &kawan.ReviewAggregates{}
			totals[r.AgencyID] = t
		}
		ranking.Add(t, d, +1)
		if !r.Counted || r.CountOp != nil || r.CountedAs == nil || !ranking.SameContribution(*r.CountedAs, d) {
			fixes = append(fixes, fix{id: r.ID, as: &d})
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	for _, f := range fixes {
		if err := s.st.SetCounted(ctx, f.id, f.as); err != nil {
			return rep, err
		}
		rep.ReviewsFixed++
	}
	votes, err := s.st.CountVotes(ctx)
	if err != nil {
		return rep, err
	}
	for id, have := range helpful {
		if want := votes[id]; want != have {
			if err := s.st.SetHelpful(ctx, id, want); err != nil {
				return rep, err
			}
			rep.HelpfulFixed++
			s.syncBestEffort(ctx, id)
		}
	}
	seen := map[string]bool{}
	var agencyFixes []string
	err = s.st.EachAgencyRatings(ctx, func(a store.AgencyRatings) error {
		rep.Agencies++
		seen[a.ID] = true
		want := kawan.ReviewAggregates{}
		if t := totals[a.ID]; t != nil {
			want = *t
		}
		if !aggEqual(a.Ratings, want) || hasOps(a) {
			agencyFixes = append(agencyFixes, a.ID)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	for _, id := range agencyFixes {
		want := kawan.ReviewAggregates{}
		if t := totals[id]; t != nil {
			want = *t
		}
		if err := s.st.SetAgencyRatings(ctx, id, want); err != nil {
			return rep, err
		}
		rep.AgenciesFixed++
	}
	for id := range totals {
		if !seen[id] {
			rep.UnknownAgencies++
		}
	}
	s.prior.invalidate()
	return rep, nil
}

// hasOps reports whether the agency remembers any count op IDs (repair clears them).
func hasOps(a store.AgencyRatings) bool {
	arr, ok := a.Raw.Lookup("ratings_ops").ArrayOK()
	if !ok {
		return false
	}
	vals, err := arr.Values()
	return err == nil && len(vals) > 0
}

// aggEqual compares aggregates exactly for counts and fees and within a relative 1e-9 for
// the weighted (floating-point) sums, which $inc and $dec may leave off by rounding.
func aggEqual(a, b kawan.ReviewAggregates) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y))) }
	if a.Count != b.Count || a.Sums != b.Sums || a.Stars != b.Stars || a.Recommend != b.Recommend || a.Verified != b.Verified ||
		!near(a.Weight, b.Weight) || !near(a.WeightedSums.Overall, b.WeightedSums.Overall) ||
		!near(a.WeightedSums.FeesHonesty, b.WeightedSums.FeesHonesty) || !near(a.WeightedSums.ContractMatch, b.WeightedSums.ContractMatch) ||
		!near(a.WeightedSums.Treatment, b.WeightedSums.Treatment) || !near(a.WeightedSums.Support, b.WeightedSums.Support) {
		return false
	}
	for k, v := range a.Fees {
		if v != b.Fees[k] && v != (kawan.FeeStats{}) {
			return false
		}
	}
	for k, v := range b.Fees {
		if v != a.Fees[k] {
			return false
		}
	}
	return true
}

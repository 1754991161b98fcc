package ranking

import (
	"fmt"

	"github.com/kawan-labs/kawan"
)

// Contribution is exactly what one published review adds to its agency's aggregates.
func Contribution(r *kawan.Review) (kawan.ReviewAggregates, error) {
	rt := r.Ratings
	for _, v := range []int{rt.Overall, rt.FeesHonesty, rt.ContractMatch, rt.Treatment, rt.Support} {
		if v < 1 || v > 5 {
			return kawan.ReviewAggregates{}, fmt.Errorf("ranking: review %s: rating %d out of 1–5", r.ID, v)
		}
	}
	w := ReviewWeight(r.CreatedAt, r.Moderation.Verified)
	d := kawan.ReviewAggregates{
		Count: 1,
		Sums: kawan.DimensionSums[int64]{Overall: int64(rt.Overall), FeesHonesty: int64(rt.FeesHonesty),
			ContractMatch: int64(rt.ContractMatch), Treatment: int64(rt.Treatment), Support: int64(rt.Support)},
		Weight: w,
		WeightedSums: kawan.DimensionSums[float64]{Overall: w * float64(rt.Overall), FeesHonesty: w * float64(rt.FeesHonesty),
			ContractMatch: w * float64(rt.ContractMatch), Treatment: w * float64(rt.Treatment), Support: w * float64(rt.Support)},
	}
	switch rt.Overall {
	case 1:
		d.Stars.S1 = 1
	case 2:
		d.Stars.S2 = 1
	case 3:
		d.Stars.S3 = 1
	case 4:
		d.Stars.S4 = 1
	case 5:
		d.Stars.S5 = 1
	}
	if r.WouldRecommend {
		d.Recommend = 1
	}
	if r.Moderation.Verified {
		d.Verified = 1
	}
	if r.FeesPaid != nil && !r.FeesPaid.Implausible {
		minor, err := r.FeesPaid.MinorUnits()
		if err != nil {
			return kawan.ReviewAggregates{}, fmt.Errorf("ranking: review %s: fees paid: %w", r.ID, err)
		}
		fs := kawan.FeeStats{Count: 1, SumMinor: minor}
		if minor == 0 {
			fs.Zero = 1
		}
		d.Fees = map[string]kawan.FeeStats{r.FeesPaid.Currency: fs}
	}
	return d, nil
}

// Add adds sign × d to a (sign is +1 or −1), in memory: repair and tests use it; the store
// applies the same change with $inc.
func Add(a *kawan.ReviewAggregates, d kawan.ReviewAggregates, sign int) {
	s := int64(sign)
	f := float64(sign)
	a.Count += s * d.Count
	a.Sums.Overall += s * d.Sums.Overall
	a.Sums.FeesHonesty += s * d.Sums.FeesHonesty
	a.Sums.ContractMatch += s * d.Sums.ContractMatch
	a.Sums.Treatment += s * d.Sums.Treatment
	a.Sums.Support += s * d.Sums.Support
	a.Stars.S1 += s * d.Stars.S1
	a.Stars.S2 += s * d.Stars.S2
	a.Stars.S3 += s * d.Stars.S3
	a.Stars.S4 += s * d.Stars.S4
	a.Stars.S5 += s * d.Stars.S5
	a.Recommend += s * d.Recommend
	a.Verified += s * d.Verified
	a.Weight += f * d.Weight
	a.WeightedSums.Overall += f * d.WeightedSums.Overall
	a.WeightedSums.FeesHonesty += f * d.WeightedSums.FeesHonesty
	a.WeightedSums.ContractMatch += f * d.WeightedSums.ContractMatch
	a.WeightedSums.Treatment += f * d.WeightedSums.Treatment
	a.WeightedSums.Support += f * d.WeightedSums.Support
	for cur, fs := range d.Fees {
		if a.Fees == nil {
			a.Fees = map[string]kawan.FeeStats{}
		}
		x := a.Fees[cur]
		x.Count += s * fs.Count
		x.Zero += s * fs.Zero
		x.SumMinor += s * fs.SumMinor
		a.Fees[cur] = x
	}
}

// SameContribution reports whether two contributions are equal (a review whose
// verification changed must be re-counted).
func SameContribution(a, b kawan.ReviewAggregates) bool {
	if a.Count != b.Count || a.Sums != b.Sums || a.Stars != b.Stars || a.Recommend != b.Recommend ||
		a.Verified != b.Verified || a.Weight != b.Weight || a.WeightedSums != b.WeightedSums || len(a.Fees) != len(b.Fees) {
		return false
	}
	for k, v := range a.Fees {
		if b.Fees[k] != v {
			return false
		}
	}
	return true
}

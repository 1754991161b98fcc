package ranking

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
)

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// randomReview returns a valid review written within the last three years.
func randomReview(rng *rand.Rand, i int) *kawan.Review {
	r := func() int { return 1 + rng.IntN(5) }
	rv := &kawan.Review{
		ID:             fmt.Sprint("r", i),
		Ratings:        kawan.Ratings{Overall: r(), FeesHonesty: r(), ContractMatch: r(), Treatment: r(), Support: r()},
		WouldRecommend: rng.IntN(2) == 0,
		CreatedAt:      now.Add(-time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour)))),
	}
	rv.Moderation.Verified = rng.IntN(4) == 0
	if rng.IntN(2) == 0 {
		rv.FeesPaid = &kawan.Money{Amount: fmt.Sprintf("%d.%02d", rng.IntN(200000), rng.IntN(100)), Currency: "PHP"}
	}
	return rv
}

func aggregate(t testing.TB, rs ...*kawan.Review) kawan.ReviewAggregates {
	t.Helper()
	var a kawan.ReviewAggregates
	for _, r := range rs {
		d, err := Contribution(r)
		if err != nil {
			t.Fatal(err)
		}
		Add(&a, d, +1)
	}
	return a
}

func TestOneMoreFiveStarNeverLowersScore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		n := rng.IntN(60)
		rs := make([]*kawan.Review, n)
		for i := range rs {
			rs[i] = randomReview(rng, i)
		}
		before := aggregate(t, rs...)
		five := randomReview(rng, n)
		five.Ratings.Overall = 5
		after := aggregate(t, append(rs, five)...)
		other := aggregate(t, randomReview(rng, 1000), randomReview(rng, 1001))
		// With the prior held fixed, and with the prior recomputed to include the new review.
		pFixed := ComputePrior([]kawan.ReviewAggregates{before, other})
		pNew := ComputePrior([]kawan.ReviewAggregates{after, other})
		s0 := Compute(Input{Agg: before}, pFixed, now).Value
		s1 := Compute(Input{Agg: after}, pFixed, now).Value
		s2 := Compute(Input{Agg: after}, pNew, now).Value
		if s1 < s0 || s2 < s0 {
			t.Fatalf("trial %d: a 5-star review lowered the score: before %v, after %v (fixed prior) / %v (new prior)", trial, s0, s1, s2)
		}
	}
}

func TestFewReviewsPulledTowardPrior(t *testing.T) {
	p := Prior{Mean: 3.5, Weight: PriorWeight}
	fresh := func(n, stars int) kawan.ReviewAggregates {
		rs := make([]*kawan.Review, n)
		for i := range rs {
			rs[i] = &kawan.Review{ID: fmt.Sprint(i), CreatedAt: now,
				Ratings: kawan.Ratings{Overall: stars, FeesHonesty: stars, ContractMatch: stars, Treatment: stars, Support: stars}}
		}
		return aggregate(t, rs...)
	}
	for _, stars := range []int{1, 5} {
		prevDist := math.Inf(1)
		for _, n := range []int{0, 1, 2, 5, 20, 100, 1000} {
			s := Compute(Input{Agg: fresh(n, stars)}, p, now)
			dist := math.Abs(s.Value - float64(stars))
			if n > 0 && math.Abs(s.Value-p.Mean) >= math.Abs(float64(stars)-p.Mean) {
				t.Errorf("%d×%d stars: score %v not pulled toward prior %v", n, stars, s.Value, p.Mean)
			}
			if dist >= prevDist {
				t.Errorf("%d×%d stars: score %v is not closer to %d than with fewer reviews", n, stars, s.Value, stars)
			}
			prevDist = dist
		}
	}
	// One 5-star review must not outrank fifty 4.8-average reviews.
	one := Compute(Input{AgencyID: "a", Agg: fresh(1, 5)}, p, now)
	many := aggregate(t)
	for i := range 50 {
		stars := 5
		if i%5 == 0 {
			stars = 4
		}
		d, _ := Contribution(&kawan.Review{CreatedAt: now, Ratings: kawan.Ratings{Overall: stars, FeesHonesty: 3, ContractMatch: 3, Treatment: 3, Support: 3}})
		Add(&many, d, 1)
	}
	m := Compute(Input{AgencyID: "b", Agg: many}, p, now)
	if !(m.Value > one.Value) {
		t.Errorf("fifty ~4.8 reviews scored %v, one 5-star %v", m.Value, one.Value)
	}
}

func TestRecencyAndVerificationWeights(t *testing.T) {
	old := ReviewWeight(now.Add(-HalfLife), false)
	cur := ReviewWeight(now, false)
	if got := cur / old; math.Abs(got-2) > 1e-9 {
		t.Errorf("a review one half-life old weighs 1/%v of a new one, want 1/2", got)
	}
	if got := ReviewWeight(now, true) / cur; got != VerifiedBoost {
		t.Errorf("verified boost %v, want %v", got, VerifiedBoost)
	}
	// A recent 1-star outweighs an old 5-star.
	p := Prior{Mean: 3, Weight: PriorWeight}
	a := aggregate(t,
		&kawan.Review{CreatedAt: now.Add(-3 * HalfLife), Ratings: rt(5, 5, 5, 5, 5)},
		&kawan.Review{CreatedAt: now, Ratings: rt(1, 1, 1, 1, 1)})
	if s := Compute(Input{Agg: a}, p, now); s.Value >= 3 {
		t.Errorf("recent 1-star + 3-half-lives-old 5-star scored %v, want below the prior 3", s.Value)
	}
}

func TestStableOrderUnderTies(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	same := aggregate(t, &kawan.Review{CreatedAt: now, WouldRecommend: true, Ratings: rt(4, 4, 4, 4, 4)},
		&kawan.Review{CreatedAt: now, Ratings: rt(5, 4, 4, 4, 4)},
		&kawan.Review{CreatedAt: now, WouldRecommend: true, Ratings: rt(3, 4, 4, 4, 4)})
	var ins []Input
	for i := range 200 {
		ins = append(ins, Input{AgencyID: fmt.Sprintf("ag%03d", i), Agg: same})
	}
	_, scores := ComputeAll(ins, now)
	want := TopRated(scores, 0)
	for trial := range 20 {
		rng.Shuffle(len(scores), func(i, j int) { scores[i], scores[j] = scores[j], scores[i] })
		got := TopRated(scores, 0)
		for i := range got {
			if got[i].AgencyID != want[i].AgencyID {
				t.Fatalf("trial %d: position %d is %s, want %s", trial, i, got[i].AgencyID, want[i].AgencyID)
			}
		}
	}
	if want[0].AgencyID != "ag000" || want[199].AgencyID != "ag199" {
		t.Errorf("ties not broken by ID: first %s, last %s", want[0].AgencyID, want[199].AgencyID)
	}
}

func TestExcludedAgenciesNeverTopRated(t *testing.T) {
	rs := make([]*kawan.Review, 40)
	for i := range rs {
		rs[i] = &kawan.Review{CreatedAt: now, WouldRecommend: true, Ratings: rt(5, 5, 5, 5, 5)}
	}
	perfect := aggregate(t, rs...)
	meh := aggregate(t, rs[0], &kawan.Review{CreatedAt: now, Ratings: rt(2, 2, 2, 2, 2)},
		&kawan.Review{CreatedAt: now, Ratings: rt(3, 3, 3, 3, 3)})
	_, scores := ComputeAll([]Input{
		{AgencyID: "revoked", Agg: perfect, Excluded: true, Reason: "licence revoked"},
		{AgencyID: "fine", Agg: meh},
		{AgencyID: "new", Agg: aggregate(t, rs[0])},
	}, now)
	top := TopRated(scores, 10)
	if len(top) != 1 || top[0].AgencyID != "fine" {
		t.Fatalf("top rated = %+v, want only 'fine'", top)
	}
	if scores[0].Explanation.Excluded != "licence revoked" || scores[2].Explanation.Excluded == "" {
		t.Errorf("exclusions not explained: %q, %q", scores[0].Explanation.Excluded, scores[2].Explanation.Excluded)
	}
}

func TestWilson(t *testing.T) {
	tests := []struct {
		k, n int64
		want float64
	}{
		{0, 0, 0}, {0, 10, 0}, {10, 10, 0.7225}, {5, 10, 0.2366}, {1, 1, 0.2065}, {90, 100, 0.8256},
	}
	for _, tt := range tests {
		if got := Wilson(tt.k, tt.n, RecommendZ); math.Abs(got-tt.want) > 1e-4 {
			t.Errorf("Wilson(%d, %d) = %.4f, want %.4f", tt.k, tt.n, got, tt.want)
		}
	}
}

func TestExplanationRecomputes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	rs := make([]*kawan.Review, 30)
	for i := range rs {
		rs[i] = randomReview(rng, i)
	}
	p := Prior{Mean: 3.2, Weight: PriorWeight}
	s := Compute(Input{Agg: aggregate(t, rs...)}, p, now)
	e := s.Explanation
	got := (e.PriorWeight*e.PriorMean + e.EffectiveReviews**e.WeightedMean) / (e.PriorWeight + e.EffectiveReviews)
	if math.Abs(got-s.Value) > 1e-3 {
		t.Errorf("explanation recomputes to %v, score is %v", got, s.Value)
	}
	if s.Reviews != 30 || e.Summary == "" || e.DimensionMeans["overall"] == 0 {
		t.Errorf("incomplete explanation: %+v", s)
	}
}

func TestAddRemoveRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var a kawan.ReviewAggregates
	var ds []kawan.ReviewAggregates
	for i := range 100 {
		d, err := Contribution(randomReview(rng, i))
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
		Add(&a, d, 1)
	}
	for _, d := range ds {
		Add(&a, d, -1)
	}
	if a.Count != 0 || a.Sums != (kawan.DimensionSums[int64]{}) || a.Fees["PHP"] != (kawan.FeeStats{}) || math.Abs(a.Weight) > 1e-9 {
		t.Errorf("after removing everything: %+v", a)
	}
}

func BenchmarkComputeAll100k(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	ins := make([]Input, 100_000)
	for i := range ins {
		var a kawan.ReviewAggregates
		for j := range rng.IntN(8) {
			d, _ := Contribution(randomReview(rng, j))
			Add(&a, d, 1)
		}
		ins[i] = Input{AgencyID: fmt.Sprintf("ag%06d", i), Agg: a, Excluded: i%50 == 0}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, scores := ComputeAll(ins, now)
		_ = TopRated(scores, 100)
	}
}

func rt(o, f, c, t, s int) kawan.Ratings {
	return kawan.Ratings{Overall: o, FeesHonesty: f, ContractMatch: c, Treatment: t, Support: s}
}

// TestCountedReviewsWithoutWeight: aggregates that count reviews whose weight is zero
// (decayed to nothing, or written before weights existed) explain themselves instead of
// dereferencing a missing weighted mean.
func TestCountedReviewsWithoutWeight(t *testing.T) {
	a := kawan.ReviewAggregates{Count: 3, Recommend: 2}
	a.Sums.Overall = 12
	p := Prior{Mean: 3.5, Weight: 5}
	s := Compute(Input{AgencyID: "a", Agg: a}, p, now)
	if s.Explanation.WeightedMean != nil {
		t.Fatalf("weighted mean %v without weight", *s.Explanation.WeightedMean)
	}
	if s.Value != 3.5 {
		t.Errorf("score %v, want the prior 3.5", s.Value)
	}
	if s.Explanation.Summary == "" {
		t.Error("no summary")
	}
}

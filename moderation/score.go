package moderation

import (
	"math"
	"slices"

	"github.com/kawan-labs/kawan"
)

// Weights says how much each signal counts. Signals are combined like independent pieces
// of evidence (a noisy-OR): score = 1 − Π (1 − weight·signal). A single signal at full
// strength therefore contributes at most its weight; two independent weaker signals add
// up. Documented in docs/moderation.md; changing one means re-running the attack suite.
//
// Set from the labelled evaluation set (testdata/evalset.json, TestEvaluationSet): no weak
// signal (new account, short extreme text, the agency's volume or average moving) reaches
// WatchAt on its own, nor do two of them together; each strong one does.
var Weights = map[string]float64{
	SigSelfReview:  0.95, // the agency reviewing itself: hold on its own (watch from its network alone)
	SigDuplicate:   0.90, // copy-paste of another account's review: hold on its own when close
	SigVelocity:    0.85, // one account, many agencies, little time
	SigSharedFP:    0.75, // several accounts on one device and network for one agency
	SigCoordinated: 0.70, // many reviews at once rating the agency far from its baseline
	SigSharedNet:   0.50, // several accounts on one network prefix for one agency
	SigBurst:       0.30, // the agency receives far more reviews than usual (weak alone: launches, campaigns)
	SigGeneric:     0.25, // all-5 or all-1 with a short, generic text (weak alone: honest short reviews)
	SigSwing:       0.25, // the agency's average suddenly moves and this review follows
	SigNewAccount:  0.20, // account created just before reviewing (weak alone: honest workers sign up to review)
}

// Combine returns the combined fraud score of signals (0..1), and the names of the signals
// whose weighted contribution is at least 0.2 (the hold reasons a moderator sees first),
// strongest first.
func Combine(signals []kawan.Signal) (float64, []string) {
	keep := 1.0
	type contrib struct {
		name string
		v    float64
	}
	var cs []contrib
	for _, s := range signals {
		v := Weights[s.Name] * clamp01(s.Score)
		keep *= 1 - v
		if v >= 0.2 {
			cs = append(cs, contrib{s.Name, v})
		}
	}
	slices.SortStableFunc(cs, func(a, b contrib) int {
		switch {
		case a.v > b.v:
			return -1
		case a.v < b.v:
			return 1
		}
		return 0
	})
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.name
	}
	return math.Round((1-keep)*1000) / 1000, names
}

// Thresholds decide the automatic verdict from the combined score.
type Thresholds struct {
	// HoldAt: a score at or above it holds the review for a moderator.
	HoldAt float64
	// WatchAt: a score at or above it (and below HoldAt) publishes the review but puts it in
	// the moderation queue for a check after publication. WatchAt ≥ HoldAt disables watching.
	WatchAt float64
}

// DefaultThresholds are the defaults of KAWAN_MODERATION_HOLD_AT and KAWAN_MODERATION_WATCH_AT.
// Set with Weights from the evaluation set: at WatchAt 0.5 no weak signal, nor two of them,
// queues a review; one strong signal does.
var DefaultThresholds = Thresholds{HoldAt: 0.7, WatchAt: 0.5}

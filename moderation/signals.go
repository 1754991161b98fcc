package moderation

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// Signal names. Each signal is a small pure function of the review and the shared state
// read from MongoDB; it returns a score in [0, 1] (0: nothing suspicious) and a reason a
// moderator can read. Weights that combine them are in Weights.
const (
	SigDuplicate  = "duplicate_text"
	SigBurst      = "agency_burst"
	SigSharedFP   = "shared_fingerprint"
	SigNewAccount = "new_account"
	SigSelfReview = "self_review"
	SigVelocity   = "reviewer_velocity"
	SigGeneric    = "extreme_generic"
	SigSwing      = "rating_swing"
)

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }

func sig(name string, score float64, format string, args ...any) kawan.Signal {
	return kawan.Signal{Name: name, Score: math.Round(clamp01(score)*1000) / 1000, Reason: fmt.Sprintf(format, args...)}
}

// Candidate is another stored review whose text is close to this one's.
type Candidate struct {
	ReviewID   string
	AgencyID   string
	AuthorID   string
	Overall    int // its overall rating (0: unknown)
	Similarity float64
}

// DuplicateSignal scores the most similar earlier review by another account. Estimated
// Jaccard similarity of 5-character shingles: ≤ 0.35 scores 0, ≥ 0.65 scores 1 (light
// edits of a copied text land around 0.45-0.6, a verbatim copy at 1). A copy whose overall
// rating differs by two stars or more counts half: farms copy their praise (or smear) with
// the rating, while honest reviews that share phrasing by chance rarely agree on it.
func DuplicateSignal(authorID, agencyID string, overall int, cands []Candidate) kawan.Signal {
	var best *Candidate
	bestScore := 0.0
	for i := range cands {
		c := &cands[i]
		if c.AuthorID == authorID && c.AgencyID == agencyID {
			continue // the author's own earlier version of this review
		}
		score := clamp01((c.Similarity - 0.35) / 0.3)
		if c.Overall != 0 && overall != 0 && (c.Overall-overall >= 2 || overall-c.Overall >= 2) {
			score /= 2
		}
		if best == nil || score > bestScore {
			best, bestScore = c, score
		}
	}
	if best == nil || bestScore == 0 {
		return kawan.Signal{Name: SigDuplicate}
	}
	where := "of another agency"
	if best.AgencyID == agencyID {
		where = "of the same agency"
	}
	who := "by another account"
	if best.AuthorID == authorID {
		who = "by the same account"
	}
	rating := ""
	if best.Overall != 0 && overall != 0 && best.Overall != overall {
		rating = fmt.Sprintf(", rated %d against %d", best.Overall, overall)
	}
	return sig(SigDuplicate, bestScore,
		"text is about %.0f%% the same as an earlier review %s %s (review %s%s)", best.Similarity*100, where, who, best.ReviewID, rating)
}

// BurstSignal compares the agency's submissions in the last 24 hours (this one included)
// with its own baseline: the 60 days before, over at least 7 days, floor 0.5 a day. Score
// from the z-value (k-λ)/√λ: 3 → 0, 8 → 1, and only with at least 5 submissions in 24 hours.
func BurstSignal(w store.AgencyWindow) kawan.Signal {
	k := w.Last24h
	lambda := math.Max(float64(w.Baseline)/math.Max(w.BaselineDays, 7), 0.5)
	if k < 5 {
		return kawan.Signal{Name: SigBurst}
	}
	z := (float64(k) - lambda) / math.Sqrt(lambda)
	return sig(SigBurst, (z-3)/5, "%d reviews of this agency in the last 24 h against a usual %.1f a day", k, lambda)
}

// WindowFromEvents computes an agency's window at time at from its submissions (the store
// does the same from its running totals without reading every submission).
func WindowFromEvents(events []store.AgencyEvent, at time.Time) store.AgencyWindow {
	var w store.AgencyWindow
	var first time.Time
	for _, e := range events {
		d := at.Sub(e.At)
		if d < 0 || d > 60*24*time.Hour {
			continue
		}
		if d <= 24*time.Hour {
			w.Last24h++
		} else {
			w.Baseline++
			if first.IsZero() || e.At.Before(first) {
				first = e.At
			}
		}
		if d <= 72*time.Hour {
			w.Recent++
			w.RecentSum += int64(e.Overall)
		} else {
			w.Before++
			w.BeforeSum += int64(e.Overall)
		}
	}
	if w.Baseline > 0 {
		w.BaselineDays = at.Add(-24*time.Hour).Sub(first).Hours() / 24
	}
	return w
}

// SharedFingerprintSignal scores other accounts that reviewed the same agency from the
// same client fingerprint (keyed HMAC of network address and user agent). One other
// account (a couple sharing a phone, a shelter computer) scores 0.5, two 0.8, three or more 1.
func SharedFingerprintSignal(authorID string, authors []string) kawan.Signal {
	seen := map[string]bool{authorID: true}
	others := 0
	for _, a := range authors {
		if !seen[a] {
			seen[a] = true
			others++
		}
	}
	score := []float64{0, 0.5, 0.8, 1}[min(others, 3)]
	if others == 0 {
		return kawan.Signal{Name: SigSharedFP}
	}
	return sig(SigSharedFP, score, "%d other account(s) reviewed this agency from the same device and network", others)
}

// NewAccountSignal scores accounts created just before reviewing: under an hour 1, under a
// day 0.6, under a week 0.25. Many honest workers sign up to write one review, so its
// weight is low; it matters in combination. A zero since (unknown) scores 0.
func NewAccountSignal(since, at time.Time) kawan.Signal {
	if since.IsZero() || since.After(at) {
		return kawan.Signal{Name: SigNewAccount}
	}
	age := at.Sub(since)
	var score float64
	switch {
	case age < time.Hour:
		score = 1
	case age < 24*time.Hour:
		score = 0.6
	case age < 7*24*time.Hour:
		score = 0.25
	default:
		return kawan.Signal{Name: SigNewAccount}
	}
	return sig(SigNewAccount, score, "account created %s before this review", roundAge(age))
}

func roundAge(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// SelfReviewSignal scores 1 when the reviewer's client fingerprint is one of the agency
// representative's fingerprints.
func SelfReviewSignal(clientFP string, repFPs []string) kawan.Signal {
	if clientFP == "" || !slices.Contains(repFPs, clientFP) {
		return kawan.Signal{Name: SigSelfReview}
	}
	return sig(SigSelfReview, 1, "the reviewer's device and network match the agency's own representative")
}

// VelocitySignal scores an account reviewing many agencies in a short time (events include
// this one): distinct agencies in the last hour 3 → 0.4, 4 → 0.8, 5+ → 1; in the last day
// 5 → 0.4 rising to 1 at 8. A worker has had one or two agencies, rarely more.
func VelocitySignal(events []store.AuthorEvent, at time.Time) kawan.Signal {
	hour, day := map[string]bool{}, map[string]bool{}
	for _, e := range events {
		if e.At.After(at) {
			continue
		}
		d := at.Sub(e.At)
		if d < time.Hour {
			hour[e.AgencyID] = true
		}
		if d < 24*time.Hour {
			day[e.AgencyID] = true
		}
	}
	h, dd := len(hour), len(day)
	score := math.Max(float64(h-2)*0.4, float64(dd-4)*0.2)
	if score <= 0 {
		return kawan.Signal{Name: SigVelocity}
	}
	if score >= float64(h-2)*0.4 && dd > h {
		return sig(SigVelocity, score, "this account reviewed %d agencies in the last 24 h", dd)
	}
	return sig(SigVelocity, score, "this account reviewed %d agencies in the last hour", h)
}

// GenericExtremeSignal scores an extreme review (every rating 5, or every rating 1) whose
// text is short and generic ("very good agency, recommended!"): extreme and ≤ 12 words of
// mostly generic vocabulary 1, extreme and ≤ 12 words 0.6, extreme, ≤ 25 words and mostly
// generic 0.3. Generic words are in data/generic.txt.
func GenericExtremeSignal(r *kawan.Review) kawan.Signal {
	g := r.Ratings
	all := func(v int) bool {
		return g.Overall == v && g.FeesHonesty == v && g.ContractMatch == v && g.Treatment == v && g.Support == v
	}
	if !all(5) && !all(1) {
		return kawan.Signal{Name: SigGeneric}
	}
	words := strings.FieldsFunc(strings.ToLower(r.Text), func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) && !unicode.Is(unicode.Mn, c) })
	generic := 0
	for _, w := range words {
		if genericWords[w] {
			generic++
		}
	}
	share := 0.0
	if len(words) > 0 {
		share = float64(generic) / float64(len(words))
	}
	var score float64
	switch {
	case len(words) <= 12 && share >= 0.6:
		score = 1
	case len(words) <= 12:
		score = 0.6
	case len(words) <= 25 && share >= 0.6:
		score = 0.3
	default:
		return kawan.Signal{Name: SigGeneric}
	}
	return sig(SigGeneric, score, "all ratings %d with a short text (%d words, %.0f%% generic)", g.Overall, len(words), share*100)
}

// SwingSignal scores a sudden change of an agency's average rating that this review follows:
// the mean overall rating of the last 72 hours (≥ 4 reviews, this one included) against the
// mean of the 60 days before (≥ 5 reviews). A shift of 1 star scores 0, 3 stars 1, only
// when this review lies on the side the average moved to.
func SwingSignal(w store.AgencyWindow, overall int) kawan.Signal {
	if w.Recent < 4 || w.Before < 5 {
		return kawan.Signal{Name: SigSwing}
	}
	recent, before := float64(w.RecentSum)/float64(w.Recent), float64(w.BeforeSum)/float64(w.Before)
	d := recent - before
	if math.Abs(d) < 1 || (d > 0) != (float64(overall) > before) {
		return kawan.Signal{Name: SigSwing}
	}
	return sig(SigSwing, (math.Abs(d)-1)/2, "the agency's average moved from %.1f to %.1f in the last 72 h and this review follows the swing", before, recent)
}

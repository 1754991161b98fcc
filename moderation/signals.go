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
	Similarity float64
}

// DuplicateSignal scores the most similar earlier review by another account. Estimated
// Jaccard similarity of 5-character shingles: ≤ 0.35 scores 0, ≥ 0.65 scores 1 (light
// edits of a copied text land around 0.45-0.6, a verbatim copy at 1).
func DuplicateSignal(authorID, agencyID string, cands []Candidate) kawan.Signal {
	var best *Candidate
	for i := range cands {
		c := &cands[i]
		if c.AuthorID == authorID && c.AgencyID == agencyID {
			continue // the author's own earlier version of this review
		}
		if best == nil || c.Similarity > best.Similarity {
			best = c
		}
	}
	if best == nil {
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
	return sig(SigDuplicate, (best.Similarity-0.35)/0.3,
		"text is about %.0f%% the same as an earlier review %s %s (review %s)", best.Similarity*100, where, who, best.ReviewID)
}

// BurstWindow is the window in which an agency's submissions are compared to its baseline.
const BurstWindow = 24 * time.Hour

// BurstSignal compares the agency's submissions in the last 24 hours (events include this
// one) with its own baseline rate over the older events kept (at least 7 days of history
// assumed, floor 0.5 a day). Score from the z-value (k-λ)/√λ: 3 → 0, 8 → 1, and only
// with at least 5 submissions in the window.
func BurstSignal(events []store.AgencyEvent, at time.Time) kawan.Signal {
	k, older := 0, 0
	var oldest time.Time
	for _, e := range events {
		switch {
		case e.At.After(at):
		case at.Sub(e.At) < BurstWindow:
			k++
		default:
			older++
			if oldest.IsZero() || e.At.Before(oldest) {
				oldest = e.At
			}
		}
	}
	days := 7.0
	if older > 0 {
		days = math.Max(days, at.Sub(oldest).Hours()/24-1)
	}
	lambda := math.Max(float64(older)/days, 0.5)
	if k < 5 {
		return kawan.Signal{Name: SigBurst}
	}
	z := (float64(k) - lambda) / math.Sqrt(lambda)
	return sig(SigBurst, (z-3)/5, "%d reviews of this agency in the last 24 h against a usual %.1f a day", k, lambda)
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

// SwingWindow is the "recent" part of an agency's history for the swing signal.
const SwingWindow = 72 * time.Hour

// SwingSignal scores a sudden change of an agency's average rating that this review follows:
// the mean overall rating of the last 72 hours (≥ 4 reviews, this one included) against the
// mean before (≥ 5 reviews). A shift of 1 star scores 0, 3 stars 1, only when this review
// lies on the side the average moved to.
func SwingSignal(events []store.AgencyEvent, overall int, at time.Time) kawan.Signal {
	var rs, rn, os, on float64
	for _, e := range events {
		if e.At.After(at) || e.Overall == 0 {
			continue
		}
		if at.Sub(e.At) < SwingWindow {
			rs += float64(e.Overall)
			rn++
		} else {
			os += float64(e.Overall)
			on++
		}
	}
	if rn < 4 || on < 5 {
		return kawan.Signal{Name: SigSwing}
	}
	recent, before := rs/rn, os/on
	d := recent - before
	if math.Abs(d) < 1 || (d > 0) != (float64(overall) > before) {
		return kawan.Signal{Name: SigSwing}
	}
	return sig(SigSwing, (math.Abs(d)-1)/2, "the agency's average moved from %.1f to %.1f in the last 72 h and this review follows the swing", before, recent)
}

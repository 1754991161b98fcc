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
	SigDuplicate   = "duplicate_text"
	SigBurst       = "agency_burst"
	SigSharedFP    = "shared_fingerprint"
	SigNewAccount  = "new_account"
	SigSelfReview  = "self_review"
	SigVelocity    = "reviewer_velocity"
	SigGeneric     = "extreme_generic"
	SigSwing       = "rating_swing"
	SigSharedNet   = "shared_network"
	SigCoordinated = "coordinated_rating"
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
// account (a couple sharing a phone, a shelter computer) scores 0.4, two 0.8, three or more 1.
func SharedFingerprintSignal(authorID string, authors []string) kawan.Signal {
	seen := map[string]bool{authorID: true}
	others := 0
	for _, a := range authors {
		if !seen[a] {
			seen[a] = true
			others++
		}
	}
	score := []float64{0, 0.4, 0.8, 1}[min(others, 3)]
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
// representative's fingerprints, and 0.6 when only the network prefix is (the agency's
// office network with another browser or device; a prefix is shared by more people than
// the office, so it queues rather than holds on its own).
func SelfReviewSignal(clientFP, netFP string, repFPs []string) kawan.Signal {
	switch {
	case clientFP != "" && slices.Contains(repFPs, clientFP):
		return sig(SigSelfReview, 1, "the reviewer's device and network match the agency's own representative")
	case netFP != "" && slices.Contains(repFPs, netFP):
		return sig(SigSelfReview, 0.6, "the reviewer's network matches the network the agency's own representative signs in from")
	}
	return kawan.Signal{Name: SigSelfReview}
}

// SharedNetworkSignal scores other accounts that reviewed the same agency from the same
// network prefix (auth's keyed /24 or /48): what a farm keeps when it changes browsers and
// devices. One other account (neighbours, a shelter) scores 0, two 0.5, three 0.8, four or
// more 1; its weight is moderate because offices and providers share prefixes.
func SharedNetworkSignal(authorID string, authors []string) kawan.Signal {
	seen := map[string]bool{authorID: true}
	others := 0
	for _, a := range authors {
		if !seen[a] {
			seen[a] = true
			others++
		}
	}
	score := []float64{0, 0, 0.5, 0.8, 1}[min(others, 4)]
	if score == 0 {
		return kawan.Signal{Name: SigSharedNet}
	}
	return sig(SigSharedNet, score, "%d other account(s) reviewed this agency from the same network", others)
}

// coordBaseline is the fewest earlier reviews that make an agency's baseline.
const coordBaseline = 3

// CoordinatedWindow is the window of CoordinatedSignal (and of the burst group).
const CoordinatedWindow = 24 * time.Hour

// CoordinatedSignal is smear (or praise) detection by meaning rather than wording: the
// reviews of the agency in the last 24 hours (this one included) whose overall rating lies
// on this review's side and at least two stars (1 and 5 stars: one and a half) from the
// agency's own baseline, the mean of its reviews before those 24 hours. 3 such reviews
// score 0.5, 4 0.8, 5 or more 1. Wording does not matter: a smear rewritten by every account
// still rates alike, at the same time, against what the agency's reviewers said before.
//
// An agency without a baseline (fewer than 3 earlier reviews) has nothing to deviate
// from: a new agency's honest reviewers may well agree on 5 stars. There only reviews
// whose every rating is the same 1 or 5 (flat; the rating pattern of low-effort
// coordinated reviews) count, this one flat too, and it takes 4 to score 0.5, 5 0.8, 6 1;
// or the same 1 or 5 stars overall from 6 reviews (0.5), 8 (0.8), 10 (1).
func CoordinatedSignal(events []store.AgencyEvent, at time.Time, overall int, flat bool) (kawan.Signal, []string) {
	var n, sum int
	for _, e := range events {
		if d := at.Sub(e.At); d > CoordinatedWindow && d <= 60*24*time.Hour {
			n++
			sum += e.Overall
		}
	}
	if overall == 0 {
		return kawan.Signal{Name: SigCoordinated}, nil
	}
	if n < coordBaseline {
		return coordinatedWithoutBaseline(events, at, overall, flat)
	}
	base := float64(sum) / float64(n)
	need := 2.0
	if overall == 1 || overall == 5 {
		need = 1.5
	}
	if math.Abs(float64(overall)-base) < need {
		return kawan.Signal{Name: SigCoordinated}, nil
	}
	var members []string
	m := 1 // this review
	for _, e := range events {
		if d := at.Sub(e.At); d >= 0 && d <= CoordinatedWindow && (float64(e.Overall)-base)*(float64(overall)-base) > 0 && math.Abs(float64(e.Overall)-base) >= need {
			m++
			if e.ReviewID != "" {
				members = append(members, e.ReviewID)
			}
		}
	}
	score := []float64{0, 0, 0, 0.5, 0.8, 1}[min(m, 5)]
	if score == 0 {
		return kawan.Signal{Name: SigCoordinated}, nil
	}
	return sig(SigCoordinated, score, "%d reviews of this agency in the last 24 h rate it %d or so against a usual %.1f", m, overall, base), members
}

func coordinatedWithoutBaseline(events []store.AgencyEvent, at time.Time, overall int, flat bool) (kawan.Signal, []string) {
	if overall != 1 && overall != 5 {
		return kawan.Signal{Name: SigCoordinated}, nil
	}
	var flats, same []string
	mf, me := 1, 1
	for _, e := range events {
		if d := at.Sub(e.At); d < 0 || d > CoordinatedWindow || e.Overall != overall {
			continue
		}
		me++
		same = append(same, e.ReviewID)
		if e.Flat {
			mf++
			flats = append(flats, e.ReviewID)
		}
	}
	sf := 0.0
	if flat {
		sf = []float64{0, 0, 0, 0, 0.5, 0.8, 1}[min(mf, 6)]
	}
	se := []float64{0, 0, 0, 0, 0, 0, 0.5, 0.5, 0.8, 0.8, 1}[min(me, 10)]
	switch {
	case sf == 0 && se == 0:
		return kawan.Signal{Name: SigCoordinated}, nil
	case sf >= se:
		return sig(SigCoordinated, sf, "%d reviews of this agency in the last 24 h give every rating %d, and it has no earlier reviews to compare with", mf, overall), compact(flats)
	}
	return sig(SigCoordinated, se, "%d reviews of this agency in the last 24 h rate it %d, and it has no earlier reviews to compare with", me, overall), compact(same)
}

func compact(ids []string) []string {
	return slices.DeleteFunc(ids, func(s string) bool { return s == "" })
}

// FlatExtreme reports whether every rating equals the overall rating, at 1 or 5 stars.
func FlatExtreme(g kawan.Ratings) bool {
	o := g.Overall
	return (o == 1 || o == 5) && g.FeesHonesty == o && g.ContractMatch == o && g.Treatment == o && g.Support == o
}

// VelocitySignal scores an account reviewing many agencies in a short time (events include
// this one): distinct agencies in the last 6 hours 3 → 0.6, 4 → 0.9, 5+ → 1; in the last
// day 4 → 0.5, 5 → 0.8, 6+ → 1. A worker has had one or two agencies (the current and the
// one before), rarely more, and reviews them on one evening at most.
func VelocitySignal(events []store.AuthorEvent, at time.Time) kawan.Signal {
	six, day := map[string]bool{}, map[string]bool{}
	for _, e := range events {
		if e.At.After(at) {
			continue
		}
		d := at.Sub(e.At)
		if d < 6*time.Hour {
			six[e.AgencyID] = true
		}
		if d < 24*time.Hour {
			day[e.AgencyID] = true
		}
	}
	h, dd := len(six), len(day)
	s6 := []float64{0, 0, 0, 0.6, 0.9, 1}[min(h, 5)]
	sd := []float64{0, 0, 0, 0, 0.5, 0.8, 1}[min(dd, 6)]
	if s6 == 0 && sd == 0 {
		return kawan.Signal{Name: SigVelocity}
	}
	if sd > s6 {
		return sig(SigVelocity, sd, "this account reviewed %d agencies in the last 24 h", dd)
	}
	return sig(SigVelocity, s6, "this account reviewed %d agencies in the last 6 h", h)
}

// VelocityWindow is how far back a spree's earlier reviews are grouped with it.
const VelocityWindow = 24 * time.Hour

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

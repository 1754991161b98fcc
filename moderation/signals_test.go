package moderation

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func TestMinHashSimilarity(t *testing.T) {
	orig := "Very good agency, they helped me a lot with my visa and medical. Highly recommended to everyone!"
	edited := "Very good agency, they helped me so much with my visa and medical. Highly recommend to all!"
	other := "I worked as a housemaid in Riyadh for two years; the employer was fine but the agency never answered my calls."
	a, n := MinHash(orig)
	b, _ := MinHash(edited)
	c, _ := MinHash(other)
	if n < MinShingles {
		t.Fatalf("shingles %d", n)
	}
	if s := a.Similarity(&a); s != 1 {
		t.Errorf("self similarity %v", s)
	}
	if s := a.Similarity(&b); s < 0.45 {
		t.Errorf("light edit similarity %v, want ≥ 0.45", s)
	}
	if s := a.Similarity(&c); s > 0.2 {
		t.Errorf("unrelated similarity %v, want ≤ 0.2", s)
	}
	// Case, punctuation and digits do not matter; other scripts work.
	d, _ := MinHash(strings.ToUpper(orig) + "!!! 2024")
	if s := a.Similarity(&d); s < 0.8 {
		t.Errorf("case/punctuation similarity %v", s)
	}
	ne1, _ := MinHash("एजेन्सीले मेरो राहदानी राख्यो र धेरै पैसा लियो, कतारमा काम राम्रो थिएन।")
	ne2, _ := MinHash("एजेन्सीले मेरो राहदानी राख्यो र धेरै पैसा लियो, दुबईमा काम राम्रो थिएन।")
	if s := ne1.Similarity(&ne2); s < 0.45 {
		t.Errorf("Nepali light edit %v", s)
	}
	ka, kb := a.BandKeys(), b.BandKeys()
	shared := 0
	for i := range ka {
		if ka[i] == kb[i] {
			shared++
		}
	}
	if shared == 0 {
		t.Errorf("light edit shares no LSH band")
	}
	if s2, ok := SignatureFrom(a.Int64s()); !ok || s2 != a {
		t.Errorf("signature round trip")
	}
}

func TestDuplicateSignal(t *testing.T) {
	if s := DuplicateSignal("u1", "ag1", 5, nil); s.Score != 0 {
		t.Errorf("no candidates: %v", s)
	}
	own := []Candidate{{ReviewID: "r0", AgencyID: "ag1", AuthorID: "u1", Similarity: 1}}
	if s := DuplicateSignal("u1", "ag1", 5, own); s.Score != 0 {
		t.Errorf("own earlier version counted: %v", s)
	}
	c := []Candidate{{ReviewID: "r1", AgencyID: "ag2", AuthorID: "u2", Overall: 5, Similarity: 0.9}, {ReviewID: "r2", AgencyID: "ag1", AuthorID: "u3", Similarity: 0.3}}
	s := DuplicateSignal("u1", "ag1", 5, c)
	if s.Score != 1 || !strings.Contains(s.Reason, "another agency") || !strings.Contains(s.Reason, "r1") {
		t.Errorf("copy: %+v", s)
	}
	if s := DuplicateSignal("u1", "ag1", 5, c[1:]); s.Score != 0 {
		t.Errorf("dissimilar: %+v", s)
	}
	if s := DuplicateSignal("u1", "ag1", 2, c); s.Score != 0.5 || !strings.Contains(s.Reason, "rated 5 against 2") {
		t.Errorf("copy with another rating: %+v", s)
	}
}

func TestBurstSignal(t *testing.T) {
	var ev []store.AgencyEvent
	// Baseline: one review every two days for 60 days.
	for d := 60; d > 1; d -= 2 {
		ev = append(ev, store.AgencyEvent{At: t0.Add(-time.Duration(d) * 24 * time.Hour), Overall: 3})
	}
	if s := BurstSignal(WindowFromEvents(ev, t0)); s.Score != 0 {
		t.Errorf("baseline: %+v", s)
	}
	burst := ev
	for i := range 8 {
		burst = append(burst, store.AgencyEvent{At: t0.Add(-time.Duration(i) * time.Hour), Overall: 5})
	}
	if s := BurstSignal(WindowFromEvents(burst, t0)); s.Score < 0.9 || !strings.Contains(s.Reason, "8 reviews") {
		t.Errorf("burst: %+v", s)
	}
	// A busy agency (20 a day) receiving 22 today is normal.
	var busy []store.AgencyEvent
	for h := 24 * 30; h > 0; h-- {
		if h%24 < 20 {
			busy = append(busy, store.AgencyEvent{At: t0.Add(-time.Duration(h) * time.Hour), Overall: 4})
		}
	}
	if s := BurstSignal(WindowFromEvents(busy, t0)); s.Score != 0 {
		t.Errorf("busy agency: %+v", s)
	}
}

func TestSharedFingerprintSignal(t *testing.T) {
	cases := []struct {
		authors []string
		want    float64
	}{{nil, 0}, {[]string{"u1", "u1"}, 0}, {[]string{"u1", "u2"}, 0.4}, {[]string{"u2", "u3"}, 0.8}, {[]string{"u2", "u3", "u4", "u5"}, 1}}
	for _, c := range cases {
		if s := SharedFingerprintSignal("u1", c.authors); s.Score != c.want {
			t.Errorf("%v: %+v", c.authors, s)
		}
	}
}

func TestNewAccountSignal(t *testing.T) {
	cases := []struct {
		age  time.Duration
		want float64
	}{{10 * time.Minute, 1}, {5 * time.Hour, 0.6}, {3 * 24 * time.Hour, 0.25}, {30 * 24 * time.Hour, 0}}
	for _, c := range cases {
		if s := NewAccountSignal(t0.Add(-c.age), t0); s.Score != c.want {
			t.Errorf("%v: %+v", c.age, s)
		}
	}
	if s := NewAccountSignal(time.Time{}, t0); s.Score != 0 {
		t.Errorf("unknown age: %+v", s)
	}
}

func TestSelfReviewSignal(t *testing.T) {
	if s := SelfReviewSignal("fp1", "", []string{"fp0", "fp1"}); s.Score != 1 {
		t.Errorf("match: %+v", s)
	}
	if s := SelfReviewSignal("fp2", "", []string{"fp0", "fp1"}); s.Score != 0 {
		t.Errorf("no match: %+v", s)
	}
	if s := SelfReviewSignal("", "", []string{""}); s.Score != 0 {
		t.Errorf("empty fingerprint: %+v", s)
	}
	// The office network with a new browser: the client differs, the prefix matches.
	if s := SelfReviewSignal("fp-new-browser", "np-office", []string{"fp0", "np-office"}); s.Score != 0.6 {
		t.Errorf("network match: %+v", s)
	}
}

func TestSharedNetworkSignal(t *testing.T) {
	for _, c := range []struct {
		authors []string
		want    float64
	}{{nil, 0}, {[]string{"u2"}, 0}, {[]string{"u2", "u3"}, 0.5}, {[]string{"u2", "u3", "u4"}, 0.8}, {[]string{"u2", "u3", "u4", "u5", "u6"}, 1}} {
		if s := SharedNetworkSignal("u1", c.authors); s.Score != c.want {
			t.Errorf("%v: %+v", c.authors, s)
		}
	}
}

func TestCoordinatedSignal(t *testing.T) {
	var ev []store.AgencyEvent
	for i := range 6 { // a baseline of 4-5 stars over the weeks before
		ev = append(ev, store.AgencyEvent{At: t0.Add(-time.Duration(3+i) * 24 * time.Hour), Overall: 4 + i%2, ReviewID: fmt.Sprintf("old%d", i)})
	}
	smear := func(n int, flat bool) []store.AgencyEvent {
		out := slices.Clone(ev)
		for i := range n {
			out = append(out, store.AgencyEvent{At: t0.Add(-time.Duration(i+1) * 20 * time.Minute), Overall: 1, Flat: flat, ReviewID: fmt.Sprintf("s%d", i)})
		}
		// A genuine 4-star review in the same hours is not part of it.
		return append(out, store.AgencyEvent{At: t0.Add(-30 * time.Minute), Overall: 4, ReviewID: "g"})
	}
	if s, _ := CoordinatedSignal(smear(1, false), t0, 1, false); s.Score != 0 {
		t.Errorf("two low reviews: %+v", s)
	}
	s, members := CoordinatedSignal(smear(2, false), t0, 1, false)
	if s.Score != 0.5 || !slices.Equal(members, []string{"s0", "s1"}) {
		t.Errorf("three low reviews: %+v %v", s, members)
	}
	if s, _ := CoordinatedSignal(smear(4, false), t0, 1, false); s.Score != 1 {
		t.Errorf("five low reviews: %+v", s)
	}
	if s, _ := CoordinatedSignal(smear(4, false), t0, 4, false); s.Score != 0 {
		t.Errorf("a review on the baseline's side: %+v", s)
	}
	// Without history: only flat extreme ratings count, and more of them.
	if s, _ := CoordinatedSignal(smear(4, false)[6:], t0, 1, false); s.Score != 0 {
		t.Errorf("no baseline, ratings not flat: %+v", s)
	}
	if s, _ := CoordinatedSignal(smear(2, true)[6:], t0, 1, true); s.Score != 0 {
		t.Errorf("no baseline, three flat: %+v", s)
	}
	if s, m := CoordinatedSignal(smear(5, true)[6:], t0, 1, true); s.Score != 1 || len(m) != 5 {
		t.Errorf("no baseline, six flat: %+v %v", s, m)
	}
	if !FlatExtreme(kawan.Ratings{Overall: 5, FeesHonesty: 5, ContractMatch: 5, Treatment: 5, Support: 5}) ||
		FlatExtreme(kawan.Ratings{Overall: 5, FeesHonesty: 4, ContractMatch: 5, Treatment: 5, Support: 5}) ||
		FlatExtreme(kawan.Ratings{Overall: 3, FeesHonesty: 3, ContractMatch: 3, Treatment: 3, Support: 3}) {
		t.Error("FlatExtreme")
	}
}

func TestVelocitySignal(t *testing.T) {
	var ev []store.AuthorEvent
	for i, a := range []string{"a1", "a2", "a3", "a4", "a5"} {
		ev = append(ev, store.AuthorEvent{At: t0.Add(-time.Duration(i) * 5 * time.Minute), AgencyID: a})
	}
	if s := VelocitySignal(ev[:2], t0); s.Score != 0 {
		t.Errorf("two agencies: %+v", s)
	}
	if s := VelocitySignal(ev[:3], t0); s.Score != 0.6 {
		t.Errorf("three: %+v", s)
	}
	if s := VelocitySignal(ev, t0); s.Score != 1 || !strings.Contains(s.Reason, "5 agencies") {
		t.Errorf("five: %+v", s)
	}
	// Same agency twice (a new version) is one agency.
	same := []store.AuthorEvent{{At: t0, AgencyID: "a1"}, {At: t0.Add(-time.Minute), AgencyID: "a1"}, {At: t0.Add(-2 * time.Minute), AgencyID: "a1"}}
	if s := VelocitySignal(same, t0); s.Score != 0 {
		t.Errorf("same agency: %+v", s)
	}
}

func rv(rating int, text string) *kawan.Review {
	return &kawan.Review{Ratings: kawan.Ratings{Overall: rating, FeesHonesty: rating, ContractMatch: rating, Treatment: rating, Support: rating}, Text: text}
}

func TestGenericExtremeSignal(t *testing.T) {
	if s := GenericExtremeSignal(rv(5, "Very good agency, highly recommended!")); s.Score != 1 {
		t.Errorf("generic praise: %+v", s)
	}
	if s := GenericExtremeSignal(rv(1, "They kept my passport for two years")); s.Score != 0.6 {
		t.Errorf("short specific complaint: %+v", s)
	}
	long := "They kept my passport for two years and charged me 180000 rupees although the legal fee is much lower, and the salary in Qatar was 1200 not 1800."
	if s := GenericExtremeSignal(rv(1, long)); s.Score != 0 {
		t.Errorf("long specific: %+v", s)
	}
	mixed := rv(5, "good")
	mixed.Ratings.Support = 4
	if s := GenericExtremeSignal(mixed); s.Score != 0 {
		t.Errorf("not extreme: %+v", s)
	}
}

func TestSwingSignal(t *testing.T) {
	var ev []store.AgencyEvent
	for d := 30; d > 5; d-- {
		ev = append(ev, store.AgencyEvent{At: t0.Add(-time.Duration(d) * 24 * time.Hour), Overall: 4})
	}
	for h := 10; h >= 0; h-- {
		ev = append(ev, store.AgencyEvent{At: t0.Add(-time.Duration(h) * time.Hour), Overall: 1})
	}
	if s := SwingSignal(WindowFromEvents(ev, t0), 1); s.Score < 0.9 {
		t.Errorf("smear swing: %+v", s)
	}
	if s := SwingSignal(WindowFromEvents(ev, t0), 5); s.Score != 0 {
		t.Errorf("review against the swing: %+v", s)
	}
	if s := SwingSignal(WindowFromEvents(ev[:20], t0.Add(-6*24*time.Hour)), 4); s.Score != 0 {
		t.Errorf("steady: %+v", s)
	}
}

func TestCombine(t *testing.T) {
	score, reasons := Combine([]kawan.Signal{{Name: SigDuplicate, Score: 1}, {Name: SigNewAccount, Score: 0.25}})
	if score < 0.9 || len(reasons) != 1 || reasons[0] != SigDuplicate {
		t.Errorf("combine: %v %v", score, reasons)
	}
	if s, r := Combine(nil); s != 0 || len(r) != 0 {
		t.Errorf("empty: %v %v", s, r)
	}
	// Two moderate signals add up, but never beyond 1.
	s1, _ := Combine([]kawan.Signal{{Name: SigBurst, Score: 1}})
	s2, _ := Combine([]kawan.Signal{{Name: SigBurst, Score: 1}, {Name: SigGeneric, Score: 1}})
	if !(s2 > s1 && s2 < 1) {
		t.Errorf("noisy-or: %v %v", s1, s2)
	}
	for name := range Weights {
		if w := Weights[name]; w <= 0 || w >= 1 {
			t.Errorf("weight %s = %v", name, w)
		}
	}
}

func TestAbusive(t *testing.T) {
	for _, s := range []string{"I know where you live, watch out", "Papatayin kita!", "aku bunuh kau", "म तिमीलाई मार्छु"} {
		if ok, _ := Abusive(s); !ok {
			t.Errorf("not caught: %q", s)
		}
	}
	for _, s := range []string{"they treated us like slaves and kept our passports", "the skill test was hard", "Bangsatria street office"} {
		if ok, _ := Abusive(s); ok {
			t.Errorf("false positive: %q", s)
		}
	}
}

func TestTransitionsTable(t *testing.T) {
	if to, ok := next(kawan.ReviewHeld, ActionPublish); !ok || to != kawan.ReviewPublished {
		t.Error("held → publish")
	}
	if _, ok := next(kawan.ReviewHeld, ActionRemove); ok {
		t.Error("held cannot be removed (it is rejected)")
	}
	if _, ok := next(kawan.ReviewRejected, ActionPublish); ok {
		t.Error("rejected is final except by appeal")
	}
	if !reasonFits(ActionReject, ReasonFake) || reasonFits(ActionReject, ReasonMeetsGuidelines) || reasonFits(ActionPublish, ReasonFake) {
		t.Error("reason taxonomy")
	}
	if len(fromStatuses(ActionRemove)) != 2 {
		t.Error("remove from published and under_review")
	}
}

func TestMedianBucket(t *testing.T) {
	if medianBucket(nil) != nil {
		t.Error("empty")
	}
	m := medianBucket(map[string]int64{"0": 1, "3": 2, "9": 1})
	if m == nil || *m != 3600 {
		t.Errorf("median %v", m)
	}
	if latencyBucket(90*24*time.Hour) != len(latencyBounds) {
		t.Error("open bucket")
	}
}

func FuzzScreeningText(f *testing.F) {
	for _, s := range []string{"", "a", "Very good agency!!", "एजेन्सीले मेरो राहदानी राख्यो", "ဖုန်း ၀၉၁၂", "\xff\xfe", "i know where you live"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, n := MinHash(s)
		if n < 0 || a.Similarity(&a) != 1 {
			t.Fatalf("self similarity of %q", s)
		}
		_ = a.BandKeys()
		_, _ = Abusive(s)
		_ = GenericExtremeSignal(rv(5, s))
	})
}

// TestNoWeakSignalQueuesAlone: at full strength, no weak signal on its own, nor any two of
// them together, reaches the default watch threshold; each strong signal does (issue 21).
func TestNoWeakSignalQueuesAlone(t *testing.T) {
	weak := []string{SigNewAccount, SigGeneric, SigBurst, SigSwing}
	for i, a := range weak {
		if s, _ := Combine([]kawan.Signal{{Name: a, Score: 1}}); s >= DefaultThresholds.WatchAt {
			t.Errorf("%s alone scores %.3f", a, s)
		}
		for _, b := range weak[i+1:] {
			if s, _ := Combine([]kawan.Signal{{Name: a, Score: 1}, {Name: b, Score: 1}}); s >= DefaultThresholds.WatchAt {
				t.Errorf("%s and %s score %.3f", a, b, s)
			}
		}
	}
	for _, strong := range []string{SigSelfReview, SigDuplicate, SigVelocity, SigSharedFP, SigCoordinated, SigSharedNet} {
		if s, _ := Combine([]kawan.Signal{{Name: strong, Score: 1}}); s < DefaultThresholds.WatchAt {
			t.Errorf("%s at full strength scores only %.3f", strong, s)
		}
	}
}

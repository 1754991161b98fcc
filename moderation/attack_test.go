package moderation_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/reviews"
	"github.com/kawan-labs/kawan/store"
)

// The attack suite: a realistic stream of genuine reviews from many distinct simulated
// workers over three months, with attacks mixed in — a 30-account sockpuppet farm praising
// one agency, a competitor's smear burst, copy-paste with light edits across agencies, an
// agency representative reviewing itself, one account reviewing 20 agencies in an hour.
// Every review goes through the real reviews service (the one the API calls) on the
// embedded store with the real moderation screener; the test reports precision and recall
// of the hold decision per scenario and checks the goals of issue 7.

type simEvent struct {
	at       time.Time
	scenario string // "genuine" or the attack's name
	agency   string
	author   reviews.Author
	overall  int
	dims     [4]int
	text     string
}

// simClock is the simulated time both services read.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *simClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// reps implements moderation.Representatives for the self-review scenario.
type reps map[string][]string

func (r reps) RepresentativeFingerprints(_ context.Context, agencyID string) ([]string, error) {
	return r[agencyID], nil
}

var (
	simStart = time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	subjects = []string{"The agency", "The staff", "Their office", "The manager", "The recruiter", "My broker from the agency", "The people at the branch",
		"The agent who handled my file", "Ma'am at the front desk", "The owner", "Their sub-agent in my district", "The lady doing the documents",
		"A man from their Manila office", "The coordinator", "Their lawyer", "The trainer"}
	verbs = []string{"kept my passport for", "asked me to pay", "explained the contract in", "took", "promised me a salary of", "helped me with the visa in",
		"did not answer my calls for", "gave me the medical results after", "sent me to training for", "returned my documents after",
		"made us wait", "charged an extra", "lied to my family for", "found me a new employer within", "processed everything in",
		"withheld my receipt for", "collected a so-called training fee of", "checked on me only after", "was patient with me for", "signed the papers after"}
	objects = []string{"%d weeks", "%d months", "%d days", "%d,000 pesos", "%d,000 rupees", "%d00 ringgit", "%d00 dollars", "about %d hours"}
	tails   = []string{"before I left for %s.", "when I was already in %s.", "and the employer in %s confirmed it.", "which my cousin in %s also experienced.",
		"so I arrived in %s without money.", "but the job in %s was different.", "and the training centre near %s was crowded.", "even though the law says otherwise in %s."}
	places = []string{"Qatar", "Dubai", "Riyadh", "Singapore", "Kuala Lumpur", "Hong Kong", "Taipei", "Seoul", "Doha", "Jeddah", "Abu Dhabi", "Kuwait City"}
	extras = []string{"I worked in construction.", "I was a domestic worker for a family of five.", "My contract was for two years.", "The dormitory had twelve people in one room.",
		"Salary came on time most months.", "They deducted the placement fee from my first salaries.", "I needed help when my employer fell ill.", "Overtime was not paid as promised.",
		"The orientation seminar was useful.", "I would choose differently next time.", "Many friends from my village used them too.", "The flight was booked quickly."}
	shortGenuine = []string{"Okay agency, nothing special, the fee was as announced.", "They were slow but honest about the salary.", "Fees higher than the law allows, otherwise fine.",
		"Good experience overall, the employer was kind.", "Passport returned late, salary correct."}
)

func genuineText(rnd *rand.Rand) string {
	if rnd.IntN(10) == 0 {
		return shortGenuine[rnd.IntN(len(shortGenuine))]
	}
	var b strings.Builder
	openers := []string{"", "Honestly, ", "In my case ", "Back in %d ", "When I applied, ", "My experience: ", "For the record, ", "To be fair, ", "Sadly ", "Luckily "}
	names := []string{"Ate Lorna", "Ramesh", "Siti", "Min Aung", "Joy", "Bishal", "Dewi", "Ko Htet", "Rina", "Arjun", "Maricel", "Tika"}
	for range 2 + rnd.IntN(3) {
		op := openers[rnd.IntN(len(openers))]
		if strings.Contains(op, "%d") {
			op = fmt.Sprintf(op, 2015+rnd.IntN(11))
		}
		b.WriteString(op)
		if rnd.IntN(3) == 0 {
			b.WriteString(names[rnd.IntN(len(names))] + " says ")
		}
		b.WriteString(subjects[rnd.IntN(len(subjects))] + " " + verbs[rnd.IntN(len(verbs))] + " " +
			fmt.Sprintf(objects[rnd.IntN(len(objects))], 1+rnd.IntN(9)) + " " + fmt.Sprintf(tails[rnd.IntN(len(tails))], places[rnd.IntN(len(places))]) + " ")
		if rnd.IntN(2) == 0 {
			b.WriteString(extras[rnd.IntN(len(extras))] + " ")
		}
	}
	return strings.TrimSpace(b.String())
}

// lightEdit changes a few words of a text the way a farm varies its copies.
func lightEdit(rnd *rand.Rand, s string) string {
	swaps := [][2]string{{"very", "really"}, {"good", "great"}, {"helped", "assisted"}, {"everyone", "all"}, {"fast", "quick"},
		{"kind", "friendly"}, {"recommend", "suggest"}, {"agency", "company"}, {"the", "this"}, {"my", "our"}}
	out := s
	for range 2 + rnd.IntN(2) {
		sw := swaps[rnd.IntN(len(swaps))]
		out = strings.Replace(out, sw[0], sw[1], 1)
	}
	if rnd.IntN(2) == 0 {
		out += []string{" Thank you!", " 5 stars.", " God bless.", " Highly recommended."}[rnd.IntN(4)]
	}
	return out
}

func buildStream(rnd *rand.Rand, nGenuine int) []simEvent {
	var ev []simEvent
	agencies := make([]string, 40)
	quality := make([]float64, 40)
	for i := range agencies {
		agencies[i] = fmt.Sprintf("ag%02d", i)
		quality[i] = 1.8 + rnd.Float64()*2.8
	}
	rating := func(q float64) (int, [4]int) {
		o := min(max(int(q+rnd.NormFloat64()*0.9+0.5), 1), 5)
		var d [4]int
		for i := range d {
			d[i] = min(max(o+rnd.IntN(3)-1, 1), 5)
		}
		return o, d
	}
	for w := range nGenuine {
		at := simStart.Add(time.Duration(rnd.Int64N(int64(90 * 24 * time.Hour))))
		var since time.Time
		switch x := rnd.IntN(100); {
		case x < 60:
			since = at.Add(-time.Duration(30+rnd.IntN(400)) * 24 * time.Hour)
		case x < 85:
			since = at.Add(-time.Duration(1+rnd.IntN(7)) * 24 * time.Hour)
		default:
			since = at.Add(-time.Duration(10+rnd.IntN(600)) * time.Minute)
		}
		fp := fmt.Sprintf("fp-g%d", w)
		if w%20 == 1 { // households and shelters: a device shared with the previous worker
			fp = fmt.Sprintf("fp-g%d", w-1)
		}
		a := rnd.IntN(len(agencies))
		o, d := rating(quality[a])
		ev = append(ev, simEvent{at: at, scenario: "genuine", agency: agencies[a], overall: o, dims: d, text: genuineText(rnd),
			author: reviews.Author{UserID: fmt.Sprintf("g%d", w), ClientFP: fp, Since: since}})
		if rnd.IntN(10) == 0 { // a second, earlier agency, days later
			b := rnd.IntN(len(agencies))
			o, d := rating(quality[b])
			ev = append(ev, simEvent{at: at.Add(time.Duration(2+rnd.IntN(20)) * 24 * time.Hour), scenario: "genuine", agency: agencies[b], overall: o, dims: d,
				text: genuineText(rnd), author: reviews.Author{UserID: fmt.Sprintf("g%d", w), ClientFP: fp, Since: since}})
		}
	}
	five := [4]int{5, 5, 5, 5}
	one := [4]int{1, 1, 1, 1}

	// A: a 30-account sockpuppet farm praising ag05 over six hours, from three devices.
	farmText := "Very good agency, the staff helped me with everything, my visa was fast and the employer is kind. I recommend them to everyone who wants to work abroad."
	t := simStart.Add(40 * 24 * time.Hour)
	for i := range 30 {
		at := t.Add(time.Duration(i*12) * time.Minute)
		ev = append(ev, simEvent{at: at, scenario: "sockpuppet_farm", agency: "ag05", overall: 5, dims: five, text: lightEdit(rnd, farmText),
			author: reviews.Author{UserID: fmt.Sprintf("farm%d", i), ClientFP: fmt.Sprintf("fp-farm%d", i%3), Since: at.Add(-time.Duration(5+rnd.IntN(120)) * time.Minute)}})
	}
	// B: a competitor's smear burst against ag07: 15 fresh accounts in three hours, VPN
	// addresses (distinct fingerprints), short angry one-star texts.
	smears := []string{"Worst agency, scam, do not trust them!", "Scam agency. Terrible. Avoid!", "Very bad agency, they are liars, avoid them",
		"Do not go to this agency, total scam", "Terrible service, worst agency ever", "Bad bad bad. Scam."}
	t = simStart.Add(55 * 24 * time.Hour)
	for i := range 15 {
		at := t.Add(time.Duration(i*12) * time.Minute)
		ev = append(ev, simEvent{at: at, scenario: "smear_burst", agency: "ag07", overall: 1, dims: one, text: smears[rnd.IntN(len(smears))],
			author: reviews.Author{UserID: fmt.Sprintf("smear%d", i), ClientFP: fmt.Sprintf("fp-vpn%d", i), Since: at.Add(-time.Duration(1+rnd.IntN(20)) * time.Hour)}})
	}
	// C: copy-paste with light edits across agencies by established accounts, hours apart.
	copyText := "I paid only the legal fee and they gave me all receipts. Training was two weeks in Manila and my salary in Dubai is exactly as written in the contract. Best agency in the region."
	t = simStart.Add(20 * 24 * time.Hour)
	for i := range 10 {
		at := t.Add(time.Duration(i*7) * time.Hour)
		ev = append(ev, simEvent{at: at, scenario: "copy_paste", agency: fmt.Sprintf("ag%02d", 10+i), overall: 5, dims: five, text: lightEdit(rnd, copyText),
			author: reviews.Author{UserID: fmt.Sprintf("copy%d", i), ClientFP: fmt.Sprintf("fp-copy%d", i), Since: at.Add(-time.Duration(10+rnd.IntN(50)) * 24 * time.Hour)}})
	}
	// D: the representative of ag09 reviewing itself from its own device with three accounts.
	t = simStart.Add(30 * 24 * time.Hour)
	for i := range 3 {
		at := t.Add(time.Duration(i) * 26 * time.Hour)
		ev = append(ev, simEvent{at: at, scenario: "self_review", agency: "ag09", overall: 5, dims: five, text: genuineText(rnd),
			author: reviews.Author{UserID: fmt.Sprintf("self%d", i), ClientFP: "fp-rep-ag09", Since: at.Add(-time.Duration(3+i) * 24 * time.Hour)}})
	}
	// E: one established account reviewing 20 agencies in an hour.
	t = simStart.Add(70 * 24 * time.Hour)
	for i := range 20 {
		at := t.Add(time.Duration(i*3) * time.Minute)
		o, d := rating(3)
		ev = append(ev, simEvent{at: at, scenario: "one_account_20_agencies", agency: fmt.Sprintf("ag%02d", 20+i), overall: o, dims: d, text: genuineText(rnd),
			author: reviews.Author{UserID: "spree", ClientFP: "fp-spree", Since: simStart.Add(-90 * 24 * time.Hour)}})
	}
	slices.SortStableFunc(ev, func(a, b simEvent) int { return a.at.Compare(b.at) })
	return ev
}

type tally struct{ total, held int }

func TestAttackSuite(t *testing.T) {
	// The embedded FerretDB makes every write cost time in proportion to the collection
	// (see store/moderation.go), so the default run is sized for the suite's time budget;
	// KAWAN_ATTACK_GENUINE=400 (docs/moderation.md) gives the reported numbers.
	nGenuine := 60
	if testing.Short() {
		nGenuine = 25
	}
	if n, err := strconv.Atoi(os.Getenv("KAWAN_ATTACK_GENUINE")); err == nil && n > 0 {
		nGenuine = n
	}
	clock := &simClock{t: simStart}
	var agencies []string
	for i := range 40 {
		agencies = append(agencies, fmt.Sprintf("ag%02d", i))
	}
	e := newEnvWith(t, moderation.Options{Now: clock.Now}, reps{"ag09": {"fp-rep-ag09"}},
		func(s kawan.Screener) kawan.Screener { return timedScreener{s} }, agencies...)
	stream := buildStream(rand.New(rand.NewPCG(7, 2026)), nGenuine)
	res := map[string]*tally{}
	var submitted []struct{ id, scenario string }
	var heldGenuine []string
	ctx := context.Background()
	started := time.Now()
	for i, x := range stream {
		if i%50 == 0 {
			t.Logf("%d submissions in %v (screening %v)", i, time.Since(started), time.Duration(screenNanos.Load()))
		}
		clock.Set(x.at)
		in := reviews.Submission{
			Ratings: reviews.RatingsInput{Overall: ptr(x.overall), FeesHonesty: ptr(x.dims[0]), ContractMatch: ptr(x.dims[1]),
				Treatment: ptr(x.dims[2]), Support: ptr(x.dims[3])},
			WouldRecommend: ptr(x.overall >= 4), Text: x.text, Origin: "PH", Destination: "AE",
		}
		r, err := e.rev.Submit(ctx, x.agency, x.author, in, "")
		if err != nil {
			t.Fatalf("submit %s: %v", x.scenario, err)
		}
		tl := res[x.scenario]
		if tl == nil {
			tl = &tally{}
			res[x.scenario] = tl
		}
		tl.total++
		submitted = append(submitted, struct{ id, scenario string }{r.ID, x.scenario})
	}
	// Reaching a moderator (issue 21's measure): held, or queued for a check, at the end
	// (earlier members of a group recognised later included).
	if err := e.scr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	items, err := store.NewModeration(e.st.DB()).Queue(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	queued := map[string]bool{}
	for _, it := range items {
		queued[it.ReviewID] = true
	}
	for _, s := range submitted {
		if !queued[s.id] && status(t, e, s.id) != kawan.ReviewHeld {
			continue
		}
		res[s.scenario].held++
		if s.scenario == "genuine" {
			rv, _ := e.mod.Item(ctx, kawan.Principal{UserID: "m", Role: kawan.RoleModerator}, s.id)
			var why []string
			for _, s := range rv.Signals {
				why = append(why, fmt.Sprintf("%s=%.2f", s.Name, s.Score))
			}
			heldGenuine = append(heldGenuine, fmt.Sprintf("%.2f %v", rv.FraudScore, why))
		}
	}
	var attackTotal, attackHeld int
	names := make([]string, 0, len(res))
	for n := range res {
		names = append(names, n)
	}
	slices.Sort(names)
	t.Logf("%-26s %6s %6s %8s", "scenario", "total", "queued", "recall")
	for _, n := range names {
		tl := res[n]
		if n == "genuine" {
			continue
		}
		attackTotal += tl.total
		attackHeld += tl.held
		t.Logf("%-26s %6d %6d %8.2f", n, tl.total, tl.held, float64(tl.held)/float64(tl.total))
	}
	g := res["genuine"]
	precision := float64(attackHeld) / float64(attackHeld+g.held)
	recall := float64(attackHeld) / float64(attackTotal)
	share := float64(g.held) / float64(g.total)
	t.Logf("%-26s %6d %6d  (queued %.3f)", "genuine", g.total, g.held, share)
	t.Logf("overall: precision %.3f, recall %.3f, genuine queued %.3f", precision, recall, share)
	for _, h := range heldGenuine {
		t.Logf("genuine reaching a moderator: %s", h)
	}
	if precision < 0.9 || recall < 0.8 || share > 0.15 {
		t.Errorf("goal missed: precision %.3f (≥ 0.9), recall %.3f (≥ 0.8), genuine queued %.3f (≤ 0.15)", precision, recall, share)
	}
	for _, n := range names {
		if n != "genuine" && float64(res[n].held)/float64(res[n].total) < 0.7 {
			t.Errorf("scenario %s: recall %.2f below 0.7", n, float64(res[n].held)/float64(res[n].total))
		}
	}
}

// timedScreener measures the time spent screening (reported with the progress lines).
type timedScreener struct{ kawan.Screener }

var screenNanos atomic.Int64

func (t timedScreener) Assess(ctx context.Context, r *kawan.Review) (kawan.Assessment, error) {
	st := time.Now()
	defer func() { screenNanos.Add(int64(time.Since(st))) }()
	return t.Screener.Assess(ctx, r)
}

package moderation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/store"
)

// The labelled evaluation set (issue 21): testdata/evalset.json, fictional. Genuine reviews
// in English, Filipino, Indonesian and Nepali from their own devices and networks (most from
// accounts under an hour old, some short, two households sharing a phone, four workers
// reviewing their agency before on the same evening) and five attacks: a sockpuppet farm
// (12 fresh accounts, 3 devices behind one office network, light edits of one text), a
// smear burst (10 fresh accounts over VPN, every text worded differently, one star against
// a well-rated agency), copy-paste with edits across 8 agencies (established accounts), the
// agency reviewing itself (its office network, new browsers), one account reviewing 20
// agencies in an hour. Weights and thresholds (score.go) are set from it.

type evalReview struct {
	ID         string `json:"id"`
	Label      string `json:"label"`
	Lang       string `json:"lang"`
	Account    string `json:"account"`
	AccountAge int    `json:"account_age_min"`
	Client     string `json:"client"`
	Net        string `json:"net"`
	Agency     string `json:"agency"`
	AtMin      int    `json:"at_min"`
	Ratings    []int  `json:"ratings"`
	Text       string `json:"text"`
}

type evalSet struct {
	Format          string              `json:"format"`
	Agencies        []string            `json:"agencies"`
	Representatives map[string][]string `json:"representatives"`
	Reviews         []evalReview        `json:"reviews"`
	GenuineFigures  []struct {
		Lang string `json:"lang"`
		Text string `json:"text"`
	} `json:"genuine_figures"`
}

func loadEvalSet(t testing.TB) evalSet {
	t.Helper()
	b, err := os.ReadFile("testdata/evalset.json")
	if err != nil {
		t.Fatal(err)
	}
	var es evalSet
	if err := json.Unmarshal(b, &es); err != nil {
		t.Fatal(err)
	}
	if es.Format != "kawan.moderation-eval/v1" {
		t.Fatalf("format %q", es.Format)
	}
	return es
}

// userTokens accepts "u:<account>" as that worker and "mod" as a moderator.
type userTokens struct{}

func (userTokens) VerifyAccessToken(_ context.Context, tok string) (kawan.Principal, error) {
	if tok == "mod" {
		return kawan.Principal{UserID: "mod", Role: kawan.RoleModerator}, nil
	}
	if id, ok := strings.CutPrefix(tok, "u:"); ok && id != "" {
		return kawan.Principal{UserID: id, Role: kawan.RoleWorker}, nil
	}
	return kawan.Principal{}, fmt.Errorf("bad token")
}

// evalServer is the real API (reviews and moderation modules) on e, with the client and
// network fingerprints taken from test headers (auth's keyed HMACs in the product) and
// account ages from since.
func evalServer(t testing.TB, e *env, since map[string]time.Time) *apitest.Client {
	srv := api.New(api.Deps{Tokens: userTokens{}},
		&api.ReviewsModule{Svc: e.rev,
			Fingerprint:  func(c echo.Context) string { return c.Request().Header.Get("X-Test-FP") },
			NetPrefix:    func(c echo.Context) string { return c.Request().Header.Get("X-Test-Net") },
			AccountSince: func(_ context.Context, id string) time.Time { return since[id] }},
		&api.ModerationModule{Svc: e.mod})
	return apitest.New(t, srv)
}

var evalStart = time.Date(2026, 9, 1, 6, 0, 0, 0, time.UTC)

type evalOutcome struct {
	r         evalReview
	reviewID  string
	atOnce    kawan.ReviewStatus // the submission's answer
	reached   bool               // held, or in the queue at the end
	groupedBy string
}

// runEvalSet submits every review of the set through the API in time order and returns
// each one's outcome after the last submission (retroactive grouping included).
func runEvalSet(t *testing.T, es evalSet) ([]evalOutcome, *env, *apitest.Client) {
	clock := &simClock{t: evalStart}
	e := newEnvWith(t, moderation.Options{Now: clock.Now}, reps(es.Representatives), nil, es.Agencies...)
	since := map[string]time.Time{}
	for _, r := range es.Reviews {
		at := evalStart.Add(time.Duration(r.AtMin) * time.Minute)
		if _, ok := since[r.Account]; !ok {
			since[r.Account] = at.Add(-time.Duration(r.AccountAge) * time.Minute)
		}
	}
	c := evalServer(t, e, since)
	out := make([]evalOutcome, 0, len(es.Reviews))
	for _, r := range es.Reviews {
		clock.Set(evalStart.Add(time.Duration(r.AtMin) * time.Minute))
		body := map[string]any{
			"ratings": map[string]int{"overall": r.Ratings[0], "fees_honesty": r.Ratings[1], "contract_match": r.Ratings[2],
				"treatment": r.Ratings[3], "support": r.Ratings[4]},
			"would_recommend": r.Ratings[0] >= 4, "text": r.Text, "lang": r.Lang, "origin": "PH", "destination": "AE",
		}
		res := c.As("u:"+r.Account).Do(http.MethodPost, "/v1/agencies/"+r.Agency+"/reviews", body, "X-Test-FP", r.Client, "X-Test-Net", r.Net)
		if res.Status != http.StatusCreated {
			t.Fatalf("submit %s: %d %s", r.ID, res.Status, res.Body)
		}
		var cr created
		res.JSON(t, &cr)
		out = append(out, evalOutcome{r: r, reviewID: cr.ID, atOnce: kawan.ReviewStatus(cr.Status)})
	}
	ctx := context.Background()
	if err := e.scr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	items, err := store.NewModeration(e.st.DB()).Queue(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	queued := map[string]store.QueueItem{}
	for _, it := range items {
		queued[it.ReviewID] = it
	}
	for i := range out {
		o := &out[i]
		it, q := queued[o.reviewID]
		o.reached = q || status(t, e, o.reviewID) == kawan.ReviewHeld
		if q && it.Group != nil {
			o.groupedBy = it.Group.Reason
		}
	}
	return out, e, c
}

// TestEvaluationSet measures moderation against the labelled set and fails below the goals
// of issue 21: recall ≥ 0.9 of attack reviews held or queued, precision ≥ 0.9 of what
// reaches a moderator, ≥ 95% of genuine reviews published at once and ≤ 15% queued for any
// check, the first member of every attack reaching a moderator, and a redaction
// false-positive rate on genuine texts ≤ 1%.
//
// It runs twice: as recorded (two weeks, the attacked agencies with earlier reviews), and
// compressed into about four hours, as in the simulation, where no agency has any
// history to compare with.
func TestEvaluationSet(t *testing.T) {
	for _, v := range []struct {
		name   string
		divide int
	}{{"two_weeks", 1}, {"four_hours", 80}} {
		t.Run(v.name, func(t *testing.T) {
			es := loadEvalSet(t)
			for i := range es.Reviews {
				es.Reviews[i].AtMin /= v.divide
			}
			evaluate(t, es)
		})
	}
}

func evaluate(t *testing.T, es evalSet) {
	out, _, c := runEvalSet(t, es)
	type tally struct{ total, reached, atOnceHeld int }
	by := map[string]*tally{}
	first := map[string]evalOutcome{}
	for _, o := range out {
		tl := by[o.r.Label]
		if tl == nil {
			tl = &tally{}
			by[o.r.Label] = tl
		}
		tl.total++
		if o.reached {
			tl.reached++
		}
		if o.atOnce == kawan.ReviewHeld {
			tl.atOnceHeld++
		}
		if _, seen := first[o.r.Label]; !seen {
			first[o.r.Label] = o
		}
		if o.r.Label == "genuine" && o.reached {
			t.Logf("genuine review %s reached a moderator (at once: %s, group: %q)", o.r.ID, o.atOnce, o.groupedBy)
		}
		if o.r.Label != "genuine" && !o.reached {
			t.Logf("attack review %s (%s) was not caught", o.r.ID, o.r.Label)
		}
	}
	labels := make([]string, 0, len(by))
	for l := range by {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	var attacks, caught int
	t.Logf("%-26s %6s %8s %8s", "kind", "total", "reached", "recall")
	for _, l := range labels {
		tl := by[l]
		t.Logf("%-26s %6d %8d %8.2f", l, tl.total, tl.reached, float64(tl.reached)/float64(tl.total))
		if l != "genuine" {
			attacks += tl.total
			caught += tl.reached
			if f := first[l]; !f.reached {
				t.Errorf("%s: its first review (%s) never reached a moderator", l, f.r.ID)
			}
		}
	}
	g := by["genuine"]
	recall := float64(caught) / float64(attacks)
	precision := float64(caught) / float64(caught+g.reached)
	queuedShare := float64(g.reached) / float64(g.total)
	publishedAtOnce := 1 - float64(g.atOnceHeld)/float64(g.total)

	var texts, changed int
	for _, o := range out {
		if o.r.Label == "genuine" {
			texts++
			if _, red := moderation.Redact(o.r.Text); red {
				changed++
				t.Logf("redaction false positive: %q", o.r.Text)
			}
		}
	}
	for _, f := range es.GenuineFigures {
		texts++
		if got, red := moderation.Redact(f.Text); red {
			changed++
			t.Logf("redaction false positive (%s): %q -> %q", f.Lang, f.Text, got)
		}
	}
	fpRate := float64(changed) / float64(texts)
	t.Logf("precision %.3f, recall %.3f, genuine queued %.3f, genuine published at once %.3f, redaction false positives %.3f (%d of %d genuine texts)",
		precision, recall, queuedShare, publishedAtOnce, fpRate, changed, texts)
	if recall < 0.9 || precision < 0.9 || queuedShare > 0.15 || publishedAtOnce < 0.95 || fpRate > 0.01 {
		t.Errorf("goal missed: recall %.3f (≥ 0.9), precision %.3f (≥ 0.9), genuine queued %.3f (≤ 0.15), published at once %.3f (≥ 0.95), redaction false positives %.3f (≤ 0.01)",
			recall, precision, queuedShare, publishedAtOnce, fpRate)
	}

	// The moderator sees each recognised group once, with its members: the farm's first
	// review (published before anything compared with it) is a member of a queued group.
	res := c.As("mod").Do(http.MethodGet, "/v1/moderation/queue?per_page=100", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("queue: %d %s", res.Status, res.Body)
	}
	var page moderation.QueuePage
	res.JSON(t, &page)
	for _, l := range []string{"sockpuppet_farm", "smear_burst", "copy_paste", "one_account_20_agencies"} {
		f := first[l]
		found := false
		for _, it := range page.Items {
			if it.ReviewID == f.reviewID || it.Group != nil && slices.Contains(it.Group.Members, f.reviewID) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the first review %s is in no queued item or group", l, f.r.ID)
		}
	}
}

// TestPersonalDataNeverPublic submits a review in every form of personal data of issue 21
// through the API and reads it back from every public review endpoint: the review, the
// agency's list in each sort, and search.
func TestPersonalDataNeverPublic(t *testing.T) {
	set := struct{ Cases []moderation.PIIForm }{moderation.LoadPIIForms(t)}
	e := newEnv(t, moderation.Options{}, "ag-pii")
	c := evalServer(t, e, map[string]time.Time{})
	ids := make([]string, len(set.Cases))
	for i, x := range set.Cases {
		body := map[string]any{
			"ratings":         map[string]int{"overall": 3, "fees_honesty": 3, "contract_match": 3, "treatment": 3, "support": 3},
			"would_recommend": true, "text": "Review " + fmt.Sprint(i) + " (fictional). " + x.Text, "origin": "PH", "destination": "AE",
		}
		res := c.As(fmt.Sprintf("u:pii%d", i)).Do(http.MethodPost, "/v1/agencies/ag-pii/reviews", body, "X-Test-FP", fmt.Sprint("c", i), "X-Test-Net", fmt.Sprint("n", i))
		if res.Status != http.StatusCreated {
			t.Fatalf("%s: %d %s", x.Form, res.Status, res.Body)
		}
		var cr created
		res.JSON(t, &cr)
		if cr.Status != "published" {
			t.Fatalf("%s: %s", x.Form, cr.Status)
		}
		ids[i] = cr.ID
	}
	var pages []string
	for _, sort := range []string{"", "?sort=recent", "?sort=helpful", "?sort=rating"} {
		for page := 1; page <= 3; page++ {
			q := sort
			if q == "" {
				q = "?"
			} else {
				q += "&"
			}
			r := c.Do(http.MethodGet, fmt.Sprintf("/v1/agencies/ag-pii/reviews%sper_page=20&page=%d", q, page), nil)
			if r.Status != http.StatusOK {
				t.Fatalf("list %s: %d %s", q, r.Status, r.Body)
			}
			pages = append(pages, texts(t, r.Body))
		}
	}
	r := c.Do(http.MethodGet, "/v1/reviews?q=fictional&per_page=100", nil)
	pages = append(pages, texts(t, r.Body))
	for i, x := range set.Cases {
		r := c.Do(http.MethodGet, "/v1/reviews/"+ids[i], nil)
		var one struct {
			Text string `json:"text"`
		}
		r.JSON(t, &one)
		if r.Status != http.StatusOK || !strings.Contains(one.Text, "[removed]") {
			t.Errorf("%s: GET review %d %s", x.Form, r.Status, r.Body)
		}
		for _, g := range x.Gone {
			if strings.Contains(one.Text, g) {
				t.Errorf("%s: %q is public on /v1/reviews/{id}", x.Form, g)
			}
			for _, p := range pages {
				if strings.Contains(p, g) {
					t.Errorf("%s: %q is public in a review list", x.Form, g)
					break
				}
			}
		}
	}
}

// texts returns the review texts of a list page (IDs are random and may contain digits).
func texts(t *testing.T, body []byte) string {
	t.Helper()
	var page struct {
		Items []struct {
			Text string `json:"text"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Items) == 0 {
		t.Errorf("an empty review list proves nothing: %s", body)
	}
	var b strings.Builder
	for _, it := range page.Items {
		b.WriteString(it.Text + "\n")
	}
	return b.String()
}

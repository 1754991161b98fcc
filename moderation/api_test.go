package moderation_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/reviews"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// staticTokens accepts the tokens in its map; the real verifier lives in auth/.
type staticTokens map[string]kawan.Principal

func (s staticTokens) VerifyAccessToken(_ context.Context, tok string) (kawan.Principal, error) {
	if p, ok := s[tok]; ok {
		return p, nil
	}
	return kawan.Principal{}, errors.New("bad token")
}

// env is the real reviews and moderation services on a fresh embedded FerretDB and a
// temporary Bleve index.
type env struct {
	st    *store.Store
	rev   *reviews.Service
	scr   *moderation.Screener
	mod   *moderation.Service
	idx   search.ReviewIndex
	audit *store.AuditLog
}

func newEnv(t testing.TB, o moderation.Options, agencies ...string) *env {
	t.Helper()
	return newEnvWith(t, o, nil, nil, agencies...)
}

// newEnvWith is newEnv with the self-review signal's source and a wrapper of the screener.
func newEnvWith(t testing.TB, o moderation.Options, reps moderation.Representatives, wrap func(kawan.Screener) kawan.Screener, agencies ...string) *env {
	t.Helper()
	s := storetest.New(t)
	idx, err := search.OpenReviews(context.Background(), search.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	audit := store.NewAuditLog(s.DB())
	scr := moderation.NewScreener(store.NewModeration(s.DB()), audit, moderation.ScreenerOptions{Thresholds: o.Thresholds, Representatives: reps})
	var sc kawan.Screener = scr
	if wrap != nil {
		sc = wrap(scr)
	}
	rev := reviews.New(store.NewReviews(s.DB()), idx, reviews.Options{Now: o.Now, Screener: sc, ReplyScreener: moderation.ScreenReply})
	mod := moderation.New(store.NewModeration(s.DB()), audit, rev, o)
	for _, id := range agencies {
		if _, err := s.DB().Collection("agencies").InsertOne(context.Background(), bson.D{{Key: "_id", Value: id}, {Key: "version", Value: int64(1)}}); err != nil {
			t.Fatal(err)
		}
	}
	return &env{st: s, rev: rev, scr: scr, mod: mod, idx: idx, audit: audit}
}

var tokens = staticTokens{
	"w1":   {UserID: "w1", Role: kawan.RoleWorker},
	"w2":   {UserID: "w2", Role: kawan.RoleWorker},
	"w3":   {UserID: "w3", Role: kawan.RoleWorker},
	"w4":   {UserID: "w4", Role: kawan.RoleWorker},
	"w5":   {UserID: "w5", Role: kawan.RoleWorker},
	"w6":   {UserID: "w6", Role: kawan.RoleWorker},
	"rep1": {UserID: "rep1", Role: kawan.RoleAgencyRep, AgencyID: "ag1"},
	"mod1": {UserID: "mod1", Role: kawan.RoleModerator},
	"mod2": {UserID: "mod2", Role: kawan.RoleModerator},
	"adm":  {UserID: "adm", Role: kawan.RoleAdmin},
}

func (e *env) client(t testing.TB) *apitest.Client {
	srv := api.New(api.Deps{Tokens: tokens},
		&api.ReviewsModule{Svc: e.rev, Fingerprint: func(c echo.Context) string { return c.Request().Header.Get("X-Test-FP") }},
		&api.ModerationModule{Svc: e.mod})
	return apitest.New(t, srv)
}

func review(overall int, text string) string {
	return fmt.Sprintf(`{"ratings":{"overall":%d,"fees_honesty":%d,"contract_match":%d,"treatment":%d,"support":%d},
	 "would_recommend":%v,"origin":"PH","destination":"SG","text":%q}`, overall, overall, max(overall-1, 1), overall, overall, overall >= 4, text)
}

type created struct{ ID, Status string }

func submit(t *testing.T, c *apitest.Client, agency, body string, headers ...string) created {
	t.Helper()
	r := c.Do("POST", "/v1/agencies/"+agency+"/reviews", body, headers...)
	if r.Status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	var out created
	r.JSON(t, &out)
	return out
}

func status(t *testing.T, e *env, id string) kawan.ReviewStatus {
	t.Helper()
	r, err := store.NewReviews(e.st.DB()).Review(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

const copyText = "Very good agency, they helped me a lot with my visa and my medical. Highly recommended to everyone who wants to work abroad!"

func TestModerationAPI(t *testing.T) {
	e := newEnv(t, moderation.Options{}, "ag1", "ag2")
	c := e.client(t)
	w1, w2, w3, w4, mod1, mod2 := c.As("w1"), c.As("w2"), c.As("w3"), c.As("w4"), c.As("mod1"), c.As("mod2")

	// An honest review with a phone number: published, the number never public.
	honest := submit(t, w1, "ag1", review(2, "The agency kept my passport for three months and charged 45,000 PHP. Call me on +63 917 123 4567 if you want details."))
	if honest.Status != "published" {
		t.Fatalf("honest review: %s", honest.Status)
	}
	for _, path := range []string{"/v1/agencies/ag1/reviews", "/v1/reviews?q=passport", "/v1/reviews/" + honest.ID} {
		r := c.Do("GET", path, nil)
		if r.Status != 200 || strings.Contains(string(r.Body), "917") || !strings.Contains(string(r.Body), "[removed]") ||
			!strings.Contains(string(r.Body), "45,000 PHP") {
			t.Errorf("GET %s: %d %s", path, r.Status, r.Body)
		}
	}
	if r := c.Do("GET", "/v1/reviews?q=4567", nil); !strings.Contains(string(r.Body), `"total":0`) {
		t.Errorf("phone number is searchable: %s", r.Body)
	}

	// Copy-paste from one device by three accounts: the later ones are held.
	first := submit(t, w2, "ag2", review(5, copyText), "X-Test-FP", "fp-farm")
	second := submit(t, w3, "ag2", review(5, strings.Replace(copyText, "a lot", "so much", 1)), "X-Test-FP", "fp-farm")
	third := submit(t, w4, "ag2", review(5, strings.Replace(copyText, "everyone", "all my friends", 1)), "X-Test-FP", "fp-farm")
	t.Logf("farm: %s %s %s", first.Status, second.Status, third.Status)
	if second.Status != "held" || third.Status != "held" {
		t.Fatalf("copy-paste farm not held: %s %s", second.Status, third.Status)
	}
	if r := c.Do("GET", "/v1/reviews/"+third.ID, nil); r.Status != http.StatusNotFound {
		t.Errorf("held review is public: %d", r.Status)
	}

	// The queue: moderators only, each signal with its reason.
	if r := w1.Do("GET", "/v1/moderation/queue", nil); r.Status != http.StatusForbidden {
		t.Errorf("worker sees the queue: %d", r.Status)
	}
	if r := c.Do("GET", "/v1/moderation/queue", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous sees the queue: %d", r.Status)
	}
	q := mod1.Do("GET", "/v1/moderation/queue?kind=held&per_page=10", nil)
	var page moderation.QueuePage
	q.JSON(t, &page)
	if q.Status != 200 || page.Total < 1 {
		t.Fatalf("queue: %d %s", q.Status, q.Body)
	}
	// The copies are one group: listed once, with every member (the first, published
	// before anything compared with it, included).
	var item moderation.QueueItem
	grouped := false
	for _, it := range page.Items {
		if it.ReviewID == third.ID {
			item = it
		}
		if it.Group != nil && slices.Contains(it.Group.Members, first.ID) && slices.Contains(it.Group.Members, third.ID) {
			grouped = true
		}
	}
	if !grouped {
		t.Errorf("the copies are not one group: %s", q.Body)
	}
	if item.ReviewID == "" {
		var d moderation.ItemDetail
		r := mod1.Do("GET", "/v1/moderation/reviews/"+third.ID, nil)
		r.JSON(t, &d)
		item = d.QueueItem
	}
	names := map[string]string{}
	for _, s := range item.Signals {
		names[s.Name] = s.Reason
	}
	if names[moderation.SigDuplicate] == "" || names[moderation.SigSharedFP] == "" || item.OriginalText == "" {
		t.Errorf("queue item lacks its reasons: %+v", item)
	}
	for _, bad := range []string{"?kind=spam", "?per_page=500", "?page=x", "?sort=age"} {
		if r := mod1.Do("GET", "/v1/moderation/queue"+bad, nil); r.Status != http.StatusBadRequest {
			t.Errorf("queue%s: %d", bad, r.Status)
		}
	}

	// Claims: one moderator at a time.
	if r := mod1.Do("POST", "/v1/moderation/reviews/"+third.ID+"/claim", nil); r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	if r := mod2.Do("POST", "/v1/moderation/reviews/"+third.ID+"/claim", nil); r.Status != http.StatusConflict {
		t.Errorf("second claim: %d", r.Status)
	}
	if r := mod2.Do("POST", "/v1/moderation/reviews/"+third.ID+"/decision", `{"action":"publish","reason":"meets_guidelines"}`); r.Status != http.StatusConflict {
		t.Errorf("decision on another's claim: %d", r.Status)
	}
	if r := mod1.Do("POST", "/v1/moderation/reviews/"+honest.ID+"/claim", nil); r.Status != http.StatusNotFound {
		t.Errorf("claim of an unqueued review: %d", r.Status)
	}

	// Bad decisions.
	for body, field := range map[string]string{
		`{"action":"delete","reason":"fake"}`:                                            "action",
		`{"action":"reject","reason":"meets_guidelines"}`:                                "reason",
		`{"action":"reject","reason":"because"}`:                                         "reason",
		`{"action":"reject","reason":"fake","extra":1}`:                                  "extra",
		`{"action":"reject","reason":"fake","note":"` + strings.Repeat("x", 1001) + `"}`: "note",
	} {
		r := mod1.Do("POST", "/v1/moderation/reviews/"+third.ID+"/decision", body)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("decision %s: %d %s", body, r.Status, r.Body)
		}
	}
	if r := mod1.Do("POST", "/v1/moderation/reviews/"+honest.ID+"/decision", `{"action":"reject","reason":"fake"}`); r.Status != http.StatusConflict {
		t.Errorf("reject a published review: %d", r.Status)
	}
	if r := mod1.Do("POST", "/v1/moderation/reviews/nope/decision", `{"action":"reject","reason":"fake"}`); r.Status != http.StatusNotFound {
		t.Errorf("unknown review: %d", r.Status)
	}
	if r := w1.Do("POST", "/v1/moderation/reviews/"+third.ID+"/decision", `{"action":"publish","reason":"meets_guidelines"}`); r.Status != http.StatusForbidden {
		t.Errorf("worker decides: %d", r.Status)
	}

	// mod1 rejects the copy; its original text is gone afterwards.
	r := mod1.Do("POST", "/v1/moderation/reviews/"+third.ID+"/decision", `{"action":"reject","reason":"fake","note":"copy of another review, same device; mail me at mod@example.org"}`)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"rejected"`) {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	flushScreening(t, e) // the screening's audit entry is written in moderation's next batch
	d := mod1.Do("GET", "/v1/moderation/reviews/"+third.ID, nil)
	var detail moderation.ItemDetail
	d.JSON(t, &detail)
	if d.Status != 200 || detail.OriginalText != "" || detail.Queued || len(detail.History) != 2 {
		t.Fatalf("detail after decision: %d %s", d.Status, d.Body)
	}
	h := detail.History[1]
	if h.ActorID != "mod1" || h.ActorRole != kawan.RoleModerator || h.From != "held" || h.To != "rejected" || h.Reason != "fake" ||
		h.FraudScore == nil || *h.FraudScore < 0.5 || strings.Contains(h.Note, "mod@example.org") {
		t.Errorf("audit entry: %+v", h)
	}
	if detail.History[0].Action != "review.screen" || detail.History[0].To != "held" || detail.History[0].ActorID != "" {
		t.Errorf("screening audit entry: %+v", detail.History[0])
	}
	// The audit log cannot be edited through the API.
	for _, m := range []string{"PUT", "DELETE", "PATCH", "POST"} {
		if r := c.As("adm").Do(m, "/v1/moderation/reviews/"+third.ID+"/history", `{}`); r.Status != http.StatusMethodNotAllowed && r.Status != http.StatusNotFound {
			t.Errorf("%s history: %d", m, r.Status)
		}
	}

	// The author sees the rejection, its reason and that it can be appealed (GET /v1/me/reviews).
	mine := func(cl *apitest.Client) map[string]reviews.OwnReview {
		t.Helper()
		r := cl.Do("GET", "/v1/me/reviews", nil)
		var out struct {
			Reviews []reviews.OwnReview `json:"reviews"`
			Total   int                 `json:"total"`
		}
		r.JSON(t, &out)
		if r.Status != 200 || out.Total != len(out.Reviews) {
			t.Fatalf("me/reviews: %d %s", r.Status, r.Body)
		}
		m := map[string]reviews.OwnReview{}
		for _, o := range out.Reviews {
			m[o.ID] = o
		}
		return m
	}
	if o := mine(w4)[third.ID]; o.Status != kawan.ReviewRejected || o.Reason != "fake" || o.Appeal != reviews.AppealAvailable {
		t.Errorf("author's view of the rejection: %+v", o)
	}
	if _, seen := mine(w1)[third.ID]; seen {
		t.Error("another worker's list shows the review")
	}
	if r := c.Do("GET", "/v1/me/reviews", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous me/reviews: %d", r.Status)
	}

	// Appeal: only the author, once per decision; the decision on appeal is final.
	if r := w1.Do("POST", "/v1/reviews/"+third.ID+"/appeal", `{"note":"I am real"}`); r.Status != http.StatusNotFound {
		t.Errorf("appeal by someone else: %d", r.Status)
	}
	if r := w4.Do("POST", "/v1/reviews/"+third.ID+"/appeal", `{"note":"I really went there"}`); r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"held"`) {
		t.Fatalf("appeal: %d %s", r.Status, r.Body)
	}
	if r := w4.Do("POST", "/v1/reviews/"+third.ID+"/appeal", `{}`); r.Status != http.StatusConflict {
		t.Errorf("second appeal while pending: %d", r.Status)
	}
	if o := mine(w4)[third.ID]; o.Status != kawan.ReviewHeld || o.Appeal != reviews.AppealPending || o.Reason != "" {
		t.Errorf("author's view of a pending appeal: %+v", o)
	}
	q = mod2.Do("GET", "/v1/moderation/queue?kind=appeal", nil)
	q.JSON(t, &page)
	if page.Total != 1 || page.Items[0].ReviewID != third.ID {
		t.Errorf("appeals queue: %s", q.Body)
	}
	if r := mod1.Do("POST", "/v1/moderation/reviews/"+third.ID+"/claim", nil); r.Status != 200 {
		t.Errorf("claim the appeal: %d", r.Status)
	}
	if r := mod1.Do("POST", "/v1/moderation/reviews/"+third.ID+"/claim", nil); r.Status != 200 {
		t.Errorf("renew the claim: %d", r.Status)
	}
	if r := mod2.Do("POST", "/v1/moderation/reviews/"+third.ID+"/decision", `{"action":"reject","reason":"duplicate"}`); r.Status != http.StatusConflict {
		t.Errorf("mod2 decides while mod1's lease is live: %d", r.Status)
	}
	if r := mod1.Do("DELETE", "/v1/moderation/reviews/"+third.ID+"/claim", nil); r.Status != http.StatusNoContent {
		t.Errorf("release: %d", r.Status)
	}
	if r := mod2.Do("POST", "/v1/moderation/reviews/"+third.ID+"/decision", `{"action":"reject","reason":"duplicate"}`); r.Status != 200 {
		t.Errorf("decision on appeal: %d %s", r.Status, r.Body)
	}
	if r := w4.Do("POST", "/v1/reviews/"+third.ID+"/appeal", `{}`); r.Status != http.StatusConflict {
		t.Errorf("appeal against the decision on appeal: %d", r.Status)
	}
	if o := mine(w4)[third.ID]; o.Status != kawan.ReviewRejected || o.Reason != "duplicate" || o.Appeal != reviews.AppealFinal {
		t.Errorf("author's view of the decision on appeal: %+v", o)
	}

	// Flags: reasons, once per account, not on one's own review; three put it under review.
	for body, field := range map[string]string{`{"reason":"boring"}`: "reason", `{}`: "reason", `{"reason":"fake","x":1}`: "x"} {
		r := w2.Do("POST", "/v1/reviews/"+honest.ID+"/flags", body)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("flag %s: %d %s", body, r.Status, r.Body)
		}
	}
	if r := w1.Do("POST", "/v1/reviews/"+honest.ID+"/flags", `{"reason":"fake"}`); r.Status != http.StatusConflict {
		t.Errorf("flag own review: %d", r.Status)
	}
	if r := c.Do("POST", "/v1/reviews/"+honest.ID+"/flags", `{"reason":"fake"}`); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous flag: %d", r.Status)
	}
	if r := w2.Do("POST", "/v1/reviews/"+third.ID+"/flags", `{"reason":"fake"}`); r.Status != http.StatusNotFound {
		t.Errorf("flag a rejected review: %d", r.Status)
	}
	for i, w := range []*apitest.Client{w2, w3, c.As("rep1")} {
		if r := w.Do("POST", "/v1/reviews/"+honest.ID+"/flags", `{"reason":"personal_info","note":"phone number"}`); r.Status != http.StatusCreated {
			t.Fatalf("flag %d: %d %s", i, r.Status, r.Body)
		}
		if i == 0 {
			if r := w.Do("POST", "/v1/reviews/"+honest.ID+"/flags", `{"reason":"fake"}`); r.Status != http.StatusConflict {
				t.Errorf("second flag: %d", r.Status)
			}
		}
	}
	if s := status(t, e, honest.ID); s != kawan.ReviewUnderReview {
		t.Fatalf("after 3 flags: %s", s)
	}
	if r := c.Do("GET", "/v1/reviews/"+honest.ID, nil); r.Status != http.StatusNotFound {
		t.Errorf("under-review review is public: %d", r.Status)
	}
	if r := mod2.Do("POST", "/v1/moderation/reviews/"+honest.ID+"/decision", `{"action":"verify","reason":"meets_guidelines"}`); r.Status != 200 {
		t.Fatalf("restore: %d %s", r.Status, r.Body)
	}
	if r := c.Do("GET", "/v1/reviews/"+honest.ID, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"verified":true`) {
		t.Errorf("restored review: %d %s", r.Status, r.Body)
	}

	// Transparency: public, aggregated.
	tr := c.Do("GET", "/v1/transparency", nil)
	var rep moderation.TransparencyReport
	tr.JSON(t, &rep)
	if tr.Status != 200 || len(rep.Periods) != 1 {
		t.Fatalf("transparency: %d %s", tr.Status, tr.Body)
	}
	p := rep.Periods[0]
	if p.Received != 4 || p.HeldAutomatically < 2 || p.Rejected != 2 || p.ByReason["rejected"]["fake"] != 1 || p.FlagsReceived != 3 ||
		p.FlagsHandled != 3 || p.MedianDecisionSeconds == nil || p.CaughtAutomaticallyShare == nil || p.Appeals != 1 {
		t.Errorf("transparency numbers: %s", tr.Body)
	}
	for _, s := range []string{"w1", "w2", "mod1", honest.ID, "ag1"} {
		if strings.Contains(string(tr.Body), `"`+s+`"`) {
			t.Errorf("transparency report names %s", s)
		}
	}
	for _, bad := range []string{"?from=2026-13", "?to=x", "?from=2020-01&to=2026-01", "?from=2026-05&to=2026-01", "?period=month"} {
		if r := c.Do("GET", "/v1/transparency"+bad, nil); r.Status != http.StatusBadRequest {
			t.Errorf("transparency%s: %d", bad, r.Status)
		}
	}
}

// Two moderators deciding the same held review at the same moment: exactly one wins, the
// other gets 409, and the audit log has exactly one decision.
func TestConcurrentDecisions(t *testing.T) {
	e := newEnv(t, moderation.Options{}, "ag1")
	c := e.client(t)
	var ids []string
	for _, w := range []string{"w1", "w2", "w3", "w4", "w5"} {
		ids = append(ids, submit(t, c.As(w), "ag1", review(5, copyText), "X-Test-FP", "same").ID)
	}
	// Two moderators claiming the same item at once: one lease.
	for _, id := range ids[2:] {
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, tok := range []string{"mod1", "mod2"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = c.As(tok).Do("POST", "/v1/moderation/reviews/"+id+"/claim", nil).Status
			}()
		}
		wg.Wait()
		if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
			t.Errorf("concurrent claims: %v", codes)
		}
		winner := "mod1"
		if codes[1] == 200 {
			winner = "mod2"
		}
		if r := c.As(winner).Do("DELETE", "/v1/moderation/reviews/"+id+"/claim", nil); r.Status != http.StatusNoContent {
			t.Errorf("release: %d", r.Status)
		}
	}
	for _, id := range ids[2:] {
		if s := status(t, e, id); s != kawan.ReviewHeld {
			t.Fatalf("setup: %s is %s", id, s)
		}
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, tok := range []string{"mod1", "mod2"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := `{"action":"publish","reason":"meets_guidelines"}`
				if i == 1 {
					body = `{"action":"reject","reason":"fake"}`
				}
				codes[i] = c.As(tok).Do("POST", "/v1/moderation/reviews/"+id+"/decision", body).Status
			}()
		}
		wg.Wait()
		if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
			t.Errorf("concurrent decisions: %v", codes)
		}
		h, err := e.audit.BySubject(context.Background(), "review:"+id, 100)
		if err != nil {
			t.Fatal(err)
		}
		decisions := 0
		for _, x := range h {
			if x.Action == "review.decision" {
				decisions++
			}
		}
		if decisions != 1 {
			t.Errorf("audit has %d decisions", decisions)
		}
	}
}

// Replies: PII redacted; threats held.
func TestReplyScreening(t *testing.T) {
	e := newEnv(t, moderation.Options{}, "ag1")
	c := e.client(t)
	id := submit(t, c.As("w1"), "ag1", review(3, "The fee was as announced but the employer in Singapore changed my contract after arrival.")).ID
	r := c.As("rep1").Do("POST", "/v1/reviews/"+id+"/reply", `{"text":"Please call our office on 0917 555 1234, we will help."}`)
	if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"published"`) {
		t.Fatalf("reply: %d %s", r.Status, r.Body)
	}
	g := c.Do("GET", "/v1/reviews/"+id, nil)
	if strings.Contains(string(g.Body), "555") || !strings.Contains(string(g.Body), "[removed]") {
		t.Errorf("reply PII public: %s", g.Body)
	}
	id2 := submit(t, c.As("w2"), "ag1", review(1, "They never paid the overtime in Singapore and the agency refused to talk to the employer about it.")).ID
	r = c.As("rep1").Do("POST", "/v1/reviews/"+id2+"/reply", `{"text":"Liar. I know where you live."}`)
	if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"held"`) {
		t.Fatalf("threatening reply: %d %s", r.Status, r.Body)
	}
	if r := c.As("w1").Do("GET", "/v1/moderation/replies", nil); r.Status != http.StatusForbidden {
		t.Errorf("worker lists replies: %d", r.Status)
	}
	l := c.As("mod1").Do("GET", "/v1/moderation/replies", nil)
	if l.Status != 200 || !strings.Contains(string(l.Body), id2) || strings.Contains(string(l.Body), id) {
		t.Fatalf("held replies: %d %s", l.Status, l.Body)
	}
	if r := c.As("mod1").Do("POST", "/v1/moderation/reviews/"+id2+"/reply/decision", `{"action":"remove","reason":"abusive"}`); r.Status != http.StatusBadRequest {
		t.Errorf("bad reply action: %d", r.Status)
	}
	if r := c.As("mod1").Do("POST", "/v1/moderation/reviews/"+id2+"/reply/decision", `{"action":"reject","reason":"abusive"}`); r.Status != 200 {
		t.Errorf("reject reply: %d %s", r.Status, r.Body)
	}
	if r := c.As("mod2").Do("POST", "/v1/moderation/reviews/"+id2+"/reply/decision", `{"action":"publish","reason":"meets_guidelines"}`); r.Status != http.StatusConflict {
		t.Errorf("second reply decision: %d", r.Status)
	}
	if g := c.Do("GET", "/v1/reviews/"+id2, nil); strings.Contains(string(g.Body), "Liar") {
		t.Errorf("rejected reply is public: %s", g.Body)
	}
}

// Without a screener every review is held; the moderation service is the decision point.
func TestScreenerIsTheDecisionPoint(t *testing.T) {
	e := newEnv(t, moderation.Options{Now: func() time.Time { return time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC) }}, "ag1")
	res, err := e.rev.Submit(context.Background(), "ag1", reviews.Author{UserID: "u1", ClientFP: "fp"}, reviews.Submission{
		Ratings:        reviews.RatingsInput{Overall: ptr(3), FeesHonesty: ptr(3), ContractMatch: ptr(3), Treatment: ptr(3), Support: ptr(3)},
		WouldRecommend: ptr(true), Text: "Write to me at someone@example.com about the agency, the fee was fine.",
	}, "")
	if err != nil || res.Status != kawan.ReviewPublished {
		t.Fatalf("submit: %v %+v", err, res)
	}
	r, _ := store.NewReviews(e.st.DB()).Review(context.Background(), res.ID)
	if strings.Contains(r.Text, "example.com") || !r.Moderation.Redacted || r.Moderation.OriginalText != "" {
		t.Errorf("stored review: %+v", r)
	}
	flushScreening(t, e)
	h, _ := e.audit.BySubject(context.Background(), "review:"+res.ID, 10)
	if len(h) != 1 || h[0].To != "published" || h[0].Reason != "auto_published" || !h[0].At.Equal(time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("audit: %+v", h)
	}
}

func ptr[T any](v T) *T { return &v }

// The agency's window computed from the stored state (entries expire after 61 days, each
// recorded once however often it is recorded) agrees with the plain computation over all
// submissions.
func TestAgencyWindowMatchesEvents(t *testing.T) {
	e := newEnv(t, moderation.Options{})
	st := store.NewModeration(e.st.DB())
	rnd := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var events []store.AgencyEvent
	for i := range 150 {
		at = at.Add(time.Duration(rnd.IntN(40*60)) * time.Minute)
		if i > 120 {
			at = at.Add(-time.Duration(rnd.IntN(30)) * time.Minute / 10) // a burst
		}
		o := 1 + rnd.IntN(5)
		events = append(events, store.AgencyEvent{At: at, Overall: o})
		subj := store.FraudSubject{ReviewID: fmt.Sprint("r", i), AgencyID: "agw", AuthorID: fmt.Sprint("u", i), At: at, Overall: o}
		state, err := st.ReadFraudState(context.Background(), subj)
		if err != nil {
			t.Fatal(err)
		}
		for range 1 + i%2 { // every other one recorded twice (a retry): no change
			if err := st.RecordFraudState(context.Background(), subj, state); err != nil {
				t.Fatal(err)
			}
		}
		got := moderation.WindowFromEvents(append(state.Agency, store.AgencyEvent{At: at, Overall: o}), at)
		want := moderation.WindowFromEvents(events, at)
		if got.Last24h != want.Last24h || got.Baseline != want.Baseline || got.Recent != want.Recent || got.RecentSum != want.RecentSum ||
			got.Before != want.Before || got.BeforeSum != want.BeforeSum || math.Abs(got.BaselineDays-want.BaselineDays) > 1e-9 {
			t.Fatalf("event %d: store %+v, events %+v", i, got, want)
		}
	}
}

// When the fraud signals cannot be computed the review is held and still reaches the queue.
func TestScreeningFailureHoldsInQueue(t *testing.T) {
	e := newEnv(t, moderation.Options{}, "ag1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &kawan.Review{ID: "rfail", AgencyID: "ag1", AuthorID: "u1", Text: "Call +63 917 123 4567 about the fee.", CreatedAt: time.Now()}
	v, err := e.scr.Assess(ctx, r)
	if err != nil || v.Status != kawan.ReviewHeld || v.HoldReasons[0] != "screening_failed" || strings.Contains(v.PublicText, "917") {
		t.Fatalf("verdict: %+v %v", v, err)
	}
	r.Status = v.Status
	if err := e.scr.Record(ctx, r, v); err != nil {
		t.Fatal(err)
	}
	if _, err := store.NewModeration(e.st.DB()).QueueEntry(context.Background(), "rfail"); err != nil {
		t.Errorf("not queued: %v", err)
	}
}

// TestQueueWaitingBeforeWatched: a review held for a threat (low fraud score) comes before a
// published review that is only watched, however high the watched one's score.
func TestQueueWaitingBeforeWatched(t *testing.T) {
	e := newEnv(t, moderation.Options{}, "ag1")
	c := e.client(t)
	threat := submit(t, c, "ag1", review(1, "I know where you live, watch out. They kept my passport and my salary for months."), "Authorization", "Bearer w1")
	watched := submit(t, c, "ag1", review(5, "The office in Manila explained the contract and the fees before I signed, and the job matched it."), "Authorization", "Bearer w2")
	if threat.Status != "held" || watched.Status != "published" {
		t.Fatalf("statuses %s, %s", threat.Status, watched.Status)
	}
	if err := store.NewModeration(e.st.DB()).Enqueue(context.Background(), store.QueueItem{ReviewID: watched.ID, AgencyID: "ag1",
		Kind: "watch", Status: kawan.ReviewPublished, FraudScore: 0.95, Since: time.Now().Add(-47 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	q, err := e.mod.Queue(context.Background(), tokens["mod1"], moderation.QueueQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, it := range q.Items {
		order = append(order, it.Kind+":"+it.ReviewID)
	}
	if len(q.Items) != 2 || q.Items[0].ReviewID != threat.ID || q.Items[1].ReviewID != watched.ID {
		t.Errorf("queue order %v, want the held threat %s first", order, threat.ID)
	}
	if q.Items[1].Priority <= q.Items[0].Priority {
		t.Logf("(the watched review's priority %.3f is higher; the held one still comes first)", q.Items[1].Priority)
	}
}

// TestDecisionConflictsSayWhy: a decision the review's status does not allow is ErrWrongState,
// one on a review another moderator claimed is ErrClaimed; both are kawan.ErrConflict (409),
// and ActionsFrom offers only what the status allows.
func TestDecisionConflictsSayWhy(t *testing.T) {
	e := newEnv(t, moderation.Options{}, "ag1")
	c := e.client(t)
	pub := submit(t, c, "ag1", review(4, "Fair agency: they charged what the receipt said and the employer in Singapore paid on time."), "Authorization", "Bearer w1")
	if pub.Status != "published" {
		t.Fatalf("status %s", pub.Status)
	}
	_, err := e.mod.Decide(context.Background(), tokens["mod1"], pub.ID, moderation.Decision{Action: moderation.ActionReject, Reason: moderation.ReasonFake})
	if !errors.Is(err, moderation.ErrWrongState) || !errors.Is(err, kawan.ErrConflict) || errors.Is(err, moderation.ErrClaimed) {
		t.Errorf("reject a published review: %v, want ErrWrongState", err)
	}
	if r := c.Do("POST", "/v1/moderation/reviews/"+pub.ID+"/decision", `{"action":"reject","reason":"fake"}`, "Authorization", "Bearer mod1"); r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "not possible from there") {
		t.Errorf("API: %d %s", r.Status, r.Body)
	}
	threat := submit(t, c, "ag1", review(1, "I know where you live, watch out. They kept my passport and my salary."), "Authorization", "Bearer w2")
	if _, err := e.mod.Claim(context.Background(), tokens["mod2"], threat.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.mod.Decide(context.Background(), tokens["mod1"], threat.ID, moderation.Decision{Action: moderation.ActionReject, Reason: moderation.ReasonAbusive})
	if !errors.Is(err, moderation.ErrClaimed) || !errors.Is(err, kawan.ErrConflict) || errors.Is(err, moderation.ErrWrongState) {
		t.Errorf("decide a claimed review: %v, want ErrClaimed", err)
	}
	for st, want := range map[kawan.ReviewStatus]string{
		kawan.ReviewHeld: "publish verify reject", kawan.ReviewUnderReview: "publish verify remove",
		kawan.ReviewPublished: "publish verify remove", kawan.ReviewRejected: "", kawan.ReviewRemoved: "",
	} {
		var got []string
		for _, a := range moderation.ActionsFrom(st) {
			got = append(got, string(a))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("ActionsFrom(%s) = %v, want %q", st, got, want)
		}
	}
}

// Five accounts flagging one review at the same moment: every flag is counted once (one
// atomic $inc per flag on the review, no recount from the flags), the review goes under
// review once, and the moderator's queue item shows the reasons without reading the flags.
func TestConcurrentFlagsCountOnce(t *testing.T) {
	e := newEnv(t, moderation.Options{}, "ag1")
	c := e.client(t)
	r := submit(t, c.As("w1"), "ag1", review(5, "The agency charged exactly the fee in the contract and the job in Singapore was as described."), "X-Test-FP", "fp-w1")
	if s := status(t, e, r.ID); s != kawan.ReviewPublished {
		t.Fatalf("setup: review is %s", s)
	}
	flaggers := []string{"w2", "w3", "w4", "w5", "w6"}
	reasons := []string{"fake", "fake", "personal_info", "personal_info", "personal_info"}
	if err := storetest.Concurrently(len(flaggers), func(i int) error {
		res := c.As(flaggers[i]).Do("POST", "/v1/reviews/"+r.ID+"/flags", `{"reason":"`+reasons[i]+`"}`)
		if res.Status != http.StatusCreated {
			return fmt.Errorf("flag by %s: %d %s", flaggers[i], res.Status, res.Body)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := store.NewReviews(e.st.DB()).Review(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != kawan.ReviewUnderReview || got.Moderation.FlagCount != 5 {
		t.Fatalf("after 5 flags at once: status %s, flag_count %d (want under_review, 5)", got.Status, got.Moderation.FlagCount)
	}
	h, err := e.audit.BySubject(context.Background(), "review:"+r.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for _, x := range h {
		if x.Action == "review.flagged" {
			flagged++
		}
	}
	if flagged != 1 {
		t.Errorf("%d review.flagged audit entries, want 1", flagged)
	}
	var q moderation.QueuePage
	c.As("mod1").Do("GET", "/v1/moderation/queue?kind=under_review", nil).JSON(t, &q)
	if len(q.Items) != 1 || q.Items[0].ReviewID != r.ID || q.Items[0].Flags != 5 ||
		q.Items[0].FlagReasons["fake"] != 2 || q.Items[0].FlagReasons["personal_info"] != 3 {
		t.Fatalf("queue: %+v", q.Items)
	}
	// Restored, the count starts again from zero; the reasons seen so far stay.
	if res := c.As("mod1").Do("POST", "/v1/moderation/reviews/"+r.ID+"/decision", `{"action":"publish","reason":"meets_guidelines"}`); res.Status != 200 {
		t.Fatalf("restore: %d %s", res.Status, res.Body)
	}
	if res := c.As("rep1").Do("POST", "/v1/reviews/"+r.ID+"/flags", `{"reason":"other"}`); res.Status != http.StatusCreated {
		t.Fatalf("flag after restore: %d %s", res.Status, res.Body)
	}
	got, _ = store.NewReviews(e.st.DB()).Review(context.Background(), r.ID)
	if got.Status != kawan.ReviewPublished || got.Moderation.FlagCount != 1 || got.Moderation.FlagReasons["other"] != 1 || got.Moderation.FlagReasons["fake"] != 2 {
		t.Errorf("after restore and one flag: %s, count %d, reasons %v", got.Status, got.Moderation.FlagCount, got.Moderation.FlagReasons)
	}
}

// TestQueueCache: with Options.QueueCache, listings reuse one read of the queue for that
// long: a review a moderator decides leaves the listing at once, a review queued meanwhile
// appears once the read is older than the cache; without it every listing reads the queue.
func TestQueueCache(t *testing.T) {
	listed := func(t *testing.T, e *env) []string {
		t.Helper()
		q, err := e.mod.Queue(context.Background(), tokens["mod1"], moderation.QueueQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range q.Items {
			ids = append(ids, it.ReviewID)
		}
		slices.Sort(ids)
		return ids
	}
	threat := func(i int) string {
		return review(1, []string{
			"I know where you live, watch out. They kept my passport and my salary for months.",
			"I know where you live, watch out. The broker in Dhaka took 300,000 taka from me and lied about the job.",
			"I know where you live, watch out. No salary for four months in the Riyadh camp, and no day off at all.",
		}[i-1])
	}
	for _, ttl := range []time.Duration{0, 300 * time.Millisecond} {
		t.Run(ttl.String(), func(t *testing.T) {
			e := newEnv(t, moderation.Options{QueueCache: ttl}, "ag1")
			c := e.client(t)
			a := submit(t, c, "ag1", threat(1), "Authorization", "Bearer w1")
			b := submit(t, c, "ag1", threat(2), "Authorization", "Bearer w2")
			if got := listed(t, e); len(got) != 2 {
				t.Fatalf("queue %v, want %s (%s) and %s (%s)", got, a.ID, a.Status, b.ID, b.Status)
			}
			if _, err := e.mod.Decide(context.Background(), tokens["mod1"], a.ID, moderation.Decision{Action: moderation.ActionReject, Reason: moderation.ReasonAbusive}); err != nil {
				t.Fatal(err)
			}
			nw := submit(t, c, "ag1", threat(3), "Authorization", "Bearer w3")
			got := listed(t, e)
			if slices.Contains(got, a.ID) {
				t.Errorf("the decided review %s is still listed: %v", a.ID, got)
			}
			if ttl == 0 && !slices.Contains(got, nw.ID) {
				t.Errorf("without a cache the new review %s is not listed: %v", nw.ID, got)
			}
			if ttl > 0 && slices.Contains(got, nw.ID) {
				t.Errorf("the new review %s is listed before the cached read aged: %v", nw.ID, got)
			}
			time.Sleep(ttl)
			if got := listed(t, e); !slices.Contains(got, nw.ID) || slices.Contains(got, a.ID) || !slices.Contains(got, b.ID) {
				t.Errorf("after %v: %v, want %s and %s", ttl, got, b.ID, nw.ID)
			}
		})
	}
}

package frontend_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/auth"
)

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post submits a form as a browser would, with the CSRF token from the page at from.
func (s *site) post(c *http.Client, from, action string, form url.Values) page {
	s.t.Helper()
	if from != "" {
		p := s.get(c, from)
		m := csrfRE.FindStringSubmatch(p.body)
		if m == nil {
			s.t.Fatalf("no CSRF token on %s (status %d)", from, p.status)
		}
		form.Set("csrf", m[1])
	}
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	res, err := c.Do(req)
	if err != nil {
		s.t.Fatalf("POST %s: %v", action, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (s *site) needAuth(t *testing.T) {
	if s.app.Auth == nil || s.app.Moderation == nil {
		t.Skip("auth or moderation area not wired")
	}
}

// register creates a worker account through the form and returns its signed-in client.
func (s *site) register(t *testing.T, name string) *http.Client {
	t.Helper()
	c := s.client()
	p := s.post(c, "/register", "/register", url.Values{"username": {name}, "password": {"correct horse battery"},
		"password2": {"correct horse battery"}, "next": {"/account"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/account?welcome=1" {
		t.Fatalf("register %s: %d %s\n%s", name, p.status, p.header.Get("Location"), p.body)
	}
	return c
}

func TestAccountFlow(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	s.needAuth(t)

	// Signed out, the account page sends you to sign in and back.
	p := s.get(nil, "/account")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/signin?next=%2Faccount" {
		t.Fatalf("anonymous /account: %d %q", p.status, p.header.Get("Location"))
	}
	// A form without its CSRF token is refused.
	if p := s.post(s.client(), "", "/register", url.Values{"username": {"x"}}); p.status != http.StatusForbidden {
		t.Errorf("register without CSRF: %d", p.status)
	}
	// Bad input: the form comes back with what was typed and a message by each field.
	c := s.client()
	p = s.post(c, "/register?lang=ne", "/register", url.Values{"username": {"ab"}, "password": {"short"}, "password2": {"short"},
		"email": {"not-an-email"}})
	if p.status != http.StatusBadRequest {
		t.Fatalf("bad register: %d", p.status)
	}
	for _, want := range []string{`value="ab"`, `value="not-an-email"`, `aria-invalid="true"`, "अर्को प्रयोगकर्ता नाम छान्नुहोस्"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("bad register page lacks %q", want)
		}
	}
	p = s.post(s.client(), "/register", "/register", url.Values{"username": {"rita2026"}, "password": {"correct horse battery"}, "password2": {"different one here"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "The two passwords are not the same.") || !strings.Contains(p.body, `value="rita2026"`) {
		t.Errorf("mismatched passwords: %d\n%s", p.status, p.body)
	}
	// Every problem at once, not one per try: the mismatch, the username and the e-mail.
	p = s.post(s.client(), "/register", "/register", url.Values{"username": {"ab"}, "password": {"correct horse battery"},
		"password2": {"different one here"}, "email": {"not-an-email"}})
	for _, f := range []string{"username-err", "email-err", "password2-err"} {
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="`+f+`"`) {
			t.Errorf("sign-up with three problems: %d, no %s\n%s", p.status, f, p.body)
		}
	}

	// Register: session cookies are HttpOnly and SameSite=Lax, and the account page works.
	c = s.register(t, "rita2026")
	u, _ := url.Parse(s.srv.URL)
	var names []string
	for _, ck := range c.Jar.Cookies(u) {
		names = append(names, ck.Name)
	}
	if !strings.Contains(strings.Join(names, ","), "kawan_at") || !strings.Contains(strings.Join(names, ","), "kawan_rt") {
		t.Fatalf("session cookies: %v", names)
	}
	p = s.get(c, "/account?welcome=1")
	if p.status != 200 || !strings.Contains(p.body, "rita2026") || !strings.Contains(p.body, "Worker") {
		t.Fatalf("account page: %d", p.status)
	}
	// Just signed up: the next steps, each a link.
	for _, want := range []string{"Your account is ready", `href="/agencies">Write a review`, `href="/licence"`, `href="/account/reviews"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("welcome lacks %q", want)
		}
	}
	// The session cookie is not an API credential.
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/v1/me", nil)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/v1/me with only the session cookie: %d", res.StatusCode)
	}
	// A taken username says so.
	p = s.post(s.client(), "/register", "/register", url.Values{"username": {"rita2026"}, "password": {"correct horse battery"}, "password2": {"correct horse battery"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "This username is taken.") {
		t.Errorf("taken username: %d", p.status)
	}

	// Export: a JSON file of the account.
	ex := s.get(c, "/account/export")
	var data map[string]any
	if ex.status != 200 || !strings.Contains(ex.header.Get("Content-Disposition"), "attachment") || json.Unmarshal([]byte(ex.body), &data) != nil {
		t.Fatalf("export: %d %s", ex.status, ex.body[:min(200, len(ex.body))])
	}
	if !strings.Contains(ex.body, "rita2026") || strings.Contains(ex.body, "argon2") {
		t.Error("export lacks the username or leaks the password hash")
	}

	// Sign out, sign in with a wrong password (message, username kept), then the right one.
	if p := s.post(c, "/account", "/signout", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("signout: %d", p.status)
	}
	if p := s.get(c, "/account"); p.status != http.StatusSeeOther {
		t.Fatalf("after signout /account: %d", p.status)
	}
	p = s.post(c, "/signin", "/signin", url.Values{"username": {"rita2026"}, "password": {"wrong password!"}})
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "The username or password is wrong.") || !strings.Contains(p.body, `value="rita2026"`) {
		t.Fatalf("wrong password: %d", p.status)
	}
	p = s.post(c, "/signin", "/signin", url.Values{"username": {"rita2026"}, "password": {"correct horse battery"}, "next": {"//evil.example"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/account" {
		t.Fatalf("sign in: %d %q", p.status, p.header.Get("Location"))
	}

	// Delete: a wrong password keeps the account; the right one erases it.
	p = s.post(c, "/account", "/account/delete", url.Values{"password": {"nope nope nope"}, "reviews": {"remove"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "This is not your password.") || !strings.Contains(p.body, `value="remove" checked`) {
		t.Fatalf("delete with wrong password: %d", p.status)
	}
	p = s.post(c, "/account", "/account/delete", url.Values{"password": {"correct horse battery"}, "reviews": {"anonymise"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", p.status, p.body)
	}
	if _, err := s.app.Auth.Login(context.Background(), "rita2026", "correct horse battery", auth.Client{}); err == nil {
		t.Error("erased account can still sign in")
	}
}

// TestReviewFlow: a worker writes a review with a <script> and a phone number in it,
// sees its status, a moderator approves it in the console, and the profile shows it
// escaped and redacted; the worker marks another review helpful and flags one.
func TestReviewFlow(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	s.needAuth(t)
	ids := s.seedAgencies(t)
	s.seedReviews(t, ids.himalaya, 4)
	c := s.register(t, "maya2026")
	form := "/agencies/" + ids.himalaya + "/review?lang=ne"

	// Mistakes come back with everything typed kept and a message by each field.
	bad := url.Values{"ratings.overall": {"5"}, "would_recommend": {"yes"}, "fees_paid.amount": {"१,५०,०००abc"},
		"fees_paid.currency": {"NPR"}, "text": {"मेरो अनुभव राम्रो थियो"}, "lang": {"ne"}}
	p := s.post(c, form, "/agencies/"+ids.himalaya+"/review", bad)
	if p.status != http.StatusBadRequest {
		t.Fatalf("bad review: %d", p.status)
	}
	for _, want := range []string{"मेरो अनुभव राम्रो थियो", `value="१,५०,०००abc"`, `id="overall-5" name="ratings.overall" value="5" checked`,
		"१ देखि ५ सम्मको अङ्क छान्नुहोस्", "रकम अङ्कमा मात्र लेख्नुहोस्"} {
		if !strings.Contains(p.body, want) && !strings.Contains(html.UnescapeString(p.body), want) {
			t.Errorf("re-rendered review form lacks %q", want)
		}
	}

	// The heading names the agency as it is written, out of reach of page translation, in
	// every language.
	for _, lang := range []string{"th", "my", "en"} {
		f := s.get(c, "/agencies/"+ids.himalaya+"/review?lang="+lang)
		h1 := f.body[strings.Index(f.body, "<h1>"):]
		h1 = h1[:strings.Index(h1, "</h1>")]
		if !regexp.MustCompile(`<span translate="no">[^<]+</span>`).MatchString(h1) {
			t.Errorf("%s: review form heading %q does not keep the agency's name from translation", lang, h1)
		}
	}

	s.get(c, "/lang?lang=en") // back to English for the rest
	// A good review (amount in Devanagari digits with Nepali grouping).
	text := `Ram at the office took 200000 rupees. Call him on +977 9812345678 <script>alert(1)</script> before you pay.`
	good := url.Values{"ratings.overall": {"2"}, "ratings.fees_honesty": {"1"}, "ratings.contract_match": {"3"}, "ratings.treatment": {"2"},
		"ratings.support": {"2"}, "would_recommend": {"no"}, "origin": {"NP"}, "destination": {"QA"}, "sector": {"construction"},
		"departure_year": {"2024"}, "fees_paid.amount": {"२,००,०००"}, "fees_paid.currency": {"NPR"}, "text": {text}, "lang": {"en"}}
	p = s.post(c, form, "/agencies/"+ids.himalaya+"/review", good)
	if p.status != http.StatusSeeOther {
		t.Fatalf("review: %d\n%s", p.status, p.body)
	}
	loc := p.header.Get("Location")
	sent := s.get(c, loc)
	if sent.status != 200 || !strings.Contains(sent.body, `id="status"`) {
		t.Fatalf("status page %s: %d", loc, sent.status)
	}
	m := regexp.MustCompile(`review=([a-z0-9]+)`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("no review id in %s", loc)
	}
	reviewID := m[1]
	held := strings.Contains(loc, "status=held")
	if held != strings.Contains(sent.body, "waiting for a moderator") {
		t.Errorf("status page does not match %s", loc)
	}

	// A moderator finds it in the console (held) or verifies it (published), with signals.
	if _, err := s.app.Auth.CreateUser(context.Background(), auth.Registration{Username: "mod2026", Password: "moderator pass 2026"}, kawan.RoleModerator, "", false); err != nil {
		t.Fatal(err)
	}
	mc := s.client()
	if p := s.post(mc, "/signin", "/signin", url.Values{"username": {"mod2026"}, "password": {"moderator pass 2026"}, "next": {"/moderation"}}); p.status != http.StatusSeeOther {
		t.Fatalf("moderator sign in: %d", p.status)
	}
	// Workers may not open the console.
	if p := s.get(c, "/moderation"); p.status != http.StatusForbidden {
		t.Errorf("worker on /moderation: %d", p.status)
	}
	q := s.get(mc, "/moderation")
	if q.status != 200 {
		t.Fatalf("console: %d", q.status)
	}
	if held && (!strings.Contains(q.body, "/moderation/reviews/"+reviewID) || !strings.Contains(q.body, `translate="no">Himalaya Manpower Pvt. Ltd.</a>`)) {
		t.Errorf("held review not in the queue, or without its agency's name")
	}
	item := s.get(mc, "/moderation/reviews/"+reviewID)
	if item.status != 200 || strings.Contains(item.body, "<script>alert(1)</script>") || !strings.Contains(item.body, "&lt;script&gt;") {
		t.Fatalf("item page: %d (script must be escaped)", item.status)
	}
	// A reason that does not fit the action: the form comes back, the note kept.
	p = s.post(mc, "/moderation/reviews/"+reviewID, "/moderation/reviews/"+reviewID+"/decision", url.Values{"action": {"verify"}, "reason": {"spam"}, "note": {"looked at the receipt"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "looked at the receipt") {
		t.Errorf("bad decision: %d", p.status)
	}
	p = s.post(mc, "/moderation/reviews/"+reviewID, "/moderation/reviews/"+reviewID+"/decision", url.Values{"action": {"verify"}, "reason": {"meets_guidelines"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("decision: %d\n%s", p.status, p.body)
	}
	h := s.get(mc, "/moderation/reviews/"+reviewID)
	if !strings.Contains(h.body, "meets_guidelines") {
		t.Error("history lacks the decision")
	}
	// Published now: the page names the agency, offers only what a published review allows,
	// and says nothing about being held.
	if !strings.Contains(h.body, `translate="no">Himalaya Manpower Pvt. Ltd.</a>`) || strings.Contains(h.body, `id="a-reject"`) ||
		!strings.Contains(h.body, `id="a-remove"`) || strings.Contains(h.body, "Held because") {
		t.Errorf("published item page: agency, actions or hold reasons wrong:\n%s", h.body)
	}
	// A reject from a stale form: 409, and the page says why (not "another moderator").
	p = s.post(mc, "/moderation/reviews/"+reviewID, "/moderation/reviews/"+reviewID+"/decision", url.Values{"action": {"reject"}, "reason": {"fake"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "This review is Published, so that decision is not possible.") {
		t.Errorf("reject a published review: %d\n%s", p.status, p.body)
	}

	// The profile shows it: script escaped, phone number redacted, fee in local digits.
	prof := s.get(c, "/agencies/"+ids.himalaya+"?lang=ne")
	s.get(c, "/lang?lang=en")
	if !strings.Contains(prof.body, `id="r-`+reviewID+`"`) {
		t.Fatalf("published review not on the profile")
	}
	if strings.Contains(prof.body, "<script>alert") || strings.Contains(prof.body, "9812345678") {
		t.Errorf("review rendered unsafe or unredacted")
	}
	if !strings.Contains(prof.body, "NPR\u00a0२,००,०००.००") {
		t.Errorf("fee not shown in Nepali digits")
	}

	// Helpful on someone else's review, then flag it.
	other := regexp.MustCompile(`action="/reviews/([a-z0-9]+)/helpful"`).FindAllStringSubmatch(prof.body, -1)
	var otherID string
	for _, o := range other {
		if o[1] != reviewID {
			otherID = o[1]
		}
	}
	if otherID == "" {
		t.Fatal("no helpful button on the seeded review")
	}
	p = s.post(c, "/agencies/"+ids.himalaya, "/reviews/"+otherID+"/helpful", url.Values{"back": {"/agencies/" + ids.himalaya}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/agencies/"+ids.himalaya+"#r-"+otherID {
		t.Fatalf("helpful: %d %q", p.status, p.header.Get("Location"))
	}
	if prof := s.get(c, "/agencies/"+ids.himalaya); !strings.Contains(prof.body, "1 person found this helpful") {
		t.Errorf("helpful count not shown:\n%s", prof.body)
	}
	p = s.post(c, "/reviews/"+otherID+"/flag?back=/agencies/"+ids.himalaya, "/reviews/"+otherID+"/flag", url.Values{"note": {"typed this"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "typed this") {
		t.Errorf("flag without reason: %d", p.status)
	}
	p = s.post(c, "/reviews/"+otherID+"/flag", "/reviews/"+otherID+"/flag", url.Values{"reason": {"fake"}})
	if p.status != 200 || !strings.Contains(p.body, "A moderator will look at it.") {
		t.Errorf("flag: %d %v\n%s", p.status, p.header, p.body)
	}

	// The public transparency report counts it.
	if tr := s.get(nil, "/transparency"); tr.status != 200 || !strings.Contains(tr.body, "<caption id=\"tr-caption\">") {
		t.Errorf("transparency: %d", tr.status)
	}
	if tr := s.get(nil, "/transparency?from=bad"); tr.status != http.StatusBadRequest || !strings.Contains(tr.body, `value="bad"`) {
		t.Errorf("transparency bad month: %d", tr.status)
	}
}

// TestMyReviewsFlow: a worker sees their review's status on "My reviews"; after a moderator
// rejects it, the page shows the reason and an appeal form; the appeal is sent once, and the
// page then says a moderator will look again. Nobody else can appeal it.
func TestMyReviewsFlow(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	s.needAuth(t)
	ids := s.seedAgencies(t)
	c := s.register(t, "lina2026")
	if p := s.get(c, "/account/reviews"); p.status != 200 || !strings.Contains(p.body, "You have not written a review yet.") {
		t.Fatalf("empty list: %d\n%s", p.status, p.body)
	}
	if acc := s.get(c, "/account"); !strings.Contains(acc.body, `href="/account/reviews"`) {
		t.Error("the account page does not link to My reviews")
	}
	good := url.Values{"ratings.overall": {"4"}, "ratings.fees_honesty": {"4"}, "ratings.contract_match": {"4"}, "ratings.treatment": {"4"},
		"ratings.support": {"4"}, "would_recommend": {"yes"}, "origin": {"NP"}, "destination": {"QA"}, "sector": {"construction"},
		"departure_year": {"2025"}, "text": {"The office explained the contract and the job matched it. Training before departure was useful."}, "lang": {"en"}}
	p := s.post(c, "/agencies/"+ids.himalaya+"/review", "/agencies/"+ids.himalaya+"/review", good)
	if p.status != http.StatusSeeOther {
		t.Fatalf("review: %d\n%s", p.status, p.body)
	}
	m := regexp.MustCompile(`review=([a-z0-9]+)`).FindStringSubmatch(p.header.Get("Location"))
	if m == nil {
		t.Fatalf("no review id in %s", p.header.Get("Location"))
	}
	id := m[1]
	if sent := s.get(c, p.header.Get("Location")); !strings.Contains(sent.body, `href="/account/reviews#r-`+id+`"`) {
		t.Error("the sent page does not link to My reviews")
	}
	mine := s.get(c, "/account/reviews")
	if mine.status != 200 || !strings.Contains(mine.body, `id="r-`+id+`"`) || !strings.Contains(mine.body, "Himalaya") ||
		(!strings.Contains(mine.body, "Waiting for a moderator") && !strings.Contains(mine.body, ">Published<")) {
		t.Fatalf("my reviews after sending: %d\n%s", mine.status, mine.body)
	}
	if strings.Contains(mine.body, "/appeal") {
		t.Error("appeal offered before any decision")
	}

	// A moderator rejects it as off topic.
	if _, err := s.app.Auth.CreateUser(context.Background(), auth.Registration{Username: "mod2027", Password: "moderator pass 2027"}, kawan.RoleModerator, "", false); err != nil {
		t.Fatal(err)
	}
	mc := s.client()
	if p := s.post(mc, "/signin", "/signin", url.Values{"username": {"mod2027"}, "password": {"moderator pass 2027"}, "next": {"/moderation"}}); p.status != http.StatusSeeOther {
		t.Fatalf("moderator sign in: %d", p.status)
	}
	action := "reject"
	if strings.Contains(mine.body, ">Published<") {
		action = "remove"
	}
	if p := s.post(mc, "/moderation/reviews/"+id, "/moderation/reviews/"+id+"/decision", url.Values{"action": {action}, "reason": {"off_topic"}}); p.status != http.StatusSeeOther {
		t.Fatalf("decision: %d\n%s", p.status, p.body)
	}
	mine = s.get(c, "/account/reviews")
	if !strings.Contains(mine.body, "Off topic") || !strings.Contains(mine.body, `action="/account/reviews/`+id+`/appeal"`) ||
		(!strings.Contains(mine.body, ">Rejected<") && !strings.Contains(mine.body, ">Removed<")) {
		t.Fatalf("my reviews after the decision:\n%s", mine.body)
	}

	// Someone else cannot appeal it; a too-long note comes back with a message, typed text kept.
	other := s.register(t, "omar2026")
	if p := s.post(other, "/account", "/account/reviews/"+id+"/appeal", url.Values{"note": {"mine"}}); p.status != http.StatusNotFound {
		t.Errorf("appeal by another worker: %d", p.status)
	}
	long := strings.Repeat("why ", 300)
	if p := s.post(c, "/account/reviews", "/account/reviews/"+id+"/appeal", url.Values{"note": {long}}); p.status != http.StatusBadRequest ||
		!strings.Contains(p.body, "at most 1000 characters") || !strings.Contains(p.body, "why why why") {
		t.Errorf("long appeal note: %d", p.status)
	}
	p = s.post(c, "/account/reviews", "/account/reviews/"+id+"/appeal", url.Values{"note": {"It is about this agency: I went to Qatar with them."}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/account/reviews?appealed="+id) {
		t.Fatalf("appeal: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	mine = s.get(c, p.header.Get("Location"))
	if !strings.Contains(mine.body, "Another moderator will check your review again.") || !strings.Contains(mine.body, "You asked for another check.") ||
		strings.Contains(mine.body, `/appeal"`) {
		t.Errorf("my reviews after the appeal:\n%s", mine.body)
	}
	// Pressing the button again (an old tab) lands on the list, not an error page.
	if p := s.post(c, "/account", "/account/reviews/"+id+"/appeal", url.Values{}); p.status != http.StatusSeeOther {
		t.Errorf("second appeal: %d", p.status)
	}
}

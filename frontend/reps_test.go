package frontend_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/reviews"
	"github.com/kawan-labs/kawan/store"
)

// signInAs creates an account with role (bound to agencyID for a representative) and
// signs it in through the sign-in form.
func (s *site) signInAs(t *testing.T, name string, role kawan.Role, agencyID string) *http.Client {
	t.Helper()
	if _, err := s.app.Auth.CreateUser(context.Background(), auth.Registration{Username: name, Password: "fixture pass 2026"}, role, agencyID, true); err != nil {
		t.Fatal(err)
	}
	c := s.client()
	if p := s.post(c, "/signin", "/signin", url.Values{"username": {name}, "password": {"fixture pass 2026"}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", name, p.status)
	}
	return c
}

func (s *site) reviewIDs(t *testing.T, agencyID string) []string {
	t.Helper()
	page, err := s.app.Reviews.List(context.Background(), reviews.ListQuery{AgencyID: agencyID, PerPage: 20})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range page.Items {
		ids = append(ids, d.ID)
	}
	return ids
}

func TestAgencyRepresentativeFlow(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	s.needAuth(t)
	ids := s.seedAgencies(t)
	s.seedReviews(t, ids.himalaya, 5, 2)
	reviewIDs := s.reviewIDs(t, ids.himalaya)
	if len(reviewIDs) != 2 {
		t.Fatalf("seeded reviews: %v", reviewIDs)
	}
	rep := s.signInAs(t, "himalayarep", kawan.RoleAgencyRep, ids.himalaya)

	// The account page names the agency and the representation's status, in Nepali.
	p := s.get(rep, "/account?lang=ne")
	for _, want := range []string{`id="rep-agency"`, "Himalaya Manpower Pvt. Ltd.", `href="/agencies/` + ids.himalaya + `"`, "स्वीकृत", "तपाईंले प्रतिनिधित्व गर्ने एजेन्सी"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("rep account page lacks %q", want)
		}
	}

	// Their agency's page: no "Write a review" link but the reason; a reply form per review,
	// its language defaulting to the page's.
	p = s.get(rep, "/agencies/"+ids.himalaya+"?lang=ne")
	if strings.Contains(p.body, `/agencies/`+ids.himalaya+`/review"`) {
		t.Error("representative is offered the review form for their own agency")
	}
	if !strings.Contains(p.body, `id="write-refused">तपाईं यो एजेन्सीको प्रतिनिधि हुनुहुन्छ`) {
		t.Errorf("no Nepali explanation why the representative cannot review")
	}
	for _, id := range reviewIDs {
		if !strings.Contains(p.body, `action="/reviews/`+id+`/reply"`) {
			t.Errorf("no reply form for review %s", id)
		}
	}
	if !strings.Contains(p.body, `<option value="ne" lang="ne" selected>`) {
		t.Error("reply language does not default to the page language")
	}
	// Another agency's page: neither a reply form nor a review link.
	p = s.get(rep, "/agencies/"+ids.everest+"?lang=en")
	if strings.Contains(p.body, "/reply\"") || strings.Contains(p.body, "/review\"") || !strings.Contains(p.body, "Accounts that represent an agency cannot write reviews.") {
		t.Error("another agency's page offers the representative a form, or does not say why not")
	}

	// A direct post of the review form: a clear 403 in the page language, never "reload".
	p = s.post(rep, "/agencies/"+ids.himalaya+"?lang=ne", "/agencies/"+ids.himalaya+"/review", url.Values{"ratings.overall": {"5"}, "text": {"best agency"}})
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "तपाईं यो एजेन्सीको प्रतिनिधि हुनुहुन्छ") || strings.Contains(p.body, "reload") {
		t.Errorf("direct review post by the representative: %d\n%s", p.status, p.body)
	}
	if g := s.get(rep, "/agencies/"+ids.himalaya+"/review?lang=en"); g.status != http.StatusForbidden || !strings.Contains(g.body, "You represent this agency") {
		t.Errorf("review form for the representative: %d", g.status)
	}

	// Replies: empty text comes back with a message; a Nepali reply is published with its
	// language and shown with lang="ne"; a second reply is refused with a reason.
	from := "/agencies/" + ids.himalaya + "?lang=ne"
	p = s.post(rep, from, "/reviews/"+reviewIDs[0]+"/reply", url.Values{"text": {"  "}, "lang": {"ne"}, "back": {"/agencies/" + ids.himalaya}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="text-err"`) {
		t.Errorf("empty reply: %d", p.status)
	}
	p = s.post(rep, from, "/reviews/"+reviewIDs[0]+"/reply", url.Values{"text": {"हामीले सबै राहदानी फिर्ता गरेका छौं। धन्यवाद।"}, "lang": {"ne"},
		"back": {"/agencies/" + ids.himalaya + "#r-" + reviewIDs[0]}})
	loc := p.header.Get("Location")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/reviews/"+reviewIDs[0]+"/reply?") {
		t.Fatalf("reply: %d %q\n%s", p.status, loc, p.body)
	}
	sent := s.get(rep, loc)
	if !strings.Contains(sent.body, `id="status"`) || !strings.Contains(sent.body, `href="/agencies/`+ids.himalaya+`#r-`+reviewIDs[0]+`"`) {
		t.Errorf("reply status page:\n%s", sent.body)
	}
	if !strings.Contains(loc, "sent=published") {
		t.Errorf("a clean reply was held: %s", loc)
	}
	anon := s.get(nil, "/agencies/"+ids.himalaya+"?lang=en")
	if !strings.Contains(anon.body, `<div class="reply" lang="ne"><p lang="en"><strong>Reply from the agency</strong>`) ||
		!strings.Contains(anon.body, "हामीले सबै राहदानी फिर्ता गरेका छौं") {
		t.Errorf("published reply not shown with its language on the public page")
	}
	p = s.post(rep, from, "/reviews/"+reviewIDs[0]+"/reply", url.Values{"text": {"Again"}, "lang": {"en"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "जवाफ दिइसकेको छ") {
		t.Errorf("second reply: %d\n%s", p.status, p.body)
	}
	// The JSON API records the language too (the same service).
	d, err := s.app.Reviews.Review(context.Background(), reviewIDs[0])
	if err != nil || d.Reply == nil || d.Reply.Lang != "ne" {
		t.Errorf("reply as the API shows it: %+v %v", d.Reply, err)
	}

	// A reply held for a moderator: the representative sees that, not a form to be refused.
	held := kawan.Reply{Text: "Held reply text.", AuthorID: "x", Lang: "en", Status: kawan.ReviewHeld, CreatedAt: time.Now().UTC()}
	if err := store.NewReviews(s.app.Store.DB()).SetReply(context.Background(), reviewIDs[1], ids.himalaya, held); err != nil {
		t.Fatal(err)
	}
	p = s.get(rep, "/agencies/"+ids.himalaya+"?lang=en")
	if !strings.Contains(p.body, `id="reply-status-`+reviewIDs[1]+`">Your agency&#39;s reply to this review is waiting for a moderator.`) ||
		strings.Contains(p.body, `action="/reviews/`+reviewIDs[1]+`/reply"`) || strings.Contains(p.body, "Held reply text.") {
		t.Error("a held reply is not shown to the representative as waiting")
	}

	// A worker who asked to represent an agency sees the claim and its status.
	claimant, err := s.app.Auth.CreateUser(context.Background(), auth.Registration{Username: "claimant", Password: "fixture pass 2026"}, kawan.RoleWorker, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.app.Auth.RequestClaim(context.Background(), claimant.Principal(""), ids.everest, "Office manager, call the Pokhara office", auth.Client{Addr: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	cc := s.client()
	if p := s.post(cc, "/signin", "/signin", url.Values{"username": {"claimant"}, "password": {"fixture pass 2026"}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign in claimant: %d", p.status)
	}
	p = s.get(cc, "/account?lang=en")
	if !strings.Contains(p.body, "Your requests to represent an agency") || !strings.Contains(p.body, "Everest Manpower Services") ||
		!strings.Contains(p.body, "Waiting for an administrator") || strings.Contains(p.body, `id="rep-agency"`) {
		t.Error("claimant's account page does not show the pending claim")
	}
	if p := s.get(s.register(t, "plainworker"), "/account"); strings.Contains(p.body, `id="rep-h"`) {
		t.Error("a worker without claims sees a representation section")
	}

	// A worker still gets the review link and no reply form.
	w := s.register(t, "worker2026")
	p = s.get(w, "/agencies/"+ids.himalaya)
	if !strings.Contains(p.body, `href="/agencies/`+ids.himalaya+`/review"`) || strings.Contains(p.body, `/reply"`) {
		t.Error("worker's view of the agency page")
	}
	if p := s.get(w, "/reviews/"+reviewIDs[1]+"/reply"); p.status != http.StatusForbidden {
		t.Errorf("worker opens a reply form: %d", p.status)
	}
}

// A worker who works for an agency asks, from the agency page and without JavaScript, to
// represent it; the request waits for an admin and shows on the account page; a second
// request while one waits is refused in the page's language, as is evidence too short.
func TestRepresentAgencyFromTheSite(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	s.needAuth(t)
	ids := s.seedAgencies(t)
	w := s.signInAs(t, "himalayastaff", kawan.RoleWorker, "")
	path := "/agencies/" + ids.himalaya + "/represent"

	p := s.get(w, "/agencies/"+ids.himalaya+"?lang=ne")
	if !strings.Contains(p.body, `href="`+path+`" id="represent-link">के तपाईं यो एजेन्सीमा काम गर्नुहुन्छ?`) {
		t.Fatalf("agency page offers no Nepali link to represent the agency")
	}
	if p := s.post(w, path+"?lang=ne", path+"?lang=ne", url.Values{"evidence": {"staff"}}); p.status != http.StatusBadRequest ||
		!strings.Contains(p.body, `id="evidence-err"`) || !strings.Contains(p.body, "१० देखि २,००० अक्षरमा लेख्नुहोस्") {
		t.Errorf("short evidence: %d, want 400 naming the field in Nepali", p.status)
	}
	evidence := "I am the documentation officer; write to my work e-mail at the agency's domain (fictional)."
	p = s.post(w, path+"?lang=ne", path+"?lang=ne", url.Values{"evidence": {evidence}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != path+"?sent=1" {
		t.Fatalf("request: %d %s", p.status, p.header.Get("Location"))
	}
	if p := s.get(w, path+"?sent=1&lang=ne"); !strings.Contains(p.body, `id="status"`) || !strings.Contains(p.body, "तपाईंको अनुरोध पठाइयो") {
		t.Errorf("no Nepali confirmation after the request")
	}
	claims, _, err := s.app.Auth.Claims(context.Background(), store.ClaimPending, 1, 10)
	if err != nil || len(claims) != 1 || claims[0].AgencyID != ids.himalaya || claims[0].Evidence != evidence {
		t.Fatalf("pending claims: %+v, %v", claims, err)
	}
	if p := s.get(w, "/account?lang=ne"); !strings.Contains(p.body, "Himalaya Manpower Pvt. Ltd.") || !strings.Contains(p.body, `id="rep-h"`) {
		t.Errorf("account page does not show the pending request")
	}
	if p := s.post(w, path+"?lang=ne", path+"?lang=ne", url.Values{"evidence": {evidence}}); p.status != http.StatusConflict ||
		!strings.Contains(p.body, "तपाईंको एउटा अनुरोध प्रशासकको पर्खाइमा छ") {
		t.Errorf("second request while one waits: %d", p.status)
	}
	// Only worker accounts may ask; a moderator is refused.
	m := s.signInAs(t, "somemoderator", kawan.RoleModerator, "")
	if p := s.get(m, path); p.status != http.StatusForbidden {
		t.Errorf("moderator on the represent form: %d", p.status)
	}
}

package frontend_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/complaints"
	"github.com/kawan-labs/kawan/help"
	"github.com/kawan-labs/kawan/moderation"
)

// seedPartners makes two fictional help-directory entries partner organisations taking
// Nepali workers' cases in Qatar, each with an account (password "fixture pass 2026").
func (s *site) seedPartners(t testing.TB) {
	t.Helper()
	if s.app.Complaints == nil || s.app.Help == nil || s.app.Auth == nil {
		t.Skip("complaints, help or auth area not wired")
	}
	ctx := context.Background()
	admin := kawan.Principal{UserID: "fixture-admin", Role: kawan.RoleAdmin}
	for _, p := range []struct{ id, name, acct string }{
		{"fx-np-desk", "Fictional Nepali Labour Desk (Doha)", "deskpartner"},
		{"fx-qa-shelter", "Fictional Workers' Shelter (Doha)", "shelterpartner"},
	} {
		e := help.Entry{Name: p.name, Kind: "ngo", Countries: []string{"QA"}, Needs: []string{"wage_theft"}, Languages: []string{"en", "ne"},
			Hours: "24 hours", Channels: []help.Channel{{Type: "phone", Value: "+974 4000 0000"}},
			Source: help.Source{Name: "fictional fixture", URL: "https://example.org/"}, LastChecked: "2026-11-01", Sample: true}
		if _, _, err := s.app.Help.Put(ctx, admin, p.id, e); err != nil {
			t.Fatal(err)
		}
		if _, err := s.app.Complaints.CreatePartner(ctx, admin, complaints.PartnerInput{HelpID: p.id, Countries: []string{"QA"},
			Nationalities: []string{"NP"}, Kinds: complaints.Facts}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.app.Complaints.AddPartnerAccount(ctx, admin, p.id, p.acct, "fixture pass 2026", true); err != nil {
			t.Fatal(err)
		}
	}
}

var caseCodeRE = regexp.MustCompile(`id="case-code"[^>]*>(KC-[A-Z0-9-]+)<`)

// TestComplaintPagesFlow: the whole journey over plain HTTP forms (what a browser without
// JavaScript sends): a complaint filed in Nepali without an account, the code and secret
// page, the case page through the cookie, the partner accepting, messaging, resolving with
// money recovered, and the worker seeing every step. Bad input re-renders the form with
// the field marked.
func TestComplaintPagesFlow(t *testing.T) {
	s := newSite(t, nil)
	s.seedPartners(t)
	ids := s.seedAgencies(t)
	worker := s.client()
	form := s.get(worker, "/complaints/new?agency="+ids.himalaya+"&lang=ne")
	if form.status != http.StatusOK || !strings.Contains(form.body, "Himalaya Manpower") || !strings.Contains(form.body, `lang="ne"`) {
		t.Fatalf("form: %d\n%.500s", form.status, form.body)
	}
	values := url.Values{"against": {"agency"}, "agency_id": {ids.himalaya}, "fact": {"fees_above_cap", "wages_unpaid"},
		"country": {"QA"}, "nationality": {"NP"}, "amount_what": {"fee_paid"}, "amount": {"150000"}, "currency": {"NPR"},
		"text": {"एजेन्सीले धेरै शुल्क लियो।"}, "lang": {"ne"}, "phone": {"+977 981 111 2222"}, "share_contact": {"yes"}}
	// "Show organisations" lists the partners taking such cases.
	shown := s.post(worker, "/complaints/new?lang=ne", "/complaints/new", withValues(values, "step", "partners"))
	if shown.status != http.StatusOK || !strings.Contains(shown.body, `value="fx-np-desk"`) {
		t.Fatalf("partners step: %d\n%s", shown.status, shown.body)
	}
	// Bad input: an amount that is not a number.
	bad := s.post(worker, "/complaints/new?lang=ne", "/complaints/new", withValues(withValues(values, "amount", "lots"), "partner", "fx-np-desk"))
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, `aria-describedby="amounts[0].amount-err"`) {
		t.Fatalf("bad amount: %d\n%s", bad.status, bad.body)
	}
	filed := s.post(worker, "/complaints/new?lang=ne", "/complaints/new", withValues(values, "partner", "fx-np-desk"))
	m := caseCodeRE.FindStringSubmatch(filed.body)
	if filed.status != http.StatusCreated || m == nil || !strings.Contains(filed.body, `id="case-secret"`) {
		t.Fatalf("filed: %d\n%s", filed.status, filed.body)
	}
	code := m[1]
	casePath := "/complaints/" + code
	if p := s.get(worker, casePath+"?lang=ne"); p.status != http.StatusOK || !strings.Contains(p.body, `data-state="referred"`) {
		t.Fatalf("worker's case page: %d\n%s", p.status, p.body)
	}
	// Someone else's browser is sent to the code-and-secret form.
	if p := s.get(s.client(), casePath); p.status != http.StatusSeeOther || p.header.Get("Location") != "/complaints/open" {
		t.Fatalf("a stranger: %d %s", p.status, p.header.Get("Location"))
	}
	partner := s.client()
	if p := s.post(partner, "/signin", "/signin", url.Values{"username": {"deskpartner"}, "password": {"fixture pass 2026"}}); p.status != http.StatusSeeOther {
		t.Fatalf("partner sign in: %d", p.status)
	}
	if p := s.get(partner, "/partner/cases"); p.status != http.StatusOK || !strings.Contains(p.body, code) {
		t.Fatalf("partner's list: %d\n%s", p.status, p.body)
	}
	for _, step := range []url.Values{{"to": {"accepted"}}, {"to": {"in_progress"}},
		{"to": {"resolved"}, "outcome": {"money_recovered"}, "amount": {"45,000"}, "currency": {"NPR"}}} {
		if p := s.post(partner, casePath, casePath+"/step", step); p.status != http.StatusSeeOther {
			t.Fatalf("partner step %v: %d\n%s", step, p.status, p.body)
		}
		if step.Get("to") == "accepted" {
			if p := s.post(partner, casePath, casePath+"/message", url.Values{"text": {"हामी तपाईंलाई फोन गर्छौं।"}}); p.status != http.StatusSeeOther {
				t.Fatalf("partner message: %d", p.status)
			}
			if p := s.get(partner, casePath); !strings.Contains(p.body, "977 981 111 2222") {
				t.Fatal("the accepting partner does not see the shared contact")
			}
			if p := s.post(worker, casePath, casePath+"/message", url.Values{"text": {"धन्यवाद"}}); p.status != http.StatusSeeOther {
				t.Fatalf("worker message: %d", p.status)
			}
		}
	}
	p := s.get(worker, casePath+"?lang=ne")
	for _, want := range []string{`data-state="resolved"`, `data-to="submitted"`, `data-to="referred"`, `data-to="accepted"`, `data-to="in_progress"`,
		`data-to="resolved"`, "NPR\u00a0४५,०००", "हामी तपाईंलाई फोन गर्छौं।", "धन्यवाद"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the worker's case page lacks %q", want)
		}
	}
	// The agency's page links to the form and shows nothing below k workers.
	ag := s.get(nil, "/agencies/"+ids.himalaya)
	if !strings.Contains(ag.body, `href="/complaints/new?agency=`+ids.himalaya+`"`) || !strings.Contains(ag.body, `id="cmp-none"`) || strings.Contains(ag.body, "+977 981") {
		t.Errorf("agency page complaints box wrong:\n%s", ag.body)
	}
}

func withValues(v url.Values, k, val string) url.Values {
	out := url.Values{}
	for key, vs := range v {
		out[key] = append([]string(nil), vs...)
	}
	out.Set(k, val)
	return out
}

// TestComplaintModeratorPage: a complaint that asks moderators to choose is in the
// moderators' list; the moderator's case page offers the referral and never shows the
// worker's details; workers and partners cannot open the list.
func TestComplaintModeratorPage(t *testing.T) {
	s := newSite(t, nil)
	s.seedPartners(t)
	ctx := context.Background()
	filed, err := s.app.Complaints.File(ctx, nil, complaints.Complaint{Against: complaints.Against{Kind: "unknown"}, Facts: []string{"wages_unpaid"},
		Country: "QA", Nationality: "NP", Lang: "en", ModeratorsChoose: true,
		Private: complaints.Private{Phone: "+977 980 555 0101"}, Share: complaints.Share{Contact: true}})
	if err != nil {
		t.Fatal(err)
	}
	mod := s.signInAs(t, "cmpmoderator", kawan.RoleModerator, "")
	list := s.get(mod, "/moderation/complaints")
	if list.status != http.StatusOK || !strings.Contains(list.body, filed.Code) {
		t.Fatalf("moderators' list: %d\n%s", list.status, list.body)
	}
	cp := s.get(mod, "/complaints/"+filed.Code)
	if cp.status != http.StatusOK || !strings.Contains(cp.body, `id="do-refer"`) || strings.Contains(cp.body, "980 555 0101") {
		t.Fatalf("moderator's case page: %d\n%s", cp.status, cp.body)
	}
	if p := s.post(mod, "/complaints/"+filed.Code, "/complaints/"+filed.Code+"/step", url.Values{"to": {"referred"}, "partner": {"fx-np-desk"}}); p.status != http.StatusSeeOther {
		t.Fatalf("moderator refers: %d\n%s", p.status, p.body)
	}
	worker := s.signInAs(t, "cmpworker", kawan.RoleWorker, "")
	if p := s.get(worker, "/moderation/complaints"); p.status != http.StatusForbidden {
		t.Errorf("a worker opens the moderators' list: %d", p.status)
	}
}

// TestComplaintHeldMessagePage: a threatening message from the partner is held; the
// moderators' list (in Khmer here) shows it with the release and reject buttons, plain forms
// that need no script; releasing shows it to the worker, rejecting keeps it hidden and the
// partner who sent it sees that it was not delivered.
func TestComplaintHeldMessagePage(t *testing.T) {
	s := newSite(t, nil)
	s.seedPartners(t)
	ctx := context.Background()
	filed, err := s.app.Complaints.File(ctx, nil, complaints.Complaint{Against: complaints.Against{Kind: "unknown"}, Facts: []string{"wages_unpaid"},
		Country: "QA", Nationality: "NP", Lang: "en", PartnerIDs: []string{"fx-np-desk"}})
	if err != nil {
		t.Fatal(err)
	}
	code, casePath := filed.Code, "/complaints/"+filed.Code
	partner := s.client()
	if p := s.post(partner, "/signin", "/signin", url.Values{"username": {"deskpartner"}, "password": {"fixture pass 2026"}}); p.status != http.StatusSeeOther {
		t.Fatalf("partner sign in: %d", p.status)
	}
	if p := s.post(partner, casePath, casePath+"/step", url.Values{"to": {"accepted"}}); p.status != http.StatusSeeOther {
		t.Fatalf("accept: %d\n%s", p.status, p.body)
	}
	const released, rejected = "I know where you live, watch out. Call us back.", "I know where you live, watch out. Drop it."
	for _, text := range []string{released, rejected} {
		if p := s.post(partner, casePath, casePath+"/message", url.Values{"text": {text}}); p.status != http.StatusSeeOther {
			t.Fatalf("partner message: %d", p.status)
		}
	}
	workerView := func() *complaints.View {
		v, err := s.app.Complaints.Get(ctx, complaints.Caller{Secret: filed.Secret}, code)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := workerView(); len(v.Messages) != 0 {
		t.Fatalf("the worker sees held messages: %+v", v.Messages)
	}
	mod := s.signInAs(t, "heldmoderator", kawan.RoleModerator, "")
	list := s.get(mod, "/moderation/complaints?lang=km")
	var ids []string
	for _, m := range regexp.MustCompile(`<form action="/moderation/complaints/`+regexp.QuoteMeta(code)+`/messages/([^"]+)" method="post">`).FindAllStringSubmatch(list.body, -1) {
		ids = append(ids, m[1])
	}
	if list.status != http.StatusOK || len(ids) != 2 || !strings.Contains(list.body, released) ||
		!strings.Contains(list.body, "បញ្ចេញ៖ បង្ហាញទៅភាគីម្ខាងទៀត") || !strings.Contains(list.body, `name="decision" value="reject"`) {
		t.Fatalf("moderators' list: %d %v\n%s", list.status, ids, list.body)
	}
	p := s.post(mod, "/moderation/complaints", "/moderation/complaints/"+code+"/messages/"+ids[0], url.Values{"decision": {"release"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/moderation/complaints?done=decided") {
		t.Fatalf("release: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	// The moderator's case page offers the same buttons beside the held message, and comes back to the case.
	if cp := s.get(mod, casePath); !strings.Contains(cp.body, `id="reject-`+ids[1]+`"`) || strings.Contains(cp.body, `id="reject-`+ids[0]+`"`) {
		t.Fatalf("the moderator's case page does not offer the decision on the held message only:\n%s", cp.body)
	}
	p = s.post(mod, casePath, "/moderation/complaints/"+code+"/messages/"+ids[1], url.Values{"decision": {"reject"}, "back": {"case"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), casePath+"?done=moved") {
		t.Fatalf("reject: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	if p := s.get(mod, "/moderation/complaints?done=decided&lang=km"); !strings.Contains(p.body, `id="decided"`) || strings.Contains(p.body, code) {
		t.Errorf("after the decisions the list still shows the case or no confirmation:\n%s", p.body)
	}
	if v := workerView(); len(v.Messages) != 1 || v.Messages[0].Text != released {
		t.Fatalf("after release the worker sees: %+v", v.Messages)
	}
	if cp := s.get(partner, casePath+"?lang=en"); !strings.Contains(cp.body, "not delivered: a moderator kept it hidden") || !strings.Contains(cp.body, rejected) ||
		!strings.Contains(cp.body, "released by a moderator on") {
		t.Errorf("the sender is not told of the rejection:\n%s", cp.body)
	}
	// Again: not held any more (409); a worker cannot post the form at all.
	if p := s.post(mod, casePath, "/moderation/complaints/"+code+"/messages/"+ids[1], url.Values{"decision": {"release"}}); p.status != http.StatusConflict {
		t.Errorf("deciding a decided message: %d", p.status)
	}
	worker := s.signInAs(t, "heldworker", kawan.RoleWorker, "")
	if p := s.post(worker, "/complaints/new", "/moderation/complaints/"+code+"/messages/"+ids[1], url.Values{"decision": {"release"}}); p.status != http.StatusForbidden {
		t.Errorf("a worker posts the moderators' form: %d", p.status)
	}
}

// TestPaperReviewPage: a partner uploads a CSV of paper reviews from its cases page (a
// plain file form); a file with a wrong column shows the problem by line and column and
// imports nothing; a good one imports, and the agency page labels each published review
// "collected by" the partner.
func TestPaperReviewPage(t *testing.T) {
	s := newSite(t, nil)
	s.seedPartners(t)
	ids := s.seedAgencies(t)
	partner := s.client()
	if p := s.post(partner, "/signin", "/signin", url.Values{"username": {"deskpartner"}, "password": {"fixture pass 2026"}}); p.status != http.StatusSeeOther {
		t.Fatalf("partner sign in: %d", p.status)
	}
	upload := func(csvText string) page {
		t.Helper()
		pg := s.get(partner, "/partner/cases")
		m := csrfRE.FindStringSubmatch(pg.body)
		if m == nil || !strings.Contains(pg.body, `id="paper-file"`) {
			t.Fatalf("no upload form on the partner's page:\n%s", pg.body)
		}
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("csrf", m[1])
		fw, _ := mw.CreateFormFile("file", "paper.csv")
		_, _ = fw.Write([]byte(csvText))
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/partner/paper-reviews", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := partner.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return page{status: res.StatusCode, body: string(b)}
	}
	header := "reference,agency_id,collected_on,overall,fees_honesty,contract_match,treatment,support,would_recommend,origin,destination,sector,departure_year,fees_paid,fees_currency,lang,text\n"
	row := func(ref string, stars int, text string) string {
		return fmt.Sprintf("%s,%s,2026-03-02,%d,%d,%d,%d,%d,yes,NP,QA,construction,2024,120000,NPR,ne,%q\n", ref, ids.himalaya, stars, stars, stars, stars, stars, text)
	}
	bad := upload(strings.Replace(header, "sector", "industry", 1) + row("P-1", 4, "राम्रो"))
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "line 1: column 12") {
		t.Fatalf("wrong column: %d\n%s", bad.status, bad.body)
	}
	good := upload(header + row("P-1", 4, "एजेन्सीले सबै कुरा राम्ररी बतायो र शुल्क रसिदसहित लियो।") +
		row("P-2", 2, "तलब ढिलो आयो र काम गर्ने घण्टा धेरै थियो, तर एजेन्सीले मद्दत गर्यो।"))
	if good.status != http.StatusCreated || !strings.Contains(good.body, `id="paper-done"`) {
		t.Fatalf("import: %d\n%s", good.status, good.body)
	}
	recs := []string{}
	for _, ref := range []string{"P-1", "P-2"} {
		rec, err := s.app.Complaints.PaperRecordFor(context.Background(), "fx-np-desk", ref)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec.ReviewID)
		// Held by screening or published and verified already: a moderator verifies it.
		mod := kawan.Principal{UserID: "fixture-moderator", Role: kawan.RoleModerator}
		if _, err := s.app.Moderation.Decide(context.Background(), mod, rec.ReviewID, moderation.Decision{Action: moderation.ActionVerify, Reason: moderation.ReasonMeetsGuidelines}); err != nil {
			t.Fatal(err)
		}
	}
	ag := s.get(nil, "/agencies/"+ids.himalaya)
	for _, id := range recs {
		if !strings.Contains(ag.body, `id="collected-`+id+`"`) || !strings.Contains(ag.body, "Fictional Nepali Labour Desk (Doha)") {
			t.Errorf("review %s is not labelled with the partner on the agency page", id)
		}
	}
}

// TestComplaintOutcomesOnAgencyPage: the agency page shows complaint outcomes only once k
// distinct workers complained (k = KAWAN_STATS_K, 10 by default), and never a detail.
func TestComplaintOutcomesOnAgencyPage(t *testing.T) {
	s := newSite(t, nil)
	s.seedPartners(t)
	ids := s.seedAgencies(t)
	ctx := context.Background()
	k := s.app.Complaints.K()
	file := func(i int) {
		p := kawan.Principal{UserID: fmt.Sprintf("fixture-complainant-%02d", i), Role: kawan.RoleWorker}
		if _, err := s.app.Complaints.File(ctx, &p, complaints.Complaint{Against: complaints.Against{Kind: "agency", AgencyID: ids.himalaya},
			Facts: []string{"fees_above_cap"}, Country: "QA", Nationality: "NP", Lang: "ne", PartnerIDs: []string{"fx-np-desk"},
			Text: fmt.Sprintf("fixture complaint text %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range k - 1 {
		file(i)
	}
	if p := s.get(nil, "/agencies/"+ids.himalaya); !strings.Contains(p.body, `id="cmp-none"`) || strings.Contains(p.body, `id="cmp-outcomes"`) {
		t.Fatalf("%d workers, k=%d: outcomes shown", k-1, k)
	}
	file(k)
	p := s.get(nil, "/agencies/"+ids.himalaya)
	if !strings.Contains(p.body, `id="cmp-outcomes"`) || strings.Contains(p.body, "fixture complaint text") {
		t.Fatalf("%d workers, k=%d: outcomes not shown (or a complaint's text is):\n%s", k, k, p.body)
	}
}

package frontend_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/frontend"
)

func TestAgencyPages(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	ids := s.seedAgencies(t)
	s.seedReviews(t, ids.himalaya, 5, 4, 2)

	// Search: every agency without a query, facets with counts, the standing badge.
	p := s.get(nil, "/agencies")
	if p.status != 200 {
		t.Fatalf("/agencies: %d", p.status)
	}
	for _, want := range []string{"Himalaya Manpower Pvt. Ltd.", "Everest Manpower Services", "Bayanihan Placement Inc.",
		`<option value="NP">Nepal (2)</option>`, "Blacklisted", "Agencies 1–3 of 3"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("/agencies lacks %q", want)
		}
	}
	// A query and a filter; the typed query stays in the box.
	p = s.get(nil, "/agencies?q=himalya&origin=NP")
	if !strings.Contains(p.body, "/agencies/"+ids.himalaya) || strings.Contains(p.body, "Bayanihan") || !strings.Contains(p.body, `value="himalya"`) {
		t.Errorf("typo-tolerant search with filter failed:\n%s", p.body)
	}
	// Nepali: country names, standing and counts in Nepali.
	p = s.get(nil, "/agencies?lang=ne")
	for _, want := range []string{"नेपाल", "कालोसूचीमा", "एजेन्सी १–३"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("Nepali search lacks %q", want)
		}
	}
	// Bad input: 400, the page re-renders with the input kept and a message by the field.
	p = s.get(nil, "/agencies?q=x&origin=Nepal")
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Please choose a country from the list.") || !strings.Contains(p.body, `value="x"`) {
		t.Errorf("bad origin: %d\n%s", p.status, p.body)
	}
	if p := s.get(nil, "/agencies?page=zero"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "This page number is not valid.") {
		t.Errorf("bad page: %d", p.status)
	}
	if p := s.get(nil, "/agencies?q="+strings.Repeat("a", 300)); p.status != http.StatusBadRequest {
		t.Errorf("long q: %d", p.status)
	}
	if p := s.get(nil, "/agencies?q=zzzzqqq"); !strings.Contains(p.body, "No agencies found") {
		t.Error("no-match message missing")
	}

	// Profile: standing with source and date, licences, sanctions, ratings chart, fees, reviews.
	p = s.get(nil, "/agencies/"+ids.himalaya)
	if p.status != 200 {
		t.Fatalf("profile: %d", p.status)
	}
	for _, want := range []string{"<h1 translate=\"no\">Himalaya Manpower Pvt. Ltd.</h1>", `class="badge good"><span aria-hidden="true">✓</span> Licensed`, "1234/070/71",
		"Department of Foreign Employment, Nepal", "https://dofe.gov.np/", "Checked on 1 May 2026", `role="img"`,
		"3 reviews", "NPR\u00a0150,000.00", "Review number A", "Would recommend", "Demo data"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("profile lacks %q", want)
		}
	}
	p = s.get(nil, "/agencies/"+ids.bayanihan+"?lang=fil")
	for _, want := range []string{`class="badge bad"><span aria-hidden="true">✕</span> Naka-blacklist`, "Blacklisted for illegal recruitment (fictional).", `lang="en"`, "Pebrero 1, 2025"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("Filipino blacklisted profile lacks %q", want)
		}
	}
	if p := s.get(nil, "/agencies/no-such-agency"); p.status != 404 || !strings.Contains(p.body, "Page not found") {
		t.Errorf("unknown agency: %d", p.status)
	}
	if p := s.get(nil, "/agencies/"+strings.Repeat("x", 100)); p.status != 404 {
		t.Errorf("overlong id: %d", p.status)
	}

	// Suggestions for search-as-you-type.
	res, err := http.Get(s.srv.URL + "/agencies/suggest?q=ever")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	_ = json.NewDecoder(res.Body).Decode(&names)
	res.Body.Close()
	if len(names) != 1 || names[0] != "Everest Manpower Services" {
		t.Errorf("suggest: %v", names)
	}
}

func TestLicencePage(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	s.seedAgencies(t)
	cases := []struct {
		query  string
		status int
		want   []string
	}{
		{"", 200, []string{"Is this recruiter licensed?", `<option value="NP-DOFE"`}},
		{"?regulator=NP-DOFE&number=1234-070-71", 200, []string{"Licence active", "Himalaya Manpower"}},
		{"?regulator=NP-DOFE&number=88/065/66", 200, []string{"Not valid: Suspended", "Do not pay this agency"}},
		{"?regulator=PH-DMW&number=NOPE-1", 200, []string{"Not found", "Do not pay any money", "https://dmw.gov.ph/", "Kawan searched these lists:",
			"<li>Philippines: Department of Migrant Workers (formerly POEA), Philippines", "Kawan also looked for it on every other government office&#39;s list."}},
		// The form starts on every regulator in English and on the reader's country's regulator in its language.
		{"?lang=en", 200, []string{`<option value="any" selected>Any government office`}},
		{"?lang=ne", 200, []string{`<option value="NP-DOFE" selected>`}},
		{"?lang=fil", 200, []string{`<option value="PH-DMW" selected>`}},
		{"?lang=my", 200, []string{`<option value="MM-MOL" selected>`}},
		// Every regulator searched; a number typed under the wrong office finds its agency.
		{"?regulator=any&number=1234+070+71", 200, []string{"Licence active", "Himalaya Manpower"}},
		{"?regulator=PH-DMW&number=1234/070/71", 200, []string{"Licence active", "Himalaya Manpower",
			"This number is not on the list of the office you chose (Philippines), but it is on the list of the office of Nepal:"}},
		{"?regulator=any&number=NOPE-1", 200, []string{"Not found", "is not on any list Kawan holds", "Kawan searched these lists:",
			"Department of Foreign Employment, Nepal · when it was read is not recorded"}},
		{"?regulator=XX&number=1", 400, []string{"Please choose the government office from the list."}},
		{"?regulator=NP-DOFE&number=", 400, []string{"Please type the licence number"}},
		{"?regulator=NP-DOFE&number=%2B%2B%2B&lang=ne", 400, []string{"इजाजतपत्र नम्बर लेख्नुहोस्", `value="&#43;&#43;&#43;"`}},
	}
	for _, tc := range cases {
		p := s.get(nil, "/licence"+tc.query)
		if p.status != tc.status {
			t.Errorf("%s: status %d", tc.query, p.status)
		}
		for _, w := range tc.want {
			if !strings.Contains(p.body, w) {
				t.Errorf("%s: lacks %q", tc.query, w)
			}
		}
	}
}

// TestBadgesWarn: "no licence found" and every licence problem wear a warning badge with an
// icon and words, never the neutral or the "licensed" style; the score is explained in one
// sentence with its numbers.
func TestBadgesWarn(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	ids := s.seedAgencies(t)
	s.seedReviews(t, ids.himalaya, 5, 4)
	p := s.get(nil, "/agencies/"+ids.everest) // licence suspended
	for _, want := range []string{`class="badge bad"><span aria-hidden="true">✕</span> Licence problem`, `class="badge bad"><span aria-hidden="true">✕</span> Suspended`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("suspended agency lacks %q", want)
		}
	}
	list := s.get(nil, "/agencies?sort=name")
	if strings.Contains(list.body, `class="badge "`) || !strings.Contains(list.body, `<span aria-hidden="true">✕</span> Blacklisted`) {
		t.Errorf("agency list: a neutral badge or no warning icon")
	}
	for st, want := range map[string]string{"unknown": "warn", "licence_problem": "bad", "blacklisted": "bad", "sanctioned": "warn", "licensed": "good"} {
		if got := frontend.StandingClassForTest(st); got != want {
			t.Errorf("standing %s: badge %q, want %q", st, got, want)
		}
	}
	prof := s.get(nil, "/agencies/"+ids.himalaya)
	m := regexp.MustCompile(`<p class="small" id="score-explained">([^<]+)</p>`).FindStringSubmatch(prof.body)
	if m == nil || !strings.Contains(m[1], "2 reviews (4.5)") || !strings.Contains(m[1], "as if 5 more reviews") {
		t.Errorf("score explanation: %q", m)
	}
}

// The agency page shows the regulator's own words beside Kawan's status, a listing without a
// licence number, and the status history with the list it was seen on (issue 15).
func TestAgencyPageRegistryHistory(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	if s.app.Agencies == nil {
		t.Skip("agencies area not wired")
	}
	page, err := os.ReadFile("../agencies/testdata/ph-dmw-page1.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.app.Agencies.Import(context.Background(), "ph-dmw", page, agencies.ImportOptions{Fictional: true,
		ParseOptions: agencies.ParseOptions{RetrievedAt: time.Date(2026, 9, 8, 0, 0, 0, 0, time.UTC)}}); err != nil {
		t.Fatal(err)
	}
	p := s.get(nil, "/agencies/luntian-placement-ph")
	for _, want := range []string{"No licence number published", `<span lang="en">Private Employment Agency</span>`, "The list says:",
		"“Valid License - Provisional”", "Licence history", "seen on the PH-DMW list of 7 Sep 2026"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("agency page lacks %q", want)
		}
	}
	p = s.get(nil, "/agencies/tala-worldwide-placement-ph?lang=ne")
	for _, want := range []string{"इजाजतपत्रको इतिहास", "“Forever Banned”"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("Nepali agency page lacks %q", want)
		}
	}
}

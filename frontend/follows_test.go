package frontend_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// atomDoc is what a feed reader needs of an Atom 1.0 feed (RFC 4287).
type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

// TestFollowAgencyAndAtomFeed follows an agency with plain forms (JavaScript off), sees its
// status changes in the account, and reads them as an Atom feed.
func TestFollowAgencyAndAtomFeed(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	s.needAuth(t)
	ids := s.seedAgencies(t)
	agency := "/agencies/" + ids.himalaya

	// Anonymous: the page links its feed and asks to sign in to follow.
	p := s.get(nil, agency+"?lang=en")
	for _, want := range []string{`<link rel="alternate" type="application/atom+xml" href="` + agency + `/changes.atom"`,
		`href="/signin?next=` + agency + `"`, "Sign in to follow this agency"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("anonymous agency page lacks %q", want)
		}
	}

	c := s.register(t, "follower1")
	p = s.post(c, agency, agency+"/follow", url.Values{})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != agency+"#follow" {
		t.Fatalf("follow: %d %q", p.status, p.header.Get("Location"))
	}
	if p := s.get(c, agency+"?lang=en"); !strings.Contains(p.body, "You follow this agency.") || !strings.Contains(p.body, `action="`+agency+`/unfollow"`) {
		t.Errorf("followed agency page does not say so")
	}
	if p := s.get(c, "/account?lang=en"); !strings.Contains(p.body, "Agencies you follow") || !strings.Contains(p.body, "Himalaya Manpower") ||
		!strings.Contains(p.body, "recorded by an admin") {
		t.Errorf("account lacks the followed agency:\n%s", p.body)
	}
	if p := s.get(c, "/account?lang=ne"); !strings.Contains(p.body, "तपाईंले पछ्याउने एजेन्सीहरू") {
		t.Error("account in Nepali lacks the follows heading")
	}

	// A status change seen on a regulator's list after the follow.
	seen := time.Now().UTC().Truncate(time.Second).Add(time.Minute)
	hist := store.NewAgencyHistory(s.app.Store.DB())
	if err := hist.Append(context.Background(),
		kawan.AgencyEvent{ID: "np-dofe-1", AgencyID: ids.himalaya, Kind: "listed", Regulator: "NP-DOFE", Licence: "1234/070/71", To: "active",
			SeenOn: seen.Add(-48 * time.Hour), Source: "np-dofe", Summary: "licence 1234/070/71 listed as active on the NP-DOFE list", RecordedAt: seen.Add(-2 * time.Hour)},
		kawan.AgencyEvent{ID: "np-dofe-2", AgencyID: ids.himalaya, Kind: "status", Regulator: "NP-DOFE", Licence: "1234/070/71", From: "active", To: "suspended",
			SeenOn: seen, Source: "np-dofe", SourceURL: "https://dofe.gov.np/", Summary: "licence 1234/070/71 suspended, seen on the NP-DOFE list of " + kawan.HumanDate(seen),
			RecordedAt: seen}); err != nil {
		t.Fatal(err)
	}
	p = s.get(c, "/account?lang=en")
	if !strings.Contains(p.body, `<span lang="en">licence 1234/070/71 suspended, seen on the NP-DOFE list`) || !strings.Contains(p.body, "1 change since you began following") {
		t.Errorf("account lacks the followed agency's change:\n%s", p.body)
	}

	// The Atom feed: valid Atom 1.0, newest change first.
	res, err := http.Get(s.srv.URL + agency + "/changes.atom")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("feed: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var feed atomDoc
	if err := xml.NewDecoder(res.Body).Decode(&feed); err != nil {
		t.Fatalf("feed is not Atom XML: %v", err)
	}
	abs := func(s string) bool { u, err := url.Parse(s); return err == nil && u.IsAbs() }
	if !abs(feed.ID) || feed.Title == "" || feed.Author.Name == "" || len(feed.Entries) != 3 {
		t.Fatalf("feed head: %+v", feed)
	}
	if up, err := time.Parse(time.RFC3339, feed.Updated); err != nil || !up.Equal(seen) {
		t.Errorf("feed updated %q, want the newest change %s", feed.Updated, seen.Format(time.RFC3339))
	}
	rels := map[string]string{}
	for _, l := range feed.Links {
		rels[l.Rel] = l.Href
	}
	if !strings.HasSuffix(rels["self"], agency+"/changes.atom") || !strings.HasSuffix(rels["alternate"], agency) {
		t.Errorf("feed links: %+v", feed.Links)
	}
	ids2 := map[string]bool{}
	for i, e := range feed.Entries {
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil || !abs(e.ID) || e.Title == "" || len(e.Links) == 0 || !abs(e.Links[0].Href) || ids2[e.ID] {
			t.Errorf("entry %d: %+v", i, e)
		}
		ids2[e.ID] = true
	}
	if !strings.Contains(feed.Entries[0].Title, "suspended") {
		t.Errorf("newest entry first: %q", feed.Entries[0].Title)
	}
	if p := s.get(nil, "/agencies/no-such-agency/changes.atom"); p.status != http.StatusNotFound {
		t.Errorf("feed of an unknown agency: %d", p.status)
	}

	// Unfollow: the account no longer lists it.
	if p := s.post(c, agency, agency+"/unfollow", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("unfollow: %d", p.status)
	}
	if p := s.get(c, "/account?lang=en"); strings.Contains(p.body, "Agencies you follow") {
		t.Error("unfollowed agency still listed")
	}
	// Without the form's token nothing changes.
	if p := s.post(c, "", agency+"/follow", url.Values{}); p.status != http.StatusForbidden {
		t.Errorf("follow without CSRF: %d", p.status)
	}
}

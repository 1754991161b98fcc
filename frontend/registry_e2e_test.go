package frontend_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/config"
)

// TestScheduledSourceChangeInHistoryFeedAndLicenceCheck runs issue 15's end to end: a
// scheduled registry source served by a local server is fetched; the regulator's next list
// suspends an agency; the change shows on the agency page's history, in the account of a
// worker who follows it and in its Atom feed; and a licence check that finds nothing names
// the list searched and when it was read.
func TestScheduledSourceChangeInHistoryFeedAndLicenceCheck(t *testing.T) {
	t.Parallel()
	list, err := os.ReadFile("../agencies/testdata/np-dofe.json")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	body := string(list)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	defer hs.Close()
	s := newSite(t, func(c *config.Config) {
		if c.RegistrySources, err = config.ParseRegistrySources("np-dofe=" + hs.URL + "/api/companies"); err != nil {
			t.Fatal(err)
		}
	})
	s.needAuth(t)
	ctx := context.Background()
	if err := s.app.Registry.Start(ctx); err != nil {
		t.Fatal(err)
	}
	s.app.Registry.Refresh(ctx, true)
	st, _ := s.app.Registry.Status(ctx)
	if len(st) != 1 || st[0].State != "ok" || st[0].Rows != 6 {
		t.Fatalf("source after the first fetch: %+v", st)
	}
	res, err := s.app.Agencies.CheckLicence(ctx, "NP-DOFE", "1234/070/71")
	if err != nil || !res.Found || !res.Valid {
		t.Fatalf("licence from the scheduled list: %+v %v", res, err)
	}
	agency := "/agencies/" + res.Agency.ID
	c := s.register(t, "ngo-watcher")
	if p := s.post(c, agency, agency+"/follow", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("follow: %d", p.status)
	}

	// DoFE's next list suspends the agency.
	mu.Lock()
	body = strings.Replace(body, `"statusName": "Active"}`, `"statusName": "Suspended"}`, 1)
	mu.Unlock()
	s.app.Registry.Refresh(ctx, true)
	if res, _ := s.app.Agencies.CheckLicence(ctx, "NP-DOFE", "1234/070/71"); res.Valid {
		t.Fatalf("the suspension was not applied: %+v", res)
	}
	hist, err := s.app.Agencies.History(ctx, res.Agency.ID, 10)
	if err != nil || len(hist) == 0 || !strings.Contains(hist[0].Summary, "suspended") {
		t.Fatalf("history after the change: %+v %v", hist, err)
	}
	if p := s.get(nil, agency+"?lang=en"); !strings.Contains(p.body, hist[0].Summary) {
		t.Errorf("agency page lacks the change %q", hist[0].Summary)
	}
	if p := s.get(c, "/account?lang=en"); !strings.Contains(p.body, hist[0].Summary) {
		t.Errorf("the follower's account lacks the change %q", hist[0].Summary)
	}
	p := s.get(nil, agency+"/changes.atom")
	var feed atomDoc
	if err := xml.Unmarshal([]byte(p.body), &feed); err != nil || len(feed.Entries) == 0 {
		t.Fatalf("feed: %v %d entries", err, len(feed.Entries))
	}
	found := false
	for _, e := range feed.Entries {
		found = found || e.Title == hist[0].Summary
	}
	if !found {
		t.Errorf("the feed lacks the change %q: %+v", hist[0].Summary, feed.Entries)
	}

	// Not found: the page names the DoFE list and when it was read.
	p = s.get(nil, "/licence?lang=en&regulator=NP-DOFE&number=9999/099/99")
	if !strings.Contains(p.body, "Nepal: Department of Foreign Employment, Nepal · read on") {
		t.Errorf("not-found answer does not say when the list was read:\n%s", p.body)
	}
}

// TestLicenceByName: the DMW registry has no licence numbers, so a worker types the
// agency's name and the page says how it was matched, with the other agencies of that name.
func TestLicenceByName(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	if s.app.Agencies == nil {
		t.Skip("agencies area not wired")
	}
	data, err := os.ReadFile("../agencies/testdata/ph-dmw-page1.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.app.Agencies.Import(context.Background(), "ph-dmw", data, agencies.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	p := s.get(nil, "/licence?lang=fil&number="+url.QueryEscape("3 R'S OVERSEAS MANPOWER"))
	for _, want := range []string{`<option value="PH-DMW" selected>`, `id="byname"`, "3 R&#39;S OVERSEAS MANPOWER SERVICES INC.", "Walang inilalathalang numero"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("name check lacks %q:\n%s", want, p.body)
		}
	}
}

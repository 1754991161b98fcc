package frontend_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/frontend"
	"github.com/kawan-labs/kawan/rpw"
)

// adminFeed is a FICTIONAL provider feed with two good corridors and one with an unknown
// currency, which is quarantined (the rest of the feed is used).
func adminFeed() []byte {
	corr := func(recv, payout string) string {
		return `{"send_currency":"AED","receive_currency":"` + recv + `","payout_method":"` + payout + `","funding_method":"cash",
		 "exchange_rate":"15.50","min_send":"10","max_send":"10000","delivery":"minutes","fees":[{"flat":"15.00"}]}`
	}
	return []byte(`{"format":"kawan.provider-feed/v1","provider":{"id":"globe-remit","name":"Globe Remit (fictional)","kind":"money_transfer_operator"},
	 "generated_at":"` + time.Now().UTC().Add(-time.Minute).Format(time.RFC3339) + `","valid_for_seconds":21600,"corridors":[` +
		corr("PHP", "bank_account") + "," + corr("PHP", "cash_pickup") + "," + corr("XXZ", "cash_pickup") + `]}`)
}

// /admin/feeds: admins see every source and feed, the quarantined corridor with its reason,
// and the survey's import, in every language; others are refused.
func TestAdminFeedsPage(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	if s.app.FX == nil || s.app.Auth == nil {
		t.Skip("fx or auth not wired")
	}
	ctx := context.Background()
	if _, err := s.app.FX.Push(ctx, "globe", adminFeed()); err != nil {
		t.Fatal(err)
	}
	admin := s.signInAs(t, "feedsadmin", kawan.RoleAdmin, "")
	p := s.get(admin, "/admin/feeds?lang=en")
	if p.status != http.StatusOK {
		t.Fatalf("admin: %d", p.status)
	}
	for _, want := range []string{"Rate feeds", `<span lang="en" translate="no">push</span>`, "Corridors left out (1)", "<strong translate=\"no\">globe-remit</strong> AED → XXZ",
		"No survey imported yet", "kawan import rpw FILE"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("admin page lacks %q", want)
		}
	}
	if _, err := s.app.Survey.Import(ctx, surveyFixture(t), rpw.ImportOptions{Fictional: true}); err != nil {
		t.Fatal(err)
	}
	for _, l := range frontend.Locales {
		p := s.get(admin, "/admin/feeds?lang="+l.Code)
		if p.status != http.StatusOK || !strings.Contains(p.body, catalogText(t, l.Code, "admin.feeds.title")) ||
			!strings.Contains(p.body, `id="survey-import"`) || !strings.Contains(p.body, "2025_3Q") {
			t.Errorf("%s: %d", l.Code, p.status)
		}
	}
	if !strings.Contains(s.get(admin, "/account?lang=en").body, `href="/admin/feeds"`) {
		t.Error("the admin's account page does not link the feeds page")
	}
	worker := s.signInAs(t, "feedsworker", kawan.RoleWorker, "")
	if p := s.get(worker, "/admin/feeds?lang=en"); p.status != http.StatusForbidden {
		t.Errorf("worker: %d", p.status)
	}
	if p := s.get(nil, "/admin/feeds?lang=en"); p.status == http.StatusOK {
		t.Errorf("anonymous: %d", p.status)
	}
}

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
)

// TestConsoleShowsGroups: three accounts post one text with light edits (fictional); the
// moderator console lists the near-duplicate group once, with links to every member, the
// first one (published before anything compared with it) included.
func TestConsoleShowsGroups(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	s.needAuth(t)
	ids := s.seedAgencies(t)
	ctx := context.Background()
	base := "The agency was wonderful, they processed my visa in two weeks, the employer in Doha is kind and pays on time, and I paid only the legal fee with receipts."
	var got []string
	for i, text := range []string{base, strings.Replace(base, "wonderful", "excellent", 1), strings.Replace(base, "two weeks", "ten days", 1)} {
		five := 5
		res, err := s.app.Reviews.Submit(ctx, ids.himalaya, reviews.Author{UserID: "group-worker-" + string(rune('a'+i)), Since: time.Now().Add(-30 * 24 * time.Hour),
			ClientFP: "group-fp-" + string(rune('a'+i))}, reviews.Submission{
			Ratings:        reviews.RatingsInput{Overall: &five, FeesHonesty: &five, ContractMatch: &five, Treatment: &five, Support: &five},
			WouldRecommend: ptr(true), Text: text, Lang: "en"}, "")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res.ID)
	}
	if _, err := s.app.Auth.CreateUser(ctx, auth.Registration{Username: "modgroup", Password: "moderator pass group"}, kawan.RoleModerator, "", false); err != nil {
		t.Fatal(err)
	}
	mc := s.client()
	if p := s.post(mc, "/signin", "/signin", url.Values{"username": {"modgroup"}, "password": {"moderator pass group"}, "next": {"/moderation"}}); p.status != http.StatusSeeOther {
		t.Fatalf("moderator sign in: %d", p.status)
	}
	q := s.get(mc, "/moderation")
	if q.status != http.StatusOK || !strings.Contains(q.body, "One group of 3 reviews recognised together") {
		t.Fatalf("console: %d, no group\n%s", q.status, q.body)
	}
	for _, id := range got {
		if !strings.Contains(q.body, `href="/moderation/reviews/`+id+`"`) {
			t.Errorf("group member %s not linked", id)
		}
	}
}

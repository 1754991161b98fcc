package agencies_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/store"
)

func TestFollowsAPI(t *testing.T) {
	f := newFixture(t)
	id := f.create(t, himalaya)
	hist := store.NewAgencyHistory(f.s.DB())
	fo := agencies.NewFollows(f.svc, store.NewWatches(f.s.DB()))
	c := apitest.New(t, api.New(api.Deps{Tokens: staticTokens{"w1": {UserID: "w1", Role: kawan.RoleWorker}, "w2": {UserID: "w2", Role: kawan.RoleWorker}}},
		&api.FollowsModule{Svc: fo}))

	if r := c.Do("PUT", "/v1/agencies/"+id+"/follow", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous follow: %d", r.Status)
	}
	if r := c.As("w1").Do("PUT", "/v1/agencies/nosuch-np/follow", nil); r.Status != http.StatusNotFound {
		t.Fatalf("follow an unknown agency: %d %s", r.Status, r.Body)
	}
	for i := 0; i < 2; i++ {
		if r := c.As("w1").Do("PUT", "/v1/agencies/"+id+"/follow", nil); r.Status != http.StatusNoContent {
			t.Fatalf("follow #%d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if err := hist.Append(context.Background(), kawan.AgencyEvent{ID: "e1", AgencyID: id, Kind: "status", Regulator: "NP-DOFE", From: "active", To: "suspended",
		SeenOn: f.now, Source: "np-dofe-licensed", Summary: "licence 1234/070/71 suspended", RecordedAt: f.now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Total   int
		Follows []agencies.FollowedAgency
	}
	r := c.As("w1").Do("GET", "/v1/me/follows", nil)
	r.JSON(t, &body)
	if r.Status != http.StatusOK || body.Total != 1 || body.Follows[0].AgencyID != id || len(body.Follows[0].Changes) < 1 || body.Follows[0].Changes[0].ID != "e1" || body.Follows[0].NewChanges != 1 {
		t.Fatalf("my follows: %d %s", r.Status, r.Body)
	}
	// Another account follows nothing.
	if r := c.As("w2").Do("GET", "/v1/me/follows", nil); r.Status != http.StatusOK || string(r.Body) != `{"total":0,"follows":[]}`+"\n" {
		t.Fatalf("w2 follows: %s", r.Body)
	}
	if r := c.As("w1").Do("DELETE", "/v1/agencies/"+id+"/follow", nil); r.Status != http.StatusNoContent {
		t.Fatalf("unfollow: %d %s", r.Status, r.Body)
	}
	r = c.As("w1").Do("GET", "/v1/me/follows", nil)
	if r.JSON(t, &body); body.Total != 0 {
		t.Fatalf("after unfollow: %s", r.Body)
	}
}

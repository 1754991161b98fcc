package reviews_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/reviews"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

// staticTokens accepts the tokens in its map; the real verifier lives in auth/.
type staticTokens map[string]kawan.Principal

func (s staticTokens) VerifyAccessToken(_ context.Context, tok string) (kawan.Principal, error) {
	if p, ok := s[tok]; ok {
		return p, nil
	}
	return kawan.Principal{}, errors.New("bad token")
}

// publishAll stands in for moderation's screener: it publishes everything unchanged.
type publishAll struct{}

func (publishAll) Assess(_ context.Context, r *kawan.Review) (kawan.Assessment, error) {
	return kawan.Assessment{Screening: kawan.Screening{Status: kawan.ReviewPublished, PublicText: r.Text}}, nil
}

func (publishAll) Record(context.Context, *kawan.Review, kawan.Assessment) error { return nil }

func reviewsServer(t *testing.T) (*apitest.Client, *store.Store) {
	t.Helper()
	s := storetest.New(t)
	idx, err := search.OpenReviews(context.Background(), search.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	svc := reviews.New(store.NewReviews(s.DB()), idx, reviews.Options{Screener: publishAll{}})
	for _, id := range []string{"ag1", "ag2"} {
		if _, err := s.DB().Collection("agencies").InsertOne(context.Background(), bson.D{{Key: "_id", Value: id}, {Key: "version", Value: int64(1)}}); err != nil {
			t.Fatal(err)
		}
	}
	srv := api.New(api.Deps{Tokens: staticTokens{
		"w1":   {UserID: "w1", Role: kawan.RoleWorker},
		"w2":   {UserID: "w2", Role: kawan.RoleWorker},
		"rep1": {UserID: "rep1", Role: kawan.RoleAgencyRep, AgencyID: "ag1"},
		"rep2": {UserID: "rep2", Role: kawan.RoleAgencyRep, AgencyID: "ag2"},
	}}, &api.ReviewsModule{Svc: svc})
	return apitest.New(t, srv), s
}

const goodReview = `{"ratings":{"overall":2,"fees_honesty":1,"contract_match":2,"treatment":1,"support":3},
 "would_recommend":false,"origin":"NP","destination":"QA","sector":"construction","departure_year":2023,
 "fees_paid":{"amount":"180000.00","currency":"NPR"},"salary_promised":{"amount":"1800","currency":"QAR"},
 "salary_received":{"amount":"1200.50","currency":"QAR"},
 "text":"The agency kept my passport and charged far more than the legal fee."}`

func TestReviewsAPI(t *testing.T) {
	c, s := reviewsServer(t)
	w1, w2, rep1, rep2 := c.As("w1"), c.As("w2"), c.As("rep1"), c.As("rep2")

	if r := c.Do("POST", "/v1/agencies/ag1/reviews", goodReview); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous submit: %d", r.Status)
	}
	if r := rep1.Do("POST", "/v1/agencies/ag1/reviews", goodReview); r.Status != http.StatusForbidden {
		t.Errorf("agency rep submit: %d", r.Status)
	}
	r := w1.Do("POST", "/v1/agencies/ag1/reviews", goodReview, "Idempotency-Key", "k-1")
	if r.Status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	var created struct{ ID, Status string }
	r.JSON(t, &created)
	if created.Status != "published" {
		t.Errorf("status %q", created.Status)
	}
	again := w1.Do("POST", "/v1/agencies/ag1/reviews", goodReview, "Idempotency-Key", "k-1")
	var replay struct{ ID string }
	again.JSON(t, &replay)
	if again.Status != http.StatusCreated || replay.ID != created.ID || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry: %d %s %v", again.Status, again.Body, again.Header)
	}
	if r := w1.Do("POST", "/v1/agencies/nope/reviews", goodReview); r.Status != http.StatusNotFound {
		t.Errorf("unknown agency: %d", r.Status)
	}

	list := c.Do("GET", "/v1/agencies/ag1/reviews?sort=recent&per_page=10", nil)
	var page struct {
		Total int
		Items []map[string]any
	}
	list.JSON(t, &page)
	if list.Status != 200 || page.Total != 1 || page.Items[0]["id"] != created.ID {
		t.Fatalf("list: %d %s", list.Status, list.Body)
	}
	if strings.Contains(string(list.Body), "w1") || strings.Contains(string(list.Body), "author") {
		t.Errorf("listing reveals the author: %s", list.Body)
	}
	found := c.Do("GET", "/v1/reviews?q=passport&origin=NP&destination=QA", nil)
	found.JSON(t, &page)
	if found.Status != 200 || page.Total != 1 {
		t.Errorf("search: %d %s", found.Status, found.Body)
	}
	for _, bad := range []string{"/v1/agencies/ag1/reviews?sort=best", "/v1/agencies/ag1/reviews?per_page=500",
		"/v1/agencies/ag1/reviews?page=x", "/v1/reviews?orign=NP", "/v1/reviews?destination=qatar", "/v1/rankings/agencies?limit=0"} {
		if r := c.Do("GET", bad, nil); r.Status != http.StatusBadRequest {
			t.Errorf("GET %s: %d", bad, r.Status)
		}
	}
	if r := c.Do("GET", "/v1/reviews/"+created.ID, nil); r.Status != 200 {
		t.Errorf("get review: %d", r.Status)
	}

	if r := w2.Do("POST", "/v1/reviews/"+created.ID+"/votes", nil); r.Status != http.StatusCreated {
		t.Errorf("vote: %d %s", r.Status, r.Body)
	}
	if r := w2.Do("POST", "/v1/reviews/"+created.ID+"/votes", nil); r.Status != http.StatusConflict {
		t.Errorf("second vote: %d", r.Status)
	}
	if r := c.Do("POST", "/v1/reviews/"+created.ID+"/votes", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous vote: %d", r.Status)
	}

	if r := rep2.Do("POST", "/v1/reviews/"+created.ID+"/reply", `{"text":"Not us."}`); r.Status != http.StatusForbidden {
		t.Errorf("reply as another agency: %d", r.Status)
	}
	if r := w2.Do("POST", "/v1/reviews/"+created.ID+"/reply", `{"text":"Hi"}`); r.Status != http.StatusForbidden {
		t.Errorf("reply as a worker: %d", r.Status)
	}
	rr := rep1.Do("POST", "/v1/reviews/"+created.ID+"/reply", `{"text":"We returned all passports.","lang":"en-GB"}`)
	if rr.Status != http.StatusCreated || !strings.Contains(string(rr.Body), `"held"`) {
		t.Errorf("reply: %d %s", rr.Status, rr.Body)
	}
	if r := rep1.Do("POST", "/v1/reviews/"+created.ID+"/reply", `{"text":"Again."}`); r.Status != http.StatusConflict {
		t.Errorf("second reply: %d", r.Status)
	}

	rt := c.Do("GET", "/v1/agencies/ag1/ratings", nil)
	if rt.Status != 200 || !strings.Contains(string(rt.Body), `"total":"180000.00"`) || !strings.Contains(string(rt.Body), `"explanation"`) {
		t.Errorf("ratings: %d %s", rt.Status, rt.Body)
	}
	if r := c.Do("GET", "/v1/rankings/agencies?limit=5", nil); r.Status != 200 {
		t.Errorf("rankings: %d %s", r.Status, r.Body)
	}
	n, _ := s.DB().Collection("reviews").CountDocuments(context.Background(), bson.D{})
	if n != 1 {
		t.Errorf("%d reviews stored, want 1", n)
	}
}

func TestReviewsAPIBadInput(t *testing.T) {
	c, s := reviewsServer(t)
	w1 := c.As("w1")
	set := func(old, new string) string {
		if !strings.Contains(goodReview, old) {
			t.Fatalf("fixture lacks %q", old)
		}
		return strings.Replace(goodReview, old, new, 1)
	}
	tests := []struct {
		name, body, field string
	}{
		{"rating above 5", set(`"overall":2`, `"overall":6`), "ratings.overall"},
		{"rating below 1", set(`"support":3`, `"support":0`), "ratings.support"},
		{"fractional rating", set(`"overall":2`, `"overall":2.5`), "ratings.overall"},
		{"missing dimension", set(`"treatment":1,`, ``), "ratings.treatment"},
		{"wrong currency", set(`"currency":"NPR"`, `"currency":"RUPEES"`), "fees_paid.currency"},
		{"too many decimals", set(`"180000.00"`, `"180000.001"`), "fees_paid.amount"},
		{"amount as number", set(`"180000.00"`, `180000`), "fees_paid.amount"},
		{"text over 5000", set(`"The agency kept`, `"`+strings.Repeat("x", 5001)+` kept`), "text"},
		{"unknown field", set(`"would_recommend":false`, `"would_recommend":false,"author_id":"x"`), "author_id"},
		{"operator key", set(`"would_recommend":false`, `"would_recommend":false,"$set":{"status":"published"}`), "$set"},
		{"status smuggled", set(`"would_recommend":false`, `"would_recommend":false,"status":"published"`), "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w1.Do("POST", "/v1/agencies/ag1/reviews", tt.body)
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"`+tt.field+`"`) {
				t.Errorf("%d %s, want 400 naming %s", r.Status, r.Body, tt.field)
			}
		})
	}
	r := w1.Do("POST", "/v1/agencies/ag1/reviews", []byte(strings.Replace(goodReview, "legal fee", "legal \xff fee", 1)))
	if r.Status != http.StatusBadRequest {
		t.Errorf("invalid UTF-8: %d", r.Status)
	}
	n, _ := s.DB().Collection("reviews").CountDocuments(context.Background(), bson.D{})
	if n != 0 {
		t.Errorf("bad input stored %d reviews", n)
	}
}

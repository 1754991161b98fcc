package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/moderation"
)

// TestRedactStoredReviews: reviews stored before redaction learnt the forms of issue 21
// (here: submitted with the forms left in, as the old redaction did) are redacted again
// and the public API follows. Fictional numbers.
func TestRedactStoredReviews(t *testing.T) {
	a := apptest.New(t, nil)
	c := apitest.New(t, a.Server)
	addAgency(t, a, "agency-old")
	ctx := context.Background()
	res := c.Do(http.MethodPost, "/v1/auth/register", map[string]any{"username": "old.review", "password": "the blue jeepney to the market"})
	if res.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	p := loginAPI(t, c, "old.review", "the blue jeepney to the market")
	id := submitReview(t, c, p.AccessToken, "agency-old", "They kept my passport for a month and the fee was high.")
	// What an older version stored and published.
	old := "They kept my passport. Text me 0955 tapos 727 tapos 3851 or sita.kv1030 at gmail dot com."
	if _, err := a.Store.DB().Collection("reviews").UpdateOne(ctx, map[string]any{"_id": id},
		map[string]any{"$set": map[string]any{"text": old}, "$inc": map[string]any{"version": 1}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Reviews.SyncReview(ctx, id); err != nil {
		t.Fatal(err)
	}
	if r := c.Do(http.MethodGet, "/v1/reviews/"+id, nil); !strings.Contains(string(r.Body), "3851") {
		t.Fatalf("the old text is not public to begin with: %s", r.Body)
	}
	n, err := a.Reviews.RedactStored(ctx, moderation.Redact)
	if err != nil || n != 1 {
		t.Fatalf("RedactStored: %d, %v", n, err)
	}
	for _, path := range []string{"/v1/reviews/" + id, "/v1/agencies/agency-old/reviews"} {
		r := c.Do(http.MethodGet, path, nil)
		if r.Status != http.StatusOK || strings.Contains(string(r.Body), "3851") || strings.Contains(string(r.Body), "sita.kv1030") ||
			!strings.Contains(string(r.Body), "[removed]") {
			t.Errorf("GET %s after redaction: %d %s", path, r.Status, r.Body)
		}
	}
	if n, err := a.Reviews.RedactStored(ctx, moderation.Redact); err != nil || n != 0 {
		t.Errorf("a second pass rewrote %d (%v)", n, err)
	}
}

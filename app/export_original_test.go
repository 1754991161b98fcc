package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/store"
)

// TestExportShowsOriginalText (issue 21): the author's export gives, beside each published
// text, what they wrote while Kawan keeps it: a held review's original until the decision,
// then that it was erased; a review published at once with personal data removed says the
// original was not kept; one with nothing removed is its own original. Fictional numbers.
func TestExportShowsOriginalText(t *testing.T) {
	a := apptest.New(t, nil)
	c := apitest.New(t, a.Server)
	addAgency(t, a, "agency-export")
	addAgency(t, a, "agency-export-2")
	addAgency(t, a, "agency-export-3")
	ctx := context.Background()
	res := c.Do(http.MethodPost, "/v1/auth/register", map[string]any{"username": "export.one", "password": "the mango tree by the school"})
	if res.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	p := loginAPI(t, c, "export.one", "the mango tree by the school")
	const heldText = "They kept my passport. I know where you live, call me 0955 tapos 727 tapos 3851."
	held := submitReview(t, c, p.AccessToken, "agency-export", heldText)
	redacted := submitReview(t, c, p.AccessToken, "agency-export-2", "Fees were fair. My e-mail is sita.kv1030 at gmail dot com.")
	plain := submitReview(t, c, p.AccessToken, "agency-export-3", "Fees were fair and the contract matched.")
	if got := reviewDoc(t, a, held)["status"]; got != string(kawan.ReviewHeld) {
		t.Fatalf("held review is %v", got)
	}

	export := func() map[string]store.ExportedReview {
		t.Helper()
		res := c.As(p.AccessToken).Do(http.MethodGet, "/v1/me/export", nil)
		if res.Status != http.StatusOK {
			t.Fatalf("export: %d %s", res.Status, res.Body)
		}
		var body struct {
			Reviews []store.ExportedReview `json:"reviews"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil {
			t.Fatal(err)
		}
		out := map[string]store.ExportedReview{}
		for _, r := range body.Reviews {
			out[r.ID] = r
		}
		return out
	}
	ex := export()
	if r := ex[held]; r.OriginalText != heldText || r.Original != store.OriginalKept || r.Text == heldText {
		t.Errorf("held review in the export: original %q (%s), published %q", r.OriginalText, r.Original, r.Text)
	}
	if r := ex[redacted]; r.Original != store.OriginalNotKept || r.OriginalText != "" {
		t.Errorf("redacted review in the export: %q (%s)", r.OriginalText, r.Original)
	}
	if r := ex[plain]; r.Original != store.OriginalSame || r.OriginalText != r.Text {
		t.Errorf("plain review in the export: %q (%s)", r.OriginalText, r.Original)
	}

	mod := kawan.Principal{UserID: "mod-export", Role: kawan.RoleModerator}
	if _, err := a.Moderation.Decide(ctx, mod, held, moderation.Decision{Action: moderation.ActionReject, Reason: moderation.ReasonAbusive}); err != nil {
		t.Fatal(err)
	}
	ex = export()
	if r := ex[held]; r.OriginalText != "" || r.Original != store.OriginalErased || r.OriginalErasedAt.IsZero() {
		t.Errorf("decided review in the export: %q (%s, %v)", r.OriginalText, r.Original, r.OriginalErasedAt)
	}
}

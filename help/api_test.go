package help_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/help"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

type staticTokens map[string]kawan.Principal

func (s staticTokens) VerifyAccessToken(_ context.Context, tok string) (kawan.Principal, error) {
	if p, ok := s[tok]; ok {
		return p, nil
	}
	return kawan.Principal{}, errors.New("bad token")
}

func helpServer(t *testing.T, st *store.Store) (*apitest.Client, *help.Service) {
	t.Helper()
	svc := help.New(store.NewHelpEntries(st.DB()), help.Options{})
	srv := api.New(api.Deps{Tokens: staticTokens{
		"admin":  {UserID: "a1", Role: kawan.RoleAdmin},
		"worker": {UserID: "w1", Role: kawan.RoleWorker},
		"mod":    {UserID: "m1", Role: kawan.RoleModerator},
	}}, &api.HelpModule{Svc: svc})
	return apitest.New(t, srv), svc
}

func TestStoreRoundTrip(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		r := store.NewHelpEntries(st.DB())
		es, err := help.SampleEntries(help.SampleNow)
		if err != nil {
			t.Fatal(err)
		}
		created, err := r.PutHelpEntry(ctx, es[0])
		if err != nil || !created {
			t.Fatalf("first put: %v %v", created, err)
		}
		es[0].Hours = "changed"
		if created, err := r.PutHelpEntry(ctx, es[0]); err != nil || created {
			t.Fatalf("second put: %v %v", created, err)
		}
		got, err := r.HelpEntries(ctx, 10)
		if err != nil || len(got) != 1 || got[0].Hours != "changed" || got[0].Channels[0].Value != es[0].Channels[0].Value {
			t.Fatalf("read back: %+v %v", got, err)
		}
		if err := r.DeleteHelpEntry(ctx, es[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := r.DeleteHelpEntry(ctx, es[0].ID); !errors.Is(err, kawan.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestHelpAPI(t *testing.T) {
	st := storetest.New(t)
	c, svc := helpServer(t, st)
	if n, err := svc.Seed(context.Background()); err != nil || n < 10 {
		t.Fatalf("seed: %d %v", n, err)
	}
	admin, worker := c.As("admin"), c.As("worker")

	// Search by country: every hit serves QA, hotlines first, the sample notice shown.
	var page help.Page
	r := c.Do("GET", "/v1/help?country=QA", nil)
	r.JSON(t, &page)
	if r.Status != 200 || page.Total != 4 || page.Notice == "" {
		t.Fatalf("country=QA: %d total=%d %s", r.Status, page.Total, r.Body)
	}
	for _, e := range page.Items {
		if !contains(e.Countries, "QA") || e.LastChecked == "" {
			t.Errorf("entry %s does not serve QA or has no last_checked", e.ID)
		}
	}
	// By country and need, and by nationality: the Nepal embassy is left out for a Filipino worker.
	r = c.Do("GET", "/v1/help?country=QA&need=shelter", nil)
	r.JSON(t, &page)
	if page.Total != 2 || page.Items[0].ID != "sample-ph-embassy-qa" && page.Items[1].ID != "sample-ph-embassy-qa" {
		t.Errorf("country=QA&need=shelter: %s", r.Body)
	}
	r = c.Do("GET", "/v1/help?country=QA&nationality=PH", nil)
	r.JSON(t, &page)
	for _, e := range page.Items {
		if e.ID == "sample-np-embassy-qa" {
			t.Errorf("the Nepal embassy is for Nepali nationals: %s", r.Body)
		}
	}
	r = c.Do("GET", "/v1/help?country=MY&lang=ne&q=rights", nil)
	r.JSON(t, &page)
	if page.Total != 1 || page.Items[0].ID != "sample-my-migrant-ngo" {
		t.Errorf("MY in Nepali: %s", r.Body)
	}
	if r := c.Do("GET", "/v1/help/sample-qa-workers-shelter", nil); r.Status != 200 {
		t.Errorf("get: %d", r.Status)
	}
	if r := c.Do("GET", "/v1/help/nope", nil); r.Status != 404 {
		t.Errorf("get missing: %d", r.Status)
	}

	// Bad input names the field.
	for q, field := range map[string]string{
		"country=Qatar": "country", "need=money": "need", "kind=church": "kind", "per_page=500": "per_page",
		"page=0": "page", "countyr=QA": "countyr", "lang=!!": "lang", "country=QA&country=SG": "country",
	} {
		r := c.Do("GET", "/v1/help?"+q, nil)
		if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("GET /v1/help?%s: %d %s", q, r.Status, r.Body)
		}
	}

	// Admins edit; others may not.
	entry := map[string]any{"name": "Verified Hotline", "kind": "hotline", "countries": []string{"SG"}, "needs": []string{"general"},
		"languages": []string{"en", "ta"}, "hours": "24 hours", "channels": []map[string]string{{"type": "phone", "value": "+65 1"}},
		"source": map[string]string{"name": "Ministry website", "url": "https://example.org"}, "last_checked": "2026-11-20"}
	if r := c.Do("PUT", "/v1/help/verified-sg", entry); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous put: %d", r.Status)
	}
	if r := worker.Do("PUT", "/v1/help/verified-sg", entry); r.Status != http.StatusForbidden {
		t.Errorf("worker put: %d", r.Status)
	}
	if r := c.As("mod").Do("DELETE", "/v1/help/sample-qa-workers-shelter", nil); r.Status != http.StatusForbidden {
		t.Errorf("moderator delete: %d", r.Status)
	}
	if r := admin.Do("PUT", "/v1/help/verified-sg", entry); r.Status != http.StatusCreated {
		t.Fatalf("admin create: %d %s", r.Status, r.Body)
	}
	entry["hours"] = "Mon–Fri 09:00–17:00"
	var got help.Entry
	r = admin.Do("PUT", "/v1/help/verified-sg", entry)
	r.JSON(t, &got)
	if r.Status != 200 || got.Hours != "Mon–Fri 09:00–17:00" || got.Sample || got.UpdatedAt.IsZero() {
		t.Fatalf("admin replace: %d %s", r.Status, r.Body)
	}
	r = c.Do("GET", "/v1/help?country=SG&kind=hotline", nil)
	r.JSON(t, &page)
	if page.Total != 3 || !slices.ContainsFunc(page.Items, func(e help.Entry) bool { return e.ID == "verified-sg" }) {
		t.Errorf("the new entry is searchable at once: %s", r.Body)
	}
	for body, field := range map[string]string{
		`{"name":"x"}`: "kind",
		`{"name":"x","kind":"hotline","countries":["SG"],"needs":["general"],"languages":["en"],"hours":"h","channels":[{"type":"phone","value":"1"}],"source":{"name":"s"},"last_checked":"yesterday"}`: "last_checked",
		`{"id":"other","name":"x"}`:                        "id",
		`{"name":"x","colour":"red"}`:                      "colour",
		`{"name":"x","updated_at":"2026-01-01T00:00:00Z"}`: "updated_at",
	} {
		r := admin.Do("PUT", "/v1/help/verified-sg", body)
		if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("PUT %s: %d %s", body, r.Status, r.Body)
		}
	}
	if r := admin.Do("PUT", "/v1/help/Bad%20Id", entry); r.Status != 400 {
		t.Errorf("bad path id: %d %s", r.Status, r.Body)
	}
	r = c.Do("GET", "/v1/help/verified-sg", nil)
	r.JSON(t, &got)
	if got.Hours != "Mon–Fri 09:00–17:00" {
		t.Errorf("a refused PUT changed the entry: %s", r.Body)
	}
	if r := admin.Do("DELETE", "/v1/help/verified-sg", nil); r.Status != 204 {
		t.Errorf("delete: %d", r.Status)
	}
	if r := admin.Do("DELETE", "/v1/help/verified-sg", nil); r.Status != 404 {
		t.Errorf("delete again: %d", r.Status)
	}

	// Import a whole file: all or nothing.
	bad := `{"format":"kawan.help-directory/v1","entries":[` + mustJSON(entry, "imp-1") + `,{"id":"imp-2","name":"x"}]}`
	if r := admin.Do("PUT", "/v1/help", bad); r.Status != 400 || !strings.Contains(string(r.Body), "entries[1].kind") {
		t.Errorf("bad import: %d %s", r.Status, r.Body)
	}
	if r := c.Do("GET", "/v1/help/imp-1", nil); r.Status != 404 {
		t.Errorf("a refused import wrote entry imp-1: %d", r.Status)
	}
	good := `{"format":"kawan.help-directory/v1","entries":[` + mustJSON(entry, "imp-1") + `,` + mustJSON(entry, "sample-sg-legal-clinic") + `]}`
	r = admin.Do("PUT", "/v1/help", good)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"created":1`) || !strings.Contains(string(r.Body), `"replaced":1`) {
		t.Errorf("import: %d %s", r.Status, r.Body)
	}
	if r := worker.Do("PUT", "/v1/help", good); r.Status != 403 {
		t.Errorf("worker import: %d", r.Status)
	}

	// Rights pages.
	if r := c.Do("GET", "/v1/rights", nil); r.Status != 200 {
		t.Errorf("rights list: %d", r.Status)
	}
	if r := c.Do("GET", "/v1/rights/SG?lang=id", nil); r.Status != 200 || !strings.Contains(string(r.Body), "Singapura") {
		t.Errorf("rights SG id: %d %s", r.Status, r.Body)
	}
	if r := c.Do("GET", "/v1/rights/sg", nil); r.Status != 400 {
		t.Errorf("rights sg: %d", r.Status)
	}
	if r := c.Do("GET", "/v1/rights/FR", nil); r.Status != 404 {
		t.Errorf("rights FR: %d", r.Status)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func mustJSON(entry map[string]any, id string) string {
	m := map[string]any{}
	for k, v := range entry {
		m[k] = v
	}
	m["id"] = id
	b, _ := help.JSONMarshal(m)
	return string(b)
}

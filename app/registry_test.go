package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/config"
)

// TestRegistrySourceStaleOnAgencyPage runs a scheduled registry source through the whole
// product: KAWAN_REGISTRY_SOURCES names a local list, the agency it lists gets a page, and
// once the source fails the page shows the age of the facts next to the licence.
func TestRegistrySourceStaleOnAgencyPage(t *testing.T) {
	var down atomic.Bool
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		_, _ = io.WriteString(w, "name,licence_number,status\nFictional Ayeyar Overseas Agency,MM-7001,active\n")
	}))
	defer hs.Close()
	a := apptest.New(t, func(c *config.Config) {
		var err error
		if c.RegistrySources, err = config.ParseRegistrySources("generic:MM-MOL=" + hs.URL + "/mm.csv"); err != nil {
			t.Fatal(err)
		}
	})
	ctx := context.Background()
	if err := a.Registry.Start(ctx); err != nil {
		t.Fatal(err)
	}
	a.Registry.Refresh(ctx, true)
	res, err := a.Agencies.CheckLicence(ctx, "MM-MOL", "MM-7001")
	if err != nil || !res.Found || res.Agency == nil {
		t.Fatalf("the listed agency was not imported: %+v %v", res, err)
	}
	page := func() string {
		rec := httptest.NewRecorder()
		a.Server.ServeHTTP(rec, httptest.NewRequest("GET", "/agencies/"+res.Agency.ID+"?lang=en", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("agency page: %d", rec.Code)
		}
		return rec.Body.String()
	}
	const note = "could not read this regulator&#39;s list again"
	if strings.Contains(page(), note) {
		st, _ := a.Registry.Status(ctx)
		t.Fatalf("a fresh source is shown as stale: %+v", st)
	}
	down.Store(true)
	a.Registry.Refresh(ctx, true)
	body := page()
	if !strings.Contains(body, note) || !strings.Contains(body, "1 hour ago") {
		t.Fatalf("a stale source's age is not on the agency page:\n%s", body[strings.Index(body, "<main"):])
	}
}

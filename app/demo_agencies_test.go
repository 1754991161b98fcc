package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/config"
)

// A first start loads the fictional agencies, searchable at once and clearly marked.
func TestDemoAgencies(t *testing.T) {
	a := apptest.New(t, func(c *config.Config) { c.Demo = true })
	ctx := context.Background()
	all, err := a.Agencies.Search(ctx, agencies.SearchQuery{PerPage: 100})
	if err != nil || all.Total != app.DemoAgencyCount {
		t.Fatalf("demo agencies in search: %d %v", all.Total, err)
	}
	for _, h := range all.Hits {
		if !h.Fictional || !strings.HasSuffix(h.Name, "(Demo)") || !strings.HasPrefix(h.Licences[0].Number, "DEMO-") {
			t.Fatalf("not clearly fictional: %+v", h)
		}
	}
	for _, o := range []string{"PH", "ID", "NP", "MM", "KH", "VN", "TH", "LK", "BD"} {
		if all.Facets["origin"][o] == 0 {
			t.Errorf("no demo agencies from %s: %v", o, all.Facets["origin"])
		}
	}
	for _, st := range kawan.Standings {
		if all.Facets["standing"][string(st)] == 0 {
			t.Errorf("no demo agency is %s: %v", st, all.Facets["standing"])
		}
	}
	np, err := a.Agencies.Search(ctx, agencies.SearchQuery{Q: "manpwer nepal"})
	if err != nil || np.Total == 0 {
		t.Fatalf("manpwer nepal: %+v %v", np, err)
	}
	for _, h := range np.Hits {
		if h.Origin != "NP" {
			t.Errorf("manpwer nepal found %s from %s", h.Name, h.Origin)
		}
	}
	p, err := a.Agencies.Profile(ctx, all.Hits[0].ID)
	if err != nil || p.Score == nil || p.Sources[0].URL == "" {
		t.Errorf("profile with score: %+v %v", p, err)
	}
}

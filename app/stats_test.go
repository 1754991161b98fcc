package app_test

import (
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/config"
)

// TestOpenDataAndHelpWired: the product serves the statistics with the configured k and,
// with demo data, the sample help directory searchable by country.
func TestOpenDataAndHelpWired(t *testing.T) {
	a := apptest.New(t, func(c *config.Config) { c.Demo = true; c.StatsK = 25 })
	c := apitest.New(t, a.Server)
	r := c.Do("GET", "/v1/stats", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"k":25`) {
		t.Fatalf("catalogue: %d %s", r.Status, r.Body)
	}
	r = c.Do("GET", "/v1/stats/recruitment-fees?by=origin,destination&format=csv", nil)
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), "origin,destination,suppressed,reports,") {
		t.Fatalf("fees csv: %d %s", r.Status, r.Body)
	}
	r = c.Do("GET", "/v1/help?country=QA", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"sample":true`) || !strings.Contains(string(r.Body), "SAMPLE DATA") {
		t.Fatalf("help: %d %s", r.Status, r.Body)
	}
	if r := c.Do("GET", "/v1/rights/QA", nil); r.Status != 200 {
		t.Fatalf("rights: %d", r.Status)
	}
}

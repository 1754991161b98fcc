package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/store/storetest"
)

// `kawan stats --dir` writes every table as CSV and the catalogue.
func TestOpenDataCommand(t *testing.T) {
	env := map[string]string{
		"MONGODB_URI": storetest.EmbeddedURI(t), "MONGODB_DATABASE": "cli_" + strings.ReplaceAll(t.Name(), "/", "_"),
		"KAWAN_DATA_DIR": t.TempDir(), "KAWAN_LOG_LEVEL": "error",
	}
	dir := filepath.Join(t.TempDir(), "release")
	var out, errb bytes.Buffer
	if code := run([]string{"stats", "--dir", dir}, func(k string) string { return env[k] }, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, name := range []string{"catalogue.json", "recruitment-fees_by_origin_destination_sector_year.csv", "sdg-10-7-1_total.csv",
		"agency-reviews_by_origin_destination.csv", "remittance-costs_by_month.csv"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(data) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !strings.Contains(out.String(), "CC BY 4.0") {
		t.Errorf("output: %s", out.String())
	}
	if code := run([]string{"stats"}, func(k string) string { return env[k] }, nil, &out, &errb); code != 2 {
		t.Errorf("no --dir: exit %d", code)
	}
}

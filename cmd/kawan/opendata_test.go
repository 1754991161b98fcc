package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/store"
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
		"agency-reviews_by_origin_destination.csv", "complaints_by_agency_year.csv", "complaints_total.csv", "remittance-costs_by_month.csv"} {
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

// `kawan stats --dir` on a data directory a running server uses refuses at once with a
// clear message (issue 21: it blocked for good and ignored SIGTERM).
func TestOpenDataCommandRefusesADirectoryInUse(t *testing.T) {
	dataDir := t.TempDir()
	server, err := store.StartEmbedded(filepath.Join(dataDir, "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Stop(10 * time.Second)
	env := map[string]string{"KAWAN_DATA_DIR": dataDir, "KAWAN_LOG_LEVEL": "error"}
	var out, errb bytes.Buffer
	start := time.Now()
	code := run([]string{"stats", "--dir", filepath.Join(t.TempDir(), "release")}, func(k string) string { return env[k] }, nil, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "is in use by another process (pid") || !strings.Contains(errb.String(), "copy the directory") {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refused only after %v", d)
	}
	t.Logf("refused in %v: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(errb.String()))
	// Once the server stops, the directory is free again.
	if err := server.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	again, err := store.StartEmbedded(filepath.Join(dataDir, "db"), nil)
	if err != nil {
		t.Fatalf("after the server stopped: %v", err)
	}
	_ = again.Stop(10 * time.Second)
}

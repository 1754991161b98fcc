package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// `kawan import agencies` reports every row, is idempotent, and `kawan reindex` rebuilds.
func TestImportAndReindexCommands(t *testing.T) {
	env := map[string]string{
		"MONGODB_URI": storetest.EmbeddedURI(t), "MONGODB_DATABASE": "cli_" + strings.ReplaceAll(t.Name(), "/", "_"),
		"KAWAN_DATA_DIR": t.TempDir(), "KAWAN_LOG_LEVEL": "error",
	}
	getenv := func(k string) string { return env[k] }
	cmd := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(args, getenv, nil, &out, &errb)
		return code, out.String(), errb.String()
	}
	file := "../../agencies/testdata/np-dofe-licensed.csv"
	code, out, errs := cmd("import", "agencies", "--profile", "np-dofe-licensed", "--dry-run", "--retrieved-at", "2026-05-01", file)
	if code != 0 || !strings.Contains(out, "line 2: would add himalaya-manpower-np") || !strings.Contains(out, "dry run (nothing written)") {
		t.Fatalf("dry run: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = cmd("import", "agencies", "--profile", "np-dofe-licensed", "--retrieved-at", "2026-05-01", file)
	if code != 0 || !strings.Contains(out, "6 rows: 4 created, 0 updated, 0 unchanged, 2 rejected") ||
		!strings.Contains(out, "line 4: rejected: \"Valid Till\" \"2082-03-31\": looks like a Nepali calendar") || !strings.Contains(errs, "importing rows [") {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = cmd("import", "agencies", "--profile", "np-dofe-licensed", "--retrieved-at", "2026-05-01", file)
	if code != 0 || !strings.Contains(out, "0 created, 0 updated, 4 unchanged, 2 rejected") {
		t.Fatalf("re-import: %d\n%s", code, out)
	}
	// The DMW registry as its JSON API serves it, two pages concatenated into one file.
	pages := filepath.Join(t.TempDir(), "dmw.json")
	p1, _ := os.ReadFile("../../agencies/testdata/ph-dmw-page1.json")
	p2, _ := os.ReadFile("../../agencies/testdata/ph-dmw-page2.json")
	if err := os.WriteFile(pages, append(p1, p2...), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = cmd("import", "agencies", "--profile", "ph-dmw", "--retrieved-at", "2026-09-08", "--fictional", pages)
	if code != 0 || !strings.Contains(out, "19 rows: 18 created, 1 updated, 0 unchanged, 0 rejected") || !strings.Contains(out, "line 4: note: row 3 and row 4 are the same PH-DMW agency") {
		t.Fatalf("dmw import: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = cmd("reindex")
	if code != 0 || !strings.Contains(out, "reindexed 22 agencies") || !strings.Contains(errs, "22/22") {
		t.Fatalf("reindex: %d\n%s\n%s", code, out, errs)
	}
	for _, bad := range [][]string{{"import"}, {"import", "agencies", file}, {"import", "agencies", "--profile", "nope", file},
		{"import", "agencies", "--profile", "generic", "--retrieved-at", "May", file}, {"reindex", "now"}} {
		if code, _, _ := cmd(bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	if code, _, errs := cmd("import", "agencies", "--profile", "generic", "/nonexistent.csv"); code != 1 || !strings.Contains(errs, "no such file") {
		t.Errorf("missing file: %d %s", code, errs)
	}
	if code, _, errs := cmd("import", "agencies", "--profile", "generic", file); code != 1 || !strings.Contains(errs, "no header row") {
		t.Errorf("wrong profile for the file: %d %s", code, errs)
	}
}

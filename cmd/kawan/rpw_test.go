package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/rpw/rpwtest"
	"github.com/kawan-labs/kawan/store/storetest"
)

// `kawan import rpw` on a FICTIONAL workbook in the real layout: progress, a summary, an
// idempotent re-import, and a bad file that names its rows and changes nothing.
func TestImportRPWCommand(t *testing.T) {
	env := map[string]string{
		"MONGODB_URI": storetest.EmbeddedURI(t), "MONGODB_DATABASE": "cli_" + strings.ReplaceAll(t.Name(), "/", "_"),
		"KAWAN_DATA_DIR": t.TempDir(), "KAWAN_LOG_LEVEL": "error",
	}
	cmd := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(args, func(k string) string { return env[k] }, nil, &out, &errb)
		return code, out.String(), errb.String()
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "rpw_dataset_2011_2025_q3.xlsx")
	cs := []rpwtest.Corridor{{Period: "2025_3Q", Source: "SGP", SourceName: "Singapore", Dest: "PHL", DestName: "Philippines", SendCurrency: "SGD",
		Amount200: 270, Amount500: 675, FX: 43.5, Services: []rpwtest.Service{
			{Firm: "Lautan Remit (fictional)", Transparent: "yes", Speed: "Next day", Fee200: 5, Margin200: 0.75, Fee500: 5, Margin500: 0.7},
			{Firm: "Harbour Bank (fictional)", Transparent: "yes", Speed: "2 days", Fee200: 20, Margin200: 1.2, Fee500: 20, Margin500: 1.2},
			{Firm: "Padala Express (fictional)", Transparent: "no", Speed: "Same day", Fee200: 3, Fee500: 3, Blank500: true},
		}}}
	rows := rpwtest.Rows(cs)
	if err := rpwtest.WriteWorkbook(good, nil, rows); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cmd("import", "rpw", "--fictional", good)
	if code != 0 || !strings.Contains(out, "3 rows read") || !strings.Contains(out, "periods 2025_3Q: 1 corridor surveys created, 0 changed, 0 unchanged, 0 removed") ||
		!strings.Contains(out, "The World Bank, Remittance Prices Worldwide (CC BY 4.0)") || !strings.Contains(errs, "reading rows [") {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	if code, out, _ = cmd("import", "rpw", "--fictional", good); code != 0 || !strings.Contains(out, "0 corridor surveys created, 0 changed, 1 unchanged") {
		t.Fatalf("re-import: %d\n%s", code, out)
	}
	rows[1]["cc1 fx margin"] = "1,2"
	rows[2]["period"] = "Q3-2025"
	bad := filepath.Join(dir, "bad.xlsx")
	if err := rpwtest.WriteWorkbook(bad, nil, rows); err != nil {
		t.Fatal(err)
	}
	code, out, errs = cmd("import", "rpw", bad)
	if code != 1 || !strings.Contains(out, `row 3, column "cc1 fx margin": "1,2" is not a number`) ||
		!strings.Contains(out, `row 4, column "period": "Q3-2025" is not a survey period like 2025_3Q`) || !strings.Contains(errs, "2 errors, nothing imported") {
		t.Fatalf("bad file: %d\n%s\n%s", code, out, errs)
	}
	if code, out, _ = cmd("import", "rpw", "--dry-run", "--fictional", good); code != 0 || !strings.Contains(out, "1 unchanged") || !strings.Contains(out, "dry run") {
		t.Fatalf("after the bad file, the survey is unchanged: %d\n%s", code, out)
	}
	for _, args := range [][]string{{"import", "rpw"}, {"import", "rpw", "--period", "2025Q3", good}, {"import", "rpw", good, good}} {
		if code, _, _ := cmd(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, errs := cmd("import", "rpw", "--sheet", "Legend", good); code != 1 || !strings.Contains(errs, "not the header of the Remittance Prices Worldwide dataset") {
		t.Errorf("--sheet Legend: %d %s", code, errs)
	}
}

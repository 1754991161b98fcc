package rpw_test

import (
	"bytes"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/kawan-labs/kawan/rpw"
	"github.com/kawan-labs/kawan/rpw/demodata"
	"github.com/kawan-labs/kawan/rpw/rpwtest"
)

// fixture is a FICTIONAL survey in the real workbook's layout and quirks: Singapore→Philippines
// in 2025_3Q (a provider that does not disclose its rate, one slower than 5 days, a negative
// margin from a promotion, two products of one firm, a blank USD 500 block, "Yes" capitalised,
// the helper columns 2025_3Q fills, dates as serial numbers), the same corridor in 2024_4Q with
// every number stored as text, Germany→Kosovo written KSV in destination_code and XKX in the
// corridor column, and Qatar→Nepal with ".." for a USD 200 total.
func fixture() []rpwtest.Corridor {
	return []rpwtest.Corridor{
		{Period: "2025_3Q", Source: "SGP", SourceName: "Singapore", Dest: "PHL", DestName: "Philippines", SendCurrency: "SGD",
			Amount200: 270, Amount500: 675, FX: 43.5, DateSerial: true, HelperColumns: true,
			Services: []rpwtest.Service{
				{Firm: "Lautan Remit (fictional)", FirmType: "Money Transfer Operator", Instrument: "Cash", Access: "Agent", Speed: "Next day", Pickup: "Cash", Transparent: "yes", Fee200: 5, Margin200: 0.75, Fee500: 5, Margin500: 0.70},
				{Firm: "Harbour Bank (fictional)", FirmType: "Bank", Instrument: "Bank account", Access: "Branch", Speed: "2 days", Pickup: "Bank account", Transparent: "yes", Fee200: 20, Margin200: 1.20, Fee500: 20, Margin500: 1.20},
				{Firm: "Padala Express (fictional)", FirmType: "Money Transfer Operator", Instrument: "Debit card", Access: "Online", Speed: "Less than one hour", Pickup: "Mobile money", Transparent: "Yes", Fee200: 0, Margin200: 1.95, Fee500: 0, Margin500: 1.80},
				{Firm: "Kopi Transfer (fictional)", FirmType: "Money Transfer Operator", Instrument: "Cash", Access: "Agent", Speed: "Same day", Pickup: "Cash", Transparent: "no", Fee200: 3, Fee500: 3},
				{Firm: "Slowboat Post (fictional)", FirmType: "Post office", Instrument: "Cash", Access: "Post office", Speed: "6 days or more", Pickup: "Cash", Transparent: "yes", Fee200: 2, Margin200: 0.50, Blank500: true},
				{Firm: "Promo Pay (fictional)", FirmType: "Money Transfer Operator", Instrument: "Bank account", Access: "Online", Speed: "Less than one hour", Pickup: "Bank account", Transparent: "yes", Fee200: 0, Margin200: -0.35, Fee500: 0, Margin500: -0.20},
				{Firm: "Lautan Remit (fictional)", FirmType: "Money Transfer Operator", Instrument: "Cash", Access: "Online", Speed: "Less than one hour", Pickup: "Cash", Transparent: "yes", Fee200: 8, Margin200: 0.75, Fee500: 8, Margin500: 0.75},
			}},
		{Period: "2024_4Q", Source: "SGP", SourceName: "Singapore", Dest: "PHL", DestName: "Philippines", SendCurrency: "SGD",
			Amount200: 270, Amount500: 675, FX: 42.9, AsText: true, DateText: "12/Nov/2024", CorridorFormula: true,
			Services: []rpwtest.Service{
				{Firm: "Lautan Remit (fictional)", FirmType: "Money Transfer Operator", Speed: "Next day", Transparent: "yes", Fee200: 5, Margin200: 0.80, Fee500: 5, Margin500: 0.80},
				{Firm: "Harbour Bank (fictional)", FirmType: "Bank", Speed: "2 days", Transparent: "yes", Fee200: 20, Margin200: 1.10, Fee500: 20, Margin500: 1.10},
			}},
		{Period: "2025_3Q", Source: "DEU", SourceName: "Germany", Dest: "KSV", DestName: "Kosovo", SendCurrency: "EUR", CorridorColumn: "DEUXKX",
			Amount200: 172, Amount500: 430, FX: 1, DestRegion: "Europe & Central Asia",
			Services: []rpwtest.Service{
				{Firm: "Rhein Geld (fictional)", FirmType: "Bank", Speed: "Next day", Transparent: "yes", Fee200: 9.5, Fee500: 12},
				{Firm: "Balkan Wire (fictional)", FirmType: "Money Transfer Operator", Speed: "Less than one hour", Transparent: "yes", Fee200: 4.9, Fee500: 7.9},
				{Firm: "Postgiro (fictional)", FirmType: "Post office", Speed: "3-5 days", Transparent: "yes", Fee200: 6, Fee500: 6},
			}},
		{Period: "2025_3Q", Source: "QAT", SourceName: "Qatar", Dest: "NPL", DestName: "Nepal", SendCurrency: "QAR", Amount200: 730, Amount500: 1820, FX: 37.6,
			SkipCC1ForService: map[int]bool{1: true},
			Services: []rpwtest.Service{
				{Firm: "Himal Remit (fictional)", FirmType: "Money Transfer Operator", Speed: "Same day", Transparent: "yes", Fee200: 15, Margin200: 0.9, Fee500: 15, Margin500: 0.9},
				{Firm: "Doha Exchange (fictional)", FirmType: "Money Transfer Operator", Speed: "Same day", Transparent: "yes", Fee500: 15, Margin500: 1.1},
			}},
	}
}

func writeFixture(t testing.TB, rows []rpwtest.Row) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rpw_dataset_2011_2025_q3.xlsx")
	if err := rpwtest.WriteWorkbook(path, nil, rows); err != nil {
		t.Fatal(err)
	}
	return path
}

func find(t *testing.T, p *rpw.Parsed, corridor, period string) rpw.Survey {
	t.Helper()
	for _, s := range p.Surveys {
		if s.Corridor == corridor && s.Period == period {
			return s
		}
	}
	t.Fatalf("no survey %s %s in %d", corridor, period, len(p.Surveys))
	return rpw.Survey{}
}

// independent recomputes a corridor's average (transparent services) and SmaRT (the three
// cheapest transparent services of at most 5 days) at USD 200 from the fixture's own fees,
// amounts and margins (not from what the importer read), with exact rationals.
func independent(c rpwtest.Corridor) (avg, smart string) {
	var all, q []*big.Rat
	for i, s := range c.Services {
		if s.Transparent == "no" || c.SkipCC1ForService[i] {
			continue
		}
		total := new(big.Rat)
		total.SetString(ratText(rpwtest.Total(s.Fee200, c.Amount200, s.Margin200)))
		all = append(all, total)
		if s.Speed != "6 days or more" {
			q = append(q, total)
		}
	}
	slices.SortFunc(q, func(a, b *big.Rat) int { return a.Cmp(b) })
	mean := func(xs []*big.Rat) string {
		sum := new(big.Rat)
		for _, x := range xs {
			sum.Add(sum, x)
		}
		sum.Quo(sum, big.NewRat(int64(len(xs)), 1))
		// half-even at 2 decimals
		scaled := new(big.Rat).Mul(sum, big.NewRat(100, 1))
		fl, _ := new(big.Float).SetPrec(200).SetRat(scaled).Int(nil)
		frac := new(big.Rat).Sub(scaled, new(big.Rat).SetInt(fl))
		switch frac.Cmp(big.NewRat(1, 2)) {
		case 1:
			fl.Add(fl, big.NewInt(1))
		case 0:
			if fl.Bit(0) == 1 {
				fl.Add(fl, big.NewInt(1))
			}
		}
		return new(big.Rat).SetFrac(fl, big.NewInt(100)).FloatString(2)
	}
	avg = mean(all)
	if len(q) >= 3 {
		smart = mean(q[:3])
	}
	return avg, smart
}

func ratText(f float64) string {
	return strings.TrimRight(strings.TrimRight(big.NewFloat(f).Text('f', 2), "0"), ".")
}

func TestReadWorkbookRealLayout(t *testing.T) {
	path := writeFixture(t, rpwtest.Rows(fixture()))
	// The fixture carries the real sheet's formula cells (corridor =C9&I9 on the 2024_4Q rows,
	// with a cached value) and its declared range (A1:BV…, wider than the data).
	wb, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	formula, _ := wb.GetCellFormula(rpw.DatasetSheet, "AP9")
	cached, _ := wb.GetCellValue(rpw.DatasetSheet, "AP9")
	dim, _ := wb.GetSheetDimension(rpw.DatasetSheet)
	wb.Close()
	if formula != "C9&I9" || cached != "SGPPHL" || dim != "A1:BV15" {
		t.Fatalf("fixture: formula %q cached %q dimension %q", formula, cached, dim)
	}
	var calls int
	p, err := rpw.ReadFile(path, rpw.ReadOptions{Progress: func(done, total int) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 14 || p.Kept != 14 || len(p.Surveys) != 4 || calls == 0 {
		t.Fatalf("rows %d kept %d surveys %d progress calls %d", p.Rows, p.Kept, len(p.Surveys), calls)
	}
	if !slices.Equal(p.Periods, []string{"2024_4Q", "2025_3Q"}) {
		t.Errorf("periods %v", p.Periods)
	}
	sg := find(t, p, "SGPPHL", "2025_3Q")
	if sg.SendCurrency != "SGD" || sg.ReceiveCurrency != "PHP" || sg.SourceName != "Singapore" || len(sg.Services) != 7 {
		t.Fatalf("survey %+v", sg)
	}
	a200, _ := sg.Amount(rpw.USD200)
	a500, _ := sg.Amount(rpw.USD500)
	// By hand: totals at USD 200 (fee / 270 × 100 + margin, 2 decimals) are 2.60, 8.61, 1.95,
	// 1.11 (not transparent: left out), 1.24 (6 days or more: not in SmaRT), -0.35, 3.71.
	// Average of six: 17.76 / 6 = 2.96. SmaRT: -0.35, 1.95, 2.60 → 4.20 / 3 = 1.40.
	// At USD 500: 1.44, 4.16, 1.80, -0.20, 1.94 (the post office has no USD 500 price) → 1.83.
	if a200.AverageCostPercent != "2.96" || a200.Averaged != 6 || a200.SmartCostPercent != "1.40" || a200.SendAmount != "270" ||
		a200.AboveSDGTarget == nil || *a200.AboveSDGTarget {
		t.Errorf("USD 200: %+v", a200)
	}
	if a500.AverageCostPercent != "1.83" || a500.Averaged != 5 || a500.SmartCostPercent != "" || a500.SendAmount != "675" {
		t.Errorf("USD 500: %+v", a500)
	}
	for _, c := range fixture() {
		avg, smart := independent(c)
		s := find(t, p, c.Source+c.Dest, c.Period)
		got, _ := s.Amount(rpw.USD200)
		if got.AverageCostPercent != avg || got.SmartCostPercent != smart {
			t.Errorf("%s %s: average %s SmaRT %s, computed independently %s %s", s.Corridor, s.Period, got.AverageCostPercent, got.SmartCostPercent, avg, smart)
		}
	}
	// Values as the survey has them: exact decimals from binary floats and text cells, the
	// date serial number, "Yes" as yes, the non-transparent 0%.
	padala, kopi := sg.Services[2], sg.Services[3]
	if padala.USD200.TotalCostPercent != "1.95" || padala.USD200.FXMarginPercent != "1.95" || padala.USD200.Fee != "0" ||
		padala.Transparent != "yes" || padala.Date != "2025-07-15" || padala.Row != 4 {
		t.Errorf("padala %+v %+v", padala, padala.USD200)
	}
	if kopi.Transparent != "no" || kopi.USD200.FXMarginPercent != "0.00" || kopi.USD200.TotalCostPercent != "1.11" {
		t.Errorf("kopi %+v %+v", kopi, kopi.USD200)
	}
	if sg.Services[4].USD500 != nil {
		t.Errorf("blank USD 500 block read as %+v", sg.Services[4].USD500)
	}
	old := find(t, p, "SGPPHL", "2024_4Q")
	if old.Services[0].USD200.SendAmount != "270" || old.Services[0].USD200.TotalCostPercent != "2.65" || old.Services[0].Date != "2024-11-12" {
		t.Errorf("text numbers: %+v", old.Services[0].USD200)
	}
	ks := find(t, p, "DEUKSV", "2025_3Q")
	if ks.ReceiveCurrency != "EUR" || ks.SendCurrency != "EUR" {
		t.Errorf("Kosovo: %+v", ks)
	}
	np := find(t, p, "QATNPL", "2025_3Q")
	if np.Services[1].USD200 != nil || np.Services[1].USD500 == nil || np.ReceiveCurrency != "NPR" {
		t.Errorf("Nepal: %+v", np.Services[1])
	}
	if p.NNotes != 1 || !strings.Contains(p.Notes[0].String(), `row 15, column "cc1 total cost %": no value (..)`) {
		t.Errorf("notes %d %v", p.NNotes, p.Notes)
	}
}

// The CSV export of the same rows reads to the same surveys.
func TestReadCSVMatchesWorkbook(t *testing.T) {
	rows := rpwtest.Rows(fixture())
	x, err := rpw.ReadFile(writeFixture(t, rows), rpw.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rpw.csv")
	if err := os.WriteFile(path, append([]byte("\xef\xbb\xbf"), rpwtest.WriteCSV(nil, rows)...), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := rpw.ReadFile(path, rpw.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Surveys) != len(x.Surveys) {
		t.Fatalf("csv %d surveys, xlsx %d", len(c.Surveys), len(x.Surveys))
	}
	for i := range x.Surveys {
		if !reflect.DeepEqual(x.Surveys[i], c.Surveys[i]) {
			t.Errorf("xlsx %+v\ncsv  %+v", x.Surveys[i], c.Surveys[i])
		}
	}
}

func TestReadBadFiles(t *testing.T) {
	good := rpwtest.Rows(fixture())
	mod := func(f func(rows []rpwtest.Row) []rpwtest.Row) []rpwtest.Row {
		rows := make([]rpwtest.Row, len(good))
		for i, r := range good {
			rows[i] = rpwtest.Row{}
			for k, v := range r {
				rows[i][k] = v
			}
		}
		return f(rows)
	}
	dir := t.TempDir()
	cases := []struct {
		name, want string
		header     []string
		rows       []rpwtest.Row
		opts       rpw.ReadOptions
		csv        string
	}{
		{name: "missing column", header: slices.DeleteFunc(slices.Clone(rpwtest.Header), func(h string) bool { return h == "cc1 fx margin" }),
			rows: good, want: `row 1: the header lacks column "cc1 fx margin"`},
		{name: "period in another format", rows: mod(func(r []rpwtest.Row) []rpwtest.Row { r[2]["period"] = "2025 Q3"; return r }),
			want: `row 4, column "period": "2025 Q3" is not a survey period like 2025_3Q`},
		{name: "text in a number column", rows: mod(func(r []rpwtest.Row) []rpwtest.Row {
			r[0]["cc1 lcu fee"] = "5 SGD"
			r[9]["cc2 fx margin"] = "1,5"
			return r
		}),
			want: `2 errors, nothing imported: row 2, column "cc1 lcu fee": "5 SGD" is not a number`},
		{name: "negative fee", rows: mod(func(r []rpwtest.Row) []rpwtest.Row { r[1]["cc1 lcu fee"] = -2.0; return r }),
			want: `row 3, column "cc1 lcu fee": -2 is negative`},
		{name: "unknown currency", rows: mod(func(r []rpwtest.Row) []rpwtest.Row { r[1]["cc1 lcu code"] = "SGX"; return r }),
			want: `row 3, column "cc1 lcu code": "SGX"`},
		{name: "bad transparent", rows: mod(func(r []rpwtest.Row) []rpwtest.Row { r[1]["transparent"] = "partly"; return r }),
			want: `row 3, column "transparent": "partly" is not yes or no`},
		{name: "bad date", rows: mod(func(r []rpwtest.Row) []rpwtest.Row { r[1]["date"] = "sometime"; return r }),
			want: `row 3, column "date": "sometime" is not a date`},
		{name: "sheet that is not the dataset", rows: good, opts: rpw.ReadOptions{Sheet: "Legend"},
			want: `row 1 is not the header of the Remittance Prices Worldwide dataset`},
		{name: "no such sheet", rows: good, opts: rpw.ReadOptions{Sheet: "Dataset (from Q2 2026)"},
			want: `has no sheet "Dataset (from Q2 2026)" (it has "Terms of Use", "Methodology", "Legend", "Countries", "Dataset (up to Q1 2016)", "Dataset (from Q2 2016)")`},
		{name: "not a workbook", csv: "PK\x03\x04 not really a zip", want: "is not a readable workbook"},
		{name: "csv with a bad quote", csv: strings.Join(rpwtest.Header, ",") + "\n1,\"2025_3Q\"x,SGP\n", want: "row 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".xlsx")
			switch {
			case c.csv != "":
				if !strings.HasPrefix(c.csv, "PK") {
					path = strings.TrimSuffix(path, ".xlsx") + ".csv"
				}
				if err := os.WriteFile(path, []byte(c.csv), 0o600); err != nil {
					t.Fatal(err)
				}
			default:
				if err := rpwtest.WriteWorkbook(path, c.header, c.rows); err != nil {
					t.Fatal(err)
				}
			}
			p, err := rpw.ReadFile(path, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v (%v), want %q", err, p, c.want)
			}
		})
	}
}

// The demo's fictional survey reads without notes and gives every demo corridor an average
// and SmaRT at USD 200.
func TestDemoSurvey(t *testing.T) {
	p, err := rpw.ReadCSV(bytes.NewReader(demodata.CSV), int64(len(demodata.CSV)), "demo", rpw.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Surveys) != 11 || p.NNotes != 0 {
		t.Fatalf("%d surveys, %d notes", len(p.Surveys), p.NNotes)
	}
	for _, s := range p.Surveys {
		a, ok := s.Amount(rpw.USD200)
		if !ok || a.AverageCostPercent == "" || a.SmartCostPercent == "" {
			t.Errorf("%s %s: %+v", s.Corridor, s.Period, s.Amounts)
		}
		for _, o := range s.Services {
			if !strings.HasSuffix(o.Firm, "(fictional)") {
				t.Errorf("%s: firm %q not marked fictional", s.Corridor, o.Firm)
			}
		}
	}
}

// A file beyond the bound is refused before it is opened (a sparse file: no disk used).
func TestReadTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(rpw.MaxFileBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := rpw.ReadFile(path, rpw.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "at most 256 MB are read") {
		t.Fatalf("got %v", err)
	}
}

// Package rpwtest builds FICTIONAL survey files in the exact shape of the World Bank's
// Remittance Prices Worldwide workbook (rpw_dataset_2011_2025_q3.xlsx), for tests and
// benchmarks: its six sheets, the 42 named columns of "Dataset (from Q2 2016)" in their order,
// the five unlabelled helper columns that recent quarters fill, numbers stored as binary
// floats (9.9400000000000013) or as text ("200.00"), dates as text (15/Jul/2025) or as date
// serial numbers, transparent as yes, Yes or no, ".." for no value. Every firm is fictional.
package rpwtest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Header is the dataset sheet's header row, as the real workbook has it.
var Header = []string{
	"id", "period",
	"source_code", "source_name", "source_region", "source_income", "source_lending", "source_G8G20",
	"destination_code", "destination_name", "destination_region", "destination_income", "destination_lending", "destination_G8G20",
	"firm", "firm_type", "payment instrument", "access point", "speed actual",
	"cc1 lcu amount", "cc1 denomination amount", "cc1 lcu code", "cc1 lcu fee", "cc1 lcu fx rate", "cc1 fx margin", "cc1 total cost %",
	"cc2 lcu amount", "cc2 denomination amount", "cc2 lcu code", "cc2 lcu fee", "cc2 lcu fx rate", "cc2 fx margin", "cc2 total cost %",
	"inter lcu bank fx", "transparent", "Standard Note", "note2",
	"receiving network coverage", "pickup location", "pickup method", "date", "corridor",
}

// Row is one data row by column name; values are written as the workbook stores them:
// a float64 as a number cell (with 17 digits, like a spreadsheet's binary value), a string as
// text. Missing columns are empty cells.
type Row map[string]any

// Col returns the index of a header column.
func Col(name string) int {
	for i, h := range Header {
		if h == name {
			return i
		}
	}
	panic("rpwtest: no column " + name)
}

// Service describes one fictional surveyed service on a corridor for Rows.
type Service struct {
	Firm, FirmType, Instrument, Access, Speed, Pickup, Transparent string
	// Fee and margin at USD 200 and USD 500, in the send currency and percent.
	Fee200, Margin200, Fee500, Margin500 float64
	// Blank500 leaves the USD 500 block empty (the survey's cc2 is blank more often than cc1).
	Blank500 bool
}

// Corridor describes a fictional surveyed corridor.
type Corridor struct {
	Period                   string
	Source, SourceName       string
	Dest, DestName           string
	SendCurrency             string
	Amount200, Amount500, FX float64 // send amounts at USD 200/500, and the interbank rate
	Services                 []Service
	AsText                   bool // numbers as text cells (as 2024_3Q-4Q rows are)
	DateSerial               bool // date as a serial number (as 2025 rows are)
	CorridorColumn           string
	HelperColumns            bool // fill the unlabelled helper columns (as 2025_3Q rows are)
	CorridorFormula          bool // the corridor cell as the formula =C2&I2 with its cached value (as 2024_4Q rows are)
	SourceRegion, DestRegion string
	FirstID                  int
	TotalOverride200         map[int]string // service index → the total cost % cell as written
	DateText                 string
	SkipCC1ForService        map[int]bool
}

// Total200 and Total500 are a service's total cost %, 2 decimals as the survey rounds them:
// fee as a percent of the amount plus the margin.
func Total(fee, amount, margin float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(fee/amount*100+margin, 'f', 2, 64), 64)
	return v
}

// Rows builds the data rows of corridors.
func Rows(cs []Corridor) []Row {
	var out []Row
	id := 900001
	for _, c := range cs {
		if c.FirstID != 0 {
			id = c.FirstID
		}
		for i, s := range c.Services {
			r := Row{"id": float64(id), "period": c.Period, "source_code": c.Source, "source_name": c.SourceName,
				"source_region": or(c.SourceRegion, ".."), "source_income": "High income", "source_lending": "..", "source_G8G20": "..",
				"destination_code": c.Dest, "destination_name": c.DestName, "destination_region": or(c.DestRegion, "East Asia & Pacific"),
				"destination_income": "Lower middle income", "destination_lending": "IBRD", "destination_G8G20": "..",
				"firm": s.Firm, "firm_type": s.FirmType, "payment instrument": s.Instrument, "access point": s.Access,
				"speed actual": s.Speed, "transparent": s.Transparent, "receiving network coverage": "High",
				"pickup method": s.Pickup, "corridor": or(c.CorridorColumn, c.Source+c.Dest), "inter lcu bank fx": c.FX,
			}
			id++
			num := func(v float64) any {
				if c.AsText {
					return strconv.FormatFloat(v, 'f', 2, 64)
				}
				return v
			}
			m200, m500 := s.Margin200, s.Margin500
			fx200, fx500 := math.Round(c.FX*(1-m200/100)*1e4)/1e4, math.Round(c.FX*(1-m500/100)*1e4)/1e4
			if s.Transparent == "no" {
				m200, m500, fx200, fx500 = 0, 0, 1, 1 // placeholder rates: the cost is not disclosed
				r["inter lcu bank fx"] = 1.0
				r["Standard Note"] = "The 0% in the exchange rate margin does NOT necessarily mean that there is no exchange rate cost, but rather that this cost is not disclosed to the sender at the time of sending."
			}
			if !c.SkipCC1ForService[i] {
				r["cc1 lcu amount"], r["cc1 denomination amount"], r["cc1 lcu code"] = num(c.Amount200), num(200), c.SendCurrency
				r["cc1 lcu fee"], r["cc1 lcu fx rate"], r["cc1 fx margin"] = num(s.Fee200), num(fx200), num(m200)
				r["cc1 total cost %"] = num(Total(s.Fee200, c.Amount200, m200))
				if o, ok := c.TotalOverride200[i]; ok {
					r["cc1 total cost %"] = o
				}
			} else {
				r["cc1 lcu code"], r["cc1 total cost %"] = "..", ".."
			}
			if !s.Blank500 {
				r["cc2 lcu amount"], r["cc2 denomination amount"], r["cc2 lcu code"] = num(c.Amount500), num(500), c.SendCurrency
				r["cc2 lcu fee"], r["cc2 lcu fx rate"], r["cc2 fx margin"] = num(s.Fee500), num(fx500), num(m500)
				r["cc2 total cost %"] = num(Total(s.Fee500, c.Amount500, m500))
			}
			switch {
			case c.DateText != "":
				r["date"] = c.DateText
			case c.DateSerial:
				r["date"] = float64(45853) // 2025-07-15
			default:
				r["date"] = "15/Jul/2025"
			}
			if c.CorridorFormula {
				r["#formula"] = true
			}
			if c.HelperColumns {
				yr := c.Period[:4]
				r["#AQ"], r["#AR"], r["#AS"] = yr, c.Source+yr, c.Dest+yr
				r["#AT"], r["#AU"] = c.Source+"2026", c.Dest+"2026"
			}
			out = append(out, r)
		}
	}
	return out
}

func or(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// WriteWorkbook writes a workbook in the real file's layout: the sheets "Terms of Use",
// "Methodology", "Legend", "Countries", "Dataset (up to Q1 2016)" and "Dataset (from Q2
// 2016)" (header and rows; columns "#AQ".."#AU" of a Row go to the unlabelled columns after
// "corridor"). header, if not nil, replaces Header.
func WriteWorkbook(path string, header []string, rows []Row) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Terms of Use"); err != nil {
		return err
	}
	_ = f.SetCellValue("Terms of Use", "B28", "REFERENCES (fictional test workbook)")
	for _, s := range []string{"Methodology", "Legend", "Countries", "Dataset (up to Q1 2016)", "Dataset (from Q2 2016)"} {
		if _, err := f.NewSheet(s); err != nil {
			return err
		}
	}
	_ = f.SetCellValue("Legend", "A1", "Field")
	_ = f.SetCellValue("Legend", "B1", "Definition")
	_ = f.SetCellValue("Countries", "A2", "Code")
	_ = f.SetSheetRow("Dataset (up to Q1 2016)", "A1", &[]any{"period", "source_code", "destination_code", "firm", "product", "sending location", "cc1 total cost %"})
	if header == nil {
		header = Header
	}
	const sheet = "Dataset (from Q2 2016)"
	extra := []string{"#AQ", "#AR", "#AS", "#AT", "#AU"}
	if len(rows) > 5000 {
		// Large workbooks (benchmarks) go through the stream writer: numbers are then
		// written in their shortest form.
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		hdr := make([]any, len(header))
		for i, h := range header {
			hdr[i] = h
		}
		if err := sw.SetRow("A1", hdr); err != nil {
			return err
		}
		cells := make([]any, len(header)+len(extra))
		for i, r := range rows {
			for j, h := range header {
				cells[j] = r[h]
			}
			for j, x := range extra {
				cells[len(header)+j] = r[x]
			}
			name, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(name, cells); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		return f.SaveAs(path)
	}
	for j, h := range header {
		name, _ := excelize.CoordinatesToCellName(j+1, 1)
		_ = f.SetCellStr(sheet, name, h)
	}
	corridorCol := slices.Index(header, "corridor")
	cols := append(slices.Clone(header), extra...)
	cached := map[string]string{} // formula cell → its cached value
	for i, r := range rows {
		for j, h := range cols {
			name, _ := excelize.CoordinatesToCellName(j+1, i+2)
			var err error
			switch x := r[h].(type) {
			case nil:
			case float64:
				// 17 significant digits, as a spreadsheet stores a binary value: 9.94 is
				// written 9.9399999999999995
				ip := len(strconv.FormatFloat(math.Trunc(math.Abs(x)), 'f', 0, 64))
				if math.Abs(x) < 1 {
					ip = 0
				}
				err = f.SetCellFloat(sheet, name, x, max(17-ip, 0), 64)
			case string:
				if j == corridorCol && r["#formula"] != nil {
					// as the real 2024_4Q rows: =C2&I2, read through its cached value
					src, _ := excelize.CoordinatesToCellName(slices.Index(header, "source_code")+1, i+2)
					dst, _ := excelize.CoordinatesToCellName(slices.Index(header, "destination_code")+1, i+2)
					err = f.SetCellFormula(sheet, name, src+"&"+dst)
					cached[name] = x
					continue
				}
				err = f.SetCellStr(sheet, name, x)
			default:
				err = f.SetCellValue(sheet, name, x)
			}
			if err != nil {
				return err
			}
		}
	}
	// A styled empty cell far right, as the real sheet has at BV: its declared range is wider
	// than its data.
	style, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "BV2", "BV2", style); err != nil {
		return err
	}
	if err := f.SaveAs(path); err != nil {
		return err
	}
	return setCachedValues(path, cached, len(rows)+1)
}

var formulaCellRE = regexp.MustCompile(`<c r="([A-Z]+[0-9]+)"([^>]*)><f>([^<]*)</f>(<v>[^<]*</v>)?</c>`)

// setCachedValues rewrites the dataset sheet so its formula cells carry cached values (as a
// workbook saved by a spreadsheet does; excelize writes none) and its dimension is
// A1:BV{lastRow}, as the real sheet declares.
func setCachedValues(path string, cached map[string]string, lastRow int) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			zr.Close()
			return err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			zr.Close()
			return err
		}
		if zf.Name == "xl/worksheets/sheet6.xml" {
			data = formulaCellRE.ReplaceAllFunc(data, func(m []byte) []byte {
				sub := formulaCellRE.FindSubmatch(m)
				v, ok := cached[string(sub[1])]
				if !ok {
					return m
				}
				return []byte(fmt.Sprintf(`<c r="%s" t="str"><f>%s</f><v>%s</v></c>`, sub[1], sub[3], v))
			})
			data = bytes.Replace(data, []byte(`<dimension ref="A1"></dimension>`), []byte(fmt.Sprintf(`<dimension ref="A1:BV%d"></dimension>`, lastRow)), 1)
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			zr.Close()
			return err
		}
		if _, err := w.Write(data); err != nil {
			zr.Close()
			return err
		}
	}
	zr.Close()
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o600)
}

// WriteCSV writes the rows as the survey's CSV export (comma separated, header first).
func WriteCSV(header []string, rows []Row) []byte {
	if header == nil {
		header = Header
	}
	var b strings.Builder
	b.WriteString(strings.Join(quoteAll(header), ",") + "\n")
	for _, r := range rows {
		vals := make([]string, len(header))
		for i, h := range header {
			switch x := r[h].(type) {
			case nil:
			case float64:
				vals[i] = strconv.FormatFloat(x, 'f', -1, 64)
			default:
				vals[i] = fmt.Sprint(x)
			}
		}
		b.WriteString(strings.Join(quoteAll(vals), ",") + "\n")
	}
	return []byte(b.String())
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		if strings.ContainsAny(s, ",\"\n") {
			s = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		out[i] = s
	}
	return out
}

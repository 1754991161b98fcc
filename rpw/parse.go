package rpw

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"

	"github.com/kawan-labs/kawan"
)

// Bounds on hostile input.
const (
	MaxRows      = 1_000_000 // data rows in one file (the 2025 Q3 workbook has 204,469)
	MaxCellBytes = 2000      // one cell
	MaxColumns   = 200       // cells in one row (the real sheet declares 74, A:BV)
	MaxErrors    = 50        // errors listed before giving up
	MaxNotes     = 50        // notes listed (all are counted)
	MaxSurveys   = 50_000    // corridor-period documents kept
	maxServices  = 5_000     // services in one corridor and period
)

// Columns the importer needs, by their names in the survey's header row (matched ignoring
// case and repeated spaces). Other columns (source_region, Standard Note, note2, pickup
// location, the unlabelled helper columns of recent quarters, …) are ignored.
const (
	colID            = "id"
	colPeriod        = "period"
	colSourceCode    = "source_code"
	colSourceName    = "source_name"
	colDestCode      = "destination_code"
	colDestName      = "destination_name"
	colFirm          = "firm"
	colFirmType      = "firm_type"
	colInstrument    = "payment instrument"
	colAccessPoint   = "access point"
	colSpeed         = "speed actual"
	colInterbankFX   = "inter lcu bank fx"
	colTransparent   = "transparent"
	colCoverage      = "receiving network coverage"
	colPickup        = "pickup method"
	colDate          = "date"
	colCorridor      = "corridor"
	ccAmount         = " lcu amount"
	ccDenomination   = " denomination amount"
	ccCode           = " lcu code"
	ccFee            = " lcu fee"
	ccFXRate         = " lcu fx rate"
	ccMargin         = " fx margin"
	ccTotal          = " total cost %"
	noValue          = ".."
	excelSignificant = 15
)

// RequiredColumns lists every column a survey file must have, in the order of the real sheet.
var RequiredColumns = func() []string {
	cols := []string{colID, colPeriod, colSourceCode, colSourceName, colDestCode, colDestName, colFirm, colFirmType,
		colInstrument, colAccessPoint, colSpeed}
	for _, cc := range []string{"cc1", "cc2"} {
		for _, s := range []string{ccAmount, ccDenomination, ccCode, ccFee, ccFXRate, ccMargin, ccTotal} {
			cols = append(cols, cc+s)
		}
	}
	return append(cols, colInterbankFX, colTransparent, colCoverage, colPickup, colDate, colCorridor)
}()

// RowError is a problem with one cell (Column "") or row of the file.
type RowError struct {
	Row    int    // 1-based, the header is row 1
	Column string // the header's name for the column
	Reason string
}

func (e RowError) String() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Reason)
	}
	return fmt.Sprintf("row %d, column %q: %s", e.Row, e.Column, e.Reason)
}

// header maps the needed columns to their positions.
type header struct {
	idx map[string]int
}

func normName(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// parseHeader reads the header row; it names every missing column, or says the sheet is not
// the dataset when none of the survey's columns is there.
func parseHeader(cells []string) (*header, error) {
	h := &header{idx: map[string]int{}}
	seen := map[string]int{}
	for i, c := range cells {
		n := normName(c)
		if n == "" {
			continue
		}
		if j, dup := seen[n]; dup {
			return nil, fmt.Errorf("row 1: column %q appears twice (columns %d and %d)", c, j+1, i+1)
		}
		seen[n] = i
	}
	var missing []string
	for _, col := range RequiredColumns {
		if i, ok := seen[col]; ok {
			h.idx[col] = i
		} else {
			missing = append(missing, strconv.Quote(col))
		}
	}
	switch {
	case len(missing) == len(RequiredColumns):
		return nil, fmt.Errorf("row 1 is not the header of the Remittance Prices Worldwide dataset (no column period, firm, cc1 total cost %%, …)")
	case len(missing) > 0:
		return nil, fmt.Errorf("row 1: the header lacks column %s", strings.Join(missing, ", "))
	}
	return h, nil
}

// record is one parsed data row.
type record struct {
	key                  string
	corridor, period     string
	srcCode, srcName     string
	dstCode, dstName     string
	send, receive        string
	service              Offer
	noteUSD200, noteNone bool
}

// rowParser turns data rows into records, with the notes (values the survey does not have)
// and errors it finds, each naming the row and column.
type rowParser struct {
	h      *header
	errs   []RowError
	nerrs  int
	notes  []RowError
	nnotes int
	intern map[string]string
}

func newRowParser(h *header) *rowParser { return &rowParser{h: h, intern: map[string]string{}} }

func (p *rowParser) fail(row int, col, format string, args ...any) {
	p.nerrs++
	if len(p.errs) < MaxErrors {
		p.errs = append(p.errs, RowError{Row: row, Column: col, Reason: fmt.Sprintf(format, args...)})
	}
}

func (p *rowParser) note(row int, col, format string, args ...any) {
	p.nnotes++
	if len(p.notes) < MaxNotes {
		p.notes = append(p.notes, RowError{Row: row, Column: col, Reason: fmt.Sprintf(format, args...)})
	}
}

// text is a column's trimmed value, "" for no value ("..", empty); strings repeat across
// 200,000 rows, so they are interned.
func (p *rowParser) text(cells []string, col string) string {
	i := p.h.idx[col]
	if i >= len(cells) {
		return ""
	}
	s := strings.TrimSpace(cells[i])
	if s == noValue {
		return ""
	}
	if v, ok := p.intern[s]; ok {
		return v
	}
	if len(p.intern) < 100_000 {
		p.intern[s] = s
	}
	return s
}

var (
	periodRE  = regexp.MustCompile(`^(\d{4})_([1-4])Q$`)
	countryRE = regexp.MustCompile(`^[A-Z]{3}$`)
	numberRE  = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,2})?$`)
)

// number reads a number cell: a plain decimal ("6.84", "200.00", "-1.5"), or a number as a
// workbook stores it ("9.9400000000000013", "4.9999999999999996E-2"), which is rounded to
// the 15 significant digits a spreadsheet keeps; "" for no value. signed allows negatives
// (the survey has negative margins and totals: promotions).
func (p *rowParser) number(row int, cells []string, col string, signed bool) (string, bool) {
	s := p.text(cells, col)
	if s == "" {
		return "", true
	}
	if len(s) > 40 || !numberRE.MatchString(s) {
		p.fail(row, col, "%q is not a number (a plain decimal like 6.84, or empty or .. for no value)", clip(s))
		return "", false
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		p.fail(row, col, "%q is not a number", clip(s))
		return "", false
	}
	if d.Abs().GreaterThanOrEqual(maxNumber) {
		p.fail(row, col, "%q is out of range", clip(s))
		return "", false
	}
	if d.IsNegative() && !signed {
		p.fail(row, col, "%s is negative", sig15(d).String())
		return "", false
	}
	return sig15(d).Round(12).String(), true
}

// maxNumber bounds a number cell (amounts in the survey's currencies stay far below).
var maxNumber = decimal.New(1, 15)

// sig15 rounds d to 15 significant digits (a spreadsheet's precision) when it has more.
func sig15(d decimal.Decimal) decimal.Decimal {
	if d.IsZero() {
		return decimal.Zero
	}
	digits := int32(len(d.Coefficient().String()))
	if c := d.Coefficient(); c.Sign() < 0 {
		digits--
	}
	if digits <= excelSignificant {
		return d
	}
	// places after the point that keep 15 significant digits
	places := -d.Exponent() - (digits - excelSignificant)
	return d.Round(places)
}

// pct writes a percentage with at least the 2 decimals the survey publishes ("2.6" → "2.60").
func pct(s string) string {
	if s == "" {
		return ""
	}
	d := decimal.RequireFromString(s)
	return d.StringFixed(max(2, -d.Exponent()))
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// price reads one amount's block (cc1 or cc2); nil when the survey has no total cost there.
func (p *rowParser) price(row int, cells []string, cc string) (*Price, string, bool) {
	ok := true
	get := func(suffix string, signed bool) string {
		v, good := p.number(row, cells, cc+suffix, signed)
		ok = ok && good
		return v
	}
	pr := &Price{SendAmount: get(ccAmount, false), Fee: get(ccFee, false), FXMarginPercent: pct(get(ccMargin, true)), TotalCostPercent: pct(get(ccTotal, true))}
	get(ccDenomination, false)
	get(ccFXRate, false) // checked, never used: its unit may not be receive per send
	code := p.text(cells, cc+ccCode)
	if code != "" {
		if _, err := kawan.LookupCurrency(code); err != nil {
			p.fail(row, cc+ccCode, "%q: %v", clip(code), err)
			ok = false
		}
	}
	if pr.SendAmount == "0" {
		p.fail(row, cc+ccAmount, "the amount sent is 0")
		ok = false
	}
	if pr.TotalCostPercent == "" {
		return nil, code, ok
	}
	if code == "" && ok {
		p.fail(row, cc+ccCode, "a price without its currency (the column is empty)")
		ok = false
	}
	return pr, code, ok
}

var dateLayouts = []string{"02/Jan/2006", "2/Jan/2006", "2006-01-02", "02/01/2006", "2/1/2006", "02-Jan-2006", "2-Jan-2006", "2006-01-02T15:04:05", "2006-01-02 15:04:05"}

// excelEpoch is day 0 of a workbook's date serial numbers (1900 system, after its leap bug).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// date reads the collection date: text "15/Jul/2025" (older quarters), a workbook date serial
// number ("45853", recent quarters), or an ISO date; "" when empty.
func (p *rowParser) date(row int, cells []string) (string, bool) {
	s := p.text(cells, colDate)
	if s == "" {
		return "", true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format(time.DateOnly), true
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 1 && f < 2958466 && numberRE.MatchString(s) {
		return excelEpoch.AddDate(0, 0, int(f)).Format(time.DateOnly), true
	}
	p.fail(row, colDate, "%q is not a date like 15/Jul/2025", clip(s))
	return "", false
}

// destCurrency is the currency a destination pays out in: the survey does not record it.
func destCurrency(code string) (string, bool) {
	switch code {
	case "KSV", "XKX": // Kosovo, as the survey writes it (not ISO 3166)
		return "EUR", true
	}
	r, err := language.ParseRegion(code)
	if err != nil {
		return "", false
	}
	u, ok := currency.FromRegion(r)
	if !ok {
		return "", false
	}
	if _, err := kawan.LookupCurrency(u.String()); err != nil {
		return "", false
	}
	return u.String(), true
}

// parse reads one data row. It returns ok=false when the row is empty (skipped) or has an
// error (recorded).
func (p *rowParser) parse(row int, cells []string) (record, bool) {
	empty := true
	for _, c := range cells {
		if len(c) > MaxCellBytes {
			p.fail(row, "", "a cell is longer than %d bytes", MaxCellBytes)
			return record{}, false
		}
		if strings.TrimSpace(c) != "" {
			empty = false
		}
	}
	if empty {
		return record{}, false
	}
	before := p.nerrs
	var r record
	r.period = p.text(cells, colPeriod)
	if !periodRE.MatchString(r.period) {
		if r.period == "" {
			p.fail(row, colPeriod, "is empty")
		} else {
			p.fail(row, colPeriod, "%q is not a survey period like 2025_3Q", clip(r.period))
		}
	}
	r.srcCode, r.dstCode = strings.ToUpper(p.text(cells, colSourceCode)), strings.ToUpper(p.text(cells, colDestCode))
	if !countryRE.MatchString(r.srcCode) {
		p.fail(row, colSourceCode, "%q is not a three-letter country code like SGP", clip(r.srcCode))
	}
	if !countryRE.MatchString(r.dstCode) {
		p.fail(row, colDestCode, "%q is not a three-letter country code like PHL", clip(r.dstCode))
	} else if cur, ok := destCurrency(r.dstCode); !ok {
		p.fail(row, colDestCode, "%q: no currency is known for this country", r.dstCode)
	} else {
		r.receive = cur
	}
	r.srcName, r.dstName = p.text(cells, colSourceName), p.text(cells, colDestName)
	r.corridor = r.srcCode + r.dstCode // the survey's corridor column may spell Kosovo XKX where destination_code has KSV
	s := &r.service
	s.Row = row
	s.Firm = p.text(cells, colFirm)
	if s.Firm == "" {
		p.fail(row, colFirm, "is empty")
	}
	s.FirmType, s.PaymentInstrument, s.AccessPoint = p.text(cells, colFirmType), p.text(cells, colInstrument), p.text(cells, colAccessPoint)
	s.Speed, s.PickupMethod, s.Coverage = p.text(cells, colSpeed), p.text(cells, colPickup), p.text(cells, colCoverage)
	switch t := strings.ToLower(p.text(cells, colTransparent)); t {
	case "yes", "no", "":
		s.Transparent = t
	default:
		p.fail(row, colTransparent, "%q is not yes or no", clip(t))
	}
	s.Date, _ = p.date(row, cells)
	p.number(row, cells, colInterbankFX, false)
	var code1, code2 string
	s.USD200, code1, _ = p.price(row, cells, "cc1")
	s.USD500, code2, _ = p.price(row, cells, "cc2")
	r.send = code1
	if s.USD200 == nil {
		r.send = code2
	}
	if s.USD200 != nil && s.USD500 != nil && code1 != code2 && code2 != "" {
		p.fail(row, "cc2"+ccCode, "%s differs from cc1 lcu code %s", code2, code1)
	}
	if p.nerrs > before {
		return record{}, false
	}
	switch {
	case s.USD200 == nil && s.USD500 == nil:
		p.note(row, "cc1"+ccTotal, "no value at USD 200 nor at USD 500: the row is left out")
		return record{}, false
	case s.USD200 == nil:
		p.note(row, "cc1"+ccTotal, "no value (%s): the service has no USD 200 price and is left out of that average and SmaRT", cellOrEmpty(p, cells, "cc1"+ccTotal))
	}
	r.key = surveyKey(r.corridor, r.period, r.send)
	return r, true
}

func cellOrEmpty(p *rowParser, cells []string, col string) string {
	if i := p.h.idx[col]; i < len(cells) && strings.TrimSpace(cells[i]) == noValue {
		return noValue
	}
	return "empty"
}

package agencies

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	utf16 "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// Bounds on imported files.
const (
	// MaxImportBytes is the largest list the importer reads (a regulator's full list is a
	// few MB; anything far larger is a wrong file or needs splitting).
	MaxImportBytes = 32 << 20
	// MaxImportRows bounds the data rows of one file.
	MaxImportRows = 200000
	maxField      = 2000
	headerSearch  = 25 // title rows a list may have above its header
)

// ImportError is a file-level problem: nothing was imported.
type ImportError struct{ Msg string }

func (e *ImportError) Error() string { return "import: " + e.Msg }

// Unwrap makes it a validation error (400 at the API, exit 1 at the CLI).
func (e *ImportError) Unwrap() error { return kawan.Invalid("file", "%s", e.Msg) }

func fileErr(format string, args ...any) error {
	return &ImportError{Msg: fmt.Sprintf(format, args...)}
}

// Row is one parsed data row of a regulator's list.
type Row struct {
	Line         int
	Name         string
	Licence      string
	Regulator    string
	Origin       string
	Status       kawan.LicenceStatus
	ValidFrom    time.Time
	ValidTo      time.Time
	StatusDate   time.Time
	Address      string
	City         string
	Contact      kawan.Contact
	Destinations []string
	Sectors      []string
	TradeNames   []string
	SourceURL    string
	// Sanction is what the list itself says was done (suspension, revocation, blacklisting).
	Sanction *kawan.Sanction
}

// RowError is one rejected row with the reason a person can act on.
type RowError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// Parsed is a whole list: the good rows and the rejected ones.
type Parsed struct {
	Rows     []Row
	Rejected []RowError
	// Columns maps each recognised field to the header it was read from.
	Columns map[string]string
}

// ParseOptions are the per-file choices of an import.
type ParseOptions struct {
	// Encoding of the file: "" (UTF-8, or UTF-16 with a byte-order mark), "windows-1252" or "latin1".
	Encoding string
	// RetrievedAt is when the list was downloaded from the regulator; it becomes each fact's retrieved_at.
	RetrievedAt time.Time
	// Now is today's date, to refuse dates from the far future (tests).
	Now time.Time
}

// ParseList reads a CSV (or tab/semicolon separated) export of a regulator's list with
// profile p. File-level problems (size, encoding, no recognisable header, too many rows) are
// an *ImportError and nothing is returned; row-level problems reject that row only.
func ParseList(p *ImportProfile, data []byte, o ParseOptions) (*Parsed, error) {
	if len(data) > MaxImportBytes {
		return nil, fileErr("the file is %.1f MB; the importer reads at most %d MB: split the list or export only its columns", float64(len(data))/(1<<20), MaxImportBytes>>20)
	}
	text, err := decode(data, o.Encoding)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, fileErr("the file is empty")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sniffDelimiter(text)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false

	out := &Parsed{}
	var cols map[string]int
	seen := map[string]int{}
	rows := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if cols == nil {
					return nil, fileErr("line %d is not valid CSV: %v", pe.Line, pe.Err)
				}
				out.Rejected = append(out.Rejected, RowError{Line: pe.Line, Reason: "not valid CSV: " + pe.Err.Error()})
				continue
			}
			return nil, fileErr("reading the file: %v", err)
		}
		line := 0
		if len(rec) > 0 { // FieldPos panics on an empty record
			line, _ = r.FieldPos(0)
		}
		if cols == nil {
			if line > headerSearch*4 {
				break
			}
			cols = p.matchHeader(rec)
			if cols != nil {
				out.Columns = map[string]string{}
				for f, i := range cols {
					out.Columns[f] = strings.TrimSpace(rec[i])
				}
			}
			continue
		}
		if blank(rec) || p.matchHeader(rec) != nil {
			continue // empty row, or the header repeated on every printed page
		}
		rows++
		if rows > MaxImportRows {
			return nil, fileErr("the file has more than %d rows; split it", MaxImportRows)
		}
		row, err := p.parseRow(rec, cols, out.Columns, line, o)
		if err != nil {
			out.Rejected = append(out.Rejected, RowError{Line: line, Reason: err.Error()})
			continue
		}
		k := store.LicenceKey(row.Regulator, row.Licence)
		if first, dup := seen[k]; dup {
			out.Rejected = append(out.Rejected, RowError{Line: line, Reason: fmt.Sprintf("licence %s appears again (first on line %d); fix the list and keep one row", row.Licence, first)})
			continue
		}
		seen[k] = line
		out.Rows = append(out.Rows, row)
	}
	if cols == nil {
		return nil, fileErr("no header row found in the first %d rows: profile %s needs columns %s", headerSearch, p.Name, p.describeRequired())
	}
	return out, nil
}

// decode returns the file as UTF-8 text: a UTF-8 byte-order mark is dropped, UTF-16 with a
// byte-order mark (Excel's "Unicode text") is converted, and Windows-1252/Latin-1 is
// converted when asked. Anything else that is not UTF-8 is refused with the first bad line.
func decode(data []byte, enc string) (string, error) {
	switch strings.ToLower(strings.ReplaceAll(enc, "_", "-")) {
	case "", "utf-8", "utf8":
	case "windows-1252", "cp1252":
		out, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return "", fileErr("decoding windows-1252: %v", err)
		}
		return string(out), nil
	case "latin1", "latin-1", "iso-8859-1":
		out, err := charmap.ISO8859_1.NewDecoder().Bytes(data)
		if err != nil {
			return "", fileErr("decoding latin-1: %v", err)
		}
		return string(out), nil
	default:
		return "", fileErr("unknown encoding %q: use utf-8, windows-1252 or latin1", enc)
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, _, err := transform.Bytes(utf16.UTF16(utf16.LittleEndian, utf16.UseBOM).NewDecoder(), data)
		if err != nil || !utf8.Valid(out) {
			return "", fileErr("the file starts like UTF-16 but is not valid UTF-16; re-export it as \"CSV UTF-8\"")
		}
		return string(out), nil
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		line := bytes.Count(data[:i], []byte("\n")) + 1
		return "", fileErr("line %d is not UTF-8 text (the file is probably Windows-1252/Latin-1 from Excel): re-export it as \"CSV UTF-8\" or pass encoding windows-1252", line)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", fileErr("the file contains NUL bytes: it is not a CSV text file (an .xlsx must first be saved as CSV)")
	}
	return string(data), nil
}

// sniffDelimiter picks comma, semicolon or tab by counting them in the first lines.
func sniffDelimiter(text string) rune {
	head := text
	if len(head) > 8192 {
		head = head[:8192]
	}
	best, bestN := ',', 0
	for _, d := range []rune{',', ';', '\t'} {
		if n := strings.Count(head, string(d)); n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// headerKey is how header cells are compared: lower case letters and digits only.
func headerKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// matchHeader returns the column index of each field if rec is a header with every required field.
func (p *ImportProfile) matchHeader(rec []string) map[string]int {
	cols := map[string]int{}
	for i, cell := range rec {
		k := headerKey(cell)
		if k == "" {
			continue
		}
		for _, f := range fieldOrder {
			if _, done := cols[f]; done {
				continue
			}
			if slices.Contains(p.aliasKeys[f], k) {
				cols[f] = i
				break
			}
		}
	}
	for _, f := range p.Required {
		if _, ok := cols[f]; !ok {
			return nil
		}
	}
	return cols
}

// clean trims a cell and collapses runs of white space to one space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// parseRow turns one record into a Row or says why it cannot.
func (p *ImportProfile) parseRow(rec []string, cols map[string]int, hdr map[string]string, line int, o ParseOptions) (Row, error) {
	get := func(f string) string {
		i, ok := cols[f]
		if !ok || i >= len(rec) {
			return ""
		}
		return clean(rec[i])
	}
	for _, f := range rec {
		if len(f) > maxField {
			return Row{}, fmt.Errorf("a cell is longer than %d characters", maxField)
		}
	}
	row := Row{Line: line, Name: get(FieldName), Licence: get(FieldLicence), Regulator: p.Regulator, Origin: p.Origin, SourceURL: p.SourceURL,
		Address: get(FieldAddress), City: get(FieldCity),
		Contact: kawan.Contact{Phone: get(FieldPhone), Email: get(FieldEmail), Website: get(FieldWebsite)}}
	if row.Name == "" {
		return Row{}, fmt.Errorf("the %s column is empty", p.colName(hdr, FieldName))
	}
	if kawan.NormalizeName(row.Name) == "" || utf8.RuneCountInString(row.Name) > maxName {
		return Row{}, fmt.Errorf("agency name %q is not a usable name", trunc(row.Name))
	}
	if row.Licence == "" {
		return Row{}, fmt.Errorf("the %s column is empty", p.colName(hdr, FieldLicence))
	}
	if kawan.NormalizeLicenceNumber(row.Licence) == "" || utf8.RuneCountInString(row.Licence) > maxLicenceNo {
		return Row{}, fmt.Errorf("licence number %q has no letters or digits, or is longer than %d characters", trunc(row.Licence), maxLicenceNo)
	}
	if v := get(FieldRegulator); v != "" {
		code, ok := kawan.NormalizeRegulator(v)
		if !ok {
			return Row{}, fmt.Errorf("regulator %q is not a known code (PH-DMW, NP-DOFE, ID-BP2MI, MM-MOL, KH-MLVT, VN-DOLAB, TH-DOE, LK-SLBFE, BD-BMET)", trunc(v))
		}
		row.Regulator = code
	}
	if row.Regulator == "" {
		return Row{}, errors.New("no regulator: add a regulator column")
	}
	reg := kawan.Regulators[row.Regulator]
	if row.Origin == "" {
		row.Origin = reg.Country
	}
	if row.SourceURL == "" {
		row.SourceURL = reg.URL
	}
	if v := get(FieldOrigin); v != "" {
		row.Origin = strings.ToUpper(v)
		ve := &kawan.ValidationError{}
		CheckCountry(ve, "origin", row.Origin)
		if ve.Err() != nil {
			return Row{}, fmt.Errorf("origin %q is not an ISO 3166-1 alpha-2 country code", trunc(v))
		}
	}
	if v := get(FieldSourceURL); v != "" {
		if !validURL(v) {
			return Row{}, fmt.Errorf("source_url %q is not an http(s) URL", trunc(v))
		}
		row.SourceURL = v
	}
	row.Status = p.DefaultStatus
	var kind kawan.SanctionKind
	if v := get(FieldStatus); v != "" {
		st, k, ok := ParseStatus(v)
		if !ok {
			return Row{}, fmt.Errorf("status %q is not one the importer knows (active, suspended, revoked, cancelled, expired, pending, banned)", trunc(v))
		}
		row.Status, kind = st, k
	} else if p.DefaultStatus == "" {
		return Row{}, fmt.Errorf("the %s column is empty", p.colName(hdr, FieldStatus))
	}
	var err error
	for _, d := range []struct {
		field string
		into  *time.Time
	}{{FieldValidFrom, &row.ValidFrom}, {FieldValidTo, &row.ValidTo}, {FieldStatusDate, &row.StatusDate}} {
		v := get(d.field)
		if *d.into, err = ParseDate(v, p.DayFirst); err != nil {
			return Row{}, fmt.Errorf("%s %q: %v", p.colName(hdr, d.field), trunc(v), err)
		}
		if !d.into.IsZero() && d.into.After(o.Now.AddDate(30, 0, 0)) {
			return Row{}, fmt.Errorf("%s %q is implausibly far in the future", p.colName(hdr, d.field), trunc(v))
		}
	}
	if !row.ValidFrom.IsZero() && !row.ValidTo.IsZero() && row.ValidTo.Before(row.ValidFrom) {
		return Row{}, fmt.Errorf("valid-to date %s is before valid-from date %s", row.ValidTo.Format("2006-01-02"), row.ValidFrom.Format("2006-01-02"))
	}
	if row.Contact.Website != "" && !validURL(row.Contact.Website) {
		if validURL("https://" + row.Contact.Website) {
			row.Contact.Website = "https://" + row.Contact.Website
		} else {
			row.Contact.Website = ""
		}
	}
	row.TradeNames = splitList(get(FieldTradeNames))
	for _, c := range splitList(get(FieldDestinations)) {
		c = strings.ToUpper(c)
		ve := &kawan.ValidationError{}
		CheckCountry(ve, "destination", c)
		if ve.Err() != nil {
			return Row{}, fmt.Errorf("destination %q is not an ISO 3166-1 alpha-2 country code", trunc(c))
		}
		row.Destinations = appendUnique(row.Destinations, c)
	}
	for _, s := range splitList(get(FieldSectors)) {
		s = strings.ReplaceAll(strings.ToLower(s), " ", "_")
		if !slices.Contains(kawan.Sectors, s) {
			return Row{}, fmt.Errorf("sector %q is not one of %s", trunc(s), strings.Join(kawan.Sectors, ", "))
		}
		row.Sectors = appendUnique(row.Sectors, s)
	}
	if v := get(FieldSanctionKind); v != "" {
		kind = kawan.SanctionKind(strings.ToLower(strings.ReplaceAll(v, " ", "_")))
		if !kind.Valid() {
			return Row{}, fmt.Errorf("sanction kind %q is not one of suspension, revocation, blacklist, fine, warning, criminal_case", trunc(v))
		}
	}
	if kind == "" && p.SanctionFromStatus {
		switch row.Status {
		case kawan.LicenceSuspended:
			kind = kawan.SanctionSuspension
		case kawan.LicenceRevoked, kawan.LicenceCancelled:
			kind = kawan.SanctionRevocation
		}
	}
	if kind != "" {
		date := row.StatusDate
		if date.IsZero() {
			if v := get(FieldSanctionDate); v != "" {
				if date, err = ParseDate(v, p.DayFirst); err != nil {
					return Row{}, fmt.Errorf("%s %q: %v", p.colName(hdr, FieldSanctionDate), trunc(v), err)
				}
			}
		}
		if date.IsZero() {
			return Row{}, fmt.Errorf("a %s needs its date: the %s column is empty", kind, p.colName(hdr, FieldStatusDate))
		}
		summary := get(FieldRemarks)
		if summary == "" {
			summary = fmt.Sprintf("Licence %s %s according to the %s list", row.Licence, row.Status, row.Regulator)
		}
		if utf8.RuneCountInString(summary) > maxSummary {
			summary = string([]rune(summary)[:maxSummary])
		}
		row.Sanction = &kawan.Sanction{Date: date, Authority: reg.Name, Kind: kind, Summary: summary, SourceURL: row.SourceURL,
			RetrievedAt: o.RetrievedAt, Licence: row.Licence}
		if row.StatusDate.IsZero() && (row.Status == kawan.LicenceSuspended || row.Status == kawan.LicenceRevoked || row.Status == kawan.LicenceCancelled) {
			row.StatusDate = date
		}
	}
	for _, s := range []string{row.Address, row.City, row.Contact.Phone, row.Contact.Email} {
		if utf8.RuneCountInString(s) > maxText {
			return Row{}, fmt.Errorf("a contact or address cell is longer than %d characters", maxText)
		}
	}
	return row, nil
}

func (p *ImportProfile) colName(hdr map[string]string, f string) string {
	if h := hdr[f]; h != "" {
		return fmt.Sprintf("%q", h)
	}
	if len(p.Columns[f]) > 0 {
		return fmt.Sprintf("%q", p.Columns[f][0])
	}
	return f
}

func trunc(s string) string {
	if utf8.RuneCountInString(s) > 60 {
		return string([]rune(s)[:60]) + "…"
	}
	return s
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' || r == ',' || r == '/' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// statusWords maps the words regulators' lists use (English, Filipino lists in English,
// Indonesian, Nepali lists in English) to a licence status and, for bans, a sanction.
var statusWords = map[string]struct {
	st   kawan.LicenceStatus
	kind kawan.SanctionKind
}{
	"active": {kawan.LicenceActive, ""}, "licensed": {kawan.LicenceActive, ""}, "valid": {kawan.LicenceActive, ""},
	"renewed": {kawan.LicenceActive, ""}, "goodstanding": {kawan.LicenceActive, ""}, "ingoodstanding": {kawan.LicenceActive, ""},
	"aktif": {kawan.LicenceActive, ""}, "berlaku": {kawan.LicenceActive, ""}, "provisional": {kawan.LicenceActive, ""},
	"suspended": {kawan.LicenceSuspended, ""}, "suspension": {kawan.LicenceSuspended, ""}, "dibekukan": {kawan.LicenceSuspended, ""},
	"diskors": {kawan.LicenceSuspended, ""}, "preventivelysuspended": {kawan.LicenceSuspended, ""},
	"revoked": {kawan.LicenceRevoked, ""}, "revocation": {kawan.LicenceRevoked, ""}, "dicabut": {kawan.LicenceRevoked, ""},
	"cancelled": {kawan.LicenceCancelled, ""}, "canceled": {kawan.LicenceCancelled, ""}, "cancellation": {kawan.LicenceCancelled, ""},
	"delisted": {kawan.LicenceCancelled, ""}, "dibatalkan": {kawan.LicenceCancelled, ""}, "closed": {kawan.LicenceCancelled, ""},
	"expired": {kawan.LicenceExpired, ""}, "lapsed": {kawan.LicenceExpired, ""}, "kedaluwarsa": {kawan.LicenceExpired, ""},
	"kadaluarsa": {kawan.LicenceExpired, ""}, "tidakaktif": {kawan.LicenceExpired, ""}, "inactive": {kawan.LicenceExpired, ""},
	"pending": {kawan.LicencePending, ""}, "forrenewal": {kawan.LicencePending, ""}, "underprocess": {kawan.LicencePending, ""},
	"diproses": {kawan.LicencePending, ""},
	"banned":   {kawan.LicenceCancelled, kawan.SanctionBlacklist}, "blacklisted": {kawan.LicenceCancelled, kawan.SanctionBlacklist},
	"disqualified": {kawan.LicenceCancelled, kawan.SanctionBlacklist}, "forfeited": {kawan.LicenceCancelled, kawan.SanctionRevocation},
}

// ParseStatus maps a list's status word to a licence status (and a sanction for bans).
func ParseStatus(s string) (kawan.LicenceStatus, kawan.SanctionKind, bool) {
	k := headerKey(s)
	if w, ok := statusWords[k]; ok {
		return w.st, w.kind, true
	}
	// "Revoked (Order No. 12)", "Suspended - pending appeal": the first word decides.
	if f := strings.Fields(strings.ToLower(s)); len(f) > 0 {
		if w, ok := statusWords[headerKey(f[0])]; ok {
			return w.st, w.kind, true
		}
	}
	return "", "", false
}

// monthNames maps Indonesian (and abbreviated) month names to English for time.Parse.
var monthNames = strings.NewReplacer(
	"januari", "January", "februari", "February", "maret", "March", "april", "April", "mei", "May", "juni", "June",
	"juli", "July", "agustus", "August", "september", "September", "oktober", "October", "november", "November",
	"desember", "December", "agu", "Aug", "okt", "Oct", "des", "Dec", "sept", "Sep",
)

var datePrefix = regexp.MustCompile(`^(?i)(valid\s+(until|till|up\s*to)|until|up\s*to|upto|s/d|sampai(\s+dengan)?|berlaku\s+s/d|berlaku\s+sampai)\s*:?\s*`)

var dayFirstLayouts = []string{"2/1/2006", "2-1-2006", "2.1.2006", "2/1/06", "2-1-06"}
var monthFirstLayouts = []string{"1/2/2006", "1-2-2006", "1.2.2006", "1/2/06", "1-2-06"}
var namedLayouts = []string{
	"2006-01-02", "2006/01/02", "2006.01.02", "2006-1-2", "2006/1/2", time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05",
	"2-Jan-2006", "2 Jan 2006", "2 January 2006", "January 2, 2006", "Jan 2, 2006", "Jan. 2, 2006", "January 2 2006",
	"2-Jan-06", "02-Jan-06", "Jan 2 2006", "2006-Jan-02",
}

// ParseDate reads a date as regulators' lists write it: ISO (2024-03-31), day-first or
// month-first numeric (31/03/2024 or 03/31/2024, as the profile says; an unambiguous date
// is read either way), named months in English or Indonesian (31 Maret 2024, Mar 31, 2024),
// and Excel serial day numbers (45382). Dates in the Nepali calendar (Bikram Sambat, year
// 2060–2100) are refused with a clear message rather than misread. "" is the zero time.
func ParseDate(s string, dayFirst bool) (time.Time, error) {
	s = strings.TrimSpace(datePrefix.ReplaceAllString(strings.TrimSpace(s), ""))
	if s == "" || s == "-" || strings.EqualFold(s, "n/a") {
		return time.Time{}, nil
	}
	if len(s) > 40 {
		return time.Time{}, errors.New("is not a date")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return checkYear(t.UTC())
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n >= 20000 && n <= 80000 { // Excel serial day (1954–2119)
			t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
			if t.Year() >= 2060 {
				// Same bound as written dates (checkYear): no licence runs that long, and
				// fuzzing found "70000" accepted as 2091-08-25.
				return time.Time{}, fmt.Errorf("as a spreadsheet day number it is %s, implausible for a licence", t.Format(time.DateOnly))
			}
			return t, nil
		}
		return time.Time{}, errors.New("is a number, not a date")
	}
	named := monthNames.Replace(strings.ToLower(s))
	named = strings.Join(strings.Fields(named), " ")
	// time.Parse wants "Jan" capitalised; capitalise each word's first letter.
	words := strings.Fields(named)
	for i, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[n:]
	}
	named = strings.Join(words, " ")
	layouts := append(append([]string{}, namedLayouts...), monthFirstLayouts...)
	if dayFirst {
		layouts = append(append([]string{}, namedLayouts...), dayFirstLayouts...)
	}
	var t time.Time
	var err error
	for _, l := range layouts {
		if t, err = time.Parse(l, named); err == nil {
			break
		}
	}
	if err != nil {
		// A numeric date the profile's order cannot read may be unambiguous the other way
		// round (31/03/2024 in a month-first list).
		other := dayFirstLayouts
		if dayFirst {
			other = monthFirstLayouts
		}
		for _, l := range other {
			if t, err = time.Parse(l, named); err == nil {
				break
			}
		}
		if err != nil {
			return time.Time{}, errors.New("is not a date the importer reads (use YYYY-MM-DD)")
		}
	}
	return checkYear(t.UTC())
}

func checkYear(t time.Time) (time.Time, error) {
	switch y := t.Year(); {
	case y >= 2060 && y <= 2100:
		return time.Time{}, fmt.Errorf("looks like a Nepali calendar (Bikram Sambat) date; convert it to the Gregorian calendar (BS %d ≈ AD %d)", y, y-57)
	case y < 1950 || y > 2100:
		return time.Time{}, fmt.Errorf("year %d is implausible", y)
	}
	return t, nil
}

package agencies

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
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
	// StatusText is the regulator's own words for the status; UnknownStatus is set when the
	// profile does not know them (Status is then kawan.LicenceUnknown).
	StatusText    string
	UnknownStatus bool
	// KeepStatus: the row says nothing about the licence's status (a sanctions list's
	// warning); a licence already on record keeps its status.
	KeepStatus bool
	// Classification is the kind of licence; Key the row's identity on a list without numbers.
	Classification string
	Key            string
	// AsOf is when the regulator says the facts were true.
	AsOf time.Time

	retrieved time.Time
}

// key is the row's identity within its regulator's lists (kawan.Licence.RegistryKey).
func (r Row) key() string {
	if r.Key != "" {
		return r.Key
	}
	return kawan.LicenceNumberKey(r.Regulator, r.Licence)
}

// NoNumberKey is the identity of a row of a list without licence numbers: the normalised
// name and the classification.
func NoNumberKey(name, classification string) string {
	return "n:" + kawan.NormalizeName(name) + "|" + headerKey(classification)
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
	// Notes are row-level remarks that rejected nothing (the same agency listed twice).
	Notes []RowError
	// Warnings are file-level remarks (a partial list, every row of one status).
	Warnings []string
	// Partial: the file is not the whole list (fewer records than meta.total, or a filtered
	// export); licences missing from it are not reported.
	Partial bool
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

// ParseList reads a regulator's list with profile p: a CSV (or tab/semicolon separated)
// export, or for profiles that read JSON, a JSON API page, pages concatenated, or an array
// of records. File-level problems (size, encoding, truncated JSON, no recognisable header,
// too many rows) are an *ImportError and nothing is returned; row-level problems reject that
// row only. Row numbers are the spreadsheet's row numbers (a cell spanning two lines is one
// row), or for JSON the record's position in the file (1 = the first record of the first page).
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
	var out *Parsed
	if t := strings.TrimLeft(text, " \t\r\n"); t[0] == '{' || t[0] == '[' {
		if !p.Reads(FormatJSON) {
			return nil, fileErr("the file is JSON; profile %s reads CSV (profiles that read JSON: %s)", p.Name, strings.Join(jsonProfiles(), ", "))
		}
		out, err = p.parseJSON(t, o)
	} else {
		if !p.Reads(FormatCSV) {
			return nil, fileErr("profile %s reads JSON; this file does not start with { or [", p.Name)
		}
		out, err = p.parseCSV(text, o)
	}
	if err != nil {
		return nil, err
	}
	p.checkRepeats(out)
	p.checkSameStatus(out)
	return out, nil
}

func jsonProfiles() []string {
	var out []string
	for _, n := range ProfileNames() {
		if profiles[n].Reads(FormatJSON) {
			out = append(out, n)
		}
	}
	return out
}

// parseCSV reads the CSV form of a list.
func (p *ImportProfile) parseCSV(text string, o ParseOptions) (*Parsed, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sniffDelimiter(text)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false

	out := &Parsed{}
	var cols map[string]int
	rowNo := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		rowNo++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if cols == nil {
					return nil, fileErr("row %d is not valid CSV: %v", rowNo, pe.Err)
				}
				out.Rejected = append(out.Rejected, RowError{Line: rowNo, Reason: "not valid CSV: " + pe.Err.Error()})
				continue
			}
			return nil, fileErr("reading the file: %v", err)
		}
		if cols == nil {
			if rowNo > headerSearch*4 {
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
		if len(out.Rows)+len(out.Rejected) >= MaxImportRows {
			return nil, fileErr("the file has more than %d rows; split it", MaxImportRows)
		}
		out.add(p.parseRow(rec, cols, out.Columns, rowNo, o))
	}
	if cols == nil {
		return nil, fileErr("no header row found in the first %d rows: profile %s needs columns %s", headerSearch, p.Name, p.describeRequired())
	}
	return out, nil
}

func (out *Parsed) add(row Row, err error) {
	if err != nil {
		out.Rejected = append(out.Rejected, RowError{Line: row.Line, Reason: err.Error()})
		return
	}
	out.Rows = append(out.Rows, row)
}

// parseJSON reads JSON records: a page {"meta": {…, "total": N}, "data": [records]}, several
// pages one after the other, or an array of records. Each record's field names are matched
// like a CSV header (so "eMail" and "email" are both the e-mail). A file cut off in the
// middle is refused whole, naming the last complete record.
func (p *ImportProfile) parseJSON(text string, o ParseOptions) (*Parsed, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	out := &Parsed{Columns: map[string]string{}}
	n, pages, total := 0, 0, -1
	colsFor := map[string]map[string]int{}
	fail := func(what string, err error) error {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fileErr("the JSON ends in the middle of %s, after record %d (byte %d of %d): the file is cut off; download it again", what, n, dec.InputOffset(), len(text))
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fileErr("the JSON is not valid at byte %d, after record %d: %v", se.Offset, n, se)
		}
		return fileErr("the JSON does not have the expected shape after record %d: %v", n, err)
	}
	record := func() error {
		var raw map[string]json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fail(fmt.Sprintf("record %d", n+1), err)
		}
		n++
		if n > MaxImportRows {
			return fileErr("the file has more than %d records; split it", MaxImportRows)
		}
		names := make([]string, 0, len(raw))
		for k := range raw {
			names = append(names, k)
		}
		slices.Sort(names)
		sig := strings.Join(names, "\x00")
		cols, ok := colsFor[sig]
		if !ok {
			cols = p.matchHeader(names)
			colsFor[sig] = cols
			for f, i := range cols {
				if _, seen := out.Columns[f]; !seen {
					out.Columns[f] = names[i]
				}
			}
		}
		if cols == nil {
			out.Rejected = append(out.Rejected, RowError{Line: n, Reason: fmt.Sprintf("record has none of the fields profile %s needs: %s", p.Name, p.describeRequired())})
			return nil
		}
		rec := make([]string, len(names))
		for i, k := range names {
			rec[i] = jsonCell(raw[k])
		}
		out.add(p.parseRow(rec, cols, out.Columns, n, o))
		return nil
	}
	array := func() error { // after '['
		for dec.More() {
			if err := record(); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return fail("the list of records", err)
		}
		return nil
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fail("a page", err)
		}
		switch tok {
		case json.Delim('['):
			if err := array(); err != nil {
				return nil, err
			}
			continue
		case json.Delim('{'):
		default:
			return nil, fileErr("the JSON is not a page {\"meta\": …, \"data\": […]} or a list of records (found %v after record %d)", tok, n)
		}
		pages++
		sawData := false
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, fail(fmt.Sprintf("page %d", pages), err)
			}
			key, _ := kt.(string)
			switch key {
			case "data":
				t, err := dec.Token()
				if err != nil {
					return nil, fail(fmt.Sprintf("page %d", pages), err)
				}
				if t != json.Delim('[') {
					return nil, fileErr("page %d: \"data\" is not a list of records", pages)
				}
				sawData = true
				if err := array(); err != nil {
					return nil, err
				}
			case "meta":
				var meta struct {
					Total *int `json:"total"`
				}
				if err := dec.Decode(&meta); err != nil {
					return nil, fail(fmt.Sprintf("the meta of page %d", pages), err)
				}
				if meta.Total != nil {
					total = *meta.Total
				}
			default:
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return nil, fail(fmt.Sprintf("page %d", pages), err)
				}
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, fail(fmt.Sprintf("page %d", pages), err)
		}
		if !sawData {
			return nil, fileErr("page %d has no \"data\" list of records", pages)
		}
	}
	if n == 0 {
		return nil, fileErr("the JSON has no records")
	}
	if total > n {
		out.Partial = true
		out.Warnings = append(out.Warnings, fmt.Sprintf("the file has %d of the %d records the regulator's meta.total gives: "+
			"only these were imported, and licences not in it are not reported as missing; concatenate every page to import the whole list", n, total))
	}
	return out, nil
}

// jsonCell is a JSON value as a cell's text: null is empty, strings unquoted, numbers and
// booleans as written, anything else as its JSON.
func jsonCell(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

// checkRepeats handles a licence listed twice in one file. On a list without numbers the
// same name and classification twice ("… INC" expired, "… INC." provisional) is the same
// agency in two states: both rows are kept (the later status date is its current state) and
// a note says so. On a numbered list a repeat with the same status is dropped; two rows for
// one licence with different statuses are both refused (Kawan keeps what it had for that
// licence) with both row numbers.
func (p *ImportProfile) checkRepeats(out *Parsed) {
	first := map[string]int{}
	for i, row := range out.Rows {
		k := row.Regulator + "|" + row.key()
		if _, ok := first[k]; !ok {
			first[k] = i
		}
	}
	drop := map[int]bool{}
	for i, row := range out.Rows {
		j := first[row.Regulator+"|"+row.key()]
		if j == i {
			continue
		}
		a := out.Rows[j]
		switch {
		case p.NoNumbers:
			out.Notes = append(out.Notes, RowError{Line: row.Line, Reason: fmt.Sprintf("row %d and row %d are the same %s agency (%q, %q) listed twice with statuses %q and %q: one record, both states in its history, the later status date is the current one",
				a.Line, row.Line, row.Regulator, trunc(a.Name), trunc(row.Name), a.StatusText, row.StatusText)})
		case a.Status == row.Status && a.StatusText == row.StatusText:
			drop[i] = true
			out.Rejected = append(out.Rejected, RowError{Line: row.Line, Reason: fmt.Sprintf("licence %s appears again (first on line %d); fix the list and keep one row", row.Licence, a.Line)})
		default:
			drop[i], drop[j] = true, true
			why := fmt.Sprintf("licence %s is on row %d as %q and on row %d as %q: neither row was imported and Kawan keeps what it had "+
				"for this licence; ask the regulator which is right and fix the list", row.Licence, a.Line, rowStatus(a), row.Line, rowStatus(row))
			out.Rejected = append(out.Rejected, RowError{Line: row.Line, Reason: why})
			if !slices.ContainsFunc(out.Rejected, func(e RowError) bool { return e.Line == a.Line }) {
				out.Rejected = append(out.Rejected, RowError{Line: a.Line, Reason: why})
			}
		}
	}
	if len(drop) > 0 {
		keep := out.Rows[:0]
		for i, row := range out.Rows {
			if !drop[i] {
				keep = append(keep, row)
			}
		}
		out.Rows = keep
	}
	slices.SortStableFunc(out.Rejected, func(a, b RowError) int { return a.Line - b.Line })
}

func rowStatus(r Row) string {
	if r.StatusText != "" {
		return r.StatusText
	}
	return string(r.Status)
}

// checkSameStatus warns about a list whose rows all have one status (at least 20 rows): a
// filtered export ("only cancelled") rather than the whole list. The rows import; licences
// missing from it are not reported.
func (p *ImportProfile) checkSameStatus(out *Parsed) {
	if len(out.Rows) < 20 || p.DefaultStatus != "" && out.Columns[FieldStatus] == "" {
		return
	}
	first := rowStatus(out.Rows[0])
	for _, r := range out.Rows[1:] {
		if rowStatus(r) != first {
			return
		}
	}
	out.Partial = true
	out.Warnings = append(out.Warnings, fmt.Sprintf("all %d rows have the status %q: this looks like a filtered export, not the whole list; "+
		"the rows were imported, and licences not on it are neither changed nor reported missing", len(out.Rows), first))
}

// decode returns the file as UTF-8 text: a UTF-8 byte-order mark is dropped, UTF-16 with a
// byte-order mark (Excel's "Unicode text") is converted, and Windows-1252/Latin-1 is
// converted when asked. Anything else that is not UTF-8 is refused with the first bad row.
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
		where := fmt.Sprintf("row %d", spreadsheetRow(data[:i]))
		if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			where = fmt.Sprintf("byte %d", i)
		}
		return "", fileErr("%s is not UTF-8 text (the file is probably Windows-1252/Latin-1 from Excel): re-export it as \"CSV UTF-8\" or pass encoding windows-1252", where)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", fileErr("the file contains NUL bytes: it is not a CSV text file (an .xlsx must first be saved as CSV)")
	}
	return string(data), nil
}

// spreadsheetRow is the spreadsheet row the byte after prefix is on: CSV records (a quoted
// cell may span lines) before it, plus one.
func spreadsheetRow(prefix []byte) int {
	start := bytes.LastIndexByte(prefix, '\n') + 1
	r := csv.NewReader(bytes.NewReader(prefix[:start]))
	r.Comma = sniffDelimiter(string(prefix))
	r.FieldsPerRecord, r.LazyQuotes = -1, true
	n := 0
	for {
		if _, err := r.Read(); errors.Is(err, io.EOF) {
			break
		}
		n++
	}
	return n + 1
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

// clean trims a cell and collapses runs of white space to one space; backticks, which some
// registries print for apostrophes ("3 R`S"), become apostrophes.
func clean(s string) string {
	if strings.ContainsRune(s, '`') {
		s = strings.ReplaceAll(s, "`", "'")
	}
	return strings.Join(strings.Fields(s), " ")
}

// none reports whether a cell means "nothing": empty, null, NA, N/A, a dash, or a place "not stated".
func none(s string) bool {
	switch strings.ToLower(s) {
	case "", "null", "na", "n/a", "n.a.", "-", "--", "none", "nil":
		return true
	}
	k := headerKey(s)
	return strings.HasPrefix(k, "ns") && strings.Contains(k, "notstated") || k == "notstated"
}

// sentinelDate reports the dates registries write for "no date" (DMW: 1901-01-01).
func sentinelDate(s string) bool {
	return strings.HasPrefix(s, "1901-01-01") || strings.HasPrefix(s, "1900-01-01") || strings.HasPrefix(s, "0001-01-01")
}

// formerName finds "(FORMERLY …)", "(FOR: …)" or "(FKA …)" in a name, also cut off before its ")".
var formerName = regexp.MustCompile(`(?i)\s*\(\s*(formerly(?:\s+known\s+as)?|for|fka|f\.k\.a\.)\b\s*[:.]?\s*([^)]*)(\)|$)`)

// splitName returns the agency's name without the former names written inside it, and those.
func splitName(s string) (string, []string) {
	var former []string
	name := formerName.ReplaceAllStringFunc(s, func(m string) string {
		if f := clean(strings.Trim(formerName.FindStringSubmatch(m)[2], " ,.;:")); f != "" {
			former = append(former, f)
		}
		return " "
	})
	name = clean(name)
	if name == "" || kawan.NormalizeName(name) == "" {
		return s, nil
	}
	return name, former
}

// splitContacts splits a cell of several phones or e-mails ("0917-555-0101/0918-555-0102").
func splitContacts(s string, email bool) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == ';' || r == '|' || (email && (r == ',' || r == ' ')) }) {
		if p = strings.TrimSpace(p); p != "" && !none(p) {
			out = appendUnique(out, p)
		}
	}
	return out
}

// parseRow turns one record into a Row or says why it cannot (the Row carries the line either way).
func (p *ImportProfile) parseRow(rec []string, cols map[string]int, hdr map[string]string, line int, o ParseOptions) (Row, error) {
	row, err := p.parseRowFields(rec, cols, hdr, line, o)
	row.Line, row.retrieved = line, o.RetrievedAt
	return row, err
}

func (p *ImportProfile) parseRowFields(rec []string, cols map[string]int, hdr map[string]string, line int, o ParseOptions) (Row, error) {
	get := func(f string) string {
		i, ok := cols[f]
		if !ok || i >= len(rec) {
			return ""
		}
		if v := clean(rec[i]); !none(v) {
			return v
		}
		return ""
	}
	for _, f := range rec {
		if len(f) > maxField {
			return Row{}, fmt.Errorf("a cell is longer than %d characters", maxField)
		}
	}
	row := Row{Line: line, Licence: get(FieldLicence), Regulator: p.Regulator, Origin: p.Origin, SourceURL: p.SourceURL,
		Address: get(FieldAddress), City: get(FieldCity), Classification: get(FieldClassification),
		Contact: kawan.Contact{Website: get(FieldWebsite)}}
	if row.City == "" {
		row.City = get(FieldPlace)
	}
	row.Contact.Phones = append(splitContacts(get(FieldPhone), false), splitContacts(get(FieldMobile), false)...)
	row.Contact.Emails = splitContacts(get(FieldEmail), true)
	if len(row.Contact.Phones) > 0 {
		row.Contact.Phone = row.Contact.Phones[0]
	}
	if len(row.Contact.Emails) > 0 {
		row.Contact.Email = row.Contact.Emails[0]
	}
	if len(row.Contact.Phones) < 2 {
		row.Contact.Phones = nil
	}
	if len(row.Contact.Emails) < 2 {
		row.Contact.Emails = nil
	}
	raw := get(FieldName)
	if raw == "" {
		return Row{}, fmt.Errorf("the %s column is empty", p.colName(hdr, FieldName))
	}
	row.Name, row.TradeNames = splitName(raw)
	if kawan.NormalizeName(row.Name) == "" || utf8.RuneCountInString(row.Name) > maxName {
		return Row{}, fmt.Errorf("agency name %q is not a usable name", trunc(row.Name))
	}
	if p.NoNumbers {
		if row.Licence == "" {
			row.Key = NoNumberKey(row.Name, row.Classification)
		}
	} else if row.Licence == "" {
		return Row{}, fmt.Errorf("the %s column is empty", p.colName(hdr, FieldLicence))
	}
	if row.Licence != "" && (kawan.LicenceNumberKey(p.Regulator, row.Licence) == "" || utf8.RuneCountInString(row.Licence) > maxLicenceNo) {
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
		row.StatusText = v
		st, k, ok := p.status(v)
		if !ok {
			st, row.UnknownStatus = kawan.LicenceUnknown, true
		}
		row.Status, kind = st, k
	} else if p.DefaultStatus == "" && len(p.SanctionWords) == 0 {
		return Row{}, fmt.Errorf("the %s column is empty", p.colName(hdr, FieldStatus))
	} else if p.ListedStatusText != "" {
		row.StatusText = p.ListedStatusText
	}
	if utf8.RuneCountInString(row.StatusText) > maxName {
		row.StatusText = string([]rune(row.StatusText)[:maxName])
	}
	var err error
	for _, d := range []struct {
		field string
		into  *time.Time
	}{{FieldValidFrom, &row.ValidFrom}, {FieldValidTo, &row.ValidTo}, {FieldStatusDate, &row.StatusDate}, {FieldAsOf, &row.AsOf}} {
		v := get(d.field)
		if sentinelDate(v) {
			continue
		}
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
	for _, t := range splitList(get(FieldTradeNames)) {
		row.TradeNames = appendUnique(row.TradeNames, t)
	}
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
		if k, ok := p.sanctionKey[headerKey(v)]; ok {
			kind = k
		} else if len(p.SanctionWords) > 0 {
			return Row{}, fmt.Errorf("sanction %q is not one the %s profile knows (%s)", trunc(v), p.Name, strings.Join(slices.Sorted(maps.Keys(p.SanctionWords)), ", "))
		} else if kind = kawan.SanctionKind(strings.ToLower(strings.ReplaceAll(v, " ", "_"))); !kind.Valid() {
			return Row{}, fmt.Errorf("sanction kind %q is not one of suspension, revocation, blacklist, fine, warning, criminal_case", trunc(v))
		}
		if len(p.SanctionWords) > 0 {
			row.StatusText = v
			switch kind {
			case kawan.SanctionSuspension:
				row.Status = kawan.LicenceSuspended
			case kawan.SanctionRevocation:
				row.Status = kawan.LicenceRevoked
			default:
				row.KeepStatus = true
				row.Status = kawan.LicenceUnknown
			}
		}
	}
	if kind == "" && p.SanctionFromStatus {
		switch row.Status {
		case kawan.LicenceSuspended:
			kind = kawan.SanctionSuspension
		case kawan.LicenceRevoked, kawan.LicenceCancelled:
			kind = kawan.SanctionRevocation
		}
		// A register of licences (not a sanctions list) that gives a revoked licence without
		// the date: the status is recorded, the sanction comes from the sanctions list.
		if kind != "" && p.DefaultStatus != "" && row.StatusDate.IsZero() && get(FieldSanctionDate) == "" {
			kind = ""
		}
	}
	if kind != "" {
		date := row.StatusDate
		if date.IsZero() {
			if v := get(FieldSanctionDate); v != "" && !sentinelDate(v) {
				if date, err = ParseDate(v, p.DayFirst); err != nil {
					return Row{}, fmt.Errorf("%s %q: %v", p.colName(hdr, FieldSanctionDate), trunc(v), err)
				}
			}
		}
		summary := get(FieldRemarks)
		if date.IsZero() && p.Statuses != nil {
			// A regulator's own status word (DMW "Forever Banned") without a date: the
			// sanction is dated by the list it was first seen on, and says so.
			date = row.AsOf
			if date.IsZero() {
				date = o.RetrievedAt
			}
			if summary == "" && !date.IsZero() {
				summary = fmt.Sprintf("%q on the %s list (no date published; first seen on the list of %s)", row.StatusText, row.Regulator, kawan.HumanDate(date))
			}
		}
		if date.IsZero() {
			return Row{}, fmt.Errorf("a %s needs its date: the %s column is empty", kind, p.colName(hdr, FieldStatusDate))
		}
		if summary == "" {
			if row.StatusText != "" && p.Statuses != nil {
				summary = fmt.Sprintf("%q on the %s list", row.StatusText, row.Regulator)
			} else {
				summary = fmt.Sprintf("Licence %s %s according to the %s list", row.Licence, row.Status, row.Regulator)
			}
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
	for _, s := range append([]string{row.Address, row.City, row.Classification}, append(row.Contact.Phones, row.Contact.Emails...)...) {
		if utf8.RuneCountInString(s) > maxText {
			return Row{}, fmt.Errorf("a contact or address cell is longer than %d characters", maxText)
		}
	}
	if len(row.Contact.Phones) > maxList || len(row.Contact.Emails) > maxList {
		return Row{}, fmt.Errorf("a contact cell lists more than %d phones or e-mails", maxList)
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
	"delisted": {kawan.LicenceDelisted, ""}, "dibatalkan": {kawan.LicenceCancelled, ""}, "closed": {kawan.LicenceCancelled, ""},
	"expired": {kawan.LicenceExpired, ""}, "lapsed": {kawan.LicenceExpired, ""}, "kedaluwarsa": {kawan.LicenceExpired, ""},
	"kadaluarsa": {kawan.LicenceExpired, ""}, "tidakaktif": {kawan.LicenceInactive, ""}, "inactive": {kawan.LicenceInactive, ""},
	"ceasedoperations": {kawan.LicenceCeased, ""}, "ceased": {kawan.LicenceCeased, ""}, "deniedrenewal": {kawan.LicenceDeniedRenewal, ""},
	"preventivesuspension": {kawan.LicenceSuspended, ""}, "foreverbanned": {kawan.LicenceCancelled, kawan.SanctionBlacklist},
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

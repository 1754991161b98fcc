package rpw

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// MaxFileBytes bounds a survey file (the 2025 Q3 workbook is 50.8 MB).
const MaxFileBytes = 256 << 20

// ReadOptions configure reading a survey file.
type ReadOptions struct {
	// Sheet is the workbook sheet to read; default DatasetSheet.
	Sheet string
	// Periods, when set, keeps only these periods ("2025_3Q"); other rows are checked but
	// not kept.
	Periods []string
	// Progress, if set, is called now and then with rows read and the rows expected (the
	// sheet's declared size, 0 when it declares none; for CSV, bytes read and the file size),
	// and once at the end with rows read twice.
	Progress func(done, total int)
	// TmpDir is where the workbook library extracts parts too large to hold in memory.
	TmpDir string
}

// ParseError is a file that cannot be imported: every error found (at most MaxErrors,
// Count in all), each naming its row and column. Nothing of such a file is applied.
type ParseError struct {
	File   string
	Errors []RowError
	Count  int
	Msg    string // a whole-file problem (not a workbook, no dataset sheet, bad header)
}

func (e *ParseError) Error() string {
	if e.Msg != "" {
		return fmt.Sprintf("rpw: %s: %s", e.File, e.Msg)
	}
	lines := make([]string, len(e.Errors))
	for i, re := range e.Errors {
		lines[i] = re.String()
	}
	more := ""
	if e.Count > len(e.Errors) {
		more = fmt.Sprintf(" (and %d more)", e.Count-len(e.Errors))
	}
	noun := "errors"
	if e.Count == 1 {
		noun = "error"
	}
	return fmt.Sprintf("rpw: %s: %d %s%s, nothing imported: %s", e.File, e.Count, noun, more, strings.Join(lines, "; "))
}

// Parsed is a whole file read and checked: the surveys it holds and the notes about values
// the survey does not have.
type Parsed struct {
	Surveys []Survey // ordered by corridor, period, send currency
	Rows    int      // data rows read
	Kept    int      // rows kept (services)
	Notes   []RowError
	NNotes  int
	Periods []string // the periods the file holds (of those kept), ascending
}

// ReadFile reads a survey workbook (.xlsx) or its CSV export (.csv, or any file that is not a
// zip archive).
func ReadFile(path string, o ReadOptions) (*Parsed, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("rpw: %w", err)
	}
	if st.Size() > MaxFileBytes {
		return nil, &ParseError{File: path, Msg: fmt.Sprintf("is %.1f MB; at most %d MB are read", float64(st.Size())/(1<<20), MaxFileBytes>>20)}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rpw: %w", err)
	}
	defer f.Close()
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rpw: %w", err)
	}
	if n == 4 && bytes.Equal(magic, []byte("PK\x03\x04")) {
		return readXLSX(path, o)
	}
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		return nil, &ParseError{File: path, Msg: "is named .xlsx but is not a workbook (not a zip archive)"}
	}
	return ReadCSV(f, st.Size(), path, o)
}

// rowSource yields the rows of a sheet or CSV file, with their 1-based row numbers.
type rowSource func(yield func(row int, cells []string) error) error

func readXLSX(name string, o ReadOptions) (*Parsed, error) {
	wb, err := openWorkbook(name, o.TmpDir)
	if err != nil {
		return nil, &ParseError{File: name, Msg: "is not a readable workbook: " + err.Error()}
	}
	defer wb.Close()
	sheet := o.Sheet
	if sheet == "" {
		sheet = DatasetSheet
	}
	sheets := wb.GetSheetList()
	if !slices.Contains(sheets, sheet) {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("has no sheet %q (it has %s); give --sheet", sheet, quoteList(sheets))}
	}
	total := 0
	if dim, err := wb.GetSheetDimension(sheet); err == nil {
		if i := strings.IndexByte(dim, ':'); i >= 0 {
			if _, rows, err := excelize.CellNameToCoordinates(dim[i+1:]); err == nil {
				total = rows - 1
			}
		}
	}
	rows, err := wb.Rows(sheet)
	if err != nil {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("sheet %q: %v", sheet, err)}
	}
	defer rows.Close()
	src := func(yield func(int, []string) error) error {
		n := 0
		for rows.Next() {
			n++
			if n > MaxRows+1 {
				return fmt.Errorf("more than %d rows", MaxRows)
			}
			// Raw values: a number as stored, never as its cell format displays it (rounded).
			cells, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				return fmt.Errorf("row %d: %w", n, err)
			}
			if len(cells) > MaxColumns {
				cells = cells[:MaxColumns]
			}
			if err := yield(n, cells); err != nil {
				return err
			}
		}
		return rows.Error()
	}
	return parseRows(src, name, total, o)
}

// openWorkbook opens a workbook through its zip directory (the file is not read whole): the
// sheet and the shared strings are streamed (extracted to a temporary file above 16 MB),
// never decoded whole; 4 GB unzipped at most.
func openWorkbook(path, tmp string) (*excelize.File, error) {
	return excelize.OpenFile(path, excelize.Options{RawCellValue: true, UnzipSizeLimit: 4 << 30, UnzipXMLSizeLimit: 16 << 20, TmpDir: tmp})
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// ReadCSV reads the survey's CSV export: the same header and values as the dataset sheet
// (UTF-8, with or without a byte-order mark; comma or semicolon separated).
func ReadCSV(r io.Reader, size int64, name string, o ReadOptions) (*Parsed, error) {
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	first, _ := br.Peek(4096)
	rd := csv.NewReader(br)
	rd.FieldsPerRecord = -1
	rd.LazyQuotes = false
	rd.ReuseRecord = true
	if line, _, _ := bytes.Cut(first, []byte("\n")); bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		rd.Comma = ';'
	}
	src := func(yield func(int, []string) error) error {
		for n := 1; ; n++ {
			if n > MaxRows+1 {
				return fmt.Errorf("more than %d rows", MaxRows)
			}
			rec, err := rd.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					return fmt.Errorf("row %d: %v", pe.StartLine, pe.Err)
				}
				return err
			}
			if len(rec) > MaxColumns {
				rec = rec[:MaxColumns]
			}
			if o.Progress != nil && n%2000 == 0 {
				o.Progress(int(min(cr.n, size)), int(size))
			}
			if err := yield(n, rec); err != nil {
				return err
			}
		}
	}
	o2 := o
	o2.Progress = nil
	p, err := parseRows(src, name, 0, o2)
	if err == nil && o.Progress != nil {
		o.Progress(int(size), int(size))
	}
	return p, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// parseRows checks every row and groups the kept ones into surveys. Any error makes the whole
// file fail (ParseError): nothing of it is applied.
func parseRows(src rowSource, name string, total int, o ReadOptions) (*Parsed, error) {
	var p *rowParser
	groups := map[string]*Survey{}
	out := &Parsed{}
	keep := func(period string) bool { return len(o.Periods) == 0 || slices.Contains(o.Periods, period) }
	err := src(func(row int, cells []string) error {
		if p == nil {
			h, err := parseHeader(cells)
			if err != nil {
				return &ParseError{File: name, Msg: err.Error()}
			}
			p = newRowParser(h)
			return nil
		}
		if o.Progress != nil && row%2000 == 0 {
			o.Progress(row-1, total) // total 0: not known (a workbook that declares no range)
		}
		rec, ok := p.parse(row, cells)
		if p.nerrs >= MaxErrors {
			return errTooMany
		}
		if !ok {
			if rowHasData(cells) {
				out.Rows++
			}
			return nil
		}
		out.Rows++
		if !keep(rec.period) {
			return nil
		}
		g := groups[rec.key]
		if g == nil {
			if len(groups) >= MaxSurveys {
				return &ParseError{File: name, Msg: fmt.Sprintf("row %d: more than %d corridor-periods", row, MaxSurveys)}
			}
			g = &Survey{Corridor: rec.corridor, Period: rec.period, SourceCode: rec.srcCode, SourceName: rec.srcName,
				DestinationCode: rec.dstCode, DestinationName: rec.dstName, SendCurrency: rec.send, ReceiveCurrency: rec.receive}
			groups[rec.key] = g
		}
		if len(g.Services) >= maxServices {
			return &ParseError{File: name, Msg: fmt.Sprintf("row %d: more than %d services for %s in %s", row, maxServices, rec.corridor, rec.period)}
		}
		g.Services = append(g.Services, rec.service)
		out.Kept++
		return nil
	})
	var pe *ParseError
	switch {
	case errors.As(err, &pe):
		return nil, pe
	case err != nil && !errors.Is(err, errTooMany):
		return nil, &ParseError{File: name, Msg: err.Error()}
	case p == nil:
		return nil, &ParseError{File: name, Msg: "is empty (no header row)"}
	case p.nerrs > 0:
		return nil, &ParseError{File: name, Errors: p.errs, Count: p.nerrs}
	}
	if o.Progress != nil {
		o.Progress(out.Rows, out.Rows)
	}
	out.Notes, out.NNotes = p.notes, p.nnotes
	periods := map[string]bool{}
	for _, g := range groups {
		g.Amounts = summarize(g.Services)
		out.Surveys = append(out.Surveys, *g)
		periods[g.Period] = true
	}
	slices.SortFunc(out.Surveys, func(a, b Survey) int {
		return strings.Compare(surveyKey(a.Corridor, a.Period, a.SendCurrency), surveyKey(b.Corridor, b.Period, b.SendCurrency))
	})
	for pr := range periods {
		out.Periods = append(out.Periods, pr)
	}
	slices.Sort(out.Periods)
	return out, nil
}

var errTooMany = errors.New("too many errors")

func rowHasData(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return true
		}
	}
	return false
}

// hashSurvey fingerprints a survey's content (not when it was imported, nor its rows'
// numbers), so a re-import of the same data changes nothing.
func hashSurvey(s *Survey) string {
	c := *s
	c.ImportedAt = time.Time{}
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

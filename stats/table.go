package stats

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"time"
)

// Column types in a table's schema.
const (
	TypeString  = "string"  // a code: ISO 3166-1 country, sector, year, currency pair, date
	TypeInteger = "integer" // a whole number
	TypeDecimal = "decimal" // an exact decimal number, written as a string in JSON
	TypeBoolean = "boolean"
)

// Column describes one column of a table (the documented schema of JSON and CSV).
type Column struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Unit        string `json:"unit,omitempty"`
	Description string `json:"description"`
}

// Licence is the licence of the open data.
type Licence struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	Attribution string `json:"attribution"`
}

// DataLicence is the licence every table is published under.
var DataLicence = Licence{
	Name:        "CC BY 4.0",
	URL:         "https://creativecommons.org/licenses/by/4.0/",
	Attribution: "Kawan open data (reports by migrant workers; k-anonymous aggregates)",
}

// RateInfo says which exchange rates converted amounts to USD.
type RateInfo struct {
	Source string    `json:"source"`
	AsOf   time.Time `json:"as_of"`
	Sample bool      `json:"sample"`
}

// Table is one published table. Cells hold one value per column (as text; "" for a
// suppressed cell's measures) and marshal to JSON objects typed by the columns.
type Table struct {
	Name       string            `json:"table"`
	Title      string            `json:"title"`
	Dimensions []string          `json:"dimensions"`
	Filters    map[string]string `json:"filters"`
	K          int               `json:"k,omitempty"`
	ComputedAt time.Time         `json:"computed_at"`
	Licence    Licence           `json:"licence"`
	Method     string            `json:"method"`
	Rates      *RateInfo         `json:"rates,omitempty"`
	Columns    []Column          `json:"columns"`
	Cells      []Cell            `json:"cells"`
}

// Cell is one row: a value per column.
type Cell []string

// Value returns the value of the named column ("" when absent or suppressed).
func (t *Table) Value(c Cell, column string) string {
	for i, col := range t.Columns {
		if col.Name == column && i < len(c) {
			return c[i]
		}
	}
	return ""
}

// MarshalJSON writes the table with each cell as an object keyed by column name, values
// typed by the column; empty values are left out.
func (t *Table) MarshalJSON() ([]byte, error) {
	type plain Table
	cells := make([]json.RawMessage, 0, len(t.Cells))
	var b bytes.Buffer
	for _, c := range t.Cells {
		b.Reset()
		b.WriteByte('{')
		first := true
		for i, col := range t.Columns {
			if i >= len(c) || c[i] == "" {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			name, _ := json.Marshal(col.Name)
			b.Write(name)
			b.WriteByte(':')
			switch col.Type {
			case TypeInteger, TypeBoolean:
				b.WriteString(c[i])
			default:
				v, _ := json.Marshal(c[i])
				b.Write(v)
			}
		}
		b.WriteByte('}')
		cells = append(cells, append(json.RawMessage(nil), b.Bytes()...))
	}
	return json.Marshal(struct {
		*plain
		Cells []json.RawMessage `json:"cells"`
	}{(*plain)(t), cells})
}

// CSV writes the table as RFC 4180 CSV (comma, CRLF, header row of column names);
// suppressed cells have empty measures and suppressed=true.
func (t *Table) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.Name
	}
	_ = w.Write(head)
	for _, c := range t.Cells {
		_ = w.Write(c)
	}
	w.Flush()
	return b.Bytes()
}

func itoa(n int) string { return strconv.Itoa(n) }

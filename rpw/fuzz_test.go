package rpw

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// csvSeed is a small FICTIONAL export in the survey's header and value shapes.
var csvSeed = strings.Join(RequiredColumns, ",") + "\n" +
	`900001,2025_3Q,SGP,Singapore,SGN,PHL,Philippines,Lautan Remit (fictional),Money Transfer Operator,Cash,Agent,Next day,` +
	`270,200,SGD,5,43.17375,0.75,2.60,675,500,SGD,5,43.1955,0.70,1.44,43.5,yes,High,Cash,15/Jul/2025,SGPPHL` + "\n" +
	`900002,2025_3Q,SGP,Singapore,SGN,PHL,Philippines,Kopi Transfer (fictional),Money Transfer Operator,Cash,Agent,Same day,` +
	`270.00,200.00,SGD,3,1,0,1.11,..,..,..,..,..,..,..,1,no,High,Cash,45853,SGPPHL` + "\n"

// FuzzReadCSV: any bytes either fail with a ParseError or read to surveys whose numbers are
// decimal strings and whose averages lie between the cheapest and dearest service.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(csvSeed))
	f.Add([]byte(strings.ReplaceAll(csvSeed, ",", ";")))
	f.Add([]byte(strings.Replace(csvSeed, "2.60", "..", 1)))
	f.Add([]byte(strings.Replace(csvSeed, "2.60", "9.9400000000000013E-1", 1)))
	f.Add([]byte(strings.Replace(csvSeed, "2025_3Q", "2025 Q3", 1)))
	f.Add([]byte("\xef\xbb\xbf" + csvSeed))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadCSV(bytes.NewReader(data), int64(len(data)), "fuzz.csv", ReadOptions{})
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, s := range p.Surveys {
			for _, a := range s.Amounts {
				if a.AverageCostPercent == "" {
					continue
				}
				avg := decimal.RequireFromString(a.AverageCostPercent)
				lo, hi := decimal.Zero, decimal.Zero
				first := true
				for _, o := range s.Services {
					pr := o.USD200
					if a.USD == USD500 {
						pr = o.USD500
					}
					if pr == nil || o.Transparent == "no" {
						continue
					}
					c := decimal.RequireFromString(pr.TotalCostPercent)
					if first || c.LessThan(lo) {
						lo = c
					}
					if first || c.GreaterThan(hi) {
						hi = c
					}
					first = false
				}
				if avg.LessThan(lo.Round(2).Sub(decimal.New(1, -2))) || avg.GreaterThan(hi.Round(2).Add(decimal.New(1, -2))) {
					t.Fatalf("average %s outside [%s, %s]", avg, lo, hi)
				}
			}
		}
	})
}

// FuzzNumber: a number cell is either refused or read to a decimal of at most 15
// significant digits equal to the text rounded to 15 significant digits.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"6.84", "200.00", "-0.35", "9.9400000000000013", "4.9999999999999996E-2", "..", "", "1,5", "1e999", ".5", "+3"} {
		f.Add(s)
	}
	h, _ := parseHeader(RequiredColumns)
	f.Fuzz(func(t *testing.T, s string) {
		p := newRowParser(h)
		cells := make([]string, len(RequiredColumns))
		cells[h.idx[colInterbankFX]] = s
		v, ok := p.number(2, cells, colInterbankFX, true)
		if !ok {
			if p.nerrs != 1 {
				t.Fatalf("refused without one error: %v", p.errs)
			}
			return
		}
		if v == "" {
			return
		}
		d, err := decimal.NewFromString(v)
		if err != nil {
			t.Fatalf("%q read as %q, not a decimal", s, v)
		}
		if n := len(strings.TrimLeft(d.Coefficient().String(), "-")); n > 15 && !d.IsZero() {
			t.Fatalf("%q read as %q: %d digits", s, v, n)
		}
	})
}

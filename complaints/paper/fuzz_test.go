package paper_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/complaints/paper"
)

const header = "reference,agency_id,collected_on,overall,fees_honesty,contract_match,treatment,support,would_recommend,origin,destination,sector,departure_year,fees_paid,fees_currency,lang,text\n"

// FuzzParseCSV feeds arbitrary files to the paper-review parser (seeds below and in
// testdata/fuzz/FuzzParseCSV): it never panics, refuses only with field errors naming a
// line, and what it accepts has unique references and valid rows.
func FuzzParseCSV(f *testing.F) {
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{
		header + "R-1,himalaya,2026-03-02,4,4,3,5,4,yes,NP,QA,construction,2024,120000,NPR,ne,\"राम्रो, धन्यवाद\"\n",
		header + "R-1,himalaya,2026-03-02,4,4,3,5,4,yes,,,,,,,en,ok\nR-1,himalaya,2026-03-02,4,4,3,5,4,no,,,,,,,en,ok\n",
		"\ufeff" + header + "R-2,x,2030-01-01,9,0,a,,,maybe,np,QA,fishing,19,1e5,XXQ,zz,\"<b>\"\n",
		strings.Replace(header, "sector", "industry", 1) + "R-3\n",
		header + "\"unterminated,himalaya\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := paper.ParseCSV(data, now)
		if err != nil {
			var ve *kawan.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("refusal is not a field error: %v", err)
			}
			for _, fe := range ve.Fields {
				if !strings.HasPrefix(fe.Field, "line ") && fe.Field != "file" {
					t.Fatalf("error does not name a line: %+v", fe)
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if seen[r.Reference] || r.Reference == "" || len(r.Reference) > paper.MaxReference || !kawan.ValidID(r.AgencyID) || r.CollectedOn.After(now) {
				t.Fatalf("accepted row %+v", r)
			}
			seen[r.Reference] = true
			if err := r.Review.Check(now); err != nil {
				t.Fatalf("accepted an invalid review on line %d: %v", r.Line, err)
			}
		}
		if len(rows) > paper.MaxRows {
			t.Fatalf("%d rows accepted", len(rows))
		}
	})
}

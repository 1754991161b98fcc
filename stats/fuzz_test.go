package stats

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan"
)

// FuzzQuery: any grouping and filter either answers or is refused with a validation error
// naming a field; answers never show figures for a cell under k.
func FuzzQuery(f *testing.F) {
	s := newService(f, handData(), 3, protectFull)
	f.Add(0, "origin,destination", "origin", "NP", "", "")
	f.Add(1, "sector", "year", "2023", "destination", "QA")
	f.Add(2, "", "sector", "fishing", "", "")
	f.Add(0, "origin,,origin", "religion", "x", "year", "unknown")
	f.Add(1, "year", "year", "02023", "origin", "np")
	f.Fuzz(func(t *testing.T, table int, by, k1, v1, k2, v2 string) {
		name := []string{TableRecruitmentFees, TableSDG1071, TableAgencyReviews}[(table%3+3)%3]
		q := Query{Filter: map[string]string{}}
		if by != "" {
			q.By = strings.Split(by, ",")
		}
		if k1 != "" {
			q.Filter[k1] = v1
		}
		if k2 != "" {
			q.Filter[k2] = v2
		}
		tb, err := s.ReviewTable(context.Background(), name, q)
		if err != nil {
			var ve *kawan.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("refusal is not a validation error: %v", err)
			}
			return
		}
		for _, c := range tb.Cells {
			if tb.Value(c, "suppressed") == "false" && (tb.Value(c, "reports") == "" || tb.Value(c, "reports") < "3" && len(tb.Value(c, "reports")) == 1) {
				t.Fatalf("cell under k shown: %v", c)
			}
		}
	})
}

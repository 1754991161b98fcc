package reviews

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kawan-labs/kawan"
)

// FuzzSubmission decodes arbitrary JSON as a review submission and validates it: no
// panic; a refusal is a ValidationError naming fields; an accepted review has ratings in
// 1–5 and valid, bounded text.
func FuzzSubmission(f *testing.F) {
	for _, s := range []string{
		`{"ratings":{"overall":5,"fees_honesty":4,"contract_match":3,"treatment":2,"support":1},"would_recommend":true,"text":"The agency kept my passport for two months.","fees_paid":{"amount":"1500.00","currency":"PHP"}}`,
		`{"ratings":{"overall":0},"would_recommend":false,"text":""}`,
		`{"ratings":{"overall":5,"fees_honesty":5,"contract_match":5,"treatment":5,"support":5},"would_recommend":true,"text":"ok ok ok ok ok ok","fees_paid":{"amount":"1e9","currency":"XXX"},"departure_year":99999,"lang":"zz-ZZ-x-private"}`,
		`{"ratings":{"overall":5,"fees_honesty":5,"contract_match":5,"treatment":5,"support":5},"would_recommend":true,"text":"\u202e\u0000<script>","origin":"ph","destination":"Q","sector":"space"}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Submission
		if json.Unmarshal(data, &s) != nil {
			return
		}
		r, err := s.validate(now)
		if err != nil {
			var ve *kawan.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("refusal is not a field error: %v", err)
			}
			return
		}
		for _, v := range []int{r.Ratings.Overall, r.Ratings.FeesHonesty, r.Ratings.ContractMatch, r.Ratings.Treatment, r.Ratings.Support} {
			if v < 1 || v > 5 {
				t.Fatalf("accepted rating %d", v)
			}
		}
		if !utf8.ValidString(r.Text) || utf8.RuneCountInString(r.Text) > MaxTextRunes || r.Text == "" {
			t.Fatalf("accepted text %q", r.Text)
		}
	})
}

// FuzzListQuery checks the public review query parser: no panic, and an accepted query
// never asks the index for a negative offset or more than 100 results.
func FuzzListQuery(f *testing.F) {
	f.Add("passport", "NP", "QA", "recent", "en", 1, 20, "")
	f.Add("", "", "", "", "", 0, 0, "agency-1")
	f.Add("\xff", "np", "qatar", "relevance", "xx-invalid-tag-that-is-long", -1, 1000, "")
	f.Add("a", "", "", "", "", 1<<62, 100, "")
	f.Add("a", "", "", "", "", 92233720368547758, 100, "")
	f.Fuzz(func(t *testing.T, q, origin, dest, sort, lang string, page, perPage int, agency string) {
		lq := ListQuery{AgencyID: agency, Q: q, Origin: origin, Destination: dest, Sort: sort, Lang: lang, Page: page, PerPage: perPage}
		sq, err := lq.validate()
		if err != nil {
			var ve *kawan.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("refusal is not a field error: %v", err)
			}
			return
		}
		if sq.Offset < 0 || sq.Limit < 1 || sq.Limit > 100 {
			t.Fatalf("page=%d per_page=%d accepted as offset %d limit %d", page, perPage, sq.Offset, sq.Limit)
		}
	})
}

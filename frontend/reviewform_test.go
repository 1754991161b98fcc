package frontend_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/reviews"
)

var (
	selectRE    = regexp.MustCompile(`(?s)<select[^>]*\sname="([^"]+)"[^>]*>(.*?)</select>`)
	optionRE    = regexp.MustCompile(`<option([^>]*)>`)
	valueRE     = regexp.MustCompile(`\svalue="([^"]*)"`)
	textFieldRE = regexp.MustCompile(`<input[^>]*>`)
	nameRE      = regexp.MustCompile(`\sname="([^"]+)"`)
)

// untouched returns what a browser sends for a form nobody changed: each select's
// selected option (or its first), each text or hidden input's value.
func untouched(body string) url.Values {
	v := url.Values{}
	for _, m := range selectRE.FindAllStringSubmatch(body, -1) {
		opts := optionRE.FindAllStringSubmatch(m[2], -1)
		if len(opts) == 0 {
			continue
		}
		pick := opts[0][1]
		for _, o := range opts {
			if strings.Contains(o[1], " selected") {
				pick = o[1]
			}
		}
		val := ""
		if vm := valueRE.FindStringSubmatch(pick); vm != nil {
			val = html.UnescapeString(vm[1])
		} else {
			// <option>NPR</option>: the value is the text; read it from the select body.
			i := strings.Index(m[2], "<option"+pick+">")
			rest := m[2][i+len("<option"+pick+">"):]
			val = rest[:strings.Index(rest, "<")]
		}
		v.Set(m[1], val)
	}
	for _, in := range textFieldRE.FindAllString(body, -1) {
		n := nameRE.FindStringSubmatch(in)
		if n == nil || strings.Contains(in, `type="radio"`) || strings.Contains(in, `type="checkbox"`) {
			continue
		}
		val := ""
		if vm := valueRE.FindStringSubmatch(in); vm != nil {
			val = html.UnescapeString(vm[1])
		}
		v.Set(n[1], val)
	}
	return v
}

// ownReviews are the reviews the worker named username wrote.
func (s *site) ownReviews(t *testing.T, username string) []reviews.OwnReview {
	t.Helper()
	ctx := context.Background()
	us, _, err := s.app.Auth.Users(ctx, kawan.RoleWorker, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if u.Username == username {
			rs, err := s.app.Reviews.Mine(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return rs
		}
	}
	t.Fatalf("no user %s", username)
	return nil
}

// TestReviewFormRecordsWhatTheWorkerChose: a review sent without touching country or
// currency records no destination and no currency; a salary typed without a currency takes
// the chosen destination's currency and the confirmation says so; with no destination the
// form asks for the currency instead of guessing.
func TestReviewFormRecordsWhatTheWorkerChose(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	s.needAuth(t)
	ids := s.seedAgencies(t) // Himalaya Manpower: origin NP, destinations QA, MY
	c := s.register(t, "sita2026")
	form := "/agencies/" + ids.himalaya + "/review"
	f := s.get(c, form)
	if f.status != 200 {
		t.Fatalf("form: %d", f.status)
	}
	vals := untouched(f.body)
	for _, field := range []string{"origin", "destination", "fees_paid.currency", "salary_promised.currency", "salary_received.currency"} {
		if vals.Get(field) != "" {
			t.Errorf("untouched form sends %s=%q: the worker did not choose it", field, vals.Get(field))
		}
	}
	ratings := func(v url.Values) url.Values {
		for _, r := range []string{"overall", "fees_honesty", "contract_match", "treatment", "support"} {
			v.Set("ratings."+r, "4")
		}
		v.Set("would_recommend", "yes")
		v.Set("text", "They were fair with me and the job was as promised.")
		return v
	}

	// Steps 1 and 4 only: nothing else is recorded.
	p := s.post(c, form, form, ratings(untouched(f.body)))
	if p.status != http.StatusSeeOther {
		t.Fatalf("review: %d\n%s", p.status, p.body)
	}
	rs := s.ownReviews(t, "sita2026")
	if len(rs) != 1 || rs[0].Destination != "" || rs[0].Origin != "" || rs[0].FeesPaid != nil || rs[0].SalaryReceived != nil || rs[0].SalaryPromised != nil {
		t.Fatalf("untouched review recorded facts the worker did not give: %+v", rs)
	}

	// A salary with no currency and no destination: asked, not guessed.
	c2 := s.register(t, "ram2026")
	v := ratings(untouched(s.get(c2, form).body))
	v.Set("salary_received.amount", "1200")
	p = s.post(c2, form, form, v)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Please choose the currency.") {
		t.Fatalf("salary without currency or destination: %d", p.status)
	}

	// A salary with the destination chosen and the currency left empty: the destination's.
	v.Set("destination", "QA")
	p = s.post(c2, form, form, v)
	if p.status != http.StatusSeeOther {
		t.Fatalf("review with destination: %d\n%s", p.status, p.body)
	}
	rs = s.ownReviews(t, "ram2026")
	if len(rs) != 1 || rs[0].SalaryReceived == nil || rs[0].SalaryReceived.Currency != "QAR" || rs[0].SalaryReceived.Amount != "1200" || rs[0].Destination != "QA" {
		t.Fatalf("salary recorded as %+v", rs)
	}
	sent := s.get(c2, p.header.Get("Location"))
	if !strings.Contains(sent.body, "QAR") || !strings.Contains(sent.body, "Qatar") {
		t.Errorf("the confirmation does not say which currency was used:\n%s", sent.body)
	}

	// Extra zeros: the form asks, and a confirmed figure is stored flagged.
	c3 := s.register(t, "hari2026")
	v = ratings(untouched(s.get(c3, form).body))
	v.Set("destination", "QA")
	v.Set("salary_received.amount", "1200000")
	p = s.post(c3, form, form, v)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `name="confirm_implausible"`) ||
		!strings.Contains(p.body, "Are there extra zeros?") || !strings.Contains(p.body, "Please check this amount and its currency.") {
		t.Fatalf("implausible salary: %d\n%s", p.status, p.body)
	}
	if !strings.Contains(p.body, "<option selected>QAR</option>") {
		t.Errorf("the re-shown form does not show the currency used")
	}
	v.Set("confirm_implausible", "yes")
	p = s.post(c3, form, form, v)
	if p.status != http.StatusSeeOther {
		t.Fatalf("confirmed implausible salary: %d\n%s", p.status, p.body)
	}
	rs = s.ownReviews(t, "hari2026")
	if len(rs) != 1 || rs[0].SalaryReceived == nil || !rs[0].SalaryReceived.Implausible || rs[0].SalaryReceived.Currency != "QAR" {
		t.Fatalf("confirmed implausible salary stored as %+v", rs[0].SalaryReceived)
	}
}

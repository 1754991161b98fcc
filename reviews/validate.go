package reviews

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/kawan-labs/kawan"
)

// Limits on what a review may hold.
const (
	// MaxTextRunes is the longest review or reply text, in characters.
	MaxTextRunes = 5000
	// MaxIdempotencyKey is the longest Idempotency-Key accepted.
	MaxIdempotencyKey = 200
)

// Sectors are the work sectors a review may name (fixed, so statistics can group by them).
var Sectors = []string{
	"domestic_work", "care", "construction", "manufacturing", "agriculture", "fishing",
	"hospitality", "retail", "transport", "cleaning", "security", "healthcare", "other",
}

// RatingsInput are the submitted 1–5 ratings; every dimension is required.
type RatingsInput struct {
	Overall       *int `json:"overall"`
	FeesHonesty   *int `json:"fees_honesty"`
	ContractMatch *int `json:"contract_match"`
	Treatment     *int `json:"treatment"`
	Support       *int `json:"support"`
}

// Submission is a review as a worker submits it (the API body of POST /v1/agencies/{id}/reviews).
type Submission struct {
	Ratings        RatingsInput `json:"ratings"`
	WouldRecommend *bool        `json:"would_recommend"`
	Origin         string       `json:"origin,omitempty"`
	Destination    string       `json:"destination,omitempty"`
	Sector         string       `json:"sector,omitempty"`
	DepartureYear  int          `json:"departure_year,omitempty"`
	FeesPaid       *kawan.Money `json:"fees_paid,omitempty"`
	SalaryPromised *kawan.Money `json:"salary_promised,omitempty"`
	SalaryReceived *kawan.Money `json:"salary_received,omitempty"`
	Text           string       `json:"text"`
	Lang           string       `json:"lang,omitempty"`
}

// validate checks s and returns the review fields it sets, or a ValidationError naming
// every invalid field.
func (s Submission) validate(now time.Time) (kawan.Review, error) {
	v := &kawan.ValidationError{}
	var r kawan.Review
	rating := func(field string, p *int, dst *int) {
		switch {
		case p == nil:
			v.Add("ratings."+field, "is required (1 to 5)")
		case *p < 1 || *p > 5:
			v.Add("ratings."+field, "must be from 1 to 5, got %d", *p)
		default:
			*dst = *p
		}
	}
	rating("overall", s.Ratings.Overall, &r.Ratings.Overall)
	rating("fees_honesty", s.Ratings.FeesHonesty, &r.Ratings.FeesHonesty)
	rating("contract_match", s.Ratings.ContractMatch, &r.Ratings.ContractMatch)
	rating("treatment", s.Ratings.Treatment, &r.Ratings.Treatment)
	rating("support", s.Ratings.Support, &r.Ratings.Support)
	if s.WouldRecommend == nil {
		v.Add("would_recommend", "is required (true or false)")
	} else {
		r.WouldRecommend = *s.WouldRecommend
	}
	r.Origin = country(v, "origin", s.Origin)
	r.Destination = country(v, "destination", s.Destination)
	if s.Sector != "" && !slices.Contains(Sectors, s.Sector) {
		v.Add("sector", "must be one of %s", strings.Join(Sectors, ", "))
	}
	r.Sector = s.Sector
	if s.DepartureYear != 0 && (s.DepartureYear < 1970 || s.DepartureYear > now.Year()) {
		v.Add("departure_year", "must be a year from 1970 to %d", now.Year())
	}
	r.DepartureYear = s.DepartureYear
	r.FeesPaid = money(v, "fees_paid", s.FeesPaid)
	r.SalaryPromised = money(v, "salary_promised", s.SalaryPromised)
	r.SalaryReceived = money(v, "salary_received", s.SalaryReceived)
	for field, m := range map[string]*kawan.Money{"fees_paid": r.FeesPaid, "salary_promised": r.SalaryPromised, "salary_received": r.SalaryReceived} {
		if m != nil {
			m.Implausible, _ = Implausible(field, *m)
		}
	}
	r.Text = strings.TrimSpace(s.Text)
	if err := checkText(r.Text, true); err != "" {
		v.Add("text", "%s", err)
	}
	if s.Lang != "" {
		l, ok := normLang(s.Lang)
		if !ok {
			v.Add("lang", "must be a language tag such as en, tl, id, ne, my")
		}
		r.Lang = l
	} else if v.Err() == nil {
		r.Lang = detectLang(r.Text)
	}
	return r, v.Err()
}

// checkText returns why text is not acceptable as review or reply text, or "".
func checkText(text string, required bool) string {
	switch {
	case !utf8.ValidString(text):
		return "must be valid UTF-8"
	case required && text == "":
		return "is required"
	case utf8.RuneCountInString(text) > MaxTextRunes:
		return "must be at most 5000 characters"
	}
	for _, c := range text {
		if unicode.IsControl(c) && c != '\n' && c != '\r' && c != '\t' {
			return "must not contain control characters"
		}
	}
	return ""
}

// country validates an optional ISO 3166-1 alpha-2 country code.
func country(v *kawan.ValidationError, field, s string) string {
	if s == "" {
		return ""
	}
	ok := len(s) == 2 && strings.ToUpper(s) == s
	if ok {
		r, err := language.ParseRegion(s)
		ok = err == nil && r.IsCountry() && r.String() == s
	}
	if !ok {
		v.Add(field, "must be an ISO 3166-1 alpha-2 country code in capitals, like PH or QA")
	}
	return s
}

// money validates an optional amount: an ISO 4217 currency in use and a non-negative
// decimal string with no more decimals than the currency's minor units.
func money(v *kawan.ValidationError, field string, m *kawan.Money) *kawan.Money {
	if m == nil {
		return nil
	}
	if _, err := kawan.CurrencyMinorUnits(m.Currency); err != nil {
		v.Add(field+".currency", "must be an ISO 4217 currency code in use, like PHP or QAR")
		return nil
	}
	if _, err := m.ParseAmount(); err != nil {
		digits, _ := kawan.CurrencyMinorUnits(m.Currency)
		v.Add(field+".amount", "must be a non-negative decimal string with at most %d decimals for %s, below 10^12", digits, m.Currency)
		return nil
	}
	return &kawan.Money{Amount: m.Amount, Currency: m.Currency}
}

// normLang reduces a BCP 47 tag to its base language ("fil-PH" → "fil", "id" → "id").
func normLang(s string) (string, bool) {
	if len(s) > 35 {
		return "", false
	}
	t, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	b, conf := t.Base()
	if conf == language.No {
		return "", false
	}
	return b.String(), true
}

// validIdempotencyKey: printable ASCII, 1–200 characters.
func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > MaxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

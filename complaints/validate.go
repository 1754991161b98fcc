package complaints

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/help"
)

// Complaint is what a worker files (POST /v1/complaints).
type Complaint struct {
	Against     Against  `json:"against"`
	Facts       []string `json:"facts"`
	HappenedOn  string   `json:"happened_on,omitempty"`
	Country     string   `json:"country"`
	Nationality string   `json:"nationality"`
	Place       string   `json:"place,omitempty"`
	Amounts     []Amount `json:"amounts,omitempty"`
	Text        string   `json:"text,omitempty"`
	Lang        string   `json:"lang"`
	// PartnerIDs are the partners to refer the case to; ModeratorsChoose asks Kawan's
	// moderators to choose instead (exactly one of the two).
	PartnerIDs       []string `json:"partner_ids,omitempty"`
	ModeratorsChoose bool     `json:"moderators_choose,omitempty"`
	Share            Share    `json:"share"`
	Private          Private  `json:"private"`
	HideFromAgency   bool     `json:"hide_from_agency,omitempty"`
}

var htmlTag = regexp.MustCompile(`<\s*/?\s*[a-zA-Z!?][^>]*>`)

// checkText validates free text: at most max characters, plain text (no HTML tags, no
// control characters other than line breaks and tabs).
func checkText(v *kawan.ValidationError, field, s string, max int, required bool) {
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "must be UTF-8 text")
	case strings.TrimSpace(s) == "" && required:
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "must be at most %d characters", max)
	case htmlTag.MatchString(s):
		v.Add(field, "must be plain text, without HTML")
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		v.Add(field, "must not contain control characters")
	}
}

func checkLine(v *kawan.ValidationError, field, s string, max int) {
	checkText(v, field, s, max, false)
	if strings.ContainsAny(s, "\r\n") {
		v.Add(field, "must be one line")
	}
}

// CheckMoney validates an exact amount in an ISO 4217 currency as every amount in Kawan is
// checked (kawan.Money.ParseAmount: a plain decimal string with at most the currency's minor
// units, below 10^12), and more than zero. field names the amount; cfield the currency.
func CheckMoney(v *kawan.ValidationError, field, cfield, amount, currency string) {
	cur, err := kawan.LookupCurrency(currency)
	if err != nil {
		v.Add(cfield, "%v", err)
		// Still say what is wrong with the amount itself (as if in a currency with cents).
		cur = kawan.Currency{Code: "USD", Minor: 2}
	}
	d, err := kawan.Money{Amount: amount, Currency: cur.Code}.ParseAmount()
	switch {
	case err != nil:
		v.Add(field, "must be a decimal number written as a string, like \"45000\" or \"1250.50\", below 1000000000000, with at most %d decimals for %s", cur.Minor, cur.Code)
	case !d.IsPositive():
		v.Add(field, "must be more than zero")
	}
}

var (
	passportRE = regexp.MustCompile(`^[A-Z0-9]{5,20}$`)
	phoneRE    = regexp.MustCompile(`^\+?[0-9 ()-]{6,24}$`)
	handleRE   = regexp.MustCompile(`^[\p{L}\p{N}+@._ -]{2,64}$`)
)

// Validate checks a complaint (every field's problem at once; field names as sent, e.g.
// amounts[0].currency). It does not check that the agency or the partners exist.
func (in *Complaint) Validate(now time.Time) error {
	v := &kawan.ValidationError{}
	switch in.Against.Kind {
	case "agency":
		if !kawan.ValidID(in.Against.AgencyID) {
			v.Add("against.agency_id", "is required for a complaint against an agency: the agency's ID")
		}
		checkLine(v, "against.name", in.Against.Name, MaxName)
	case "employer":
		if in.Against.AgencyID != "" {
			v.Add("against.agency_id", "is only for a complaint against an agency")
		}
		checkLine(v, "against.name", in.Against.Name, MaxName)
		if strings.TrimSpace(in.Against.Name) == "" {
			v.Add("against.name", "is required for a complaint against an employer")
		}
	case "unknown":
		if in.Against.AgencyID != "" || in.Against.Name != "" {
			v.Add("against", "an unknown party has no agency_id or name")
		}
	default:
		v.Add("against.kind", "must be one of %s", strings.Join(AgainstKinds, ", "))
	}
	if len(in.Facts) == 0 {
		v.Add("facts", "name at least one of %s", strings.Join(Facts, ", "))
	}
	for i, f := range in.Facts {
		if !slices.Contains(Facts, f) {
			v.Add(fmt.Sprintf("facts[%d]", i), "must be one of %s", strings.Join(Facts, ", "))
		} else if slices.Index(in.Facts, f) != i {
			v.Add(fmt.Sprintf("facts[%d]", i), "is listed twice")
		}
		if i >= len(Facts) {
			break
		}
	}
	if in.HappenedOn != "" {
		d, err := time.Parse(time.DateOnly, in.HappenedOn)
		switch {
		case err != nil:
			v.Add("happened_on", "must be a date like 2026-05-01")
		case d.After(now.UTC()):
			v.Add("happened_on", "must not be in the future")
		case d.Year() < 1950:
			v.Add("happened_on", "must be after 1950")
		}
	}
	if !help.ValidCountry(in.Country) {
		v.Add("country", "must be the ISO 3166-1 alpha-2 code (capitals) of the country where it happened, like QA")
	}
	if !help.ValidCountry(in.Nationality) {
		v.Add("nationality", "must be the ISO 3166-1 alpha-2 code (capitals) of your nationality, like NP")
	}
	checkLine(v, "place", in.Place, MaxPlace)
	if len(in.Amounts) > MaxAmounts {
		v.Add("amounts", "at most %d amounts", MaxAmounts)
	} else {
		for i, a := range in.Amounts {
			f := fmt.Sprintf("amounts[%d]", i)
			if !slices.Contains(AmountKinds, a.What) {
				v.Add(f+".what", "must be one of %s", strings.Join(AmountKinds, ", "))
			}
			CheckMoney(v, f+".amount", f+".currency", a.Amount, a.Currency)
		}
	}
	checkText(v, "text", in.Text, MaxText, false)
	if t, err := language.Parse(in.Lang); err != nil || len(in.Lang) > 20 || t == language.Und {
		v.Add("lang", "must be the language you write in, as a tag like ne, en, fil")
	}
	switch {
	case in.ModeratorsChoose && len(in.PartnerIDs) > 0:
		v.Add("partner_ids", "choose partners or let moderators choose, not both")
	case !in.ModeratorsChoose && len(in.PartnerIDs) == 0:
		v.Add("partner_ids", "choose at least one partner, or set moderators_choose")
	case len(in.PartnerIDs) > MaxPartners:
		v.Add("partner_ids", "at most %d partners", MaxPartners)
	}
	for i, id := range in.PartnerIDs {
		if !kawan.ValidID(id) || slices.Index(in.PartnerIDs, id) != i {
			v.Add(fmt.Sprintf("partner_ids[%d]", i), "must be a partner's ID, listed once")
		}
		if i >= MaxPartners {
			break
		}
	}
	in.Private.check(v)
	if in.Share.Contact && in.Private.Phone == "" && in.Private.Email == "" && in.Private.MessagingHandle == "" {
		v.Add("share.contact", "give a phone number, an e-mail address or a messaging app to share")
	}
	if in.Share.Name && strings.TrimSpace(in.Private.Name) == "" {
		v.Add("share.name", "give your name to share it")
	}
	if in.Share.Passport && in.Private.Passport == "" {
		v.Add("share.passport_number", "give your passport number to share it")
	}
	return v.Err()
}

func (p *Private) check(v *kawan.ValidationError) {
	checkLine(v, "private.name", p.Name, MaxName)
	if p.Passport != "" && !passportRE.MatchString(p.Passport) {
		v.Add("private.passport_number", "must be 5 to 20 capital letters and digits, as printed in the passport")
	}
	if p.Phone != "" && !phoneRE.MatchString(p.Phone) {
		v.Add("private.phone", "must be a phone number with its country code, like +977 980 000 0000")
	}
	if p.Email != "" && (len(p.Email) > 254 || strings.Count(p.Email, "@") != 1 || strings.ContainsAny(p.Email, " <>\r\n") ||
		strings.HasPrefix(p.Email, "@") || strings.HasSuffix(p.Email, "@")) {
		v.Add("private.email", "must be an e-mail address")
	}
	switch {
	case p.MessagingApp == "" && p.MessagingHandle != "":
		v.Add("private.messaging_app", "say which app the handle is for: %s", strings.Join(MessagingApps, ", "))
	case p.MessagingApp != "" && !slices.Contains(MessagingApps, p.MessagingApp):
		v.Add("private.messaging_app", "must be one of %s", strings.Join(MessagingApps, ", "))
	case p.MessagingApp != "" && !handleRE.MatchString(p.MessagingHandle):
		v.Add("private.messaging_handle", "must be your number or name on %s (2 to 64 characters)", p.MessagingApp)
	}
}

// Transition is a requested change of a case's state (POST /v1/complaints/{code}/transitions).
type Transition struct {
	To State `json:"to"`
	// Reason is required to decline (DeclineReasons) and to close (CloseReasons).
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`
	// Outcome is required to resolve.
	Outcome *Outcome `json:"outcome,omitempty"`
	// PartnerIDs are the partners of a referral.
	PartnerIDs []string `json:"partner_ids,omitempty"`
	// Version, when set, is the version the caller saw: a case changed since is 409.
	Version *int64 `json:"version,omitempty"`
}

func (t *Transition) validate() error {
	v := &kawan.ValidationError{}
	checkText(v, "note", t.Note, MaxNote, false)
	switch t.To {
	case Referred:
		if len(t.PartnerIDs) == 0 || len(t.PartnerIDs) > MaxPartners {
			v.Add("partner_ids", "name 1 to %d partners", MaxPartners)
		}
		for i, id := range t.PartnerIDs {
			if !kawan.ValidID(id) || slices.Index(t.PartnerIDs, id) != i {
				v.Add(fmt.Sprintf("partner_ids[%d]", i), "must be a partner's ID, listed once")
			}
			if i >= MaxPartners {
				break
			}
		}
	case Declined:
		if !slices.Contains(DeclineReasons, t.Reason) {
			v.Add("reason", "must be one of %s", strings.Join(DeclineReasons, ", "))
		}
	case Closed:
		if !slices.Contains(CloseReasons, t.Reason) {
			v.Add("reason", "must be one of %s", strings.Join(CloseReasons, ", "))
		}
	case Resolved:
		if t.Outcome == nil {
			v.Add("outcome", "is required to resolve a case")
			break
		}
		if !slices.Contains(Outcomes, t.Outcome.Kind) {
			v.Add("outcome.kind", "must be one of %s", strings.Join(Outcomes, ", "))
		}
		checkText(v, "outcome.note", t.Outcome.Note, MaxNote, false)
		switch {
		case t.Outcome.Kind == "money_recovered" && t.Outcome.Recovered == nil:
			v.Add("outcome.recovered", "is required for money_recovered: the amount and currency")
		case t.Outcome.Kind == "money_recovered":
			CheckMoney(v, "outcome.recovered.amount", "outcome.recovered.currency", t.Outcome.Recovered.Amount, t.Outcome.Recovered.Currency)
		case t.Outcome.Recovered != nil:
			v.Add("outcome.recovered", "is only for money_recovered")
		}
	case Accepted, InProgress:
	default:
		v.Add("to", "must be one of referred, accepted, declined, in_progress, resolved, closed")
	}
	if t.To != Declined && t.To != Closed && t.Reason != "" {
		v.Add("reason", "is only for declined and closed")
	}
	if t.To != Resolved && t.Outcome != nil {
		v.Add("outcome", "is only for resolved")
	}
	if t.To != Referred && len(t.PartnerIDs) > 0 {
		v.Add("partner_ids", "is only for referred")
	}
	return v.Err()
}

// PartnerInput is an admin's creation of a partner organisation (POST /v1/admin/partners).
type PartnerInput struct {
	HelpID        string   `json:"help_id"`
	Countries     []string `json:"countries"`
	Nationalities []string `json:"nationalities,omitempty"`
	Kinds         []string `json:"kinds"`
}

func (in *PartnerInput) validate() error {
	v := &kawan.ValidationError{}
	if !kawan.ValidID(in.HelpID) {
		v.Add("help_id", "must be the ID of a help directory entry")
	}
	checkCountries(v, "countries", in.Countries, true)
	checkCountries(v, "nationalities", in.Nationalities, false)
	if len(in.Kinds) == 0 || len(in.Kinds) > len(Facts) {
		v.Add("kinds", "name 1 to %d of %s", len(Facts), strings.Join(Facts, ", "))
	}
	for i, k := range in.Kinds {
		if !slices.Contains(Facts, k) || slices.Index(in.Kinds, k) != i {
			v.Add(fmt.Sprintf("kinds[%d]", i), "must be one of %s, listed once", strings.Join(Facts, ", "))
		}
		if i >= len(Facts) {
			break
		}
	}
	return v.Err()
}

func checkCountries(v *kawan.ValidationError, field string, cs []string, required bool) {
	if (required && len(cs) == 0) || len(cs) > 60 {
		v.Add(field, "name 1 to 60 countries (ISO 3166-1 alpha-2)")
		return
	}
	for i, c := range cs {
		if !help.ValidCountry(c) || slices.Index(cs, c) != i {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "must be an ISO 3166-1 alpha-2 code in capitals, listed once")
		}
	}
}

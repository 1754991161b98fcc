package kawan

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// LicenceStatus is what a regulator says about one licence.
type LicenceStatus string

// Licence statuses, as regulators' lists state them.
const (
	LicenceActive    LicenceStatus = "active"
	LicenceSuspended LicenceStatus = "suspended"
	LicenceRevoked   LicenceStatus = "revoked"
	LicenceCancelled LicenceStatus = "cancelled"
	LicenceExpired   LicenceStatus = "expired"
	LicencePending   LicenceStatus = "pending"
	// LicenceDelisted: the regulator removed the agency from its registry (PH DMW "Delisted").
	LicenceDelisted LicenceStatus = "delisted"
	// LicenceCeased: the agency stopped doing business and gave its licence up (DMW "Ceased Operations").
	LicenceCeased LicenceStatus = "ceased_operations"
	// LicenceDeniedRenewal: the regulator refused to renew an expiring licence (DMW "Denied Renewal").
	LicenceDeniedRenewal LicenceStatus = "denied_renewal"
	// LicenceInactive: the licence exists but is not in force (DMW "Inactive").
	LicenceInactive LicenceStatus = "inactive"
	// LicenceUnknown: the list used a status word Kawan does not know; the regulator's own
	// words are kept in Licence.StatusText ("unknown — check with the regulator").
	LicenceUnknown LicenceStatus = "unknown"
)

// LicenceStatuses lists every licence status.
var LicenceStatuses = []LicenceStatus{LicenceActive, LicenceSuspended, LicenceRevoked, LicenceCancelled, LicenceExpired, LicencePending,
	LicenceDelisted, LicenceCeased, LicenceDeniedRenewal, LicenceInactive, LicenceUnknown}

// Valid reports whether s is a known status.
func (s LicenceStatus) Valid() bool { return slices.Contains(LicenceStatuses, s) }

// Problem reports whether the status means the agency may not recruit under this licence
// (everything but active, pending and unknown).
func (s LicenceStatus) Problem() bool {
	return s != LicenceActive && s != LicencePending && s != LicenceUnknown && s.Valid()
}

// Meaning is what the status means for a worker, in one sentence.
func (s LicenceStatus) Meaning() string {
	switch s {
	case LicenceActive:
		return "licensed: the agency may recruit"
	case LicenceSuspended:
		return "suspended: the agency may not recruit or process workers' papers until the suspension is lifted"
	case LicenceRevoked:
		return "revoked: the regulator took the licence away; the agency may not recruit"
	case LicenceCancelled:
		return "cancelled: the licence is no longer valid; the agency may not recruit"
	case LicenceExpired:
		return "expired: the licence ran out and was not renewed; the agency may not recruit"
	case LicencePending:
		return "pending: an application, not yet a licence; the agency may not recruit yet"
	case LicenceDelisted:
		return "delisted: the regulator removed the agency from its registry; it may not recruit"
	case LicenceCeased:
		return "ceased operations: the agency closed and gave up its licence; it may not recruit (claims go to the regulator)"
	case LicenceDeniedRenewal:
		return "renewal denied: the regulator refused to renew the licence; the agency may not recruit"
	case LicenceInactive:
		return "inactive: the licence is not in force now; the agency may not recruit until the regulator reactivates it"
	case LicenceUnknown:
		return "unknown — check with the regulator: the list uses a status word Kawan does not know"
	}
	return string(s)
}

// SanctionKind is what an authority did to an agency.
type SanctionKind string

// Sanction kinds.
const (
	SanctionSuspension   SanctionKind = "suspension"
	SanctionRevocation   SanctionKind = "revocation"
	SanctionBlacklist    SanctionKind = "blacklist"
	SanctionFine         SanctionKind = "fine"
	SanctionWarning      SanctionKind = "warning"
	SanctionCriminalCase SanctionKind = "criminal_case"
)

// SanctionKinds lists every sanction kind.
var SanctionKinds = []SanctionKind{SanctionSuspension, SanctionRevocation, SanctionBlacklist, SanctionFine, SanctionWarning, SanctionCriminalCase}

// Valid reports whether k is a known kind.
func (k SanctionKind) Valid() bool { return slices.Contains(SanctionKinds, k) }

// Standing is the one-word verdict on an agency a worker sees first; Explain says why.
type Standing string

// Standings, from best to worst news. See Agency.Standing for the rule.
const (
	StandingLicensed       Standing = "licensed"
	StandingSanctioned     Standing = "sanctioned"
	StandingLicenceProblem Standing = "licence_problem"
	StandingBlacklisted    Standing = "blacklisted"
	StandingUnknown        Standing = "unknown"
)

// Standings lists every standing.
var Standings = []Standing{StandingLicensed, StandingSanctioned, StandingLicenceProblem, StandingBlacklisted, StandingUnknown}

// Valid reports whether s is a known standing.
func (s Standing) Valid() bool { return slices.Contains(Standings, s) }

// Sectors are the work sectors agencies recruit for (shared with reviews).
var Sectors = []string{"domestic_work", "care", "construction", "manufacturing", "agriculture", "fishing", "hospitality",
	"retail", "transport", "cleaning", "security", "healthcare", "other"}

// Licence is one licence an agency holds or held, with where and when Kawan read it.
type Licence struct {
	// Regulator is the issuing authority's code (see Regulators), e.g. "PH-DMW".
	Regulator string `json:"regulator" bson:"regulator"`
	// Number is the licence number as the regulator prints it; "" on a list without numbers
	// (the PH DMW registry), where Key identifies the row.
	Number string        `json:"number" bson:"number"`
	Status LicenceStatus `json:"status" bson:"status"`
	// StatusText is the regulator's own words for the status ("Valid License - Provisional",
	// "Forever Banned"), kept beside Kawan's normalised Status.
	StatusText string `json:"status_text,omitempty" bson:"status_text,omitempty"`
	// Key is the regulator's own key for a row of a list without licence numbers: the
	// agency's normalised name and classification ("n:3 r s overseas|privateemploymentagency").
	// Empty when Number identifies the licence (see Licence.RegistryKey).
	Key string `json:"key,omitempty" bson:"key,omitempty"`
	// Classification is the kind of licence as the list names it ("Manning Agency").
	Classification string    `json:"classification,omitempty" bson:"classification,omitempty"`
	ValidFrom      time.Time `json:"valid_from,omitzero" bson:"valid_from,omitempty"`
	ValidTo        time.Time `json:"valid_to,omitzero" bson:"valid_to,omitempty"`
	// StatusDate is when the regulator's list says the status took effect (suspension,
	// revocation), when it says so.
	StatusDate  time.Time `json:"status_date,omitzero" bson:"status_date,omitempty"`
	SourceURL   string    `json:"source_url" bson:"source_url"`
	RetrievedAt time.Time `json:"retrieved_at" bson:"retrieved_at"`
	// AsOf is the date the regulator says these facts were true (DMW's data_as_of), when
	// the list says so.
	AsOf time.Time `json:"as_of,omitzero" bson:"as_of,omitempty"`
}

// RegistryKey is what identifies the licence within its regulator's lists: Key for lists
// without numbers, else the number in its compared form (LicenceNumberKey).
func (l Licence) RegistryKey() string {
	if l.Key != "" {
		return l.Key
	}
	return LicenceNumberKey(l.Regulator, l.Number)
}

// Label names the licence for people: its number, or its classification on a list without numbers.
func (l Licence) Label() string {
	switch {
	case l.Number != "":
		return l.Number
	case l.Classification != "":
		return "(" + l.Classification + ", no number published)"
	}
	return "(no number published)"
}

// StatusOn is the licence's status on day now: an active licence past its valid_to date is
// expired from the day after valid_to, without a new list saying so.
func (l Licence) StatusOn(now time.Time) LicenceStatus {
	if l.Status == LicenceActive && l.LapsedOn(now) {
		return LicenceExpired
	}
	return l.Status
}

// LapsedOn reports whether an active licence's validity date has passed by now.
func (l Licence) LapsedOn(now time.Time) bool {
	return l.Status == LicenceActive && !l.ValidTo.IsZero() && now.After(l.ValidTo.Add(24*time.Hour-time.Nanosecond))
}

// MergeNote explains why a row of a list joined an existing agency record instead of
// making its own (shown on the record; an admin can split it off again).
type MergeNote struct {
	Regulator string `json:"regulator" bson:"regulator"`
	// Key is the row's RegistryKey; Number its printed licence number, if any.
	Key    string `json:"key" bson:"key"`
	Number string `json:"number,omitempty" bson:"number,omitempty"`
	// Name and Address are the row's, as listed.
	Name    string `json:"name" bson:"name"`
	Address string `json:"address,omitempty" bson:"address,omitempty"`
	// Rule is which rule matched: "same_name_origin" (the same normalised name in the same
	// origin, on another regulator's list, or a numbered licence and a listing without
	// numbers of one regulator) or "same_name_address" (a list without numbers: the same name
	// and address, another classification).
	Rule   string    `json:"rule" bson:"rule"`
	Reason string    `json:"reason" bson:"reason"`
	Source string    `json:"source" bson:"source"`
	At     time.Time `json:"at" bson:"at"`
}

// Merge rules (MergeNote.Rule).
const (
	MergeSameNameOrigin  = "same_name_origin"
	MergeSameNameAddress = "same_name_address"
)

// AgencyEvent is one change of an agency's licence status, validity date or sanctions, as
// Kawan saw it on a regulator's list (GET /v1/agencies/{id}/history, the Atom feed).
type AgencyEvent struct {
	// ID is stable for the same change seen on the same list (re-imports add nothing).
	ID       string `json:"id" bson:"id"`
	AgencyID string `json:"agency_id" bson:"agency_id"`
	// Kind: "listed" (first seen), "status", "valid_to", "sanction", "lapsed" (computed: an
	// active licence past its date), "merged", "split".
	Kind      string `json:"kind" bson:"kind"`
	Regulator string `json:"regulator,omitempty" bson:"regulator,omitempty"`
	Licence   string `json:"licence,omitempty" bson:"licence,omitempty"` // Licence.Label()
	From      string `json:"from,omitempty" bson:"from,omitempty"`
	To        string `json:"to,omitempty" bson:"to,omitempty"`
	// StatusText is the regulator's own words for the new status.
	StatusText string `json:"status_text,omitempty" bson:"status_text,omitempty"`
	// EffectiveOn is when the list says the change took effect (status date, expiry date).
	EffectiveOn time.Time `json:"effective_on,omitzero" bson:"effective_on,omitempty"`
	// SeenOn is the date of the list it was seen on (its as-of date, else when it was read).
	SeenOn    time.Time `json:"seen_on" bson:"seen_on"`
	Source    string    `json:"source" bson:"source"` // import profile or "admin"
	SourceURL string    `json:"source_url,omitempty" bson:"source_url,omitempty"`
	// Summary is the sentence a person reads ("licence expired on 6 Sep 2026, seen on the
	// PH-DMW list of 7 Sep 2026").
	Summary    string    `json:"summary" bson:"summary"`
	RecordedAt time.Time `json:"recorded_at" bson:"recorded_at"`
}

// HumanDate writes a date as "6 Sep 2026".
func HumanDate(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

// Sanction is one action an authority took against an agency, with its source.
type Sanction struct {
	Date        time.Time    `json:"date" bson:"date"`
	Authority   string       `json:"authority" bson:"authority"`
	Kind        SanctionKind `json:"kind" bson:"kind"`
	Summary     string       `json:"summary" bson:"summary"`
	SourceURL   string       `json:"source_url" bson:"source_url"`
	RetrievedAt time.Time    `json:"retrieved_at,omitzero" bson:"retrieved_at,omitempty"`
	// Licence is the licence number the sanction concerns, when it concerns one.
	Licence string `json:"licence,omitempty" bson:"licence,omitempty"`
}

// Contact is how an agency says it can be reached (as published by the regulator). Phone
// and Email are the first of Phones and Emails when a list gives several in one cell.
type Contact struct {
	Phone   string   `json:"phone,omitempty" bson:"phone,omitempty"`
	Email   string   `json:"email,omitempty" bson:"email,omitempty"`
	Website string   `json:"website,omitempty" bson:"website,omitempty"`
	Phones  []string `json:"phones,omitempty" bson:"phones,omitempty"`
	Emails  []string `json:"emails,omitempty" bson:"emails,omitempty"`
}

// Source is one list or page an agency record was built from.
type Source struct {
	Name        string    `json:"name" bson:"name"` // import profile or "admin"
	URL         string    `json:"url" bson:"url"`
	RetrievedAt time.Time `json:"retrieved_at" bson:"retrieved_at"`
}

// Agency is a recruitment agency as the registry holds it. Stored in MongoDB ("agencies",
// _id = ID); the public read model is the search index. Ratings is written only by the
// reviews area (atomic $inc); the agencies area never overwrites it. Every write bumps
// Version in the same update; the reconciler re-indexes when IndexedVersion < Version.
type Agency struct {
	ID           string     `json:"id" bson:"_id"` // stable slug, e.g. "himalaya-manpower-np"
	LegalName    string     `json:"legal_name" bson:"legal_name"`
	TradeNames   []string   `json:"trade_names" bson:"trade_names"`
	Origin       string     `json:"origin" bson:"origin"` // ISO 3166-1 alpha-2 of the country it recruits in
	Address      string     `json:"address,omitempty" bson:"address,omitempty"`
	City         string     `json:"city,omitempty" bson:"city,omitempty"`
	Contact      Contact    `json:"contact" bson:"contact"`
	Languages    []string   `json:"languages" bson:"languages"`
	Licences     []Licence  `json:"licences" bson:"licences"`
	Sanctions    []Sanction `json:"sanctions" bson:"sanctions"`
	Destinations []string   `json:"destinations" bson:"destinations"` // ISO 3166-1 alpha-2
	Sectors      []string   `json:"sectors" bson:"sectors"`
	Sources      []Source   `json:"sources" bson:"sources"`
	// Fictional marks demo data: invented names, numbers and facts.
	Fictional bool `json:"fictional" bson:"fictional"`
	// NormName is NormalizeName(LegalName), the key that merges the same agency seen on two lists.
	NormName string `json:"-" bson:"norm_name"`
	// MergedInto is set when an admin merged this record into another (it stays for its reviews).
	MergedInto string `json:"merged_into,omitempty" bson:"merged_into,omitempty"`
	// Merges explains each list row that joined this record by name rather than by its own key.
	Merges []MergeNote `json:"merges,omitempty" bson:"merges,omitempty"`

	Ratings        ReviewAggregates `json:"-" bson:"ratings,omitempty"`
	CreatedAt      time.Time        `json:"created_at" bson:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at" bson:"updated_at"`
	Version        int64            `json:"-" bson:"version"`
	IndexedVersion int64            `json:"-" bson:"indexed_version"`
}

// Regulator is an authority that licenses recruitment agencies.
type Regulator struct {
	Code    string `json:"code"`
	Country string `json:"country"`
	Name    string `json:"name"`
	URL     string `json:"url"` // the regulator's public site, where its lists are published
	// NoNumbers: the regulator's current registry publishes no licence numbers (PH DMW).
	NoNumbers bool `json:"no_licence_numbers,omitempty"`
}

// Regulators known to Kawan, by code. Codes are "<ISO country>-<acronym>".
var Regulators = map[string]Regulator{
	"PH-DMW":   {"PH-DMW", "PH", "Department of Migrant Workers (formerly POEA), Philippines", "https://dmw.gov.ph/", true},
	"NP-DOFE":  {"NP-DOFE", "NP", "Department of Foreign Employment, Nepal", "https://dofe.gov.np/", false},
	"ID-BP2MI": {"ID-BP2MI", "ID", "Badan Pelindungan Pekerja Migran Indonesia (BP2MI/KP2MI)", "https://bp2mi.go.id/", false},
	"MM-MOL":   {"MM-MOL", "MM", "Ministry of Labour, Myanmar", "https://www.mol.gov.mm/", false},
	"KH-MLVT":  {"KH-MLVT", "KH", "Ministry of Labour and Vocational Training, Cambodia", "https://www.mlvt.gov.kh/", false},
	"VN-DOLAB": {"VN-DOLAB", "VN", "Department of Overseas Labour (DOLAB), Viet Nam", "http://dolab.gov.vn/", false},
	"TH-DOE":   {"TH-DOE", "TH", "Department of Employment, Thailand", "https://www.doe.go.th/", false},
	"LK-SLBFE": {"LK-SLBFE", "LK", "Sri Lanka Bureau of Foreign Employment", "https://www.slbfe.lk/", false},
	"BD-BMET":  {"BD-BMET", "BD", "Bureau of Manpower, Employment and Training, Bangladesh", "http://www.bmet.gov.bd/", false},
}

// NormalizeRegulator returns the canonical code for a regulator as a client may type it
// ("ph-dmw", "PH_DMW"), and whether it is known.
func NormalizeRegulator(s string) (string, bool) {
	c := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "_", "-"))
	_, ok := Regulators[c]
	return c, ok
}

// licencePrefixes are words regulators or agencies print before the number itself, dropped
// when comparing ("RL-0010", "RL No. 10" and "0010" are BMET licence 10).
var licencePrefixes = map[string][]string{
	"BD-BMET": {"RL", "NO", "BMET", "LICENSE", "LICENCE", "LIC"},
	"NP-DOFE": {"PERMISSION", "NO", "LICENSE", "LICENCE", "LIC"},
}

// LicenceNumberKey is the form a regulator's licence numbers are stored and compared in,
// for numbers as they are printed and typed: upper case; split into runs of letters and runs
// of digits (any other character, and a change from letters to digits, separates them);
// leading zeros dropped from each run of digits; the regulator's prefix words dropped from
// the front (BMET "RL", "No."); joined with "-". So BMET "RL-0010", "rl 0010", "RL No. 10"
// and "10" are all "10", DoFE "1284/074/75" and "1284/74/075" are "1284-74-75", and
// "POEA-123-LB" is "poea 123 lb".
func LicenceNumberKey(regulator, s string) string {
	var parts []string
	var cur []rune
	kind := 0 // 1 letters, 2 digits
	flush := func() {
		if len(cur) == 0 {
			return
		}
		p := string(cur)
		if kind == 2 {
			p = strings.TrimLeft(p, "0")
			if p == "" {
				p = "0"
			}
		}
		parts = append(parts, p)
		cur = cur[:0]
	}
	for _, r := range strings.ToUpper(s) {
		k := 0
		switch {
		case unicode.IsDigit(r):
			k = 2
		case unicode.IsLetter(r):
			k = 1
		}
		if k != kind || k == 0 {
			flush()
		}
		kind = k
		if k != 0 {
			cur = append(cur, r)
		}
	}
	flush()
	if pre := licencePrefixes[strings.ToUpper(regulator)]; len(pre) > 0 {
		for len(parts) > 1 && slices.Contains(pre, parts[0]) {
			parts = parts[1:]
		}
	}
	return strings.Join(parts, "-")
}

// NormalizeLicenceNumber is the form licence numbers are compared in: upper case, no spaces,
// dashes, dots or slashes ("POEA-123-LB-031521-R" and "poea 123 lb 031521 r" are equal).
func NormalizeLicenceNumber(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// legalForms are words that say what kind of company it is, not which one; NormalizeName
// drops them so "Himalaya Manpower Pvt. Ltd." and "HIMALAYA MANPOWER PRIVATE LIMITED" match.
var legalForms = map[string]bool{
	"pvt": true, "private": true, "ltd": true, "limited": true, "inc": true, "incorporated": true,
	"corp": true, "corporation": true, "co": true, "company": true, "llc": true, "plc": true,
	"pt": true, "cv": true, "tbk": true, "sdn": true, "bhd": true, "jsc": true, "the": true,
	"and": true, "pte": true, "opc": true,
}

// NormalizeName is the rule that makes the same agency on two lists one record: fold
// accents and case, treat "&" as "and", drop punctuation and legal-form words (Pvt, Ltd,
// Inc, Corp, PT, …), and collapse spaces. Two agencies from the same origin whose names
// normalise equally are the same agency, unless their licence numbers from the same
// regulator differ.
func NormalizeName(s string) string {
	folded := s
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 { // only non-ASCII text has accents to fold
			t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
			if f, _, err := transform.String(t, s); err == nil {
				folded = f
			}
			break
		}
	}
	folded = strings.ToLower(strings.ReplaceAll(folded, "&", " and "))
	words := strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := words[:0]
	for _, w := range words {
		if !legalForms[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// Slug returns a URL-safe ID made of the name and origin ("Himalaya Manpower Pvt Ltd", "NP"
// → "himalaya-manpower-np").
func Slug(name, origin string) string {
	n := NormalizeName(name)
	var b strings.Builder
	for _, r := range n {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-")
	}
	if s == "" {
		s = "agency"
	}
	return s + "-" + strings.ToLower(origin)
}

// StandingInfo is an agency's standing with the reason and the fact it rests on.
type StandingInfo struct {
	Standing Standing `json:"standing"`
	Reason   string   `json:"reason"`
	// Since is the date of the deciding fact (sanction date, licence status date), if known.
	Since     time.Time `json:"since,omitzero"`
	SourceURL string    `json:"source_url,omitempty"`
}

// SanctionWindow is how long a sanction other than a blacklisting keeps an otherwise licensed
// agency "sanctioned".
const SanctionWindow = 3 * 365 * 24 * time.Hour

// Standing derives the agency's standing as of now, worst news first:
//
//  1. blacklisted: any blacklist sanction;
//  2. licence_problem: it has licences but none is active and in date (suspended, revoked,
//     cancelled, expired, or past valid_to); a revoked or suspended licence is named;
//  3. sanctioned: it holds a valid licence but was sanctioned (suspension, revocation, fine,
//     warning, criminal case) within SanctionWindow, or another of its licences is revoked,
//     cancelled or suspended;
//  4. licensed: an active licence in date and nothing of the above;
//  5. unknown: no licence on any list Kawan holds (or only pending applications).
func (a *Agency) Standing(now time.Time) StandingInfo {
	for _, s := range a.Sanctions {
		if s.Kind == SanctionBlacklist {
			return StandingInfo{Standing: StandingBlacklisted, Since: s.Date, SourceURL: s.SourceURL,
				Reason: fmt.Sprintf("blacklisted by %s on %s: %s", s.Authority, day(s.Date), s.Summary)}
		}
	}
	var valid, bad *Licence
	for i := range a.Licences {
		l := &a.Licences[i]
		switch {
		case l.Status == LicenceActive:
			if !l.LapsedOn(now) {
				if valid == nil {
					valid = l
				}
			} else if bad == nil {
				bad = l
			}
		case l.Status == LicenceRevoked, l.Status == LicenceCancelled, l.Status == LicenceSuspended:
			if bad == nil || !severe(bad.Status) {
				bad = l
			}
		case l.Status.Problem():
			if bad == nil {
				bad = l
			}
		}
	}
	if valid == nil && bad != nil {
		st := bad.Status
		when := bad.StatusDate
		if bad.Status == LicenceActive || (bad.Status == LicenceExpired && when.IsZero()) {
			st, when = LicenceExpired, bad.ValidTo
		}
		r := fmt.Sprintf("licence %s from %s is %s", bad.Label(), bad.Regulator, strings.ReplaceAll(string(st), "_", " "))
		if bad.StatusText != "" && bad.Status != LicenceActive {
			r += fmt.Sprintf(" (%q on the list)", bad.StatusText)
		}
		if !when.IsZero() {
			r += " since " + day(when)
		}
		return StandingInfo{Standing: StandingLicenceProblem, Reason: r + "; no valid licence on record", Since: when, SourceURL: bad.SourceURL}
	}
	if valid != nil {
		var recent *Sanction
		for i := range a.Sanctions {
			s := &a.Sanctions[i]
			if now.Sub(s.Date) <= SanctionWindow && (recent == nil || s.Date.After(recent.Date)) {
				recent = s
			}
		}
		if recent != nil {
			return StandingInfo{Standing: StandingSanctioned, Since: recent.Date, SourceURL: recent.SourceURL,
				Reason: fmt.Sprintf("licensed (%s %s) but %s by %s on %s: %s", valid.Regulator, valid.Label(), sanctionVerb(recent.Kind),
					recent.Authority, day(recent.Date), recent.Summary)}
		}
		if bad != nil && severe(bad.Status) {
			return StandingInfo{Standing: StandingSanctioned, Since: bad.StatusDate, SourceURL: bad.SourceURL,
				Reason: fmt.Sprintf("licensed (%s %s) but licence %s from %s is %s", valid.Regulator, valid.Label(), bad.Label(), bad.Regulator, bad.Status)}
		}
		r := fmt.Sprintf("licence %s from %s is active", valid.Label(), valid.Regulator)
		if !valid.ValidTo.IsZero() {
			r += " until " + day(valid.ValidTo)
		}
		return StandingInfo{Standing: StandingLicensed, Reason: r + " (as of " + day(valid.RetrievedAt) + ")", Since: valid.ValidFrom, SourceURL: valid.SourceURL}
	}
	for _, l := range a.Licences {
		if l.Status == LicencePending {
			return StandingInfo{Standing: StandingUnknown, SourceURL: l.SourceURL,
				Reason: fmt.Sprintf("licence application %s with %s is pending; not yet licensed", l.Label(), l.Regulator)}
		}
	}
	for _, l := range a.Licences {
		if l.Status == LicenceUnknown {
			return StandingInfo{Standing: StandingUnknown, SourceURL: l.SourceURL,
				Reason: fmt.Sprintf("the %s list gives licence %s the status %q, which Kawan does not know: unknown — check with the regulator before paying anything",
					l.Regulator, l.Label(), l.StatusText)}
		}
	}
	return StandingInfo{Standing: StandingUnknown, Reason: "no licence on any regulator's list Kawan holds; check with the regulator before paying anything"}
}

// ExcludedFromTopRated reports whether the agency must never appear in "top rated": it is
// blacklisted or one of its licences was revoked or cancelled.
func (a *Agency) ExcludedFromTopRated() (bool, string) {
	for _, s := range a.Sanctions {
		if s.Kind == SanctionBlacklist {
			return true, "agency is blacklisted (" + s.Authority + ", " + day(s.Date) + ")"
		}
	}
	for _, l := range a.Licences {
		if l.Status == LicenceRevoked || l.Status == LicenceCancelled {
			return true, fmt.Sprintf("licence %s from %s %s", l.Label(), l.Regulator, l.Status)
		}
	}
	return false, ""
}

// LicenceStatusSummary returns the distinct statuses of the agency's licences (for filters).
func (a *Agency) LicenceStatusSummary() []string {
	var out []string
	for _, l := range a.Licences {
		if !slices.Contains(out, string(l.Status)) {
			out = append(out, string(l.Status))
		}
	}
	slices.Sort(out)
	return out
}

// severe statuses are decisions against the agency (not a lapse or a closure).
func severe(s LicenceStatus) bool {
	return s == LicenceRevoked || s == LicenceCancelled || s == LicenceSuspended
}

func sanctionVerb(k SanctionKind) string {
	switch k {
	case SanctionSuspension:
		return "suspended"
	case SanctionRevocation:
		return "had a licence revoked"
	case SanctionFine:
		return "fined"
	case SanctionWarning:
		return "warned"
	case SanctionCriminalCase:
		return "subject of a criminal case"
	}
	return string(k)
}

func day(t time.Time) string {
	if t.IsZero() {
		return "an unknown date"
	}
	return t.UTC().Format("2006-01-02")
}

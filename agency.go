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
)

// LicenceStatuses lists every licence status.
var LicenceStatuses = []LicenceStatus{LicenceActive, LicenceSuspended, LicenceRevoked, LicenceCancelled, LicenceExpired, LicencePending}

// Valid reports whether s is a known status.
func (s LicenceStatus) Valid() bool { return slices.Contains(LicenceStatuses, s) }

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
	Regulator string        `json:"regulator" bson:"regulator"`
	Number    string        `json:"number" bson:"number"`
	Status    LicenceStatus `json:"status" bson:"status"`
	ValidFrom time.Time     `json:"valid_from,omitzero" bson:"valid_from,omitempty"`
	ValidTo   time.Time     `json:"valid_to,omitzero" bson:"valid_to,omitempty"`
	// StatusDate is when the regulator's list says the status took effect (suspension,
	// revocation), when it says so.
	StatusDate  time.Time `json:"status_date,omitzero" bson:"status_date,omitempty"`
	SourceURL   string    `json:"source_url" bson:"source_url"`
	RetrievedAt time.Time `json:"retrieved_at" bson:"retrieved_at"`
}

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

// Contact is how an agency says it can be reached (as published by the regulator).
type Contact struct {
	Phone   string `json:"phone,omitempty" bson:"phone,omitempty"`
	Email   string `json:"email,omitempty" bson:"email,omitempty"`
	Website string `json:"website,omitempty" bson:"website,omitempty"`
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
}

// Regulators known to Kawan, by code. Codes are "<ISO country>-<acronym>".
var Regulators = map[string]Regulator{
	"PH-DMW":   {"PH-DMW", "PH", "Department of Migrant Workers (formerly POEA), Philippines", "https://dmw.gov.ph/"},
	"NP-DOFE":  {"NP-DOFE", "NP", "Department of Foreign Employment, Nepal", "https://dofe.gov.np/"},
	"ID-BP2MI": {"ID-BP2MI", "ID", "Badan Pelindungan Pekerja Migran Indonesia (BP2MI/KP2MI)", "https://bp2mi.go.id/"},
	"MM-MOL":   {"MM-MOL", "MM", "Ministry of Labour, Myanmar", "https://www.mol.gov.mm/"},
	"KH-MLVT":  {"KH-MLVT", "KH", "Ministry of Labour and Vocational Training, Cambodia", "https://www.mlvt.gov.kh/"},
	"VN-DOLAB": {"VN-DOLAB", "VN", "Department of Overseas Labour (DOLAB), Viet Nam", "http://dolab.gov.vn/"},
	"TH-DOE":   {"TH-DOE", "TH", "Department of Employment, Thailand", "https://www.doe.go.th/"},
	"LK-SLBFE": {"LK-SLBFE", "LK", "Sri Lanka Bureau of Foreign Employment", "https://www.slbfe.lk/"},
	"BD-BMET":  {"BD-BMET", "BD", "Bureau of Manpower, Employment and Training, Bangladesh", "http://www.bmet.gov.bd/"},
}

// NormalizeRegulator returns the canonical code for a regulator as a client may type it
// ("ph-dmw", "PH_DMW"), and whether it is known.
func NormalizeRegulator(s string) (string, bool) {
	c := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "_", "-"))
	_, ok := Regulators[c]
	return c, ok
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
		switch l.Status {
		case LicenceActive:
			if l.ValidTo.IsZero() || !now.After(l.ValidTo) {
				if valid == nil {
					valid = l
				}
			} else if bad == nil {
				bad = l
			}
		case LicenceRevoked, LicenceCancelled, LicenceSuspended:
			if bad == nil || bad.Status == LicenceExpired || bad.Status == LicenceActive {
				bad = l
			}
		case LicenceExpired:
			if bad == nil {
				bad = l
			}
		}
	}
	if valid == nil && bad != nil {
		st := bad.Status
		when := bad.StatusDate
		if bad.Status == LicenceActive || bad.Status == LicenceExpired {
			st, when = LicenceExpired, bad.ValidTo
		}
		r := fmt.Sprintf("licence %s from %s is %s", bad.Number, bad.Regulator, st)
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
				Reason: fmt.Sprintf("licensed (%s %s) but %s by %s on %s: %s", valid.Regulator, valid.Number, sanctionVerb(recent.Kind),
					recent.Authority, day(recent.Date), recent.Summary)}
		}
		if bad != nil && bad.Status != LicenceExpired && bad.Status != LicenceActive {
			return StandingInfo{Standing: StandingSanctioned, Since: bad.StatusDate, SourceURL: bad.SourceURL,
				Reason: fmt.Sprintf("licensed (%s %s) but licence %s from %s is %s", valid.Regulator, valid.Number, bad.Number, bad.Regulator, bad.Status)}
		}
		r := fmt.Sprintf("licence %s from %s is active", valid.Number, valid.Regulator)
		if !valid.ValidTo.IsZero() {
			r += " until " + day(valid.ValidTo)
		}
		return StandingInfo{Standing: StandingLicensed, Reason: r + " (as of " + day(valid.RetrievedAt) + ")", Since: valid.ValidFrom, SourceURL: valid.SourceURL}
	}
	for _, l := range a.Licences {
		if l.Status == LicencePending {
			return StandingInfo{Standing: StandingUnknown, SourceURL: l.SourceURL,
				Reason: fmt.Sprintf("licence application %s with %s is pending; not yet licensed", l.Number, l.Regulator)}
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
			return true, fmt.Sprintf("licence %s from %s %s", l.Number, l.Regulator, l.Status)
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

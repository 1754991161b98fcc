package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kawan-labs/kawan"
)

// LicenceRef is a licence as search hits show it.
type LicenceRef struct {
	Regulator string              `json:"regulator"`
	Number    string              `json:"number"`
	Status    kawan.LicenceStatus `json:"status"`
	ValidTo   time.Time           `json:"valid_to,omitzero"`
}

// AgencyDoc is an agency as the public read model holds it and as search hits show it.
type AgencyDoc struct {
	ID              string       `json:"id"`
	Name            string       `json:"name"`
	TradeNames      []string     `json:"trade_names,omitempty"`
	Origin          string       `json:"origin"`
	City            string       `json:"city,omitempty"`
	Destinations    []string     `json:"destinations"`
	Sectors         []string     `json:"sectors"`
	Licences        []LicenceRef `json:"licences"`
	LicenceStatuses []string     `json:"licence_statuses"`
	Standing        string       `json:"standing"`
	StandingReason  string       `json:"standing_reason"`
	// Rating is the agency's explained score (1–5, see package ranking) when it has
	// published reviews; 0 (omitted) without reviews.
	Rating    float64   `json:"rating,omitempty"`
	Reviews   int64     `json:"reviews"`
	Fictional bool      `json:"fictional"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Agency sort orders.
const (
	AgencySortRelevance = "relevance" // best match first (default with a query)
	AgencySortRating    = "rating"    // highest score first, then most reviews
	AgencySortReviews   = "reviews"   // most reviews first, then highest score
	AgencySortName      = "name"      // A–Z (default without a query)
)

// AgencySorts lists the sort orders.
var AgencySorts = []string{AgencySortRelevance, AgencySortRating, AgencySortReviews, AgencySortName}

// Facet names: the filterable fields whose value counts SearchAgencies returns.
const (
	FacetOrigin        = "origin"
	FacetDestination   = "destination"
	FacetSector        = "sector"
	FacetStanding      = "standing"
	FacetLicenceStatus = "licence_status"
)

// AgencyFacets lists the facets, in display order.
var AgencyFacets = []string{FacetOrigin, FacetDestination, FacetSector, FacetStanding, FacetLicenceStatus}

// MaxAgencyWindow bounds Page×PerPage: deep pages cost the backend and nobody reads them.
const MaxAgencyWindow = 10000

// MaxQueryRunes bounds the query text.
const MaxQueryRunes = 200

// AgencyQuery selects agencies. Empty fields do not filter. Every term of Q must match
// (in the name, trade names, city, origin or destination country names, sectors or licence
// numbers), each with typo tolerance by length (TyposAllowed) and the last as a prefix
// (search as you type); "manpower", "recruitment", "placement" and "agency" are synonyms.
type AgencyQuery struct {
	Q             string
	Origin        string // ISO 3166-1 alpha-2
	Destination   string
	Sector        string
	Standing      string
	LicenceStatus string  // agencies holding at least one licence with this status
	MinRating     float64 // > 0: only agencies with reviews and a score at least this
	Sort          string  // AgencySorts; "" = relevance with Q, name without
	Page          int     // from 1
	PerPage       int     // 1–100
	Facets        bool
}

// AgencyHits is one page of matching agencies, the total and the facet counts (over all
// matches, not just the page).
type AgencyHits struct {
	Total  int                       `json:"total"`
	Hits   []AgencyDoc               `json:"hits"`
	Facets map[string]map[string]int `json:"facets"`
}

// Index is the agency search index (the public read model of the registry).
type Index interface {
	// IndexAgencies adds or replaces agencies (by ID).
	IndexAgencies(ctx context.Context, docs ...AgencyDoc) error
	// DeleteAgency removes an agency; removing an absent agency is not an error.
	DeleteAgency(ctx context.Context, id string) error
	// GetAgency returns one indexed agency (kawan.ErrNotFound when absent).
	GetAgency(ctx context.Context, id string) (AgencyDoc, error)
	// SearchAgencies returns one page of matches with totals and facets.
	SearchAgencies(ctx context.Context, q AgencyQuery) (AgencyHits, error)
	// Ping reports whether the backend answers (for /readyz).
	Ping(ctx context.Context) error
	// Close releases the backend.
	Close() error
}

// TyposAllowed is the edit distance a query term may be from an indexed word: none under 5
// letters, 1 for 5–8, 2 from 9 (Meilisearch's defaults, which Bleve copies).
func TyposAllowed(term string) int {
	switch n := utf8.RuneCountInString(term); {
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

// synonymGroups are words a worker may use for the same thing.
var synonymGroups = [][]string{
	// With the words for it in Kawan's languages: Indonesian "penempatan" (placement) and
	// the P3MI/PPTKIS licence types, Filipino "ahensya"; the words in Devanagari, Burmese,
	// Khmer and Thai script are mapped to these before searching (nativeWords, romanize.go).
	{"manpower", "recruitment", "placement", "agency", "recruiter", "recruiting", "penempatan", "p3mi", "pptkis", "ahensya"},
	{"overseas", "foreign", "international"},
	{"maid", "domestic", "household"},
	{"caregiver", "care", "caregiving"},
}

// Synonyms returns the other words of term's synonym group (nil when it has none).
func Synonyms(term string) []string {
	for _, g := range synonymGroups {
		if slices.Contains(g, term) {
			out := make([]string, 0, len(g)-1)
			for _, w := range g {
				if w != term {
					out = append(out, w)
				}
			}
			return out
		}
	}
	return nil
}

// countryNames are the English names searched for origin and destination codes.
var countryNames = map[string]string{
	"PH": "Philippines Filipino", "ID": "Indonesia", "NP": "Nepal", "MM": "Myanmar Burma", "KH": "Cambodia",
	"VN": "Vietnam Viet Nam", "TH": "Thailand", "LK": "Sri Lanka", "BD": "Bangladesh", "IN": "India", "PK": "Pakistan",
	"LA": "Laos", "TL": "Timor-Leste", "SA": "Saudi Arabia KSA", "AE": "United Arab Emirates UAE Dubai", "QA": "Qatar",
	"KW": "Kuwait", "OM": "Oman", "BH": "Bahrain", "MY": "Malaysia", "SG": "Singapore", "HK": "Hong Kong",
	"TW": "Taiwan", "JP": "Japan", "KR": "Korea", "JO": "Jordan", "LB": "Lebanon", "IL": "Israel", "CY": "Cyprus",
	"PL": "Poland", "RO": "Romania", "HR": "Croatia", "MT": "Malta", "GB": "United Kingdom UK", "DE": "Germany",
	"IT": "Italy", "CA": "Canada", "US": "United States USA", "AU": "Australia", "NZ": "New Zealand", "BN": "Brunei",
	"MV": "Maldives", "MO": "Macau", "CN": "China", "RU": "Russia",
}

// CountryName is the English name(s) of an ISO 3166-1 alpha-2 code, or "" if unknown here.
func CountryName(code string) string { return countryNames[code] }

// searchText is every searchable word of d besides its name: trade names, city, country
// names, sectors and licence numbers (as printed and normalised).
func searchText(d AgencyDoc) string {
	var b strings.Builder
	add := func(s string) {
		if s != "" {
			b.WriteString(s)
			b.WriteByte(' ')
		}
	}
	for _, t := range d.TradeNames {
		add(t)
	}
	add(d.City)
	add(d.Origin)
	add(CountryName(d.Origin))
	for _, c := range d.Destinations {
		add(CountryName(c))
	}
	for _, s := range d.Sectors {
		add(strings.ReplaceAll(s, "_", " "))
	}
	for _, l := range d.Licences {
		add(l.Number)
		add(kawan.NormalizeLicenceNumber(l.Number))
	}
	// Who licenses it, by the regulator's code ("dofe", "bp2mi", "dmw"), once per regulator.
	// (Not the regulators' full names: "Bureau of Manpower, Employment and Training" would
	// rank every Bangladeshi agency with the Nepali "… Manpower" ones for "manpwer".)
	seen := map[string]bool{}
	for _, l := range d.Licences {
		if code, ok := kawan.NormalizeRegulator(l.Regulator); ok && !seen[code] {
			seen[code] = true
			add(code)
		}
	}
	// Every agency in the register is a recruitment agency, whatever its name says: Indonesian
	// P3MI are "PT Something", many Nepali ones "… Human Resource". With this (and the
	// synonyms), "placement indonesia" or "manpower nepal" finds them all, and the agencies
	// whose name has the word rank first.
	add(agencyDescriptor)
	return b.String()
}

// agencyDescriptor is indexed with every agency (see searchText).
const agencyDescriptor = "recruitment agency"

// sortKey is the name as sorted A–Z.
func sortKey(name string) string { return kawan.NormalizeName(name) + " " + strings.ToLower(name) }

// checkQuery validates what both backends rely on.
func checkQuery(q AgencyQuery) error {
	if q.PerPage < 1 || q.PerPage > 100 || q.Page < 1 || q.Page > MaxAgencyWindow/q.PerPage {
		return fmt.Errorf("search: agency page out of range (page %d, per page %d): %w", q.Page, q.PerPage,
			kawan.Invalid("page", "page × per_page must be at most %d", MaxAgencyWindow))
	}
	if q.Sort != "" && !slices.Contains(AgencySorts, q.Sort) {
		return kawan.Invalid("sort", "must be one of %s", strings.Join(AgencySorts, ", "))
	}
	if utf8.RuneCountInString(q.Q) > MaxQueryRunes || !utf8.ValidString(q.Q) {
		return kawan.Invalid("q", "must be valid UTF-8, at most %d characters", MaxQueryRunes)
	}
	return nil
}

func agencySort(q AgencyQuery) string {
	if q.Sort != "" {
		return q.Sort
	}
	if strings.TrimSpace(q.Q) != "" {
		return AgencySortRelevance
	}
	return AgencySortName
}

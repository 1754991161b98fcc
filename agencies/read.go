package agencies

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/ranking"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
)

// SearchQuery is a public agency search, as the API and the frontend receive it. Field
// names in validation errors are the query parameter names.
type SearchQuery struct {
	Q             string
	Origin        string
	Destination   string
	Sector        string
	Standing      string
	LicenceStatus string
	MinRating     string // decimal 1–5, e.g. "4" or "3.5"
	Sort          string
	Page          int // from 1 (0 means 1)
	PerPage       int // 1–100 (0 means 20)
}

// SearchResult is one page of agencies with totals and facet counts.
type SearchResult struct {
	Hits    []search.AgencyDoc        `json:"hits"`
	Total   int                       `json:"total"`
	Facets  map[string]map[string]int `json:"facets"`
	TookMS  int64                     `json:"took_ms"`
	Page    int                       `json:"page"`
	PerPage int                       `json:"per_page"`
}

// Validate checks q and returns the index query.
func (q *SearchQuery) Validate() (search.AgencyQuery, error) {
	v := &kawan.ValidationError{}
	kawan.CheckPaging(v, &q.Page, &q.PerPage, search.MaxAgencyWindow)
	if !utf8.ValidString(q.Q) || utf8.RuneCountInString(q.Q) > search.MaxQueryRunes {
		v.Add("q", "must be valid UTF-8, at most %d characters", search.MaxQueryRunes)
	}
	CheckCountry(v, "origin", q.Origin)
	CheckCountry(v, "destination", q.Destination)
	if q.Sector != "" && !slices.Contains(kawan.Sectors, q.Sector) {
		v.Add("sector", "must be one of %s", strings.Join(kawan.Sectors, ", "))
	}
	if q.Standing != "" && !kawan.Standing(q.Standing).Valid() {
		v.Add("standing", "must be one of licensed, sanctioned, licence_problem, blacklisted, unknown")
	}
	if q.LicenceStatus != "" && !kawan.LicenceStatus(q.LicenceStatus).Valid() {
		v.Add("licence_status", "must be one of active, suspended, revoked, cancelled, expired, pending")
	}
	var minRating float64
	if q.MinRating != "" {
		f, err := strconv.ParseFloat(q.MinRating, 64)
		if err != nil || len(q.MinRating) > 6 || f < 1 || f > 5 {
			v.Add("min_rating", "must be a number from 1 to 5, like 4 or 3.5")
		}
		minRating = f
	}
	if q.Sort != "" && !slices.Contains(search.AgencySorts, q.Sort) {
		v.Add("sort", "must be one of %s", strings.Join(search.AgencySorts, ", "))
	}
	if err := v.Err(); err != nil {
		return search.AgencyQuery{}, err
	}
	return search.AgencyQuery{Q: strings.TrimLeft(q.Q, " "), Origin: q.Origin, Destination: q.Destination, Sector: q.Sector,
		Standing: q.Standing, LicenceStatus: q.LicenceStatus, MinRating: minRating, Sort: q.Sort,
		Page: q.Page, PerPage: q.PerPage, Facets: true}, nil
}

// CheckCountry adds a field error unless s is empty or an ISO 3166-1 alpha-2 code in capitals.
func CheckCountry(v *kawan.ValidationError, field, s string) {
	if s == "" {
		return
	}
	ok := len(s) == 2 && strings.ToUpper(s) == s
	if ok {
		r, err := language.ParseRegion(s)
		ok = err == nil && r.IsCountry() && r.String() == s
	}
	if !ok {
		v.Add(field, "must be an ISO 3166-1 alpha-2 country code in capitals, like NP or QA")
	}
}

// Search finds agencies in the public read model (never by scanning the database).
func (s *Service) Search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	sq, err := q.Validate()
	if err != nil {
		return SearchResult{}, err
	}
	start := time.Now()
	h, err := s.idx.SearchAgencies(ctx, sq)
	if err != nil {
		return SearchResult{}, err
	}
	out := SearchResult{Hits: h.Hits, Total: h.Total, Facets: h.Facets, TookMS: time.Since(start).Milliseconds(), Page: q.Page, PerPage: q.PerPage}
	if out.Hits == nil {
		out.Hits = []search.AgencyDoc{}
	}
	for _, f := range search.AgencyFacets {
		if out.Facets[f] == nil {
			if out.Facets == nil {
				out.Facets = map[string]map[string]int{}
			}
			out.Facets[f] = map[string]int{}
		}
	}
	return out, nil
}

// Profile is an agency's public page: the registry record with every fact's source, its
// explained standing, and its explained review score.
type Profile struct {
	kawan.Agency
	Standing kawan.StandingInfo `json:"standing"`
	// Score is the reviews area's explained score (nil when reviews are not wired).
	Score *ranking.Score `json:"score,omitempty"`
	// Regulators describes each regulator named in the licences.
	Regulators []kawan.Regulator `json:"regulators"`
}

// Profile reads one agency by ID (by _id, the one hot read allowed on the database).
func (s *Service) Profile(ctx context.Context, id string) (Profile, error) {
	if !kawan.ValidID(id) {
		return Profile{}, fmt.Errorf("agencies: agency %q: %w", id, kawan.ErrNotFound)
	}
	a, raw, err := s.st.GetRaw(ctx, id)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{Agency: *a, Standing: a.Standing(s.now()), Regulators: []kawan.Regulator{}}
	for _, l := range a.Licences {
		if r, ok := kawan.Regulators[l.Regulator]; ok && !slices.Contains(p.Regulators, r) {
			p.Regulators = append(p.Regulators, r)
		}
	}
	if sc := s.getScorer(); sc != nil {
		score, err := sc.Score(ctx, store.AgencyRatings{ID: a.ID, Ratings: a.Ratings, Raw: raw})
		if err != nil {
			return Profile{}, err
		}
		p.Score = &score
	}
	fillNil(&p.Agency)
	return p, nil
}

func fillNil(a *kawan.Agency) {
	if a.TradeNames == nil {
		a.TradeNames = []string{}
	}
	if a.Languages == nil {
		a.Languages = []string{}
	}
	if a.Licences == nil {
		a.Licences = []kawan.Licence{}
	}
	if a.Sanctions == nil {
		a.Sanctions = []kawan.Sanction{}
	}
	if a.Destinations == nil {
		a.Destinations = []string{}
	}
	if a.Sectors == nil {
		a.Sectors = []string{}
	}
	if a.Sources == nil {
		a.Sources = []kawan.Source{}
	}
}

// AgencySummary is the agency behind a licence, as the licence check shows it.
type AgencySummary struct {
	ID        string             `json:"id"`
	LegalName string             `json:"legal_name"`
	Origin    string             `json:"origin"`
	Standing  kawan.StandingInfo `json:"standing"`
	Fictional bool               `json:"fictional"`
}

// LicenceCheck answers "is this recruiter licensed?".
type LicenceCheck struct {
	Found     bool            `json:"found"`
	Regulator kawan.Regulator `json:"regulator"`
	Number    string          `json:"number"`
	// Licence is the licence as the regulator's list gave it; Status is what it means today
	// (an "active" licence past its valid_to date is "expired").
	Licence *kawan.Licence      `json:"licence,omitempty"`
	Status  kawan.LicenceStatus `json:"status,omitempty"`
	// Valid is true only for an active licence in date.
	Valid     bool             `json:"valid"`
	Agency    *AgencySummary   `json:"agency,omitempty"`
	Sanctions []kawan.Sanction `json:"sanctions,omitempty"`
	// Warning is what the worker should know before paying anyone.
	Warning string `json:"warning,omitempty"`
}

// CheckLicence looks a licence up by regulator and number (normalised: case, spaces and
// punctuation do not matter). A licence that is not on any list Kawan holds is Found=false
// with a warning; that is an answer, not an error.
func (s *Service) CheckLicence(ctx context.Context, regulator, number string) (LicenceCheck, error) {
	v := &kawan.ValidationError{}
	code, ok := kawan.NormalizeRegulator(regulator)
	if !ok {
		known := make([]string, 0, len(kawan.Regulators))
		for c := range kawan.Regulators {
			known = append(known, c)
		}
		slices.Sort(known)
		v.Add("regulator", "must be one of %s", strings.Join(known, ", "))
	}
	norm := kawan.NormalizeLicenceNumber(number)
	if norm == "" || len(number) > 64 || !utf8.ValidString(number) {
		v.Add("number", "must be a licence number of 1 to 64 characters, letters and digits")
	}
	if err := v.Err(); err != nil {
		return LicenceCheck{}, err
	}
	reg := kawan.Regulators[code]
	out := LicenceCheck{Regulator: reg, Number: number}
	notFound := func() (LicenceCheck, error) {
		out.Warning = fmt.Sprintf("Licence %s is not on any %s list Kawan holds. Do not pay any fee until you have checked "+
			"the agency directly with the %s (%s); unlicensed recruitment is illegal and workers lose their money.", number, code, reg.Name, reg.URL)
		return out, nil
	}
	agencyID, err := s.st.Lookup(ctx, store.LicenceKey(code, number))
	if err != nil {
		return LicenceCheck{}, err
	}
	if agencyID == "" {
		return notFound()
	}
	a, err := s.st.Get(ctx, agencyID)
	if errors.Is(err, kawan.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return LicenceCheck{}, err
	}
	now := s.now()
	for i := range a.Licences {
		l := a.Licences[i]
		if l.Regulator != code || kawan.NormalizeLicenceNumber(l.Number) != norm {
			continue
		}
		out.Found, out.Licence, out.Number, out.Status = true, &l, l.Number, l.Status
		if l.Status == kawan.LicenceActive && !l.ValidTo.IsZero() && now.After(l.ValidTo) {
			out.Status = kawan.LicenceExpired
		}
		out.Valid = out.Status == kawan.LicenceActive
		out.Agency = &AgencySummary{ID: a.ID, LegalName: a.LegalName, Origin: a.Origin, Standing: a.Standing(now), Fictional: a.Fictional}
		for _, sn := range a.Sanctions {
			if sn.Licence == "" || kawan.NormalizeLicenceNumber(sn.Licence) == norm {
				out.Sanctions = append(out.Sanctions, sn)
			}
		}
		switch {
		case !out.Valid:
			out.Warning = fmt.Sprintf("This licence is %s (source %s, read %s). Do not pay this agency; ask the %s.",
				out.Status, l.SourceURL, l.RetrievedAt.UTC().Format("2006-01-02"), reg.Name)
		case out.Agency.Standing.Standing != kawan.StandingLicensed:
			out.Warning = "The licence is active, but " + out.Agency.Standing.Reason + "."
		default:
			out.Warning = fmt.Sprintf("Active on the regulator's list as read on %s. Lists change; the regulator's own site is the final word.",
				l.RetrievedAt.UTC().Format("2006-01-02"))
		}
		if a.Fictional {
			out.Warning += " (Demo data: this agency and licence are fictional.)"
		}
		return out, nil
	}
	return notFound()
}

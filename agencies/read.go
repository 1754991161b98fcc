package agencies

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
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
		v.Add("licence_status", "must be one of %s", statusList())
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
	Found bool `json:"found"`
	// Regulator is the regulator whose list answered (the one asked when nothing was found;
	// empty when any regulator was asked and nothing was found).
	Regulator kawan.Regulator `json:"regulator"`
	// Number is the licence number as the regulator prints it, or what was typed.
	Number string `json:"number"`
	// Licence is the licence as the regulator's list gave it; Status is what it means today
	// (an "active" licence past its valid_to date is "expired").
	Licence *kawan.Licence      `json:"licence,omitempty"`
	Status  kawan.LicenceStatus `json:"status,omitempty"`
	// StatusText is the regulator's own words; StatusMeaning what Status means for the worker.
	StatusText    string `json:"status_text,omitempty"`
	StatusMeaning string `json:"status_meaning,omitempty"`
	// Valid is true only for an active licence in date.
	Valid     bool             `json:"valid"`
	Agency    *AgencySummary   `json:"agency,omitempty"`
	Sanctions []kawan.Sanction `json:"sanctions,omitempty"`
	// MatchedBy is "number", or "name" for a regulator that publishes no licence numbers.
	MatchedBy string `json:"matched_by,omitempty"`
	// AskedRegulator is the regulator asked when the number was found on another one's list.
	AskedRegulator string `json:"asked_regulator,omitempty"`
	// Candidates are other agencies the name matched (a name check), best first.
	Candidates []AgencySummary `json:"candidates,omitempty"`
	// Searched lists the lists Kawan looked in when nothing was found, with when each was
	// last read (zero retrieved_at: never imported).
	Searched []ListRead `json:"searched,omitempty"`
	// Note says what the worker should know about the answer itself (a regulator without
	// licence numbers, a match on another regulator's list).
	Note string `json:"note,omitempty"`
	// Warning is what the worker should know before paying anyone.
	Warning string `json:"warning,omitempty"`
}

// ListRead is one regulator's list as Kawan last read it.
type ListRead struct {
	Regulator   string    `json:"regulator"`
	Profile     string    `json:"profile,omitempty"`
	SourceURL   string    `json:"source_url"`
	RetrievedAt time.Time `json:"retrieved_at,omitzero"`
	AsOf        time.Time `json:"as_of,omitzero"`
}

// maxCheckQuery bounds what the licence check accepts (a licence number or an agency's name).
const maxCheckQuery = 200

// CheckLicence looks a licence up by what a worker types: a licence number as agencies print
// it (per regulator: RL prefixes, leading zeros, separators, spaces and case do not matter),
// or, for a regulator whose registry publishes no numbers (PH DMW), the agency's name
// (typo-tolerant, through the search index). regulator "" (or "any") searches every
// regulator; a number found under another regulator than the one asked answers with that
// agency and says so. Nothing found is Found=false with a warning and the lists searched
// with when each was last read; that is an answer, not an error.
func (s *Service) CheckLicence(ctx context.Context, regulator, number string) (LicenceCheck, error) {
	v := &kawan.ValidationError{}
	code := ""
	if r := strings.TrimSpace(regulator); r != "" && !strings.EqualFold(r, "any") {
		var ok bool
		if code, ok = kawan.NormalizeRegulator(r); !ok {
			known := regulatorCodes()
			v.Add("regulator", "must be one of %s, or empty for any", strings.Join(known, ", "))
		}
	}
	number = strings.TrimSpace(number)
	if kawan.LicenceNumberKey(code, number) == "" || utf8.RuneCountInString(number) > maxCheckQuery || !utf8.ValidString(number) {
		v.Add("number", "must be a licence number (or, for a regulator without numbers, the agency's name) of 1 to %d characters, with letters or digits", maxCheckQuery)
	}
	if err := v.Err(); err != nil {
		return LicenceCheck{}, err
	}
	regs := []string{code}
	if code == "" {
		regs = regulatorCodes()
	}
	// 1. By number, in the lists asked; then in every other regulator's. Every regulator's
	// key for the number is read in one find on _id; the first list in that order wins.
	if utf8.RuneCountInString(number) <= maxLicenceNo {
		order := slices.Clone(regs)
		if code != "" {
			for _, c := range regulatorCodes() {
				if c != code {
					order = append(order, c)
				}
			}
		}
		out, c, ok, err := s.byNumber(ctx, order, number)
		if err != nil {
			return LicenceCheck{}, err
		}
		if ok && code != "" && c != code {
			asked := kawan.Regulators[code]
			out.AskedRegulator = code
			out.Note = fmt.Sprintf("%s is not a licence number on the %s lists Kawan holds, but it is a %s licence (%s): this is the agency that holds it. "+
				"Make sure it is the agency you are dealing with.", number, asked.Code, c, out.Regulator.Name)
		}
		if ok {
			return out, nil
		}
	}
	// 2. By name, for regulators that publish no licence numbers.
	var nameRegs []string
	for _, c := range regs {
		if kawan.Regulators[c].NoNumbers {
			nameRegs = append(nameRegs, c)
		}
	}
	if len(nameRegs) > 0 {
		if out, ok, err := s.byName(ctx, nameRegs, number); err != nil || ok {
			return out, err
		}
	}
	// 3. Nothing: say where Kawan looked and when it last read each list.
	out := LicenceCheck{Number: number}
	if code != "" {
		out.Regulator = kawan.Regulators[code]
	}
	searched, err := s.searched(ctx, regs)
	if err != nil {
		return LicenceCheck{}, err
	}
	out.Searched = searched
	var lists []string
	for _, l := range searched {
		when := "never imported"
		if !l.RetrievedAt.IsZero() {
			when = "read " + l.RetrievedAt.UTC().Format("2006-01-02")
		}
		lists = append(lists, fmt.Sprintf("%s (%s)", l.Regulator, when))
	}
	if code != "" {
		reg := kawan.Regulators[code]
		out.Warning = fmt.Sprintf("Licence %s is not on any %s list Kawan holds. Do not pay any fee until you have checked "+
			"the agency directly with the %s (%s); unlicensed recruitment is illegal and workers lose their money.", number, code, reg.Name, reg.URL)
		if reg.NoNumbers {
			out.Note = fmt.Sprintf("The %s publishes no licence numbers in its registry: type the agency's name instead; Kawan found no agency of that name on the %s list either.", reg.Name, code)
		}
	} else {
		out.Warning = fmt.Sprintf("%s is not a licence number (or, where a regulator publishes no numbers, an agency name) on any list Kawan holds. "+
			"Do not pay any fee until you have checked the agency directly with the regulator of the country you are recruited in; unlicensed recruitment is illegal and workers lose their money.", number)
	}
	if len(lists) > 0 {
		out.Warning += " Lists searched: " + strings.Join(lists, ", ") + "."
	}
	return out, nil
}

func regulatorCodes() []string {
	out := make([]string, 0, len(kawan.Regulators))
	for c := range kawan.Regulators {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// searched lists the regulators' lists as last imported (from the import records).
func (s *Service) searched(ctx context.Context, regs []string) ([]ListRead, error) {
	recs, err := s.st.Imports(ctx)
	if err != nil {
		return nil, err
	}
	var out []ListRead
	for _, c := range regs {
		n := 0
		for _, r := range recs {
			if r.Regulator == c {
				out = append(out, ListRead{Regulator: c, Profile: r.Profile, SourceURL: r.SourceURL, RetrievedAt: r.RetrievedAt, AsOf: r.AsOf})
				n++
			}
		}
		if n == 0 && len(regs) == 1 {
			out = append(out, ListRead{Regulator: c, SourceURL: kawan.Regulators[c].URL})
		}
	}
	return out, nil
}

// byNumber looks number up on the lists of the regulators in order (one find of their keys)
// and answers with the first that holds it, and that regulator's code.
func (s *Service) byNumber(ctx context.Context, order []string, number string) (LicenceCheck, string, bool, error) {
	keys := make([]string, 0, len(order))
	norms := make(map[string]string, len(order))
	for _, c := range order {
		if norm := kawan.LicenceNumberKey(c, number); norm != "" {
			norms[c] = norm
			keys = append(keys, store.RegistryKey(c, norm))
		}
	}
	found, err := s.st.LookupMany(ctx, keys)
	if err != nil || len(found) == 0 {
		return LicenceCheck{}, "", false, err
	}
	for _, c := range order {
		norm, ok := norms[c]
		if !ok {
			continue
		}
		agencyID := found[store.RegistryKey(c, norm)]
		if agencyID == "" {
			continue
		}
		a, err := s.st.Get(ctx, agencyID)
		if errors.Is(err, kawan.ErrNotFound) {
			continue
		}
		if err != nil {
			return LicenceCheck{}, "", false, err
		}
		for _, l := range a.Licences {
			if l.Regulator == c && l.Number != "" && l.RegistryKey() == norm {
				return s.answer(a, l, "number"), c, true, nil
			}
		}
	}
	return LicenceCheck{}, "", false, nil
}

// byName finds the agency named q on the lists of regulators that publish no numbers.
func (s *Service) byName(ctx context.Context, regs []string, q string) (LicenceCheck, bool, error) {
	if utf8.RuneCountInString(q) > search.MaxQueryRunes || !strings.ContainsFunc(q, unicode.IsLetter) {
		return LicenceCheck{}, false, nil
	}
	sq := search.AgencyQuery{Q: q, Page: 1, PerPage: 10}
	if len(regs) == 1 {
		sq.Origin = kawan.Regulators[regs[0]].Country
	}
	h, err := s.idx.SearchAgencies(ctx, sq)
	if err != nil {
		return LicenceCheck{}, false, err
	}
	var out LicenceCheck
	found := false
	for _, hit := range h.Hits {
		if !slices.ContainsFunc(hit.Licences, func(l search.LicenceRef) bool { return slices.Contains(regs, l.Regulator) }) {
			continue
		}
		a, err := s.st.Get(ctx, hit.ID)
		if errors.Is(err, kawan.ErrNotFound) {
			continue
		}
		if err != nil {
			return LicenceCheck{}, false, err
		}
		var lic *kawan.Licence
		for i := range a.Licences {
			if slices.Contains(regs, a.Licences[i].Regulator) && (lic == nil || a.Licences[i].StatusDate.After(lic.StatusDate)) {
				lic = &a.Licences[i]
			}
		}
		if lic == nil {
			continue
		}
		if !found {
			out, found = s.answer(a, *lic, "name"), true
			reg := kawan.Regulators[lic.Regulator]
			out.Note = fmt.Sprintf("The %s publishes no licence numbers in its registry, so Kawan matched the agency by its name: %q (%s, %s). "+
				"Check that the name, address and kind of agency are those of the agency you are dealing with.", reg.Name, a.LegalName, lic.Classification, a.Address)
			continue
		}
		if len(out.Candidates) < 5 {
			out.Candidates = append(out.Candidates, summary(a, s.now()))
		}
	}
	return out, found, nil
}

func summary(a *kawan.Agency, now time.Time) AgencySummary {
	return AgencySummary{ID: a.ID, LegalName: a.LegalName, Origin: a.Origin, Standing: a.Standing(now), Fictional: a.Fictional}
}

// answer is the licence check's answer for licence l of agency a.
func (s *Service) answer(a *kawan.Agency, l kawan.Licence, by string) LicenceCheck {
	now := s.now()
	reg := kawan.Regulators[l.Regulator]
	out := LicenceCheck{Found: true, Regulator: reg, Licence: &l, Number: l.Number, Status: l.StatusOn(now), StatusText: l.StatusText, MatchedBy: by}
	out.StatusMeaning = out.Status.Meaning()
	out.Valid = out.Status == kawan.LicenceActive
	sm := summary(a, now)
	out.Agency = &sm
	key := l.RegistryKey()
	for _, sn := range a.Sanctions {
		if sn.Licence == "" || kawan.LicenceNumberKey(l.Regulator, sn.Licence) == key {
			out.Sanctions = append(out.Sanctions, sn)
		}
	}
	read := listDate(l).UTC().Format("2006-01-02")
	words := ""
	if l.StatusText != "" {
		words = fmt.Sprintf(" (%q on the list)", l.StatusText)
	}
	switch {
	case !out.Valid:
		out.Warning = fmt.Sprintf("This licence is %s%s (source %s, list of %s). Do not pay this agency; ask the %s.",
			strings.ReplaceAll(string(out.Status), "_", " "), words, l.SourceURL, read, reg.Name)
	case out.Agency.Standing.Standing != kawan.StandingLicensed:
		out.Warning = "The licence is active, but " + out.Agency.Standing.Reason + "."
	default:
		out.Warning = fmt.Sprintf("Active%s on the regulator's list of %s. Lists change; the regulator's own site is the final word.", words, read)
	}
	if a.Fictional {
		out.Warning += " (Demo data: this agency and licence are fictional.)"
	}
	return out
}

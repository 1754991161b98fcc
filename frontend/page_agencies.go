package frontend

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/reviews"
	"github.com/kawan-labs/kawan/search"
)

func (f *Frontend) registerAgencyPages(r *api.Router) {
	if f.o.Agencies == nil {
		return
	}
	r.Page(http.MethodGet, "/agencies", f.agencySearch, api.Public)
	r.Page(http.MethodGet, "/agencies/suggest", f.agencySuggest, api.Public)
	r.Page(http.MethodGet, "/agencies/:id", f.agencyProfile, api.Public)
	r.Page(http.MethodGet, "/licence", f.licenceCheck, api.Public)
}

// Country returns a country's name in the page language (CLDR, golang.org/x/text).
func (v *view) Country(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := display.Regions(v.Loc.Tag); n != nil {
		if s := n.Name(r); s != "" {
			return s
		}
	}
	return code
}

// option is one choice of a select or one facet link.
type option struct {
	Value, Label string
	Count        int
	Selected     bool
}

// fieldErrors maps a form field to the catalog key of its message.
type fieldErrors map[string]string

// Has reports whether field is invalid (templates: {{if $.Data.Errors.Has "q"}}).
func (e fieldErrors) Has(field string) bool { _, ok := e[field]; return ok }

// Msg returns the message key for field.
func (e fieldErrors) Msg(field string) string { return e[field] }

// formErrors turns a domain ValidationError into per-field message keys of this form;
// known names the catalog key per field, anything else gets the generic message.
func formErrors(err error, known map[string]string) (fieldErrors, bool) {
	var ve *kawan.ValidationError
	if !errors.As(err, &ve) {
		return nil, false
	}
	out := fieldErrors{}
	for _, fe := range ve.Fields {
		key, ok := known[fe.Field]
		if !ok {
			key = "form.invalid"
		}
		out[fe.Field] = key
	}
	return out, true
}

type searchForm struct {
	Q, Origin, Destination, Sector, Standing, LicenceStatus, MinRating, Sort string
	Page                                                                     int
}

type searchPage struct {
	Form         searchForm
	Errors       fieldErrors
	Result       agencies.SearchResult
	Searched     bool
	Origins      []option
	Destinations []option
	Sectors      []option
	Standings    []option
	Statuses     []option
	Sorts        []option
	Ratings      []option
	Prev, Next   string
	From, To     int
}

var searchFieldMsgs = map[string]string{
	"q": "search.err.q", "origin": "form.err.country", "destination": "form.err.country",
	"min_rating": "form.invalid", "page": "search.err.page",
}

func (f *Frontend) agencySearch(c echo.Context) error {
	v := f.newView(c)
	v.Nav = "agencies"
	v.Title = v.T("search.title")
	qp := c.QueryParams()
	form := searchForm{Q: qp.Get("q"), Origin: qp.Get("origin"), Destination: qp.Get("destination"), Sector: qp.Get("sector"),
		Standing: qp.Get("standing"), LicenceStatus: qp.Get("licence_status"), MinRating: qp.Get("min_rating"), Sort: qp.Get("sort"), Page: 1}
	data := searchPage{Form: form, Errors: fieldErrors{}}
	if p := qp.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			data.Errors["page"] = "search.err.page"
		} else {
			data.Form.Page = n
		}
	}
	status := http.StatusOK
	if len(data.Errors) == 0 {
		res, err := f.o.Agencies.Search(c.Request().Context(), agencies.SearchQuery{Q: form.Q, Origin: form.Origin, Destination: form.Destination,
			Sector: form.Sector, Standing: form.Standing, LicenceStatus: form.LicenceStatus, MinRating: form.MinRating, Sort: form.Sort,
			Page: data.Form.Page, PerPage: 20})
		if fe, ok := formErrors(err, searchFieldMsgs); ok {
			data.Errors = fe
		} else if err != nil {
			return err
		} else {
			data.Result = res
			data.Searched = true
		}
	}
	if len(data.Errors) > 0 {
		status = http.StatusBadRequest
	}
	facets := data.Result.Facets
	data.Origins = facetOptions(facets[search.FacetOrigin], form.Origin, v.Country)
	data.Destinations = facetOptions(facets[search.FacetDestination], form.Destination, v.Country)
	data.Sectors = facetOptions(facets[search.FacetSector], form.Sector, func(s string) string { return v.T("sector." + s) })
	data.Standings = facetOptions(facets[search.FacetStanding], form.Standing, func(s string) string { return v.T("standing." + s) })
	data.Statuses = facetOptions(facets[search.FacetLicenceStatus], form.LicenceStatus, func(s string) string { return v.T("licence." + s) })
	for _, s := range search.AgencySorts {
		data.Sorts = append(data.Sorts, option{Value: s, Label: v.T("sort." + s), Selected: s == form.Sort})
	}
	for _, r := range []string{"4", "3", "2"} {
		data.Ratings = append(data.Ratings, option{Value: r, Label: v.T("search.minrating.n", "N", v.Num(r)), Selected: r == form.MinRating})
	}
	if data.Searched {
		res := data.Result
		if len(res.Hits) > 0 {
			data.From = (res.Page-1)*res.PerPage + 1
			data.To = data.From + len(res.Hits) - 1
		}
		if res.Page > 1 {
			data.Prev = pageURL(c.Request().URL, res.Page-1)
		}
		if res.Page*res.PerPage < res.Total && (res.Page+1)*res.PerPage <= search.MaxAgencyWindow {
			data.Next = pageURL(c.Request().URL, res.Page+1)
		}
	}
	return f.render(c, status, "agencies", v, data)
}

// facetOptions lists a facet's values with counts, most common first; the selected value
// stays listed even with no matches, so a person can see and undo their filter.
func facetOptions(counts map[string]int, selected string, label func(string) string) []option {
	out := make([]option, 0, len(counts)+1)
	for val, n := range counts {
		out = append(out, option{Value: val, Label: label(val), Count: n, Selected: val == selected})
	}
	if selected != "" && counts[selected] == 0 {
		out = append(out, option{Value: selected, Label: label(selected), Selected: true})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Label < out[j].Label
	})
	return out
}

func pageURL(u *url.URL, page int) string {
	q := u.Query()
	q.Del(langParam)
	q.Set("page", strconv.Itoa(page))
	return u.Path + "?" + q.Encode()
}

// agencySuggest answers the search box's suggestions (JavaScript only; the page works
// without it): up to 8 agency names for a prefix, as JSON.
func (f *Frontend) agencySuggest(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	names := []string{}
	if len([]rune(q)) >= 2 && len(q) <= 100 {
		res, err := f.o.Agencies.Search(c.Request().Context(), agencies.SearchQuery{Q: q, PerPage: 8})
		if err == nil {
			for _, h := range res.Hits {
				names = append(names, h.Name)
			}
		}
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=60")
	return c.JSON(http.StatusOK, names)
}

// standingClass is the badge colour of a standing.
func standingClass(s kawan.Standing) string {
	switch s {
	case kawan.StandingLicensed:
		return "good"
	case kawan.StandingSanctioned, kawan.StandingUnknown:
		return "warn" // "no licence found" warns: it may be an unlicensed recruiter
	case kawan.StandingLicenceProblem, kawan.StandingBlacklisted:
		return "bad"
	}
	return "warn"
}

// StandingClass is standingClass for templates (a search hit carries the standing as a string).
func (v *view) StandingClass(s string) string { return standingClass(kawan.Standing(s)) }

// Stars formats a 1–5 score with one decimal in the locale.
func (v *view) Stars(x float64) string {
	if x <= 0 || math.IsNaN(x) {
		return ""
	}
	return v.Dec(strconv.FormatFloat(x, 'f', 1, 64), 1)
}

type profilePage struct {
	P          agencies.Profile
	Badge      string
	Regulators map[string]kawan.Regulator
	Ratings    *reviews.AgencyRatings
	Chart      *barChart
	Dimensions *barChart
	Recommend  int // percent
	Reviews    []search.ReviewDoc
	Total      int
	Sort       string
	Prev, Next string
	CanWrite   bool
	Follow     followState
	// Stale holds, by regulator code, the scheduled source of that regulator's list that
	// could not be read again: its licence facts show their age.
	Stale map[string]*staleNote
	// History is the agency's latest status changes, newest first.
	History []kawan.AgencyEvent
	// Complaints is the link to the complaint form and the published outcomes.
	Complaints *complaintBox
}

// staleNote is a stale registry source's age as the agency page shows it.
type staleNote struct {
	Since       time.Time
	Days, Hours int
}

// staleNotes maps the stale registry sources of an agency's regulators to their age.
func (f *Frontend) staleNotes(c echo.Context, p agencies.Profile) map[string]*staleNote {
	if f.o.Registry == nil || len(p.Licences) == 0 {
		return nil
	}
	regs := make([]string, 0, len(p.Licences))
	for _, l := range p.Licences {
		regs = append(regs, l.Regulator)
	}
	out := map[string]*staleNote{}
	for _, st := range f.o.Registry.StaleFor(c.Request().Context(), regs) {
		age := time.Duration(*st.AgeSeconds) * time.Second
		n := &staleNote{Since: *st.LastSuccess, Days: int(age / (24 * time.Hour)), Hours: max(1, int(age/time.Hour))}
		if old, ok := out[st.Regulator]; !ok || n.Since.Before(old.Since) {
			out[st.Regulator] = n
		}
	}
	return out
}

const reviewsPerPage = 10

func (f *Frontend) agencyProfile(c echo.Context) error {
	v := f.newView(c)
	v.Nav = "agencies"
	ctx := c.Request().Context()
	p, err := f.o.Agencies.Profile(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	v.Title = p.LegalName
	data := profilePage{P: p, Badge: standingClass(p.Standing.Standing), Regulators: kawan.Regulators, CanWrite: f.has("write"),
		Stale: f.staleNotes(c, p)}
	if data.Follow, err = f.followState(c, v, p.ID); err != nil {
		return err
	}
	v.Feed = data.Follow.FeedURL
	data.Complaints = f.complaintBox(c, p.ID)
	if data.History, err = f.o.Agencies.History(ctx, p.ID, 20); err != nil {
		return err
	}
	if f.o.Reviews != nil {
		r, err := f.o.Reviews.Ratings(ctx, p.ID)
		if err != nil {
			return err
		}
		data.Ratings = &r
		if r.Reviews > 0 {
			data.Recommend = int(r.WouldRecommend * 100 / r.Reviews)
			data.Chart = starChart(v, r.Stars)
			data.Dimensions = dimensionChart(v, r.Score.Explanation.DimensionMeans)
		}
		sortBy := c.QueryParam("sort")
		if sortBy != search.SortHelpful {
			sortBy = search.SortRecent
		}
		data.Sort = sortBy
		page, _ := strconv.Atoi(c.QueryParam("page"))
		page = max(page, 1)
		list, err := f.o.Reviews.List(ctx, reviews.ListQuery{AgencyID: p.ID, Sort: sortBy, Page: page, PerPage: reviewsPerPage})
		if _, bad := formErrors(err, nil); bad {
			list, err = f.o.Reviews.List(ctx, reviews.ListQuery{AgencyID: p.ID, Sort: sortBy, Page: 1, PerPage: reviewsPerPage})
			page = 1
		}
		if err != nil {
			return err
		}
		data.Reviews, data.Total = list.Items, list.Total
		f.noteReplies(ctx, v, p.ID, list.Items)
		f.noteCollected(ctx, v, list.Items)
		if page > 1 {
			data.Prev = pageURL(c.Request().URL, page-1)
		}
		if page*reviewsPerPage < list.Total {
			data.Next = pageURL(c.Request().URL, page+1)
		}
	}
	return f.render(c, http.StatusOK, "agency", v, data)
}

// barChart is a horizontal bar chart drawn as inline SVG by the template (no script, no
// image request, presentation attributes only so the CSP needs no inline style).
type barChart struct {
	Label  string // accessible summary (aria-label)
	Width  int
	Height int
	Bars   []bar
}

type bar struct {
	Label  string
	Value  string // shown at the bar's end
	LabelY int    // baseline of the label line
	Y      int    // top of the bar
	W      int    // bar width in px
	TextY  int    // baseline of the value
	EndX   int    // x of the value
}

// Each row is a label line with the bar under it, so long labels in any language fit a
// 320 px screen.
const (
	chartBarMax = 240
	chartRow    = 40
)

func newBarChart(label string, rows []string, values []float64, shown []string, maxVal float64) *barChart {
	ch := &barChart{Label: label, Width: chartBarMax + 50, Height: len(rows) * chartRow}
	for i, r := range rows {
		w := 0
		if maxVal > 0 {
			w = int(math.Round(values[i] / maxVal * chartBarMax))
		}
		if values[i] > 0 && w < 2 {
			w = 2
		}
		top := i * chartRow
		ch.Bars = append(ch.Bars, bar{Label: r, Value: shown[i], LabelY: top + 14, Y: top + 19, W: w, TextY: top + 32, EndX: w + 6})
	}
	return ch
}

func starChart(v *view, s kawan.StarCounts) *barChart {
	counts := []int64{s.S5, s.S4, s.S3, s.S2, s.S1}
	var rows, shown []string
	var vals []float64
	var maxN int64
	for i, n := range counts {
		rows = append(rows, v.T("rating.stars", "N", v.Num(5-i)))
		vals = append(vals, float64(n))
		shown = append(shown, v.Num(n))
		maxN = max(maxN, n)
	}
	summary := v.T("rating.chart", "S5", v.Num(s.S5), "S4", v.Num(s.S4), "S3", v.Num(s.S3), "S2", v.Num(s.S2), "S1", v.Num(s.S1))
	return newBarChart(summary, rows, vals, shown, float64(maxN))
}

var dimensions = []string{"fees_honesty", "contract_match", "treatment", "support"}

func dimensionChart(v *view, means map[string]float64) *barChart {
	if len(means) == 0 {
		return nil
	}
	var rows, shown, parts []string
	var vals []float64
	for _, d := range dimensions {
		m, ok := means[d]
		if !ok {
			continue
		}
		rows = append(rows, v.T("dim."+d))
		vals = append(vals, m)
		shown = append(shown, v.Stars(m))
		parts = append(parts, v.T("dim."+d)+": "+v.Stars(m))
	}
	return newBarChart(strings.Join(parts, "; "), rows, vals, shown, 5)
}

// agencyNames returns the legal name of each agency (its ID for one that no longer exists,
// or for every one when the agencies area is not wired), each looked up once.
func (f *Frontend) agencyNames(ctx context.Context, ids []string) (map[string]string, error) {
	names := make(map[string]string, len(ids))
	for _, id := range ids {
		if _, done := names[id]; done {
			continue
		}
		names[id] = id
		if f.o.Agencies == nil {
			continue
		}
		p, err := f.o.Agencies.Profile(ctx, id)
		switch {
		case err == nil:
			names[id] = p.LegalName
		case !errors.Is(err, kawan.ErrNotFound):
			return nil, err
		}
	}
	return names, nil
}

// RegulatorName returns a regulator's name in the page's language (the catalog's
// "regulator.<code>"; kawan.Regulators holds the English one), or the code itself for a
// regulator Kawan does not know.
func (v *view) RegulatorName(code string) string {
	if _, ok := kawan.Regulators[code]; ok {
		return v.T("regulator." + code)
	}
	return code
}

// Regulator returns a regulator by code (its code as name when Kawan does not know it).
func (v *view) Regulator(code string) kawan.Regulator {
	if r, ok := kawan.Regulators[code]; ok {
		return r
	}
	return kawan.Regulator{Code: code, Name: code}
}

// Regulators lists the regulators for the licence look-up, ordered by country name.
func (v *view) Regulators() []kawan.Regulator {
	out := make([]kawan.Regulator, 0, len(kawan.Regulators))
	for _, r := range kawan.Regulators {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b kawan.Regulator) int { return strings.Compare(v.Country(a.Country), v.Country(b.Country)) })
	return out
}

type licencePage struct {
	// Regulator is the select's value: a regulator code or AnyRegulator.
	Regulator, Number string
	Errors            fieldErrors
	Check             *agencies.LicenceCheck
	Verdict           string // good, bad, unknown, warn
	// Elsewhere is the regulator chosen when the number was found under another one.
	Elsewhere string
	// Searched lists the lists searched for a number not found, with when each was read.
	Searched []searchedList
}

// searchedList is one list the licence check looked in, as the page names it.
type searchedList struct {
	Regulator kawan.Regulator
	// Read is when Kawan last read the list (zero: not recorded); AsOf the list's own date.
	Read, AsOf time.Time
}

// searchedLists names the lists a check looked in: those the check reports with their
// dates, else every regulator asked (lists loaded without an import record, such as the
// demo registry, have no date).
func searchedLists(res agencies.LicenceCheck, asked string) []searchedList {
	out := make([]searchedList, 0, len(kawan.Regulators))
	for _, l := range res.Searched {
		out = append(out, searchedList{Regulator: kawan.Regulators[l.Regulator], Read: l.RetrievedAt, AsOf: l.AsOf})
	}
	if len(out) > 0 {
		return out
	}
	if r, ok := kawan.Regulators[asked]; ok {
		return []searchedList{{Regulator: r}}
	}
	codes := make([]string, 0, len(kawan.Regulators))
	for c := range kawan.Regulators {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		out = append(out, searchedList{Regulator: kawan.Regulators[c]})
	}
	return out
}

// AnyRegulator is the licence form's value for "search every regulator's list".
const AnyRegulator = "any"

// langRegulator is the regulator of the country whose workers read Kawan in a language:
// the licence form starts on it (English readers start on every regulator).
var langRegulator = map[string]string{"ne": "NP-DOFE", "fil": "PH-DMW", "id": "ID-BP2MI", "my": "MM-MOL", "km": "KH-MLVT",
	"th": "TH-DOE", "vi": "VN-DOLAB"}

// defaultRegulator is the regulator the licence form starts on: that of the worker's
// nationality when known, else of the page's language, else every regulator.
func defaultRegulator(lang, nationality string) string {
	for code, r := range kawan.Regulators {
		if nationality != "" && r.Country == nationality {
			return code
		}
	}
	if code, ok := langRegulator[lang]; ok {
		if _, known := kawan.Regulators[code]; known {
			return code
		}
	}
	return AnyRegulator
}

var licenceFieldMsgs = map[string]string{"regulator": "licence.err.regulator", "number": "licence.err.number"}

func (f *Frontend) licenceCheck(c echo.Context) error {
	v := f.newView(c)
	v.Nav = "agencies"
	v.Title = v.T("licence.title")
	qs := c.QueryParams()
	data := licencePage{Regulator: qs.Get("regulator"), Number: qs.Get("number"), Errors: fieldErrors{}}
	if !qs.Has("regulator") || data.Regulator == "" {
		data.Regulator = defaultRegulator(v.Loc.Code, "")
	}
	status := http.StatusOK
	if qs.Has("number") || qs.Has("regulator") {
		res, err := f.o.Agencies.CheckLicence(c.Request().Context(), data.Regulator, data.Number)
		if fe, ok := formErrors(err, licenceFieldMsgs); ok {
			data.Errors = fe
			status = http.StatusBadRequest
		} else if err != nil {
			return err
		} else {
			data.Check, data.Elsewhere = &res, res.AskedRegulator
			if !res.Found {
				data.Searched = searchedLists(res, data.Regulator)
			}
			switch {
			case !res.Found:
				data.Verdict = "unknown"
			case !res.Valid:
				data.Verdict = "bad"
			case res.Agency != nil && res.Agency.Standing.Standing != kawan.StandingLicensed:
				data.Verdict = "warn"
			default:
				data.Verdict = "good"
			}
		}
	}
	return f.render(c, status, "licence", v, data)
}

// Pct formats a whole percentage in the locale.
func (v *view) Pct(n int) string { return v.T("fmt.percent", "N", v.Num(n)) }

// Join joins strings for templates.
func (v *view) Join(s []string, sep string) string { return strings.Join(s, sep) }

var _ = fmt.Sprint

// LicenceClass is the badge colour of a licence status: only an active licence is good; an
// application not yet decided warns; every other status (expired, suspended, revoked,
// cancelled, or one Kawan does not know) is a problem.
func (v *view) LicenceClass(s string) string {
	switch kawan.LicenceStatus(s) {
	case kawan.LicenceActive:
		return "good"
	case kawan.LicencePending:
		return "warn"
	}
	return "bad"
}

// BadgeIcon is the symbol before a badge's words, so that the badge reads without colour:
// ✓ good, ⚠ warning, ✕ problem.
func (v *view) BadgeIcon(class string) string {
	switch class {
	case "good":
		return "✓"
	case "bad":
		return "✕"
	}
	return "⚠"
}

// PlainMean is the plain average of the overall ratings in a histogram, with one decimal
// (the score beside it is pulled towards the platform's mean; see package ranking).
func (v *view) PlainMean(s kawan.StarCounts) string {
	n := s.S1 + s.S2 + s.S3 + s.S4 + s.S5
	if n == 0 {
		return ""
	}
	return v.Stars(float64(s.S1+2*s.S2+3*s.S3+4*s.S4+5*s.S5) / float64(n))
}

package frontend

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/help"
)

func (f *Frontend) registerHelpPages(r *api.Router) {
	if f.o.Help == nil {
		return
	}
	r.Page(http.MethodGet, "/help", f.helpPage, api.Public)
	r.Page(http.MethodGet, "/rights/:destination", f.rightsPage, api.Public)
}

type rightsLink struct {
	Destination, Title, Lang string
}

type helpPage struct {
	Rights                     []rightsLink
	Country, Nationality, Need string
	Countries                  []option
	Needs                      []string
	Errors                     fieldErrors
	// Emergency is the numbers at the top of the page: the chosen country's, or every
	// destination's when none is chosen.
	Emergency []emergencyBlock
	// Relevant is shown before any search: hotlines and shelters first, for the nationality
	// the page language suggests (ForNationality) and the chosen country, if any.
	Relevant       []help.Entry
	ForNationality string
	// Result is the directory search ("Find help", every filter on Any lists everyone).
	Result *help.Page
	Sample bool
}

// emergencyBlock is one destination's emergency numbers and, where the directory has them,
// the embassy and hotlines of the reader's country there.
type emergencyBlock struct {
	Country   string
	Numbers   []help.EmergencyNumber
	Embassies []help.Entry
}

// langNationality is the nationality a page language suggests (Kawan's languages are each
// mostly one origin country's); English suggests none.
var langNationality = map[string]string{"fil": "PH", "id": "ID", "ne": "NP", "my": "MM", "km": "KH", "vi": "VN", "th": "TH"}

// helpRank orders entries for a worker who has not searched: hotlines and shelters first,
// then the offices of their own government, then everyone else.
func helpRank(e help.Entry) int {
	switch e.Kind {
	case "hotline":
		return 0
	case "shelter":
		return 1
	case "embassy", "labour_attache", "government_agency":
		return 2
	}
	return 3
}

// maxRelevant is how many entries the help page shows before any search.
const maxRelevant = 6

func (f *Frontend) helpPage(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "help", v.T("help.title")
	ctx := c.Request().Context()
	qp := c.QueryParams()
	d := helpPage{Country: qp.Get("country"), Nationality: qp.Get("nationality"), Need: qp.Get("need"),
		Needs: help.Needs, Errors: fieldErrors{}}
	for _, s := range f.o.Help.RightsPages() {
		link := rightsLink{Destination: s.Destination, Title: s.Title, Lang: "en"}
		if p, err := f.o.Help.Rights(s.Destination, v.Loc.Code); err == nil {
			link.Title, link.Lang = p.Title, titleLang(p, s.Title)
		}
		d.Rights = append(d.Rights, link)
	}
	for _, code := range reviewCountries {
		d.Countries = append(d.Countries, option{Value: code, Label: v.Country(code)})
	}
	sortOptions(d.Countries)
	status := http.StatusOK
	searched := qp.Has("country") || qp.Has("nationality") || qp.Has("need")
	res, err := f.o.Help.Search(ctx, help.Query{Country: d.Country, Nationality: d.Nationality, Need: d.Need, PerPage: 100})
	if fe, ok := formErrors(err, map[string]string{"country": "form.err.country", "nationality": "form.err.country", "need": "form.invalid"}); ok {
		d.Errors, status, d.Country = fe, http.StatusBadRequest, ""
	} else if err != nil {
		return err
	} else if searched {
		d.Result = &res
		for _, e := range res.Items {
			d.Sample = d.Sample || e.Sample
		}
	}
	nat := d.Nationality
	if nat == "" || d.Errors.Has("nationality") {
		nat = langNationality[v.Loc.Code]
	}
	if !searched {
		if d.Relevant, err = f.relevantHelp(ctx, nat); err != nil {
			return err
		}
		d.ForNationality = nat
		for _, e := range d.Relevant {
			d.Sample = d.Sample || e.Sample
		}
	}
	if d.Emergency, err = f.emergencyBlocks(ctx, d.Country, nat); err != nil {
		return err
	}
	return f.render(c, status, "help", v, d)
}

// relevantHelp is what the help page shows before any search: entries for people of nat
// (everyone when nat is empty), hotlines and shelters first.
func (f *Frontend) relevantHelp(ctx context.Context, nat string) ([]help.Entry, error) {
	res, err := f.o.Help.Search(ctx, help.Query{Nationality: nat, PerPage: 100})
	if err != nil {
		return nil, err
	}
	es := slices.Clone(res.Items)
	slices.SortStableFunc(es, func(a, b help.Entry) int {
		// An office for this nationality before one for everyone, within a rank.
		ra, rb := helpRank(a)*2, helpRank(b)*2
		if nat != "" && !slices.Contains(a.Nationalities, nat) {
			ra++
		}
		if nat != "" && !slices.Contains(b.Nationalities, nat) {
			rb++
		}
		return ra - rb
	})
	return es[:min(len(es), maxRelevant)], nil
}

// emergencyBlocks are the emergency numbers of country, with the embassy and hotlines of
// nat there, or, when no country with numbers is given, every destination's numbers.
func (f *Frontend) emergencyBlocks(ctx context.Context, country, nat string) ([]emergencyBlock, error) {
	if n := f.o.Help.Emergency(country); n != nil {
		b := emergencyBlock{Country: country, Numbers: n}
		if nat != "" {
			res, err := f.o.Help.Search(ctx, help.Query{Country: country, Nationality: nat, PerPage: 100})
			if err != nil {
				return nil, err
			}
			for _, e := range res.Items {
				if slices.Contains(e.Nationalities, nat) && helpRank(e) != 3 && helpRank(e) != 1 {
					b.Embassies = append(b.Embassies, e)
				}
			}
		}
		return []emergencyBlock{b}, nil
	}
	var out []emergencyBlock
	for _, s := range f.o.Help.RightsPages() {
		out = append(out, emergencyBlock{Country: s.Destination, Numbers: f.o.Help.Emergency(s.Destination)})
	}
	return out, nil
}

// rightsView is the rights page: the page in the reader's language and the emergency numbers.
type rightsView struct {
	help.LocalRightsPage
	Emergency []emergencyBlock
	// TitleLang is the language the title is in (English where the page has none in the
	// language asked for).
	TitleLang string
}

func (f *Frontend) rightsPage(c echo.Context) error {
	v := f.newView(c)
	v.Nav = "help"
	p, err := f.o.Help.Rights(c.Param("destination"), v.Loc.Code)
	if _, bad := formErrors(err, nil); bad {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	v.Title = p.Title
	em, err := f.emergencyBlocks(c.Request().Context(), p.Destination, langNationality[v.Loc.Code])
	if err != nil {
		return err
	}
	d := rightsView{LocalRightsPage: p, Emergency: em, TitleLang: p.Lang}
	for _, s := range f.o.Help.RightsPages() {
		if s.Destination == p.Destination {
			d.TitleLang = titleLang(p, s.Title)
		}
	}
	return f.render(c, http.StatusOK, "rights", v, d)
}

// titleLang is the language of a rights page's title: English where the page has no title
// in the language asked for (it is then the English one).
func titleLang(p help.LocalRightsPage, english string) string {
	if p.Lang != "en" && (p.Title == english || !containsString(p.Languages, p.Lang)) {
		return "en"
	}
	return p.Lang
}

// ChannelURL is a link for a way to reach an organisation (tel:, mailto:, the web address),
// or "" when there is nothing to link. html/template refuses tel: and mailto: links unless
// marked safe; they are built here only from digits and "+", or from a plain address
// (letters, digits and ._%+-@ only), so nothing else can reach the href.
func (v *view) ChannelURL(ch help.Channel) template.URL {
	switch ch.Type {
	case "phone", "sms":
		n := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == '+' {
				return r
			}
			return -1
		}, ch.Value)
		if len(n) >= 3 && len(n) <= 20 {
			return template.URL("tel:" + n)
		}
	case "email":
		if strings.Count(ch.Value, "@") == 1 && len(ch.Value) <= 254 && strings.Trim(strings.ToLower(ch.Value), "abcdefghijklmnopqrstuvwxyz0123456789._%+-@") == "" {
			return template.URL("mailto:" + ch.Value)
		}
	case "website":
		if strings.HasPrefix(ch.Value, "https://") || strings.HasPrefix(ch.Value, "http://") {
			return template.URL(ch.Value) // still a plain http(s) URL; the attribute is escaped
		}
	}
	return ""
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sortOptions(o []option) {
	for i := 1; i < len(o); i++ {
		for j := i; j > 0 && o[j].Label < o[j-1].Label; j-- {
			o[j], o[j-1] = o[j-1], o[j]
		}
	}
}

// DateStr formats a "YYYY-MM-DD" date in the locale (as given if it is not one).
func (v *view) DateStr(s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	return v.Date(t)
}

// TelURL is a tel: link for a phone number ("" when it is not one).
func (v *view) TelURL(number string) template.URL {
	return v.ChannelURL(help.Channel{Type: "phone", Value: number})
}

// Host is a web address's host, to show a short link ("www.mom.gov.sg").
func (v *view) Host(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return u
	}
	return p.Host
}

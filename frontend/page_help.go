package frontend

import (
	"html/template"
	"net/http"
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
	Result                     *help.Page
	Sample                     bool
}

func (f *Frontend) helpPage(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "help", v.T("help.title")
	d := helpPage{Country: c.QueryParam("country"), Nationality: c.QueryParam("nationality"), Need: c.QueryParam("need"),
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
	if d.Country != "" || d.Nationality != "" || d.Need != "" {
		res, err := f.o.Help.Search(c.Request().Context(), help.Query{Country: d.Country, Nationality: d.Nationality, Need: d.Need, PerPage: 50})
		if fe, ok := formErrors(err, map[string]string{"country": "form.err.country", "nationality": "form.err.country", "need": "form.invalid"}); ok {
			d.Errors, status = fe, http.StatusBadRequest
		} else if err != nil {
			return err
		} else {
			d.Result = &res
			for _, e := range res.Items {
				d.Sample = d.Sample || e.Sample
			}
		}
	}
	return f.render(c, status, "help", v, d)
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
	d := rightsView{LocalRightsPage: p, TitleLang: p.Lang}
	for _, s := range f.o.Help.RightsPages() {
		if s.Destination == p.Destination {
			d.TitleLang = titleLang(p, s.Title)
		}
	}
	return f.render(c, http.StatusOK, "rights", v, d)
}

// rightsView is a rights page and the language its title is in.
type rightsView struct {
	help.LocalRightsPage
	TitleLang string
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

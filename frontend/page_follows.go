package frontend

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/api"
)

// registerFollowPages adds following an agency (plain forms: they work without
// JavaScript) and each agency's Atom feed of changes.
func (f *Frontend) registerFollowPages(r *api.Router) {
	if f.o.Follows == nil || f.o.Agencies == nil {
		return
	}
	r.Page(http.MethodGet, "/agencies/:id/changes.atom", f.agencyAtom, api.Public)
	if f.o.Auth != nil {
		r.Page(http.MethodPost, "/agencies/:id/follow", f.csrf(f.follow), api.AnyUser)
		r.Page(http.MethodPost, "/agencies/:id/unfollow", f.csrf(f.unfollow), api.AnyUser)
	}
}

func (f *Frontend) follow(c echo.Context) error {
	p, _ := api.PrincipalFrom(c)
	if err := f.o.Follows.Follow(c.Request().Context(), p.UserID, c.Param("id")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/agencies/"+url.PathEscape(c.Param("id"))+"#follow")
}

func (f *Frontend) unfollow(c echo.Context) error {
	p, _ := api.PrincipalFrom(c)
	if err := f.o.Follows.Unfollow(c.Request().Context(), p.UserID, c.Param("id")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/agencies/"+url.PathEscape(c.Param("id"))+"#follow")
}

// followState is the follow box of the agency page.
type followState struct {
	On        bool // the follows area is wired
	Following bool
	FeedURL   string
}

func (f *Frontend) followState(c echo.Context, v *view, agencyID string) (followState, error) {
	if f.o.Follows == nil {
		return followState{}, nil
	}
	st := followState{On: true, FeedURL: "/agencies/" + url.PathEscape(agencyID) + "/changes.atom"}
	if v.User != nil {
		var err error
		if st.Following, err = f.o.Follows.Following(c.Request().Context(), v.User.UserID, agencyID); err != nil {
			return st, err
		}
	}
	return st, nil
}

// followedAgencies is the account page's list of followed agencies (nil when not wired).
func (f *Frontend) followedAgencies(c echo.Context, userID string) ([]agencies.FollowedAgency, error) {
	if f.o.Follows == nil {
		return nil, nil
	}
	return f.o.Follows.Followed(c.Request().Context(), userID)
}

// Atom 1.0 (RFC 4287) documents.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	ID       string        `xml:"id"`
	Title    string        `xml:"title"`
	Updated  string        `xml:"updated"`
	Links    []atomLink    `xml:"link"`
	Summary  string        `xml:"summary,omitempty"`
	Category *atomCategory `xml:"category,omitempty"`
}

// baseURL is the site's public URL (KAWAN_BASE_URL), else the request's own.
func (f *Frontend) baseURL(c echo.Context) string {
	if f.o.BaseURL != "" {
		return f.o.BaseURL
	}
	return c.Scheme() + "://" + c.Request().Host
}

// agencyAtom is an agency's changes (licence status, validity, sanctions) as an Atom feed
// that NGOs can subscribe to. The entries are the history's English sentences.
func (f *Frontend) agencyAtom(c echo.Context) error {
	a, evs, err := f.o.Follows.Changes(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	base := f.baseURL(c)
	page := base + "/agencies/" + url.PathEscape(a.ID)
	self := page + "/changes.atom"
	updated := a.UpdatedAt
	for _, e := range evs {
		if e.RecordedAt.After(updated) {
			updated = e.RecordedAt
		}
	}
	if updated.IsZero() {
		updated = a.CreatedAt
	}
	feed := atomFeed{Lang: "en", ID: self, Title: "Kawan: changes to " + a.LegalName, Updated: atomTime(updated),
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}, {Rel: "alternate", Type: "text/html", Href: page}},
		Author: atomPerson{Name: "Kawan"}, Entries: make([]atomEntry, 0, len(evs))}
	for _, e := range evs {
		title := e.Summary
		if title == "" {
			title = e.Kind
		}
		entry := atomEntry{ID: self + "#" + url.PathEscape(e.ID), Title: title, Updated: atomTime(e.RecordedAt),
			Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: page}}, Summary: title, Category: &atomCategory{Term: e.Kind}}
		if e.SourceURL != "" {
			entry.Links = append(entry.Links, atomLink{Rel: "via", Href: e.SourceURL})
		}
		feed.Entries = append(feed.Entries, entry)
	}
	out, err := xml.MarshalIndent(feed, "", " ")
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "application/atom+xml; charset=utf-8", append([]byte(xml.Header), out...))
}

func atomTime(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format(time.RFC3339)
}

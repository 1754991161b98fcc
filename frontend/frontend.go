// Package frontend serves Kawan to browsers: server-rendered html/template pages in eight
// languages, usable with JavaScript turned off, light enough for a cheap phone on prepaid
// data. Static assets (one stylesheet, one small optional script, one icon) are embedded.
//
// Pages call the same domain services as the JSON API; the frontend never talks to the
// database itself. A page for an area whose service is not wired (nil in Options) is
// simply not registered.
package frontend

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/complaints"
	"github.com/kawan-labs/kawan/complaints/paper"
	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/help"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/reviews"
	"github.com/kawan-labs/kawan/rpw"
	"github.com/kawan-labs/kawan/stats"
)

//go:embed templates/*.html
var templateFS embed.FS

// Options are the frontend's dependencies. Every service is optional: a nil service
// means its pages are not offered (and not linked).
type Options struct {
	Logger *slog.Logger
	// Demo says the data is the fictional demo set (a notice is shown on every page).
	Demo bool
	// Reviews reads and accepts reviews.
	Reviews *reviews.Service
	// Agencies searches agencies, shows profiles and checks licences.
	Agencies *agencies.Service
	// Auth signs people in and out and manages their accounts.
	Auth *auth.Service
	// FX compares remittance providers.
	FX *fx.Service
	// Survey is the World Bank's survey, shown on /send beside live quotes (nil: not shown).
	Survey *rpw.Service
	// Help is the rights pages and the directory of people who help.
	Help *help.Service
	// Moderation takes flags and runs the moderator console and the transparency report.
	Moderation *moderation.Service
	// Registry is the scheduled registry sources: the agency page shows a stale one's age.
	Registry *agencies.Sources
	// Stats publishes the open data; the open-data page describes its tables.
	Stats *stats.Service
	// Follows lets signed-in accounts follow agencies; it also serves each agency's Atom feed.
	Follows *agencies.Follows
	// TextFollows is the text channels' follows (nil: no /text/follows page).
	TextFollows TextFollows
	// Complaints files complaints and runs their cases with partner organisations.
	Complaints *complaints.Service
	// Paper imports partners' paper reviews (CSV).
	Paper *paper.Importer
	// BaseURL is the site's public URL (KAWAN_BASE_URL), for the Atom feeds' absolute links.
	BaseURL string
}

// Frontend is the set of page handlers; it is an api.Module.
type Frontend struct {
	o      Options
	log    *slog.Logger
	cat    *catalog
	pages  map[string]*template.Template
	assets *assets
}

// New loads the catalogs, templates and assets. It fails only on a build defect
// (a catalog or template that does not parse).
func New(o Options) (*Frontend, error) {
	f := &Frontend{o: o, log: o.Logger}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if f.cat, err = loadCatalog(); err != nil {
		return nil, err
	}
	if f.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if f.pages, err = parsePages(); err != nil {
		return nil, err
	}
	return f, nil
}

// PageSecurityPolicy is the Content-Security-Policy of every page: only this origin's own
// stylesheet and script, no inline script or style, no third-party request of any kind,
// forms post only here. Images are inline SVG (part of the document, not fetched).
const PageSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Register adds the page routes. Every page declares its access like an API route.
func (f *Frontend) Register(r *api.Router) {
	r.Root.Use(f.sessionMiddleware)
	r.Page(http.MethodGet, "/", f.home, api.Public)
	r.Page(http.MethodGet, "/lang", f.switchLang, api.Public)
	r.Page(http.MethodGet, "/static/:name", f.assets.serve, api.Public)
	r.Page(http.MethodHead, "/static/:name", f.assets.serve, api.Public)
	r.Page(http.MethodGet, "/favicon.ico", f.assets.favicon, api.Public)
	f.registerAreaPages(r)
}

// HTMLError renders an error as a page in the visitor's language (api.Deps.HTMLErrors).
func (f *Frontend) HTMLError(c echo.Context, p api.Problem) error {
	r := c.Request()
	if p.Status == http.StatusUnauthorized && f.o.Auth != nil && r.Method == http.MethodGet {
		// A page that needs an account: sign in, then come back.
		return c.Redirect(http.StatusSeeOther, signinURL(localPath(r.URL)))
	}
	v := f.newView(c)
	v.Title = f.cat.T(v.Loc, errTitleKey(p.Status), nil)
	data := errorPage{Status: p.Status, RequestID: p.RequestID, Message: errMessageKey(p.Status)}
	return f.render(c, p.Status, "error", v, data)
}

type errorPage struct {
	Status    int
	RequestID string
	Message   string // catalog key
}

func errTitleKey(status int) string {
	switch status {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return "error.notfound.title"
	case http.StatusUnauthorized:
		return "error.signin.title"
	case http.StatusForbidden:
		return "error.forbidden.title"
	case http.StatusTooManyRequests:
		return "error.slow.title"
	case http.StatusRequestEntityTooLarge:
		return "error.toolarge.title"
	}
	if status >= 500 {
		return "error.server.title"
	}
	return "error.bad.title"
}

func errMessageKey(status int) string {
	return strings.TrimSuffix(errTitleKey(status), ".title") + ".body"
}

// view is what every template receives: the request's language and helpers, plus Data,
// the page's own content. Templates call its methods ($.T "key"), so no page can forget
// to localize or escape: html/template escapes everything these return.
type view struct {
	f     *Frontend
	c     echo.Context
	Loc   Locale
	Title string
	Path  string // path+query of this page, for the language switcher's return
	Nav   string // which nav entry is current
	User  *kawan.Principal
	Data  any
	// Feed is the page's Atom feed, linked from its head.
	Feed   string
	csrf   string
	status int
	// replies are the statuses of the agency's own replies to the page's reviews, read
	// only for that agency's representative (noteReplies).
	replies map[string]kawan.ReviewStatus
	// collected names the partner organisation that collected each paper review on the
	// page (noteCollected).
	collected map[string]string
}

func (f *Frontend) newView(c echo.Context) *view {
	loc, explicit := f.cat.negotiate(c.Request())
	if explicit {
		f.setLangCookie(c, loc.Code)
	}
	v := &view{f: f, c: c, Loc: loc, Path: localPath(c.Request().URL)}
	if p, ok := api.PrincipalFrom(c); ok {
		v.User = &p
	}
	return v
}

// T localizes a message; args are key/value pairs for the message's template.
func (v *view) T(id string, args ...any) string {
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			k, _ := args[i].(string)
			data[k] = args[i+1]
		}
	}
	return v.f.cat.T(v.Loc, id, data)
}

// TName is T for a message whose arguments are proper names (an agency, a firm): each is
// shown inside <span translate="no">, so a browser's page translation leaves it as written.
// The message and the names are escaped; the result is HTML.
func (v *view) TName(id string, args ...any) template.HTML {
	var data map[string]any
	var names []string
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			k, _ := args[i].(string)
			data[k] = "\ue000" + strconv.Itoa(len(names)) + "\ue001" // private use: escaping keeps them
			names = append(names, fmt.Sprint(args[i+1]))
		}
	}
	out := template.HTMLEscapeString(v.f.cat.T(v.Loc, id, data))
	for i, n := range names {
		out = strings.ReplaceAll(out, "\ue000"+strconv.Itoa(i)+"\ue001", `<span translate="no">`+template.HTMLEscapeString(n)+`</span>`)
	}
	return template.HTML(out)
}

// Num formats an integer in the page's locale.
func (v *view) Num(n any) string {
	f := v.f.cat.fmts[v.Loc.Code]
	switch x := n.(type) {
	case int:
		return f.Int(int64(x))
	case int64:
		return f.Int(x)
	case string:
		d, err := decimal.NewFromString(x)
		if err != nil {
			return x
		}
		return f.Decimal(d, max(-d.Exponent(), 0))
	case decimal.Decimal:
		return f.Decimal(x, max(-x.Exponent(), 0))
	}
	return fmt.Sprint(n)
}

// Dec formats a decimal string with exactly places decimals.
func (v *view) Dec(s string, places int) string {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	return v.f.cat.fmts[v.Loc.Code].Decimal(d, int32(places))
}

// Money formats an exact amount in currency code with the currency's ISO 4217 decimals,
// in the locale's digits and separators: "PHP 1,500.00", "NPR १,५००.००".
func (v *view) Money(amount, code string) string {
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return amount + " " + code
	}
	places, err := kawan.CurrencyMinorUnits(code)
	if err != nil {
		places = 2
	}
	return code + "\u00a0" + v.f.cat.fmts[v.Loc.Code].Decimal(d, int32(places))
}

// Date formats a time as a date in the locale.
func (v *view) Date(t time.Time) string { return v.f.cat.Date(v.Loc, t) }

// Locales lists the languages for the switcher.
func (v *view) Locales() []Locale { return Locales }

// Asset returns the cache-busting URL of an embedded static file.
func (v *view) Asset(name string) string { return v.f.assets.url(name) }

// CSRF returns the form token for this browser (setting its cookie on first use).
func (v *view) CSRF() string {
	if v.csrf == "" {
		v.csrf = v.f.csrfToken(v.c)
	}
	return v.csrf
}

// Has reports whether an area's pages are offered (nav links, home questions).
func (v *view) Has(area string) bool { return v.f.has(area) }

// Demo reports whether the fictional demo data notice is shown.
func (v *view) Demo() bool { return v.f.o.Demo }

// Page returns the view's data (templates use .Data; this reads better in partials).
func (v *view) Status() int { return v.status }

func localPath(u *url.URL) string {
	q := u.Query()
	q.Del(langParam)
	p := u.Path
	if enc := q.Encode(); enc != "" {
		p += "?" + enc
	}
	if !safeLocalPath(p) {
		return "/"
	}
	return p
}

// safeLocalPath reports whether p is a path on this site (never //host or /\host).
func safeLocalPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\") &&
		len(p) <= 2048 && !strings.ContainsAny(p, "\r\n\x00")
}

// render executes a page into a buffer (so a template error never sends half a page)
// and writes it with the page headers.
func (f *Frontend) render(c echo.Context, status int, page string, v *view, data any) error {
	t, ok := f.pages[page]
	if !ok {
		return fmt.Errorf("frontend: no page template %q", page)
	}
	v.Data = data
	v.status = status
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("frontend: render %s: %w", page, err)
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", PageSecurityPolicy)
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	if h.Get("Cache-Control") == "" { // a page may ask for no-store (a reset link's form)
		h.Set("Cache-Control", "private, no-cache")
	}
	h.Add("Vary", "Cookie, Accept-Language")
	h.Set("Content-Language", v.Loc.Code)
	if c.Request().Method == http.MethodHead {
		return c.NoContent(status)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// switchLang is the language switcher's target: it remembers the choice in a cookie and
// returns to the page the visitor was on. It works as a plain form (no JavaScript).
func (f *Frontend) switchLang(c echo.Context) error {
	l, ok := localeByCode(c.QueryParam(langParam))
	next := c.QueryParam("next")
	if !safeLocalPath(next) {
		next = "/"
	}
	if ok {
		f.setLangCookie(c, l.Code)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (f *Frontend) setLangCookie(c echo.Context, code string) {
	c.SetCookie(&http.Cookie{Name: langCookie, Value: code, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: secureRequest(c), SameSite: http.SameSiteLaxMode})
}

// secureRequest decides the Secure attribute of cookies: always, except plain HTTP to a
// loopback address (local development and tests), where a Secure cookie would not be kept
// by every client.
func secureRequest(c echo.Context) bool {
	r := c.Request()
	if r.TLS != nil || c.Scheme() == "https" {
		return true
	}
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	host = strings.Trim(host, "[]")
	return !(host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1")
}

const (
	csrfCookie = "kawan_csrf"
	csrfField  = "csrf"
)

// csrfToken returns this browser's CSRF token, creating it (in an HttpOnly cookie) if
// needed. Forms carry it in a hidden field; checkCSRF compares the two.
func (f *Frontend) csrfToken(c echo.Context) string {
	if ck, err := c.Cookie(csrfCookie); err == nil && validToken(ck.Value) {
		return ck.Value
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	c.SetCookie(&http.Cookie{Name: csrfCookie, Value: tok, Path: "/", MaxAge: 30 * 24 * 3600,
		HttpOnly: true, Secure: secureRequest(c), SameSite: http.SameSiteLaxMode})
	// Later reads in this request (a second form) see the same token.
	c.Request().AddCookie(&http.Cookie{Name: csrfCookie, Value: tok})
	return tok
}

func validToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// checkCSRF refuses a state-changing form post that is cross-site or lacks this
// browser's token.
func (f *Frontend) checkCSRF(c echo.Context) error {
	r := c.Request()
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" {
		return fmt.Errorf("frontend: cross-site form post: %w", kawan.ErrForbidden)
	}
	ck, err := c.Cookie(csrfCookie)
	form := c.FormValue(csrfField)
	if err != nil || !validToken(ck.Value) || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(form)) != 1 {
		return fmt.Errorf("frontend: form token missing or stale, please send the form again: %w", kawan.ErrForbidden)
	}
	return nil
}

// csrf wraps a form handler with the CSRF check.
func (f *Frontend) csrf(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := f.checkCSRF(c); err != nil {
			return err
		}
		return h(c)
	}
}

func (f *Frontend) has(area string) bool {
	switch area {
	case "reviews":
		return f.o.Reviews != nil
	case "agencies":
		return f.o.Agencies != nil
	case "auth":
		return f.o.Auth != nil
	case "write", "vote":
		return f.o.Auth != nil && f.o.Reviews != nil && f.o.Agencies != nil
	case "flag":
		return f.o.Auth != nil && f.o.Moderation != nil
	case "moderation":
		return f.o.Moderation != nil && f.o.Auth != nil
	case "fx":
		return f.o.FX != nil
	case "help":
		return f.o.Help != nil
	case "transparency":
		return f.o.Moderation != nil
	case "opendata":
		return f.o.Stats != nil
	case "textfollows":
		return f.o.TextFollows != nil
	case "complaints":
		return f.o.Complaints != nil
	}
	return false
}

// parsePages parses every page template together with the layout and partials.
func parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		shared, _ := fs.Glob(templateFS, "templates/_*.html")
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, append([]string{"templates/layout.html", file}, shared...)...)
		if err != nil {
			return nil, fmt.Errorf("frontend: parse %s: %w", file, err)
		}
		pages[name] = t
	}
	return pages, nil
}

var funcs = template.FuncMap{
	// dict builds a map for a partial: {{template "x" (dict "V" $ "R" .)}}.
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			m[k] = kv[i+1]
		}
		return m
	},
	"list": func(s ...string) []string { return s },
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i + 1
		}
		return s
	},
}

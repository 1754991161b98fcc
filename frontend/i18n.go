package frontend

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/shopspring/decimal"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

//go:embed locales/*.json
var localeFS embed.FS

// Locale is one language the site is offered in.
type Locale struct {
	Code   string // BCP 47, as used in lang="" and the cookie: "en", "fil", "ne", ...
	Native string // the language's name in itself, shown in the switcher
	Tag    language.Tag
}

// Locales are the site's languages, in switcher order. English is the source language:
// every other catalog must carry every key English has (TestCatalogsComplete).
var Locales = []Locale{
	{Code: "en", Native: "English"},
	{Code: "fil", Native: "Filipino"},
	{Code: "id", Native: "Bahasa Indonesia"},
	{Code: "ne", Native: "नेपाली"},
	{Code: "my", Native: "မြန်မာ"},
	{Code: "km", Native: "ខ្មែរ"},
	{Code: "vi", Native: "Tiếng Việt"},
	{Code: "th", Native: "ไทย"},
}

func init() {
	for i := range Locales {
		Locales[i].Tag = language.MustParse(Locales[i].Code)
	}
}

// catalog holds the loaded message bundle and per-locale formatting data.
type catalog struct {
	bundle  *i18n.Bundle
	matcher language.Matcher
	fmts    map[string]*numberFormat
	// english is every message ID of the source catalog (Has).
	english map[string]bool
	// missing records message IDs a template asked for that English lacks (a bug; tests fail on it).
	missingMu sync.Mutex
	missing   map[string]bool
}

func loadCatalog() (*catalog, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	tags := make([]language.Tag, 0, len(Locales))
	c := &catalog{bundle: b, fmts: map[string]*numberFormat{}, english: map[string]bool{}, missing: map[string]bool{}}
	for _, l := range Locales {
		mf, err := b.LoadMessageFileFS(localeFS, "locales/active."+l.Code+".json")
		if err != nil {
			return nil, fmt.Errorf("frontend: load catalog %s: %w", l.Code, err)
		}
		if l.Code == "en" {
			for _, m := range mf.Messages {
				c.english[m.ID] = true
			}
		}
		tags = append(tags, l.Tag)
		c.fmts[l.Code] = newNumberFormat(l.Tag)
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// catalogFiles lists the embedded catalog files (for tests and tools).
func catalogFiles() ([]string, error) {
	return fs.Glob(localeFS, "locales/active.*.json")
}

// localeByCode returns the supported locale with this exact code.
func localeByCode(code string) (Locale, bool) {
	for _, l := range Locales {
		if l.Code == code {
			return l, true
		}
	}
	return Locale{}, false
}

// Cookie names used by the frontend.
const (
	langCookie = "kawan_lang"
	langParam  = "lang"
)

// negotiate picks the page language: an explicit ?lang= (the switcher), then the
// language cookie, then Accept-Language, then English.
func (c *catalog) negotiate(r *http.Request) (Locale, bool) {
	if l, ok := localeByCode(r.URL.Query().Get(langParam)); ok {
		return l, true
	}
	if ck, err := r.Cookie(langCookie); err == nil {
		if l, ok := localeByCode(ck.Value); ok {
			return l, false
		}
	}
	if al := r.Header.Get("Accept-Language"); al != "" && len(al) < 512 {
		if tags, _, err := language.ParseAcceptLanguage(al); err == nil && len(tags) > 0 {
			_, i, conf := c.matcher.Match(tags...)
			if conf >= language.High {
				return Locales[i], false
			}
		}
	}
	return Locales[0], false
}

// Has reports whether the catalogs have message id (for IDs built from data, such as a
// moderation signal's name).
func (c *catalog) Has(id string) bool { return c.english[id] }

// T localizes message id in locale l. data may be nil, a map, or (for plural messages)
// carry "Count". A key English lacks is a programming error: it is recorded (tests fail)
// and the id itself is shown rather than breaking the page.
func (c *catalog) T(l Locale, id string, data map[string]any) string {
	lc := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"]; ok {
		lc.PluralCount = n
	}
	s, err := i18n.NewLocalizer(c.bundle, l.Code).Localize(lc)
	if err != nil {
		var nf *i18n.MessageNotFoundErr
		if asNotFound(err, &nf) && s != "" {
			return s // fell back to English: the catalog test reports the gap
		}
		c.missingMu.Lock()
		c.missing[id] = true
		c.missingMu.Unlock()
		if s == "" {
			return id
		}
	}
	return s
}

func asNotFound(err error, target **i18n.MessageNotFoundErr) bool {
	nf, ok := err.(*i18n.MessageNotFoundErr)
	if ok {
		*target = nf
	}
	return ok
}

// Missing returns message IDs that were asked for but exist in no catalog.
func (c *catalog) Missing() []string {
	c.missingMu.Lock()
	defer c.missingMu.Unlock()
	out := make([]string, 0, len(c.missing))
	for id := range c.missing {
		out = append(out, id)
	}
	return out
}

// numberFormat renders numbers the way a locale writes them (digits, grouping, decimal
// separator) and decimals exactly (no float anywhere): digits and separators come from
// golang.org/x/text/number, the grouping sizes from CLDR (secondaryGrouping), and every
// number is grouped here from its decimal digits.
type numberFormat struct {
	p       *message.Printer
	digits  [10]string
	decimal string
	group   string
	// primary and secondary group sizes: 3 and 3 for "#,##0.###", 3 and 2 for "#,##,##0.###".
	primary, secondary int
}

// secondaryGrouping is the size of the groups left of the first one where CLDR's decimal
// pattern for the locale differs from its primary size: Nepali writes lakhs and crores,
// "#,##,##0.###" (१,३४,७५७.१४). golang.org/x/text's tables (CLDR 32) still group Nepali in
// thousands. Filipino, Indonesian, Burmese, Khmer, Thai and Vietnamese group in threes
// (TestFormatting checks each locale's separators against CLDR).
var secondaryGrouping = map[string]int{"ne": 2}

func newNumberFormat(tag language.Tag) *numberFormat {
	f := &numberFormat{p: message.NewPrinter(tag), primary: 3, secondary: 3}
	if n, ok := secondaryGrouping[tag.String()]; ok {
		f.secondary = n
	}
	for d := 0; d < 10; d++ {
		f.digits[d] = f.p.Sprint(number.Decimal(d))
	}
	// "1.5" in the locale; the separator sits between the localized 1 and 5.
	s := f.p.Sprint(number.Decimal(1.5))
	f.decimal = strings.TrimSuffix(strings.TrimPrefix(s, f.digits[1]), f.digits[5])
	if f.decimal == "" {
		f.decimal = "."
	}
	// "1,234,567" in the locale; the group separator sits between the localized 1 and 2.
	s = f.p.Sprint(number.Decimal(1234567))
	f.group, _, _ = strings.Cut(strings.TrimPrefix(s, f.digits[1]), f.digits[2])
	return f
}

// Int formats an integer with the locale's digits and grouping.
func (f *numberFormat) Int(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + f.grouped(s[1:])
	}
	return f.grouped(s)
}

// grouped writes a string of ASCII digits with the locale's group separators and digits.
func (f *numberFormat) grouped(ds string) string {
	var parts []string
	if len(ds) > f.primary {
		parts = append(parts, ds[len(ds)-f.primary:])
		ds = ds[:len(ds)-f.primary]
		for len(ds) > f.secondary {
			parts = append(parts, ds[len(ds)-f.secondary:])
			ds = ds[:len(ds)-f.secondary]
		}
	}
	parts = append(parts, ds)
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString(f.localDigits(parts[i]))
		if i > 0 {
			b.WriteString(f.group)
		}
	}
	return b.String()
}

// Decimal formats d with exactly places decimals (rounded half away from zero).
func (f *numberFormat) Decimal(d decimal.Decimal, places int32) string {
	s := d.StringFixed(places) // exact
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	b.WriteString(f.grouped(intPart))
	if frac != "" {
		b.WriteString(f.decimal)
		b.WriteString(f.localDigits(frac))
	}
	return b.String()
}

func (f *numberFormat) localDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteString(f.digits[r-'0'])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Date formats t (in UTC) with the locale's date pattern and month names from the catalog.
func (c *catalog) Date(l Locale, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	f := c.fmts[l.Code]
	return c.T(l, "fmt.date", map[string]any{
		"D":  f.Int(int64(t.Day())),
		"M":  c.T(l, fmt.Sprintf("month.%d", int(t.Month())), nil),
		"MN": f.Int(int64(t.Month())),
		"Y":  f.localDigits(fmt.Sprint(t.Year())), // years are not grouped
	})
}

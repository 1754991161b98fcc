package frontend

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/moderation"
)

// readCatalog returns a catalog file's messages: id → raw message (a string or an object).
func readCatalog(t *testing.T, code string) map[string]any {
	t.Helper()
	b, err := localeFS.ReadFile("locales/active." + code + ".json")
	if err != nil {
		t.Fatalf("catalog %s: %v", code, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("catalog %s: %v", code, err)
	}
	return m
}

var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// sourceHash is what a translation's "hash" must be: sha1 of the English text it was
// made from (plural forms joined by NUL), so a changed English message flags its
// translations as stale.
func sourceHash(en any) string {
	var s string
	switch v := en.(type) {
	case string:
		s = v
	case map[string]any:
		var parts []string
		for _, f := range pluralForms {
			if x, ok := v[f].(string); ok {
				parts = append(parts, x)
			}
		}
		s = strings.Join(parts, "\x00")
	}
	sum := sha1.Sum([]byte(s))
	return "sha1-" + hex.EncodeToString(sum[:])
}

const reviewMarker = "needs-review:"

// TestCatalogsComplete fails when a catalog lacks a key English has, has a key English
// lacks, carries a translation of an older English text (hash), or does not say whether a
// human has reviewed it (machine translations are marked "needs-review:" in description).
func TestCatalogsComplete(t *testing.T) {
	files, err := catalogFiles()
	if err != nil || len(files) != len(Locales) {
		t.Fatalf("want %d catalog files, have %v (%v)", len(Locales), files, err)
	}
	en := readCatalog(t, "en")
	if len(en) < 50 {
		t.Fatalf("English catalog has only %d messages", len(en))
	}
	for _, l := range Locales[1:] {
		cat := readCatalog(t, l.Code)
		var missing, extra, stale, unmarked []string
		for id, src := range en {
			msg, ok := cat[id]
			if !ok {
				missing = append(missing, id)
				continue
			}
			obj, ok := msg.(map[string]any)
			if !ok {
				unmarked = append(unmarked, id)
				continue
			}
			if obj["hash"] != sourceHash(src) {
				stale = append(stale, id)
			}
			desc, _ := obj["description"].(string)
			if !strings.HasPrefix(desc, reviewMarker) && !strings.HasPrefix(desc, "reviewed:") {
				unmarked = append(unmarked, id)
			}
			if other, _ := obj["other"].(string); strings.TrimSpace(other) == "" {
				missing = append(missing, id+" (empty)")
			}
			// Template placeholders must survive translation.
			for _, ph := range placeholders(src) {
				if other, _ := obj["other"].(string); !strings.Contains(other, ph) {
					stale = append(stale, id+" (lost "+ph+")")
				}
			}
		}
		for id := range cat {
			if _, ok := en[id]; !ok {
				extra = append(extra, id)
			}
		}
		for name, list := range map[string][]string{"missing": missing, "not in English": extra,
			"stale (English changed since translation)": stale, "without review status": unmarked} {
			if len(list) > 0 {
				sort.Strings(list)
				t.Errorf("catalog %s: %d keys %s: %s", l.Code, len(list), name, strings.Join(list, ", "))
			}
		}
	}
}

// sameAsEnglish are the messages a translation may leave exactly as English has them: brand
// names, number patterns, and words the language writes the same way.
var sameAsEnglish = map[string]bool{
	"channel.email": true, "channel.line": true, "channel.messenger": true, "channel.telegram": true, "channel.viber": true,
	"channel.whatsapp": true, "channel.website": true, "fmt.date": true, "fmt.percent": true, "rating.stars": true, "mod.reason.spam": true,
	// Filipino writes these as English does; Indonesian too, and its months April, September, November.
	"form.password": true, "form.username": true, "kind.hotline": true, "mine.status": true, "mod.status": true,
	"role.admin": true, "role.moderator": true, "month.4": true, "month.9": true, "month.11": true,
	// Formats of numbers and units only: no words to translate.
	"send.rate.unit": true, "fmt.datetime": true,
	// A quarter as "Q3 2025", which Filipino writes as English does.
	"send.survey.quarter": true,
}

// TestCatalogsTranslated fails on a translation that is the English text unchanged (a
// message someone forgot, like Filipino "Expired"), unless sameAsEnglish lists it.
func TestCatalogsTranslated(t *testing.T) {
	en := readCatalog(t, "en")
	for _, l := range Locales[1:] {
		for id, msg := range readCatalog(t, l.Code) {
			obj, _ := msg.(map[string]any)
			if src, ok := en[id].(string); ok && obj["other"] == src && !sameAsEnglish[id] {
				t.Errorf("catalog %s: %s is still English: %q", l.Code, id, src)
			}
		}
	}
}

// TestSignalNames: every fraud signal and hold reason the moderation and reviews packages
// write has words in the catalogs (the moderator console shows them, not the identifiers).
func TestSignalNames(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{moderation.SigDuplicate, moderation.SigBurst, moderation.SigSharedFP, moderation.SigNewAccount,
		moderation.SigSelfReview, moderation.SigVelocity, moderation.SigGeneric, moderation.SigSwing,
		moderation.SigCoordinated, moderation.SigSharedNet, "screening_failed", "abusive_language", "fraud_score", "awaiting_screening", "screening_returned_no_text"} {
		if !c.Has("signal." + name) {
			t.Errorf("active.en.json lacks signal.%s", name)
		}
	}
}

// TestRegulatorNames: every regulator Kawan knows has a name in the catalogs.
func TestRegulatorNames(t *testing.T) {
	en := readCatalog(t, "en")
	for code := range kawan.Regulators {
		if _, ok := en["regulator."+code]; !ok {
			t.Errorf("active.en.json lacks regulator.%s (the name of %s)", code, kawan.Regulators[code].Name)
		}
	}
}

var placeholderRE = regexp.MustCompile(`\{\{\.[A-Za-z]+\}\}`)

func placeholders(src any) []string {
	s, _ := src.(string)
	if m, ok := src.(map[string]any); ok {
		s, _ = m["other"].(string)
	}
	return placeholderRE.FindAllString(s, -1)
}

// TestTemplateKeysExist fails when a template asks for a message English does not have.
func TestTemplateKeysExist(t *testing.T) {
	en := readCatalog(t, "en")
	files, _ := templateFS.ReadDir("templates")
	keyRE := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	n := 0
	for _, f := range files {
		b, _ := templateFS.ReadFile("templates/" + f.Name())
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := en[m[1]]; !ok {
				t.Errorf("%s uses message %q, which active.en.json lacks", f.Name(), m[1])
			}
		}
	}
	if n < 20 {
		t.Fatalf("found only %d message uses in templates; pattern broken?", n)
	}
	for _, code := range []int{400, 401, 403, 404, 413, 429, 500, 503} {
		for _, k := range []string{errTitleKey(code), errMessageKey(code)} {
			if _, ok := en[k]; !ok {
				t.Errorf("error page message %q missing", k)
			}
		}
	}
}

func TestNegotiate(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		url, cookie, accept string
		want                string
		explicit            bool
	}{
		{"/", "", "", "en", false},
		{"/", "", "ne-NP,ne;q=0.9,en;q=0.5", "ne", false},
		{"/", "", "tl-PH", "fil", false}, // Tagalog speakers get Filipino
		{"/", "", "de-DE", "en", false},  // unsupported: English
		{"/", "km", "ne", "km", false},   // the cookie beats Accept-Language
		{"/?lang=my", "km", "ne", "my", true},
		{"/?lang=xx", "th", "", "th", false}, // an unknown choice is ignored
		{"/", "bogus", "vi", "vi", false},
		{"/", "", strings.Repeat("en,", 400), "en", false},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", tc.url, nil)
		if tc.cookie != "" {
			r.Header.Set("Cookie", langCookie+"="+tc.cookie)
		}
		if tc.accept != "" {
			r.Header.Set("Accept-Language", tc.accept)
		}
		l, explicit := c.negotiate(r)
		if l.Code != tc.want || explicit != tc.explicit {
			t.Errorf("%s cookie=%q accept=%q: got %s explicit=%v, want %s %v", tc.url, tc.cookie, tc.accept, l.Code, explicit, tc.want, tc.explicit)
		}
	}
}

func TestFormatting(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	f := &Frontend{cat: c}
	v := func(code string) *view { l, _ := localeByCode(code); return &view{f: f, Loc: l} }
	cases := []struct {
		got, want string
	}{
		{v("en").Money("1234567.5", "PHP"), "PHP\u00a01,234,567.50"},
		{v("id").Money("1234567.5", "IDR"), "IDR\u00a01.234.567,50"},
		{v("ne").Money("1500", "NPR"), "NPR\u00a0१,५००.००"},
		{v("my").Num(2026), "၂,၀၂၆"},
		{v("en").Money("15000", "JPY"), "JPY\u00a015,000"},
		{v("en").Money("12.345", "KWD"), "KWD\u00a012.345"},
		{v("vi").Num("0.1"), "0,1"},
		{v("en").Num("-3.25"), "-3.25"},
		// exact beyond float64 precision
		{v("en").Money("999999999999.99", "SGD"), "SGD\u00a0999,999,999,999.99"},
		{v("en").Dec("4.56789", 2), "4.57"},
		{v("en").Date(time.Date(2026, 3, 2, 23, 0, 0, 0, time.UTC)), "2 March 2026"},
		{v("ne").Date(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)), "२०२६ मार्च २"},
		{v("vi").Date(time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)), "9 tháng 11, 2026"},
		{v("fil").Date(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)), "Enero 5, 2026"},
		{v("th").Num(decimal.RequireFromString("1234.5")), "1,234.5"},
		// CLDR grouping: Nepali in lakhs and crores ("#,##,##0.###"), the others in threes,
		// each with its own separators (km and vi: "." groups, "," decimals).
		{v("ne").Money("134757.14", "NPR"), "NPR\u00a0१,३४,७५७.१४"},
		{v("ne").Num(123456789), "१२,३४,५६,७८९"},
		{v("ne").Num(1234), "१,२३४"},
		{v("ne").Num(-100000), "-१,००,०००"},
		{v("ne").Num(999), "९९९"},
		{v("my").Money("1234567.5", "MMK"), "MMK\u00a0၁,၂၃၄,၅၆၇.၅၀"},
		{v("km").Num("1234567.25"), "1.234.567,25"},
		{v("vi").Money("1234567", "VND"), "VND\u00a01.234.567"},
		{v("th").Money("1234567.5", "THB"), "THB\u00a01,234,567.50"},
		{v("fil").Num(1234567), "1,234,567"},
		{v("id").Num(-1234567), "-1.234.567"},
		// past int64: still grouped, still exact
		{v("ne").Num("12345678901234567890123.5"), "१२,३४,५६,७८,९०,१२,३४,५६,७८,९०,१२३.५"},
	}
	for i, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("case %d: got %q, want %q", i, tc.got, tc.want)
		}
	}
}

func TestSafeLocalPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/": true, "/agencies?q=x": true, "//evil.example": false, "/\\evil": false,
		"https://evil.example": false, "": false, "/a\r\nSet-Cookie: x": false,
	} {
		if got := safeLocalPath(p); got != want {
			t.Errorf("safeLocalPath(%q) = %v", p, got)
		}
	}
}

func BenchmarkT(b *testing.B) {
	c, err := loadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	l, _ := localeByCode("ne")
	b.ReportAllocs()
	for b.Loop() {
		_ = c.T(l, "home.safe.q", nil)
	}
}

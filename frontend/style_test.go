package frontend

import (
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestPaletteContrast documents and enforces the contrast of every text/background pair
// the stylesheet uses (WCAG 2.x AA: 4.5:1 for body text).
func TestPaletteContrast(t *testing.T) {
	css, err := staticFS.ReadFile("static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z]+):(#[0-9a-f]{6})`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	vars["white"] = "#ffffff"
	pairs := []struct{ fg, bg string }{
		{"ink", "bg"}, {"muted", "bg"}, {"brand", "bg"}, {"accent", "bg"}, {"good", "bg"}, {"bad", "bg"},
		{"warn", "warnbg"}, {"ink", "soft"}, {"brand", "soft"}, {"muted", "soft"},
		{"white", "brand"}, {"white", "good"}, {"white", "bad"}, {"white", "muted"},
	}
	for _, p := range pairs {
		fg, bg := vars[p.fg], vars[p.bg]
		if fg == "" || bg == "" {
			t.Errorf("palette lacks --%s or --%s", p.fg, p.bg)
			continue
		}
		r := contrast(fg, bg)
		t.Logf("%-6s %s on %-6s %s: %.2f:1", p.fg, fg, p.bg, bg, r)
		if r < 4.5 {
			t.Errorf("%s on %s: contrast %.2f:1 < 4.5:1", p.fg, p.bg, r)
		}
	}
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(0) + 0.7152*ch(1) + 0.0722*ch(2)
}

func TestCSRF(t *testing.T) {
	f := &Frontend{}
	e := echo.New()
	// A GET hands out a token in an HttpOnly cookie.
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
	tok := f.csrfToken(c)
	if !validToken(tok) || f.csrfToken(c) != tok {
		t.Fatalf("token %q not stable within a request", tok)
	}
	ck := rec.Header().Get("Set-Cookie")
	if !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
		t.Errorf("cookie %q", ck)
	}
	post := func(cookie, field, site string) error {
		form := url.Values{csrfField: {field}}
		r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: csrfCookie, Value: cookie})
		}
		if site != "" {
			r.Header.Set("Sec-Fetch-Site", site)
		}
		return f.checkCSRF(e.NewContext(r, httptest.NewRecorder()))
	}
	other := strings.Repeat("A", 43)
	for name, err := range map[string]error{
		"no cookie":       post("", tok, ""),
		"no field":        post(tok, "", ""),
		"other token":     post(tok, other, ""),
		"cross-site post": post(tok, tok, "cross-site"),
		"malformed":       post("x", "x", ""),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := post(tok, tok, "same-origin"); err != nil {
		t.Errorf("matching token refused: %v", err)
	}
}

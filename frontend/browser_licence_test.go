package frontend_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/app"
)

// localeText reads one plain message of a locale's catalog (what the page must say).
func localeText(t *testing.T, lang, key string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("locales", "active."+lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]json.RawMessage
	if err := json.Unmarshal(raw, &cat); err != nil {
		t.Fatal(err)
	}
	var s string
	if json.Unmarshal(cat[key], &s) == nil {
		return s
	}
	var obj struct{ Other string }
	if err := json.Unmarshal(cat[key], &obj); err != nil || obj.Other == "" {
		t.Fatalf("%s: no message %s", lang, key)
	}
	return obj.Other
}

// TestBrowserLicenceUntouched checks a licence in each of the 8 languages without touching
// the regulator select, at 320 and 360 px, with JavaScript on and off: the form starts on
// the reader's country's regulator (every regulator in English), so a worker who types a
// licensed demo agency's number is told it is licensed.
func TestBrowserLicenceUntouched(t *testing.T) {
	bctx := browser(t)
	s := newSite(t, nil)
	if s.app.Agencies == nil {
		t.Skip("agencies area not wired")
	}
	ctx := context.Background()
	now := time.Now()
	demo := agencies.DemoAgencies(app.DemoAgencyCount, 2026, now)
	if _, err := s.app.Agencies.LoadDemo(ctx, demo); err != nil {
		t.Fatal(err)
	}
	// A licensed demo agency per regulator: one active, in-date licence and no sanction.
	licensed := map[string]string{}
	for _, in := range demo {
		if len(in.Licences) != 1 || len(in.Sanctions) > 0 {
			continue
		}
		l := in.Licences[0]
		if l.Status != kawan.LicenceActive || (!l.ValidTo.IsZero() && l.ValidTo.Before(now.AddDate(0, 1, 0))) || licensed[l.Regulator] != "" {
			continue
		}
		res, err := s.app.Agencies.CheckLicence(ctx, l.Regulator, l.Number)
		if err == nil && res.Valid && res.Agency != nil && res.Agency.Standing.Standing == kawan.StandingLicensed {
			licensed[l.Regulator] = l.Number
		}
	}
	cases := []struct{ lang, regulator, select_ string }{
		{"en", "NP-DOFE", "any"}, {"fil", "PH-DMW", "PH-DMW"}, {"id", "ID-BP2MI", "ID-BP2MI"}, {"ne", "NP-DOFE", "NP-DOFE"},
		{"my", "MM-MOL", "MM-MOL"}, {"km", "KH-MLVT", "KH-MLVT"}, {"th", "TH-DOE", "TH-DOE"}, {"vi", "VN-DOLAB", "VN-DOLAB"},
	}
	for _, jsOff := range []bool{false, true} {
		for _, width := range []int64{320, 360} {
			for _, tc := range cases {
				name := tc.lang + map[bool]string{false: " js", true: " nojs"}[jsOff] + " " + map[int64]string{320: "320", 360: "360"}[width]
				t.Run(name, func(t *testing.T) {
					number := licensed[tc.regulator]
					if number == "" {
						t.Skipf("no licensed demo agency under %s", tc.regulator)
					}
					tctx := tab(t, bctx, jsOff)
					must(t, chromedp.Do(tctx, chromedp.EmulateViewport(width, 740),
						chromedp.Navigate(s.srv.URL+"/licence?lang="+tc.lang), chromedp.WaitReady(chromedp.ID("l-num"))))
					if got := run(t, tctx, chromedp.Evaluate[string](`document.getElementById("l-reg").value`)); got != tc.select_ {
						t.Errorf("the form starts on %q, want %q", got, tc.select_)
					}
					// As printed, in lower case with spaces: the check normalises it.
					typed := strings.ToLower(strings.ReplaceAll(number, "-", " "))
					must(t, chromedp.Do(tctx, chromedp.SendKeys(chromedp.ID("l-num"), typed),
						chromedp.Click(chromedp.CSS(`main form button`)), chromedp.WaitReady(chromedp.ID("verdict"))))
					verdict := run(t, tctx, chromedp.Text(chromedp.ID("verdict")))
					if want := localeText(t, tc.lang, "licence.v.good"); !strings.Contains(verdict, want) {
						t.Errorf("typed %q: verdict %q, want %q", typed, verdict, want)
					}
					if got := htmlLang(t, tctx); got != tc.lang {
						t.Errorf("lang %q", got)
					}
					audit(t, tctx, "licence "+name)
					if tc.lang == "ne" && width == 360 && !jsOff {
						screenshot(t, tctx, "licence-untouched-ne")
						if buf, err := chromedp.Run(tctx, chromedp.FullScreenshot(100)); err == nil {
							_ = os.MkdirAll("/tmp/shots", 0o755)
							_ = os.WriteFile("/tmp/shots/licence-ne.png", buf, 0o644)
							_ = os.WriteFile("/tmp/shots/h-sources-licence-ne.png", buf, 0o644)
						}
					}
				})
			}
		}
	}
}

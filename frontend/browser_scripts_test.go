package frontend_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSearchInTheReadersScript: a worker types an agency's name in Devanagari or
// Burmese into the home page's agency search of a page in that language, at 320 and 360 px, with
// JavaScript on and off, and finds the agency that is named in Latin letters (issue 18).
func TestBrowserSearchInTheReadersScript(t *testing.T) {
	bctx := browser(t)
	s := newSite(t, nil)
	if s.app.Agencies == nil {
		t.Skip("agencies area not wired")
	}
	ids := s.seedAgencies(t)
	cases := []struct{ lang, q string }{{"ne", "हिमालय म्यानपावर"}, {"my", "မန်ပါဝါ"}}
	for _, jsOff := range []bool{false, true} {
		for _, width := range []int64{320, 360} {
			for _, tc := range cases {
				name := tc.lang + map[bool]string{false: " js", true: " nojs"}[jsOff] + map[int64]string{320: " 320", 360: " 360"}[width]
				t.Run(name, func(t *testing.T) {
					ctx := tabAt(t, bctx, jsOff, width)
					// From the home page's search box (the results page is the first with #results).
					must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/?lang="+tc.lang), chromedp.WaitReady(chromedp.ID("home-q")),
						chromedp.SendKeys(chromedp.ID("home-q"), tc.q),
						chromedp.Click(chromedp.CSS(`main form[role=search] button`)),
						chromedp.WaitReady(chromedp.ID("results")),
						chromedp.WaitReady(chromedp.CSS(`main a[href="/agencies/`+ids.himalaya+`"]`)),
					))
					if got := htmlLang(t, ctx); got != tc.lang {
						t.Errorf("page lang %q", got)
					}
					first := run(t, ctx, chromedp.Evaluate[string](`(() => { const a = document.querySelector("main li.card h3 a"); return a ? a.getAttribute("href") : ""; })()`))
					if !strings.HasPrefix(first, "/agencies/") || (tc.lang == "ne" && first != "/agencies/"+ids.himalaya) {
						t.Errorf("first result %q, want the agency named in Latin letters (%s)", first, ids.himalaya)
					}
					if w := run(t, ctx, chromedp.Evaluate[float64](`document.scrollingElement.scrollWidth - innerWidth`)); w > 0 {
						t.Errorf("scrolls sideways by %v px", w)
					}
					audit(t, ctx, "search "+name)
				})
			}
		}
	}
}

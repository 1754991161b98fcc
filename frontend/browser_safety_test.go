package frontend_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kawan-labs/kawan/frontend"
)

// tabAt is tab at a phone width (320 or 360 px).
func tabAt(t *testing.T, bctx context.Context, jsOff bool, width int64) context.Context {
	t.Helper()
	ctx := tab(t, bctx, jsOff)
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(width, 740)))
	return ctx
}

// TestBrowserSafety drives Chromium through the answers a worker comes for (issue 18): the
// rights page of every destination, help with no filter chosen, and a review sent without
// touching country or currency, at 320 and 360 px, JavaScript on and off, every page
// audited (labels, contrast, headings, no sideways scroll).
func TestBrowserSafety(t *testing.T) {
	bctx := browser(t)
	s := newSite(t, nil)
	if s.app.Help == nil {
		t.Skip("help area not wired")
	}
	if _, err := s.app.Help.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ids seeded
	if s.app.Agencies != nil {
		ids = s.seedAgencies(t)
	}
	dests := []string{"AE", "SA", "QA", "KW", "BH", "OM", "MY", "SG", "HK", "TW", "KR", "JP", "TH"}
	for _, width := range []int64{320, 360} {
		for _, jsOff := range []bool{false, true} {
			mode := fmt.Sprintf("%dpx js=%v", width, !jsOff)
			t.Run("rights for each destination "+mode, func(t *testing.T) {
				ctx := tabAt(t, bctx, jsOff, width)
				for i, d := range dests {
					l := frontend.Locales[i%len(frontend.Locales)].Code
					must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/rights/"+d+"?lang="+l), chromedp.WaitReady(chromedp.ID("t-complaints"))))
					n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('main p.text[lang="`+l+`"]').length`))
					tel := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.emergency a[href^="tel:"]').length`))
					first := run(t, ctx, chromedp.Evaluate[string](`document.querySelector("main h1 + section") ? document.querySelector("main h1 + section").className : ""`))
					if n != 6 || tel == 0 || first != "emergency" {
						t.Errorf("/rights/%s [%s]: %d sections in %s, %d emergency numbers, section after h1 %q", d, l, n, l, tel, first)
					}
					audit(t, ctx, "rights "+d+" "+l+" "+mode)
					if width == 320 && d == "QA" {
						screenshot(t, ctx, "rights-QA-"+l+"-320")
					}
				}
			})
			t.Run("help with no filter "+mode, func(t *testing.T) {
				ctx := tabAt(t, bctx, jsOff, width)
				for _, l := range frontend.Locales {
					must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/help?lang="+l.Code), chromedp.WaitReady(chromedp.ID("directory"))))
					n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("main article.card").length`))
					tel := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.emergency a[href^="tel:"]').length`))
					if n < 3 || tel < 13 {
						t.Errorf("/help [%s]: %d entries, %d emergency numbers before any search", l.Code, n, tel)
					}
					audit(t, ctx, "help "+l.Code+" "+mode)
					if width == 320 && (l.Code == "ne" || l.Code == "th" || l.Code == "vi") {
						screenshot(t, ctx, "help-"+l.Code+"-320")
					}
				}
				// "Find help" with every filter on Any lists everyone.
				must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/help?lang=en"), chromedp.WaitReady(chromedp.ID("directory")),
					chromedp.Click(chromedp.CSS(`form[action^="/help"] button`)), chromedp.WaitReady(chromedp.CSS(`p[role=status]`))))
				if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("main article.card").length`)); n < 10 {
					t.Errorf("Find help with every filter on Any: %d entries", n)
				}
				audit(t, ctx, "help all "+mode)
			})
			t.Run("a review without touching country or currency "+mode, func(t *testing.T) {
				if ids.himalaya == "" || s.app.Auth == nil {
					t.Skip("agencies or auth area not wired")
				}
				ctx := tabAt(t, bctx, jsOff, width)
				user := fmt.Sprintf("w%d%v", width, jsOff)
				must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/register?lang=en&next=/agencies/"+ids.himalaya+"/review"),
					chromedp.SendKeys(chromedp.ID("r-user"), user),
					chromedp.SendKeys(chromedp.ID("r-pass"), "correct horse battery"),
					chromedp.SendKeys(chromedp.ID("r-pass2"), "correct horse battery"),
					chromedp.Click(chromedp.CSS(`main form button`)), chromedp.WaitReady(chromedp.ID("w-text"))))
				audit(t, ctx, "review form "+mode)
				steps14 := func() {
					must(t, chromedp.Do(ctx,
						chromedp.Click(chromedp.ID("overall-4")), chromedp.Click(chromedp.ID("fees_honesty-4")), chromedp.Click(chromedp.ID("contract_match-4")),
						chromedp.Click(chromedp.ID("treatment-4")), chromedp.Click(chromedp.ID("support-4")), chromedp.Click(chromedp.ID("rec-yes")),
						chromedp.SendKeys(chromedp.ID("w-text"), "Fair agency, the job matched the contract.")))
				}
				steps14()
				must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main form > button[type=submit]`)), chromedp.WaitReady(chromedp.ID("status"))))
				audit(t, ctx, "review sent "+mode)
				rs := s.ownReviews(t, user)
				if len(rs) != 1 || rs[0].Destination != "" || rs[0].Origin != "" || rs[0].SalaryReceived != nil || rs[0].FeesPaid != nil {
					t.Fatalf("untouched review recorded %+v", rs)
				}

				// A salary typed, then the destination chosen: with JavaScript the currency
				// picker follows it; without, the server uses it and says so.
				must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/agencies/"+ids.everest+"/review"), chromedp.WaitReady(chromedp.ID("w-text"))))
				steps14()
				must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("salary_received-amount"), "1200"),
					chromedp.SetValue(chromedp.ID("w-dest"), "QA"),
					chromedp.Evaluate[chromedp.Void](`document.getElementById("w-dest").dispatchEvent(new Event("change"))`)))
				cur := run(t, ctx, chromedp.Value(chromedp.ID("salary_received-cur")))
				if want := map[bool]string{false: "QAR", true: ""}[jsOff]; cur != want {
					t.Errorf("salary currency after choosing Qatar: %q, want %q", cur, want)
				}
				must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main form > button[type=submit]`)), chromedp.WaitReady(chromedp.ID("status"))))
				if main := run(t, ctx, chromedp.Text(chromedp.CSS("main"))); jsOff != strings.Contains(main, "you left the currency empty") {
					t.Errorf("status page (JS off: says the currency was taken from the destination): %q", main)
				}
				audit(t, ctx, "review sent with salary "+mode)
				for _, r := range s.ownReviews(t, user) {
					if r.AgencyID == ids.everest && (r.SalaryReceived == nil || r.SalaryReceived.Currency != "QAR" || r.Destination != "QA") {
						t.Errorf("salary recorded as %+v in %s", r.SalaryReceived, r.Destination)
					}
				}
			})
		}
	}
}

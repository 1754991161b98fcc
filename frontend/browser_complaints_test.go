package frontend_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserComplaintJourney: the worker's and the partner's journeys in real Chromium, in
// Nepali at 320 px with JavaScript off and in English at 360 px with it on. A worker without
// an account reports a problem from the agency's page, chooses a fictional partner, gets a
// case code and secret; the partner signs in, finds the case in its list, accepts it, writes
// to the worker, starts work and resolves it with "money recovered NPR 45,000"; the worker
// (also from a fresh browser, with the code and secret) sees every step, the outcome and the
// messages in their language. Every page passes the accessibility and 320 px audit.
func TestBrowserComplaintJourney(t *testing.T) {
	bctx := browser(t)
	s := newSite(t, nil)
	s.seedPartners(t)
	ids := s.seedAgencies(t)
	cases := []struct {
		lang    string
		width   int64
		jsOff   bool
		text    string
		reply   string
		amount  string // the recovered amount as the page shows it
		partner string
	}{
		{"ne", 320, true, "एजेन्सीले कानूनी सीमाभन्दा बढी शुल्क लियो र तलब रोक्यो।", "हामीले तपाईंको मुद्दा लियौं।", "NPR\u00a0४५,०००.००", "deskpartner"},
		{"en", 360, false, "The agency charged above the legal cap and held back my wages.", "We have taken up your case.", "NPR\u00a045,000.00", "shelterpartner"},
	}
	for _, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			w := tab(t, bctx, tc.jsOff)
			must(t, chromedp.Do(w, chromedp.EmulateViewport(tc.width, 740),
				chromedp.Navigate(s.srv.URL+"/agencies/"+ids.himalaya+"?lang="+tc.lang),
				chromedp.WaitReady(chromedp.ID("cmp-none")),
			))
			audit(t, w, "agency page with the complaints box "+tc.lang)
			must(t, chromedp.Do(w, chromedp.Click(chromedp.ID("cmp-link")), chromedp.WaitReady(chromedp.ID("complaint"))))
			if lang := htmlLang(t, w); lang != tc.lang {
				t.Fatalf("form in %q, want %q", lang, tc.lang)
			}
			audit(t, w, "complaint form "+tc.lang)
			partnerID := "fx-np-desk"
			if tc.partner == "shelterpartner" {
				partnerID = "fx-qa-shelter"
			}
			must(t, chromedp.Do(w,
				chromedp.Click(chromedp.ID("f-fees_above_cap")), chromedp.Click(chromedp.ID("f-wages_unpaid")),
				chromedp.SetValue(chromedp.ID("c-country"), "QA"), chromedp.SetValue(chromedp.ID("c-nat"), "NP"),
				chromedp.SendKeys(chromedp.ID("c-amount"), "150000"), chromedp.SetValue(chromedp.ID("c-cur"), "NPR"),
				chromedp.SendKeys(chromedp.ID("c-text"), tc.text),
				chromedp.Click(chromedp.CSS(`button[name="step"]`)),
				chromedp.WaitReady(chromedp.ID("p-"+partnerID)),
			))
			audit(t, w, "complaint form with partners "+tc.lang)
			must(t, chromedp.Do(w,
				chromedp.Click(chromedp.ID("p-"+partnerID)),
				chromedp.SendKeys(chromedp.ID("c-phone"), "+977 981 000 1234"),
				chromedp.Click(chromedp.ID("s-contact")),
				chromedp.Click(chromedp.ID("c-send")),
				chromedp.WaitReady(chromedp.ID("case-secret")),
			))
			audit(t, w, "complaint filed "+tc.lang)
			code := run(t, w, chromedp.Text(chromedp.ID("case-code")))
			secret := run(t, w, chromedp.Text(chromedp.ID("case-secret")))
			if !strings.HasPrefix(code, "KC-") || len(secret) < 20 {
				t.Fatalf("code %q secret %q", code, secret)
			}
			if tc.lang == "ne" {
				saveShot(t, w, "", "/tmp/shots/complaint-filed-ne.png")
			}
			must(t, chromedp.Do(w, chromedp.Click(chromedp.ID("case-link")), chromedp.WaitReady(chromedp.ID("case-state"))))
			if st := run(t, w, chromedp.Evaluate[string](`document.getElementById("case-state").dataset.state`)); st != "referred" {
				t.Fatalf("state %q", st)
			}
			audit(t, w, "case page referred "+tc.lang)

			// The partner's journey.
			p := tab(t, bctx, tc.jsOff)
			must(t, chromedp.Do(p, chromedp.EmulateViewport(tc.width, 740), chromedp.Navigate(s.srv.URL+"/signin?lang="+tc.lang)))
			signInTab(t, p, s.srv.URL, tc.partner, "fixture pass 2026")
			must(t, chromedp.Do(p, chromedp.Navigate(s.srv.URL+"/account"), chromedp.Click(chromedp.ID("partner-cases")),
				chromedp.WaitReady(chromedp.ID("case-"+code))))
			audit(t, p, "partner's cases "+tc.lang)
			must(t, chromedp.Do(p, chromedp.Click(chromedp.CSS(`#case-`+code+` a`)), chromedp.WaitReady(chromedp.ID("do-accept"))))
			audit(t, p, "partner's case page, referred "+tc.lang)
			must(t, chromedp.Do(p, chromedp.Click(chromedp.ID("do-accept")), chromedp.WaitReady(chromedp.ID("case-private"))))
			if got := run(t, p, chromedp.Text(chromedp.ID("case-private"))); !strings.Contains(got, "+977 981 000 1234") {
				t.Errorf("the accepting partner does not see the shared phone: %q", got)
			}
			// Each step waits for what only the next page has (the old page has the same forms).
			must(t, chromedp.Do(p, chromedp.SendKeys(chromedp.ID("m-text"), tc.reply), chromedp.Click(chromedp.ID("do-message")),
				chromedp.WaitReady(chromedp.CSS(`#case-messages li.card`)), chromedp.Click(chromedp.ID("do-work")),
				chromedp.WaitReady(chromedp.CSS(`#case-state[data-state="in_progress"]`)),
				chromedp.SetValue(chromedp.ID("r-outcome"), "money_recovered"),
				chromedp.SendKeys(chromedp.ID("r-amount"), "45000"), chromedp.SetValue(chromedp.ID("r-cur"), "NPR"),
			))
			audit(t, p, "partner's case page, in progress "+tc.lang)
			must(t, chromedp.Do(p, chromedp.Click(chromedp.ID("do-resolve")), chromedp.WaitReady(chromedp.ID("case-outcome"))))

			// The worker, in a fresh browser with only the code and the secret.
			w2 := tab(t, bctx, tc.jsOff)
			must(t, chromedp.Do(w2, chromedp.EmulateViewport(tc.width, 740),
				chromedp.Navigate(s.srv.URL+"/complaints/"+code+"?lang="+tc.lang),
				chromedp.WaitReady(chromedp.ID("o-code")),
			))
			audit(t, w2, "open a case "+tc.lang)
			must(t, chromedp.Do(w2, chromedp.SendKeys(chromedp.ID("o-code"), code), chromedp.SendKeys(chromedp.ID("o-secret"), secret),
				chromedp.Click(chromedp.CSS(`main form button`)), chromedp.WaitReady(chromedp.ID("case-steps"))))
			if st := run(t, w2, chromedp.Evaluate[string](`document.getElementById("case-state").dataset.state`)); st != "resolved" {
				t.Fatalf("state %q", st)
			}
			steps := run(t, w2, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#case-steps li")].map(li => li.dataset.to)`))
			if strings.Join(steps, " ") != "submitted referred accepted in_progress resolved" {
				t.Errorf("steps shown: %v", steps)
			}
			if got := run(t, w2, chromedp.Text(chromedp.ID("case-outcome"))); !strings.Contains(got, tc.amount) {
				t.Errorf("outcome %q lacks %q", got, tc.amount)
			}
			if got := run(t, w2, chromedp.Text(chromedp.ID("case-messages"))); !strings.Contains(got, tc.reply) {
				t.Errorf("messages %q lack the partner's", got)
			}
			must(t, chromedp.Do(w2, chromedp.SendKeys(chromedp.ID("m-text"), "धन्यवाद / thank you"), chromedp.Click(chromedp.ID("do-message")),
				chromedp.WaitReady(chromedp.CSS(`#case-messages li.card:nth-child(2)`))))
			if got := run(t, w2, chromedp.Text(chromedp.ID("case-messages"))); !strings.Contains(got, "धन्यवाद / thank you") {
				t.Errorf("the worker's message is not shown: %q", got)
			}
			audit(t, w2, "case page resolved "+tc.lang)
			if tc.lang == "ne" {
				saveShot(t, w2, "", "/tmp/shots/complaint-resolved-ne.png")
			}
		})
	}
}

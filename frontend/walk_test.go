package frontend_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/frontend"
	"github.com/kawan-labs/kawan/reviews"
)

// walkJS measures one rendered page: whether it scrolls sideways (and what sticks out),
// and which text nodes read as English outside any lang="en" element.
//
// The English heuristic: a text node is English when it holds two or more words of the
// English dictionary that make up at least half of its letters (a Filipino sentence with "day
// off" and "overtime" in it, or a Thai one naming the "Wage Protection System", is not), or is a
// single such word of four letters or more. The dictionary is
// every word of the English catalog plus a short list of common English words (walkDictionary),
// less the words the page's own catalog uses in its translations (so Filipino "at", "may" or
// Indonesian "data", "status" are not English there). Not counted: text inside an element with
// lang="en" (or another lang: a review's own language), inside translate="no" (proper names:
// agencies, providers, people), scripts and styles; words in capitals of up to five letters
// (currency and country codes, "SMS"); the allow-list (brand names). A snake_case identifier
// ("new_account") always counts: it is a program's word, not the reader's. It judges Latin letters
// only, so it cannot mistake Nepali for English, and it cannot see English written in another
// script.
const walkJS = `((dict, lang) => {
  const res = {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth, wide: [], english: []};
  if (res.scrollWidth > res.innerWidth) {
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.right > res.innerWidth + 0.5 && res.wide.length < 4) res.wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (typeof el.className === "string" && el.className ? "." + el.className.split(" ").join(".") : "") + " (" + Math.round(r.right) + "px): " + (el.textContent || "").trim().slice(0, 40));
    }
  }
  if (lang === "en") return res;
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (w.nextNode()) {
    const n = w.currentNode, text = n.textContent.replace(/\s+/g, " ").trim();
    if (!text) continue;
    const el = n.parentElement;
    if (!el || el.closest("script,style,[translate=no]")) continue;
    const l = el.closest("[lang]");
    if (l && l.lang.toLowerCase() !== lang) continue;
    const words = text.match(/[A-Za-z][A-Za-z'’]*/g) || [];
    const en = words.filter(x => x.length >= 2 && !(x.length <= 5 && x === x.toUpperCase()) && dict[x.toLowerCase()]);
    const ident = /(^|[^\w])[a-z]+(_[a-z]+)+($|[^\w])/.test(text);
    const letters = (text.match(/\p{L}/gu) || []).length, enLetters = en.reduce((a, x) => a + x.length, 0);
    if (ident || (en.length >= 2 && 2 * enLetters >= letters) || (en.length === 1 && words.length === 1 && en[0].length >= 4)) res.english.push(text.slice(0, 90));
  }
  return res;
})`

type walkResult struct {
	ScrollWidth float64  `json:"scrollWidth"`
	InnerWidth  float64  `json:"innerWidth"`
	Wide        []string `json:"wide"`
	English     []string `json:"english"`
}

// walkAllow are words the heuristic never counts: the product's and other brands' names.
var walkAllow = []string{"kawan", "whatsapp", "viber", "facebook", "messenger", "telegram", "imo", "line",
	"gcash", "paymaya", "esewa", "khalti", "wave", "kbzpay", "bkash", "wise", "remitly", "western", "union", "moneygram", "spam"}

// commonEnglish are frequent English words that a stray sentence would contain even where the
// English catalog does not.
const commonEnglish = `the and of to in for with on at by from is are was were be been has have had not no
or but if this that these those it its an as all any each every which who what when where how our your their
his her they we you he she them us will would can could should may might must do does did done per than then
there here only also more most less such very just about after before under over into out up down new old`

var wordRE = regexp.MustCompile(`[A-Za-z][A-Za-z'’]*`)

// walkDictionary is the English heuristic's dictionary for a page in locale code.
func walkDictionary(t *testing.T, code string) map[string]bool {
	t.Helper()
	read := func(c string) map[string]any {
		b, err := os.ReadFile("locales/active." + c + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	text := func(v any) string {
		switch x := v.(type) {
		case string:
			return x
		case map[string]any:
			var parts []string
			for _, k := range []string{"zero", "one", "two", "few", "many", "other"} {
				if s, ok := x[k].(string); ok {
					parts = append(parts, s)
				}
			}
			return strings.Join(parts, " ")
		}
		return ""
	}
	placeholder := regexp.MustCompile(`\{\{[^}]*\}\}`)
	words := func(s string) []string { return wordRE.FindAllString(placeholder.ReplaceAllString(s, " "), -1) }
	dict := map[string]bool{}
	en := read("en")
	for _, v := range en {
		for _, w := range words(text(v)) {
			dict[strings.ToLower(w)] = true
		}
	}
	for _, w := range strings.Fields(commonEnglish) {
		dict[w] = true
	}
	// Words the locale itself uses in its translations are that language's words too.
	for id, v := range read(code) {
		tr := text(v)
		if tr == text(en[id]) && len(words(tr)) > 1 {
			// An English sentence left untranslated teaches nothing. A single word the
			// language writes as English does (Indonesian "November", "Status") counts as
			// the language's; TestCatalogsTranslated catches forgotten ones ("Expired").
			continue
		}
		for _, w := range words(tr) {
			delete(dict, strings.ToLower(w))
		}
	}
	for _, w := range walkAllow {
		delete(dict, w)
	}
	return dict
}

// TestSiteWalk walks every page, public and signed in (a worker's account and reviews, the
// review form, the moderator's queue and an item), in each of the eight languages at 320 px,
// and fails on any page that scrolls sideways or shows English outside lang="en" in a
// page of another language, and runs axe-core (vendored in testdata) on every page (the
// whole rule set in English, the language- and text-dependent rules in the others; all of
// them everywhere with KAWAN_AXE_ALL=1), failing on any serious or critical violation. One Chromium, one tab per person, reused
// across pages.
func TestSiteWalk(t *testing.T) {
	bctx := browser(t)
	s := newSite(t, nil)
	public, ids := sitePages(s)
	if s.app.Help != nil {
		for _, p := range s.app.Help.RightsPages() {
			public = append(public, "/rights/"+p.Destination)
		}
		public = append(public, "/help?country=SA", "/help?nationality=NP")
	}
	public = append(public, "/open-data", "/no-such-page")
	type person struct {
		name, user, pass string
		role             kawan.Role
		paths            []string
	}
	var people []person
	if s.app.Auth != nil && ids.everest != "" && s.app.Moderation != nil {
		heldID := s.heldReview(t, ids.everest)
		people = []person{
			{"worker", "walker2026", "walking pass 2026", kawan.RoleWorker, []string{"/account", "/account?welcome=1", "/account/reviews",
				"/agencies/" + ids.everest + "/review", "/agencies/" + ids.everest + "/represent", "/reviews/" + heldID + "/flag"}},
			{"moderator", "walkmod2026", "moderator walk 2026", kawan.RoleModerator, []string{"/moderation",
				"/moderation?kind=held", "/moderation/reviews/" + heldID}},
			{"admin", "walkadmin2026", "admin walk 2026", kawan.RoleAdmin, []string{"/admin/feeds"}},
		}
	}
	check := func(ctx context.Context, who, path, code string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Navigate(s.srv.URL+withLang(path, code))); err != nil {
			t.Errorf("%s %s [%s]: %v", who, path, code, err)
			return
		}
		dict, _ := json.Marshal(walkDictionaries[code])
		res, err := chromedp.Run(ctx, chromedp.Evaluate[walkResult](fmt.Sprintf("%s(%s, %q)", walkJS, dict, code)))
		if err != nil {
			t.Errorf("%s %s [%s]: %v", who, path, code, err)
			return
		}
		if res.ScrollWidth > res.InnerWidth {
			t.Errorf("%s [%s]: scrolls sideways at %.0f px (%.0f px wide): %s", path, code, res.InnerWidth, res.ScrollWidth, strings.Join(res.Wide, "; "))
		}
		for _, e := range res.English {
			t.Errorf("%s [%s]: English without lang=\"en\": %q", path, code, e)
		}
		// Every page gets axe: the whole rule set in English (about a second a page), and in
		// the other languages the rules that depend on the words and the language (the layout
		// and colours are the same), unless KAWAN_AXE_ALL=1 asks for the whole set everywhere.
		var rules []string
		if code != "en" && os.Getenv("KAWAN_AXE_ALL") != "1" {
			rules = axeTextRules
		}
		for _, v := range axeCheck(t, ctx, rules...) {
			t.Errorf("%s [%s]: axe %s", path, code, v)
		}
	}
	walkDictionaries = map[string]map[string]bool{}
	for _, l := range frontend.Locales {
		walkDictionaries[l.Code] = walkDictionary(t, l.Code)
	}
	start := time.Now()
	n := 0
	ctx := walkTab(t, bctx)
	// The axe check finds what it should: an unlabelled field and an image without text.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>x</title><main><h1>x</h1><input name="q"><img src="/x.png"></main></html>`))
	}))
	defer bad.Close()
	must(t, chromedp.Do(ctx, chromedp.Navigate(bad.URL)))
	if got := strings.Join(axeCheck(t, ctx), "\n"); !strings.Contains(got, "critical label") || !strings.Contains(got, "critical image-alt") {
		t.Errorf("axe missed an unlabelled field or an image without alt text; it said:\n%s", got)
	}
	for _, l := range frontend.Locales {
		for _, p := range public {
			check(ctx, "visitor", p, l.Code)
			n++
		}
	}
	for _, p := range people {
		if _, err := s.app.Auth.CreateUser(context.Background(), auth.Registration{Username: p.user, Password: p.pass}, p.role, "", false); err != nil {
			t.Fatal(err)
		}
		ctx := walkTab(t, bctx)
		must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/signin?lang=en"),
			chromedp.SendKeys(chromedp.ID("s-user"), p.user), chromedp.SendKeys(chromedp.ID("s-pass"), p.pass),
			chromedp.Click(chromedp.CSS(`main form button`)), chromedp.WaitReady(chromedp.CSS(`nav a[href="/account"]`))))
		for _, l := range frontend.Locales {
			for i, path := range p.paths {
				check(ctx, p.name, path, l.Code)
				if l.Code == "ne" {
					screenshot(t, ctx, fmt.Sprintf("walk-%s-%d-ne", p.name, i))
				}
				n++
			}
		}
	}
	t.Logf("walked %d pages in %s (loaded machine)", n, time.Since(start).Round(time.Millisecond))
}

var walkDictionaries map[string]map[string]bool

// walkTab is a tab at 320×640 that lives for the whole walk (a timeout per page, not per tab).
func walkTab(t *testing.T, bctx context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(320, 640)))
	return ctx
}

// heldReview submits a review of agency id by a brand-new account, which the screener holds
// for a moderator, and returns its ID.
func (s *site) heldReview(t testing.TB, id string) string {
	t.Helper()
	o := 2
	in := reviews.Submission{
		Ratings:        reviews.RatingsInput{Overall: &o, FeesHonesty: &o, ContractMatch: &o, Treatment: &o, Support: &o},
		WouldRecommend: ptr(false),
		Origin:         "NP", Destination: "SA", Sector: "hospitality",
		Text: "They kept my passport for two months and asked for more money before the flight. (fictional)",
		Lang: "en",
	}
	res, err := s.app.Reviews.Submit(context.Background(), id, reviews.Author{UserID: "walk-new-worker", Since: time.Now(), ClientFP: "walk-fp"}, in, "")
	if err != nil {
		t.Fatalf("submit review: %v", err)
	}
	return res.ID
}

// axeSource is axe-core (MPL-2.0, vendored from npm so that the test needs no network).
var axeSource = func() string {
	b, err := os.ReadFile("testdata/axe.min.js")
	if err != nil {
		return ""
	}
	return string(b)
}()

// axeTextRules are the axe rules whose outcome can differ between translations of one page:
// the page's language, its title, and the accessible names of fields, buttons, links, images
// and ARIA widgets (an empty or missing translation would fail them).
var axeTextRules = []string{"html-has-lang", "html-lang-valid", "html-xml-lang-mismatch", "valid-lang", "document-title",
	"label", "button-name", "input-button-name", "link-name", "select-name", "image-alt", "input-image-alt", "svg-img-alt",
	"aria-input-field-name", "aria-command-name", "aria-toggle-field-name", "aria-meter-name", "aria-progressbar-name",
	"aria-tooltip-name", "frame-title", "object-alt", "role-img-alt", "summary-name", "duplicate-id-aria", "list", "listitem"}

// axeCheck runs axe-core (only the given rules, when any) on the loaded page and returns its
// serious and critical violations.
func axeCheck(t *testing.T, ctx context.Context, rules ...string) []string {
	t.Helper()
	if axeSource == "" {
		t.Fatal("testdata/axe.min.js missing")
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		t.Fatalf("load axe: %v", err)
	}
	opts := `{resultTypes: ["violations"]}`
	if len(rules) > 0 {
		b, _ := json.Marshal(rules)
		opts = `{resultTypes: ["violations"], runOnly: {type: "rule", values: ` + string(b) + `}}`
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, `+opts+`).then(r =>
	  r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => v.impact + " " + v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Errorf("axe: %v", err)
	}
	return out
}

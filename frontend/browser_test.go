package frontend_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/auth"
)

// chromiumPath finds the browser: KAWAN_CHROMIUM, /usr/bin/chromium, or chromium on PATH.
func chromiumPath() string {
	if p := os.Getenv("KAWAN_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts one headless Chromium for the whole test (its subtests each open a
// tab) and stops it when the test ends. It skips only when no browser is installed.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("browser tests skipped: no Chromium at /usr/bin/chromium (install it: apt-get install -y chromium; CI's .ci/run does)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.WindowSize(360, 740),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start Chromium at %s: %v", path, err)
	}
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	return bctx
}

// tab opens a fresh tab in its own browser context (no cookies shared with other tabs)
// at a 360×740 phone viewport, optionally with JavaScript off.
func tab(t *testing.T, bctx context.Context, jsOff bool) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tctx, tcancel := context.WithTimeout(ctx, 30*time.Second)
	t.Cleanup(tcancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740)); err != nil {
		t.Fatal(err)
	}
	if jsOff {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
	}
	return tctx
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// screenshot saves a full-page PNG under artifacts/screens (gitignored) for people to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join("..", "artifacts", "screens")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("screenshot dir: %v", err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
}

// auditJS checks what a person with a screen reader, a keyboard or poor eyesight needs,
// and returns the problems found: a lang attribute; landmarks; one h1 and no skipped
// heading levels; a label for every field; a name for every link and button; unique
// ids; decorative SVG hidden or image SVG named; text contrast (WCAG AA: 4.5:1, 3:1 for
// large text) computed from the rendered colours; no sideways scrolling at phone width.
const auditJS = `(() => {
  const p = [];
  const html = document.documentElement;
  if (!html.lang) p.push("html has no lang");
  for (const sel of ["header", "nav", "main", "footer"]) if (!document.querySelector(sel)) p.push("no <" + sel + "> landmark");
  const hs = [...document.querySelectorAll("h1,h2,h3,h4,h5,h6")];
  if (document.querySelectorAll("h1").length !== 1) p.push("want exactly one h1, have " + document.querySelectorAll("h1").length);
  let last = 0;
  for (const h of hs) { const n = +h.tagName[1]; if (last && n > last + 1) p.push("heading skips from h" + last + " to h" + n + ": " + h.textContent.trim()); last = n; }
  for (const el of document.querySelectorAll("input,select,textarea")) {
    if (["hidden","submit","button"].includes(el.type)) continue;
    if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) p.push("field without label: " + (el.name || el.id));
  }
  for (const el of document.querySelectorAll("a[href],button")) {
    const name = (el.textContent || "").trim() || el.getAttribute("aria-label") || el.getAttribute("title");
    if (!name) p.push("unnamed " + el.tagName.toLowerCase() + ": " + el.outerHTML.slice(0, 80));
  }
  const ids = {};
  for (const el of document.querySelectorAll("[id]")) { if (ids[el.id]) p.push("duplicate id " + el.id); ids[el.id] = 1; }
  for (const svg of document.querySelectorAll("svg")) {
    const hidden = svg.getAttribute("aria-hidden") === "true";
    const named = svg.getAttribute("role") === "img" && (svg.getAttribute("aria-label") || svg.getAttribute("aria-labelledby") || svg.querySelector("title"));
    if (!hidden && !named) p.push("svg neither hidden nor named");
  }
  const rgb = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null; const v = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return {r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1}; };
  const lum = c => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const bgOf = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const t = walker.currentNode; if (!t.textContent.trim()) continue;
    const el = t.parentElement; if (!el || seen.has(el)) continue; seen.add(el);
    if (el.closest("svg")) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === "hidden" || cs.display === "none" || el.getClientRects().length === 0) continue;
    const r = el.getBoundingClientRect(); if (r.right < 0 || r.bottom < 0) continue; // off-screen skip link
    const fg = rgb(cs.color), bg = bgOf(el); if (!fg) continue;
    const l1 = lum(fg), l2 = lum(bg); const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(cs.fontSize), bold = +cs.fontWeight >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) p.push("contrast " + ratio.toFixed(2) + " < " + need + ": " + t.textContent.trim().slice(0, 40));
  }
  if (html.scrollWidth > window.innerWidth + 1) {
    const wide = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && wide.length < 3) wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "") + " (" + Math.round(r.right) + "px): " + (el.textContent || "").trim().slice(0, 40));
    }
    p.push("page scrolls sideways at " + window.innerWidth + "px: " + html.scrollWidth + "px wide; widest: " + wide.join("; "));
  }
  return p;
})()`

func audit(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	problems := run(t, ctx, chromedp.Evaluate[[]string](auditJS))
	for _, p := range problems {
		t.Errorf("%s: accessibility: %s", name, p)
	}
}

func htmlLang(t *testing.T, ctx context.Context) string {
	t.Helper()
	return run(t, ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
}

// TestBrowser drives real headless Chromium through the site. One browser serves every
// subtest; each subtest has its own tab.
func TestBrowser(t *testing.T) {
	bctx := browser(t)
	s := newSite(t, nil)
	var ids seeded
	if s.app.Agencies != nil {
		ids = s.seedAgencies(t)
		s.seedReviews(t, ids.himalaya, 5, 4, 2, 5)
	}

	t.Run("the audit catches what it checks", func(t *testing.T) {
		bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(`<!doctype html><html><body><h1>a</h1><h3>b</h3><input name="q"><a href="/x"></a>` +
				`<p class="x" id="d">grey</p><p id="d">dup</p><svg width="10" height="10"></svg>` +
				`<div><span>` + strings.Repeat("wide", 200) + `</span></div></body></html>`))
		}))
		defer bad.Close()
		ctx := tab(t, bctx, false)
		must(t, chromedp.Do(ctx, chromedp.Navigate(bad.URL),
			chromedp.Evaluate[chromedp.Void](`document.querySelector(".x").style.color = "#bbb"; document.querySelector("span").style.whiteSpace = "nowrap"`)))
		got := strings.Join(run(t, ctx, chromedp.Evaluate[[]string](auditJS)), "\n")
		for _, want := range []string{"html has no lang", "no <main> landmark", "heading skips from h1 to h3", "field without label: q",
			"unnamed a", "duplicate id d", "svg neither hidden nor named", "contrast", "scrolls sideways"} {
			if !strings.Contains(got, want) {
				t.Errorf("audit missed %q; it said:\n%s", want, got)
			}
		}
	})

	t.Run("home in every language, audited, screenshots", func(t *testing.T) {
		ctx := tab(t, bctx, false)
		for _, l := range []string{"en", "fil", "id", "ne", "my", "km", "vi", "th"} {
			must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/?lang="+l)))
			if got := htmlLang(t, ctx); got != l {
				t.Errorf("lang=%q, want %q", got, l)
			}
			audit(t, ctx, "home "+l)
			screenshot(t, ctx, "home-"+l)
		}
	})

	t.Run("switch language with the switcher, then stays chosen", func(t *testing.T) {
		ctx := tab(t, bctx, false)
		must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/")))
		if got := htmlLang(t, ctx); got != "en" {
			t.Fatalf("start lang %q", got)
		}
		// With JavaScript on, picking a language submits the switcher by itself.
		must(t, chromedp.Do(ctx,
			chromedp.WaitReady(chromedp.ID("lang-pick")),
			chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("lang-pick"); s.value = "ne"; s.dispatchEvent(new Event("change")); })()`),
			chromedp.WaitReady(chromedp.CSS(`html[lang="ne"]`)),
		))
		h1 := run(t, ctx, chromedp.Text(chromedp.CSS("h1")))
		if !strings.Contains(h1, "साथी") {
			t.Errorf("h1 not Nepali: %q", h1)
		}
		// The cookie keeps Nepali on the next page load.
		must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/")))
		if got := htmlLang(t, ctx); got != "ne" {
			t.Errorf("after reload lang %q", got)
		}
		screenshot(t, ctx, "switched-ne")
	})

	t.Run("JavaScript off: the switcher form still works", func(t *testing.T) {
		ctx := tab(t, bctx, true)
		must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/")))
		// Pick Thai with the keyboard, as a person would, and press the button.
		must(t, chromedp.Do(ctx,
			chromedp.SetValue(chromedp.ID("lang-pick"), "th"),
			chromedp.Click(chromedp.CSS(`form.lang button`)),
			chromedp.WaitReady(chromedp.CSS(`html[lang="th"]`)),
		))
		if js := run(t, ctx, chromedp.Evaluate[bool](`typeof window.fetch === "function" && document.querySelector("datalist") !== null`)); js {
			t.Error("page scripts ran although JavaScript is off")
		}
		// The switcher at the top of the page: open it, pick Nepali, stay on the same page.
		must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/agencies?q=nepal"),
			chromedp.Click(chromedp.CSS(`header details.langs summary`)),
			chromedp.EmulateViewport(320, 640),
		))
		if w := run(t, ctx, chromedp.Evaluate[[]float64](`[document.scrollingElement.scrollWidth, innerWidth, document.querySelector("header details.langs ul").getBoundingClientRect().left]`)); w[0] > w[1] || w[2] < 0 {
			t.Errorf("the open switcher sticks out at 320 px: scrollWidth %.0f, innerWidth %.0f, list starts at %.0f px", w[0], w[1], w[2])
		}
		screenshot(t, ctx, "switcher-open-en")
		must(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`header details.langs a[lang="ne"]`)),
			chromedp.WaitReady(chromedp.CSS(`html[lang="ne"]`)),
		))
		if loc := run(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, "/agencies?q=nepal") {
			t.Errorf("top switcher went to %s, want back to /agencies?q=nepal", loc)
		}
		if y := run(t, ctx, chromedp.Evaluate[float64](`document.querySelector("header details.langs").getBoundingClientRect().top`)); y > 100 {
			t.Errorf("top switcher is %.0f px down the page", y)
		}
	})

	t.Run("search → profile → licence, JavaScript off, audited", func(t *testing.T) {
		if ids.himalaya == "" {
			t.Skip("agencies area not wired")
		}
		ctx := tab(t, bctx, true)
		must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/?lang=ne"),
			chromedp.SendKeys(chromedp.ID("home-q"), "himalaya"),
			chromedp.Click(chromedp.CSS(`form[role=search] button`)),
			chromedp.WaitReady(chromedp.ID("results")),
		))
		loc := run(t, ctx, chromedp.Location())
		if !strings.Contains(loc, "/agencies?q=himalaya") {
			t.Errorf("search went to %s", loc)
		}
		audit(t, ctx, "search ne")
		screenshot(t, ctx, "search-ne")
		must(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`a[href="/agencies/`+ids.himalaya+`"]`)),
			chromedp.WaitReady(chromedp.ID("standing")),
		))
		if h1 := run(t, ctx, chromedp.Text(chromedp.CSS("h1"))); h1 != "Himalaya Manpower Pvt. Ltd." {
			t.Errorf("profile h1 %q", h1)
		}
		if got := htmlLang(t, ctx); got != "ne" {
			t.Errorf("profile lang %q", got)
		}
		audit(t, ctx, "profile ne")
		screenshot(t, ctx, "agency-ne")
		// The licence look-up from the search page's link, by keyboard and button.
		must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/licence"),
			chromedp.SetValue(chromedp.ID("l-reg"), "NP-DOFE"),
			chromedp.SendKeys(chromedp.ID("l-num"), "1234 070 71"),
			chromedp.Click(chromedp.CSS(`main form button`)),
			chromedp.WaitReady(chromedp.ID("verdict")),
		))
		verdict := run(t, ctx, chromedp.Text(chromedp.ID("verdict")))
		if !strings.Contains(verdict, "इजाजतपत्र सक्रिय छ") {
			t.Errorf("licence verdict %q", verdict)
		}
		audit(t, ctx, "licence ne")
		screenshot(t, ctx, "licence-ne")
	})

	t.Run("profile and search in English, audited", func(t *testing.T) {
		if ids.himalaya == "" {
			t.Skip("agencies area not wired")
		}
		ctx := tab(t, bctx, false)
		for name, path := range map[string]string{"agency-en": "/agencies/" + ids.himalaya, "agency-blacklisted-en": "/agencies/" + ids.bayanihan,
			"search-en": "/agencies?sort=name", "search-error-en": "/agencies?q=x&origin=Nepal",
			"send-en": "/send?amount=500&from=SGD&to=PHP", "help-en": "/help?country=SG", "transparency-en": "/transparency"} {
			must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+withLang(path, "en"))))
			audit(t, ctx, name)
			screenshot(t, ctx, name)
		}
	})

	t.Run("register, write a review, see its status; moderator approves; JavaScript off", func(t *testing.T) {
		if ids.himalaya == "" || s.app.Auth == nil || s.app.Moderation == nil {
			t.Skip("agencies, auth or moderation area not wired")
		}
		ctx := tab(t, bctx, true)
		must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/register?lang=ne&next=/agencies/"+ids.himalaya+"/review"),
			chromedp.SendKeys(chromedp.ID("r-user"), "sita2026"),
			chromedp.SendKeys(chromedp.ID("r-pass"), "correct horse battery"),
			chromedp.SendKeys(chromedp.ID("r-pass2"), "correct horse battery"),
		))
		audit(t, ctx, "register ne")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main form button`)), chromedp.WaitReady(chromedp.ID("w-text"))))
		audit(t, ctx, "review form ne")
		screenshot(t, ctx, "review-form-ne")
		// Step 1 and 4, the country left from, and the fee in Nepali digits with its currency
		// left empty: the server records it in the origin's currency (JavaScript is off).
		must(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("w-origin"), "NP"),
			chromedp.Click(chromedp.ID("overall-2")), chromedp.Click(chromedp.ID("fees_honesty-1")), chromedp.Click(chromedp.ID("contract_match-3")),
			chromedp.Click(chromedp.ID("treatment-2")), chromedp.Click(chromedp.ID("support-2")), chromedp.Click(chromedp.ID("rec-no")),
			chromedp.SendKeys(chromedp.ID("fees_paid-amount"), "१,५०,०००"),
			chromedp.SendKeys(chromedp.ID("w-text"), "They kept my passport <script>alert(1)</script> call Hari +977 9811111111 first."),
			chromedp.Click(chromedp.CSS(`main form > button[type=submit]`)),
			chromedp.WaitReady(chromedp.ID("status")),
		))
		status := run(t, ctx, chromedp.Text(chromedp.ID("status")))
		loc := run(t, ctx, chromedp.Location())
		if status == "" || !strings.Contains(loc, "/review/sent?status=") {
			t.Fatalf("status page %s: %q", loc, status)
		}
		if sent := run(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(sent, "NPR") {
			t.Errorf("the status page does not say the fee was recorded in NPR: %q", sent)
		}
		audit(t, ctx, "review sent ne")
		screenshot(t, ctx, "review-sent-ne")
		reviewID := loc[strings.Index(loc, "review=")+len("review="):]

		// A moderator (another browser context) opens it in the console and publishes it.
		if _, err := s.app.Auth.CreateUser(context.Background(), auth.Registration{Username: "modbrowser", Password: "moderator pass 2026"}, kawan.RoleModerator, "", false); err != nil {
			t.Fatal(err)
		}
		mctx := tab(t, bctx, true)
		must(t, chromedp.Do(mctx, chromedp.Navigate(s.srv.URL+"/moderation/reviews/"+reviewID+"?lang=en"),
			chromedp.WaitReady(chromedp.ID("s-user")),
			chromedp.SendKeys(chromedp.ID("s-user"), "modbrowser"),
			chromedp.SendKeys(chromedp.ID("s-pass"), "moderator pass 2026"),
			chromedp.Click(chromedp.CSS(`main form button`)),
			chromedp.WaitReady(chromedp.ID("decide")),
		))
		audit(t, mctx, "moderation item")
		screenshot(t, mctx, "moderation-item-en")
		must(t, chromedp.Do(mctx, chromedp.Click(chromedp.ID("a-verify")),
			chromedp.SetValue(chromedp.ID("m-reason"), "meets_guidelines"),
			chromedp.Click(chromedp.CSS(`form[action$="/decision"] button`)),
			chromedp.WaitReady(chromedp.CSS(`p.ok[role=status]`)),
		))
		audit(t, mctx, "moderation queue")

		// The worker sees it on the profile: no script ran, the phone number is gone.
		must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/agencies/"+ids.himalaya), chromedp.WaitReady(chromedp.ID("r-"+reviewID))))
		text := run(t, ctx, chromedp.Text(chromedp.CSS("#r-"+reviewID+" .text")))
		if !strings.Contains(text, "<script>alert(1)</script>") || strings.Contains(text, "9811111111") {
			t.Errorf("review text as shown: %q (script must show as text, phone redacted)", text)
		}
		if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("main script").length`)); n != 0 {
			t.Errorf("%d script elements in the page body", n)
		}
		audit(t, ctx, "profile with review ne")
		screenshot(t, ctx, "agency-with-review-ne")

		// The moderator then removes it as off topic; the worker's "My reviews" page (Nepali)
		// shows the reason and the appeal form, and the appeal goes through by keyboard.
		must(t, chromedp.Do(mctx, chromedp.Navigate(s.srv.URL+"/moderation/reviews/"+reviewID+"?lang=en"),
			chromedp.WaitReady(chromedp.ID("a-remove")),
			chromedp.Click(chromedp.ID("a-remove")),
			chromedp.SetValue(chromedp.ID("m-reason"), "off_topic"),
			chromedp.Click(chromedp.CSS(`form[action$="/decision"] button`)),
			chromedp.WaitReady(chromedp.CSS(`p.ok[role=status]`)),
		))
		must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/account/reviews"), chromedp.WaitReady(chromedp.ID("a-note-"+reviewID))))
		audit(t, ctx, "my reviews ne")
		screenshot(t, ctx, "my-reviews-ne")
		must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("a-note-"+reviewID), "यो यही एजेन्सीको बारेमा हो।"),
			chromedp.Click(chromedp.CSS(`form[action$="/appeal"] button`)),
			chromedp.WaitReady(chromedp.CSS(`p.ok[role=status]`)),
		))
		audit(t, ctx, "my reviews appealed ne")
	})

	t.Run("unknown page: friendly 404 in the chosen language", func(t *testing.T) {
		ctx := tab(t, bctx, false)
		must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/no-such-page?lang=vi")))
		if got := htmlLang(t, ctx); got != "vi" {
			t.Errorf("404 lang %q", got)
		}
		audit(t, ctx, "404 vi")
	})
}

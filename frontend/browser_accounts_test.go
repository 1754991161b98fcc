package frontend_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/auth"
)

// signInTab signs an account in through the sign-in form of a browser tab.
func signInTab(t *testing.T, ctx context.Context, base, user, pass string) {
	t.Helper()
	must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/signin"),
		chromedp.SendKeys(chromedp.ID("s-user"), user),
		chromedp.SendKeys(chromedp.ID("s-pass"), pass),
		chromedp.Click(chromedp.CSS(`main form button`)),
		chromedp.WaitReady(chromedp.CSS(`main form[action="/signout"]`)),
	))
}

// saveShot writes a PNG of the element sel (the whole page when sel is empty) to an exact
// path (the attachments).
func saveShot(t *testing.T, ctx context.Context, sel, path string) {
	t.Helper()
	shot := chromedp.FullScreenshot(100)
	if sel != "" {
		shot = chromedp.Screenshot(chromedp.CSS(sel))
	}
	buf, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Logf("screenshot %s: %v", path, err)
		return
	}
	if err := os.MkdirAll(path[:strings.LastIndexByte(path, '/')], 0o755); err == nil {
		_ = os.WriteFile(path, buf, 0o644)
	}
}

// TestBrowserAgencyReply: an agency representative replies to reviews of their agency
// from the site, at 320 and 360 px, with JavaScript on and off; the reply is shown with
// its language. The Nepali reply is saved to /tmp/shots/reply-ne.png.
func TestBrowserAgencyReply(t *testing.T) {
	bctx := browser(t)
	s := newSite(t, nil)
	if s.app.Agencies == nil || s.app.Auth == nil || s.app.Moderation == nil {
		t.Skip("agencies, auth or moderation area not wired")
	}
	ids := s.seedAgencies(t)
	s.seedReviews(t, ids.himalaya, 5, 4, 2, 3)
	reviewIDs := s.reviewIDs(t, ids.himalaya)
	if _, err := s.app.Auth.CreateUser(context.Background(), auth.Registration{Username: "himalayarep", Password: "fixture pass 2026"},
		kawan.RoleAgencyRep, ids.himalaya, true); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		width int
		jsOff bool
		lang  string
		text  string
	}{
		{320, true, "ne", "हामीले सबै राहदानी फिर्ता गरेका छौं। धन्यवाद।"},
		{320, false, "my", "ကျွန်ုပ်တို့ နိုင်ငံကူးလက်မှတ်အားလုံး ပြန်ပေးပြီးပါပြီ။"},
		{360, true, "en", "We have returned every passport. Thank you."},
		{360, false, "fil", "Naibalik na namin ang lahat ng pasaporte. Salamat."},
	}
	for i, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			ctx := tab(t, bctx, tc.jsOff)
			must(t, chromedp.Do(ctx, chromedp.EmulateViewport(int64(tc.width), 740)))
			signInTab(t, ctx, s.srv.URL, "himalayarep", "fixture pass 2026")
			id := reviewIDs[i]
			must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/agencies/"+ids.himalaya+"?lang="+tc.lang),
				chromedp.WaitReady(chromedp.ID("write-refused")),
				chromedp.WaitReady(chromedp.ID("reply-"+id)),
			))
			audit(t, ctx, "agency page for its representative "+tc.lang)
			if got := run(t, ctx, chromedp.Evaluate[string](`document.getElementById("reply-lang-`+id+`").value`)); got != tc.lang {
				t.Errorf("reply language defaults to %q, want the page's %q", got, tc.lang)
			}
			must(t, chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("reply-"+id), tc.text),
				chromedp.Click(chromedp.CSS(`form[action="/reviews/`+id+`/reply"] button`)),
				chromedp.WaitReady(chromedp.ID("status")),
			))
			audit(t, ctx, "reply sent "+tc.lang)
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main a[href^="/agencies/"]`)),
				chromedp.WaitReady(chromedp.CSS(`#r-`+id+` .reply`))))
			lang := run(t, ctx, chromedp.Evaluate[string](`document.querySelector("#r-`+id+` .reply").lang`))
			text := run(t, ctx, chromedp.Text(chromedp.CSS(`#r-`+id+` .reply .text`)))
			if lang != tc.lang || text != tc.text {
				t.Errorf("reply shown as lang=%q %q", lang, text)
			}
			audit(t, ctx, "agency page with the reply "+tc.lang)
			if tc.lang == "ne" {
				saveShot(t, ctx, `#r-`+id, "/tmp/shots/reply-ne.png")
			}
		})
	}
}

// TestBrowserPasswordReset: forgot password → link from the development outbox → new
// password → signed in with it, at 320 and 360 px, JavaScript on and off.
func TestBrowserPasswordReset(t *testing.T) {
	bctx := browser(t)
	s := newSite(t, nil)
	if s.app.Auth == nil {
		t.Skip("auth area not wired")
	}
	cases := []struct {
		width int
		jsOff bool
		lang  string
	}{{320, true, "ne"}, {320, false, "my"}, {360, true, "fil"}, {360, false, "en"}}
	for i, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			name := "lost" + tc.lang
			email := name + "@example.org"
			if _, err := s.app.Auth.CreateUser(context.Background(), auth.Registration{Username: name, Password: "fixture pass 2026", Email: email},
				kawan.RoleWorker, "", false); err != nil {
				t.Fatal(err)
			}
			ctx := tab(t, bctx, tc.jsOff)
			must(t, chromedp.Do(ctx, chromedp.EmulateViewport(int64(tc.width), 740),
				chromedp.Navigate(s.srv.URL+"/signin?lang="+tc.lang),
				chromedp.Click(chromedp.CSS(`a[href="/forgot"]`)),
				chromedp.WaitReady(chromedp.ID("f-contact")),
			))
			audit(t, ctx, "forgot "+tc.lang)
			must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("f-contact"), email),
				chromedp.Click(chromedp.CSS(`main form button`)),
				chromedp.WaitReady(chromedp.ID("status")),
			))
			audit(t, ctx, "forgot sent "+tc.lang)
			msgs := s.outboxLinks(t)
			if len(msgs) != i+1 || msgs[i].To != email || msgs[i].Lang != tc.lang {
				t.Fatalf("outbox: %+v", msgs)
			}
			must(t, chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+localLink(t, msgs[i])),
				chromedp.WaitReady(chromedp.ID("n-pass")),
			))
			audit(t, ctx, "reset "+tc.lang)
			must(t, chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("n-pass"), "my new phone passphrase"),
				chromedp.SendKeys(chromedp.ID("n-pass2"), "my new phone passphrase"),
				chromedp.Click(chromedp.CSS(`main form button`)),
				chromedp.WaitReady(chromedp.ID("s-user")),
			))
			if loc := run(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, "/signin?reset=1") {
				t.Errorf("after the reset: %s", loc)
			}
			audit(t, ctx, "signin after reset "+tc.lang)
			if tc.lang == "ne" {
				saveShot(t, ctx, "", "/tmp/shots/reset-done-ne.png")
			}
			signInTab(t, ctx, s.srv.URL, name, "my new phone passphrase")
		})
	}
}

// TestBrowserSendPage: the remittance form and its cards at 320 px, JavaScript on and off:
// choose a route from the offered list, in send and receive mode, no sideways scroll.
func TestBrowserSendPage(t *testing.T) {
	bctx := browser(t)
	s := newSite(t, nil)
	if s.app.FX == nil {
		t.Skip("fx area not wired")
	}
	for _, jsOff := range []bool{true, false} {
		for _, lang := range []string{"en", "ne", "my"} {
			t.Run(fmt.Sprintf("%s js-off=%v", lang, jsOff), func(t *testing.T) {
				ctx := tab(t, bctx, jsOff)
				must(t, chromedp.Do(ctx, chromedp.EmulateViewport(320, 740),
					chromedp.Navigate(s.srv.URL+"/send?lang="+lang),
					chromedp.SetValue(chromedp.ID("s-route"), "SGD-PHP"),
					chromedp.SetValue(chromedp.ID("s-amount"), "500"),
					chromedp.Click(chromedp.CSS(`main form button`)),
					chromedp.WaitReady(chromedp.ID("quotes")),
				))
				audit(t, ctx, "send "+lang)
				if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("article.quote").length`)); n < 2 {
					t.Errorf("%d cards", n)
				}
				if lang == "ne" && !jsOff {
					saveShot(t, ctx, "", "/tmp/shots/send-ne-320.png")
				}
				must(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("m-recv")),
					chromedp.SetValue(chromedp.ID("s-amount"), "20000"),
					chromedp.Click(chromedp.CSS(`main form button`)),
					// the next page has the radio checked in its HTML (a click sets only the property)
					chromedp.WaitReady(chromedp.CSS(`input#m-recv[checked]`)),
				))
				if loc := run(t, ctx, chromedp.Location()); !strings.Contains(loc, "mode=receive") || !strings.Contains(loc, "route=SGD-PHP") {
					t.Errorf("receive mode went to %s", loc)
				}
				audit(t, ctx, "send receive "+lang)
			})
		}
	}
}

package frontend_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kawan-labs/kawan/rpw"
)

// TestBrowserSendSurvey: the corridor box with the World Bank survey on /send, in a real
// browser at 320 px, JavaScript on and off: no sideways scroll, the audit's checks, the
// list of surveyed services opens (details/summary works without JavaScript).
func TestBrowserSendSurvey(t *testing.T) {
	bctx := browser(t)
	s := newSite(t, nil)
	if s.app.FX == nil || s.app.Survey == nil {
		t.Skip("fx area not wired")
	}
	if _, err := s.app.Survey.Import(context.Background(), surveyFixture(t), rpw.ImportOptions{Fictional: true}); err != nil {
		t.Fatal(err)
	}
	for _, jsOff := range []bool{true, false} {
		for _, lang := range []string{"en", "my", "km"} {
			t.Run(fmt.Sprintf("%s js-off=%v", lang, jsOff), func(t *testing.T) {
				ctx := tab(t, bctx, jsOff)
				must(t, chromedp.Do(ctx, chromedp.EmulateViewport(320, 740),
					chromedp.Navigate(s.srv.URL+"/send?route=SGD-PHP&amount=500&lang="+lang),
					chromedp.WaitReady(chromedp.ID("survey")),
					chromedp.Click(chromedp.CSS(`#survey summary`)),
				))
				audit(t, ctx, "send survey "+lang)
				if open := run(t, ctx, chromedp.Evaluate[bool](`document.querySelector("#survey details").open`)); !open {
					t.Error("the surveyed services do not open")
				}
				if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#survey li").length`)); n != 7 {
					t.Errorf("%d services listed, want 7", n)
				}
				if lang == "my" && !jsOff {
					saveShot(t, ctx, "#corridor", "/tmp/shots/send-survey-my-320.png")
				}
			})
		}
	}
}

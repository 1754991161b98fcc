package frontend_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/textbot"
)

var textCodeRE = regexp.MustCompile(`\d{4}-\d{4}`)

// TestTextFollowsByCode: a worker following an agency by Viber sends LIST, gets a code, and
// with it sees and ends the subscription on the web (no account, plain forms).
func TestTextFollowsByCode(t *testing.T) {
	s := newSite(t, nil)
	ctx := context.Background()
	demo := agencies.DemoAgencies(app.DemoAgencyCount, 2026, time.Now())
	if _, err := s.app.Agencies.LoadDemo(ctx, demo); err != nil {
		t.Fatal(err)
	}
	say := func(text string) string {
		r, err := s.app.Text.Answer(ctx, textbot.Message{Channel: "viber", Sender: "viber-user-42", Address: "viber-user-42", LangHint: "ne", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return r.Text
	}
	if r := say("LIST"); textCodeRE.MatchString(r) {
		t.Fatalf("a code without follows: %q", r)
	}
	say("FOLLOW " + demo[0].Licences[0].Number)
	say("FOLLOW " + demo[1].Licences[0].Number)
	r := say("सूची")
	code := textCodeRE.FindString(r)
	if code == "" || !strings.Contains(r, "/text/follows") {
		t.Fatalf("LIST: %q", r)
	}
	c := s.client()
	if p := s.get(c, "/text/follows?lang=ne"); p.status != 200 || !strings.Contains(p.body, localeText(t, "ne", "textfollows.heading")) {
		t.Fatalf("form: %d", p.status)
	}
	if p := s.post(c, "/text/follows", "/text/follows", url.Values{"code": {"1111-2222"}}); p.status != http.StatusBadRequest ||
		!strings.Contains(p.body, localeText(t, "ne", "textfollows.err.code")) {
		t.Fatalf("a wrong code: %d", p.status)
	}
	p := s.post(c, "/text/follows", "/text/follows", url.Values{"code": {code}})
	if p.status != 200 || !strings.Contains(p.body, `href="/agencies/`) || strings.Count(p.body, `name="end"`) != 2 {
		t.Fatalf("follows: %d\n%s", p.status, p.body)
	}
	id := regexp.MustCompile(`name="end" value="([^"]+)"`).FindStringSubmatch(p.body)[1]
	p = s.post(c, "/text/follows", "/text/follows", url.Values{"code": {code}, "end": {id}})
	if p.status != 200 || strings.Count(p.body, `name="end"`) != 1 || strings.Contains(p.body, `value="`+id+`"`) {
		t.Fatalf("end: %d\n%s", p.status, p.body)
	}
}

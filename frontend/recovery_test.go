package frontend_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/auth"
)

// outboxLinks returns the reset links the development outbox holds, oldest first.
func (s *site) outboxLinks(t testing.TB) []auth.ResetMessage {
	t.Helper()
	s.app.Auth.WaitResets()
	msgs, err := auth.FileOutbox{Dir: filepath.Join(s.app.Config.DataDir, "outbox")}.Messages()
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func localLink(t testing.TB, m auth.ResetMessage) string {
	t.Helper()
	u, err := url.Parse(m.Link)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func TestPasswordRecoveryFlow(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	s.needAuth(t)

	// Sign-up says what an account without e-mail or phone means, and asks for either.
	p := s.get(nil, "/register?lang=ne")
	if !strings.Contains(p.body, `id="no-recovery"`) || !strings.Contains(p.body, "बिर्सिएको पासवर्ड फिर्ता पाउन सकिँदैन") || !strings.Contains(p.body, `name="phone" type="tel"`) {
		t.Error("register page does not warn about recovery or lacks the phone field")
	}
	c := s.client()
	p = s.post(c, "/register", "/register", url.Values{"username": {"ritaph"}, "password": {"correct horse battery"},
		"password2": {"correct horse battery"}, "email": {"rita@example.org"}, "phone": {"+63 917 123 4567"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("register: %d", p.status)
	}
	if p := s.get(nil, "/signin"); !strings.Contains(p.body, `href="/forgot"`) {
		t.Error("sign-in page has no link to password recovery")
	}

	// The same answer for an account's phone and for an address nobody gave.
	anon := s.client()
	for _, contact := range []string{"+63 917 123 4567", "nobody@example.org"} {
		p = s.post(anon, "/forgot?lang=ne", "/forgot", url.Values{"contact": {contact}})
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/forgot?sent=1" {
			t.Fatalf("forgot %s: %d %s", contact, p.status, p.header.Get("Location"))
		}
	}
	if p = s.get(anon, "/forgot?sent=1"); !strings.Contains(p.body, "नयाँ पासवर्ड छान्ने लिङ्क त्यहाँ पठाइएको छ") {
		t.Error("no Nepali 'sent if known' message")
	}
	if p = s.post(anon, "/forgot", "/forgot", url.Values{"contact": {"neither"}}); p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="contact-err"`) {
		t.Errorf("bad contact: %d", p.status)
	}
	msgs := s.outboxLinks(t)
	if len(msgs) != 1 || msgs[0].Channel != "sms" || msgs[0].Lang != "ne" || msgs[0].Username != "ritaph" {
		t.Fatalf("outbox: %+v", msgs)
	}
	link := localLink(t, msgs[0])

	// A wrong link says so and offers a new one; the right one shows the form.
	if p = s.get(anon, "/reset?token=kwp1.nope"); p.status != http.StatusBadRequest || !strings.Contains(p.body, `href="/forgot"`) {
		t.Errorf("bad link: %d", p.status)
	}
	p = s.get(anon, link)
	if p.status != http.StatusOK || !strings.Contains(p.body, `name="token" value="`) || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("reset form: %d %q", p.status, p.header.Get("Cache-Control"))
	}
	token := strings.TrimPrefix(link, "/reset?token=")
	token, _ = url.QueryUnescape(token)
	if p = s.post(anon, link, "/reset", url.Values{"token": {token}, "password": {"a brand new passphrase"}, "password2": {"another"}}); p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="password2-err"`) {
		t.Errorf("mismatch: %d", p.status)
	}
	if p = s.post(anon, link, "/reset", url.Values{"token": {token}, "password": {"password1"}, "password2": {"password1"}}); p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="password-err"`) {
		t.Errorf("weak password: %d", p.status)
	}
	p = s.post(anon, link, "/reset", url.Values{"token": {token}, "password": {"a brand new passphrase"}, "password2": {"a brand new passphrase"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/signin?reset=1" {
		t.Fatalf("reset: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	if p = s.get(anon, "/signin?reset=1&lang=en"); !strings.Contains(p.body, "Your password is changed.") {
		t.Error("no notice after the reset")
	}
	// The link is used up; the old session is over; the new password signs in.
	if p = s.get(anon, link); p.status != http.StatusBadRequest {
		t.Errorf("used link: %d", p.status)
	}
	if p = s.get(c, "/account"); p.status != http.StatusSeeOther {
		t.Errorf("old session after the reset: %d", p.status)
	}
	if p = s.post(s.client(), "/signin", "/signin", url.Values{"username": {"ritaph"}, "password": {"a brand new passphrase"}}); p.status != http.StatusSeeOther {
		t.Errorf("sign in with the new password: %d", p.status)
	}
}

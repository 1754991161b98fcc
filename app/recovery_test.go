package app_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/auth"
)

// TestPasswordResetAPI: the whole recovery through the JSON API, every answer checked
// against openapi.yaml: the same 202 for a known and an unknown address, a link in the
// development outbox, a new password with it, every old session over.
func TestPasswordResetAPI(t *testing.T) {
	a := apptest.New(t, nil)
	c := apitest.New(t, a.Server)
	if res := c.Do(http.MethodPost, "/v1/auth/register", map[string]any{"username": "lost.pw", "password": "the first long passphrase", "email": "lost@example.org"}); res.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	old := loginAPI(t, c, "lost.pw", "the first long passphrase")
	box := auth.FileOutbox{Dir: filepath.Join(a.Config.DataDir, "outbox")}

	known := c.Do(http.MethodPost, "/v1/auth/password-reset", map[string]any{"contact": "LOST@example.org", "lang": "fil"})
	unknown := c.Do(http.MethodPost, "/v1/auth/password-reset", map[string]any{"contact": "nobody@example.org", "lang": "fil"})
	if known.Status != http.StatusAccepted || unknown.Status != known.Status || string(unknown.Body) != string(known.Body) {
		t.Fatalf("known %d %s / unknown %d %s: the answers must be the same", known.Status, known.Body, unknown.Status, unknown.Body)
	}
	if res := c.Do(http.MethodPost, "/v1/auth/password-reset", map[string]any{"contact": "no way"}); res.Status != http.StatusBadRequest || res.Map(t)["errors"] == nil {
		t.Errorf("bad contact: %d %s", res.Status, res.Body)
	}
	if res := c.Do(http.MethodPost, "/v1/auth/password-reset", map[string]any{"contact": "x@example.org", "extra": 1}); res.Status != http.StatusBadRequest {
		t.Errorf("unknown field: %d", res.Status)
	}
	a.Auth.WaitResets()
	msgs, err := box.Messages()
	if err != nil || len(msgs) != 1 || msgs[0].Lang != "fil" || msgs[0].Username != "lost.pw" {
		t.Fatalf("outbox: %+v %v", msgs, err)
	}
	link, _ := url.Parse(msgs[0].Link)
	token := link.Query().Get("token")
	if !msgs[0].ExpiresAt.After(time.Now().Add(50 * time.Minute)) {
		t.Errorf("link expires at %v", msgs[0].ExpiresAt)
	}

	if res := c.Do(http.MethodPost, "/v1/auth/password-reset/confirm", map[string]any{"token": token, "password": "password1"}); res.Status != http.StatusBadRequest {
		t.Errorf("weak password: %d %s", res.Status, res.Body)
	}
	if res := c.Do(http.MethodPost, "/v1/auth/password-reset/confirm", map[string]any{"token": token, "password": "the second long passphrase"}); res.Status != http.StatusNoContent {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	if res := c.Do(http.MethodPost, "/v1/auth/password-reset/confirm", map[string]any{"token": token, "password": "the third long passphrase"}); res.Status != http.StatusBadRequest {
		t.Errorf("second use of the link: %d %s", res.Status, res.Body)
	}
	if res := c.As(old.AccessToken).Do(http.MethodGet, "/v1/me", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("old access token after the reset: %d", res.Status)
	}
	if res := c.Do(http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": old.RefreshToken}); res.Status != http.StatusUnauthorized {
		t.Errorf("old refresh token after the reset: %d", res.Status)
	}
	loginAPI(t, c, "lost.pw", "the second long passphrase")
}

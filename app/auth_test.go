package app_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/auth"
)

// roleTokens creates one account per role (the agency_rep bound to agencyID) and returns
// a real access token for each, issued by the product's own auth service.
func roleTokens(t *testing.T, a *app.App, agencyID string) map[kawan.Role]string {
	t.Helper()
	ctx := context.Background()
	out := map[kawan.Role]string{}
	for _, r := range kawan.Roles {
		ag := ""
		if r == kawan.RoleAgencyRep {
			ag = agencyID
		}
		u, err := a.Auth.CreateUser(ctx, auth.Registration{Username: "perm_" + string(r), Password: "a long test passphrase for " + string(r)}, r, ag, false)
		if err != nil {
			t.Fatalf("create %s: %v", r, err)
		}
		pair, err := a.Auth.StartSession(ctx, u, auth.Client{Addr: "192.0.2.9", UserAgent: "test"})
		if err != nil {
			t.Fatal(err)
		}
		out[r] = pair.AccessToken
	}
	return out
}

var specParam = regexp.MustCompile(`\{[^}]+\}`)

// TestEveryRouteRefusesWhoItMust walks every operation of openapi.yaml and the router's
// permission table, and proves that each protected route answers 401 to an anonymous
// caller and 403 to every role its access rule does not admit, with real tokens from the
// product's issuer. It derives everything from the table, so routes added later are covered.
func TestEveryRouteRefusesWhoItMust(t *testing.T) {
	a := apptest.New(t, nil)
	doc, _ := apitest.Spec(t)
	tokens := roleTokens(t, a, "perm-agency")
	c := apitest.New(t, a.Server)

	table := map[string]bool{}
	for _, r := range a.Server.Routes() {
		if !r.Page {
			table[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
		}
	}
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
			if !table[method+" "+path] {
				t.Errorf("%s %s is in openapi.yaml but not in the router's permission table", method, path)
			}
		}
	}
	sort.Strings(ops)
	checked, refusals := 0, 0
	for _, r := range a.Server.Routes() {
		if r.Page {
			continue
		}
		specPath := echoParam.ReplaceAllString(r.Path, "{$1}")
		item := doc.Paths.Find(specPath)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s %s is in the router but not in openapi.yaml", r.Method, r.Path)
			continue
		}
		op := item.GetOperation(r.Method)
		declared := op.Security != nil && len(*op.Security) > 0
		if r.Access.Public {
			if declared {
				t.Errorf("%s %s is public in the router but declares bearer security in openapi.yaml", r.Method, r.Path)
			}
			continue
		}
		if !declared {
			t.Errorf("%s %s needs a role but declares no bearer security in openapi.yaml", r.Method, r.Path)
		}
		target := specParam.ReplaceAllString(specPath, "perm-test-id")
		body := any(nil)
		if op.RequestBody != nil {
			body = map[string]any{}
		}
		checked++
		res := c.Do(r.Method, target, body)
		if res.Status != http.StatusUnauthorized {
			t.Errorf("%s %s anonymous → %d, want 401: %.200s", r.Method, r.Path, res.Status, res.Body)
		}
		refusals++
		for _, role := range kawan.Roles {
			if r.Access.Admits(role) {
				continue
			}
			res := c.As(tokens[role]).Do(r.Method, target, body)
			if res.Status != http.StatusForbidden {
				t.Errorf("%s %s as %s → %d, want 403: %.200s", r.Method, r.Path, role, res.Status, res.Body)
			}
			refusals++
		}
	}
	if checked == 0 {
		t.Fatal("no protected route found: the walk proves nothing")
	}
	t.Logf("%d operations in the spec, %d protected routes, %d refusals checked", len(ops), checked, refusals)
}

func TestAccountLifecycle(t *testing.T) {
	a := apptest.New(t, nil)
	c := apitest.New(t, a.Server)
	res := c.Do(http.MethodPost, "/v1/auth/register", map[string]any{"username": "Ana.Reyes", "password": "my mother's kitchen in cebu"})
	if res.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	if m := res.Map(t); m["username"] != "ana.reyes" || m["role"] != "worker" {
		t.Fatalf("register answer %v", m)
	}
	// the same name again, and a confusable of it, are taken
	for _, name := range []string{"ana.reyes", "ANA_REYES", "аna.reyes", "ana.rey3s"} {
		res := c.Do(http.MethodPost, "/v1/auth/register", map[string]any{"username": name, "password": "another fine long passphrase"})
		if res.Status != http.StatusConflict && res.Status != http.StatusBadRequest {
			t.Errorf("register %q → %d, want 409 or 400 (confusable): %s", name, res.Status, res.Body)
		}
	}
	login := func(user, pw string) *apitest.Response {
		return c.Do(http.MethodPost, "/v1/auth/login", map[string]any{"username": user, "password": pw})
	}
	bad1, bad2 := login("ana.reyes", "wrong password here"), login("nobody.here", "wrong password here")
	if bad1.Status != http.StatusUnauthorized || bad2.Status != http.StatusUnauthorized {
		t.Fatalf("bad logins → %d, %d", bad1.Status, bad2.Status)
	}
	if d1, d2 := bad1.Map(t)["detail"], bad2.Map(t)["detail"]; d1 != d2 {
		t.Errorf("failed sign-in answers differ (username enumeration): %q vs %q", d1, d2)
	}
	res = login("Ana.Reyes", "my mother's kitchen in cebu")
	if res.Status != http.StatusOK {
		t.Fatalf("login: %d %s", res.Status, res.Body)
	}
	var pair auth.TokenPair
	res.JSON(t, &pair)
	if pair.ExpiresIn != 900 || pair.TokenType != "Bearer" || pair.RefreshToken == "" {
		t.Fatalf("pair %+v", pair)
	}
	me := c.As(pair.AccessToken).Do(http.MethodGet, "/v1/me", nil)
	if me.Status != http.StatusOK || me.Map(t)["username"] != "ana.reyes" {
		t.Fatalf("me: %d %s", me.Status, me.Body)
	}
	// refresh rotates; the old refresh token is then used up, and re-using it revokes the family
	res = c.Do(http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": pair.RefreshToken})
	if res.Status != http.StatusOK {
		t.Fatalf("refresh: %d %s", res.Status, res.Body)
	}
	var pair2 auth.TokenPair
	res.JSON(t, &pair2)
	if pair2.RefreshToken == pair.RefreshToken {
		t.Fatal("refresh token not rotated")
	}
	if res := c.Do(http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": pair.RefreshToken}); res.Status != http.StatusUnauthorized {
		t.Fatalf("replayed refresh token → %d, want 401", res.Status)
	}
	if res := c.Do(http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": pair2.RefreshToken}); res.Status != http.StatusUnauthorized {
		t.Fatalf("after re-use the whole family must be revoked; newest refresh → %d", res.Status)
	}
	if res := c.As(pair2.AccessToken).Do(http.MethodGet, "/v1/me", nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("access token of a revoked family → %d, want 401", res.Status)
	}
	// logout revokes the session's access and refresh tokens
	res = login("ana.reyes", "my mother's kitchen in cebu")
	var pair3 auth.TokenPair
	res.JSON(t, &pair3)
	if res := c.As(pair3.AccessToken).Do(http.MethodPost, "/v1/auth/logout", nil); res.Status != http.StatusNoContent {
		t.Fatalf("logout → %d %s", res.Status, res.Body)
	}
	if res := c.As(pair3.AccessToken).Do(http.MethodGet, "/v1/me", nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("access token after logout → %d", res.Status)
	}
	if res := c.Do(http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": pair3.RefreshToken}); res.Status != http.StatusUnauthorized {
		t.Fatalf("refresh after logout → %d", res.Status)
	}
}

func TestRegisterRefusesBadInput(t *testing.T) {
	a := apptest.New(t, nil)
	c := apitest.New(t, a.Server)
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"username": "ab", "password": "long enough passphrase"}, "username"},
		{map[string]any{"username": "good.name", "password": "password123"}, "password"},
		{map[string]any{"username": "good.name", "password": "Password2024!"}, "password"},
		{map[string]any{"username": "good.name", "password": "short"}, "password"},
		{map[string]any{"username": "good.name", "password": strings.Repeat("x", 2000)}, "password"},
		{map[string]any{"username": "pаypal", "password": "long enough passphrase"}, "username"}, // Cyrillic а
		{map[string]any{"username": "ad\u200bmin", "password": "long enough passphrase"}, "username"},
		{map[string]any{"username": "good.name", "password": "long enough passphrase", "email": "not an email"}, "email"},
		{map[string]any{"username": "good.name", "password": "long enough passphrase", "role": "admin"}, "role"},
	} {
		res := c.Do(http.MethodPost, "/v1/auth/register", tc.body)
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), fmt.Sprintf(`"field":"%s"`, tc.field)) {
			t.Errorf("register %v → %d %s, want 400 naming %s", tc.body, res.Status, res.Body, tc.field)
		}
	}
}

// Cheap argon2id parameters for this package's end-to-end tests (the auth package's
// benchmarks measure the production ones).
func init() {
	p := auth.TestParams
	app.PasswordParams = &p
}

package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/config"
)

func addAgency(t *testing.T, a *app.App, id string) {
	t.Helper()
	if _, err := a.Store.DB().Collection("agencies").InsertOne(context.Background(), bson.D{{Key: "_id", Value: id}, {Key: "version", Value: int64(1)}}); err != nil {
		t.Fatal(err)
	}
}

func loginAPI(t *testing.T, c *apitest.Client, user, pw string) auth.TokenPair {
	t.Helper()
	res := c.Do(http.MethodPost, "/v1/auth/login", map[string]any{"username": user, "password": pw})
	if res.Status != http.StatusOK {
		t.Fatalf("login %s: %d %s", user, res.Status, res.Body)
	}
	var p auth.TokenPair
	res.JSON(t, &p)
	return p
}

func submitReview(t *testing.T, c *apitest.Client, tok, agencyID, text string) string {
	t.Helper()
	res := c.As(tok).Do(http.MethodPost, "/v1/agencies/"+agencyID+"/reviews", map[string]any{
		"ratings":         map[string]int{"overall": 2, "fees_honesty": 1, "contract_match": 2, "treatment": 3, "support": 2},
		"would_recommend": false, "text": text, "lang": "en",
	})
	if res.Status != http.StatusCreated {
		t.Fatalf("submit review: %d %s", res.Status, res.Body)
	}
	return res.Map(t)["id"].(string)
}

func reviewDoc(t *testing.T, a *app.App, id string) bson.M {
	t.Helper()
	var m bson.M
	if err := a.Store.DB().Collection("reviews").FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestExportAndErasure runs the privacy rights end to end against the embedded database:
// a worker reviews an agency (the review gets the real fingerprint and account age), exports
// everything, then erases the account keeping the review anonymised; a second worker erases
// with the review removed.
func TestExportAndErasure(t *testing.T) {
	a := apptest.New(t, nil)
	c := apitest.New(t, a.Server)
	c.Headers["User-Agent"] = "test phone"
	addAgency(t, a, "agency-priv")
	ctx := context.Background()

	res := c.Do(http.MethodPost, "/v1/auth/register", map[string]any{"username": "privacy.one", "password": "the river behind my house", "phone": "+63 917 555 0101"})
	if res.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	userID := res.Map(t)["id"].(string)
	p := loginAPI(t, c, "privacy.one", "the river behind my house")
	revID := submitReview(t, c, p.AccessToken, "agency-priv", "They charged fees twice and kept my documents for a month.")
	doc := reviewDoc(t, a, revID)
	wantFP := a.Auth.Fingerprint("192.0.2.1", "test phone")
	if doc["client_fp"] != wantFP {
		t.Errorf("review client_fp = %v, want the request's fingerprint %s", doc["client_fp"], wantFP)
	}
	if since, ok := doc["author_since"].(bson.DateTime); !ok || since.Time().IsZero() || time.Since(since.Time()) > time.Minute {
		t.Errorf("review author_since = %v, want the account's creation time", doc["author_since"])
	}

	res = c.As(p.AccessToken).Do(http.MethodGet, "/v1/me/export", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("export: %d %s", res.Status, res.Body)
	}
	body := string(res.Body)
	for _, want := range []string{userID, "privacy.one", "+639175550101", revID, "They charged fees twice", `"sessions"`, wantFP} {
		if !strings.Contains(body, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	if strings.Contains(body, "argon2id") || strings.Contains(body, "192.0.2.1") {
		t.Error("export contains the password hash or a raw address")
	}

	// erasure needs the right password and a choice; refusals change nothing
	for _, bad := range []map[string]any{
		{"password": "wrong password", "reviews": "anonymise"},
		{"password": "the river behind my house", "reviews": "maybe"},
	} {
		if res := c.As(p.AccessToken).Do(http.MethodDelete, "/v1/me", bad); res.Status != http.StatusBadRequest {
			t.Fatalf("erase %v → %d %s", bad, res.Status, res.Body)
		}
	}
	if _, err := a.Auth.User(ctx, userID); err != nil {
		t.Fatalf("refused erasure removed the account: %v", err)
	}
	if res := c.As(p.AccessToken).Do(http.MethodDelete, "/v1/me", map[string]any{"password": "the river behind my house", "reviews": "anonymise"}); res.Status != http.StatusNoContent {
		t.Fatalf("erase: %d %s", res.Status, res.Body)
	}
	if _, err := a.Auth.User(ctx, userID); err == nil {
		t.Fatal("account still there")
	}
	if res := c.As(p.AccessToken).Do(http.MethodGet, "/v1/me", nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("token of an erased account → %d", res.Status)
	}
	if res := c.Do(http.MethodPost, "/v1/auth/login", map[string]any{"username": "privacy.one", "password": "the river behind my house"}); res.Status != http.StatusUnauthorized {
		t.Fatalf("login after erasure → %d", res.Status)
	}
	doc = reviewDoc(t, a, revID)
	if doc["author_id"] == userID || doc["client_fp"] != nil || doc["text"] == "" {
		t.Fatalf("kept review not pseudonymised: author %v fp %v text %q", doc["author_id"], doc["client_fp"], doc["text"])
	}
	for _, coll := range []string{"users", "sessions", "usernames", "agency_claims"} {
		n, _ := a.Store.DB().Collection(coll).CountDocuments(ctx, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "_id", Value: userID}}, bson.D{{Key: "user_id", Value: userID}}}}})
		if n != 0 {
			t.Errorf("%s still holds %d documents of the erased account", coll, n)
		}
	}
	entries, _ := a.Store.DB().Collection("audit").CountDocuments(ctx, bson.D{{Key: "action", Value: "account.erase"}, {Key: "subject", Value: "user:" + userID}})
	if entries != 1 {
		t.Errorf("%d audit entries for the erasure", entries)
	}
	// the username is free again
	if res := c.Do(http.MethodPost, "/v1/auth/register", map[string]any{"username": "privacy.one", "password": "a brand new passphrase"}); res.Status != http.StatusCreated {
		t.Fatalf("username not released: %d", res.Status)
	}

	// a second worker removes their reviews
	c.Do(http.MethodPost, "/v1/auth/register", map[string]any{"username": "privacy.two", "password": "mountain tea every morning"})
	p2 := loginAPI(t, c, "privacy.two", "mountain tea every morning")
	rev2 := submitReview(t, c, p2.AccessToken, "agency-priv", "Salary was lower than the contract said every month.")
	if res := c.As(p2.AccessToken).Do(http.MethodDelete, "/v1/me", map[string]any{"password": "mountain tea every morning", "reviews": "remove"}); res.Status != http.StatusNoContent {
		t.Fatalf("erase 2: %d %s", res.Status, res.Body)
	}
	doc = reviewDoc(t, a, rev2)
	if doc["status"] != string(kawan.ReviewRemoved) || doc["text"] != "" {
		t.Fatalf("removed review: status %v text %q", doc["status"], doc["text"])
	}
}

// TestAttacks is the attack list as one table: each is refused with the right
// status and changes nothing.
func TestAttacks(t *testing.T) {
	a := apptest.New(t, nil)
	c := apitest.New(t, a.Server)
	ctx := context.Background()
	addAgency(t, a, "agency-a")
	addAgency(t, a, "agency-b")
	tokens := roleTokens(t, a, "agency-a")
	a.Auth.SetRule(auth.LimitRegister, auth.Rule{}) // this test registers many accounts from one client
	ks := a.Auth.Tokens().Keys()
	kid := ks.KeyIDs()[0]
	pub := ks.PublicKeys()[kid]
	worker := kawan.Principal{UserID: "attacker", Username: "x", Role: kawan.RoleAdmin, SessionID: "s"}
	at := func(t0 time.Time) string {
		tok, _, err := auth.NewTokens(ks, func() time.Time { return t0 }).Sign(worker)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	raw := func(method jwt.SigningMethod, key any, mod func(*auth.Claims)) string {
		now := time.Now()
		cl := &auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: auth.Issuer, Subject: "attacker", Audience: jwt.ClaimStrings{auth.Audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))},
			Role: kawan.RoleAdmin, SessionID: "s", Name: "x"}
		if mod != nil {
			mod(cl)
		}
		tok := jwt.NewWithClaims(method, cl)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	valid := at(time.Now())
	parts := strings.Split(valid, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"attacker"`, `"someoneelse"`, 1))) + "." + parts[2]

	// a published review of agency B, for the cross-agency reply
	c.Do(http.MethodPost, "/v1/auth/register", map[string]any{"username": "reviewer.b", "password": "a reviewer long passphrase"})
	rp := loginAPI(t, c, "reviewer.b", "a reviewer long passphrase")
	revB := submitReview(t, c, rp.AccessToken, "agency-b", "The agency in this city treated us fairly overall.")
	if _, err := a.Store.DB().Collection("reviews").UpdateOne(ctx, bson.D{{Key: "_id", Value: revB}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: kawan.ReviewPublished}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}}); err != nil {
		t.Fatal(err)
	}
	_ = a.Reviews.SyncReview(ctx, revB)

	// a Latin name that an all-Cyrillic look-alike must not impersonate
	c.Do(http.MethodPost, "/v1/auth/register", map[string]any{"username": "pope", "password": "a long passphrase of pope"})

	// a used refresh token
	c.Do(http.MethodPost, "/v1/auth/register", map[string]any{"username": "replay.victim", "password": "victim long passphrase"})
	vp := loginAPI(t, c, "replay.victim", "victim long passphrase")
	c.Do(http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": vp.RefreshToken})

	type attack struct {
		name   string
		method string
		path   string
		token  string
		body   any
		want   int
	}
	attacks := []attack{
		{"alg none", "GET", "/v1/admin/users", raw(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil), nil, 401},
		{"HS256 signed with the public key", "GET", "/v1/admin/users", raw(jwt.SigningMethodHS256, []byte(pub), nil), nil, 401},
		{"unknown kid", "GET", "/v1/admin/users", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"sub": "x"})
			tok.Header["kid"] = "not-a-key"
			s, _ := tok.SignedString(otherKey)
			return s
		}(), nil, 401},
		{"signed by another key with our kid", "GET", "/v1/admin/users", raw(jwt.SigningMethodEdDSA, otherKey, nil), nil, 401},
		{"expired", "GET", "/v1/admin/users", at(time.Now().Add(-time.Hour)), nil, 401},
		{"not yet valid", "GET", "/v1/admin/users", at(time.Now().Add(time.Hour)), nil, 401},
		{"another audience", "GET", "/v1/admin/users", raw(jwt.SigningMethodEdDSA, otherKey, func(c *auth.Claims) { c.Audience = jwt.ClaimStrings{"other-app"} }), nil, 401},
		{"tampered payload", "GET", "/v1/admin/users", tampered, nil, 401},
		{"replayed refresh token", "POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": vp.RefreshToken}, 401},
		{"worker calling a moderator route", "GET", "/v1/moderation/queue", tokens[kawan.RoleWorker], nil, 403},
		{"worker calling an admin route", "PUT", "/v1/admin/users/" + "x" + "/role", tokens[kawan.RoleWorker], map[string]any{"role": "admin"}, 403},
		{"moderator making themself admin", "PUT", "/v1/admin/users/x/role", tokens[kawan.RoleModerator], map[string]any{"role": "admin"}, 403},
		{"agency representative replying for another agency", "POST", "/v1/reviews/" + revB + "/reply", tokens[kawan.RoleAgencyRep], map[string]any{"text": "This review is fake, says agency A."}, 403},
		{"1 MB password", "POST", "/v1/auth/login", "", `{"username":"replay.victim","password":"` + strings.Repeat("p", 1<<20) + `"}`, 413},
		{"password just over the limit", "POST", "/v1/auth/register", "", map[string]any{"username": "long.pw", "password": strings.Repeat("p", auth.MaxPasswordBytes+1)}, 400},
		{"confusable username (Cyrillic і among Latin)", "POST", "/v1/auth/register", "", map[string]any{"username": "replay.victіm", "password": "impostor long passphrase"}, 400},
		{"confusable username (all Cyrillic look-alikes)", "POST", "/v1/auth/register", "", map[string]any{"username": "роре", "password": "impostor long passphrase"}, 409},
		{"confusable username (digit for letter)", "POST", "/v1/auth/register", "", map[string]any{"username": "rep1ay.victim", "password": "impostor long passphrase"}, 409},
		{"full-width username", "POST", "/v1/auth/register", "", map[string]any{"username": "ｒｅｐｌａｙ.victim", "password": "impostor long passphrase"}, 409},
		{"zero-width joiner in username", "POST", "/v1/auth/register", "", map[string]any{"username": "replay.vic\u200dtim", "password": "impostor long passphrase"}, 400},
		{"mixed scripts", "POST", "/v1/auth/register", "", map[string]any{"username": "replayνictim", "password": "impostor long passphrase"}, 400},
		{"role in registration", "POST", "/v1/auth/register", "", map[string]any{"username": "sneaky.one", "password": "sneaky long passphrase", "role": "admin"}, 400},
	}
	usersBefore, _ := a.Store.DB().Collection("users").CountDocuments(ctx, bson.D{})
	for _, at := range attacks {
		t.Run(at.name, func(t *testing.T) {
			cl := c
			if at.token != "" {
				cl = c.As(at.token)
			}
			res := cl.Do(at.method, at.path, at.body)
			if res.Status != at.want {
				t.Fatalf("%s %s → %d, want %d: %.300s", at.method, at.path, res.Status, at.want, res.Body)
			}
		})
	}
	usersAfter, _ := a.Store.DB().Collection("users").CountDocuments(ctx, bson.D{})
	if usersAfter != usersBefore {
		t.Errorf("refused attacks created %d accounts", usersAfter-usersBefore)
	}
	if r := reviewDoc(t, a, revB); r["reply"] != nil {
		t.Error("cross-agency reply stored")
	}
	if u, _ := a.Auth.Store().User(ctx, "x"); u != nil {
		t.Error("role change stored")
	}

	// 10 000 sign-in attempts from one client: a handful are checked, the rest are 429
	// with Retry-After, and the account's owner can still sign in from elsewhere.
	statuses := map[int]int{}
	start := time.Now()
	body := `{"username":"replay.victim","password":"guessing guessing"}`
	for range 10000 {
		req := httptest.NewRequest(http.MethodPost, "/v1/auth/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		a.Server.ServeHTTP(rec, req)
		statuses[rec.Code]++
		if rec.Code == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if statuses[http.StatusTooManyRequests] < 9900 || statuses[http.StatusOK] != 0 || len(statuses) > 2 {
		t.Fatalf("10 000 attempts from one client: %v", statuses)
	}
	t.Logf("10 000 sign-in attempts from one client in %v: %v", time.Since(start).Round(time.Millisecond), statuses)
	if _, err := a.Auth.Login(ctx, "replay.victim", "victim long passphrase", auth.Client{Addr: "198.51.100.1", UserAgent: "victim"}); err != nil {
		t.Fatalf("the owner is locked out by someone else's guessing: %v", err)
	}
}

func TestDemoAccounts(t *testing.T) {
	a := apptest.New(t, func(c *config.Config) { c.Demo = true })
	ctx := context.Background()
	for _, name := range []string{"demo.worker", "demo.moderator", "demo.admin"} {
		p, err := a.Auth.Login(ctx, name, app.DemoPassword, auth.Client{Addr: "127.0.0.1"})
		if err != nil {
			t.Fatalf("demo sign-in %s: %v", name, err)
		}
		u, _ := a.Auth.User(ctx, p.Principal.UserID)
		if !u.Demo {
			t.Errorf("%s is not marked demo", name)
		}
	}
	// on a public address the privileged demo accounts are not kept
	b := apptest.New(t, func(c *config.Config) { c.Demo = true; c.Addr = "0.0.0.0:0" })
	for _, name := range []string{"demo.moderator", "demo.admin"} {
		if p, err := b.Auth.Login(ctx, name, app.DemoPassword, auth.Client{Addr: "127.0.0.1"}); err == nil {
			t.Errorf("%s exists on a public address with role %s", name, p.Principal.Role)
		}
	}
	if _, err := b.Auth.Login(ctx, "demo.worker", app.DemoPassword, auth.Client{Addr: "127.0.0.1"}); err != nil {
		t.Errorf("demo worker: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	a := apptest.New(t, nil)
	c := apitest.New(t, a.Server)
	c.Do(http.MethodPost, "/v1/auth/register", map[string]any{"username": "change.me", "password": "the first long passphrase"})
	p1 := loginAPI(t, c, "change.me", "the first long passphrase")
	p2 := loginAPI(t, c, "change.me", "the first long passphrase") // another device
	for _, bad := range []map[string]any{
		{"current_password": "wrong one entirely", "new_password": "the second long passphrase"},
		{"current_password": "the first long passphrase", "new_password": "password1"},
	} {
		if res := c.As(p1.AccessToken).Do(http.MethodPost, "/v1/me/password", bad); res.Status != http.StatusBadRequest {
			t.Fatalf("change %v → %d %s", bad, res.Status, res.Body)
		}
	}
	res := c.As(p1.AccessToken).Do(http.MethodPost, "/v1/me/password", map[string]any{"current_password": "the first long passphrase", "new_password": "the second long passphrase"})
	if res.Status != http.StatusOK {
		t.Fatalf("change: %d %s", res.Status, res.Body)
	}
	var np auth.TokenPair
	res.JSON(t, &np)
	if res := c.As(np.AccessToken).Do(http.MethodGet, "/v1/me", nil); res.Status != http.StatusOK {
		t.Fatalf("new session after the change → %d", res.Status)
	}
	for _, old := range []auth.TokenPair{p1, p2} {
		if res := c.As(old.AccessToken).Do(http.MethodGet, "/v1/me", nil); res.Status != http.StatusUnauthorized {
			t.Fatalf("old session after the change → %d", res.Status)
		}
		if res := c.Do(http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": old.RefreshToken}); res.Status != http.StatusUnauthorized {
			t.Fatalf("old refresh token after the change → %d", res.Status)
		}
	}
	if res := c.Do(http.MethodPost, "/v1/auth/login", map[string]any{"username": "change.me", "password": "the first long passphrase"}); res.Status != http.StatusUnauthorized {
		t.Fatalf("old password still works: %d", res.Status)
	}
	loginAPI(t, c, "change.me", "the second long passphrase")
}

// TestClientAddressFromTrustedProxyOnly: per-client limits key on X-Forwarded-For only when
// the peer is a trusted proxy; otherwise a client cannot dodge them by inventing addresses.
func TestClientAddressFromTrustedProxyOnly(t *testing.T) {
	for _, trusted := range []bool{false, true} {
		a := apptest.New(t, func(c *config.Config) {
			if trusted {
				_, n, _ := net.ParseCIDR("192.0.2.0/24")
				c.TrustedProxies = []*net.IPNet{n}
			}
		})
		a.Auth.SetRule(auth.LimitRegister, auth.Rule{Every: time.Hour, Burst: 1})
		statuses := []int{}
		for i := range 3 {
			req := httptest.NewRequest(http.MethodPost, "/v1/auth/register",
				strings.NewReader(`{"username":"xff.user`+string(rune('a'+i))+`","password":"a long enough passphrase"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", "198.51.100."+string(rune('1'+i)))
			rec := httptest.NewRecorder()
			a.Server.ServeHTTP(rec, req)
			statuses = append(statuses, rec.Code)
		}
		want := []int{201, 429, 429}
		if trusted {
			want = []int{201, 201, 201}
		}
		for i := range want {
			if statuses[i] != want[i] {
				t.Fatalf("trusted=%v: statuses %v, want %v", trusted, statuses, want)
			}
		}
	}
}

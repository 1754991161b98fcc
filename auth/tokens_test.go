package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kawan-labs/kawan"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testKeys(t *testing.T, now time.Time) *KeySet {
	t.Helper()
	ks, err := LoadKeySet(t.TempDir(), 24*time.Hour, AccessTTL+2*Leeway, now)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

var worker = kawan.Principal{UserID: "u1", Username: "ana", Role: kawan.RoleWorker, SessionID: "s1"}

func signRaw(t *testing.T, method jwt.SigningMethod, key any, kid string, c jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokenAttacks(t *testing.T) {
	ck := &clock{time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	ks := testKeys(t, ck.t)
	tk := NewTokens(ks, ck.now)
	good, _, err := tk.Sign(worker)
	if err != nil {
		t.Fatal(err)
	}
	k := ks.signer()
	claims := func(mod func(c *Claims)) *Claims {
		now := ck.t
		c := &Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: Issuer, Subject: "u1", Audience: jwt.ClaimStrings{Audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(AccessTTL))},
			Role: kawan.RoleAdmin, SessionID: "s1", Name: "ana"}
		if mod != nil {
			mod(c)
		}
		return c
	}
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"kawan","sub":"u1","aud":["kawan-api"],"exp":9999999999,"nbf":1,"iat":1,"role":"admin","sid":"s1","name":"ana"}`)) + "." + parts[2]
	noneTok := signRaw(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, k.id, claims(nil))
	hsTok := signRaw(t, jwt.SigningMethodHS256, []byte(k.pub), k.id, claims(nil))

	cases := []struct {
		name string
		tok  string
		ok   bool
	}{
		{"valid", good, true},
		{"valid raw", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) { c.Role = kawan.RoleWorker })), true},
		{"alg none", noneTok, false},
		{"HS256 signed with the public key", hsTok, false},
		{"unknown kid", signRaw(t, jwt.SigningMethodEdDSA, k.priv, "nope", claims(nil)), false},
		{"no kid", signRaw(t, jwt.SigningMethodEdDSA, k.priv, "", claims(nil)), false},
		{"other key, our kid", signRaw(t, jwt.SigningMethodEdDSA, otherPriv, k.id, claims(nil)), false},
		{"expired", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) {
			c.ExpiresAt = jwt.NewNumericDate(ck.t.Add(-time.Minute))
		})), false},
		{"expired within leeway", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) {
			c.ExpiresAt = jwt.NewNumericDate(ck.t.Add(-10 * time.Second))
		})), true},
		{"not yet valid", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) {
			c.NotBefore = jwt.NewNumericDate(ck.t.Add(5 * time.Minute))
		})), false},
		{"no exp", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) { c.ExpiresAt = nil })), false},
		{"no nbf", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) { c.NotBefore = nil })), false},
		{"issued in the future", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) {
			c.IssuedAt = jwt.NewNumericDate(ck.t.Add(time.Hour))
		})), false},
		{"other audience", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) { c.Audience = jwt.ClaimStrings{"other"} })), false},
		{"other issuer", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) { c.Issuer = "evil" })), false},
		{"unknown role", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) { c.Role = "root" })), false},
		{"agency_rep without agency", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) { c.Role = kawan.RoleAgencyRep })), false},
		{"no subject", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) { c.Subject = "" })), false},
		{"no session", signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, claims(func(c *Claims) { c.SessionID = "" })), false},
		{"tampered payload", tampered, false},
		{"truncated", good[:len(good)-5], false},
		{"huge", strings.Repeat("a", 10000), false},
		{"empty", "", false},
		{"garbage", "a.b.c", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, _, err := tk.Verify(c.tok)
			if c.ok && err != nil {
				t.Fatalf("rejected a valid token: %v", err)
			}
			if !c.ok && err == nil {
				t.Fatalf("accepted: %+v", p)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	ck := &clock{time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	ks, err := LoadKeySet(dir, 24*time.Hour, AccessTTL+2*Leeway, ck.t)
	if err != nil {
		t.Fatal(err)
	}
	tk := NewTokens(ks, ck.now)
	t0 := ck.t
	ck.t = t0.Add(24*time.Hour - 5*time.Minute) // signed 5 minutes before the rotation
	old, _, _ := tk.Sign(worker)
	oldKid := ks.KeyIDs()[0]

	// reload from disk, as a restart would: same keys
	ks2, err := LoadKeySet(dir, 24*time.Hour, AccessTTL+2*Leeway, ck.t)
	if err != nil || ks2.KeyIDs()[0] != oldKid {
		t.Fatalf("reload changed the key: %v %v", ks2.KeyIDs(), err)
	}
	ck.t = t0.Add(24*time.Hour + time.Minute)
	if changed, err := ks.Rotate(ck.t, false); err != nil || !changed {
		t.Fatalf("rotation due but not done: %v %v", changed, err)
	}
	if ids := ks.KeyIDs(); len(ids) != 2 || ids[1] != oldKid {
		t.Fatalf("after rotation keys = %v", ids)
	}
	// a token signed before rotation still verifies; new tokens use the new kid
	if _, _, err := tk.Verify(old); err != nil {
		t.Fatalf("old token rejected right after rotation: %v", err)
	}
	fresh, _, _ := tk.Sign(worker)
	if p, c, err := tk.Verify(fresh); err != nil || p.UserID != "u1" || c == nil {
		t.Fatalf("new token: %v", err)
	}
	// after the retention the old key is pruned and its tokens (long expired anyway) are refused
	ck.t = ck.t.Add(AccessTTL + 2*Leeway + time.Second)
	if _, err := ks.Rotate(ck.t, false); err != nil {
		t.Fatal(err)
	}
	if ids := ks.KeyIDs(); len(ids) != 1 {
		t.Fatalf("old key kept past retention: %v", ids)
	}
	if _, ok := ks.verifier(oldKid); ok {
		t.Fatal("pruned key still verifies")
	}
	// the key file survives a restart with the new key signing
	ks3, err := LoadKeySet(dir, 24*time.Hour, AccessTTL+2*Leeway, ck.t)
	if err != nil || ks3.KeyIDs()[0] != ks.KeyIDs()[0] {
		t.Fatalf("restart: %v %v", ks3.KeyIDs(), err)
	}
}

func TestKeysFromEnv(t *testing.T) {
	seed1 := make([]byte, 32)
	seed2 := make([]byte, 32)
	_, _ = rand.Read(seed1)
	_, _ = rand.Read(seed2)
	e1, e2 := base64.StdEncoding.EncodeToString(seed1), base64.StdEncoding.EncodeToString(seed2)
	ksOld, err := KeySetFromEnv(e1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, _ := NewTokens(ksOld, nil).Sign(worker)
	// operator rotates: new seed first, old one still listed
	ksNew, err := KeySetFromEnv(e2+","+e1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := NewTokens(ksNew, nil).Verify(tok); err != nil {
		t.Fatalf("old-key token rejected after rotation: %v", err)
	}
	if ksNew.signer().id == ksOld.signer().id {
		t.Fatal("first seed does not sign")
	}
	for _, bad := range []string{"", "short", "!!!!"} {
		if _, err := KeySetFromEnv(bad, time.Hour); err == nil {
			t.Errorf("KAWAN_JWT_KEYS=%q accepted", bad)
		}
	}
}

func BenchmarkVerifyAccessToken(b *testing.B) {
	ks, err := LoadKeySet(b.TempDir(), 24*time.Hour, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	tk := NewTokens(ks, nil)
	tok, _, _ := tk.Sign(worker)
	b.ReportAllocs()
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	for b.Loop() {
		if _, _, err := tk.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}

func BenchmarkSignAccessToken(b *testing.B) {
	ks, _ := LoadKeySet(b.TempDir(), 24*time.Hour, time.Hour, time.Now())
	tk := NewTokens(ks, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tk.Sign(worker); err != nil {
			b.Fatal(err)
		}
	}
}

// The access token carries when the account was created, so a review submission needs no
// read of the account for moderation's new-account signal; a claimed time after the token
// was issued, or before 1970, is refused.
func TestTokenCarriesAccountSince(t *testing.T) {
	ck := &clock{time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	ks := testKeys(t, ck.t)
	tk := NewTokens(ks, ck.now)
	p := worker
	p.Since = ck.t.Add(-90 * time.Minute).Add(123 * time.Millisecond)
	tok, _, err := tk.Sign(p)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := tk.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if want := p.Since.Truncate(time.Second); !got.Since.Equal(want) {
		t.Fatalf("Since = %v, want %v", got.Since, want)
	}
	old, _, _ := tk.Sign(worker) // no creation time (a token from before it was carried)
	if got, _, err := tk.Verify(old); err != nil || !got.Since.IsZero() {
		t.Fatalf("token without since: %v, %v", got.Since, err)
	}
	k := ks.signer()
	for _, since := range []int64{ck.t.Add(time.Hour).Unix(), -5} {
		c := &Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: Issuer, Subject: "u1", Audience: jwt.ClaimStrings{Audience},
			IssuedAt: jwt.NewNumericDate(ck.t), NotBefore: jwt.NewNumericDate(ck.t), ExpiresAt: jwt.NewNumericDate(ck.t.Add(AccessTTL))},
			Role: kawan.RoleWorker, SessionID: "s1", Name: "ana", Since: since}
		if _, _, err := tk.Verify(signRaw(t, jwt.SigningMethodEdDSA, k.priv, k.id, c)); err == nil {
			t.Errorf("since %d: accepted", since)
		}
	}
}

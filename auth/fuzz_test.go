package auth

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzVerifyToken: any string is either refused or yields a well-formed principal; only
// tokens this key set signed are ever accepted, and nothing panics.
func FuzzVerifyToken(f *testing.F) {
	ks, err := LoadKeySet(f.TempDir(), 24*time.Hour, time.Hour, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	tk := NewTokens(ks, nil)
	good, _, _ := tk.Sign(worker)
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJhZG1pbiJ9.")
	f.Add(good[:len(good)/2])
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Fuzz(func(t *testing.T, tok string) {
		p, c, err := tk.Verify(tok)
		if err != nil {
			return
		}
		if !p.Role.Valid() || p.UserID == "" || p.SessionID == "" || c == nil {
			t.Fatalf("accepted a malformed principal %+v", p)
		}
		if tok != good && p != worker {
			// a different accepted token must still be our signature over our claims
			t.Logf("accepted another token for %+v", p)
		}
	})
}

// FuzzParseRefreshToken: accepted tokens have the exact shape, and nothing panics.
func FuzzParseRefreshToken(f *testing.F) {
	sec, _ := newRefreshSecret()
	f.Add("kwr1.abcdefghijklmnopqrstuvwxyz." + sec)
	f.Add("kwr1..")
	f.Add("kwr1.a.b.c")
	f.Add(strings.Repeat("k", 500))
	f.Fuzz(func(t *testing.T, tok string) {
		sid, secret, ok := ParseRefreshToken(tok)
		if !ok {
			return
		}
		if len(sid) != 26 || len(secret) != 43 || tok != refreshPrefix+sid+"."+secret {
			t.Fatalf("accepted %q as %q/%q", tok, sid, secret)
		}
	})
}

// FuzzUsername: accepted names are valid UTF-8, bounded, normalised (normalising again
// changes nothing) and their key is stable; nothing panics on any input.
func FuzzUsername(f *testing.F) {
	for _, s := range []string{"ana.reyes", "Ａｎａ", "раураl", "paypa1", "ad\u200bmin", "नेपाली", "สมชาย", "a..b", "_x_", strings.Repeat("é", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		name, key, err := NormalizeUsername(raw)
		if err != nil {
			return
		}
		if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxUsernameRunes || utf8.RuneCountInString(name) < MinUsernameRunes || key == "" {
			t.Fatalf("accepted %q as %q (%q)", raw, name, key)
		}
		again, key2, err := NormalizeUsername(name)
		if err != nil || again != name || key2 != key {
			t.Fatalf("not idempotent: %q → %q → %q (%v), keys %q %q", raw, name, again, err, key, key2)
		}
	})
}

// FuzzPasswordPolicy: the policy never panics, refuses anything over the byte limit and
// every invalid UTF-8 string, and NormalizePassword is idempotent on accepted passwords.
func FuzzPasswordPolicy(f *testing.F) {
	for _, s := range []string{"password", "correct horse battery staple", "Password2024!", "\xff\xfe", "aaaaaaaaaaaa", "ab" + strings.Repeat("c", 2000)} {
		f.Add(s, "ana")
	}
	f.Fuzz(func(t *testing.T, pw, user string) {
		n := NormalizePassword(pw)
		err := CheckPassword(n, user)
		if err == nil && (len(n) > MaxPasswordBytes || !utf8.ValidString(n) || NormalizePassword(n) != n) {
			t.Fatalf("accepted %q", n)
		}
	})
}

// FuzzParseHash: a stored hash string never makes verification panic or run with
// parameters outside the bounds.
func FuzzParseHash(f *testing.F) {
	h, _ := HashPassword("seed passphrase", TestParams)
	f.Add(h)
	f.Add("$argon2id$v=19$m=4294967295,t=1,p=1$AAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=8,t=1,p=255$$")
	f.Fuzz(func(t *testing.T, enc string) {
		p, _, _, err := ParseHash(enc)
		if err != nil {
			return
		}
		if p.Memory > maxMemoryKiB || p.Time > maxTime || p.Threads > maxThreads || p.Threads == 0 {
			t.Fatalf("accepted out-of-range parameters %+v", p)
		}
	})
}

package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters. They are stored with every hash (PHC string
// format, "$argon2id$v=19$m=65536,t=2,p=2$<salt>$<hash>"), so they can be raised later:
// old hashes keep verifying with their own parameters and are re-hashed with the current
// ones at the next successful sign-in (Verify reports NeedsRehash).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams: 64 MiB, 2 passes, 2 lanes, 16-byte salt, 32-byte key. On the 2-core
// reference machine, idle, one hash takes about 75 ms wall (≈130 ms CPU over both lanes;
// BenchmarkHashPassword), inside the 50–100 ms target: slow enough to make offline guessing
// of a stolen hash expensive, fast enough for sign-in. 3 passes measured 115 ms. This is
// above OWASP's argon2id minimums (19 MiB with t=2, or 46 MiB with t=1); RFC 9106's second
// option is m=64 MiB, t=3, p=4. Concurrent hashes are bounded
// (Options.MaxConcurrentHashes) so memory stays at most MaxConcurrentHashes × 64 MiB.
// Stored hashes carry their parameters, so older ones keep verifying after a change.
var DefaultParams = Params{Memory: 64 * 1024, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}

// TestParams are cheap parameters for tests only (never use them for real accounts).
var TestParams = Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// MaxPasswordBytes bounds a password: long enough for any passphrase, short enough that
// hashing an attacker's 1 MB "password" is refused before any work is done.
const MaxPasswordBytes = 1024

var b64 = base64.RawStdEncoding

// HashPassword returns the argon2id PHC string of password with a fresh random salt.
func HashPassword(password string, p Params) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", errors.New("auth: password too long")
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Parameter bounds accepted when reading a stored hash, so a corrupted or hostile hash
// string cannot make verification allocate gigabytes or spin for minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 20
	maxThreads   = 16
)

// ParseHash splits a PHC argon2id string into its parameters, salt and key.
func ParseHash(encoded string) (Params, []byte, []byte, error) {
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("auth: stored password hash: %s", why)
	}
	if len(encoded) > 512 {
		return bad("too long")
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return bad("not an argon2id PHC string")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported argon2 version")
	}
	var p Params
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return bad("malformed parameters")
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return bad("malformed parameter " + k)
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return bad("parallelism out of range")
			}
			p.Threads = uint8(n)
		default:
			return bad("unknown parameter " + k)
		}
	}
	if p.Memory < 8 || p.Memory > maxMemoryKiB || p.Time < 1 || p.Time > maxTime || p.Threads < 1 || p.Threads > maxThreads ||
		p.Memory < 8*uint32(p.Threads) {
		return bad("parameters out of range")
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return bad("malformed salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return bad("malformed key")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// VerifyPassword checks password against a stored hash in constant time. needsRehash is
// true when the hash was made with parameters other than current (re-hash after sign-in).
func VerifyPassword(password, encoded string, current Params) (ok, needsRehash bool, err error) {
	if len(password) > MaxPasswordBytes {
		return false, false, nil
	}
	p, salt, key, err := ParseHash(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, p.Memory != current.Memory || p.Time != current.Time || p.Threads != current.Threads ||
		p.KeyLen != current.KeyLen || p.SaltLen != current.SaltLen, nil
}

package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// KeySet is the set of Ed25519 keys that sign and verify access tokens. The newest key
// signs; every key verifies until it is pruned. Each token names its key in the `kid`
// header, so rotation never invalidates a token early.
//
// Keys come from one of two places:
//   - the environment (KAWAN_JWT_KEYS): comma-separated base64 32-byte Ed25519 seeds,
//     the first one signing. Every process of a deployment gets the same list; to rotate,
//     put a new seed first, and drop the old one after AccessTTL + leeway. No automatic
//     rotation in this mode.
//   - the data directory (DataDir/keys/signing-keys.json, mode 0600), for a single node:
//     created on first start and rotated automatically every RotateEvery; a retired key
//     keeps verifying for AccessTTL + leeway and is then pruned.
type KeySet struct {
	mu          sync.RWMutex
	keys        []*signingKey // newest first
	file        string        // "" when the keys come from the environment
	rotateEvery time.Duration
	retain      time.Duration
}

type signingKey struct {
	id      string
	created time.Time
	retired time.Time // zero while it is the signing key
	priv    ed25519.PrivateKey
	pub     ed25519.PublicKey
}

type keyFile struct {
	Keys []keyRecord `json:"keys"`
}

type keyRecord struct {
	ID      string    `json:"kid"`
	Created time.Time `json:"created"`
	Retired time.Time `json:"retired,omitzero"`
	Seed    string    `json:"seed"` // base64 Ed25519 seed
}

// kidOf derives a key ID from the public key, so the same seed gives the same kid everywhere.
func kidOf(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(h[:9])
}

func newKey(seed []byte, created time.Time) *signingKey {
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	return &signingKey{id: kidOf(pub), created: created.UTC(), priv: priv, pub: pub}
}

func decodeSeed(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == ed25519.SeedSize {
			return b, nil
		}
	}
	return nil, errors.New("want a base64 32-byte Ed25519 seed (e.g. `openssl rand -base64 32`)")
}

// KeySetFromEnv builds a key set from a KAWAN_JWT_KEYS value.
func KeySetFromEnv(v string, retain time.Duration) (*KeySet, error) {
	ks := &KeySet{retain: retain}
	now := time.Now().UTC()
	for i, part := range strings.Split(v, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		seed, err := decodeSeed(part)
		if err != nil {
			return nil, fmt.Errorf("auth: KAWAN_JWT_KEYS entry %d: %v", i+1, err)
		}
		k := newKey(seed, now)
		if len(ks.keys) > 0 {
			k.retired = now
		}
		ks.keys = append(ks.keys, k)
	}
	if len(ks.keys) == 0 {
		return nil, errors.New("auth: KAWAN_JWT_KEYS holds no key")
	}
	return ks, nil
}

// LoadKeySet reads (or creates) the key file under dir and rotates it if due.
func LoadKeySet(dir string, rotateEvery, retain time.Duration, now time.Time) (*KeySet, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("auth: key directory: %w", err)
	}
	ks := &KeySet{file: filepath.Join(dir, "signing-keys.json"), rotateEvery: rotateEvery, retain: retain}
	data, err := os.ReadFile(ks.file)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("auth: read signing keys: %w", err)
	default:
		var f keyFile
		if err := json.Unmarshal(data, &f); err != nil {
			return nil, fmt.Errorf("auth: %s is not a key file: %w", ks.file, err)
		}
		for _, r := range f.Keys {
			seed, err := decodeSeed(r.Seed)
			if err != nil {
				return nil, fmt.Errorf("auth: %s: key %s: %v", ks.file, r.ID, err)
			}
			k := newKey(seed, r.Created)
			k.retired = r.Retired
			ks.keys = append(ks.keys, k)
		}
	}
	if _, err := ks.Rotate(now, false); err != nil {
		return nil, err
	}
	return ks, nil
}

// Rotate makes a new signing key when the current one is older than RotateEvery (or when
// force is set), retires the old one and prunes keys retired longer than the retention.
// It reports whether anything changed. Keys from the environment are never rotated.
func (ks *KeySet) Rotate(now time.Time, force bool) (bool, error) {
	if ks.file == "" {
		return false, nil
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	now = now.UTC()
	changed := false
	if len(ks.keys) == 0 || force || now.Sub(ks.keys[0].created) >= ks.rotateEvery {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return false, fmt.Errorf("auth: new signing key: %w", err)
		}
		if len(ks.keys) > 0 {
			ks.keys[0].retired = now
		}
		ks.keys = append([]*signingKey{newKey(seed, now)}, ks.keys...)
		changed = true
	}
	kept := ks.keys[:1]
	for _, k := range ks.keys[1:] {
		if !k.retired.IsZero() && now.Sub(k.retired) > ks.retain {
			changed = true
			continue
		}
		kept = append(kept, k)
	}
	ks.keys = kept
	if !changed {
		return false, nil
	}
	return true, ks.save()
}

func (ks *KeySet) save() error {
	var f keyFile
	for _, k := range ks.keys {
		f.Keys = append(f.Keys, keyRecord{ID: k.id, Created: k.created, Retired: k.retired,
			Seed: base64.StdEncoding.EncodeToString(k.priv.Seed())})
	}
	data, _ := json.MarshalIndent(f, "", "  ")
	tmp := ks.file + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("auth: write signing keys: %w", err)
	}
	if err := os.Rename(tmp, ks.file); err != nil {
		return fmt.Errorf("auth: write signing keys: %w", err)
	}
	return nil
}

// signer returns the current signing key.
func (ks *KeySet) signer() *signingKey {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return ks.keys[0]
}

// verifier returns the public key with this kid, if it is still kept.
func (ks *KeySet) verifier(kid string) (ed25519.PublicKey, bool) {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	for _, k := range ks.keys {
		if k.id == kid {
			return k.pub, true
		}
	}
	return nil, false
}

// KeyIDs lists the kept key IDs, signing key first.
func (ks *KeySet) KeyIDs() []string {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	out := make([]string, len(ks.keys))
	for i, k := range ks.keys {
		out[i] = k.id
	}
	return out
}

// PublicKeys returns the verification keys by kid (e.g. for publishing a JWKS).
func (ks *KeySet) PublicKeys() map[string]ed25519.PublicKey {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	out := make(map[string]ed25519.PublicKey, len(ks.keys))
	for _, k := range ks.keys {
		out[k.id] = k.pub
	}
	return out
}

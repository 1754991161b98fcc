package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kawan-labs/kawan"
)

// Access token settings. Tokens are EdDSA (Ed25519) JWTs with a `kid` header.
const (
	Issuer    = "kawan"
	Audience  = "kawan-api"
	AccessTTL = 15 * time.Minute
	// Leeway is the clock skew tolerated on exp, nbf and iat.
	Leeway = 30 * time.Second
	// MaxTokenBytes refuses absurd tokens before any parsing.
	MaxTokenBytes = 2048
)

// Claims are the access token's claims.
type Claims struct {
	jwt.RegisteredClaims
	Role      kawan.Role `json:"role"`
	AgencyID  string     `json:"agency,omitempty"`
	SessionID string     `json:"sid"`
	Name      string     `json:"name"`
	// Since is when the account was created (Unix seconds; absent in older tokens).
	Since int64 `json:"since,omitempty"`
}

// ErrBadToken is returned for every rejected token; the reason stays in the wrapped text
// for tests and is never shown to the client.
var ErrBadToken = errors.New("auth: access token rejected")

// Tokens signs and verifies access tokens with a key set.
type Tokens struct {
	keys   *KeySet
	now    func() time.Time
	parser *jwt.Parser
}

// NewTokens returns a signer/verifier; now may be nil (time.Now).
func NewTokens(keys *KeySet, now func() time.Time) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{keys: keys, now: now, parser: jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithNotBeforeRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
		jwt.WithTimeFunc(now),
		jwt.WithStrictDecoding(),
	)}
}

// Keys returns the key set.
func (t *Tokens) Keys() *KeySet { return t.keys }

// Sign issues an access token for p, valid for AccessTTL.
func (t *Tokens) Sign(p kawan.Principal) (string, time.Time, error) {
	now := t.now().UTC().Truncate(time.Second)
	exp := now.Add(AccessTTL)
	k := t.keys.signer()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: Issuer, Subject: p.UserID, Audience: jwt.ClaimStrings{Audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
		Role: p.Role, AgencyID: p.AgencyID, SessionID: p.SessionID, Name: p.Username, Since: unixOrZero(p.Since),
	})
	tok.Header["kid"] = k.id
	s, err := tok.SignedString(k.priv)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign access token: %w", err)
	}
	return s, exp, nil
}

// Verify checks an access token strictly: EdDSA only (none, HS256 and every other alg are
// refused before any key is used), a known kid, our issuer and audience, exp and nbf
// present and valid within Leeway, and well-formed role, subject and session claims.
func (t *Tokens) Verify(token string) (kawan.Principal, *Claims, error) {
	if len(token) == 0 || len(token) > MaxTokenBytes {
		return kawan.Principal{}, nil, fmt.Errorf("%w: size", ErrBadToken)
	}
	var c Claims
	_, err := t.parser.ParseWithClaims(token, &c, func(tok *jwt.Token) (any, error) {
		if tok.Method != jwt.SigningMethodEdDSA {
			return nil, errors.New("unexpected signing method")
		}
		kid, ok := tok.Header["kid"].(string)
		if !ok || kid == "" {
			return nil, errors.New("no kid")
		}
		pub, ok := t.keys.verifier(kid)
		if !ok {
			return nil, errors.New("unknown kid")
		}
		return pub, nil
	})
	if err != nil {
		return kawan.Principal{}, nil, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	if c.Since < 0 || c.IssuedAt != nil && c.Since > c.IssuedAt.Unix() {
		return kawan.Principal{}, nil, fmt.Errorf("%w: account time after issue", ErrBadToken)
	}
	if c.Subject == "" || len(c.Subject) > 64 || !c.Role.Valid() || c.SessionID == "" || len(c.SessionID) > 64 ||
		len(c.AgencyID) > 64 || len(c.Name) > 4*MaxUsernameRunes || (c.Role == kawan.RoleAgencyRep) != (c.AgencyID != "") {
		return kawan.Principal{}, nil, fmt.Errorf("%w: malformed claims", ErrBadToken)
	}
	p := kawan.Principal{UserID: c.Subject, Username: c.Name, Role: c.Role, AgencyID: c.AgencyID, SessionID: c.SessionID}
	if c.Since > 0 {
		p.Since = time.Unix(c.Since, 0).UTC()
	}
	return p, &c, nil
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() || t.Unix() <= 0 {
		return 0
	}
	return t.Unix()
}

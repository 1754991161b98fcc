// Package auth is Kawan's accounts, sessions and abuse protection: argon2id passwords
// with a common-password policy, confusable-proof usernames, Ed25519 (EdDSA) access tokens
// with a rotating key set, opaque single-use refresh tokens whose re-use revokes the whole
// family, keyed client fingerprints (never raw addresses), rate limits and sign-in
// back-off, agency representation claims, and the privacy rights (export, erasure).
//
// It has no HTTP code: api/auth.go and the frontend call the Service.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// Tunables of sessions and sign-in protection.
const (
	// SessionTTL is how long a refresh-token family lives after sign-in (absolute).
	SessionTTL = 30 * 24 * time.Hour
	// MaxRecentClients bounds the client fingerprints kept per account.
	MaxRecentClients = 8
	// maxPrevious bounds the used refresh-token hashes kept per family for re-use detection.
	maxPrevious = 32
	// Sign-in back-off: per (account, client network) after pairFreeFailures failures,
	// 2^(n-free) seconds up to pairMaxBackoff; per account, from any client it has not
	// signed in from recently, after accountFreeFailures, up to accountMaxBackoff. Clients
	// the account used recently are never slowed by others' failures, so an attacker
	// cannot lock the owner out. Counts restart after failureReset without failures.
	pairFreeFailures    = 5
	pairMaxBackoff      = 15 * time.Minute
	accountFreeFailures = 20
	accountMaxBackoff   = 5 * time.Minute
	failureReset        = time.Hour
)

// Options configure the Service.
type Options struct {
	// DataDir holds keys/ (signing keys and the fingerprint secret) unless the environment gives them.
	DataDir string
	// JWTKeys is KAWAN_JWT_KEYS (overrides keys under DataDir).
	JWTKeys string
	// FingerprintKey is KAWAN_FINGERPRINT_KEY (overrides the key under DataDir).
	FingerprintKey string
	// Params are the argon2id parameters for new hashes (DefaultParams when zero).
	Params Params
	// RotateEvery is how often the data-directory signing key is replaced (default 30 days).
	RotateEvery time.Duration
	// Rules override DefaultRules per kind.
	Rules map[string]Rule
	// MaxConcurrentHashes bounds simultaneous argon2id computations (default 2 × CPUs).
	MaxConcurrentHashes int
	Logger              *slog.Logger
	Audit               *store.AuditLog
	// Outbox delivers password-reset links (nil: recovery answers 503). BaseURL is the
	// site's public URL, the links' prefix.
	Outbox  Outbox
	BaseURL string
	// AgencyExists checks an agency ID before a claim is accepted (nil: any non-empty ID).
	AgencyExists func(ctx context.Context, id string) (bool, error)
	// ReviewEraser detaches or removes an erased account's reviews (the reviews area).
	ReviewEraser ReviewEraser
	// Exports are other areas' data added to every export: under Name, or, with an empty
	// Name, a map the source returns merged into the top level.
	Exports []ExportSource
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// Client is where a request comes from, as the API edge knows it. The address is used
// only to compute fingerprints and is never stored or logged.
type Client struct {
	Addr      string
	UserAgent string
}

// TokenPair is the answer to a sign-in or refresh.
type TokenPair struct {
	AccessToken  string          `json:"access_token"`
	RefreshToken string          `json:"refresh_token"`
	TokenType    string          `json:"token_type"`
	ExpiresIn    int             `json:"expires_in"`
	ExpiresAt    time.Time       `json:"-"`
	Principal    kawan.Principal `json:"-"`
}

// Service is the accounts service.
type Service struct {
	st      *store.Users
	tokens  *Tokens
	fp      *Fingerprinter
	audit   *store.AuditLog
	log     *slog.Logger
	params  Params
	now     func() time.Time
	limits  *localLimiter
	hashSem chan struct{}
	dummy   string // a hash verified when the username does not exist, so timing says nothing
	exists  func(ctx context.Context, id string) (bool, error)

	revMu   sync.RWMutex
	revoked map[string]time.Time // "s:<sid>" / "u:<user>" → revoked at

	eraser ReviewEraser
	export []ExportSource

	outbox   Outbox
	baseURL  string
	resetSem chan struct{} // bounds reset deliveries in flight
	resetWG  sync.WaitGroup

	// verified caches tokens whose signature and claims were already checked: a client
	// sends the same access token for up to 15 minutes, so most requests skip the Ed25519
	// verification. Expiry and revocation are still checked on every hit.
	cacheMu  sync.RWMutex
	verified map[string]verifiedToken
}

type verifiedToken struct {
	p   kawan.Principal
	iat time.Time
	exp time.Time
}

// maxVerifiedCache bounds the verification cache (≈ 0.5 KB per entry); past it, the cache
// is cleared.
const maxVerifiedCache = 20000

// New builds the service: it loads (or creates) the signing keys and fingerprint secret.
func New(st *store.Users, o Options) (*Service, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Params.Memory == 0 {
		o.Params = DefaultParams
	}
	if o.RotateEvery <= 0 {
		o.RotateEvery = 30 * 24 * time.Hour
	}
	if o.MaxConcurrentHashes <= 0 {
		o.MaxConcurrentHashes = 2 * runtime.NumCPU()
	}
	retain := AccessTTL + 2*Leeway
	var ks *KeySet
	var err error
	if o.JWTKeys != "" {
		ks, err = KeySetFromEnv(o.JWTKeys, retain)
	} else {
		ks, err = LoadKeySet(filepath.Join(o.DataDir, "keys"), o.RotateEvery, retain, o.Now())
	}
	if err != nil {
		return nil, err
	}
	secret, err := fingerprintSecret(o)
	if err != nil {
		return nil, err
	}
	s := &Service{
		st: st, tokens: NewTokens(ks, o.Now), fp: NewFingerprinter(secret), audit: o.Audit, log: o.Logger,
		params: o.Params, now: o.Now, limits: newLocalLimiter(o.Rules), hashSem: make(chan struct{}, o.MaxConcurrentHashes),
		exists: o.AgencyExists, eraser: o.ReviewEraser, export: append([]ExportSource(nil), o.Exports...),
		revoked: map[string]time.Time{}, verified: map[string]verifiedToken{},
		outbox: o.Outbox, baseURL: strings.TrimRight(o.BaseURL, "/"), resetSem: make(chan struct{}, 16),
	}
	var rnd [24]byte
	_, _ = rand.Read(rnd[:])
	if s.dummy, err = HashPassword(hex.EncodeToString(rnd[:]), o.Params); err != nil {
		return nil, err
	}
	return s, nil
}

func fingerprintSecret(o Options) ([]byte, error) {
	if o.FingerprintKey != "" {
		if len(o.FingerprintKey) < 32 {
			return nil, errors.New("auth: KAWAN_FINGERPRINT_KEY must be at least 32 characters")
		}
		return []byte(o.FingerprintKey), nil
	}
	dir := filepath.Join(o.DataDir, "keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("auth: key directory: %w", err)
	}
	file := filepath.Join(dir, "fingerprint.key")
	if b, err := os.ReadFile(file); err == nil && len(b) >= 32 {
		return b, nil
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	b = []byte(base64.StdEncoding.EncodeToString(b))
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return nil, fmt.Errorf("auth: write fingerprint key: %w", err)
	}
	return b, nil
}

// Tokens returns the access-token signer/verifier.
func (s *Service) Tokens() *Tokens { return s.tokens }

// Store returns the accounts repository.
func (s *Service) Store() *store.Users { return s.st }

// SetRule changes one kind's rate limit at run time (tests, operators).
func (s *Service) SetRule(kind string, r Rule) { s.limits.setRule(kind, r) }

// ---- fingerprints ----

// Fingerprint is the keyed HMAC of a client's network address and user agent (see
// Fingerprinter). It is what reviews, sessions and moderation keep instead of addresses.
func (s *Service) Fingerprint(addr, userAgent string) string {
	return s.fp.Client(addr, userAgent, s.now())
}

// PrefixFingerprint is the keyed HMAC of the client's network prefix (IPv4 /24, IPv6 /48):
// what stays the same when a browser, a device or (behind one office router) an account
// changes. Moderation compares it, never the address.
func (s *Service) PrefixFingerprint(addr string) string { return s.fp.Prefix(addr, s.now()) }

// NetworkFingerprint is the keyed HMAC of the client's IPv4 address or IPv6 /64.
func (s *Service) NetworkFingerprint(addr string) string { return s.fp.Network(addr, s.now()) }

// ContactHash is the keyed HMAC of an e-mail address or phone number, normalised the way
// accounts store them (see NormalizeEmail, NormalizePhone); moderation compares it with
// contact details found in review text.
func (s *Service) ContactHash(contact string) string {
	if e, err := NormalizeEmail(contact); err == nil && strings.Contains(contact, "@") {
		return s.fp.Contact(e)
	}
	if p, err := NormalizePhone(contact); err == nil {
		return s.fp.Contact(p)
	}
	return s.fp.Contact(strings.ToLower(strings.TrimSpace(contact)))
}

// ---- rate limits ----

// Limit applies the rule of kind to a request: the local bucket of the client's network,
// then (when userID is set and the rule has one) the account's window in MongoDB. The
// error is a *kawan.RetryAfterError wrapping kawan.ErrRateLimited (429 with Retry-After).
func (s *Service) Limit(ctx context.Context, kind string, c Client, userID string) error {
	now := s.now()
	if d := s.limits.allow(kind, s.fp.Network(c.Addr, now), now); d > 0 {
		return &kawan.RetryAfterError{Err: fmt.Errorf("auth: too many %s requests from your network: %w", kind, kawan.ErrRateLimited), Seconds: retrySeconds(d)}
	}
	r, ok := s.limits.rule(kind)
	if !ok || userID == "" || r.AccountMax <= 0 || r.AccountWindow <= 0 {
		return nil
	}
	n, end, err := s.st.Hit(ctx, kind+"|"+userID, r.AccountWindow, now)
	if err != nil {
		return err
	}
	if n > r.AccountMax {
		return &kawan.RetryAfterError{Err: fmt.Errorf("auth: this account made too many %s requests: %w", kind, kawan.ErrRateLimited), Seconds: retrySeconds(end.Sub(now))}
	}
	return nil
}

// ---- passwords ----

func (s *Service) acquire(ctx context.Context) (func(), error) {
	t := time.NewTimer(3 * time.Second)
	defer t.Stop()
	select {
	case s.hashSem <- struct{}{}:
		return func() { <-s.hashSem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, &kawan.RetryAfterError{Err: fmt.Errorf("auth: sign-in is busy: %w", kawan.ErrUnavailable), Seconds: 2}
	}
}

func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(pw, s.params)
}

func (s *Service) verify(ctx context.Context, pw, encoded string) (bool, bool, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return false, false, err
	}
	defer release()
	return VerifyPassword(pw, encoded, s.params)
}

// ---- accounts ----

// Registration is what a new account gives: a username and password; e-mail and phone
// are optional and used only for recovery.
type Registration struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// Register creates a worker account. Only the username's availability is revealed (409).
func (s *Service) Register(ctx context.Context, in Registration) (*kawan.User, error) {
	return s.create(ctx, in, kawan.RoleWorker, "", false)
}

// CreateUser creates an account with any role (bootstrap `kawan users create`, demo data,
// tests). The password policy applies unless demo is set.
func (s *Service) CreateUser(ctx context.Context, in Registration, role kawan.Role, agencyID string, demo bool) (*kawan.User, error) {
	if !role.Valid() {
		return nil, kawan.Invalid("role", "must be one of worker, agency_rep, partner, moderator, admin")
	}
	if (role == kawan.RoleAgencyRep) != (agencyID != "") {
		return nil, kawan.Invalid("agency_id", "is required for agency_rep and only for it")
	}
	return s.create(ctx, in, role, agencyID, demo)
}

// CheckRegistration validates a sign-up as Register would, creating nothing: every field's
// problem at once (the sign-up form shows them together with its own checks).
func (s *Service) CheckRegistration(in Registration) error {
	_, _, _, err := s.newUser(in, kawan.RoleWorker, "", false)
	return err
}

func (s *Service) create(ctx context.Context, in Registration, role kawan.Role, agencyID string, demo bool) (*kawan.User, error) {
	u, pw, key, err := s.newUser(in, role, agencyID, demo)
	if err != nil {
		return nil, err
	}
	if u.PasswordHash, err = s.hash(ctx, pw); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = now, now, now
	if err := s.reserve(ctx, key, u.ID, now); err != nil {
		return nil, err
	}
	if err := s.st.InsertUser(ctx, u); err != nil {
		_ = s.st.ReleaseUsername(context.WithoutCancel(ctx), key, u.ID)
		return nil, err
	}
	s.auditLog(ctx, kawan.AuditEntry{ActorID: u.ID, ActorRole: role, Action: "account.create", Subject: "user:" + u.ID, To: string(role)})
	return u, nil
}

// newUser validates a registration (every field's problem at once) and returns the account
// to create, its normalized password and its username key.
func (s *Service) newUser(in Registration, role kawan.Role, agencyID string, demo bool) (*kawan.User, string, string, error) {
	v := &kawan.ValidationError{}
	name, key, err := NormalizeUsername(in.Username)
	if err != nil {
		v.Fields = append(v.Fields, err.(*kawan.ValidationError).Fields...)
	}
	pw := NormalizePassword(in.Password)
	if err := CheckPassword(pw, name); err != nil && !(demo && len(pw) <= MaxPasswordBytes && pw != "") {
		v.Fields = append(v.Fields, err.(*kawan.ValidationError).Fields...)
	}
	u := &kawan.User{ID: kawan.NewID(), Username: name, UsernameKey: key, Role: role, AgencyID: agencyID, Demo: demo}
	if in.Email != "" {
		if e, err := NormalizeEmail(in.Email); err != nil {
			v.Add("email", "%v", err)
		} else {
			u.Email = e
			u.ContactHashes = append(u.ContactHashes, s.fp.Contact(e))
		}
	}
	if in.Phone != "" {
		if p, err := NormalizePhone(in.Phone); err != nil {
			v.Add("phone", "%v", err)
		} else {
			u.Phone = p
			u.ContactHashes = append(u.ContactHashes, s.fp.Contact(p))
		}
	}
	if err := v.Err(); err != nil {
		return nil, "", "", err
	}
	return u, pw, key, nil
}

// reserve claims a username key; a reservation whose account was never created (a crash
// between the two writes) is taken over after a minute.
func (s *Service) reserve(ctx context.Context, key, userID string, now time.Time) error {
	err := s.st.ReserveUsername(ctx, key, userID, now)
	if !errors.Is(err, kawan.ErrConflict) {
		return err
	}
	owner, at, oerr := s.st.UsernameOwner(ctx, key)
	if oerr != nil || now.Sub(at) < time.Minute {
		return err
	}
	if _, uerr := s.st.User(ctx, owner); !errors.Is(uerr, kawan.ErrNotFound) {
		return err
	}
	if ok, terr := s.st.TakeOverUsername(ctx, key, owner, userID, now); terr != nil || !ok {
		return err
	}
	return nil
}

// User reads an account.
func (s *Service) User(ctx context.Context, userID string) (*kawan.User, error) {
	return s.st.User(ctx, userID)
}

// AccountCreated returns when an account was created (the zero time if it is gone); the
// review submission records it for moderation's new-account signal.
func (s *Service) AccountCreated(ctx context.Context, userID string) time.Time {
	u, err := s.st.User(ctx, userID)
	if err != nil {
		return time.Time{}
	}
	return u.CreatedAt
}

// errBadCredentials is the one answer to every failed sign-in: it never says whether the
// username exists.
var errBadCredentials = fmt.Errorf("auth: wrong username or password: %w", kawan.ErrUnauthenticated)

// Login checks a username and password and starts a session. Failures are counted per
// (account, client network) and per account; see the back-off constants.
func (s *Service) Login(ctx context.Context, username, password string, c Client) (TokenPair, error) {
	if len(password) > MaxPasswordBytes {
		return TokenPair{}, kawan.Invalid("password", "must be at most %d bytes", MaxPasswordBytes)
	}
	if len(username) > maxUsernameBytes {
		return TokenPair{}, kawan.Invalid("username", "must be at most %d characters", MaxUsernameRunes)
	}
	name, key, err := NormalizeUsername(username)
	if err != nil || password == "" {
		return TokenPair{}, errBadCredentials
	}
	now := s.now().UTC()
	acctKey := "a|" + shortHash(key)
	pairKey := "p|" + shortHash(key) + "|" + s.fp.Network(c.Addr, now)
	clientFP := s.fp.Client(c.Addr, c.UserAgent, now)

	pair, err := s.st.Throttle(ctx, pairKey)
	if err != nil {
		return TokenPair{}, err
	}
	if now.Before(pair.Until) {
		return TokenPair{}, &kawan.RetryAfterError{Err: fmt.Errorf("auth: too many failed sign-ins from here: %w", kawan.ErrRateLimited), Seconds: retrySeconds(pair.Until.Sub(now))}
	}
	var u *kawan.User
	if owner, _, err := s.st.UsernameOwner(ctx, key); err == nil {
		if u, err = s.st.User(ctx, owner); err != nil && !errors.Is(err, kawan.ErrNotFound) {
			return TokenPair{}, err
		}
	} else if !errors.Is(err, kawan.ErrNotFound) {
		return TokenPair{}, err
	}
	known := u != nil && slices.ContainsFunc(u.RecentClients, func(sc kawan.SeenClient) bool { return sc.FP == clientFP })
	if !known {
		acct, err := s.st.Throttle(ctx, acctKey)
		if err != nil {
			return TokenPair{}, err
		}
		if acct.Failures >= accountFreeFailures && now.Before(acct.Until) {
			return TokenPair{}, &kawan.RetryAfterError{Err: fmt.Errorf("auth: too many failed sign-ins for this account; try again later or from a device you used before: %w", kawan.ErrRateLimited), Seconds: retrySeconds(acct.Until.Sub(now))}
		}
	}
	pw := NormalizePassword(password)
	hash := s.dummy
	if u != nil && u.Username == name {
		hash = u.PasswordHash
	}
	ok, rehash, err := s.verify(ctx, pw, hash)
	if err != nil {
		var ra *kawan.RetryAfterError
		if errors.As(err, &ra) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return TokenPair{}, err
		}
		s.log.Error("stored password hash unreadable", "user_id", u.ID, "err", err)
		ok = false
	}
	if !ok || u == nil || hash == s.dummy {
		bg := context.WithoutCancel(ctx)
		if _, err := s.st.RecordFailure(bg, pairKey, now, failureReset, backoff(pairFreeFailures, pairMaxBackoff)); err != nil {
			return TokenPair{}, err
		}
		if _, err := s.st.RecordFailure(bg, acctKey, now, failureReset, backoff(accountFreeFailures, accountMaxBackoff)); err != nil {
			return TokenPair{}, err
		}
		return TokenPair{}, errBadCredentials
	}
	_ = s.st.ClearThrottle(ctx, pairKey)
	if rehash {
		if h, err := s.hash(ctx, pw); err == nil {
			_ = s.st.UpdateUser(ctx, u.ID, bson.D{{Key: "password_hash", Value: h}}, now)
		}
	}
	return s.StartSession(ctx, u, c)
}

func backoff(free int64, ceiling time.Duration) func(int64) time.Duration {
	return func(n int64) time.Duration {
		if n <= free {
			return 0
		}
		exp := min(n-free, 20)
		return min(time.Duration(1<<exp)*time.Second, ceiling)
	}
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(h[:15])
}

// StartSession opens a new refresh-token family for u and issues the first token pair.
// Login calls it after checking the password; demo tools and tests call it directly.
func (s *Service) StartSession(ctx context.Context, u *kawan.User, c Client) (TokenPair, error) {
	now := s.now().UTC()
	secret, hash := newRefreshSecret()
	ss := &store.Session{ID: kawan.NewID(), UserID: u.ID, Hash: hash, Previous: []string{}, CreatedAt: now, LastUsedAt: now,
		ExpiresAt: now.Add(SessionTTL)}
	if c.Addr != "" || c.UserAgent != "" {
		ss.ClientFP = s.fp.Client(c.Addr, c.UserAgent, now)
		s.rememberClient(ctx, u, ss.ClientFP, s.fp.Prefix(c.Addr, now), now)
	}
	if err := s.st.InsertSession(ctx, ss); err != nil {
		return TokenPair{}, err
	}
	return s.pair(u, ss.ID, secret)
}

func (s *Service) pair(u *kawan.User, sid, secret string) (TokenPair, error) {
	p := u.Principal(sid)
	tok, exp, err := s.tokens.Sign(p)
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: tok, RefreshToken: refreshPrefix + sid + "." + secret, TokenType: "Bearer",
		ExpiresIn: int(AccessTTL / time.Second), ExpiresAt: exp, Principal: p}, nil
}

// rememberClient keeps the newest MaxRecentClients fingerprints on the account.
func (s *Service) rememberClient(ctx context.Context, u *kawan.User, fp, prefix string, now time.Time) {
	list := []kawan.SeenClient{{FP: fp, At: now}}
	if prefix != "" && prefix != fp {
		// The network prefix is remembered beside the client, so that a representative's
		// office is recognised when a review comes from it with another browser.
		list = append(list, kawan.SeenClient{FP: prefix, At: now})
	}
	for _, sc := range u.RecentClients {
		if sc.FP != fp && sc.FP != prefix && len(list) < MaxRecentClients {
			list = append(list, sc)
		}
	}
	u.RecentClients = list
	if err := s.st.UpdateUser(ctx, u.ID, bson.D{{Key: "recent_clients", Value: list}}, now); err != nil {
		s.log.Warn("remember client fingerprint", "user_id", u.ID, "err", err)
	}
}

const refreshPrefix = "kwr1."

func newRefreshSecret() (secret, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret)
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// ParseRefreshToken splits "kwr1.<session>.<secret>"; ok is false for anything else.
func ParseRefreshToken(tok string) (sid, secret string, ok bool) {
	if len(tok) > 200 || !strings.HasPrefix(tok, refreshPrefix) {
		return "", "", false
	}
	sid, secret, ok = strings.Cut(tok[len(refreshPrefix):], ".")
	if !ok || len(sid) != 26 || len(secret) != 43 {
		return "", "", false
	}
	for _, r := range sid {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			return "", "", false
		}
	}
	if _, err := base64.RawURLEncoding.DecodeString(secret); err != nil {
		return "", "", false
	}
	return sid, secret, true
}

var errBadRefresh = fmt.Errorf("auth: refresh token is not valid; sign in again: %w", kawan.ErrUnauthenticated)

// Refresh exchanges a refresh token for a new pair. The token is single-use: presenting
// one that was already used revokes its whole family (someone else has a copy), and every
// access token of the family stops working.
func (s *Service) Refresh(ctx context.Context, token string, c Client) (TokenPair, error) {
	sid, secret, ok := ParseRefreshToken(token)
	if !ok {
		return TokenPair{}, errBadRefresh
	}
	ss, err := s.st.Session(ctx, sid)
	if errors.Is(err, kawan.ErrNotFound) {
		return TokenPair{}, errBadRefresh
	}
	if err != nil {
		return TokenPair{}, err
	}
	now := s.now().UTC()
	h := hashSecret(secret)
	if ss.Revoked != "" || !now.Before(ss.ExpiresAt) {
		return TokenPair{}, errBadRefresh
	}
	if subtle.ConstantTimeCompare([]byte(h), []byte(ss.Hash)) != 1 {
		if slices.Contains(ss.Previous, h) {
			s.revokeFamily(ctx, ss, "reuse", now)
		}
		return TokenPair{}, errBadRefresh
	}
	u, err := s.st.User(ctx, ss.UserID)
	if errors.Is(err, kawan.ErrNotFound) {
		return TokenPair{}, errBadRefresh
	}
	if err != nil {
		return TokenPair{}, err
	}
	if err := s.Limit(ctx, LimitRefresh, c, u.ID); err != nil {
		return TokenPair{}, err
	}
	newSecret, newHash := newRefreshSecret()
	prev := append([]string{ss.Hash}, ss.Previous...)
	if len(prev) > maxPrevious {
		prev = prev[:maxPrevious]
	}
	won, err := s.st.RotateSession(ctx, sid, ss.Hash, newHash, prev, now)
	if err != nil {
		return TokenPair{}, err
	}
	if !won {
		// Someone presented the same token at the same moment: one of the two is a copy.
		s.revokeFamily(ctx, ss, "reuse", now)
		return TokenPair{}, errBadRefresh
	}
	return s.pair(u, sid, newSecret)
}

func (s *Service) revokeFamily(ctx context.Context, ss *store.Session, reason string, now time.Time) {
	ctx = context.WithoutCancel(ctx)
	if err := s.st.RevokeSession(ctx, ss.ID, reason, now); err != nil {
		s.log.Error("revoke session", "session_id", ss.ID, "err", err)
	}
	s.revoke(ctx, "s:"+ss.ID, now)
	if reason == "reuse" {
		s.log.Warn("refresh token re-used; session revoked", "session_id", ss.ID, "user_id", ss.UserID)
		s.auditLog(ctx, kawan.AuditEntry{Action: "session.revoke", Subject: "user:" + ss.UserID, Reason: "refresh token re-used"})
	}
}

// Logout revokes the caller's session: its refresh token and, within seconds on every
// process, its access tokens.
func (s *Service) Logout(ctx context.Context, p kawan.Principal) error {
	if p.SessionID == "" {
		return nil
	}
	ss, err := s.st.Session(ctx, p.SessionID)
	if errors.Is(err, kawan.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if ss.UserID != p.UserID {
		return fmt.Errorf("auth: not your session: %w", kawan.ErrForbidden)
	}
	now := s.now().UTC()
	if err := s.st.RevokeSession(ctx, ss.ID, "logout", now); err != nil {
		return err
	}
	s.revoke(ctx, "s:"+ss.ID, now)
	return nil
}

// LogoutRefresh revokes the session a refresh token belongs to (a client whose access
// token has expired can still sign out). An invalid token is ignored.
func (s *Service) LogoutRefresh(ctx context.Context, token string) error {
	sid, secret, ok := ParseRefreshToken(token)
	if !ok {
		return nil
	}
	ss, err := s.st.Session(ctx, sid)
	if err != nil || subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(ss.Hash)) != 1 {
		return nil
	}
	now := s.now().UTC()
	if err := s.st.RevokeSession(ctx, ss.ID, "logout", now); err != nil {
		return err
	}
	s.revoke(ctx, "s:"+ss.ID, now)
	return nil
}

// RevokeUser ends every session of an account and rejects its access tokens issued
// before now (role change, erasure, password change).
func (s *Service) RevokeUser(ctx context.Context, userID, reason string) error {
	now := s.now().UTC()
	if err := s.st.RevokeUserSessions(ctx, userID, reason, now); err != nil {
		return err
	}
	s.revoke(ctx, "u:"+userID, now)
	return nil
}

func (s *Service) revoke(ctx context.Context, key string, at time.Time) {
	s.revMu.Lock()
	if at.After(s.revoked[key]) {
		s.revoked[key] = at
	}
	s.revMu.Unlock()
	err := s.st.AddRevocation(context.WithoutCancel(ctx), store.Revocation{ID: key, At: at, Until: at.Add(AccessTTL + 2*Leeway)})
	if err != nil {
		s.log.Error("record revocation", "err", err)
	}
}

// SyncRevocations reloads the revocations every process has recorded (a small collection:
// entries live only as long as an access token). Run by the background job every few seconds.
func (s *Service) SyncRevocations(ctx context.Context) error {
	now := s.now().UTC()
	list, err := s.st.Revocations(ctx, now)
	if err != nil {
		return err
	}
	m := make(map[string]time.Time, len(list))
	for _, r := range list {
		m[r.ID] = r.At
	}
	s.revMu.Lock()
	for k, at := range s.revoked {
		if now.Sub(at) <= AccessTTL+2*Leeway && at.After(m[k]) {
			m[k] = at // recorded here, not yet visible in the database
		}
	}
	s.revoked = m
	s.revMu.Unlock()
	return nil
}

// VerifyAccessToken implements api.TokenVerifier: a strictly verified token whose session
// and account have not been revoked. It does no I/O.
func (s *Service) VerifyAccessToken(_ context.Context, token string) (kawan.Principal, error) {
	s.cacheMu.RLock()
	v, hit := s.verified[token]
	s.cacheMu.RUnlock()
	if hit {
		if !s.now().Before(v.exp.Add(Leeway)) {
			return kawan.Principal{}, fmt.Errorf("%w: expired", ErrBadToken)
		}
	} else {
		p, c, err := s.tokens.Verify(token)
		if err != nil {
			return kawan.Principal{}, err
		}
		v = verifiedToken{p: p, iat: c.IssuedAt.Time, exp: c.ExpiresAt.Time}
		s.cacheMu.Lock()
		if len(s.verified) >= maxVerifiedCache {
			clear(s.verified)
		}
		s.verified[token] = v
		s.cacheMu.Unlock()
	}
	s.revMu.RLock()
	_, sRevoked := s.revoked["s:"+v.p.SessionID]
	uAt, uRevoked := s.revoked["u:"+v.p.UserID]
	s.revMu.RUnlock()
	// iat has one-second precision: a token issued in the second of a user revocation is
	// refused too (after a role change the client refreshes again a moment later).
	if sRevoked || uRevoked && !v.iat.After(uAt.Truncate(time.Second)) {
		return kawan.Principal{}, fmt.Errorf("%w: revoked", ErrBadToken)
	}
	return v.p, nil
}

// Run is the background job: it syncs revocations every 5 s, and hourly rotates the
// signing key when due and purges expired sessions, counters and revocations.
func (s *Service) Run(ctx context.Context) {
	sync := time.NewTicker(5 * time.Second)
	defer sync.Stop()
	hourly := time.NewTicker(time.Hour)
	defer hourly.Stop()
	s.housekeeping(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-sync.C:
			if err := s.SyncRevocations(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("sync revocations", "err", err)
			}
		case <-hourly.C:
			s.housekeeping(ctx)
		}
	}
}

func (s *Service) housekeeping(ctx context.Context) {
	now := s.now().UTC()
	if changed, err := s.tokens.keys.Rotate(now, false); err != nil {
		s.log.Error("rotate signing key", "err", err)
	} else if changed {
		s.log.Info("signing keys rotated", "kids", strings.Join(s.tokens.keys.KeyIDs(), ","))
	}
	for what, err := range map[string]error{
		"sessions":    func() error { _, err := s.st.PurgeSessions(ctx, now.Add(-7*24*time.Hour)); return err }(),
		"counters":    s.st.PurgeCounters(ctx, now.Add(-time.Hour)),
		"throttle":    s.st.PurgeThrottle(ctx, now.Add(-24*time.Hour)),
		"revocations": s.st.PurgeRevocations(ctx, now),
		"resets":      s.st.PurgeResets(ctx, now),
	} {
		if err != nil && ctx.Err() == nil {
			s.log.Warn("purge", "what", what, "err", err)
		}
	}
}

func (s *Service) auditLog(ctx context.Context, e kawan.AuditEntry) {
	if s.audit == nil {
		return
	}
	if err := s.audit.Append(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("audit log append", "action", e.Action, "err", err)
	}
}

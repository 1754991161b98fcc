package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// Password recovery: a person who forgot the password gives the e-mail address or phone
// number the account gave; if an account has it, a single-use link that expires after
// ResetTTL is sent there through the Outbox. The answer is the same whether or not an
// account exists, and so is its timing: the look-up and the delivery run after the answer.

// ResetTTL is how long a password-reset link works.
const ResetTTL = time.Hour

// LimitRecover is the rate-limit kind of password-reset requests (per client network, and
// per contact detail asked about, whether or not an account has it).
const LimitRecover = "recover"

// resetDelay is the least time between a reset request's answer and the look-up of its
// contact (up to twice this, at random).
const resetDelay = 25 * time.Millisecond

// maxResetAccounts bounds the accounts one contact detail can receive links for (several
// accounts may give one family phone).
const maxResetAccounts = 3

// resetPrefix marks Kawan password-reset secrets ("kwp1." + 43 base64url characters).
const resetPrefix = "kwp1."

// ResetMessage is one password-reset link to deliver. Link carries the secret; an Outbox
// must treat it as a password (never log it).
type ResetMessage struct {
	Channel   string // "email" or "sms"
	To        string // the address or number the account gave
	Username  string // people forget usernames too
	Link      string
	Lang      string // the language the request was made in
	ExpiresAt time.Time
}

// Outbox delivers account messages. Kawan has no e-mail or SMS sender yet; FileOutbox is
// the development sender.
type Outbox interface {
	SendReset(ctx context.Context, m ResetMessage) error
}

// FileOutbox is the development Outbox: each message is written as a file (mode 0600) under
// Dir, and only the file's path is logged, never the link, the address or the number.
type FileOutbox struct {
	Dir string
	Log func(msg string, args ...any)
}

// SendReset writes m to Dir/reset-<time>-<random>.txt.
func (o FileOutbox) SendReset(_ context.Context, m ResetMessage) error {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return fmt.Errorf("auth: outbox directory: %w", err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := filepath.Join(o.Dir, fmt.Sprintf("reset-%s-%x.txt", time.Now().UTC().Format("20060102T150405.000000000"), rnd))
	body := fmt.Sprintf("channel: %s\nto: %s\nusername: %s\nlang: %s\nexpires: %s\nlink: %s\n",
		m.Channel, m.To, m.Username, m.Lang, m.ExpiresAt.UTC().Format(time.RFC3339), m.Link)
	if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
		return fmt.Errorf("auth: write outbox message: %w", err)
	}
	if o.Log != nil {
		o.Log("password reset link written to outbox file (development sender; nothing was e-mailed or texted)", "file", name)
	}
	return nil
}

// Messages reads back the messages written to Dir, oldest first (development tools and
// tests; a missing directory has none).
func (o FileOutbox) Messages() ([]ResetMessage, error) {
	files, err := filepath.Glob(filepath.Join(o.Dir, "reset-*.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []ResetMessage
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m ResetMessage
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, ": ")
			switch k {
			case "channel":
				m.Channel = v
			case "to":
				m.To = v
			case "username":
				m.Username = v
			case "lang":
				m.Lang = v
			case "expires":
				m.ExpiresAt, _ = time.Parse(time.RFC3339, v)
			case "link":
				m.Link = v
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// ResetRequest is a "forgot password" request.
type ResetRequest struct {
	Contact string // e-mail address or phone number
	Lang    string // language of the message
}

// normalizeContact reads an e-mail address (anything with @) or a phone number.
func normalizeContact(s string) (channel, norm string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", kawan.Invalid("contact", "is required: the e-mail address or phone number the account gave")
	}
	if strings.Contains(s, "@") {
		e, err := NormalizeEmail(s)
		if err != nil {
			return "", "", kawan.Invalid("contact", "%v", err)
		}
		return "email", e, nil
	}
	p, err := NormalizePhone(s)
	if err != nil {
		return "", "", kawan.Invalid("contact", "%v", err)
	}
	return "sms", p, nil
}

// RequestReset starts password recovery. It fails only on bad input, rate limits or an
// unavailable database, never because no account has the contact detail: the look-up and
// the delivery run in the background (bounded), so neither the answer nor its timing
// tells whether an account exists.
func (s *Service) RequestReset(ctx context.Context, in ResetRequest, c Client) error {
	channel, contact, err := normalizeContact(in.Contact)
	if err != nil {
		return err
	}
	hash := s.fp.Contact(contact)
	if err := s.Limit(ctx, LimitRecover, c, "contact:"+hash); err != nil {
		return err
	}
	if s.outbox == nil {
		return fmt.Errorf("auth: password recovery has no outbox: %w", kawan.ErrUnavailable)
	}
	select {
	case s.resetSem <- struct{}{}:
	default:
		return &kawan.RetryAfterError{Err: fmt.Errorf("auth: password recovery is busy: %w", kawan.ErrUnavailable), Seconds: 5}
	}
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	s.resetWG.Add(1)
	go func() {
		defer func() { <-s.resetSem; cancel(); s.resetWG.Done() }()
		// Start after the answer has gone (and at a random moment), so the work of a known
		// contact (a stored link, a message) does not slow down the answer itself.
		t := time.NewTimer(resetDelay + time.Duration(mrand.Int64N(int64(resetDelay))))
		defer t.Stop()
		select {
		case <-t.C:
		case <-bg.Done():
			return
		}
		if err := s.sendResets(bg, channel, contact, hash, in.Lang); err != nil {
			s.log.Warn("password reset not delivered", "err", err)
		}
	}()
	return nil
}

// WaitResets waits for password-reset deliveries in flight (shutdown, tests).
func (s *Service) WaitResets() { s.resetWG.Wait() }

func (s *Service) sendResets(ctx context.Context, channel, contact, hash, lang string) error {
	users, err := s.st.UsersByContact(ctx, hash, maxResetAccounts)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	for _, u := range users {
		// the stored field must still be the one asked about (hashes match, but be exact)
		if (channel == "email" && u.Email != contact) || (channel == "sms" && u.Phone != contact) {
			continue
		}
		secret, h := newResetSecret()
		r := &store.PasswordReset{Hash: h, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(ResetTTL)}
		if err := s.st.InsertReset(ctx, r); err != nil {
			return err
		}
		m := ResetMessage{Channel: channel, To: contact, Username: u.Username, Lang: lang, ExpiresAt: r.ExpiresAt,
			Link: s.baseURL + "/reset?token=" + resetPrefix + secret}
		if err := s.outbox.SendReset(ctx, m); err != nil {
			return err
		}
		s.auditLog(ctx, kawan.AuditEntry{ActorID: u.ID, ActorRole: u.Role, Action: "account.reset_request", Subject: "user:" + u.ID, Reason: channel})
	}
	return nil
}

// bsonPassword is the update that sets a new password hash.
func bsonPassword(hash string, now time.Time) bson.D {
	return bson.D{{Key: "password_hash", Value: hash}, {Key: "password_changed_at", Value: now}}
}

func newResetSecret() (secret, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret)
}

// errBadReset is the one answer to a link that is malformed, unknown, used or expired.
var errBadReset = kawan.Invalid("token", "this link is not valid, was already used or has expired; ask for a new one")

// resetHash checks a link's secret and returns its stored hash.
func resetHash(token string) (string, bool) {
	secret, ok := strings.CutPrefix(strings.TrimSpace(token), resetPrefix)
	if !ok || len(secret) != 43 {
		return "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(secret); err != nil {
		return "", false
	}
	return hashSecret(secret), true
}

// liveReset reads the reset link of token if it can still be used (unused, unexpired).
func (s *Service) liveReset(ctx context.Context, token string) (*store.PasswordReset, error) {
	h, ok := resetHash(token)
	if !ok {
		return nil, errBadReset
	}
	r, err := s.st.Reset(ctx, h)
	if errors.Is(err, kawan.ErrNotFound) {
		return nil, errBadReset
	}
	if err != nil {
		return nil, err
	}
	if !r.UsedAt.IsZero() || !s.now().Before(r.ExpiresAt) {
		return nil, errBadReset
	}
	return r, nil
}

// CheckReset reports whether a reset link can still be used (the form is shown only then).
func (s *Service) CheckReset(ctx context.Context, token string) error {
	_, err := s.liveReset(ctx, token)
	return err
}

// ResetPassword sets a new password with a reset link. The link works once; the new
// password must pass the policy before the link is used up; afterwards every session of
// the account (every refresh-token family, and their access tokens) is revoked, and the
// account's other reset links are deleted.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	if len(password) > MaxPasswordBytes {
		return kawan.Invalid("password", "must be at most %d bytes", MaxPasswordBytes)
	}
	r, err := s.liveReset(ctx, token)
	if err != nil {
		return err
	}
	u, err := s.st.User(ctx, r.UserID)
	if errors.Is(err, kawan.ErrNotFound) {
		return errBadReset
	}
	if err != nil {
		return err
	}
	pw := NormalizePassword(password)
	if err := CheckPassword(pw, u.Username); err != nil {
		return err
	}
	hashed, err := s.hash(ctx, pw)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	won, err := s.st.UseReset(ctx, r, now)
	if err != nil {
		return err
	}
	if !won {
		return errBadReset
	}
	bg := context.WithoutCancel(ctx)
	if err := s.st.UpdateUser(bg, u.ID, bsonPassword(hashed, now), now); err != nil {
		return err
	}
	if err := s.RevokeUser(bg, u.ID, "password_reset"); err != nil {
		return err
	}
	if err := s.st.DeleteUserResets(bg, u.ID); err != nil {
		s.log.Warn("delete used password reset links", "user_id", u.ID, "err", err)
	}
	s.auditLog(ctx, kawan.AuditEntry{ActorID: u.ID, ActorRole: u.Role, Action: "account.password_reset", Subject: "user:" + u.ID})
	return nil
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// ReviewEraser is what erasure needs from the reviews area (app wires it with the reviews
// store and service). EraseAuthor either removes the user's reviews (remove=true: they
// stop being public and leave the agency aggregates) or keeps them pseudonymised: the
// author ID is replaced by a random one that links to nothing, and the client fingerprint
// is dropped. Votes and replies are detached from the account the same way.
type ReviewEraser interface {
	EraseAuthor(ctx context.Context, userID string, remove bool) (int, error)
}

// ExportFunc returns one area's data about a user, for the export (any JSON-able value).
type ExportFunc func(ctx context.Context, userID string) (any, error)

// ExportSource is one area's part of the export.
type ExportSource struct {
	Name string
	Func ExportFunc
}

// AccountExport is the account's own part of GET /v1/me/export.
type AccountExport struct {
	Account       kawan.User         `json:"account"`
	RecentClients []kawan.SeenClient `json:"recent_client_fingerprints"`
	Sessions      []store.Session    `json:"sessions"`
	AgencyClaims  []store.Claim      `json:"agency_claims"`
	AuditEntries  []kawan.AuditEntry `json:"audit_entries"`
}

// Export returns everything Kawan holds about the caller: the account (with e-mail and
// phone), the client fingerprints and sessions (without token hashes), agency claims,
// audit entries about the account, and each area's data (reviews, votes, …). The export
// itself is recorded in the audit log, without personal data.
func (s *Service) Export(ctx context.Context, p kawan.Principal) (map[string]any, error) {
	u, err := s.st.User(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	acct := AccountExport{Account: *u, RecentClients: u.RecentClients}
	acct.Account.PasswordHash = ""
	if acct.Sessions, err = s.st.UserSessions(ctx, u.ID); err != nil {
		return nil, err
	}
	if acct.AgencyClaims, err = s.st.UserClaims(ctx, u.ID); err != nil {
		return nil, err
	}
	if s.audit != nil {
		if acct.AuditEntries, err = s.audit.BySubject(ctx, "user:"+u.ID, 1000); err != nil {
			return nil, err
		}
	}
	if acct.RecentClients == nil {
		acct.RecentClients = []kawan.SeenClient{}
	}
	if acct.Sessions == nil {
		acct.Sessions = []store.Session{}
	}
	if acct.AgencyClaims == nil {
		acct.AgencyClaims = []store.Claim{}
	}
	if acct.AuditEntries == nil {
		acct.AuditEntries = []kawan.AuditEntry{}
	}
	out := map[string]any{
		"exported_at":                s.now().UTC(),
		"account":                    acct.Account,
		"recent_client_fingerprints": acct.RecentClients,
		"sessions":                   acct.Sessions,
		"agency_claims":              acct.AgencyClaims,
		"audit_entries":              acct.AuditEntries,
	}
	for _, src := range s.export {
		v, err := src.Func(ctx, u.ID)
		if err != nil {
			return nil, fmt.Errorf("auth: export %s: %w", src.Name, err)
		}
		if m, ok := v.(map[string]any); ok && src.Name == "" {
			for k, x := range m {
				out[k] = x
			}
			continue
		}
		out[src.Name] = v
	}
	s.auditLog(ctx, kawan.AuditEntry{ActorID: u.ID, ActorRole: p.Role, Action: "account.export", Subject: "user:" + u.ID})
	return out, nil
}

// Erasure is what DELETE /v1/me asks for.
type Erasure struct {
	// Password re-confirms the request, so a stolen access token cannot erase an account.
	Password string `json:"password"`
	// Reviews is "remove" (unpublish and delete the reviews' content from public view) or
	// "anonymise" (keep them, linked to nothing).
	Reviews string `json:"reviews"`
}

// Erase deletes the caller's account: sessions end at once, reviews are removed or kept
// pseudonymised as the user chose, claims, representation, contact details, fingerprints
// and the username are deleted, and the account document goes last (so an interrupted
// erasure can be repeated by signing in again). The audit log records that an account was
// erased, with its opaque ID only.
func (s *Service) Erase(ctx context.Context, p kawan.Principal, in Erasure) error {
	v := &kawan.ValidationError{}
	if in.Reviews != "remove" && in.Reviews != "anonymise" {
		v.Add("reviews", "must be remove or anonymise")
	}
	if in.Password == "" {
		v.Add("password", "is required to erase the account")
	}
	if len(in.Password) > MaxPasswordBytes {
		v.Add("password", "must be at most %d bytes", MaxPasswordBytes)
	}
	if err := v.Err(); err != nil {
		return err
	}
	u, err := s.st.User(ctx, p.UserID)
	if err != nil {
		return err
	}
	ok, _, err := s.verify(ctx, NormalizePassword(in.Password), u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return kawan.Invalid("password", "is not this account's password")
	}
	if u.Role == kawan.RoleAdmin {
		if n, err := s.st.CountRole(ctx, kawan.RoleAdmin); err != nil {
			return err
		} else if n <= 1 {
			return fmt.Errorf("auth: the last admin cannot erase their account; make another admin first: %w", kawan.ErrConflict)
		}
	}
	ctx = context.WithoutCancel(ctx) // finish once started
	if err := s.RevokeUser(ctx, u.ID, "erase"); err != nil {
		return err
	}
	n := 0
	if s.eraser != nil {
		if n, err = s.eraser.EraseAuthor(ctx, u.ID, in.Reviews == "remove"); err != nil {
			return err
		}
	}
	if err := s.st.DeleteUserClaims(ctx, u.ID); err != nil {
		return err
	}
	if u.AgencyID != "" {
		if err := s.st.RemoveRep(ctx, u.AgencyID, u.ID); err != nil {
			return err
		}
	}
	if err := s.st.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	if err := s.st.DeleteUserResets(ctx, u.ID); err != nil {
		return err
	}
	if err := s.st.ReleaseUsername(ctx, u.UsernameKey, u.ID); err != nil {
		return err
	}
	if err := s.st.DeleteUser(ctx, u.ID); err != nil && !errors.Is(err, kawan.ErrNotFound) {
		return err
	}
	s.auditLog(ctx, kawan.AuditEntry{ActorID: u.ID, ActorRole: p.Role, Action: "account.erase", Subject: "user:" + u.ID,
		Reason: fmt.Sprintf("reviews %s (%d)", in.Reviews, n), At: s.now().UTC().Truncate(time.Second)})
	return nil
}

// ChangePassword replaces the caller's password after checking the current one. Every
// session of the account ends (a thief who knew the old password is signed out) and a new
// one starts for the caller.
func (s *Service) ChangePassword(ctx context.Context, p kawan.Principal, current, next string, c Client) (TokenPair, error) {
	if len(current) > MaxPasswordBytes {
		return TokenPair{}, kawan.Invalid("current_password", "must be at most %d bytes", MaxPasswordBytes)
	}
	u, err := s.st.User(ctx, p.UserID)
	if err != nil {
		return TokenPair{}, err
	}
	pw := NormalizePassword(next)
	if err := CheckPassword(pw, u.Username); err != nil {
		ve := err.(*kawan.ValidationError)
		for i := range ve.Fields {
			ve.Fields[i].Field = "new_password"
		}
		return TokenPair{}, ve
	}
	ok, _, err := s.verify(ctx, NormalizePassword(current), u.PasswordHash)
	if err != nil {
		return TokenPair{}, err
	}
	if !ok {
		return TokenPair{}, kawan.Invalid("current_password", "is not this account's password")
	}
	h, err := s.hash(ctx, pw)
	if err != nil {
		return TokenPair{}, err
	}
	now := s.now().UTC()
	if err := s.st.UpdateUser(ctx, u.ID, bsonPassword(h, now), now); err != nil {
		return TokenPair{}, err
	}
	// end every session one by one (not by account), so the new session started below is
	// not caught by an account-wide revocation in the same second
	sessions, err := s.st.UserSessions(ctx, u.ID)
	if err != nil {
		return TokenPair{}, err
	}
	if err := s.st.RevokeUserSessions(ctx, u.ID, "password", now); err != nil {
		return TokenPair{}, err
	}
	for _, ss := range sessions {
		if ss.Revoked == "" {
			s.revoke(ctx, "s:"+ss.ID, now)
		}
	}
	s.auditLog(ctx, kawan.AuditEntry{ActorID: u.ID, ActorRole: p.Role, Action: "account.password", Subject: "user:" + u.ID})
	return s.StartSession(ctx, u, c)
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// MaxEvidenceRunes bounds a claim's evidence text.
const MaxEvidenceRunes = 2000

// RequestClaim files the caller's request to represent an agency. One pending claim per
// account; only workers (accounts not yet bound to an agency) may ask.
func (s *Service) RequestClaim(ctx context.Context, p kawan.Principal, agencyID, evidence string, c Client) (*store.Claim, error) {
	v := &kawan.ValidationError{}
	agencyID = strings.TrimSpace(agencyID)
	if agencyID == "" || len(agencyID) > 64 || !utf8.ValidString(agencyID) {
		v.Add("agency_id", "must be an agency ID")
	}
	evidence = strings.TrimSpace(evidence)
	if n := utf8.RuneCountInString(evidence); n < 10 || n > MaxEvidenceRunes || !utf8.ValidString(evidence) {
		v.Add("evidence", "must be 10 to %d characters saying how an admin can check you work for the agency", MaxEvidenceRunes)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if p.Role != kawan.RoleWorker {
		return nil, fmt.Errorf("auth: only worker accounts can ask to represent an agency: %w", kawan.ErrForbidden)
	}
	if err := s.Limit(ctx, LimitAccount, c, p.UserID); err != nil {
		return nil, err
	}
	if s.exists != nil {
		ok, err := s.exists(ctx, agencyID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("auth: agency %s: %w", agencyID, kawan.ErrNotFound)
		}
	}
	mine, err := s.st.UserClaims(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	for _, c := range mine {
		if c.Status == store.ClaimPending {
			return nil, fmt.Errorf("auth: you already have a pending claim (%s): %w", c.ID, kawan.ErrConflict)
		}
	}
	cl := &store.Claim{ID: kawan.NewID(), UserID: p.UserID, AgencyID: agencyID, Evidence: evidence, Status: store.ClaimPending,
		CreatedAt: s.now().UTC()}
	if err := s.st.InsertClaim(ctx, cl); err != nil {
		return nil, err
	}
	s.auditLog(ctx, kawan.AuditEntry{ActorID: p.UserID, ActorRole: p.Role, Action: "agency_claim.request", Subject: "agency_claim:" + cl.ID})
	return cl, nil
}

// Claims lists claims by status ("" for all) for admins.
func (s *Service) Claims(ctx context.Context, status string, page, perPage int) ([]store.Claim, int64, error) {
	switch status {
	case "", store.ClaimPending, store.ClaimApproved, store.ClaimRejected:
	default:
		return nil, 0, kawan.Invalid("status", "must be pending, approved or rejected")
	}
	return s.st.ListClaims(ctx, status, (page-1)*perPage, perPage)
}

// DecideClaim approves or rejects a pending claim (admins). Approval makes the worker an
// agency_rep bound to the claimed agency; the new role is in the next access token (the
// client refreshes), and older access tokens of the account stop working.
func (s *Service) DecideClaim(ctx context.Context, admin kawan.Principal, claimID string, approve bool, reason string) (*store.Claim, error) {
	if utf8.RuneCountInString(reason) > 1000 || !utf8.ValidString(reason) {
		return nil, kawan.Invalid("reason", "must be at most 1000 characters")
	}
	if admin.Role != kawan.RoleAdmin {
		return nil, fmt.Errorf("auth: only admins decide claims: %w", kawan.ErrForbidden)
	}
	cl, err := s.st.Claim(ctx, claimID)
	if err != nil {
		return nil, err
	}
	if cl.Status != store.ClaimPending {
		return nil, fmt.Errorf("auth: claim is already %s: %w", cl.Status, kawan.ErrConflict)
	}
	now := s.now().UTC()
	status := store.ClaimRejected
	if approve {
		status = store.ClaimApproved
		ok, err := s.st.SetRole(ctx, cl.UserID, kawan.RoleWorker, kawan.RoleAgencyRep, cl.AgencyID, now)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("auth: the account is no longer a worker account: %w", kawan.ErrConflict)
		}
		if err := s.st.AddRep(ctx, cl.AgencyID, cl.UserID); err != nil {
			return nil, err
		}
		s.revoke(ctx, "u:"+cl.UserID, now)
	}
	won, err := s.st.DecideClaim(ctx, claimID, status, reason, admin.UserID, now)
	if err != nil {
		return nil, err
	}
	if !won {
		return nil, fmt.Errorf("auth: claim was decided by someone else: %w", kawan.ErrConflict)
	}
	s.auditLog(ctx, kawan.AuditEntry{ActorID: admin.UserID, ActorRole: admin.Role, Action: "agency_claim.decide",
		Subject: "agency_claim:" + claimID, From: store.ClaimPending, To: status})
	return s.st.Claim(ctx, claimID)
}

// Users lists accounts for admins (optionally one role).
func (s *Service) Users(ctx context.Context, role kawan.Role, page, perPage int) ([]kawan.User, int64, error) {
	if role != "" && !role.Valid() {
		return nil, 0, kawan.Invalid("role", "must be one of worker, agency_rep, partner, moderator, admin")
	}
	return s.st.ListUsers(ctx, role, (page-1)*perPage, perPage)
}

// SetRole changes an account's role (admins). agency_rep needs an agency ID; admins cannot
// change their own role (so the last admin cannot lock everyone out). The account's
// current access tokens stop working; its refresh token gives one with the new role.
func (s *Service) SetRole(ctx context.Context, admin kawan.Principal, userID string, role kawan.Role, agencyID string) (*kawan.User, error) {
	if !role.Valid() {
		return nil, kawan.Invalid("role", "must be one of worker, agency_rep, partner, moderator, admin")
	}
	if (role == kawan.RoleAgencyRep) != (agencyID != "") {
		return nil, kawan.Invalid("agency_id", "is required for agency_rep and only for it")
	}
	if admin.Role != kawan.RoleAdmin {
		return nil, fmt.Errorf("auth: only admins change roles: %w", kawan.ErrForbidden)
	}
	if admin.UserID == userID {
		return nil, fmt.Errorf("auth: you cannot change your own role: %w", kawan.ErrConflict)
	}
	u, err := s.st.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	if agencyID != "" && s.exists != nil && agencyID != u.AgencyID {
		ok, err := s.exists(ctx, agencyID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("auth: agency %s: %w", agencyID, kawan.ErrNotFound)
		}
	}
	now := s.now().UTC()
	ok, err := s.st.SetRole(ctx, userID, u.Role, role, agencyID, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("auth: the account changed meanwhile; reload and retry: %w", kawan.ErrConflict)
	}
	if u.AgencyID != "" && u.AgencyID != agencyID {
		if err := s.st.RemoveRep(ctx, u.AgencyID, userID); err != nil {
			return nil, err
		}
	}
	if agencyID != "" {
		if err := s.st.AddRep(ctx, agencyID, userID); err != nil {
			return nil, err
		}
	}
	s.revoke(ctx, "u:"+userID, now)
	s.auditLog(ctx, kawan.AuditEntry{ActorID: admin.UserID, ActorRole: admin.Role, Action: "account.role", Subject: "user:" + userID,
		From: string(u.Role), To: string(role)})
	return s.st.User(ctx, userID)
}

// RepresentativeFingerprints returns the recent client fingerprints of an agency's
// approved representatives (at most MaxRecentClients per account, each a keyed HMAC of
// address and user agent from this month or earlier ones). Moderation compares a new
// review's fingerprint with them to detect an agency reviewing itself.
func (s *Service) RepresentativeFingerprints(ctx context.Context, agencyID string) ([]string, error) {
	return Representatives{s.st}.RepresentativeFingerprints(ctx, agencyID)
}

// Representatives answers the same questions about representatives from the accounts
// store alone, so that moderation's screener can be built before the accounts service.
type Representatives struct{ st *store.Users }

// NewRepresentatives returns the representatives directory of the accounts store.
func NewRepresentatives(st *store.Users) Representatives { return Representatives{st} }

// RepresentativeFingerprints is Service.RepresentativeFingerprints.
func (d Representatives) RepresentativeFingerprints(ctx context.Context, agencyID string) ([]string, error) {
	sig, err := d.RepresentativeSignals(ctx, agencyID)
	return sig.Fingerprints, err
}

// RepSignals are what moderation may compare with a review of an agency: its
// representatives' recent client fingerprints and contact hashes (ContactHash).
type RepSignals struct {
	UserIDs       []string
	Fingerprints  []string
	ContactHashes []string
}

// RepresentativeSignals returns the fingerprints and contact hashes of an agency's
// representatives. It reads agency_reps and the accounts by _id (cheap on FerretDB).
func (s *Service) RepresentativeSignals(ctx context.Context, agencyID string) (RepSignals, error) {
	return Representatives{s.st}.RepresentativeSignals(ctx, agencyID)
}

// RepresentativeSignals is Service.RepresentativeSignals.
func (d Representatives) RepresentativeSignals(ctx context.Context, agencyID string) (RepSignals, error) {
	s := d
	var out RepSignals
	ids, err := s.st.Reps(ctx, agencyID)
	if err != nil {
		return out, err
	}
	for _, id := range ids {
		if len(out.UserIDs) >= 100 {
			break
		}
		u, err := s.st.User(ctx, id)
		if errors.Is(err, kawan.ErrNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		if u.Role != kawan.RoleAgencyRep || u.AgencyID != agencyID {
			continue
		}
		out.UserIDs = append(out.UserIDs, u.ID)
		for _, sc := range u.RecentClients {
			out.Fingerprints = append(out.Fingerprints, sc.FP)
		}
		out.ContactHashes = append(out.ContactHashes, u.ContactHashes...)
	}
	return out, nil
}

// UserClaims lists the caller's own representation claims, newest first (the account
// page shows their status).
func (s *Service) UserClaims(ctx context.Context, userID string) ([]store.Claim, error) {
	return s.st.UserClaims(ctx, userID)
}

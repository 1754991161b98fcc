package kawan

import (
	"slices"
	"time"
)

// Role is what an account may do. Every route names the roles it admits (api permission table).
type Role string

// The roles of ARCHITECTURE.md.
const (
	RoleWorker    Role = "worker"
	RoleAgencyRep Role = "agency_rep"
	// RolePartner is a partner organisation's account (complaints/): it sees only the
	// cases referred to its organisation.
	RolePartner   Role = "partner"
	RoleModerator Role = "moderator"
	RoleAdmin     Role = "admin"
)

// Roles lists every role, in order of increasing privilege.
var Roles = []Role{RoleWorker, RoleAgencyRep, RolePartner, RoleModerator, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Principal is the authenticated caller of a request, as established from an access token.
type Principal struct {
	UserID   string `json:"user_id"`
	Username string `json:"username"`
	Role     Role   `json:"role"`
	// AgencyID is set for an approved agency representative: the one agency it speaks for.
	AgencyID string `json:"agency_id,omitempty"`
	// SessionID identifies the refresh-token family the access token came from.
	SessionID string `json:"session_id,omitempty"`
	// Since is when the account was created, as the access token carries it (zero for a
	// token signed before tokens carried it): moderation's new-account signal reads it
	// without a database read per submission.
	Since time.Time `json:"-"`
}

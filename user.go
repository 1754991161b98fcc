package kawan

import "time"

// User is an account. It holds as little personal data as the product can work with: a
// username and a password hash are enough (many workers have no e-mail address); e-mail
// and phone are optional and kept only for account recovery. Stored in MongoDB ("users").
type User struct {
	ID string `json:"id" bson:"_id"`
	// Username is the name as chosen, after Unicode NFKC normalisation and lower-casing.
	Username string `json:"username" bson:"username"`
	// UsernameKey is the confusable skeleton of Username (auth.UsernameKey); it is unique,
	// so "paypal", "paypa1" and "раураl" (Cyrillic) cannot all exist.
	UsernameKey string `json:"-" bson:"username_key"`
	// PasswordHash is an argon2id PHC string carrying its own parameters.
	PasswordHash string `json:"-" bson:"password_hash"`
	Role         Role   `json:"role" bson:"role"`
	// AgencyID is set for an approved agency representative: the one agency it speaks for.
	AgencyID string `json:"agency_id,omitempty" bson:"agency_id,omitempty"`
	// Email and Phone are optional, for recovery only; never shown publicly.
	Email string `json:"email,omitempty" bson:"email,omitempty"`
	Phone string `json:"phone,omitempty" bson:"phone,omitempty"`
	// ContactHashes are keyed HMACs of the normalised e-mail and phone (auth), so moderation
	// can recognise an agency representative's contact details without reading them.
	ContactHashes []string `json:"-" bson:"contact_hashes,omitempty"`
	// RecentClients are the last few client fingerprints (keyed HMACs, never addresses)
	// this account signed in from: at most auth.MaxRecentClients, newest first.
	RecentClients []SeenClient `json:"-" bson:"recent_clients,omitempty"`
	// Demo marks fictional demo accounts.
	Demo              bool      `json:"demo,omitempty" bson:"demo,omitempty"`
	CreatedAt         time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt         time.Time `json:"updated_at" bson:"updated_at"`
	PasswordChangedAt time.Time `json:"-" bson:"password_changed_at"`
}

// SeenClient is one client fingerprint an account used, and when it was last seen.
type SeenClient struct {
	FP string    `json:"fp" bson:"fp"`
	At time.Time `json:"at" bson:"at"`
}

// Principal returns the caller an access token for u (in session sid) stands for.
func (u *User) Principal(sid string) Principal {
	return Principal{UserID: u.ID, Username: u.Username, Role: u.Role, AgencyID: u.AgencyID, SessionID: sid, Since: u.CreatedAt}
}

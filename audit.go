package kawan

import "time"

// AuditEntry is one append-only record of something that changed state: a moderation
// transition, an account export or erasure, an admin edit. It holds no personal data:
// actors and subjects are opaque IDs.
type AuditEntry struct {
	ID         string    `json:"id" bson:"_id"`
	At         time.Time `json:"at" bson:"at"`
	ActorID    string    `json:"actor_id,omitempty" bson:"actor_id,omitempty"` // empty for the system
	ActorRole  Role      `json:"actor_role,omitempty" bson:"actor_role,omitempty"`
	Action     string    `json:"action" bson:"action"`   // e.g. "review.transition", "account.erase"
	Subject    string    `json:"subject" bson:"subject"` // e.g. "review:<id>", "user:<id>"
	From       string    `json:"from,omitempty" bson:"from,omitempty"`
	To         string    `json:"to,omitempty" bson:"to,omitempty"`
	Reason     string    `json:"reason,omitempty" bson:"reason,omitempty"`
	FraudScore *float64  `json:"fraud_score,omitempty" bson:"fraud_score,omitempty"`
	// Note is a moderator's free-text note on a decision, PII-redacted before it is stored.
	Note string `json:"note,omitempty" bson:"note,omitempty"`
}

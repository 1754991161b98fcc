package kawan

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// ReviewStatus is where a review is in its moderation lifecycle (moderation/ owns the
// transitions; see docs/DEVELOPING.md).
type ReviewStatus string

// Review statuses. Only ReviewPublished is ever visible to the public.
const (
	ReviewSubmitted   ReviewStatus = "submitted"
	ReviewPublished   ReviewStatus = "published"
	ReviewHeld        ReviewStatus = "held"
	ReviewRejected    ReviewStatus = "rejected"
	ReviewUnderReview ReviewStatus = "under_review"
	ReviewRemoved     ReviewStatus = "removed"
	// ReviewSuperseded marks an earlier version replaced by the author's newer review.
	ReviewSuperseded ReviewStatus = "superseded"
)

// Ratings are the 1–5 scores of one review.
type Ratings struct {
	Overall       int `json:"overall" bson:"overall"`
	FeesHonesty   int `json:"fees_honesty" bson:"fees_honesty"`
	ContractMatch int `json:"contract_match" bson:"contract_match"`
	Treatment     int `json:"treatment" bson:"treatment"`
	Support       int `json:"support" bson:"support"`
}

// Money is an exact amount in a currency: Amount is a decimal string ("1500.00"), never a float.
type Money struct {
	Amount   string `json:"amount" bson:"amount"`
	Currency string `json:"currency" bson:"currency"`
}

// Signal is one fraud or abuse signal's verdict on a review, with a reason a moderator can read.
type Signal struct {
	Name   string  `json:"name" bson:"name"`
	Score  float64 `json:"score" bson:"score"` // 0..1, not money
	Reason string  `json:"reason" bson:"reason"`
}

// Moderation is the moderation state of a review. OriginalText is visible to moderators
// only and is deleted once a decision is made.
type Moderation struct {
	FraudScore   float64   `json:"fraud_score" bson:"fraud_score"`
	Signals      []Signal  `json:"signals,omitempty" bson:"signals,omitempty"`
	HoldReasons  []string  `json:"hold_reasons,omitempty" bson:"hold_reasons,omitempty"`
	Redacted     bool      `json:"redacted" bson:"redacted"`
	OriginalText string    `json:"-" bson:"original_text,omitempty"`
	Reason       string    `json:"reason,omitempty" bson:"reason,omitempty"`
	DecidedBy    string    `json:"-" bson:"decided_by,omitempty"`
	DecidedAt    time.Time `json:"decided_at,omitzero" bson:"decided_at,omitempty"`
	Verified     bool      `json:"verified" bson:"verified"`
	FlagCount    int       `json:"flag_count" bson:"flag_count"`
	LeaseBy      string    `json:"-" bson:"lease_by,omitempty"`
	LeaseUntil   time.Time `json:"-" bson:"lease_until,omitempty"`
	AppealedAt   time.Time `json:"-" bson:"appealed_at,omitempty"`
}

// Reply is an agency representative's public answer to a review (itself moderated).
type Reply struct {
	Text      string       `json:"text" bson:"text"`
	AuthorID  string       `json:"-" bson:"author_id"`
	Status    ReviewStatus `json:"status" bson:"status"`
	CreatedAt time.Time    `json:"created_at" bson:"created_at"`
}

// Review is one worker's account of an agency. Stored in MongoDB ("reviews"); published
// reviews are copied (PII-free) into the search index, the public read model.
type Review struct {
	ID             string       `json:"id" bson:"_id"`
	AgencyID       string       `json:"agency_id" bson:"agency_id"`
	AuthorID       string       `json:"-" bson:"author_id"`
	Ratings        Ratings      `json:"ratings" bson:"ratings"`
	WouldRecommend bool         `json:"would_recommend" bson:"would_recommend"`
	Origin         string       `json:"origin,omitempty" bson:"origin,omitempty"`           // ISO 3166-1 alpha-2 of the worker's country
	Destination    string       `json:"destination,omitempty" bson:"destination,omitempty"` // ISO 3166-1 alpha-2
	Sector         string       `json:"sector,omitempty" bson:"sector,omitempty"`
	DepartureYear  int          `json:"departure_year,omitempty" bson:"departure_year,omitempty"`
	FeesPaid       *Money       `json:"fees_paid,omitempty" bson:"fees_paid,omitempty"`
	SalaryPromised *Money       `json:"salary_promised,omitempty" bson:"salary_promised,omitempty"`
	SalaryReceived *Money       `json:"salary_received,omitempty" bson:"salary_received,omitempty"`
	Text           string       `json:"text" bson:"text"` // public text: PII already redacted
	Lang           string       `json:"lang" bson:"lang"`
	Status         ReviewStatus `json:"status" bson:"status"`
	Moderation     Moderation   `json:"-" bson:"moderation"`
	Reply          *Reply       `json:"reply,omitempty" bson:"reply,omitempty"`
	HelpfulCount   int          `json:"helpful_count" bson:"helpful_count"`
	// ClientFP is a keyed HMAC of the client's network address and user agent (auth), never raw.
	ClientFP string `json:"-" bson:"client_fp,omitempty"`
	// AuthorSince is when the author's account was created (for the new-account signal).
	AuthorSince time.Time `json:"-" bson:"author_since"`
	// PreviousID links to the version this review replaced (history kept).
	PreviousID     string    `json:"-" bson:"previous_id,omitempty"`
	CreatedAt      time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt      time.Time `json:"updated_at" bson:"updated_at"`
	Version        int64     `json:"-" bson:"version"`
	IndexedVersion int64     `json:"-" bson:"indexed_version"`
	// Counted is true while this review's ratings are included in the agency aggregates;
	// flipped only by conditional updates so each review is counted exactly once.
	Counted bool `json:"-" bson:"counted"`
}

// Screening is moderation's automatic verdict on a submitted review.
type Screening struct {
	Status      ReviewStatus // ReviewPublished or ReviewHeld
	PublicText  string       // the text with PII replaced by "[removed]"
	Redacted    bool
	FraudScore  float64
	Signals     []Signal
	HoldReasons []string
}

// Screener is the decision point every new review passes through before it is stored
// (implemented by moderation.Service). Reviews never bypass it.
type Screener interface {
	Screen(ctx context.Context, r *Review) (Screening, error)
}

// ReviewSyncer brings the public read model (search index) and the agency aggregates in
// line with a review's stored status. It is called right after every write to a review
// (best effort) and by a background reconciler for any review with IndexedVersion < Version.
type ReviewSyncer interface {
	SyncReview(ctx context.Context, id string) error
}

var idEnc = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns a random, URL-safe identifier (16 random bytes, lower-case base32).
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(idEnc.EncodeToString(b[:]))
}

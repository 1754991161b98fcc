package kawan

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
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
	// Implausible marks a review figure far outside the usual range for its currency
	// (reviews.Implausible), kept because the worker confirmed it; open data and agency fee
	// statistics leave it out.
	Implausible bool `json:"implausible,omitempty" bson:"implausible,omitempty"`
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
	FraudScore   float64  `json:"fraud_score" bson:"fraud_score"`
	Signals      []Signal `json:"signals,omitempty" bson:"signals,omitempty"`
	HoldReasons  []string `json:"hold_reasons,omitempty" bson:"hold_reasons,omitempty"`
	Redacted     bool     `json:"redacted" bson:"redacted"`
	OriginalText string   `json:"-" bson:"original_text,omitempty"`
	// OriginalErasedAt is when a moderator's decision erased OriginalText (the author's
	// export says so).
	OriginalErasedAt time.Time `json:"-" bson:"original_erased_at,omitempty"`
	Reason           string    `json:"reason,omitempty" bson:"reason,omitempty"`
	DecidedBy        string    `json:"-" bson:"decided_by,omitempty"`
	DecidedAt        time.Time `json:"decided_at,omitzero" bson:"decided_at,omitempty"`
	Verified         bool      `json:"verified" bson:"verified"`
	FlagCount        int       `json:"flag_count" bson:"flag_count"`
	// FlagReasons counts every flag on the review by reason (open and handled), incremented
	// in the same update as FlagCount, so the moderation queue reads no flags to show them.
	// Reviews flagged before it existed have none: readers fall back to the flags themselves.
	FlagReasons map[string]int `json:"-" bson:"flag_reasons,omitempty"`
	// HiddenByFlags is true while the review is under review because of readers' flags
	// alone (no moderator has decided since): open data keeps counting it meanwhile.
	HiddenByFlags bool      `json:"-" bson:"hidden_by_flags,omitempty"`
	LeaseBy       string    `json:"-" bson:"lease_by,omitempty"`
	LeaseUntil    time.Time `json:"-" bson:"lease_until,omitempty"`
	AppealedAt    time.Time `json:"-" bson:"appealed_at,omitempty"`
	// Transitions are the tokens of the transitions applied to this review ("id|version",
	// "reply|id|version"), written with each transition: they tell audit recovery that a
	// transition whose audit entry is missing did happen. A few per review: each needs a
	// moderator's decision, an appeal (one per decision) or the flag threshold.
	Transitions []string `json:"-" bson:"transitions,omitempty"`
	// Outbox is what screening still has to record once the review is stored: inserted with
	// the review, moved on (audit entry, transparency counters) and removed by moderation
	// right after; a review that still carries one is recorded again by the reconciler's sweep.
	Outbox *ModerationOutbox `json:"-" bson:"outbox,omitempty"`
}

// ModerationOutbox is the record of a review's screening that travels with the review
// document until moderation has written it where it belongs (no multi-document transactions).
type ModerationOutbox struct {
	Audit AuditEntry `bson:"audit"`
	// Counts are the transparency counters of the screening (month of Audit.At).
	Counts map[string]int64 `bson:"counts"`
	// Queue is the moderation queue the review joins: "held", "watch" or "".
	Queue string `bson:"queue,omitempty"`
	// Sig is the review's text fingerprint (MinHash), recorded in the fraud-signal state.
	Sig []int64 `bson:"sig,omitempty"`
}

// AppealDecided reports whether the last decision was made after the author appealed: such
// a decision is final (one appeal per decision).
func (m Moderation) AppealDecided() bool {
	return !m.AppealedAt.IsZero() && !m.DecidedAt.IsZero() && m.AppealedAt.Before(m.DecidedAt)
}

// Reply is an agency representative's public answer to a review (itself moderated).
type Reply struct {
	Text     string       `json:"text" bson:"text"`
	AuthorID string       `json:"-" bson:"author_id"`
	Status   ReviewStatus `json:"status" bson:"status"`
	// Lang is the reply's language (BCP 47 base), as the representative declared it or,
	// when not declared, as detected from the text; pages mark the reply with it.
	Lang      string    `json:"lang,omitempty" bson:"lang,omitempty"`
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
	// Redacted is true when screening removed personal data from the text (the original is
	// not kept; the representative's export says so).
	Redacted bool `json:"-" bson:"redacted,omitempty"`
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
	// NetFP is a keyed HMAC of the client's network prefix (IPv4 /24, IPv6 /48; auth), which
	// survives a new browser or device on the same network; never raw.
	NetFP string `json:"-" bson:"net_fp,omitempty"`
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
	// CountedAs is exactly what was added to the agency aggregates while Counted is true,
	// so taking the review out subtracts the same amounts even if the review changed since.
	CountedAs *ReviewAggregates `json:"-" bson:"counted_as,omitempty"`
	// CountOp is an aggregate change in flight (see reviews.Service.SyncReview): recorded on
	// the review before the agency is touched, so a crash between the two is finished later,
	// and applied to the agency at most once (the agency remembers applied op IDs).
	CountOp *CountOp `json:"-" bson:"count_op,omitempty"`
}

// Every write to a review document (status transitions, replies, votes, moderation
// fields) must $inc "version" in the same update and then call ReviewSyncer.SyncReview;
// the reconciler re-syncs any review whose indexed_version is behind.

// CountOp is one pending change of an agency's aggregates by one review.
type CountOp struct {
	ID    string           `bson:"id"`
	Add   bool             `bson:"add"` // true: add Delta; false: subtract it
	Delta ReviewAggregates `bson:"delta"`
}

// DimensionSums holds one number per rating dimension.
type DimensionSums[T int64 | float64] struct {
	Overall       T `json:"overall" bson:"overall"`
	FeesHonesty   T `json:"fees_honesty" bson:"fees_honesty"`
	ContractMatch T `json:"contract_match" bson:"contract_match"`
	Treatment     T `json:"treatment" bson:"treatment"`
	Support       T `json:"support" bson:"support"`
}

// StarCounts is the histogram of overall ratings.
type StarCounts struct {
	S1 int64 `json:"1" bson:"s1"`
	S2 int64 `json:"2" bson:"s2"`
	S3 int64 `json:"3" bson:"s3"`
	S4 int64 `json:"4" bson:"s4"`
	S5 int64 `json:"5" bson:"s5"`
}

// FeeStats summarises the recruitment fees paid in one currency. Sums are in the
// currency's ISO 4217 minor units (int64, exact: no floats near money), so they can be
// kept with atomic $inc; the API shows them as decimal strings.
type FeeStats struct {
	Count    int64 `json:"count" bson:"count"`
	Zero     int64 `json:"zero" bson:"zero"` // reviews that paid nothing
	SumMinor int64 `json:"sum_minor" bson:"sum_minor"`
}

// ReviewAggregates are an agency's review totals, kept on the agency document under bson
// field "ratings" with atomic $inc when a review is published or unpublished (exactly once
// per review), and recomputed from the reviews by `kawan repair-aggregates`. Only
// published reviews count. Weighted fields hold Σ w·x where w is ranking.ReviewWeight
// (recency and moderator verification); they are scores, not money.
type ReviewAggregates struct {
	Count        int64                  `json:"count" bson:"count"`
	Sums         DimensionSums[int64]   `json:"sums" bson:"sums"`
	Stars        StarCounts             `json:"stars" bson:"stars"`
	Recommend    int64                  `json:"recommend" bson:"recommend"` // reviews that would recommend
	Verified     int64                  `json:"verified" bson:"verified"`   // reviews a moderator verified
	Weight       float64                `json:"weight" bson:"weight"`
	WeightedSums DimensionSums[float64] `json:"weighted_sums" bson:"wsums"`
	Fees         map[string]FeeStats    `json:"fees,omitempty" bson:"fees,omitempty"` // by ISO 4217 code
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

// Assessment is moderation's verdict on a submitted review, computed from reads only: the
// screening, and the outbox the review is stored with.
type Assessment struct {
	Screening
	Outbox *ModerationOutbox
	// State is what the assessment read, for Record (opaque outside moderation).
	State any
}

// Screener is the decision point every new review passes through (implemented by
// moderation.Screener). Reviews never bypass it. Assess writes nothing; Record writes what
// the assessment implies once the review is stored, idempotently (keyed by the review ID):
// a review that is never stored leaves nothing behind.
type Screener interface {
	Assess(ctx context.Context, r *Review) (Assessment, error)
	Record(ctx context.Context, r *Review, a Assessment) error
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

// maxMoneyDigits bounds the integer digits of any amount (fees, salaries): 10^12 of any
// currency is far above anything real and keeps minor-unit sums inside int64.
const maxMoneyDigits = 12

// ParseAmount checks m and returns its amount: a plain non-negative decimal string
// ("1500", "1500.50") with at most the currency's ISO 4217 minor units of decimals.
func (m Money) ParseAmount() (decimal.Decimal, error) {
	digits, err := CurrencyMinorUnits(m.Currency)
	if err != nil {
		return decimal.Decimal{}, err
	}
	a := m.Amount
	if a == "" || len(a) > maxMoneyDigits+1+4 || strings.Trim(a, "0123456789.") != "" || strings.Count(a, ".") > 1 ||
		strings.HasPrefix(a, ".") || strings.HasSuffix(a, ".") {
		return decimal.Decimal{}, fmt.Errorf("kawan: amount %q must be a plain decimal like 1500.00", a)
	}
	d, err := decimal.NewFromString(a)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("kawan: amount %q: %w", a, err)
	}
	if i := strings.IndexByte(a, '.'); i >= 0 && len(a)-i-1 > digits {
		return decimal.Decimal{}, fmt.Errorf("kawan: %s has %d decimal places (ISO 4217), %q has more", m.Currency, digits, a)
	}
	if d.GreaterThanOrEqual(decimal.New(1, maxMoneyDigits)) {
		return decimal.Decimal{}, fmt.Errorf("kawan: amount %q is implausibly large", a)
	}
	return d, nil
}

// MinorUnits returns the amount in the currency's minor units (exact), e.g. 1500.50 PHP → 150050.
func (m Money) MinorUnits() (int64, error) {
	d, err := m.ParseAmount()
	if err != nil {
		return 0, err
	}
	digits, _ := CurrencyMinorUnits(m.Currency)
	return d.Shift(int32(digits)).IntPart(), nil
}

// FormatMinorUnits renders a minor-unit amount of currency code as a decimal string with
// exactly the currency's decimals ("150050", "PHP" → "1500.50").
func FormatMinorUnits(minor int64, code string) string {
	digits, err := CurrencyMinorUnits(code)
	if err != nil {
		digits = 2
	}
	return decimal.New(minor, -int32(digits)).StringFixed(int32(digits))
}

package moderation

import (
	"slices"

	"github.com/kawan-labs/kawan"
)

// Action is what a moderator decides about a review.
type Action string

// Moderator actions. Which ones apply depends on the review's status (see transitions).
const (
	// ActionPublish makes a held or under-review review public.
	ActionPublish Action = "publish"
	// ActionVerify publishes the review and marks it verified by a moderator (ranking
	// gives verified reviews more weight).
	ActionVerify Action = "verify"
	// ActionReject refuses a held review: it never becomes public.
	ActionReject Action = "reject"
	// ActionRemove takes a published or under-review review off the public site.
	ActionRemove Action = "remove"
)

// Actions lists every action.
var Actions = []Action{ActionPublish, ActionVerify, ActionReject, ActionRemove}

// Reason is one entry of the fixed reason taxonomy. Every decision and every automatic
// transition carries one; the transparency report counts decisions by reason.
type Reason string

// Reasons for publishing.
const (
	ReasonMeetsGuidelines Reason = "meets_guidelines" // checked and fine
	ReasonAppealUpheld    Reason = "appeal_upheld"    // the author's appeal succeeded
)

// Reasons for rejecting or removing.
const (
	ReasonFake               Reason = "fake"                 // not a genuine experience (sockpuppets, paid, invented)
	ReasonConflictOfInterest Reason = "conflict_of_interest" // written by or for the agency, or by a rival
	ReasonAbusive            Reason = "abusive"              // slurs, threats, harassment
	ReasonPersonalInfo       Reason = "personal_info"        // personal data that redaction could not remove
	ReasonWrongAgency        Reason = "wrong_agency"         // about another agency
	ReasonSpam               Reason = "spam"                 // advertising, links, nonsense
	ReasonDuplicate          Reason = "duplicate"            // copy of another review
	ReasonOffTopic           Reason = "off_topic"            // not about the agency's recruitment
	ReasonLegal              Reason = "legal"                // a court order or a regulator's lawful request
	ReasonOther              Reason = "other"
)

// Reasons of automatic transitions (the system's own, never chosen by a moderator).
const (
	ReasonAutoPublished Reason = "auto_published" // screened, score below the hold threshold
	ReasonAutoHeld      Reason = "auto_held"      // screened, score at or above the threshold, or abuse
	ReasonFlagThreshold Reason = "flag_threshold" // enough users flagged a published review
	ReasonAppealed      Reason = "appealed"       // the author appealed a rejection or removal
)

// PublishReasons may accompany publish and verify.
var PublishReasons = []Reason{ReasonMeetsGuidelines, ReasonAppealUpheld}

// RefuseReasons may accompany reject and remove.
var RefuseReasons = []Reason{ReasonFake, ReasonConflictOfInterest, ReasonAbusive, ReasonPersonalInfo,
	ReasonWrongAgency, ReasonSpam, ReasonDuplicate, ReasonOffTopic, ReasonLegal, ReasonOther}

// FlagReason is why a user flags a review.
type FlagReason string

// Flag reasons (issue 6).
const (
	FlagFake         FlagReason = "fake"
	FlagAbusive      FlagReason = "abusive"
	FlagPersonalInfo FlagReason = "personal_info"
	FlagWrongAgency  FlagReason = "wrong_agency"
	FlagOther        FlagReason = "other"
)

// FlagReasons lists every flag reason.
var FlagReasons = []FlagReason{FlagFake, FlagAbusive, FlagPersonalInfo, FlagWrongAgency, FlagOther}

// transition is one allowed moderator decision: from a status, an action, to a status.
type transition struct {
	from   kawan.ReviewStatus
	action Action
	to     kawan.ReviewStatus
}

// transitions is the lifecycle a moderator may drive. The automatic ones (submitted →
// published|held, published → under_review on flags, rejected|removed → held|under_review
// on appeal) are done by the service itself.
var transitions = []transition{
	{kawan.ReviewHeld, ActionPublish, kawan.ReviewPublished},
	{kawan.ReviewHeld, ActionVerify, kawan.ReviewPublished},
	{kawan.ReviewHeld, ActionReject, kawan.ReviewRejected},
	{kawan.ReviewUnderReview, ActionPublish, kawan.ReviewPublished},
	{kawan.ReviewUnderReview, ActionVerify, kawan.ReviewPublished},
	{kawan.ReviewUnderReview, ActionRemove, kawan.ReviewRemoved},
	{kawan.ReviewPublished, ActionPublish, kawan.ReviewPublished}, // checked after publication (watch queue): keep it
	{kawan.ReviewPublished, ActionVerify, kawan.ReviewPublished},
	{kawan.ReviewPublished, ActionRemove, kawan.ReviewRemoved},
}

// next returns the status an action leads to from a status, or false.
func next(from kawan.ReviewStatus, a Action) (kawan.ReviewStatus, bool) {
	for _, t := range transitions {
		if t.from == from && t.action == a {
			return t.to, true
		}
	}
	return "", false
}

// ActionsFrom lists the decisions a moderator may take on a review in status st, in the
// order of Actions (none for a rejected or removed review: its author may appeal).
func ActionsFrom(st kawan.ReviewStatus) []Action {
	var out []Action
	for _, a := range Actions {
		if _, ok := next(st, a); ok {
			out = append(out, a)
		}
	}
	return out
}

// Why a decision conflicts (409). Each is kawan.ErrConflict to errors.Is (and reads as it,
// so the API's problem detail stays the same), and lets a page tell the moderator the real
// reason.
var (
	// ErrWrongState: the review's status does not allow the action (rejecting a published
	// review, deciding a rejected one).
	ErrWrongState error = &conflict{"wrong state"}
	// ErrClaimed: another moderator holds the review's lease.
	ErrClaimed error = &conflict{"claimed"}
)

// conflict carries a word so that the two values are distinct pointers.
type conflict struct{ why string }

func (c *conflict) Error() string { return kawan.ErrConflict.Error() }
func (c *conflict) Unwrap() error { return kawan.ErrConflict }

// fromStatuses lists the statuses action a may be taken from.
func fromStatuses(a Action) []kawan.ReviewStatus {
	var out []kawan.ReviewStatus
	for _, t := range transitions {
		if t.action == a {
			out = append(out, t.from)
		}
	}
	return out
}

// reasonFits reports whether reason r may accompany action a.
func reasonFits(a Action, r Reason) bool {
	switch a {
	case ActionPublish, ActionVerify:
		return slices.Contains(PublishReasons, r)
	case ActionReject, ActionRemove:
		return slices.Contains(RefuseReasons, r)
	}
	return false
}

// Package complaints turns a worker's complaint about an agency (or an employer) into a case
// referred to a partner organisation that can act on it: the help directory's NGOs, unions,
// labour offices and shelters with a `partner` account. A case moves through
// submitted → referred → accepted | declined → in_progress → resolved | closed, every step
// recorded with who and when, each a compare-and-set on the case's version (one document, one
// atomic update). Workers may file without an account: the case code and a secret (only its
// SHA-256 is stored) let them follow it. The worker's contact, name and passport number are
// shown only to the worker and to the partner the worker allowed; never in any public answer,
// index, open-data cell or log. Outcomes per agency are published only from groups of at least
// k distinct workers, released in steps of k (the open data's rule, docs/open-data.md).
package complaints

import (
	"time"

	"github.com/kawan-labs/kawan"
)

// State is where a case stands.
type State string

// The case states.
const (
	Submitted  State = "submitted"
	Referred   State = "referred"
	Accepted   State = "accepted"
	Declined   State = "declined"
	InProgress State = "in_progress"
	Resolved   State = "resolved"
	Closed     State = "closed"
)

// States lists every state in the order a case usually passes them.
var States = []State{Submitted, Referred, Accepted, Declined, InProgress, Resolved, Closed}

// Facts is the documented list of what happened (a complaint names at least one). Partners
// take cases by the same list (Partner.Kinds).
var Facts = []string{"fees_above_cap", "job_deception", "contract_substitution", "documents_withheld",
	"wages_unpaid", "excessive_hours", "abuse", "debt_bondage", "other"}

// Outcomes are the ways a resolved case ended.
var Outcomes = []string{"money_recovered", "documents_returned", "contract_honoured", "agency_sanctioned", "referred_on", "no_remedy"}

// DeclineReasons are why a partner declines a case.
var DeclineReasons = []string{"out_of_scope", "no_capacity", "not_our_country", "duplicate", "other"}

// CloseReasons are why a case is closed without a resolution.
var CloseReasons = []string{"withdrawn", "unreachable", "duplicate", "resolved_elsewhere", "other"}

// AgainstKinds are whom a complaint is against.
var AgainstKinds = []string{"agency", "employer", "unknown"}

// AmountKinds are what an amount in a complaint is.
var AmountKinds = []string{"fee_paid", "wages_owed", "deposit_kept", "other"}

// MessagingApps are the messaging apps a worker may give as a contact.
var MessagingApps = []string{"whatsapp", "viber", "line", "telegram", "messenger", "imo", "signal"}

// Bounds of a complaint and its case.
const (
	MaxText        = 5000 // characters of the free text
	MaxPlace       = 200
	MaxName        = 200
	MaxAmounts     = 10
	MaxPartners    = 3 // partners one referral names
	MaxMessages    = 200
	MaxMessageText = 2000
	MaxNote        = 1000
	// AnswerWithin is how long a referred case waits for a partner's answer before it is
	// flagged to Kawan's moderators.
	AnswerWithin = 7 * 24 * time.Hour
)

// Partner is an organisation of the help directory with a partner account: the cases it
// takes (countries where the worker is or the harm happened, nationalities, kinds).
type Partner struct {
	ID     string `json:"id" bson:"_id"`
	HelpID string `json:"help_id" bson:"help_id"`
	Name   string `json:"name" bson:"name"`
	// Countries it takes cases in (ISO 3166-1 alpha-2); Nationalities of the workers it
	// helps (empty: everyone); Kinds of case (Facts) it takes.
	Countries     []string  `json:"countries" bson:"countries"`
	Nationalities []string  `json:"nationalities" bson:"nationalities"`
	Kinds         []string  `json:"kinds" bson:"kinds"`
	Active        bool      `json:"active" bson:"active"`
	ApprovedAt    time.Time `json:"approved_at" bson:"approved_at"`
	ApprovedBy    string    `json:"-" bson:"approved_by"`
	// Sample marks the fictional demo partner.
	Sample bool `json:"sample,omitempty" bson:"sample,omitempty"`
}

// Takes reports whether the partner takes a case in country, for a worker of nationality,
// about any of facts.
func (p *Partner) Takes(country, nationality string, facts []string) bool {
	if !p.Active || !contains(p.Countries, country) {
		return false
	}
	if len(p.Nationalities) > 0 && !contains(p.Nationalities, nationality) {
		return false
	}
	for _, f := range facts {
		if contains(p.Kinds, f) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Against is whom the complaint is about.
type Against struct {
	Kind     string `json:"kind" bson:"kind"` // AgainstKinds
	AgencyID string `json:"agency_id,omitempty" bson:"agency_id,omitempty"`
	// Name is an employer's name (or an agency not in the register), as the worker wrote it.
	Name string `json:"name,omitempty" bson:"name,omitempty"`
}

// Amount is a sum of money in a complaint (decimal string, ISO 4217 currency).
type Amount struct {
	What     string `json:"what" bson:"what"` // AmountKinds
	Amount   string `json:"amount" bson:"amount"`
	Currency string `json:"currency" bson:"currency"`
}

// Private is what identifies the worker. It is shown to the worker and, field by field as
// Share allows, to the partner handling the case; never anywhere else.
type Private struct {
	Name            string `json:"name,omitempty" bson:"name,omitempty"`
	Passport        string `json:"passport_number,omitempty" bson:"passport_number,omitempty"`
	Phone           string `json:"phone,omitempty" bson:"phone,omitempty"`
	Email           string `json:"email,omitempty" bson:"email,omitempty"`
	MessagingApp    string `json:"messaging_app,omitempty" bson:"messaging_app,omitempty"`
	MessagingHandle string `json:"messaging_handle,omitempty" bson:"messaging_handle,omitempty"`
}

// Share is what the worker lets the partner see.
type Share struct {
	Contact  bool `json:"contact" bson:"contact"`
	Name     bool `json:"name" bson:"name"`
	Passport bool `json:"passport_number" bson:"passport_number"`
}

// Outcome is how a resolved case ended.
type Outcome struct {
	Kind string `json:"kind" bson:"kind"` // Outcomes
	// Recovered is the money recovered (money_recovered only).
	Recovered *kawan.Money `json:"recovered,omitempty" bson:"recovered,omitempty"`
	Note      string       `json:"note,omitempty" bson:"note,omitempty"`
}

// Step is one recorded transition of a case.
type Step struct {
	From State     `json:"from,omitempty" bson:"from,omitempty"`
	To   State     `json:"to" bson:"to"`
	At   time.Time `json:"at" bson:"at"`
	// By is who made it: worker, partner, moderator or system; Partner the partner's ID and
	// Name its name when By is partner (or the partners a referral names).
	By       string   `json:"by" bson:"by"`
	Partner  string   `json:"partner,omitempty" bson:"partner,omitempty"`
	Partners []string `json:"partners,omitempty" bson:"partners,omitempty"`
	// ActorID is a partner's or moderator's account (never the worker's); not shown.
	ActorID string   `json:"-" bson:"actor_id,omitempty"`
	Reason  string   `json:"reason,omitempty" bson:"reason,omitempty"`
	Note    string   `json:"note,omitempty" bson:"note,omitempty"`
	Outcome *Outcome `json:"outcome,omitempty" bson:"outcome,omitempty"`
}

// Message is one message on a case between the worker and the partner.
type Message struct {
	ID      string    `json:"id" bson:"id"`
	At      time.Time `json:"at" bson:"at"`
	From    string    `json:"from" bson:"from"` // worker, partner or moderator
	Partner string    `json:"partner,omitempty" bson:"partner,omitempty"`
	Text    string    `json:"text" bson:"text"`
	// Held marks a message screening held for a moderator (a threat or slur): only its
	// sender and moderators see it, until a moderator releases or rejects it.
	Held bool `json:"held,omitempty" bson:"held,omitempty"`
	// Rejected marks a held message a moderator kept hidden: still only its sender (told)
	// and moderators see it.
	Rejected bool `json:"rejected,omitempty" bson:"rejected,omitempty"`
	// Decision is the moderator's decision on a held message: what, when and by whom.
	Decision *MessageDecision `json:"decision,omitempty" bson:"decision,omitempty"`
}

// Moderators' decisions on a held message.
const (
	ReleaseMessage = "release" // show it to the other party
	RejectMessage  = "reject"  // keep it hidden; the sender sees it was not delivered
)

// MessageDecisions lists the decisions on a held message.
var MessageDecisions = []string{ReleaseMessage, RejectMessage}

// MessageDecision records a moderator's decision on a held message.
type MessageDecision struct {
	Action string    `json:"action" bson:"action"` // MessageDecisions
	At     time.Time `json:"at" bson:"at"`
	By     string    `json:"by" bson:"by"` // moderator
	// ActorID is the moderator's account (in the audit log too); not shown.
	ActorID string `json:"-" bson:"actor_id"`
}

// Case is a complaint and its case (collection "complaints", _id the case code).
type Case struct {
	ID      string `json:"code" bson:"_id"`
	Version int64  `json:"version" bson:"version"`
	State   State  `json:"state" bson:"state"`
	// OwnerID is the worker's account (empty for a complaint filed without one).
	OwnerID    string `json:"-" bson:"owner_id,omitempty"`
	SecretHash string `json:"-" bson:"secret_hash,omitempty"`
	// Complainant counts distinct workers in the published outcomes (a hash of the account,
	// or of the case for a complaint without an account). Kept after erasure.
	Complainant string `json:"-" bson:"complainant"`

	Against     Against  `json:"against" bson:"against"`
	Facts       []string `json:"facts" bson:"facts"`
	HappenedOn  string   `json:"happened_on,omitempty" bson:"happened_on,omitempty"` // YYYY-MM-DD
	Country     string   `json:"country" bson:"country"`
	Nationality string   `json:"nationality" bson:"nationality"`
	Place       string   `json:"place,omitempty" bson:"place,omitempty"`
	Amounts     []Amount `json:"amounts,omitempty" bson:"amounts,omitempty"`
	Text        string   `json:"text,omitempty" bson:"text,omitempty"`
	Lang        string   `json:"lang" bson:"lang"`

	ModeratorsChoose bool     `json:"moderators_choose,omitempty" bson:"moderators_choose,omitempty"`
	ReferredTo       []string `json:"referred_to,omitempty" bson:"referred_to,omitempty"`
	DeclinedBy       []string `json:"declined_by,omitempty" bson:"declined_by,omitempty"`
	PartnerID        string   `json:"partner,omitempty" bson:"partner_id,omitempty"`

	Share          Share   `json:"share" bson:"share"`
	Private        Private `json:"-" bson:"private"`
	HideFromAgency bool    `json:"hide_from_agency" bson:"hide_from_agency"`

	Outcome     *Outcome  `json:"outcome,omitempty" bson:"outcome,omitempty"`
	CloseReason string    `json:"close_reason,omitempty" bson:"close_reason,omitempty"`
	Steps       []Step    `json:"steps" bson:"steps"`
	Messages    []Message `json:"messages" bson:"messages"`
	// WaitingSince is when the case began waiting for a partner's (or a moderator's)
	// answer; Flagged is set when it waited longer than AnswerWithin.
	WaitingSince *time.Time `json:"-" bson:"waiting_since,omitempty"`
	Flagged      bool       `json:"flagged,omitempty" bson:"flagged,omitempty"`
	Erased       bool       `json:"erased,omitempty" bson:"erased,omitempty"`
	Sample       bool       `json:"sample,omitempty" bson:"sample,omitempty"`
	CreatedAt    time.Time  `json:"created_at" bson:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at" bson:"updated_at"`
}

// Terminal reports whether no partner action can follow.
func (s State) Terminal() bool { return s == Resolved || s == Closed }

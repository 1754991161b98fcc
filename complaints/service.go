package complaints

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/help"
)

// Store is where cases and partners live (store.Complaints).
type Store interface {
	InsertCase(ctx context.Context, c *Case) error
	Case(ctx context.Context, code string) (*Case, error)
	ReplaceCase(ctx context.Context, prev int64, c *Case) (bool, error)
	CasesOfOwner(ctx context.Context, ownerID string, limit int) ([]Case, error)
	CasesOfPartner(ctx context.Context, partnerID string, limit int) ([]Case, error)
	CasesForModerators(ctx context.Context, limit int) ([]Case, error)
	WaitingCases(ctx context.Context, before time.Time, limit int) ([]Case, error)
	PutPartner(ctx context.Context, p *Partner) error
	Partner(ctx context.Context, id string) (*Partner, error)
	Partners(ctx context.Context, limit int) ([]Partner, error)
	SetMember(ctx context.Context, userID, partnerID string, now time.Time) error
	MemberOf(ctx context.Context, userID string) (string, error)
}

// Counter reads what the outcome counts of an agency need (store.Complaints via app).
type Counter interface {
	CaseCounts(ctx context.Context, agencyID string, limit int) ([]CaseCount, error)
}

// CaseCount is the part of a case the published outcomes read.
type CaseCount struct {
	Complainant string
	State       State
	Outcome     string // the outcome kind of a resolved case
	WasAccepted bool
	CreatedAt   time.Time
	Hidden      bool
}

// Options are the service's dependencies.
type Options struct {
	// K is the k of k-anonymity of the published outcomes (the open data's KAWAN_STATS_K).
	K int
	// Directory is the help directory partners are tied to.
	Directory interface {
		Entry(ctx context.Context, id string) (help.Entry, error)
	}
	// AgencyExists checks a complaint's agency.
	AgencyExists func(ctx context.Context, id string) (bool, error)
	// CreateAccount makes a partner account (auth: role partner), returning its ID.
	CreateAccount func(ctx context.Context, username, password string, demo bool) (string, error)
	// Screen screens a message (moderation.ScreenReply): a held verdict holds it.
	Screen  func(ctx context.Context, text string) (kawan.Screening, error)
	Counter Counter
	// Paper keeps which partner collected which paper review (store.Complaints).
	Paper PaperStore
	// Audit records moderators' decisions on held messages (store.AuditLog); nil: the
	// decision is kept on the case only.
	Audit interface {
		AppendOnce(ctx context.Context, e kawan.AuditEntry) error
	}
	Logger *slog.Logger
	Now    func() time.Time
}

// Service files complaints, runs cases through their states and publishes outcomes.
type Service struct {
	st  Store
	opt Options
	log *slog.Logger
}

// New returns the complaints service.
func New(st Store, o Options) *Service {
	if o.K <= 0 {
		o.K = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, opt: o, log: o.Logger}
}

// K is the threshold of the published outcomes.
func (s *Service) K() int { return s.opt.K }

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Millisecond) }

// Caller is who asks: a signed-in principal, or someone holding a case's secret.
type Caller struct {
	P      *kawan.Principal
	Secret string
}

// codeAlphabet has no 0/O, 1/I/L: a code read out on the phone is not misheard.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newCode returns a case code like KC-7HQ2M-XW9RT (50 random bits).
func newCode() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	out := []byte("KC-")
	for i, x := range b {
		if i == 5 {
			out = append(out, '-')
		}
		out = append(out, codeAlphabet[int(x)%len(codeAlphabet)])
	}
	return string(out)
}

func newSecret() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte("kawan-case-secret\x00" + s))
	return hex.EncodeToString(h[:])
}

func complainantKey(s string) string {
	h := sha256.Sum256([]byte("kawan-complainant\x00" + s))
	return hex.EncodeToString(h[:16])
}

// Filed is the answer to a new complaint: the case, and for a complaint without an
// account its secret (shown once; only its hash is kept).
type Filed struct {
	Case   *View  `json:"case"`
	Code   string `json:"code"`
	Secret string `json:"secret,omitempty"`
}

// File files a complaint. With a signed-in worker the case is theirs; without an account
// the answer carries the case's secret.
func (s *Service) File(ctx context.Context, p *kawan.Principal, in Complaint) (*Filed, error) {
	if p != nil && p.Role != kawan.RoleWorker {
		return nil, fmt.Errorf("complaints: only workers file complaints (or file without an account): %w", kawan.ErrForbidden)
	}
	now := s.now()
	if err := in.Validate(now); err != nil {
		return nil, err
	}
	if in.Against.Kind == "agency" && s.opt.AgencyExists != nil {
		ok, err := s.opt.AgencyExists(ctx, in.Against.AgencyID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, kawan.Invalid("against.agency_id", "no agency has this ID")
		}
	}
	if err := s.checkPartners(ctx, "partner_ids", in.PartnerIDs, in.Country, in.Nationality, in.Facts, nil); err != nil {
		return nil, err
	}
	c := &Case{ID: newCode(), Version: 1, State: Submitted, Against: in.Against, Facts: in.Facts, HappenedOn: in.HappenedOn,
		Country: in.Country, Nationality: in.Nationality, Place: in.Place, Amounts: in.Amounts, Text: in.Text, Lang: in.Lang,
		ModeratorsChoose: in.ModeratorsChoose, Share: in.Share, Private: in.Private, HideFromAgency: in.HideFromAgency,
		Steps: []Step{{To: Submitted, At: now, By: "worker"}}, Messages: []Message{}, WaitingSince: &now, CreatedAt: now, UpdatedAt: now}
	if in.Against.Kind != "agency" {
		c.HideFromAgency = false
	}
	out := &Filed{}
	if p != nil {
		c.OwnerID = p.UserID
		c.Complainant = complainantKey("u:" + p.UserID)
	} else {
		out.Secret = newSecret()
		c.SecretHash = hashSecret(out.Secret)
	}
	if len(in.PartnerIDs) > 0 {
		c.State, c.ReferredTo = Referred, in.PartnerIDs
		c.Steps = append(c.Steps, Step{From: Submitted, To: Referred, At: now, By: "worker", Partners: in.PartnerIDs})
	}
	for range 3 { // a code collision (50 bits) is astronomically rare; retry anyway
		if p == nil {
			c.Complainant = complainantKey("c:" + c.ID)
		}
		err := s.st.InsertCase(ctx, c)
		if errors.Is(err, kawan.ErrConflict) {
			c.ID = newCode()
			continue
		}
		if err != nil {
			return nil, err
		}
		s.log.Info("complaint filed", "state", c.State, "account", p != nil)
		out.Code = c.ID
		out.Case = s.view(c, viewer{kind: "worker"}, nil)
		return out, nil
	}
	return nil, fmt.Errorf("complaints: no free case code: %w", kawan.ErrUnavailable)
}

// checkPartners checks that every partner exists, is active, takes such cases and has not
// declined this one.
func (s *Service) checkPartners(ctx context.Context, field string, ids []string, country, nationality string, facts, declined []string) error {
	v := &kawan.ValidationError{}
	for i, id := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		pt, err := s.st.Partner(ctx, id)
		if errors.Is(err, kawan.ErrNotFound) {
			v.Add(f, "no partner has this ID")
			continue
		}
		if err != nil {
			return err
		}
		switch {
		case slices.Contains(declined, id):
			v.Add(f, "this partner already declined the case: choose another")
		case !pt.Takes(country, nationality, facts):
			v.Add(f, "this partner does not take such cases in %s for %s nationals: choose one from GET /v1/partners", country, nationality)
		}
	}
	return v.Err()
}

type viewer struct {
	kind      string // worker, partner, moderator
	partnerID string
}

// View is a case as one viewer may see it.
type View struct {
	Case
	// Private is the worker's identifying details: all of them for the worker, what the
	// worker shared for the partner handling the case, nothing for anyone else.
	Private *Private `json:"private,omitempty"`
	// Viewer is how the caller sees the case: worker, partner or moderator.
	Viewer string `json:"viewer"`
	// PartnerNames names the partners the case mentions.
	PartnerNames map[string]string `json:"partner_names"`
}

func (s *Service) view(c *Case, v viewer, names map[string]string) *View {
	out := &View{Case: *c, Viewer: v.kind, PartnerNames: names}
	if out.PartnerNames == nil {
		out.PartnerNames = map[string]string{}
	}
	out.Messages = make([]Message, 0, len(c.Messages))
	for _, m := range c.Messages {
		mine := (v.kind == "worker" && m.From == "worker") || (v.kind == "partner" && m.Partner == v.partnerID)
		if (m.Held || m.Rejected) && !mine && v.kind != "moderator" {
			continue
		}
		if v.kind == "partner" && m.From == "partner" && m.Partner != v.partnerID {
			continue
		}
		out.Messages = append(out.Messages, m)
	}
	switch v.kind {
	case "worker":
		p := c.Private
		out.Private = &p
	case "partner":
		out.DeclinedBy = nil
		out.ReferredTo = nil
		if c.PartnerID == v.partnerID {
			var p Private
			if c.Share.Contact {
				p.Phone, p.Email, p.MessagingApp, p.MessagingHandle = c.Private.Phone, c.Private.Email, c.Private.MessagingApp, c.Private.MessagingHandle
			}
			if c.Share.Name {
				p.Name = c.Private.Name
			}
			if c.Share.Passport {
				p.Passport = c.Private.Passport
			}
			out.Private = &p
		}
	}
	return out
}

// partnerOf returns the partner a partner account speaks for.
func (s *Service) partnerOf(ctx context.Context, p *kawan.Principal) (string, error) {
	if p == nil || p.Role != kawan.RolePartner {
		return "", fmt.Errorf("complaints: not a partner account: %w", kawan.ErrForbidden)
	}
	id, err := s.st.MemberOf(ctx, p.UserID)
	if errors.Is(err, kawan.ErrNotFound) {
		return "", fmt.Errorf("complaints: this account is not bound to a partner organisation yet: %w", kawan.ErrForbidden)
	}
	return id, err
}

// PartnerOf returns the partner organisation of a partner account.
func (s *Service) PartnerOf(ctx context.Context, p kawan.Principal) (*Partner, error) {
	id, err := s.partnerOf(ctx, &p)
	if err != nil {
		return nil, err
	}
	return s.st.Partner(ctx, id)
}

// errNoCase is the answer to a code that does not exist and to a wrong secret alike.
func errNoCase(code string) error {
	return fmt.Errorf("complaints: no case %s with this secret: %w", truncate(code), kawan.ErrNotFound)
}

func truncate(s string) string {
	if len(s) > 24 {
		return s[:24]
	}
	return s
}

// who decides how the caller sees a case. An agency's representative never sees a case;
// a partner sees cases referred to it (until another accepts) and the ones it accepted.
func (s *Service) who(ctx context.Context, c Caller, cs *Case) (viewer, error) {
	if c.P == nil {
		if c.Secret != "" && cs.SecretHash != "" && subtle.ConstantTimeCompare([]byte(hashSecret(c.Secret)), []byte(cs.SecretHash)) == 1 {
			return viewer{kind: "worker"}, nil
		}
		return viewer{}, errNoCase(cs.ID)
	}
	switch c.P.Role {
	case kawan.RoleWorker:
		if cs.OwnerID != "" && cs.OwnerID == c.P.UserID {
			return viewer{kind: "worker"}, nil
		}
	case kawan.RolePartner:
		pid, err := s.partnerOf(ctx, c.P)
		if err != nil {
			return viewer{}, err
		}
		if cs.PartnerID == pid || (cs.PartnerID == "" && slices.Contains(cs.ReferredTo, pid)) {
			return viewer{kind: "partner", partnerID: pid}, nil
		}
		if slices.Contains(cs.ReferredTo, pid) {
			return viewer{kind: "loser", partnerID: pid}, nil
		}
	case kawan.RoleModerator, kawan.RoleAdmin:
		return viewer{kind: "moderator"}, nil
	}
	return viewer{}, fmt.Errorf("complaints: this case is not yours to see: %w", kawan.ErrForbidden)
}

func (s *Service) read(ctx context.Context, code string) (*Case, error) {
	if !kawan.ValidID(code) {
		return nil, errNoCase(code)
	}
	cs, err := s.st.Case(ctx, code)
	if errors.Is(err, kawan.ErrNotFound) {
		return nil, errNoCase(code)
	}
	return cs, err
}

// Get returns a case as the caller may see it.
func (s *Service) Get(ctx context.Context, c Caller, code string) (*View, error) {
	cs, err := s.read(ctx, code)
	if err != nil {
		return nil, err
	}
	v, err := s.who(ctx, c, cs)
	if err != nil {
		return nil, err
	}
	if v.kind == "loser" {
		return nil, fmt.Errorf("complaints: another partner accepted this case: %w", kawan.ErrForbidden)
	}
	return s.view(cs, v, s.names(ctx, cs)), nil
}

// names maps the partners a case mentions to their names.
func (s *Service) names(ctx context.Context, cs *Case) map[string]string {
	ids := slices.Concat(cs.ReferredTo, cs.DeclinedBy, []string{cs.PartnerID})
	for _, st := range cs.Steps {
		ids = append(ids, st.Partner)
		ids = append(ids, st.Partners...)
	}
	out := map[string]string{}
	for _, id := range ids {
		if id == "" || out[id] != "" {
			continue
		}
		if p, err := s.st.Partner(ctx, id); err == nil {
			out[id] = p.Name
		}
		if len(out) >= 20 {
			break
		}
	}
	return out
}

// update applies change to the current case and writes it with compare-and-set on its
// version; a lost race re-reads and re-applies (change then sees the new state: a second
// acceptance becomes a conflict). expect, when set, is the version the caller saw.
func (s *Service) update(ctx context.Context, code string, c Caller, expect *int64, change func(cs *Case, v viewer, now time.Time) error) (*View, error) {
	for range 5 {
		cs, err := s.read(ctx, code)
		if err != nil {
			return nil, err
		}
		v, err := s.who(ctx, c, cs)
		if err != nil {
			return nil, err
		}
		if expect != nil && *expect != cs.Version {
			return nil, fmt.Errorf("complaints: the case changed since version %d (now %d): reload it: %w", *expect, cs.Version, kawan.ErrConflict)
		}
		prev := cs.Version
		now := s.now()
		if err := change(cs, v, now); err != nil {
			return nil, err
		}
		cs.Version, cs.UpdatedAt = prev+1, now
		ok, err := s.st.ReplaceCase(ctx, prev, cs)
		if err != nil {
			return nil, err
		}
		if ok {
			if v.kind == "loser" {
				v.kind = "partner"
			}
			return s.view(cs, v, s.names(ctx, cs)), nil
		}
	}
	return nil, fmt.Errorf("complaints: the case is changing too often, try again: %w", kawan.ErrConflict)
}

// Transition moves a case to t.To if the caller may, recording who and when.
func (s *Service) Transition(ctx context.Context, c Caller, code string, t Transition) (*View, error) {
	if err := t.validate(); err != nil {
		return nil, err
	}
	return s.update(ctx, code, c, t.Version, func(cs *Case, v viewer, now time.Time) error {
		return s.apply(ctx, cs, v, c, t, now)
	})
}

func conflict(format string, args ...any) error {
	return fmt.Errorf("complaints: "+format+": %w", append(args, kawan.ErrConflict)...)
}

func forbidden(format string, args ...any) error {
	return fmt.Errorf("complaints: "+format+": %w", append(args, kawan.ErrForbidden)...)
}

func (s *Service) apply(ctx context.Context, cs *Case, v viewer, c Caller, t Transition, now time.Time) error {
	if cs.Erased {
		return conflict("this case was erased")
	}
	if v.kind == "loser" {
		return conflict("another partner already accepted this case")
	}
	step := Step{From: cs.State, To: t.To, At: now, By: v.kind, Reason: t.Reason, Note: t.Note}
	if v.kind == "partner" {
		step.Partner = v.partnerID
	}
	if v.kind != "worker" && c.P != nil {
		step.ActorID = c.P.UserID
	}
	handler := v.kind == "partner" && cs.PartnerID == v.partnerID
	switch t.To {
	case Referred:
		if v.kind != "worker" && v.kind != "moderator" {
			return forbidden("only the worker or a moderator refers a case")
		}
		if cs.State != Submitted && cs.State != Declined {
			return conflict("a case is referred when submitted or declined, this one is %s", cs.State)
		}
		if err := s.checkPartners(ctx, "partner_ids", t.PartnerIDs, cs.Country, cs.Nationality, cs.Facts, cs.DeclinedBy); err != nil {
			return err
		}
		cs.State, cs.ReferredTo, cs.Flagged, cs.WaitingSince = Referred, t.PartnerIDs, false, &now
		step.Partners = t.PartnerIDs
	case Accepted:
		if v.kind != "partner" {
			return forbidden("only a partner the case is referred to accepts it")
		}
		if cs.State != Referred {
			return conflict("the case is %s, not waiting for a partner", cs.State)
		}
		cs.State, cs.PartnerID, cs.Flagged, cs.WaitingSince = Accepted, v.partnerID, false, nil
	case Declined:
		if v.kind != "partner" || cs.PartnerID != "" {
			return forbidden("only a partner the case is referred to declines it")
		}
		if cs.State != Referred {
			return conflict("the case is %s, not waiting for a partner", cs.State)
		}
		cs.ReferredTo = slices.DeleteFunc(slices.Clone(cs.ReferredTo), func(id string) bool { return id == v.partnerID })
		cs.DeclinedBy = append(cs.DeclinedBy, v.partnerID)
		if len(cs.ReferredTo) == 0 {
			cs.State, cs.WaitingSince = Declined, &now
		}
	case InProgress:
		if !handler {
			return forbidden("only the partner handling the case moves it on")
		}
		if cs.State != Accepted {
			return conflict("a case goes in progress once accepted, this one is %s", cs.State)
		}
		cs.State = InProgress
	case Resolved:
		if !handler {
			return forbidden("only the partner handling the case resolves it")
		}
		if cs.State != Accepted && cs.State != InProgress {
			return conflict("a case is resolved when accepted or in progress, this one is %s", cs.State)
		}
		cs.State, cs.Outcome = Resolved, t.Outcome
		step.Outcome = t.Outcome
	case Closed:
		switch {
		case v.kind == "worker" || v.kind == "moderator":
		case handler:
		default:
			return forbidden("only the worker, the partner handling the case or a moderator closes it")
		}
		if cs.State.Terminal() {
			return conflict("the case is already %s", cs.State)
		}
		cs.State, cs.CloseReason, cs.WaitingSince = Closed, t.Reason, nil
	}
	cs.Steps = append(cs.Steps, step)
	s.log.Info("complaint case transition", "to", t.To, "by", v.kind)
	return nil
}

// Message adds a message from the worker or the partner to a case. A message screening
// holds (a threat, a slur) is kept for a moderator and not shown to the other side.
func (s *Service) Message(ctx context.Context, c Caller, code, text string) (*View, error) {
	v := &kawan.ValidationError{}
	checkText(v, "text", text, MaxMessageText, true)
	if err := v.Err(); err != nil {
		return nil, err
	}
	held := false
	if s.opt.Screen != nil {
		sc, err := s.opt.Screen(ctx, text)
		if err != nil {
			return nil, err
		}
		held = sc.Status == kawan.ReviewHeld
	}
	id := kawan.NewID()
	return s.update(ctx, code, c, nil, func(cs *Case, vw viewer, now time.Time) error {
		if cs.Erased {
			return conflict("this case was erased")
		}
		if vw.kind == "loser" {
			return conflict("another partner already accepted this case")
		}
		if vw.kind == "moderator" {
			return forbidden("messages are between the worker and the partner")
		}
		if len(cs.Messages) >= MaxMessages {
			return conflict("a case holds at most %d messages", MaxMessages)
		}
		cs.Messages = append(cs.Messages, Message{ID: id, At: now, From: vw.kind, Partner: vw.partnerID, Text: text, Held: held})
		return nil
	})
}

// MessageDecisionInput is a moderator's decision on a held message: release (show it to the
// other party) or reject (keep it hidden; its sender sees it was not delivered). Version,
// when set, is the case version the moderator saw.
type MessageDecisionInput struct {
	Decision string `json:"decision"`
	Version  *int64 `json:"version,omitempty"`
}

// errDecidedAlready is a repeat of the decision already recorded by the same moderator.
var errDecidedAlready = errors.New("complaints: decided already")

// DecideMessage records a moderator's decision on a held message of a case, with who and
// when, on the message and in the audit log. A message that is not held (never was, or was
// decided) is a conflict; the same moderator repeating the same decision is answered as it
// was (so a retry after a failed audit write completes it).
func (s *Service) DecideMessage(ctx context.Context, p kawan.Principal, code, messageID string, in MessageDecisionInput) (*View, error) {
	if p.Role != kawan.RoleModerator && p.Role != kawan.RoleAdmin {
		return nil, forbidden("only moderators decide on held messages")
	}
	if !slices.Contains(MessageDecisions, in.Decision) {
		return nil, kawan.Invalid("decision", "must be release or reject")
	}
	var at time.Time
	view, err := s.update(ctx, code, Caller{P: &p}, in.Version, func(cs *Case, v viewer, now time.Time) error {
		if cs.Erased {
			return conflict("this case was erased")
		}
		i := slices.IndexFunc(cs.Messages, func(m Message) bool { return m.ID == messageID })
		if i < 0 {
			return fmt.Errorf("complaints: no message %s on this case: %w", truncate(messageID), kawan.ErrNotFound)
		}
		m := &cs.Messages[i]
		if !m.Held {
			if d := m.Decision; d != nil && d.Action == in.Decision && d.ActorID == p.UserID {
				at = d.At
				return errDecidedAlready
			}
			return conflict("the message is not held for a moderator")
		}
		m.Held, m.Rejected = false, in.Decision == RejectMessage
		m.Decision = &MessageDecision{Action: in.Decision, At: now, By: "moderator", ActorID: p.UserID}
		at = now
		return nil
	})
	if errors.Is(err, errDecidedAlready) {
		view, err = s.Get(ctx, Caller{P: &p}, code)
	}
	if err != nil {
		return nil, err
	}
	if s.opt.Audit != nil {
		to := "released"
		if in.Decision == RejectMessage {
			to = "rejected"
		}
		e := kawan.AuditEntry{ID: "complaint-message:" + code + ":" + messageID, At: at, ActorID: p.UserID, ActorRole: p.Role,
			Action: "complaint.message.decision", Subject: "complaint:" + code + "/message:" + messageID, From: "held", To: to}
		if err := s.opt.Audit.AppendOnce(ctx, e); err != nil {
			return nil, err
		}
	}
	s.log.Info("complaint message decided", "decision", in.Decision)
	return view, nil
}

// Erase removes a finished case's details at the worker's request: what happened, the
// text, amounts, place, messages and everything identifying, and the link to the worker.
// What remains is the case's states and outcome kind, which count in the published
// outcomes anonymously.
func (s *Service) Erase(ctx context.Context, c Caller, code string) error {
	_, err := s.update(ctx, code, c, nil, func(cs *Case, v viewer, now time.Time) error {
		if v.kind != "worker" {
			return forbidden("only the worker erases their case")
		}
		if !cs.State.Terminal() && cs.State != Declined {
			return conflict("close the case first: a case is erased once it is resolved, closed or declined")
		}
		Anonymise(cs, now)
		return nil
	})
	if err == nil {
		s.log.Info("complaint case erased at the worker's request")
	}
	return err
}

// Anonymise removes a case's details, messages and everything identifying, and its link
// to the worker; an open case is closed as withdrawn first. What remains (states, outcome
// kind) counts in the published outcomes anonymously.
func Anonymise(cs *Case, now time.Time) {
	if !cs.State.Terminal() {
		cs.Steps = append(cs.Steps, Step{From: cs.State, To: Closed, At: now, By: "worker", Reason: "withdrawn"})
		cs.State, cs.CloseReason, cs.WaitingSince = Closed, "withdrawn", nil
	}
	cs.Erased = true
	cs.OwnerID, cs.SecretHash = "", ""
	cs.Private, cs.Share = Private{}, Share{}
	cs.Text, cs.Place, cs.HappenedOn, cs.Amounts, cs.Messages = "", "", "", nil, []Message{}
	cs.Against.Name = ""
	if cs.Outcome != nil {
		cs.Outcome = &Outcome{Kind: cs.Outcome.Kind}
	}
	for i := range cs.Steps {
		cs.Steps[i].Note = ""
		if cs.Steps[i].Outcome != nil {
			cs.Steps[i].Outcome = &Outcome{Kind: cs.Steps[i].Outcome.Kind}
		}
	}
}

// OwnExport is a worker's own cases as their data export shows them (with their private
// details).
func OwnExport(cs []Case) []View {
	out := make([]View, 0, len(cs))
	for i := range cs {
		p := cs[i].Private
		out = append(out, View{Case: cs[i], Private: &p, Viewer: "worker", PartnerNames: map[string]string{}})
	}
	return out
}

// MaxList bounds every list of cases.
const MaxList = 100

// Summary is a case in a list.
type Summary struct {
	Code     string   `json:"code"`
	State    State    `json:"state"`
	Against  Against  `json:"against"`
	Facts    []string `json:"facts"`
	Country  string   `json:"country"`
	Flagged  bool     `json:"flagged,omitempty"`
	Messages int      `json:"messages"`
	// Held lists the messages held for a moderator (moderators' list only).
	Held      []Message `json:"held,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func summaries(cs []Case) []Summary {
	out := make([]Summary, 0, len(cs))
	for _, c := range cs {
		out = append(out, Summary{Code: c.ID, State: c.State, Against: c.Against, Facts: c.Facts, Country: c.Country,
			Flagged: c.Flagged, Messages: len(c.Messages), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt})
	}
	return out
}

// Mine lists a worker's own cases (newest first).
func (s *Service) Mine(ctx context.Context, p kawan.Principal) ([]Summary, error) {
	cs, err := s.st.CasesOfOwner(ctx, p.UserID, MaxList)
	if err != nil {
		return nil, err
	}
	return summaries(cs), nil
}

// PartnerCases lists the cases referred to the caller's partner organisation (and not
// accepted by another) and those it accepted.
func (s *Service) PartnerCases(ctx context.Context, p kawan.Principal) ([]Summary, error) {
	pid, err := s.partnerOf(ctx, &p)
	if err != nil {
		return nil, err
	}
	cs, err := s.st.CasesOfPartner(ctx, pid, MaxList)
	if err != nil {
		return nil, err
	}
	cs = slices.DeleteFunc(cs, func(c Case) bool { return c.PartnerID != "" && c.PartnerID != pid })
	return summaries(cs), nil
}

// ForModerators lists the cases waiting for a moderator: moderators to choose, declined by
// every partner, unanswered for AnswerWithin, or with a held message (listed with the
// messages held, for DecideMessage).
func (s *Service) ForModerators(ctx context.Context) ([]Summary, error) {
	cs, err := s.st.CasesForModerators(ctx, MaxList)
	if err != nil {
		return nil, err
	}
	out := summaries(cs)
	for i := range cs {
		for _, m := range cs[i].Messages {
			if m.Held {
				out[i].Held = append(out[i].Held, m)
			}
		}
	}
	return out, nil
}

// FlagUnanswered flags the cases that waited more than AnswerWithin for a partner's (or a
// moderator's) answer, and returns how many it flagged.
func (s *Service) FlagUnanswered(ctx context.Context) (int, error) {
	now := s.now()
	cs, err := s.st.WaitingCases(ctx, now.Add(-AnswerWithin), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range cs {
		c := &cs[i]
		prev := c.Version
		c.Flagged, c.Version = true, prev+1
		ok, err := s.st.ReplaceCase(ctx, prev, c)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	if n > 0 {
		s.log.Info("complaint cases unanswered for 7 days flagged to moderators", "cases", n)
	}
	return n, nil
}

// Run flags unanswered cases every hour until ctx ends (a.AddJob).
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if _, err := s.FlagUnanswered(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("flag unanswered complaint cases", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// MaxPartnersListed bounds the partner directory.
const MaxPartnersListed = 500

// Partners lists the active partners that take a case in country for a worker of
// nationality about kind (each filter optional).
func (s *Service) Partners(ctx context.Context, country, nationality, kind string) ([]Partner, error) {
	v := &kawan.ValidationError{}
	if country != "" && !help.ValidCountry(country) {
		v.Add("country", "must be an ISO 3166-1 alpha-2 code in capitals, like QA")
	}
	if nationality != "" && !help.ValidCountry(nationality) {
		v.Add("nationality", "must be an ISO 3166-1 alpha-2 code in capitals, like NP")
	}
	if kind != "" && !slices.Contains(Facts, kind) {
		v.Add("kind", "must be one of the complaint facts")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	all, err := s.st.Partners(ctx, MaxPartnersListed)
	if err != nil {
		return nil, err
	}
	out := make([]Partner, 0, len(all))
	for _, p := range all {
		switch {
		case !p.Active:
		case country != "" && !slices.Contains(p.Countries, country):
		case nationality != "" && len(p.Nationalities) > 0 && !slices.Contains(p.Nationalities, nationality):
		case kind != "" && !slices.Contains(p.Kinds, kind):
		default:
			out = append(out, p)
		}
	}
	return out, nil
}

// AllPartners lists every partner (admins).
func (s *Service) AllPartners(ctx context.Context) ([]Partner, error) {
	return s.st.Partners(ctx, MaxPartnersListed)
}

// CreatePartner makes a help-directory entry a partner organisation, approved by the admin
// who creates it. Its ID is the entry's; creating it again replaces what it takes.
func (s *Service) CreatePartner(ctx context.Context, admin kawan.Principal, in PartnerInput) (*Partner, error) {
	if admin.Role != kawan.RoleAdmin {
		return nil, forbidden("only admins approve partners")
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	e, err := s.opt.Directory.Entry(ctx, in.HelpID)
	if errors.Is(err, kawan.ErrNotFound) {
		return nil, kawan.Invalid("help_id", "no help directory entry has this ID")
	}
	if err != nil {
		return nil, err
	}
	if in.Nationalities == nil {
		in.Nationalities = []string{}
	}
	p := &Partner{ID: e.ID, HelpID: e.ID, Name: e.Name, Countries: in.Countries, Nationalities: in.Nationalities, Kinds: in.Kinds,
		Active: true, ApprovedAt: s.now(), ApprovedBy: admin.UserID, Sample: e.Sample}
	if err := s.st.PutPartner(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// AddPartnerAccount creates an account with role partner for a partner organisation.
func (s *Service) AddPartnerAccount(ctx context.Context, admin kawan.Principal, partnerID, username, password string, demo bool) (string, error) {
	if admin.Role != kawan.RoleAdmin {
		return "", forbidden("only admins create partner accounts")
	}
	if !kawan.ValidID(partnerID) {
		return "", fmt.Errorf("complaints: partner %q: %w", truncate(partnerID), kawan.ErrNotFound)
	}
	if _, err := s.st.Partner(ctx, partnerID); err != nil {
		return "", err
	}
	uid, err := s.opt.CreateAccount(ctx, username, password, demo)
	if err != nil {
		return "", err
	}
	return uid, s.st.SetMember(ctx, uid, partnerID, s.now())
}

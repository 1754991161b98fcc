package moderation

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
)

// MaxNoteRunes bounds moderators' notes, flag notes and appeal notes.
const MaxNoteRunes = 1000

// Decision is a moderator's decision on a review.
type Decision struct {
	Action Action `json:"action"`
	Reason Reason `json:"reason"`
	Note   string `json:"note,omitempty"`
}

// DecisionResult is the review's status after a decision.
type DecisionResult struct {
	ReviewID string             `json:"review_id"`
	From     kawan.ReviewStatus `json:"from"`
	Status   kawan.ReviewStatus `json:"status"`
}

func checkNote(field, note string) error {
	switch {
	case !utf8.ValidString(note):
		return kawan.Invalid(field, "must be valid UTF-8")
	case utf8.RuneCountInString(note) > MaxNoteRunes:
		return kawan.Invalid(field, "must be at most %d characters", MaxNoteRunes)
	}
	for _, c := range note {
		if unicode.IsControl(c) && c != '\n' && c != '\r' && c != '\t' {
			return kawan.Invalid(field, "must not contain control characters")
		}
	}
	return nil
}

func notFound(reviewID string) error {
	return fmt.Errorf("moderation: review %q: %w", reviewID, kawan.ErrNotFound)
}

// isModerator reports whether p may moderate.
func isModerator(p kawan.Principal) bool {
	return p.UserID != "" && (p.Role == kawan.RoleModerator || p.Role == kawan.RoleAdmin)
}

// Decide applies a moderator's decision to a review in one conditional update: two
// moderators deciding at once — one wins, the other gets ErrConflict (409). A decision on a
// review another moderator has claimed (unexpired lease) is ErrConflict too. The decision is
// appended to the audit log, the original (unredacted) text is deleted, open flags are
// marked handled, and the search index and aggregates follow.
func (s *Service) Decide(ctx context.Context, p kawan.Principal, reviewID string, d Decision) (DecisionResult, error) {
	if !isModerator(p) {
		return DecisionResult{}, fmt.Errorf("moderation: only moderators decide: %w", kawan.ErrForbidden)
	}
	v := &kawan.ValidationError{}
	if !slices.Contains(Actions, d.Action) {
		v.Add("action", "must be one of publish, verify, reject, remove")
	} else if !reasonFits(d.Action, d.Reason) {
		allowed := RefuseReasons
		if d.Action == ActionPublish || d.Action == ActionVerify {
			allowed = PublishReasons
		}
		names := make([]string, len(allowed))
		for i, r := range allowed {
			names[i] = string(r)
		}
		v.Add("reason", "must be one of %s for %s", strings.Join(names, ", "), d.Action)
	}
	if err := checkNote("note", d.Note); err != nil {
		return DecisionResult{}, err
	}
	if err := v.Err(); err != nil {
		return DecisionResult{}, err
	}
	if !kawan.ValidID(reviewID) {
		return DecisionResult{}, notFound(reviewID)
	}
	r, err := s.st.Review(ctx, reviewID)
	if err != nil {
		return DecisionResult{}, err
	}
	to, ok := next(r.Status, d.Action)
	if !ok {
		return DecisionResult{}, fmt.Errorf("moderation: review %s is %s; %s is not possible from there: %w", reviewID, r.Status, d.Action, ErrWrongState)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	qi, qerr := s.st.QueueEntry(ctx, reviewID)
	queued := qerr == nil
	if qerr != nil && !errors.Is(qerr, kawan.ErrNotFound) {
		return DecisionResult{}, qerr
	}
	if queued && qi.LeaseBy != "" && qi.LeaseBy != p.UserID && qi.LeaseUntil.After(now) {
		return DecisionResult{}, fmt.Errorf("moderation: review %s is claimed by another moderator until %s: %w", reviewID, qi.LeaseUntil.Format(time.RFC3339), ErrClaimed)
	}
	set := bson.D{{Key: "moderation.reason", Value: string(d.Reason)}, {Key: "moderation.decided_by", Value: p.UserID},
		{Key: "moderation.decided_at", Value: now}, {Key: "updated_at", Value: now}, {Key: "moderation.hidden_by_flags", Value: false}}
	switch d.Action {
	case ActionVerify:
		set = append(set, bson.E{Key: "moderation.verified", Value: true})
	case ActionPublish:
		if r.Status != kawan.ReviewPublished { // keeping a published review keeps its verification
			set = append(set, bson.E{Key: "moderation.verified", Value: false})
		}
	}
	if r.Moderation.OriginalText != "" {
		// The author's export says when the original they wrote was erased.
		set = append(set, bson.E{Key: "moderation.original_erased_at", Value: now})
	}
	if to == kawan.ReviewPublished && r.Status == kawan.ReviewUnderReview {
		// Restored after flags: the accounts that flagged it cannot flag it again, so only
		// new flags count toward sending it back under review.
		set = append(set, bson.E{Key: "moderation.flag_count", Value: 0})
	}
	// The audit entry travels with the transition's token, so it is written even if this
	// process stops right after the transition (RecoverAudit).
	score := r.Moderation.FraudScore
	note, _ := Redact(strings.TrimSpace(d.Note))
	entry := &kawan.AuditEntry{At: now, ActorID: p.UserID, ActorRole: p.Role, Action: "review.decision",
		Subject: "review:" + reviewID, From: string(r.Status), To: string(to), Reason: string(d.Reason), FraudScore: &score, Note: note}
	before, err := s.st.TransitionReview(ctx, r, to, set, []string{"moderation.original_text"}, entry)
	if err != nil {
		return DecisionResult{}, err
	}
	s.recordTransition(ctx, store.TransitionKey(r.ID, r.Version), *entry)
	if err := s.dequeue(ctx, reviewID); err != nil {
		s.log.Warn("moderation: dequeue decided review", "review", reviewID, "err", err)
	}
	handled, err := s.st.HandleFlags(ctx, reviewID, now)
	if err != nil {
		s.log.Warn("moderation: mark flags handled", "review", reviewID, "err", err)
	}
	counts := map[string]int64{"decisions": 1, "flags_handled": handled}
	if before.Status != to {
		counts[string(to)] = 1
		counts["reason:"+string(to)+":"+string(d.Reason)] = 1
		if (to == kawan.ReviewRejected || to == kawan.ReviewRemoved) && before.Status == kawan.ReviewHeld && before.Moderation.AppealedAt.IsZero() {
			counts["caught_auto"] = 1
		}
	}
	if d.Action == ActionVerify {
		counts["verified"] = 1
	}
	var lat *time.Duration
	if before.Status != to || queued {
		since := before.CreatedAt
		if queued && !qi.Since.IsZero() {
			since = qi.Since
		}
		l := now.Sub(since)
		lat = &l
	}
	s.count(ctx, now, counts, lat)
	s.syncReview(ctx, reviewID)
	return DecisionResult{ReviewID: reviewID, From: before.Status, Status: to}, nil
}

// FlagResult is the answer to a flag: it was received (the count is not revealed).
type FlagResult struct {
	Status string `json:"status"`
}

// Flag records a user's flag on a published review: one per account per review (a second
// is ErrConflict), never on one's own review (ErrConflict). When FlagThreshold accounts
// have flagged it, the review goes under review: hidden until a moderator decides.
func (s *Service) Flag(ctx context.Context, p kawan.Principal, reviewID string, reason FlagReason, note string) (FlagResult, error) {
	if p.UserID == "" {
		return FlagResult{}, fmt.Errorf("moderation: flag: %w", kawan.ErrUnauthenticated)
	}
	if !slices.Contains(FlagReasons, reason) {
		return FlagResult{}, kawan.Invalid("reason", "must be one of fake, abusive, personal_info, wrong_agency, other")
	}
	if err := checkNote("note", note); err != nil {
		return FlagResult{}, err
	}
	if !kawan.ValidID(reviewID) {
		return FlagResult{}, notFound(reviewID)
	}
	r, err := s.st.Review(ctx, reviewID)
	if err != nil {
		return FlagResult{}, err
	}
	if r.Status != kawan.ReviewPublished {
		return FlagResult{}, notFound(reviewID)
	}
	if r.AuthorID == p.UserID {
		return FlagResult{}, fmt.Errorf("moderation: you cannot flag your own review: %w", kawan.ErrConflict)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := s.st.InsertFlag(ctx, store.Flag{ReviewID: reviewID, UserID: p.UserID, Reason: string(reason), At: now}); err != nil {
		return FlagResult{}, err
	}
	s.count(ctx, now, map[string]int64{"flags": 1}, nil)
	// One atomic update counts the flag (the flag's unique insert above makes it once per
	// account): the count since the review was last restored, and the reasons shown to moderators.
	after, err := s.st.UpdateModeration(ctx, reviewID, "", nil, bson.D{{Key: "moderation.flag_count", Value: 1},
		{Key: "moderation.flag_reasons." + string(reason), Value: 1}})
	if err != nil {
		return FlagResult{}, err
	}
	open := after.Moderation.FlagCount
	if after.Status == kawan.ReviewPublished && open >= s.flagN {
		score := after.Moderation.FraudScore
		entry := &kawan.AuditEntry{At: now, Action: "review.flagged", Subject: "review:" + reviewID,
			From: string(kawan.ReviewPublished), To: string(kawan.ReviewUnderReview), Reason: string(ReasonFlagThreshold), FraudScore: &score}
		// Hidden by flags, not by a moderator: the open-data statistics keep counting it
		// until a moderator decides (docs/open-data.md), so readers cannot move released cells.
		_, err := s.st.TransitionReview(ctx, after, kawan.ReviewUnderReview, bson.D{{Key: "updated_at", Value: now},
			{Key: "moderation.hidden_by_flags", Value: true}}, nil, entry)
		switch {
		case err == nil:
			s.recordTransition(ctx, store.TransitionKey(after.ID, after.Version), *entry)
			s.count(ctx, now, map[string]int64{"under_review": 1}, nil)
			if err := s.st.Enqueue(ctx, store.QueueItem{ReviewID: reviewID, AgencyID: r.AgencyID, Kind: "under_review",
				Status: kawan.ReviewUnderReview, FraudScore: score, Flags: after.Moderation.FlagCount, Since: now}); err != nil {
				s.log.Warn("moderation: enqueue flagged review", "review", reviewID, "err", err)
			}
		case errors.Is(err, kawan.ErrConflict):
			// Someone else moved it first (another flag, a moderator): nothing to do.
		default:
			return FlagResult{}, err
		}
	} else if err := s.st.SetQueueFlags(ctx, reviewID, after.Moderation.FlagCount); err != nil {
		s.log.Warn("moderation: update queue flags", "review", reviewID, "err", err)
	}
	s.syncReview(ctx, reviewID)
	return FlagResult{Status: "received"}, nil
}

// AppealResult is the review's status after an appeal.
type AppealResult struct {
	Status kawan.ReviewStatus `json:"status"`
}

// Appeal lets the author of a rejected or removed review ask for another look, once per
// decision; a decision made on appeal is final. The review goes back to the queue (held or
// under review) as an appeal. Anyone but the author gets ErrNotFound.
func (s *Service) Appeal(ctx context.Context, p kawan.Principal, reviewID, note string) (AppealResult, error) {
	if p.UserID == "" {
		return AppealResult{}, fmt.Errorf("moderation: appeal: %w", kawan.ErrUnauthenticated)
	}
	if err := checkNote("note", note); err != nil {
		return AppealResult{}, err
	}
	if !kawan.ValidID(reviewID) {
		return AppealResult{}, notFound(reviewID)
	}
	r, err := s.st.Review(ctx, reviewID)
	if err != nil {
		return AppealResult{}, err
	}
	if r.AuthorID != p.UserID {
		return AppealResult{}, notFound(reviewID)
	}
	var to kawan.ReviewStatus
	switch r.Status {
	case kawan.ReviewRejected:
		to = kawan.ReviewHeld
	case kawan.ReviewRemoved:
		to = kawan.ReviewUnderReview
	default:
		return AppealResult{}, fmt.Errorf("moderation: review %s is %s; only a rejection or removal can be appealed: %w", reviewID, r.Status, kawan.ErrConflict)
	}
	m := r.Moderation
	if m.AppealDecided() {
		return AppealResult{}, fmt.Errorf("moderation: review %s: the decision on your appeal is final: %w", reviewID, kawan.ErrConflict)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	decision := m.DecidedAt.UTC().Format(time.RFC3339Nano)
	redacted, _ := Redact(strings.TrimSpace(note))
	if err := s.st.InsertAppeal(ctx, store.Appeal{ReviewID: reviewID, AuthorID: p.UserID, Decision: decision, Note: redacted, At: now}); err != nil {
		return AppealResult{}, err
	}
	score := r.Moderation.FraudScore
	entry := &kawan.AuditEntry{At: now, ActorID: p.UserID, ActorRole: p.Role, Action: "review.appeal", Subject: "review:" + reviewID,
		From: string(r.Status), To: string(to), Reason: string(ReasonAppealed), FraudScore: &score}
	before, err := s.st.TransitionReview(ctx, r, to, bson.D{{Key: "moderation.appealed_at", Value: now}, {Key: "updated_at", Value: now}}, nil, entry)
	if err != nil {
		_ = s.st.DeleteAppeal(context.WithoutCancel(ctx), reviewID, decision)
		return AppealResult{}, err
	}
	s.recordTransition(ctx, store.TransitionKey(r.ID, r.Version), *entry)
	s.count(ctx, now, map[string]int64{"appeals": 1}, nil)
	if err := s.st.Enqueue(ctx, store.QueueItem{ReviewID: reviewID, AgencyID: r.AgencyID, Kind: "appeal", Status: to,
		FraudScore: score, Flags: before.Moderation.FlagCount, Since: now}); err != nil {
		s.log.Warn("moderation: enqueue appeal", "review", reviewID, "err", err)
	}
	s.syncReview(ctx, reviewID)
	return AppealResult{Status: to}, nil
}

// Claim is a moderator's lease on a queued review.
type Claim struct {
	ReviewID   string    `json:"review_id"`
	LeaseBy    string    `json:"lease_by"`
	LeaseUntil time.Time `json:"lease_until"`
}

// Claim leases a queued review to the moderator for the lease duration, so two moderators
// do not work on the same one; the same moderator may renew. ErrConflict if another
// moderator holds an unexpired lease, ErrNotFound if the review is not in the queue.
func (s *Service) Claim(ctx context.Context, p kawan.Principal, reviewID string) (Claim, error) {
	if !isModerator(p) {
		return Claim{}, fmt.Errorf("moderation: only moderators claim reviews: %w", kawan.ErrForbidden)
	}
	if !kawan.ValidID(reviewID) {
		return Claim{}, notFound(reviewID)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	it, err := s.st.Claim(ctx, reviewID, p.UserID, now, now.Add(s.lease))
	if err != nil {
		return Claim{}, err
	}
	return Claim{ReviewID: reviewID, LeaseBy: it.LeaseBy, LeaseUntil: it.LeaseUntil.UTC()}, nil
}

// Release gives up the moderator's own lease on a review.
func (s *Service) Release(ctx context.Context, p kawan.Principal, reviewID string) error {
	if !isModerator(p) {
		return fmt.Errorf("moderation: only moderators release reviews: %w", kawan.ErrForbidden)
	}
	if !kawan.ValidID(reviewID) {
		return notFound(reviewID)
	}
	return s.st.Release(ctx, reviewID, p.UserID)
}

// QueueKinds are the kinds of queued item.
var QueueKinds = []string{"held", "under_review", "watch", "appeal"}

// QueueQuery selects a page of the moderation queue.
type QueueQuery struct {
	Kind    string // one of QueueKinds, or "" for all
	Page    int    // from 1
	PerPage int    // 1–100
}

// QueueItem is one review in the moderation queue, with everything a moderator needs to
// decide: the public (redacted) text, the original text (moderators only, until the
// decision), each fraud signal with its reason, and the flags by reason.
type QueueItem struct {
	ReviewID     string             `json:"review_id"`
	AgencyID     string             `json:"agency_id"`
	Kind         string             `json:"kind"`
	Status       kawan.ReviewStatus `json:"status"`
	Priority     float64            `json:"priority"`
	FraudScore   float64            `json:"fraud_score"`
	Signals      []kawan.Signal     `json:"signals"`
	HoldReasons  []string           `json:"hold_reasons"`
	Flags        int                `json:"flags"`
	FlagReasons  map[string]int     `json:"flag_reasons"`
	Ratings      kawan.Ratings      `json:"ratings"`
	Text         string             `json:"text"`
	OriginalText string             `json:"original_text,omitempty"`
	Redacted     bool               `json:"redacted"`
	Lang         string             `json:"lang"`
	CreatedAt    time.Time          `json:"created_at"`
	QueuedAt     time.Time          `json:"queued_at"`
	LeaseBy      string             `json:"lease_by,omitempty"`
	LeaseUntil   *time.Time         `json:"lease_until,omitempty"`
	// Group is the coordinated group the review was recognised in (the queue lists a group
	// once, as its highest-priority member).
	Group *QueueGroup `json:"group,omitempty"`
}

// QueueGroup is a group of reviews recognised together by one signal.
type QueueGroup struct {
	ID      string   `json:"id"`
	Reason  string   `json:"reason"`
	Members []string `json:"members"`
}

// QueuePage is one page of the queue: waiting reviews before watched ones, each highest
// priority first.
type QueuePage struct {
	Items   []QueueItem `json:"items"`
	Total   int         `json:"total"`
	Page    int         `json:"page"`
	PerPage int         `json:"per_page"`
}

// Priority orders the queue: 0.5·fraud score + 0.3·min(flags/threshold, 1) + 0.2·min(age/48 h, 1),
// plus 0.1 for appeals (an author is waiting) and 0.05 for held reviews over watched ones.
func (s *Service) Priority(it store.QueueItem, now time.Time) float64 {
	p := 0.5*clamp01(it.FraudScore) + 0.3*clamp01(float64(it.Flags)/float64(s.flagN)) + 0.2*clamp01(now.Sub(it.Since).Hours()/48)
	switch it.Kind {
	case "appeal":
		p += 0.1
	case "held", "under_review":
		p += 0.05
	}
	return math.Round(p*1000) / 1000
}

// queueTier puts the reviews that wait for a decision (held, under review after flags,
// appealed) before the published ones that are only watched: a held threat with a low fraud
// score must not sink below a watched review with a high one.
func queueTier(kind string) int {
	if kind == "watch" {
		return 1
	}
	return 0
}

// Queue lists the moderation queue: the reviews waiting for a decision first, then the
// watched ones, each by priority (fraud score, flags, age), with each signal's reason.
func (s *Service) Queue(ctx context.Context, p kawan.Principal, q QueueQuery) (QueuePage, error) {
	if !isModerator(p) {
		return QueuePage{}, fmt.Errorf("moderation: only moderators see the queue: %w", kawan.ErrForbidden)
	}
	v := &kawan.ValidationError{}
	if q.Page == 0 {
		q.Page = 1
	}
	if q.PerPage == 0 {
		q.PerPage = 20
	}
	if q.Kind != "" && !slices.Contains(QueueKinds, q.Kind) {
		v.Add("kind", "must be one of %s", strings.Join(QueueKinds, ", "))
	}
	kawan.CheckPaging(v, &q.Page, &q.PerPage, 0)
	if q.Page > store.MaxQueueScan {
		v.Add("page", "must be from 1 to %d", store.MaxQueueScan)
	}
	if err := v.Err(); err != nil {
		return QueuePage{}, err
	}
	var kinds []string
	if q.Kind != "" {
		kinds = []string{q.Kind}
	}
	items, err := s.queueEntries(ctx, q.Kind, kinds)
	if err != nil {
		return QueuePage{}, err
	}
	now := s.now().UTC()
	type ranked struct {
		it store.QueueItem
		p  float64
	}
	rs := make([]ranked, len(items))
	for i, it := range items {
		rs[i] = ranked{it, s.Priority(it, now)}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		if ta, tb := queueTier(a.it.Kind), queueTier(b.it.Kind); ta != tb {
			return ta - tb
		}
		switch {
		case a.p > b.p:
			return -1
		case a.p < b.p:
			return 1
		}
		return strings.Compare(a.it.ReviewID, b.it.ReviewID)
	})
	// A group is one item: its highest-priority member, listing the others.
	seen := map[string]bool{}
	rs = slices.DeleteFunc(rs, func(x ranked) bool {
		if x.it.Group == nil {
			return false
		}
		if seen[x.it.Group.ID] {
			return true
		}
		seen[x.it.Group.ID] = true
		return false
	})
	out := QueuePage{Items: []QueueItem{}, Total: len(rs), Page: q.Page, PerPage: q.PerPage}
	start := (q.Page - 1) * q.PerPage
	end := min(len(rs), start+q.PerPage)
	ids := make([]string, 0, max(end-start, 0))
	for i := start; i < end; i++ {
		ids = append(ids, rs[i].it.ReviewID)
	}
	docs, err := s.st.ReviewsByID(ctx, ids)
	if err != nil {
		return QueuePage{}, err
	}
	for i := start; i < end; i++ {
		it, err := s.item(ctx, docs[rs[i].it.ReviewID], rs[i].it, rs[i].p)
		if errors.Is(err, kawan.ErrNotFound) {
			// A screened review whose insert failed (lost race): nothing to moderate.
			if now.Sub(rs[i].it.Since) > time.Minute {
				_ = s.dequeue(ctx, rs[i].it.ReviewID)
			}
			continue
		}
		if err != nil {
			return QueuePage{}, err
		}
		out.Items = append(out.Items, it)
	}
	return out, nil
}

// queueEntries reads the queue's entries of kinds (all: empty) with their groups, or reuses
// this process's read of them if it is younger than Options.QueueCache, without the reviews
// this service dequeued since that read began. The slice returned is the caller's.
func (s *Service) queueEntries(ctx context.Context, key string, kinds []string) ([]store.QueueItem, error) {
	if s.queueTTL > 0 {
		s.qmu.Lock()
		sn, ok := s.qsnap[key]
		var items []store.QueueItem
		if ok && time.Since(sn.at) < s.queueTTL {
			items = make([]store.QueueItem, 0, len(sn.items))
			for _, it := range sn.items {
				if gone, ok := s.qgone[it.ReviewID]; !ok || gone.Before(sn.at) {
					items = append(items, it)
				}
			}
		}
		s.qmu.Unlock()
		if items != nil {
			return items, nil
		}
	}
	at := time.Now()
	items, err := s.st.Queue(ctx, kinds)
	if err != nil {
		return nil, err
	}
	if err := s.withGroups(ctx, items); err != nil {
		return nil, err
	}
	if s.queueTTL > 0 {
		s.qmu.Lock()
		if cur, ok := s.qsnap[key]; !ok || cur.at.Before(at) {
			s.qsnap[key] = queueSnap{at: at, items: slices.Clone(items)}
		}
		s.qmu.Unlock()
	}
	return items, nil
}

// dequeue takes a review out of the queue, and out of the reads listings reuse.
func (s *Service) dequeue(ctx context.Context, reviewID string) error {
	if err := s.st.Dequeue(ctx, reviewID); err != nil {
		return err
	}
	if s.queueTTL > 0 {
		now := time.Now()
		s.qmu.Lock()
		maps.DeleteFunc(s.qgone, func(_ string, at time.Time) bool { return now.Sub(at) > 2*s.queueTTL })
		s.qgone[reviewID] = now
		s.qmu.Unlock()
	}
	return nil
}

// withGroups gives the grouped entries their group's members and raises their fraud score
// to the group's (the score its signal gave when the group last grew): one find of the
// groups' documents per 100 distinct groups. An entry whose group has no document (queued
// before groups had one) keeps the members it carries.
func (s *Service) withGroups(ctx context.Context, items []store.QueueItem) error {
	var ids []string
	seen := map[string]bool{}
	for _, it := range items {
		if it.Group != nil && !seen[it.Group.ID] {
			seen[it.Group.ID] = true
			ids = append(ids, it.Group.ID)
		}
	}
	docs := make(map[string]store.GroupDoc, len(ids))
	for chunk := range slices.Chunk(ids, store.MaxReviewsByID) {
		got, err := s.st.Groups(ctx, chunk)
		if err != nil {
			return err
		}
		maps.Copy(docs, got)
	}
	for i := range items {
		g := items[i].Group
		if g == nil {
			continue
		}
		d, ok := docs[g.ID]
		if !ok {
			continue
		}
		members := d.Members
		if len(members) > store.MaxGroupMembers {
			members = members[len(members)-store.MaxGroupMembers:]
		}
		items[i].Group = &store.QueueGroup{ID: g.ID, Reason: g.Reason, Members: members}
		items[i].FraudScore = max(items[i].FraudScore, d.Score)
	}
	return nil
}

// item is one queue entry with its review (nil: the review is gone, ErrNotFound).
func (s *Service) item(ctx context.Context, r *kawan.Review, qi store.QueueItem, prio float64) (QueueItem, error) {
	if r == nil {
		return QueueItem{}, notFound(qi.ReviewID)
	}
	fr := r.Moderation.FlagReasons
	if fr == nil && r.Moderation.FlagCount > 0 {
		// Flagged before reasons were counted on the review: read the flags (FerretDB
		// answers a find on review_id with a scan of every flag).
		var err error
		if fr, err = s.st.FlagReasons(ctx, qi.ReviewID); err != nil {
			return QueueItem{}, err
		}
	}
	if fr == nil {
		fr = map[string]int{}
	}
	it := QueueItem{ReviewID: r.ID, AgencyID: r.AgencyID, Kind: qi.Kind, Status: r.Status, Priority: prio,
		FraudScore: r.Moderation.FraudScore, Signals: r.Moderation.Signals, HoldReasons: r.Moderation.HoldReasons,
		Flags: r.Moderation.FlagCount, FlagReasons: fr, Ratings: r.Ratings, Text: r.Text, OriginalText: r.Moderation.OriginalText,
		Redacted: r.Moderation.Redacted, Lang: r.Lang, CreatedAt: r.CreatedAt.UTC(), QueuedAt: qi.Since.UTC()}
	if it.Signals == nil {
		it.Signals = []kawan.Signal{}
	}
	if it.HoldReasons == nil {
		it.HoldReasons = []string{}
	}
	if qi.LeaseBy != "" && qi.LeaseUntil.After(s.now()) {
		u := qi.LeaseUntil.UTC()
		it.LeaseBy, it.LeaseUntil = qi.LeaseBy, &u
	}
	if g := qi.Group; g != nil {
		// Re-scored with the group's signal when the group was recognised after it.
		it.Group = &QueueGroup{ID: g.ID, Reason: g.Reason, Members: slices.Clone(g.Members)}
		it.FraudScore = max(it.FraudScore, qi.FraudScore)
		if !slices.Contains(it.HoldReasons, g.Reason) {
			it.HoldReasons = append(it.HoldReasons, g.Reason)
		}
	}
	return it, nil
}

// ItemDetail is one review as a moderator sees it: its queue entry (if queued), its audit
// history and its appeals.
type ItemDetail struct {
	QueueItem
	Queued  bool               `json:"queued"`
	History []kawan.AuditEntry `json:"history"`
	Appeals []AppealView       `json:"appeals"`
}

// AppealView is an appeal as moderators see it.
type AppealView struct {
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"`
}

// Item returns one review with its moderation state, history and appeals (moderators).
func (s *Service) Item(ctx context.Context, p kawan.Principal, reviewID string) (ItemDetail, error) {
	if !isModerator(p) {
		return ItemDetail{}, fmt.Errorf("moderation: only moderators: %w", kawan.ErrForbidden)
	}
	if !kawan.ValidID(reviewID) {
		return ItemDetail{}, notFound(reviewID)
	}
	qi, err := s.st.QueueEntry(ctx, reviewID)
	queued := err == nil
	if err != nil && !errors.Is(err, kawan.ErrNotFound) {
		return ItemDetail{}, err
	}
	if !queued {
		qi = store.QueueItem{ReviewID: reviewID}
	} else {
		one := []store.QueueItem{qi}
		if err := s.withGroups(ctx, one); err != nil {
			return ItemDetail{}, err
		}
		qi = one[0]
	}
	r, err := s.st.Review(ctx, reviewID)
	if err != nil {
		return ItemDetail{}, err
	}
	it, err := s.item(ctx, r, qi, 0)
	if err != nil {
		return ItemDetail{}, err
	}
	if queued {
		it.Priority = s.Priority(qi, s.now().UTC())
	}
	h, err := s.History(ctx, p, reviewID)
	if err != nil {
		return ItemDetail{}, err
	}
	as, err := s.st.Appeals(ctx, reviewID)
	if err != nil {
		return ItemDetail{}, err
	}
	d := ItemDetail{QueueItem: it, Queued: queued, History: h, Appeals: []AppealView{}}
	for _, a := range as {
		d.Appeals = append(d.Appeals, AppealView{At: a.At.UTC(), Note: a.Note})
	}
	return d, nil
}

// History returns the audit trail of one review, oldest first (moderators).
func (s *Service) History(ctx context.Context, p kawan.Principal, reviewID string) ([]kawan.AuditEntry, error) {
	if !isModerator(p) {
		return nil, fmt.Errorf("moderation: only moderators: %w", kawan.ErrForbidden)
	}
	if !kawan.ValidID(reviewID) {
		return nil, notFound(reviewID)
	}
	out, err := s.audit.BySubject(ctx, "review:"+reviewID, 1000)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []kawan.AuditEntry{}
	}
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}

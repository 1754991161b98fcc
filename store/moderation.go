package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/internal/bounded"
)

// Moderation is the repository of moderation: review status transitions (on "reviews"),
// the moderation queue with leases ("mod_queue") and the groups it lists ("mod_groups"), user flags ("review_flags"), appeals
// ("mod_appeals"), per-month transparency counters ("mod_stats"), and the fraud-signal
// state every process shares ("mod_signals", store/moderation_state.go): per-agency and
// per-author recent submissions, accounts per client fingerprint and agency, and the text
// fingerprints of every review (MinHash signatures and LSH buckets).
//
// Everything on a hot path is read and written by _id (composite where needed), in single
// atomic updates (FerretDB v1 has no transactions and pushes down only _id equality).
type Moderation struct {
	reviews *mongo.Collection
	signals *mongo.Collection
	sigMemo *bounded.Map[StoredSignature]
	queue   *mongo.Collection
	groups  *mongo.Collection
	flags   *mongo.Collection
	appeals *mongo.Collection
	stats   *mongo.Collection
	tokens  *mongo.Collection
}

// NewModeration returns the moderation repository of db.
func NewModeration(db *mongo.Database) *Moderation {
	return &Moderation{
		reviews: db.Collection("reviews"), signals: db.Collection("mod_signals"), sigMemo: newSigCache(maxCachedSignatures),
		queue: db.Collection("mod_queue"), groups: db.Collection("mod_groups"), flags: db.Collection("review_flags"), appeals: db.Collection("mod_appeals"),
		stats: db.Collection("mod_stats"), tokens: db.Collection("mod_transitions"),
	}
}

// moderationIndexes serve MongoDB deployments; FerretDB creates them but scans anyway (the
// collections they serve are small: the queue, flags and appeals of live items).
func moderationIndexes(ctx context.Context, db *mongo.Database) error {
	if err := EnsureIndexes(ctx, db.Collection("review_flags"),
		mongo.IndexModel{Keys: bson.D{{Key: "review_id", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "handled_at", Value: 1}}}); err != nil {
		return err
	}
	if err := EnsureIndexes(ctx, db.Collection("mod_queue"),
		mongo.IndexModel{Keys: bson.D{{Key: "kind", Value: 1}, {Key: "since", Value: 1}}}); err != nil {
		return err
	}
	return EnsureIndexes(ctx, db.Collection("mod_appeals"),
		mongo.IndexModel{Keys: bson.D{{Key: "review_id", Value: 1}}})
}

// ---- review transitions ----

// StaleToken is how old a token in "mod_transitions" must be before a new claim may take it
// over (or audit recovery drop it): a claim whose holder crashed, or whose write failed
// without undoing the claim, would otherwise block that review (or reply, or lease) for
// good. Live claims last milliseconds; requests time out long before this.
const StaleToken = 2 * time.Minute

// claimToken inserts the unique token key (with fields and "at": now) in "mod_transitions".
// false: someone else holds it. A token older than StaleToken is taken over (deleted, on
// its "at", and claimed again, once), unless reviewID is set and that review's
// moderation.transitions shows the transition it guarded did happen (then the version is
// gone: a conflict; and the token still carries that transition's audit entry).
func (m *Moderation) claimToken(ctx context.Context, key, reviewID string, fields bson.D, now time.Time) (bool, error) {
	doc := append(bson.D{{Key: "_id", Value: key}, {Key: "at", Value: now}}, fields...)
	for attempt := 0; ; attempt++ {
		_, err := m.tokens.InsertOne(ctx, doc)
		if err == nil {
			return true, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return false, Classify("claim "+key, err)
		}
		if attempt > 0 {
			return false, nil
		}
		var held struct {
			At time.Time `bson:"at"`
		}
		if err := m.tokens.FindOne(ctx, id(key)).Decode(&held); err != nil {
			if errors.Is(err, mongo.ErrNoDocuments) {
				continue // released meanwhile
			}
			return false, Classify("read "+key, err)
		}
		if now.Sub(held.At) < StaleToken {
			return false, nil
		}
		if reviewID != "" {
			happened, err := m.transitionHappened(ctx, reviewID, key)
			if err != nil || happened {
				return false, err
			}
		}
		if _, err := m.tokens.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "at", Value: held.At}}); err != nil {
			return false, Classify("take over "+key, err)
		}
	}
}

// unclaimToken gives a token back after the write it guarded failed (not on a conflict:
// then the guarded version is gone anyway), so that a retry can claim it at once. A write
// that failed on the client may still have been applied: the token stays if the review
// shows the transition, or cannot be read (then the StaleToken take-over frees it).
func (m *Moderation) unclaimToken(ctx context.Context, reviewID, key string) {
	ctx = context.WithoutCancel(ctx)
	if reviewID != "" {
		if happened, err := m.transitionHappened(ctx, reviewID, key); err != nil || happened {
			return
		}
	}
	_, _ = m.tokens.DeleteOne(ctx, id(key))
}

// transitionHappened reports whether review reviewID records the transition key.
func (m *Moderation) transitionHappened(ctx context.Context, reviewID, key string) (bool, error) {
	n, err := m.reviews.CountDocuments(ctx, bson.D{{Key: "_id", Value: reviewID}, {Key: "moderation.transitions", Value: key}})
	if err != nil {
		return false, Classify("read review transitions", err)
	}
	return n > 0, nil
}

// TransitionReview moves review r (as the caller read it) from its status to status to,
// applying set and unset and bumping "version", and returns the review as it was before.
// ErrConflict: another transition from the same version won, or the review changed since
// it was read (someone else decided first); ErrNotFound: no such review.
//
// Compare-and-set without trusting conditional updates: FerretDB v1 (SQLite) applies an
// update's filter and its write as two steps, so two concurrent updates with the same
// filter can both succeed (seen in tests). Inserting a unique _id is atomic on every
// backend, so each transition first claims the token "review|version" in
// "mod_transitions"; only the claimer updates, with the status and version in the filter
// as well (atomic on MongoDB).
func (m *Moderation) TransitionReview(ctx context.Context, r *kawan.Review, to kawan.ReviewStatus, set bson.D, unset []string, audit *kawan.AuditEntry) (*kawan.Review, error) {
	key := TransitionKey(r.ID, r.Version)
	ok, err := m.claimToken(ctx, key, r.ID, tokenFields(bson.D{{Key: "from", Value: r.Status}, {Key: "to", Value: to}}, r.ID, audit), time.Now().UTC())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("store: review %s was changed by someone else at the same moment: %w", r.ID, kawan.ErrConflict)
	}
	set = append(bson.D{{Key: "status", Value: to}}, set...)
	up := bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}},
		{Key: "$push", Value: bson.D{{Key: "moderation.transitions", Value: key}}}}
	if len(unset) > 0 {
		u := bson.D{}
		for _, f := range unset {
			u = append(u, bson.E{Key: f, Value: ""})
		}
		up = append(up, bson.E{Key: "$unset", Value: u})
	}
	var before kawan.Review
	err = m.reviews.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: r.ID}, {Key: "status", Value: r.Status}, {Key: "version", Value: r.Version}}, up,
		options.FindOneAndUpdate().SetReturnDocument(options.Before)).Decode(&before)
	if err == nil {
		return &before, nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		m.unclaimToken(ctx, r.ID, key)
		return nil, Classify("review transition", err)
	}
	if _, err := m.Review(ctx, r.ID); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("store: review %s changed since you read it; reload and decide again: %w", r.ID, kawan.ErrConflict)
}

// TransitionKey and ReplyTransitionKey name the token of a transition of review id from
// version (in "mod_transitions" and the review's moderation.transitions).
func TransitionKey(id string, version int64) string { return fmt.Sprintf("%s|%d", id, version) }

func ReplyTransitionKey(id string, version int64) string {
	return fmt.Sprintf("reply|%s|%d", id, version)
}

// tokenFields adds the review and the transition's audit entry (with its ID fixed, so it
// is appended at most once) to a transition token: the entry is written to the audit log
// after the transition, and should the process stop in between, RecoverAudit writes it.
func tokenFields(f bson.D, reviewID string, audit *kawan.AuditEntry) bson.D {
	f = append(f, bson.E{Key: "review_id", Value: reviewID})
	if audit != nil {
		if audit.ID == "" {
			audit.ID = kawan.NewID()
		}
		f = append(f, bson.E{Key: "audit", Value: *audit}, bson.E{Key: "audited", Value: false})
	}
	return f
}

// PendingAudit is a transition token whose audit entry is not known to be written.
type PendingAudit struct {
	Key      string           `bson:"_id"`
	ReviewID string           `bson:"review_id"`
	At       time.Time        `bson:"at"`
	Entry    kawan.AuditEntry `bson:"audit"`
}

// UnauditedTransitions lists tokens claimed before before whose audit entry is not marked
// written, oldest first, at most limit (1..1000).
func (m *Moderation) UnauditedTransitions(ctx context.Context, before time.Time, limit int) ([]PendingAudit, error) {
	limit = min(max(limit, 1), 1000)
	return all[PendingAudit](ctx, m.tokens, bson.D{{Key: "audited", Value: false}, {Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}},
		options.Find().SetSort(bson.D{{Key: "at", Value: 1}}).SetLimit(int64(limit)))
}

// MarkAudited records that the token's audit entry is in the audit log.
func (m *Moderation) MarkAudited(ctx context.Context, key string) error {
	_, err := m.tokens.UpdateOne(ctx, id(key), bson.D{{Key: "$set", Value: bson.D{{Key: "audited", Value: true}}}})
	return Classify("mark audited", err)
}

// DropToken deletes a token claimed at at whose transition never happened (the claimer
// stopped before writing), freeing that review version.
func (m *Moderation) DropToken(ctx context.Context, key string, at time.Time) error {
	_, err := m.tokens.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "at", Value: at}})
	return Classify("drop token", err)
}

// UpdateModeration sets moderation fields of a review that is still in status (no status
// change) and bumps "version"; false when the review is no longer in that status.
func (m *Moderation) UpdateModeration(ctx context.Context, reviewID string, status kawan.ReviewStatus, set bson.D, inc bson.D) (*kawan.Review, error) {
	inc = append(bson.D{{Key: "version", Value: int64(1)}}, inc...)
	up := bson.D{{Key: "$inc", Value: inc}}
	if len(set) > 0 {
		up = append(up, bson.E{Key: "$set", Value: set})
	}
	f := bson.D{{Key: "_id", Value: reviewID}}
	if status != "" {
		f = append(f, bson.E{Key: "status", Value: status})
	}
	var after kawan.Review
	err := m.reviews.FindOneAndUpdate(ctx, f, up, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&after)
	if err != nil {
		return nil, Classify("update review moderation", err)
	}
	return &after, nil
}

// ClearOutboxes removes the screening outboxes of the given reviews (moderation has written
// them) and returns how many it removed (fewer when a review was deleted meanwhile or
// another process recorded it). The review's version is not bumped: nothing the search
// index or a compare-and-set looks at changes.
func (m *Moderation) ClearOutboxes(ctx context.Context, reviewIDs []string) (int, error) {
	if len(reviewIDs) == 0 {
		return 0, nil
	}
	in := make(bson.A, len(reviewIDs))
	for i, r := range reviewIDs {
		in[i] = r
	}
	res, err := m.reviews.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: in}}}, {Key: "moderation.outbox", Value: bson.D{{Key: "$exists", Value: true}}}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "moderation.outbox", Value: ""}}}})
	if err != nil {
		return 0, Classify("clear screening outboxes", err)
	}
	return int(res.ModifiedCount), nil
}

// Review reads one review (with its moderation fields).
func (m *Moderation) Review(ctx context.Context, reviewID string) (*kawan.Review, error) {
	var r kawan.Review
	if err := m.reviews.FindOne(ctx, id(reviewID)).Decode(&r); err != nil {
		return nil, Classify("review "+reviewID, err)
	}
	return &r, nil
}

// MaxReviewsByID bounds ReviewsByID's list (a queue page is at most 100).
const MaxReviewsByID = 100

// ReviewsByID reads the given reviews (at most MaxReviewsByID) in one find on _id; those
// that do not exist are missing from the map.
func (m *Moderation) ReviewsByID(ctx context.Context, reviewIDs []string) (map[string]*kawan.Review, error) {
	rs, err := byIDs[kawan.Review](ctx, m.reviews, reviewIDs, MaxReviewsByID, "reviews by id")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*kawan.Review, len(rs))
	for i := range rs {
		out[rs[i].ID] = &rs[i]
	}
	return out, nil
}

// ---- the moderation queue ----

// QueueItem is a review waiting for a moderator. Kinds: "held" (screening held it),
// "under_review" (flagged after publication), "watch" (published, to be checked),
// "appeal" (its author appealed a decision).
type QueueItem struct {
	ReviewID   string             `bson:"_id"`
	AgencyID   string             `bson:"agency_id"`
	Kind       string             `bson:"kind"`
	Status     kawan.ReviewStatus `bson:"status"`
	FraudScore float64            `bson:"fraud_score"`
	Flags      int                `bson:"flags"`
	Since      time.Time          `bson:"since"`
	LeaseBy    string             `bson:"lease_by"`
	LeaseUntil time.Time          `bson:"lease_until"`
	LeaseGen   int64              `bson:"lease_gen"`
	// Group is the coordinated group (a burst, a sockpuppet cluster, near-duplicates, one
	// account's spree) the review was recognised in, if any: moderators see it as one item.
	Group *QueueGroup `bson:"group,omitempty"`
}

// QueueGroup is a group of reviews recognised together by one signal. A queue entry carries
// its ID and reason; the members are kept once, in the group's own document ("mod_groups",
// RecordGroup), so a group growing by one member costs one small write, not a rewrite of
// every member's entry. Members is set on entries written before groups had documents.
type QueueGroup struct {
	ID      string   `bson:"id"`                // "<signal>|<key>"
	Reason  string   `bson:"reason"`            // the signal's name
	Members []string `bson:"members,omitempty"` // the reviews in it (GroupDoc's, or an old entry's)
}

// GroupDoc is a recognised group in "mod_groups": its members in the order they were
// recognised (at most 2·MaxGroupMembers; older ones are dropped first) and the highest
// score the group's signal gave.
type GroupDoc struct {
	ID       string   `bson:"_id"`
	Reason   string   `bson:"reason"`
	AgencyID string   `bson:"agency_id"`
	Members  []string `bson:"members"`
	Score    float64  `bson:"score"`
}

// MaxGroupMembers bounds the members a group lists (and queues at once).
const MaxGroupMembers = 100

// Enqueue puts a review in the queue or updates its entry (keeping any lease).
func (m *Moderation) Enqueue(ctx context.Context, it QueueItem) error {
	set := bson.D{{Key: "agency_id", Value: it.AgencyID}, {Key: "kind", Value: it.Kind},
		{Key: "status", Value: it.Status}, {Key: "fraud_score", Value: it.FraudScore}, {Key: "flags", Value: it.Flags}}
	if it.Group != nil {
		set = append(set, bson.E{Key: "group", Value: QueueGroup{ID: it.Group.ID, Reason: it.Group.Reason}})
	}
	_, err := m.queue.UpdateOne(ctx, id(it.ReviewID), bson.D{
		{Key: "$set", Value: set},
		{Key: "$setOnInsert", Value: bson.D{{Key: "since", Value: it.Since}, {Key: "lease_by", Value: ""}, {Key: "lease_until", Value: time.Unix(0, 0).UTC()}, {Key: "lease_gen", Value: int64(0)}}},
	}, options.UpdateOne().SetUpsert(true))
	return Classify("enqueue review", err)
}

// RecordGroup records that the reviews in g.Members (newest among them) were
// recognised together, with score: one atomic upsert of the group's document adds the
// members it did not list and raises its score. Only the earlier members new to the group
// are then queued (one unordered bulk write): a member not queued yet is queued for a check
// ("watch", published) with score at least the group's; one queued already keeps its kind,
// status and lease and gains the group. The newest member is the caller's to enqueue.
// Idempotent; a group that outgrows 2·MaxGroupMembers drops its oldest members from the list.
func (m *Moderation) RecordGroup(ctx context.Context, agencyID string, g QueueGroup, score float64, since time.Time, newest string) error {
	each := make(bson.A, 0, len(g.Members))
	for _, rid := range g.Members {
		each = append(each, rid)
	}
	var before GroupDoc
	err := m.groups.FindOneAndUpdate(ctx, id(g.ID), bson.D{
		{Key: "$addToSet", Value: bson.D{{Key: "members", Value: bson.D{{Key: "$each", Value: each}}}}},
		{Key: "$max", Value: bson.D{{Key: "score", Value: score}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "reason", Value: g.Reason}, {Key: "agency_id", Value: agencyID}}},
	}, options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.Before)).Decode(&before)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return Classify("record group", err)
	}
	known := make(map[string]bool, len(before.Members))
	for _, rid := range before.Members {
		known[rid] = true
	}
	var models []mongo.WriteModel
	for _, rid := range g.Members {
		if known[rid] || rid == newest {
			continue
		}
		models = append(models, mongo.NewUpdateOneModel().SetFilter(id(rid)).SetUpsert(true).SetUpdate(bson.D{
			{Key: "$set", Value: bson.D{{Key: "group", Value: QueueGroup{ID: g.ID, Reason: g.Reason}}}},
			{Key: "$max", Value: bson.D{{Key: "fraud_score", Value: score}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "agency_id", Value: agencyID}, {Key: "kind", Value: "watch"},
				{Key: "status", Value: kawan.ReviewPublished}, {Key: "flags", Value: 0}, {Key: "since", Value: since},
				{Key: "lease_by", Value: ""}, {Key: "lease_until", Value: time.Unix(0, 0).UTC()}, {Key: "lease_gen", Value: int64(0)}}},
		}))
	}
	if len(models) > 0 {
		if _, err := m.queue.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return Classify("enqueue group", err)
		}
	}
	if n := len(before.Members) + len(models); n > 2*MaxGroupMembers {
		// $pullAll of the oldest listed: members added meanwhile by another process stay.
		old := make(bson.A, 0, n-MaxGroupMembers)
		for _, rid := range before.Members[:min(len(before.Members), n-MaxGroupMembers)] {
			old = append(old, rid)
		}
		if _, err := m.groups.UpdateOne(ctx, id(g.ID), bson.D{{Key: "$pullAll", Value: bson.D{{Key: "members", Value: old}}}}); err != nil {
			return Classify("trim group", err)
		}
	}
	return nil
}

// Groups reads the documents of the given groups (at most MaxReviewsByID) in one find on
// _id; those without one are missing from the map.
func (m *Moderation) Groups(ctx context.Context, groupIDs []string) (map[string]GroupDoc, error) {
	gs, err := byIDs[GroupDoc](ctx, m.groups, groupIDs, MaxReviewsByID, "groups")
	if err != nil {
		return nil, err
	}
	out := make(map[string]GroupDoc, len(gs))
	for _, g := range gs {
		out[g.ID] = g
	}
	return out, nil
}

// Dequeue removes a review from the queue.
func (m *Moderation) Dequeue(ctx context.Context, reviewID string) error {
	_, err := m.queue.DeleteOne(ctx, id(reviewID))
	return Classify("dequeue review", err)
}

// SetQueueFlags updates the flag count of a queued review (no-op when it is not queued).
func (m *Moderation) SetQueueFlags(ctx context.Context, reviewID string, flags int) error {
	_, err := m.queue.UpdateOne(ctx, id(reviewID), bson.D{{Key: "$set", Value: bson.D{{Key: "flags", Value: flags}}}})
	return Classify("update queue flags", err)
}

// MaxQueueScan bounds how many queue entries one listing reads.
const MaxQueueScan = 5000

// Queue lists queued reviews of the given kinds (all when empty), at most MaxQueueScan.
// Ordering by priority is the caller's (it depends on the time).
func (m *Moderation) Queue(ctx context.Context, kinds []string) ([]QueueItem, error) {
	f := bson.D{}
	if len(kinds) > 0 {
		in := bson.A{}
		for _, k := range kinds {
			in = append(in, k)
		}
		f = bson.D{{Key: "kind", Value: bson.D{{Key: "$in", Value: in}}}}
	}
	cur, err := m.queue.Find(ctx, f, options.Find().SetLimit(MaxQueueScan))
	if err != nil {
		return nil, Classify("list moderation queue", err)
	}
	var out []QueueItem
	if err := cur.All(ctx, &out); err != nil {
		return nil, Classify("read moderation queue", err)
	}
	return out, nil
}

// QueueEntry reads one queued review.
func (m *Moderation) QueueEntry(ctx context.Context, reviewID string) (QueueItem, error) {
	var it QueueItem
	err := m.queue.FindOne(ctx, id(reviewID)).Decode(&it)
	return it, Classify("queue entry "+reviewID, err)
}

// Claim leases a queued review to moderator by until until, if nobody else holds an
// unexpired lease (the same moderator may renew). ErrConflict: another moderator holds it
// or claimed it at the same moment; ErrNotFound: the review is not in the queue.
// Like transitions, a new lease first claims a unique token (review, queue entry, lease
// generation), so two moderators claiming at once cannot both win on FerretDB either.
func (m *Moderation) Claim(ctx context.Context, reviewID, by string, now, until time.Time) (QueueItem, error) {
	it, err := m.QueueEntry(ctx, reviewID)
	if err != nil {
		return QueueItem{}, err
	}
	held := it.LeaseBy != "" && it.LeaseUntil.After(now)
	switch {
	case held && it.LeaseBy != by:
		return QueueItem{}, fmt.Errorf("store: review %s is being handled by another moderator: %w", reviewID, kawan.ErrConflict)
	case held:
		// Renewal by the holder.
		_, err := m.queue.UpdateOne(ctx, bson.D{{Key: "_id", Value: reviewID}, {Key: "lease_by", Value: by}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "lease_until", Value: until}}}})
		if err != nil {
			return QueueItem{}, Classify("renew claim", err)
		}
	default:
		key := fmt.Sprintf("lease|%s|%d|%d", reviewID, it.Since.UnixNano(), it.LeaseGen)
		ok, err := m.claimToken(ctx, key, "", bson.D{{Key: "by", Value: by}}, now)
		if err != nil {
			return QueueItem{}, err
		}
		if !ok {
			return QueueItem{}, fmt.Errorf("store: review %s was claimed by another moderator at the same moment: %w", reviewID, kawan.ErrConflict)
		}
		_, err = m.queue.UpdateOne(ctx, id(reviewID), bson.D{
			{Key: "$set", Value: bson.D{{Key: "lease_by", Value: by}, {Key: "lease_until", Value: until}}},
			{Key: "$inc", Value: bson.D{{Key: "lease_gen", Value: int64(1)}}}})
		if err != nil {
			m.unclaimToken(ctx, "", key) // a lease is not a transition
			return QueueItem{}, Classify("claim review", err)
		}
	}
	it.LeaseBy, it.LeaseUntil = by, until
	return it, nil
}

// Release gives up by's lease on a queued review (no-op if by does not hold it).
func (m *Moderation) Release(ctx context.Context, reviewID, by string) error {
	_, err := m.queue.UpdateOne(ctx, bson.D{{Key: "_id", Value: reviewID}, {Key: "lease_by", Value: by}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lease_by", Value: ""}, {Key: "lease_until", Value: time.Unix(0, 0).UTC()}}},
			{Key: "$inc", Value: bson.D{{Key: "lease_gen", Value: int64(1)}}}})
	return Classify("release review", err)
}

// ---- flags ----

// Flag is one user's flag on a review (one per account per review).
type Flag struct {
	ID        string     `bson:"_id"` // review|user
	ReviewID  string     `bson:"review_id"`
	UserID    string     `bson:"user_id"`
	Reason    string     `bson:"reason"`
	At        time.Time  `bson:"at"`
	HandledAt *time.Time `bson:"handled_at,omitempty"`
}

// InsertFlag records a flag; a second flag by the same account is ErrConflict.
func (m *Moderation) InsertFlag(ctx context.Context, f Flag) error {
	f.ID = f.ReviewID + "|" + f.UserID
	_, err := m.flags.InsertOne(ctx, f)
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("store: you already flagged review %s: %w", f.ReviewID, kawan.ErrConflict)
	}
	return Classify("insert flag", err)
}

// HandleFlags marks the open flags of a review handled (a decision was made) and returns
// how many were.
func (m *Moderation) HandleFlags(ctx context.Context, reviewID string, at time.Time) (int64, error) {
	res, err := m.flags.UpdateMany(ctx,
		bson.D{{Key: "review_id", Value: reviewID}, {Key: "handled_at", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "handled_at", Value: at}}}})
	if err != nil {
		return 0, Classify("handle flags", err)
	}
	return res.ModifiedCount, nil
}

// FlagReasons counts the flags on a review by reason (open and handled).
func (m *Moderation) FlagReasons(ctx context.Context, reviewID string) (map[string]int, error) {
	cur, err := m.flags.Find(ctx, bson.D{{Key: "review_id", Value: reviewID}}, options.Find().SetLimit(10000))
	if err != nil {
		return nil, Classify("list flags", err)
	}
	var fs []Flag
	if err := cur.All(ctx, &fs); err != nil {
		return nil, Classify("read flags", err)
	}
	out := map[string]int{}
	for _, f := range fs {
		out[f.Reason]++
	}
	return out, nil
}

// ---- appeals ----

// Appeal is an author's appeal against one decision (at most one per decision: the _id is
// review|decision).
type Appeal struct {
	ID       string    `bson:"_id"`
	ReviewID string    `bson:"review_id"`
	AuthorID string    `bson:"author_id"`
	Decision string    `bson:"decision"` // the decision appealed (its time, RFC 3339 nano)
	Note     string    `bson:"note,omitempty"`
	At       time.Time `bson:"at"`
}

// InsertAppeal records an appeal; a second appeal against the same decision is ErrConflict.
func (m *Moderation) InsertAppeal(ctx context.Context, a Appeal) error {
	a.ID = a.ReviewID + "|" + a.Decision
	_, err := m.appeals.InsertOne(ctx, a)
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("store: this decision was already appealed: %w", kawan.ErrConflict)
	}
	return Classify("insert appeal", err)
}

// DeleteAppeal removes an appeal whose status change lost a race (so it can be retried).
func (m *Moderation) DeleteAppeal(ctx context.Context, reviewID, decision string) error {
	_, err := m.appeals.DeleteOne(ctx, id(reviewID+"|"+decision))
	return Classify("delete appeal", err)
}

// Appeals lists the appeals of a review, oldest first.
func (m *Moderation) Appeals(ctx context.Context, reviewID string) ([]Appeal, error) {
	cur, err := m.appeals.Find(ctx, bson.D{{Key: "review_id", Value: reviewID}},
		options.Find().SetSort(bson.D{{Key: "at", Value: 1}}).SetLimit(100))
	if err != nil {
		return nil, Classify("list appeals", err)
	}
	var out []Appeal
	if err := cur.All(ctx, &out); err != nil {
		return nil, Classify("read appeals", err)
	}
	return out, nil
}

// ---- transparency counters ----

// PeriodStats are one month's moderation counters (no personal data).
type PeriodStats struct {
	Period string           `bson:"_id"` // YYYY-MM
	Counts map[string]int64 `bson:"c"`
	// Latency is a histogram of time to decision: bucket index → decisions.
	Latency map[string]int64 `bson:"lat"`
}

// IncStats adds the given counters (keys under "c." or "lat.") to period's document.
func (m *Moderation) IncStats(ctx context.Context, period string, inc map[string]int64) error {
	if len(inc) == 0 {
		return nil
	}
	d := bson.D{}
	for k, v := range inc {
		d = append(d, bson.E{Key: k, Value: v})
	}
	_, err := m.stats.UpdateOne(ctx, id(period), bson.D{{Key: "$inc", Value: d}}, options.UpdateOne().SetUpsert(true))
	return Classify("count moderation stats", err)
}

// Stats lists the periods from..to (inclusive, "YYYY-MM"), oldest first.
func (m *Moderation) Stats(ctx context.Context, from, to string) ([]PeriodStats, error) {
	cur, err := m.stats.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lte", Value: to}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(1200))
	if err != nil {
		return nil, Classify("list moderation stats", err)
	}
	var out []PeriodStats
	if err := cur.All(ctx, &out); err != nil {
		return nil, Classify("read moderation stats", err)
	}
	return out, nil
}

// ---- agency replies ----

// HeldReplies lists reviews whose agency reply is held for a moderator (oldest first, at
// most limit ≤ 500). A scan: moderators only, and held replies are rare.
func (m *Moderation) HeldReplies(ctx context.Context, limit int) ([]kawan.Review, error) {
	cur, err := m.reviews.Find(ctx, bson.D{{Key: "reply.status", Value: kawan.ReviewHeld}},
		options.Find().SetSort(bson.D{{Key: "reply.created_at", Value: 1}}).SetLimit(int64(min(max(limit, 1), 500))))
	if err != nil {
		return nil, Classify("list held replies", err)
	}
	var out []kawan.Review
	if err := cur.All(ctx, &out); err != nil {
		return nil, Classify("read held replies", err)
	}
	return out, nil
}

// TransitionReply moves the held reply of review r (as read) to status to, guarded like
// TransitionReview by a unique token, and bumps the review's version.
func (m *Moderation) TransitionReply(ctx context.Context, r *kawan.Review, to kawan.ReviewStatus, now time.Time, audit *kawan.AuditEntry) error {
	key := ReplyTransitionKey(r.ID, r.Version)
	ok, err := m.claimToken(ctx, key, r.ID, tokenFields(bson.D{{Key: "to", Value: to}}, r.ID, audit), now)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("store: the reply to review %s was decided by someone else at the same moment: %w", r.ID, kawan.ErrConflict)
	}
	res, err := m.reviews.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: r.ID}, {Key: "version", Value: r.Version}, {Key: "reply.status", Value: kawan.ReviewHeld}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "reply.status", Value: to}, {Key: "updated_at", Value: now}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}},
			{Key: "$push", Value: bson.D{{Key: "moderation.transitions", Value: key}}}})
	if err != nil {
		m.unclaimToken(ctx, r.ID, key)
		return Classify("reply transition", err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("store: review %s changed since you read it; reload and decide again: %w", r.ID, kawan.ErrConflict)
	}
	return nil
}

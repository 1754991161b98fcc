package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/internal/bounded"
)

// Reviews is the repository of reviews and what hangs off them: the author's current
// review per agency ("review_keys"), idempotency keys ("idempotency"), helpful votes
// ("review_votes"), the sync queue ("review_sync"), and the rating aggregates on the
// agency documents ("agencies", field "ratings").
//
// Every lookup on a hot path is by _id (FerretDB v1 pushes only _id equality down to SQL):
// the author's current review, idempotency keys and votes all use composite _ids.
type Reviews struct {
	c        *mongo.Collection
	keys     *mongo.Collection
	idem     *mongo.Collection
	votes    *mongo.Collection
	sync     *mongo.Collection
	agencies *mongo.Collection
	// known remembers agencies found to exist: agency documents are never deleted (a merged
	// agency stays, marked), so a positive answer cannot go stale in any process.
	known *bounded.Map[bool]
}

// NewReviews returns the reviews repository of db.
func NewReviews(db *mongo.Database) *Reviews {
	return &Reviews{
		c: db.Collection("reviews"), keys: db.Collection("review_keys"), idem: db.Collection("idempotency"),
		votes: db.Collection("review_votes"), sync: db.Collection("review_sync"), agencies: db.Collection("agencies"),
		known: bounded.New[bool](100_000),
	}
}

// reviewIndexes serve MongoDB deployments (moderation queues, per-author and per-agency
// scans, stats); FerretDB creates them but answers by _id only, so nothing hot needs them.
func reviewIndexes(ctx context.Context, db *mongo.Database) error {
	if err := EnsureIndexes(ctx, db.Collection("reviews"),
		mongo.IndexModel{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "status", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "author_id", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}, {Key: "created_at", Value: 1}}},
	); err != nil {
		return err
	}
	if err := EnsureIndexes(ctx, db.Collection("review_votes"),
		mongo.IndexModel{Keys: bson.D{{Key: "user_id", Value: 1}}}); err != nil {
		return err
	}
	return EnsureIndexes(ctx, db.Collection("idempotency"),
		mongo.IndexModel{Keys: bson.D{{Key: "claimed_at", Value: 1}}})
}

func id(v string) bson.D { return bson.D{{Key: "_id", Value: v}} }

// AgencyExists reports whether an agency document with this ID exists (read once per
// agency and process: agency documents are never deleted).
func (s *Reviews) AgencyExists(ctx context.Context, agencyID string) (bool, error) {
	if _, ok := s.known.Get(agencyID); ok {
		return true, nil
	}
	err := s.agencies.FindOne(ctx, id(agencyID), options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, Classify("find agency", err)
	}
	s.known.Put(agencyID, true)
	return true, nil
}

// AgencyRatings is an agency's ID, aggregates and the fields ranking needs to exclude it.
type AgencyRatings struct {
	ID      string                 `bson:"_id"`
	Ratings kawan.ReviewAggregates `bson:"ratings"`
	// Raw is the whole agency document, for callers that read agency fields (licence status,
	// blacklisting) owned by the agencies area.
	Raw bson.Raw `bson:"-"`
}

// AgencyRatings reads one agency's aggregates.
func (s *Reviews) AgencyRatings(ctx context.Context, agencyID string) (AgencyRatings, error) {
	raw, err := s.agencies.FindOne(ctx, id(agencyID)).Raw()
	if err != nil {
		return AgencyRatings{}, Classify("agency "+agencyID, err)
	}
	var a AgencyRatings
	if err := bson.Unmarshal(raw, &a); err != nil {
		return AgencyRatings{}, fmt.Errorf("store: decode agency ratings: %w", err)
	}
	a.Raw = raw
	return a, nil
}

// EachAgencyRatings calls fn for every agency (ranking, repair). fn must not keep a.Raw.
func (s *Reviews) EachAgencyRatings(ctx context.Context, fn func(a AgencyRatings) error) error {
	return each(ctx, s.agencies, bson.D{}, options.Find().SetBatchSize(1000), "list agencies", func(a *AgencyRatings, raw bson.Raw) error {
		a.Raw = raw
		return fn(*a)
	})
}

// InsertReview stores a new review; a review with the same ID is ErrConflict.
func (s *Reviews) InsertReview(ctx context.Context, r *kawan.Review) error {
	_, err := s.c.InsertOne(ctx, r)
	return Classify("insert review", err)
}

// DeleteReview removes a review that never became current (a lost race on submission).
func (s *Reviews) DeleteReview(ctx context.Context, reviewID string) error {
	_, err := s.c.DeleteOne(ctx, id(reviewID))
	return Classify("delete review", err)
}

// Review reads one review.
func (s *Reviews) Review(ctx context.Context, reviewID string) (*kawan.Review, error) {
	var r kawan.Review
	if err := s.c.FindOne(ctx, id(reviewID)).Decode(&r); err != nil {
		return nil, Classify("review "+reviewID, err)
	}
	return &r, nil
}

// MaxByAuthor bounds ByAuthor's list.
const MaxByAuthor = 200

// ByAuthor returns the author's reviews, newest first, at most limit (1..MaxByAuthor);
// superseded versions are left out (the newer version stands for them).
func (s *Reviews) ByAuthor(ctx context.Context, authorID string, limit int) ([]kawan.Review, error) {
	limit = min(max(limit, 1), MaxByAuthor)
	return all[kawan.Review](ctx, s.c, bson.D{{Key: "author_id", Value: authorID}, {Key: "status", Value: bson.D{{Key: "$ne", Value: kawan.ReviewSuperseded}}}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// supersedable are the statuses a newer version of the same author's review replaces.
// Rejected and removed reviews keep their status (the decision stays on record).
var supersedable = bson.A{kawan.ReviewSubmitted, kawan.ReviewPublished, kawan.ReviewHeld, kawan.ReviewUnderReview}

// Supersede marks an earlier version superseded (if it is still live) and bumps its version.
func (s *Reviews) Supersede(ctx context.Context, reviewID string, now time.Time) (bool, error) {
	res, err := s.c.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: reviewID}, {Key: "status", Value: bson.D{{Key: "$in", Value: supersedable}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: kawan.ReviewSuperseded}, {Key: "updated_at", Value: now}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
	if err != nil {
		return false, Classify("supersede review", err)
	}
	return res.ModifiedCount == 1, nil
}

// SetReply stores the one reply of a published review of agencyID. ErrConflict when the
// review already has a reply; ErrNotFound when there is no such published review.
func (s *Reviews) SetReply(ctx context.Context, reviewID, agencyID string, reply kawan.Reply) error {
	res, err := s.c.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: reviewID}, {Key: "agency_id", Value: agencyID}, {Key: "status", Value: kawan.ReviewPublished},
			{Key: "reply", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "reply", Value: reply}, {Key: "updated_at", Value: reply.CreatedAt}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
	if err != nil {
		return Classify("set reply", err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	r, err := s.Review(ctx, reviewID)
	switch {
	case err != nil:
		return err
	case r.Reply != nil:
		return fmt.Errorf("store: review %s already has a reply: %w", reviewID, kawan.ErrConflict)
	}
	return fmt.Errorf("store: published review %s: %w", reviewID, kawan.ErrNotFound)
}

// InsertVote records userID's helpful vote on reviewID; a second vote is ErrConflict.
func (s *Reviews) InsertVote(ctx context.Context, reviewID, userID string, at time.Time) error {
	_, err := s.votes.InsertOne(ctx, bson.D{{Key: "_id", Value: reviewID + "|" + userID},
		{Key: "review_id", Value: reviewID}, {Key: "user_id", Value: userID}, {Key: "at", Value: at}})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("store: you already voted on review %s: %w", reviewID, kawan.ErrConflict)
	}
	return Classify("insert vote", err)
}

// DeleteVote removes userID's vote on a review (undoing a vote whose count could not be
// written, so that the voter's retry is not refused as a second vote).
func (s *Reviews) DeleteVote(ctx context.Context, reviewID, userID string) error {
	_, err := s.votes.DeleteOne(ctx, bson.D{{Key: "_id", Value: reviewID + "|" + userID}})
	return Classify("delete vote", err)
}

// IncHelpful adds one helpful vote to a review and bumps its version.
func (s *Reviews) IncHelpful(ctx context.Context, reviewID string) error {
	_, err := s.c.UpdateOne(ctx, id(reviewID),
		bson.D{{Key: "$inc", Value: bson.D{{Key: "helpful_count", Value: 1}, {Key: "version", Value: 1}}}})
	return Classify("count vote", err)
}

// ---- the author's current review per agency ----

func authorKey(agencyID, authorID string) string { return agencyID + "|" + authorID }

// CurrentReviewID returns the author's current review of the agency, or "" if none.
func (s *Reviews) CurrentReviewID(ctx context.Context, agencyID, authorID string) (string, error) {
	var d struct {
		ReviewID string `bson:"review_id"`
	}
	err := s.keys.FindOne(ctx, id(authorKey(agencyID, authorID))).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	if err != nil {
		return "", Classify("find current review", err)
	}
	return d.ReviewID, nil
}

// SetCurrentReview moves the author's current review of the agency from prev ("" for
// none) to next with a compare-and-set; false means another submission won.
func (s *Reviews) SetCurrentReview(ctx context.Context, agencyID, authorID, prev, next string) (bool, error) {
	key := authorKey(agencyID, authorID)
	if prev == "" {
		_, err := s.keys.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "review_id", Value: next}})
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return err == nil, Classify("set current review", err)
	}
	res, err := s.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "review_id", Value: prev}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "review_id", Value: next}}}})
	if err != nil {
		return false, Classify("set current review", err)
	}
	return res.ModifiedCount == 1, nil
}

// BecomeCurrent makes next the author's current review of the agency and returns the one
// it replaces ("" for none). The first review of an agency by an author (the usual case)
// takes one insert; a later one reads the key and moves it with a compare-and-set. false
// means another submission won.
func (s *Reviews) BecomeCurrent(ctx context.Context, agencyID, authorID, next string) (string, bool, error) {
	ok, err := s.SetCurrentReview(ctx, agencyID, authorID, "", next)
	if err != nil || ok {
		return "", ok, err
	}
	prev, err := s.CurrentReviewID(ctx, agencyID, authorID)
	if err != nil || prev == "" {
		return "", false, err
	}
	ok, err = s.SetCurrentReview(ctx, agencyID, authorID, prev, next)
	return prev, ok, err
}

// SetPrevious links a review to the version it replaced (not public: no version bump).
func (s *Reviews) SetPrevious(ctx context.Context, reviewID, prev string) error {
	_, err := s.c.UpdateOne(ctx, id(reviewID), bson.D{{Key: "$set", Value: bson.D{{Key: "previous_id", Value: prev}}}})
	return Classify("link earlier version", err)
}

// ---- idempotency keys ----

// Idempotency is a claimed Idempotency-Key: the review it created (or is creating). The
// request is done once that review is stored (the review's insert is the commit point).
type Idempotency struct {
	Key         string    `bson:"_id"`
	RequestHash string    `bson:"request_hash"`
	ReviewID    string    `bson:"review_id"`
	Done        bool      `bson:"done"` // set by earlier versions; a claim is never marked done now
	ClaimedAt   time.Time `bson:"claimed_at"`
}

// IdempotencyID scopes a client's key to its account; only a hash is stored.
func IdempotencyID(authorID, key string) string {
	h := sha256.Sum256([]byte(authorID + "\x00" + key))
	return hex.EncodeToString(h[:])
}

// ClaimIdempotency claims rec.Key. If it is already claimed it returns the existing claim
// and false; a claim left unfinished for longer than stale is taken over.
func (s *Reviews) ClaimIdempotency(ctx context.Context, rec Idempotency, stale time.Duration) (Idempotency, bool, error) {
	_, err := s.idem.InsertOne(ctx, rec)
	if err == nil {
		return rec, true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return Idempotency{}, false, Classify("claim idempotency key", err)
	}
	var cur Idempotency
	if err := s.idem.FindOne(ctx, id(rec.Key)).Decode(&cur); err != nil {
		return Idempotency{}, false, Classify("read idempotency key", err)
	}
	if !cur.Done && cur.RequestHash == rec.RequestHash && rec.ClaimedAt.Sub(cur.ClaimedAt) > stale {
		// The first attempt died before finishing: take over, keeping its review ID so
		// that a review it did insert is found, not duplicated.
		res, err := s.idem.UpdateOne(ctx, bson.D{{Key: "_id", Value: rec.Key}, {Key: "claimed_at", Value: cur.ClaimedAt}, {Key: "done", Value: false}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "claimed_at", Value: rec.ClaimedAt}}}})
		if err != nil {
			return Idempotency{}, false, Classify("take over idempotency key", err)
		}
		if res.ModifiedCount == 1 {
			cur.ClaimedAt = rec.ClaimedAt
			return cur, true, nil
		}
	}
	return cur, false, nil
}

// ReleaseIdempotency forgets a claim whose request failed, so the client may retry it.
func (s *Reviews) ReleaseIdempotency(ctx context.Context, key string) error {
	_, err := s.idem.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "done", Value: false}})
	return Classify("release idempotency key", err)
}

// PurgeIdempotency deletes keys claimed before t (no TTL indexes on FerretDB).
func (s *Reviews) PurgeIdempotency(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.idem.DeleteMany(ctx, bson.D{{Key: "claimed_at", Value: bson.D{{Key: "$lt", Value: before}}}})
	if err != nil {
		return 0, Classify("purge idempotency keys", err)
	}
	return res.DeletedCount, nil
}

// ---- aggregates: exactly-once count operations ----

// StartCountOp records op on the review if its counted flag is still counted and no other
// op is in flight; false means the review changed underneath (re-read and retry).
func (s *Reviews) StartCountOp(ctx context.Context, reviewID string, counted bool, op kawan.CountOp) (bool, error) {
	res, err := s.c.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: reviewID}, {Key: "counted", Value: counted}, {Key: "count_op", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "count_op", Value: op}}}})
	if err != nil {
		return false, Classify("start count op", err)
	}
	return res.ModifiedCount == 1, nil
}

// ApplyCountOp applies op to the agency's aggregates (and bumps the agency's version) unless
// the agency has already applied it: the op ID is remembered on the agency in the same
// update. forget are IDs of finished ops the agency may drop: they are pulled first, in the
// same command.
func (s *Reviews) ApplyCountOp(ctx context.Context, agencyID string, op kawan.CountOp, forget ...string) error {
	sign := 1
	if !op.Add {
		sign = -1
	}
	inc := incFields(op.Delta, sign)
	inc = append(inc, bson.E{Key: "version", Value: int64(1)})
	apply := mongo.NewUpdateOneModel().
		SetFilter(bson.D{{Key: "_id", Value: agencyID}, {Key: "ratings_ops", Value: bson.D{{Key: "$ne", Value: op.ID}}}}).
		SetUpdate(bson.D{{Key: "$inc", Value: inc}, {Key: "$push", Value: bson.D{{Key: "ratings_ops", Value: op.ID}}}})
	models := []mongo.WriteModel{apply}
	if len(forget) > 0 {
		ids := make(bson.A, len(forget))
		for i, f := range forget {
			ids[i] = f
		}
		models = []mongo.WriteModel{mongo.NewUpdateOneModel().SetFilter(id(agencyID)).
			SetUpdate(bson.D{{Key: "$pullAll", Value: bson.D{{Key: "ratings_ops", Value: ids}}}}), apply}
	}
	// No match: already applied, or the agency is gone; either way there is nothing to do.
	_, err := s.agencies.BulkWrite(ctx, models)
	return Classify("apply count op", err)
}

// FinishNewCountOp finishes the count op a review was inserted with, in one update that
// also records the version as indexed when indexed is true. false: the review changed
// since (or the op was finished already); the general sync takes over.
func (s *Reviews) FinishNewCountOp(ctx context.Context, reviewID string, version int64, op kawan.CountOp, indexed bool) (bool, error) {
	set := bson.D{{Key: "counted", Value: true}, {Key: "counted_as", Value: op.Delta}}
	if indexed {
		set = append(set, bson.E{Key: "indexed_version", Value: version})
	}
	res, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: reviewID}, {Key: "version", Value: version}, {Key: "count_op.id", Value: op.ID}},
		bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: bson.D{{Key: "count_op", Value: ""}}}})
	if err != nil {
		return false, Classify("finish count op", err)
	}
	return res.ModifiedCount == 1, nil
}

// FinishCountOp flips the review's counted flag as op says and clears op.
func (s *Reviews) FinishCountOp(ctx context.Context, reviewID string, op kawan.CountOp) error {
	set := bson.D{{Key: "counted", Value: op.Add}}
	unset := bson.D{{Key: "count_op", Value: ""}}
	if op.Add {
		set = append(set, bson.E{Key: "counted_as", Value: op.Delta})
	} else {
		unset = append(unset, bson.E{Key: "counted_as", Value: ""})
	}
	_, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: reviewID}, {Key: "count_op.id", Value: op.ID}},
		bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: unset}})
	return Classify("finish count op", err)
}

// ForgetCountOp drops finished ops' IDs from the agency.
func (s *Reviews) ForgetCountOp(ctx context.Context, agencyID string, opIDs ...string) error {
	ids := make(bson.A, len(opIDs))
	for i, o := range opIDs {
		ids[i] = o
	}
	_, err := s.agencies.UpdateOne(ctx, id(agencyID), bson.D{{Key: "$pullAll", Value: bson.D{{Key: "ratings_ops", Value: ids}}}})
	return Classify("forget count op", err)
}

// incFields flattens sign × d into $inc fields under "ratings.".
func incFields(d kawan.ReviewAggregates, sign int) bson.D {
	s := int64(sign)
	f := float64(sign)
	out := bson.D{
		{Key: "ratings.count", Value: s * d.Count},
		{Key: "ratings.recommend", Value: s * d.Recommend},
		{Key: "ratings.verified", Value: s * d.Verified},
		{Key: "ratings.weight", Value: f * d.Weight},
	}
	dims := func(prefix string, v kawan.DimensionSums[int64]) {
		out = append(out, bson.E{Key: prefix + "overall", Value: s * v.Overall}, bson.E{Key: prefix + "fees_honesty", Value: s * v.FeesHonesty},
			bson.E{Key: prefix + "contract_match", Value: s * v.ContractMatch}, bson.E{Key: prefix + "treatment", Value: s * v.Treatment},
			bson.E{Key: prefix + "support", Value: s * v.Support})
	}
	dims("ratings.sums.", d.Sums)
	w := d.WeightedSums
	out = append(out, bson.E{Key: "ratings.wsums.overall", Value: f * w.Overall}, bson.E{Key: "ratings.wsums.fees_honesty", Value: f * w.FeesHonesty},
		bson.E{Key: "ratings.wsums.contract_match", Value: f * w.ContractMatch}, bson.E{Key: "ratings.wsums.treatment", Value: f * w.Treatment},
		bson.E{Key: "ratings.wsums.support", Value: f * w.Support})
	for i, n := range []int64{d.Stars.S1, d.Stars.S2, d.Stars.S3, d.Stars.S4, d.Stars.S5} {
		if n != 0 {
			out = append(out, bson.E{Key: fmt.Sprintf("ratings.stars.s%d", i+1), Value: s * n})
		}
	}
	for cur, fs := range d.Fees {
		p := "ratings.fees." + cur + "."
		out = append(out, bson.E{Key: p + "count", Value: s * fs.Count}, bson.E{Key: p + "zero", Value: s * fs.Zero},
			bson.E{Key: p + "sum_minor", Value: s * fs.SumMinor})
	}
	return out
}

// ---- search sync bookkeeping ----

// MarkIndexed records that version of the review is in the search index (only if the review
// is still at that version).
func (s *Reviews) MarkIndexed(ctx context.Context, reviewID string, version int64) (bool, error) {
	res, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: reviewID}, {Key: "version", Value: version}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "indexed_version", Value: version}}}})
	if err != nil {
		return false, Classify("mark review indexed", err)
	}
	return res.MatchedCount == 1, nil
}

// MarkPending queues a review for sync and returns the queue entry's sequence number.
func (s *Reviews) MarkPending(ctx context.Context, reviewID string, now time.Time) (int64, error) {
	var d struct {
		Seq int64 `bson:"seq"`
	}
	err := s.sync.FindOneAndUpdate(ctx, id(reviewID),
		bson.D{{Key: "$inc", Value: bson.D{{Key: "seq", Value: int64(1)}}}, {Key: "$set", Value: bson.D{{Key: "at", Value: now}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return 0, Classify("queue review sync", err)
	}
	return d.Seq, nil
}

// ClearPending removes the queue entry if nobody re-queued the review since seq.
func (s *Reviews) ClearPending(ctx context.Context, reviewID string, seq int64) error {
	_, err := s.sync.DeleteOne(ctx, bson.D{{Key: "_id", Value: reviewID}, {Key: "seq", Value: seq}})
	return Classify("clear review sync", err)
}

// Pending lists queued review IDs queued before t (oldest first), at most limit.
func (s *Reviews) Pending(ctx context.Context, before time.Time, limit int) ([]string, error) {
	cur, err := s.sync.Find(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}},
		options.Find().SetSort(bson.D{{Key: "at", Value: 1}}).SetLimit(int64(min(max(limit, 1), 10000))))
	if err != nil {
		return nil, Classify("list review sync queue", err)
	}
	var ds []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &ds); err != nil {
		return nil, Classify("read review sync queue", err)
	}
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out, nil
}

// Behind scans reviews after the given _id (in _id order, at most batch) and returns the
// IDs of those whose indexed_version is below version, whose count op is unfinished or
// whose screening outbox is still there, plus the last _id scanned ("" at the end).
func (s *Reviews) Behind(ctx context.Context, after string, batch int) ([]string, string, error) {
	f := bson.D{}
	if after != "" {
		f = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
	}
	cur, err := s.c.Find(ctx, f, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(min(max(batch, 1), 10000))).
		SetProjection(bson.D{{Key: "version", Value: 1}, {Key: "indexed_version", Value: 1}, {Key: "count_op", Value: 1}, {Key: "moderation.outbox.queue", Value: 1}, {Key: "created_at", Value: 1}}))
	if err != nil {
		return nil, "", Classify("scan reviews", err)
	}
	var ds []struct {
		ID             string         `bson:"_id"`
		Version        int64          `bson:"version"`
		IndexedVersion int64          `bson:"indexed_version"`
		CountOp        *kawan.CountOp `bson:"count_op"`
		Moderation     struct {
			Outbox *struct{} `bson:"outbox"`
		} `bson:"moderation"`
	}
	if err := cur.All(ctx, &ds); err != nil {
		return nil, "", Classify("scan reviews", err)
	}
	var out []string
	for _, d := range ds {
		if d.IndexedVersion < d.Version || d.CountOp != nil || d.Moderation.Outbox != nil {
			out = append(out, d.ID)
		}
	}
	last := ""
	if len(ds) > 0 {
		last = ds[len(ds)-1].ID
	}
	return out, last, nil
}

// ---- repair ----

// EachReview calls fn for every review, in _id order (repair-aggregates, demo tools).
func (s *Reviews) EachReview(ctx context.Context, fn func(r *kawan.Review) error) error {
	cur, err := s.c.Find(ctx, bson.D{}, options.Find().SetBatchSize(1000))
	if err != nil {
		return Classify("list reviews", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var r kawan.Review
		if err := cur.Decode(&r); err != nil {
			return fmt.Errorf("store: decode review: %w", err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return Classify("list reviews", cur.Err())
}

// SetCounted overwrites a review's counting state (repair only).
func (s *Reviews) SetCounted(ctx context.Context, reviewID string, countedAs *kawan.ReviewAggregates) error {
	up := bson.D{{Key: "$set", Value: bson.D{{Key: "counted", Value: countedAs != nil}, {Key: "counted_as", Value: countedAs}}},
		{Key: "$unset", Value: bson.D{{Key: "count_op", Value: ""}}}}
	if countedAs == nil {
		up = bson.D{{Key: "$set", Value: bson.D{{Key: "counted", Value: false}}},
			{Key: "$unset", Value: bson.D{{Key: "count_op", Value: ""}, {Key: "counted_as", Value: ""}}}}
	}
	_, err := s.c.UpdateOne(ctx, id(reviewID), up)
	return Classify("set counted", err)
}

// SetAgencyRatings overwrites an agency's aggregates (repair only), clears remembered op
// IDs and bumps its version so the agency is re-indexed.
func (s *Reviews) SetAgencyRatings(ctx context.Context, agencyID string, a kawan.ReviewAggregates) error {
	_, err := s.agencies.UpdateOne(ctx, id(agencyID), bson.D{
		{Key: "$set", Value: bson.D{{Key: "ratings", Value: a}, {Key: "ratings_ops", Value: bson.A{}}}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}})
	return Classify("set agency ratings", err)
}

// CountVotes returns the number of helpful votes on each review that has any (repair).
func (s *Reviews) CountVotes(ctx context.Context) (map[string]int64, error) {
	cur, err := s.votes.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "review_id", Value: 1}}))
	if err != nil {
		return nil, Classify("list votes", err)
	}
	defer cur.Close(ctx)
	out := map[string]int64{}
	for cur.Next(ctx) {
		var d struct {
			ReviewID string `bson:"review_id"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("store: decode vote: %w", err)
		}
		out[d.ReviewID]++
	}
	return out, Classify("list votes", cur.Err())
}

// SetHelpful overwrites a review's helpful count (repair only) and bumps its version.
func (s *Reviews) SetHelpful(ctx context.Context, reviewID string, n int64) error {
	_, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: reviewID}, {Key: "helpful_count", Value: bson.D{{Key: "$ne", Value: n}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "helpful_count", Value: n}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
	return Classify("set helpful count", err)
}

// RedactStoredText replaces a review's public text (and its reply's) with a version from
// which more personal data was removed, if the review is still at version (compare-and-set;
// false when it changed meanwhile), and bumps the version so the index follows.
func (s *Reviews) RedactStoredText(ctx context.Context, reviewID string, version int64, text string, reply *string) (bool, error) {
	set := bson.D{{Key: "text", Value: text}, {Key: "moderation.redacted", Value: true}}
	if reply != nil {
		set = append(set, bson.E{Key: "reply.text", Value: *reply}, bson.E{Key: "reply.redacted", Value: true})
	}
	res, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: reviewID}, {Key: "version", Value: version}},
		bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}})
	if err != nil {
		return false, Classify("redact stored review", err)
	}
	return res.MatchedCount == 1, nil
}

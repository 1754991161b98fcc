package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan/internal/bounded"
)

// Fraud-signal state as append-only chains: a chain is a sequence of small immutable
// documents with _ids "prefix|0", "prefix|1", … without gaps (a writer inserts at the first
// free index; a duplicate-key error means another process took it, so it moves on). Reading
// is by _id only; every document is immutable, so each process caches what it has read and
// the head index it last saw (a cache any process can rebuild: the database decides).
// Several processes therefore agree on the state without any update.

// chainCache caches immutable chain documents and head hints (bounded).
type chainCache struct {
	docs  *bounded.Map[bson.Raw]
	heads *bounded.Map[int]
}

const chainCacheMax = 200_000

func newChainCache() *chainCache {
	return &chainCache{docs: bounded.New[bson.Raw](chainCacheMax), heads: bounded.New[int](chainCacheMax)}
}

func (c *chainCache) get(id string) (bson.Raw, bool) { return c.docs.Get(id) }

func (c *chainCache) put(id string, d bson.Raw) { c.docs.Put(id, d) }

func (c *chainCache) head(prefix string) int {
	n, _ := c.heads.Get(prefix)
	return n
}

// setHead raises the head hint of prefix to n (never lowers it).
func (c *chainCache) setHead(prefix string, n int) {
	c.heads.Update(prefix, func(old int, _ bool) int { return max(old, n) })
}

func chainID(prefix string, n int) string { return fmt.Sprintf("%s|%d", prefix, n) }

// chainGet reads element n of a chain (false: it does not exist yet).
func (m *Moderation) chainGet(ctx context.Context, c *mongo.Collection, prefix string, n int) (bson.Raw, bool, error) {
	key := c.Name() + "/" + chainID(prefix, n)
	if d, ok := m.cache.get(key); ok {
		return d, true, nil
	}
	raw, err := c.FindOne(ctx, id(chainID(prefix, n))).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, Classify("read moderation state", err)
	}
	d := bson.Raw(append([]byte(nil), raw...))
	m.cache.put(key, d)
	return d, true, nil
}

// chainLen returns the number of elements of a chain: probing up from the cached head hint
// (normally one or two look-ups), or by doubling and bisection when the hint is far behind.
func (m *Moderation) chainLen(ctx context.Context, c *mongo.Collection, prefix string) (int, error) {
	lo := m.cache.head(prefix) // lo elements are known to exist
	if lo > 0 {
		if _, ok, err := m.chainGet(ctx, c, prefix, lo-1); err != nil {
			return 0, err
		} else if !ok {
			lo = 0 // cannot happen unless the state was reset; start over
		}
	}
	step := 1
	hi := -1 // an index known not to exist
	for hi < 0 {
		_, ok, err := m.chainGet(ctx, c, prefix, lo+step-1)
		if err != nil {
			return 0, err
		}
		if ok {
			lo += step
			step *= 2
		} else {
			hi = lo + step - 1
		}
	}
	// Elements [0, lo) exist, element hi does not: bisect.
	for lo < hi {
		mid := (lo + hi) / 2
		_, ok, err := m.chainGet(ctx, c, prefix, mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	m.cache.setHead(prefix, lo)
	return lo, nil
}

// chainAppend inserts the document mk(n, previous) at the chain's first free index n and
// returns n. limit > 0 stops a chain from growing past limit elements (returns limit, no insert).
func (m *Moderation) chainAppend(ctx context.Context, c *mongo.Collection, prefix string, limit int,
	mk func(n int, prev bson.Raw) bson.D) (int, error) {
	// Optimistically insert at the cached head (0 for a chain this process has not seen):
	// for a new chain that is one insert and no read. A duplicate key means the hint was
	// behind; then find the real length.
	n := m.cache.head(prefix)
	probed := false
	for range 64 {
		if limit > 0 && n >= limit {
			return limit, nil
		}
		var prev bson.Raw
		if n > 0 {
			p, ok, err := m.chainGet(ctx, c, prefix, n-1)
			if err != nil {
				return 0, err
			}
			if !ok {
				return 0, fmt.Errorf("store: moderation state chain %s has a gap at %d", prefix, n-1)
			}
			prev = p
		}
		doc := append(bson.D{{Key: "_id", Value: chainID(prefix, n)}}, mk(n, prev)...)
		_, err := c.InsertOne(ctx, doc)
		if err == nil {
			m.cache.setHead(prefix, n+1)
			return n, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return 0, Classify("record moderation state", err)
		}
		if probed {
			n++ // another process took n just now
			continue
		}
		if n, err = m.chainLen(ctx, c, prefix); err != nil {
			return 0, err
		}
		probed = true
	}
	return 0, fmt.Errorf("store: moderation state chain %s: too much contention: %w", prefix, errors.New("retry later"))
}

// ---- per-agency submissions (burst and swing signals) ----

// AgencyEvent is one submission to an agency (for computing windows in tests and tools).
type AgencyEvent struct {
	At      time.Time
	Overall int
}

// agencyEvent is one element of an agency's chain: a submission, with running totals so
// that any range of the chain can be summed from its two ends.
type agencyEvent struct {
	At      time.Time `bson:"at"`
	Overall int       `bson:"o"`
	Count   int64     `bson:"cnt"` // submissions up to and including this one
	Sum     int64     `bson:"sum"` // Σ overall up to and including this one
}

// AgencyWindow summarises an agency's recent submissions relative to one moment.
type AgencyWindow struct {
	Last24h      int     // submissions in the last 24 h (this one included)
	Baseline     int     // submissions in the 60 days before those 24 h
	BaselineDays float64 // days the baseline covers (from its first submission)
	Recent       int     // submissions in the last 72 h
	RecentSum    int64   // Σ overall rating of those
	Before       int     // submissions in the 60 days before those 72 h
	BeforeSum    int64   // Σ overall rating of those
}

// RecordAgencySubmission appends a submission with overall rating at time at to the
// agency's chain and returns the agency's window at that moment.
func (m *Moderation) RecordAgencySubmission(ctx context.Context, agencyID string, at time.Time, overall int) (AgencyWindow, error) {
	prefix := agencyID
	n, err := m.chainAppend(ctx, m.agency, prefix, 0, func(_ int, prev bson.Raw) bson.D {
		var p agencyEvent
		if prev != nil {
			_ = bson.Unmarshal(prev, &p)
		}
		return bson.D{{Key: "at", Value: at}, {Key: "o", Value: overall}, {Key: "cnt", Value: p.Count + 1}, {Key: "sum", Value: p.Sum + int64(overall)}}
	})
	if err != nil {
		return AgencyWindow{}, err
	}
	get := func(i int) (agencyEvent, error) {
		var e agencyEvent
		if i < 0 {
			return e, nil // the empty prefix
		}
		raw, ok, err := m.chainGet(ctx, m.agency, prefix, i)
		if err != nil || !ok {
			return e, err
		}
		return e, bson.Unmarshal(raw, &e)
	}
	// first returns the first index in [0, n] whose time is at or after t (submissions are
	// appended in time order, give or take concurrent writers).
	first := func(t time.Time) (int, error) {
		lo, hi := 0, n
		for lo < hi {
			mid := (lo + hi) / 2
			e, err := get(mid)
			if err != nil {
				return 0, err
			}
			if e.At.Before(t) {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return lo, nil
	}
	i24, err := first(at.Add(-24 * time.Hour))
	if err != nil {
		return AgencyWindow{}, err
	}
	i72, err := first(at.Add(-72 * time.Hour))
	if err != nil {
		return AgencyWindow{}, err
	}
	i60, err := first(at.Add(-60 * 24 * time.Hour))
	if err != nil {
		return AgencyWindow{}, err
	}
	head, err := get(n)
	if err != nil {
		return AgencyWindow{}, err
	}
	e72, err := get(i72 - 1)
	if err != nil {
		return AgencyWindow{}, err
	}
	e60, err := get(i60 - 1)
	if err != nil {
		return AgencyWindow{}, err
	}
	w := AgencyWindow{Last24h: n - i24 + 1, Baseline: i24 - i60, Recent: n - i72 + 1, RecentSum: head.Sum - e72.Sum,
		Before: i72 - i60, BeforeSum: e72.Sum - e60.Sum}
	if w.Baseline > 0 {
		firstE, err := get(i60)
		if err != nil {
			return AgencyWindow{}, err
		}
		w.BaselineDays = at.Add(-24*time.Hour).Sub(firstE.At).Hours() / 24
	}
	return w, nil
}

// ---- per-author submissions (velocity signal) ----

// AuthorEvent is one submission by an account.
type AuthorEvent struct {
	At       time.Time `bson:"at"`
	AgencyID string    `bson:"a"`
}

// maxAuthorWalk bounds how far back an author's chain is read.
const maxAuthorWalk = 60

// RecordAuthorSubmission appends a submission to the author's chain and returns the
// author's submissions of the last window (newest first, at most 60).
func (m *Moderation) RecordAuthorSubmission(ctx context.Context, authorID, agencyID string, at time.Time, window time.Duration) ([]AuthorEvent, error) {
	n, err := m.chainAppend(ctx, m.author, authorID, 0, func(int, bson.Raw) bson.D {
		return bson.D{{Key: "at", Value: at}, {Key: "a", Value: agencyID}}
	})
	if err != nil {
		return nil, err
	}
	var out []AuthorEvent
	for i := n; i >= 0 && len(out) < maxAuthorWalk; i-- {
		raw, ok, err := m.chainGet(ctx, m.author, authorID, i)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		var e AuthorEvent
		if err := bson.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("store: decode author event: %w", err)
		}
		if at.Sub(e.At) > window {
			break
		}
		out = append(out, e)
	}
	return out, nil
}

// ---- accounts per client fingerprint and agency (shared-fingerprint signal) ----

// maxFPAccounts bounds the accounts remembered per fingerprint and agency.
const maxFPAccounts = 50

// RecordFingerprint records that authorID reviewed agencyID from client fingerprint fp and
// returns the accounts that did so (including this one; at most 50).
func (m *Moderation) RecordFingerprint(ctx context.Context, agencyID, fp, authorID string) ([]string, error) {
	prefix := agencyID + "|" + fp
	n, err := m.chainAppend(ctx, m.fp, prefix, maxFPAccounts, func(int, bson.Raw) bson.D {
		return bson.D{{Key: "u", Value: authorID}}
	})
	if err != nil {
		return nil, err
	}
	out := []string{authorID}
	for i := 0; i <= n && i < maxFPAccounts; i++ {
		raw, ok, err := m.chainGet(ctx, m.fp, prefix, i)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if u, ok := raw.Lookup("u").StringValueOK(); ok {
			out = append(out, u)
		}
	}
	return out, nil
}

// ---- text fingerprints (near-duplicate signal) ----

// TextEntry is a review in a text-fingerprint bucket.
type TextEntry struct {
	ReviewID string `bson:"r"`
	AgencyID string `bson:"a"`
	AuthorID string `bson:"u"`
	Overall  int    `bson:"o,omitempty"` // the review's overall rating (only on signatures)
}

// StoredSignature is a review's stored text fingerprint and overall rating.
type StoredSignature struct {
	Sig     []int64 `bson:"s"`
	Overall int     `bson:"o"`
}

// MaxBucket bounds the reviews remembered per LSH bucket: a bucket only needs to show that
// a text has been seen before (a farm's hundredth copy is still caught by the first ones).
const MaxBucket = 8

// RecordBands adds e to the LSH bucket of every key and returns the reviews already in
// those buckets (the near-duplicate candidates), each once, most shared buckets first.
func (m *Moderation) RecordBands(ctx context.Context, keys []string, e TextEntry) ([]TextEntry, error) {
	type result struct {
		entries []TextEntry
		err     error
	}
	// Most bands of a new text land in buckets nobody (or only this process) has written:
	// all of them are appended at their cached heads with one InsertMany, not one insert
	// each (a submission wrote twenty). A band whose slot was taken meanwhile (duplicate
	// key) goes through chainAppend, which finds the real head.
	entryDoc := bson.D{{Key: "r", Value: e.ReviewID}, {Key: "a", Value: e.AgencyID}, {Key: "u", Value: e.AuthorID}}
	heads := make([]int, len(keys))
	done := make([]bool, len(keys))
	var batch []any
	var batchKey []int
	for i, k := range keys {
		heads[i] = m.cache.head(k)
		if heads[i] >= MaxBucket {
			heads[i], done[i] = MaxBucket, true
			continue
		}
		batch = append(batch, append(bson.D{{Key: "_id", Value: chainID(k, heads[i])}}, entryDoc...))
		batchKey = append(batchKey, i)
	}
	if len(batch) > 0 {
		_, err := m.lsh.InsertMany(ctx, batch, options.InsertMany().SetOrdered(false))
		failed := map[int]bool{}
		if err != nil {
			var bwe mongo.BulkWriteException
			if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
				return nil, Classify("record text buckets", err)
			}
			for _, we := range bwe.WriteErrors {
				if !mongo.IsDuplicateKeyError(we) {
					return nil, Classify("record text buckets", err)
				}
				failed[we.Index] = true
			}
		}
		for j, i := range batchKey {
			if !failed[j] {
				done[i] = true
				m.cache.setHead(keys[i], heads[i]+1)
			}
		}
	}
	// Then each band's earlier entries (mostly cached: chain documents never change).
	results := make([]result, len(keys))
	for i, k := range keys {
		func() {
			n := heads[i]
			if !done[i] {
				var err error
				n, err = m.chainAppend(ctx, m.lsh, k, MaxBucket, func(int, bson.Raw) bson.D { return entryDoc })
				if err != nil {
					results[i].err = err
					return
				}
			}
			for j := 0; j < n; j++ {
				raw, ok, err := m.chainGet(ctx, m.lsh, k, j)
				if err != nil {
					results[i].err = err
					return
				}
				if !ok {
					break
				}
				var x TextEntry
				if err := bson.Unmarshal(raw, &x); err == nil {
					results[i].entries = append(results[i].entries, x)
				}
			}
		}()
	}
	hits := map[string]int{}
	var order []TextEntry
	for _, r := range results {
		if r.err != nil {
			return nil, r.err
		}
		for _, x := range r.entries {
			if x.ReviewID == e.ReviewID {
				continue
			}
			if hits[x.ReviewID] == 0 {
				order = append(order, x)
			}
			hits[x.ReviewID]++
		}
	}
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && hits[order[j].ReviewID] > hits[order[j-1].ReviewID]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	return order, nil
}

// SaveSignature stores a review's MinHash signature (once; a second save is a no-op).
func (m *Moderation) SaveSignature(ctx context.Context, e TextEntry, sig []int64) error {
	_, err := m.sigs.InsertOne(ctx, bson.D{{Key: "_id", Value: e.ReviewID}, {Key: "a", Value: e.AgencyID}, {Key: "u", Value: e.AuthorID},
		{Key: "o", Value: e.Overall}, {Key: "s", Value: sig}})
	switch {
	case err == nil:
		m.sigMemo.Put(e.ReviewID, StoredSignature{Sig: sig, Overall: e.Overall})
	case mongo.IsDuplicateKeyError(err):
		return nil // the first save stands (and is what Signatures reads)
	}
	return Classify("save text signature", err)
}

// Signatures reads the stored signatures of the given reviews (missing ones are skipped).
func (m *Moderation) Signatures(ctx context.Context, reviewIDs []string) (map[string]StoredSignature, error) {
	out := make(map[string]StoredSignature, len(reviewIDs))
	for _, rid := range reviewIDs {
		if d, ok := m.sigMemo.Get(rid); ok {
			out[rid] = d
			continue
		}
		var d StoredSignature
		err := m.sigs.FindOne(ctx, id(rid)).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, Classify("read text signature", err)
		}
		m.sigMemo.Put(rid, d)
		out[rid] = d
	}
	return out, nil
}

// maxCachedSignatures bounds the in-process signature cache (64 int64s each: about 40 MB).
const maxCachedSignatures = 80_000

// newSigCache keeps text signatures in memory. A signature is written once per review and
// never changed (SaveSignature ignores a second save), so a cached copy cannot go stale,
// in this process or another: near-duplicate screening then reads each candidate's
// signature from the database once instead of once per screened review.
func newSigCache(limit int) *bounded.Map[StoredSignature] { return bounded.New[StoredSignature](limit) }

// SeedSignatures bulk-inserts signatures and bucket entries into empty state, all in one
// call (benchmarks and imports only).
func (m *Moderation) SeedSignatures(ctx context.Context, entries []TextEntry, sigs [][]int64, keys [][]string) error {
	docs := make([]any, 0, len(entries))
	for i, e := range entries {
		docs = append(docs, bson.D{{Key: "_id", Value: e.ReviewID}, {Key: "a", Value: e.AgencyID}, {Key: "u", Value: e.AuthorID}, {Key: "s", Value: sigs[i]}})
	}
	for len(docs) > 0 {
		n := min(len(docs), 10000)
		if _, err := m.sigs.InsertMany(ctx, docs[:n]); err != nil {
			return Classify("seed signatures", err)
		}
		docs = docs[n:]
	}
	next := map[string]int{}
	var bucket []any
	for i, e := range entries {
		for _, k := range keys[i] {
			if next[k] >= MaxBucket {
				continue
			}
			bucket = append(bucket, bson.D{{Key: "_id", Value: chainID(k, next[k])}, {Key: "r", Value: e.ReviewID}, {Key: "a", Value: e.AgencyID}, {Key: "u", Value: e.AuthorID}})
			next[k]++
		}
	}
	for len(bucket) > 0 {
		n := min(len(bucket), 10000)
		if _, err := m.lsh.InsertMany(ctx, bucket[:n]); err != nil {
			return Classify("seed text buckets", err)
		}
		bucket = bucket[n:]
	}
	return nil
}

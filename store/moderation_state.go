package store

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan/internal/bounded"
)

// Fraud-signal state: one small document per subject in "mod_signals", all read with one
// find ($in on _id) when a review is assessed, and all written with one unordered bulk write
// after the review is stored:
//
//	"agency|<agency>"      e.<review>: {t, o}   the agency's submissions of the last 61 days (burst, swing)
//	"author|<author>"      e.<review>: {t, a}   the account's submissions of the last day (velocity)
//	"fp|<agency>|<fp>"     u: [account, …]      accounts per client fingerprint and agency (≤ 50),
//	                       r: [{r, u}, …]       and their reviews (for grouping)
//	"np|<agency>|<net>"    u, r                 the same per network prefix (auth's keyed /24 or /48)
//	"lsh|<band key>"       e: [{r, a, u}, …]    reviews per LSH bucket (≤ MaxBucket)
//	"sig|<review>"         a, u, o, s           the review's MinHash signature (written once)
//
// Every write is idempotent per review ($set of a field named by the review ID, $addToSet,
// $setOnInsert), so recording a review again (recovery after a crash) changes nothing, and
// atomic per document on both stores (third_party/ferretdb/KAWAN.md, patch 5), so several
// processes share the state without locks. Expired entries are dropped by the write that
// follows the read which saw them.

const (
	agencyKeep = 61 * 24 * time.Hour // the swing/burst baseline (60 days) plus the last day
	authorKeep = 24 * time.Hour      // the velocity window
)

// maxFPAccounts bounds the accounts remembered per fingerprint and agency.
const maxFPAccounts = 50

// MaxBucket bounds the reviews remembered per LSH bucket: a bucket only needs to show that
// a text has been seen before (a farm's hundredth copy is still caught by the first ones).
// Writers at the same moment may each add one past it.
const MaxBucket = 8

// AgencyEvent is one submission to an agency.
type AgencyEvent struct {
	At      time.Time `bson:"t"`
	Overall int       `bson:"o"`
	// Flat: every rating of the review equals the overall one, at 1 or 5 stars (the rating
	// pattern of low-effort coordinated reviews).
	Flat bool `bson:"f,omitempty"`
	// ReviewID is the review (the field's name; filled in by ReadFraudState).
	ReviewID string `bson:"-"`
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

// AuthorEvent is one submission by an account.
type AuthorEvent struct {
	At       time.Time `bson:"t"`
	AgencyID string    `bson:"a"`
	// ReviewID is the review (the field's name; filled in by ReadFraudState).
	ReviewID string `bson:"-"`
}

// ClientEntry is a review remembered on a client or network fingerprint.
type ClientEntry struct {
	ReviewID string `bson:"r"`
	AuthorID string `bson:"u"`
}

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

// FraudSubject is the review whose fraud-signal state is read or recorded.
type FraudSubject struct {
	ReviewID, AgencyID, AuthorID string
	ClientFP                     string // "" when the client had none
	NetFP                        string // the network prefix's fingerprint ("" when unknown)
	At                           time.Time
	Overall                      int
	Flat                         bool // see AgencyEvent.Flat
	// Bands are the LSH band keys of the review's text and Sig its MinHash signature
	// (both empty when the text is too short to fingerprint).
	Bands []string
	Sig   []int64
}

// FraudState is what the state said about a subject before it is recorded: other reviews
// only (the subject's own entries, on a second reading, are left out).
type FraudState struct {
	Agency      []AgencyEvent          // the agency's submissions of the last 61 days
	Author      []AuthorEvent          // the account's submissions of the last day, newest first
	FPAccounts  []string               // accounts seen on the subject's fingerprint for this agency
	FPReviews   []ClientEntry          // their reviews of this agency from that fingerprint
	NetAccounts []string               // accounts seen on the subject's network prefix for this agency
	NetReviews  []ClientEntry          // their reviews of this agency from that prefix
	Buckets     map[string][]TextEntry // band key → the reviews in that bucket

	// What the next write drops, leaves alone or inserts: expired entries, full buckets and
	// lists, and the documents that were there (nil: unknown, as in recovery).
	expiredAgency, expiredAuthor []string
	full, found                  map[string]bool
}

// unfield is field's inverse.
func unfield(f string) string {
	return strings.NewReplacer("%2E", ".", "%24", "$", "%25", "%").Replace(f)
}

func signalID(kind string, parts ...string) string { return kind + "|" + strings.Join(parts, "|") }

// field makes an ID usable as a field name (no dots, no leading $).
func field(id string) string {
	return strings.NewReplacer("%", "%25", ".", "%2E", "$", "%24").Replace(id)
}

// ReadFraudState reads the fraud-signal state of subject with one find.
func (m *Moderation) ReadFraudState(ctx context.Context, s FraudSubject) (FraudState, error) {
	agencyID, authorID := signalID("agency", s.AgencyID), signalID("author", s.AuthorID)
	fpID, npID := "", ""
	ids := bson.A{agencyID, authorID}
	if s.ClientFP != "" {
		fpID = signalID("fp", s.AgencyID, s.ClientFP)
		ids = append(ids, fpID)
	}
	if s.NetFP != "" {
		npID = signalID("np", s.AgencyID, s.NetFP)
		ids = append(ids, npID)
	}
	for _, b := range s.Bands {
		ids = append(ids, signalID("lsh", b))
	}
	cur, err := m.signals.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return FraudState{}, Classify("read fraud-signal state", err)
	}
	var raws []bson.Raw
	for cur.Next(ctx) {
		raws = append(raws, append(bson.Raw(nil), cur.Current...))
	}
	if err := cur.Err(); err != nil {
		return FraudState{}, Classify("read fraud-signal state", err)
	}
	st := FraudState{Buckets: map[string][]TextEntry{}, full: map[string]bool{}, found: map[string]bool{}}
	own := field(s.ReviewID)
	for _, raw := range raws {
		docID, _ := raw.Lookup("_id").StringValueOK()
		st.found[docID] = true
		switch {
		case docID == agencyID, docID == authorID:
			ev, _ := raw.Lookup("e").DocumentOK()
			elems, _ := ev.Elements()
			for _, el := range elems {
				if el.Key() == own {
					continue
				}
				if docID == agencyID {
					var e AgencyEvent
					if err := el.Value().Unmarshal(&e); err != nil {
						continue
					}
					if s.At.Sub(e.At) > agencyKeep {
						st.expiredAgency = append(st.expiredAgency, el.Key())
						continue
					}
					e.ReviewID = unfield(el.Key())
					st.Agency = append(st.Agency, e)
				} else {
					var e AuthorEvent
					if err := el.Value().Unmarshal(&e); err != nil {
						continue
					}
					if s.At.Sub(e.At) > authorKeep {
						st.expiredAuthor = append(st.expiredAuthor, el.Key())
						continue
					}
					e.ReviewID = unfield(el.Key())
					st.Author = append(st.Author, e)
				}
			}
		case docID == fpID, docID == npID:
			var d struct {
				Users   []string      `bson:"u"`
				Reviews []ClientEntry `bson:"r"`
			}
			if err := bson.Unmarshal(raw, &d); err != nil {
				return FraudState{}, Classify("decode fingerprint accounts", err)
			}
			var users []string
			var revs []ClientEntry
			for _, u := range d.Users {
				if u != s.AuthorID {
					users = append(users, u)
				}
			}
			for _, x := range d.Reviews {
				if x.AuthorID != s.AuthorID {
					revs = append(revs, x)
				}
			}
			if docID == fpID {
				st.FPAccounts, st.FPReviews = users, revs
			} else {
				st.NetAccounts, st.NetReviews = users, revs
			}
			st.full[docID] = len(d.Users) >= maxFPAccounts || len(d.Reviews) >= 2*maxFPAccounts
		default:
			var d struct {
				Entries []TextEntry `bson:"e"`
			}
			if err := bson.Unmarshal(raw, &d); err != nil {
				return FraudState{}, Classify("decode text bucket", err)
			}
			band := strings.TrimPrefix(docID, "lsh|")
			for _, x := range d.Entries {
				if x.ReviewID != s.ReviewID {
					st.Buckets[band] = append(st.Buckets[band], x)
				}
			}
			st.full[docID] = len(d.Entries) >= MaxBucket
		}
	}
	sort.SliceStable(st.Author, func(i, j int) bool { return st.Author[i].At.After(st.Author[j].At) })
	return st, nil
}

// RecordFraudState adds subject to the fraud-signal state (idempotent: recording it again
// changes nothing): the documents the reading did not find with one unordered insert (a
// novel text's buckets, a new account's submissions, its signature), the others with one
// unordered bulk update. st is the state ReadFraudState returned for it (its expired entries
// are dropped, full buckets left alone); a zero FraudState (recovery, where the reading is
// gone) updates everything and drops nothing.
func (m *Moderation) RecordFraudState(ctx context.Context, s FraudSubject, st FraudState) error {
	own := field(s.ReviewID)
	var (
		inserts   []any              // documents the reading did not find: one insert
		fallbacks []mongo.WriteModel // each insert's update, should the document exist by now
		updates   []mongo.WriteModel
	)
	// add writes a subject document: inserted whole when the reading saw none (a new
	// document costs one insert for all of them, not a read and a write each), else updated.
	add := func(id string, doc bson.D, up bson.D) {
		var model mongo.WriteModel
		if up != nil {
			model = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetUpdate(up).SetUpsert(true)
		}
		if st.found != nil && !st.found[id] {
			inserts = append(inserts, append(bson.D{{Key: "_id", Value: id}}, doc...))
			fallbacks = append(fallbacks, model)
			return
		}
		if model != nil {
			updates = append(updates, model)
		}
	}
	events := func(id string, val bson.D, expired []string) {
		up := bson.D{{Key: "$set", Value: bson.D{{Key: "e." + own, Value: val}}}}
		if len(expired) > 0 {
			u := bson.D{}
			for _, k := range expired {
				u = append(u, bson.E{Key: "e." + k, Value: ""})
			}
			up = append(up, bson.E{Key: "$unset", Value: u})
		}
		add(id, bson.D{{Key: "e", Value: bson.D{{Key: own, Value: val}}}}, up)
	}
	agencyEvent := bson.D{{Key: "t", Value: s.At}, {Key: "o", Value: s.Overall}}
	if s.Flat {
		agencyEvent = append(agencyEvent, bson.E{Key: "f", Value: true})
	}
	events(signalID("agency", s.AgencyID), agencyEvent, st.expiredAgency)
	events(signalID("author", s.AuthorID), bson.D{{Key: "t", Value: s.At}, {Key: "a", Value: s.AgencyID}}, st.expiredAuthor)
	ce := ClientEntry{ReviewID: s.ReviewID, AuthorID: s.AuthorID}
	for _, id := range []string{signalID("fp", s.AgencyID, s.ClientFP), signalID("np", s.AgencyID, s.NetFP)} {
		if strings.HasSuffix(id, "|") || st.full[id] {
			continue // no fingerprint of that kind, or the list is full
		}
		add(id, bson.D{{Key: "u", Value: bson.A{s.AuthorID}}, {Key: "r", Value: bson.A{ce}}},
			bson.D{{Key: "$addToSet", Value: bson.D{{Key: "u", Value: s.AuthorID}, {Key: "r", Value: ce}}}})
	}
	entry := TextEntry{ReviewID: s.ReviewID, AgencyID: s.AgencyID, AuthorID: s.AuthorID}
	for _, b := range s.Bands {
		if id := signalID("lsh", b); !st.full[id] {
			add(id, bson.D{{Key: "e", Value: bson.A{entry}}}, bson.D{{Key: "$addToSet", Value: bson.D{{Key: "e", Value: entry}}}})
		}
	}
	if len(s.Sig) > 0 {
		sig := bson.D{{Key: "a", Value: s.AgencyID}, {Key: "u", Value: s.AuthorID}, {Key: "o", Value: s.Overall}, {Key: "s", Value: s.Sig}}
		if st.found != nil {
			// A new review's signature is new: inserted, and a duplicate means it is recorded.
			inserts, fallbacks = append(inserts, append(bson.D{{Key: "_id", Value: signalID("sig", s.ReviewID)}}, sig...)), append(fallbacks, nil)
		} else {
			add(signalID("sig", s.ReviewID), nil, bson.D{{Key: "$setOnInsert", Value: sig}})
		}
	}
	if len(inserts) > 0 {
		_, err := m.signals.InsertMany(ctx, inserts, options.InsertMany().SetOrdered(false))
		var bwe mongo.BulkWriteException
		switch {
		case err == nil:
		case errors.As(err, &bwe) && bwe.WriteConcernError == nil && onlyDuplicates(bwe):
			// Written by another submission since the reading: update those instead.
			for _, we := range bwe.WriteErrors {
				if f := fallbacks[we.Index]; f != nil {
					updates = append(updates, f)
				}
			}
		default:
			return Classify("record fraud-signal state", err)
		}
	}
	for attempt := 0; len(updates) > 0; attempt++ {
		_, err := m.signals.BulkWrite(ctx, updates, options.BulkWrite().SetOrdered(false))
		if err == nil {
			break
		}
		// Two first writers of one subject at once: one upsert inserts, the other may get a
		// duplicate key; written again, it updates the document the first inserted.
		var bwe mongo.BulkWriteException
		if attempt > 0 || !errors.As(err, &bwe) || bwe.WriteConcernError != nil || !onlyDuplicates(bwe) {
			return Classify("record fraud-signal state", err)
		}
	}
	if len(s.Sig) > 0 {
		m.sigMemo.Put(s.ReviewID, StoredSignature{Sig: s.Sig, Overall: s.Overall})
	}
	return nil
}

func onlyDuplicates(bwe mongo.BulkWriteException) bool {
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			return false
		}
	}
	return len(bwe.WriteErrors) > 0
}

// Signatures reads the stored signatures of the given reviews (missing ones are skipped):
// from memory, and the rest with one find.
func (m *Moderation) Signatures(ctx context.Context, reviewIDs []string) (map[string]StoredSignature, error) {
	out := make(map[string]StoredSignature, len(reviewIDs))
	missing := bson.A{}
	for _, rid := range reviewIDs {
		if d, ok := m.sigMemo.Get(rid); ok {
			out[rid] = d
			continue
		}
		missing = append(missing, signalID("sig", rid))
	}
	if len(missing) == 0 {
		return out, nil
	}
	ds, err := all[storedSignatureDoc](ctx, m.signals, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: missing}}}}, options.Find())
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		rid := strings.TrimPrefix(d.ID, "sig|")
		m.sigMemo.Put(rid, d.StoredSignature)
		out[rid] = d.StoredSignature
	}
	return out, nil
}

type storedSignatureDoc struct {
	ID              string `bson:"_id"`
	StoredSignature `bson:",inline"`
}

// maxCachedSignatures bounds the in-process signature cache (64 int64s each: about 40 MB).
const maxCachedSignatures = 80_000

// newSigCache keeps text signatures in memory. A signature is written once per review and
// never changed ($setOnInsert), so a cached copy cannot go stale, in this process or another:
// near-duplicate screening then reads each candidate's signature from the database once
// instead of once per screened review.
func newSigCache(limit int) *bounded.Map[StoredSignature] { return bounded.New[StoredSignature](limit) }

// SeedSignatures bulk-inserts signatures and bucket entries into empty state (benchmarks
// and imports only).
func (m *Moderation) SeedSignatures(ctx context.Context, entries []TextEntry, sigs [][]int64, keys [][]string) error {
	docs := make([]any, 0, len(entries))
	buckets := map[string][]TextEntry{}
	var order []string
	for i, e := range entries {
		docs = append(docs, bson.D{{Key: "_id", Value: signalID("sig", e.ReviewID)}, {Key: "a", Value: e.AgencyID}, {Key: "u", Value: e.AuthorID}, {Key: "s", Value: sigs[i]}})
		for _, k := range keys[i] {
			if _, seen := buckets[k]; !seen {
				order = append(order, k)
			}
			if len(buckets[k]) < MaxBucket {
				buckets[k] = append(buckets[k], TextEntry{ReviewID: e.ReviewID, AgencyID: e.AgencyID, AuthorID: e.AuthorID})
			}
		}
	}
	for _, k := range order {
		docs = append(docs, bson.D{{Key: "_id", Value: signalID("lsh", k)}, {Key: "e", Value: buckets[k]}})
	}
	for len(docs) > 0 {
		n := min(len(docs), 10000)
		if _, err := m.signals.InsertMany(ctx, docs[:n]); err != nil {
			return Classify("seed fraud-signal state", err)
		}
		docs = docs[n:]
	}
	return nil
}

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
)

// Users is the repository of accounts and everything sign-in needs:
//
//	users             one document per account (_id = user ID)
//	usernames         _id = username key (confusable skeleton) → user_id: makes names unique
//	sessions          refresh-token families (_id = session ID); only token hashes are stored
//	auth_revocations  recently revoked sessions and users, so access tokens die before expiry
//	rate_counters     account-level rate-limit windows
//	login_throttle    failed sign-in counters (per account, and per account and client)
//	agency_claims     workers' requests to represent an agency, decided by an admin
//	agency_reps       _id = agency ID → the user IDs of its approved representatives
//	password_resets   _id = SHA-256 of a recovery link's secret → user, expiry, use
//	password_resets_used  _id = the same hash, inserted once when the link is used (the claim)
//
// Every hot lookup is by _id (FerretDB v1 pushes only _id equality down to SQL).
type Users struct {
	users, names, sessions, revocations, counters, throttle, claims, reps, resets, resetsUsed *mongo.Collection
}

// NewUsers returns the accounts repository of db.
func NewUsers(db *mongo.Database) *Users {
	return &Users{
		users: db.Collection("users"), names: db.Collection("usernames"), sessions: db.Collection("sessions"),
		revocations: db.Collection("auth_revocations"), counters: db.Collection("rate_counters"),
		throttle: db.Collection("login_throttle"), claims: db.Collection("agency_claims"), reps: db.Collection("agency_reps"),
		resets: db.Collection("password_resets"), resetsUsed: db.Collection("password_resets_used"),
	}
}

// AuthCollections are the collections sign-in and rate limiting may write to even when the
// request is refused (failed sign-in counters, rate-limit windows).
var AuthCollections = []string{"rate_counters", "login_throttle", "auth_revocations"}

func userIndexes(ctx context.Context, db *mongo.Database) error {
	if err := EnsureIndexes(ctx, db.Collection("users"),
		mongo.IndexModel{Keys: bson.D{{Key: "role", Value: 1}, {Key: "created_at", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "agency_id", Value: 1}}}); err != nil {
		return err
	}
	if err := EnsureIndexes(ctx, db.Collection("sessions"),
		mongo.IndexModel{Keys: bson.D{{Key: "user_id", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "expires_at", Value: 1}}}); err != nil {
		return err
	}
	if err := EnsureIndexes(ctx, db.Collection("agency_claims"),
		mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}, {Key: "created_at", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "user_id", Value: 1}}}); err != nil {
		return err
	}
	if err := EnsureIndexes(ctx, db.Collection("rate_counters"),
		mongo.IndexModel{Keys: bson.D{{Key: "until", Value: 1}}}); err != nil {
		return err
	}
	return EnsureIndexes(ctx, db.Collection("auth_revocations"),
		mongo.IndexModel{Keys: bson.D{{Key: "until", Value: 1}}})
}

// ---- usernames ----

// ReserveUsername claims key for userID; ErrConflict when it is taken.
func (s *Users) ReserveUsername(ctx context.Context, key, userID string, at time.Time) error {
	_, err := s.names.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "user_id", Value: userID}, {Key: "at", Value: at}})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("store: this username is taken: %w", kawan.ErrConflict)
	}
	return Classify("reserve username", err)
}

// UsernameOwner returns the user ID holding key and when it was reserved (ErrNotFound if free).
func (s *Users) UsernameOwner(ctx context.Context, key string) (string, time.Time, error) {
	var d struct {
		UserID string    `bson:"user_id"`
		At     time.Time `bson:"at"`
	}
	if err := s.names.FindOne(ctx, id(key)).Decode(&d); err != nil {
		return "", time.Time{}, Classify("username", err)
	}
	return d.UserID, d.At, nil
}

// TakeOverUsername moves a reservation whose account was never created (a crash between
// reserving and inserting) from oldUser to newUser, with compare-and-set.
func (s *Users) TakeOverUsername(ctx context.Context, key, oldUser, newUser string, at time.Time) (bool, error) {
	res, err := s.names.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "user_id", Value: oldUser}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "user_id", Value: newUser}, {Key: "at", Value: at}}}})
	if err != nil {
		return false, Classify("take over username", err)
	}
	return res.ModifiedCount == 1, nil
}

// ReleaseUsername frees key if userID holds it.
func (s *Users) ReleaseUsername(ctx context.Context, key, userID string) error {
	_, err := s.names.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "user_id", Value: userID}})
	return Classify("release username", err)
}

// ---- users ----

// InsertUser stores a new account.
func (s *Users) InsertUser(ctx context.Context, u *kawan.User) error {
	_, err := s.users.InsertOne(ctx, u)
	return Classify("insert user", err)
}

// User reads one account.
func (s *Users) User(ctx context.Context, userID string) (*kawan.User, error) {
	var u kawan.User
	if err := s.users.FindOne(ctx, id(userID)).Decode(&u); err != nil {
		return nil, Classify("user", err)
	}
	return &u, nil
}

// UpdateUser sets fields of one account (and updated_at); ErrNotFound if it is gone.
func (s *Users) UpdateUser(ctx context.Context, userID string, set bson.D, now time.Time) error {
	set = append(set, bson.E{Key: "updated_at", Value: now})
	res, err := s.users.UpdateOne(ctx, id(userID), bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return Classify("update user", err)
	}
	if res.MatchedCount == 0 {
		return errNotFound("user")
	}
	return nil
}

// SetRole changes an account's role and agency if its role is still from (compare-and-set).
func (s *Users) SetRole(ctx context.Context, userID string, from, to kawan.Role, agencyID string, now time.Time) (bool, error) {
	upd := bson.D{{Key: "$set", Value: bson.D{{Key: "role", Value: to}, {Key: "updated_at", Value: now}}}}
	if agencyID != "" {
		upd[0].Value = append(upd[0].Value.(bson.D), bson.E{Key: "agency_id", Value: agencyID})
	} else {
		upd = append(upd, bson.E{Key: "$unset", Value: bson.D{{Key: "agency_id", Value: ""}}})
	}
	res, err := s.users.UpdateOne(ctx, bson.D{{Key: "_id", Value: userID}, {Key: "role", Value: from}}, upd)
	if err != nil {
		return false, Classify("set role", err)
	}
	return res.MatchedCount == 1, nil
}

// DeleteUser removes an account document.
func (s *Users) DeleteUser(ctx context.Context, userID string) error {
	_, err := s.users.DeleteOne(ctx, id(userID))
	return Classify("delete user", err)
}

// ListUsers lists accounts (optionally of one role), oldest first, with the total.
func (s *Users) ListUsers(ctx context.Context, role kawan.Role, skip, limit int) ([]kawan.User, int64, error) {
	f := bson.D{}
	if role != "" {
		f = bson.D{{Key: "role", Value: role}}
	}
	total, err := s.users.CountDocuments(ctx, f)
	if err != nil {
		return nil, 0, Classify("count users", err)
	}
	cur, err := s.users.Find(ctx, f, options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}).
		SetSkip(int64(skip)).SetLimit(int64(min(max(limit, 1), 100))))
	if err != nil {
		return nil, 0, Classify("list users", err)
	}
	var out []kawan.User
	if err := cur.All(ctx, &out); err != nil {
		return nil, 0, Classify("read users", err)
	}
	return out, total, nil
}

// CountRole counts the accounts with a role (e.g. to keep at least one admin).
func (s *Users) CountRole(ctx context.Context, role kawan.Role) (int64, error) {
	n, err := s.users.CountDocuments(ctx, bson.D{{Key: "role", Value: role}})
	return n, Classify("count users", err)
}

// ---- sessions (refresh-token families) ----

// Session is one refresh-token family: a sign-in on one device. Only SHA-256 hashes of the
// refresh secrets are stored. Hash is the current token; Previous holds the hashes of
// tokens already used (most recent first, bounded), so re-use of one is recognised.
type Session struct {
	ID         string    `bson:"_id" json:"id"`
	UserID     string    `bson:"user_id" json:"-"`
	Hash       string    `bson:"hash" json:"-"`
	Previous   []string  `bson:"previous" json:"-"`
	Generation int64     `bson:"generation" json:"generation"`
	ClientFP   string    `bson:"client_fp,omitempty" json:"-"`
	CreatedAt  time.Time `bson:"created_at" json:"created_at"`
	LastUsedAt time.Time `bson:"last_used_at" json:"last_used_at"`
	ExpiresAt  time.Time `bson:"expires_at" json:"expires_at"`
	RevokedAt  time.Time `bson:"revoked_at,omitempty" json:"revoked_at,omitzero"`
	Revoked    string    `bson:"revoked,omitempty" json:"revoked_reason,omitempty"` // why: logout, reuse, erase, role
}

// InsertSession stores a new family.
func (s *Users) InsertSession(ctx context.Context, ss *Session) error {
	_, err := s.sessions.InsertOne(ctx, ss)
	return Classify("insert session", err)
}

// Session reads one family.
func (s *Users) Session(ctx context.Context, sid string) (*Session, error) {
	var ss Session
	if err := s.sessions.FindOne(ctx, id(sid)).Decode(&ss); err != nil {
		return nil, Classify("session", err)
	}
	return &ss, nil
}

// RotateSession replaces the current token hash oldHash with newHash, if oldHash is still
// current and the family is not revoked (compare-and-set). previous is the new list of
// used hashes (the caller appends oldHash and bounds it).
func (s *Users) RotateSession(ctx context.Context, sid, oldHash, newHash string, previous []string, now time.Time) (bool, error) {
	res, err := s.sessions.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: sid}, {Key: "hash", Value: oldHash}, {Key: "revoked", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "hash", Value: newHash}, {Key: "previous", Value: previous}, {Key: "last_used_at", Value: now}}},
			{Key: "$inc", Value: bson.D{{Key: "generation", Value: 1}}}})
	if err != nil {
		return false, Classify("rotate session", err)
	}
	return res.ModifiedCount == 1, nil
}

// RevokeSession marks a family revoked (idempotent: the first reason stays).
func (s *Users) RevokeSession(ctx context.Context, sid, reason string, now time.Time) error {
	_, err := s.sessions.UpdateOne(ctx, bson.D{{Key: "_id", Value: sid}, {Key: "revoked", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: reason}, {Key: "revoked_at", Value: now}}}})
	return Classify("revoke session", err)
}

// UserSessions lists an account's families (newest first, at most 1000).
func (s *Users) UserSessions(ctx context.Context, userID string) ([]Session, error) {
	cur, err := s.sessions.Find(ctx, bson.D{{Key: "user_id", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}).SetLimit(1000))
	if err != nil {
		return nil, Classify("list sessions", err)
	}
	var out []Session
	if err := cur.All(ctx, &out); err != nil {
		return nil, Classify("read sessions", err)
	}
	return out, nil
}

// RevokeUserSessions revokes every live family of an account.
func (s *Users) RevokeUserSessions(ctx context.Context, userID, reason string, now time.Time) error {
	_, err := s.sessions.UpdateMany(ctx, bson.D{{Key: "user_id", Value: userID}, {Key: "revoked", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: reason}, {Key: "revoked_at", Value: now}}}})
	return Classify("revoke sessions", err)
}

// DeleteUserSessions removes every family of an account (erasure).
func (s *Users) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return Classify("delete sessions", err)
}

// PurgeSessions deletes families that expired or were revoked before t (no TTL indexes).
func (s *Users) PurgeSessions(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: before}}}},
		bson.D{{Key: "revoked_at", Value: bson.D{{Key: "$lt", Value: before}}}},
	}}})
	if err != nil {
		return 0, Classify("purge sessions", err)
	}
	return res.DeletedCount, nil
}

// ---- revocations of access tokens ----

// Revocation says: access tokens of this session ("s:<sid>"), or of this user issued
// before At ("u:<user>"), are no longer accepted. Kept until Until (the longest an access
// token issued before At can live), then purged.
type Revocation struct {
	ID    string    `bson:"_id"`
	At    time.Time `bson:"at"`
	Until time.Time `bson:"until"`
}

// AddRevocation records (or moves forward) a revocation.
func (s *Users) AddRevocation(ctx context.Context, r Revocation) error {
	_, err := s.revocations.UpdateOne(ctx, id(r.ID),
		bson.D{{Key: "$max", Value: bson.D{{Key: "at", Value: r.At}, {Key: "until", Value: r.Until}}}},
		options.UpdateOne().SetUpsert(true))
	return Classify("add revocation", err)
}

// Revocations lists the revocations still in force at now (a small collection: entries
// live only as long as an access token).
func (s *Users) Revocations(ctx context.Context, now time.Time) ([]Revocation, error) {
	cur, err := s.revocations.Find(ctx, bson.D{{Key: "until", Value: bson.D{{Key: "$gte", Value: now}}}}, options.Find().SetLimit(100000))
	if err != nil {
		return nil, Classify("list revocations", err)
	}
	var out []Revocation
	if err := cur.All(ctx, &out); err != nil {
		return nil, Classify("read revocations", err)
	}
	return out, nil
}

// PurgeRevocations deletes revocations no longer needed.
func (s *Users) PurgeRevocations(ctx context.Context, now time.Time) error {
	_, err := s.revocations.DeleteMany(ctx, bson.D{{Key: "until", Value: bson.D{{Key: "$lt", Value: now}}}})
	return Classify("purge revocations", err)
}

// ---- account-level rate limits ----

// Hit counts one event in the fixed window of length window containing now, for key, and
// returns the count so far in this window and when the window ends.
func (s *Users) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, time.Time, error) {
	start := now.Truncate(window)
	end := start.Add(window)
	var d struct {
		N int64 `bson:"n"`
	}
	err := s.counters.FindOneAndUpdate(ctx, id(key+"|"+start.UTC().Format(time.RFC3339)),
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}, {Key: "$set", Value: bson.D{{Key: "until", Value: end}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return 0, end, Classify("rate counter", err)
	}
	return d.N, end, nil
}

// PurgeCounters deletes rate windows that ended before t.
func (s *Users) PurgeCounters(ctx context.Context, before time.Time) error {
	_, err := s.counters.DeleteMany(ctx, bson.D{{Key: "until", Value: bson.D{{Key: "$lt", Value: before}}}})
	return Classify("purge rate counters", err)
}

// ---- failed sign-in counters ----

// Throttle is the failed sign-in state of one key.
type Throttle struct {
	ID       string    `bson:"_id"`
	Failures int64     `bson:"failures"`
	Last     time.Time `bson:"last"`
	Until    time.Time `bson:"until"` // no attempt before this
}

// Throttle reads a key's state (zero value when there is none).
func (s *Users) Throttle(ctx context.Context, key string) (Throttle, error) {
	var t Throttle
	err := s.throttle.FindOne(ctx, id(key)).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Throttle{ID: key}, nil
	}
	return t, Classify("login throttle", err)
}

// RecordFailure counts a failed sign-in for key: the count restarts when the last failure
// is older than reset; backoff(n) says how long to refuse attempts after n failures.
func (s *Users) RecordFailure(ctx context.Context, key string, now time.Time, reset time.Duration, backoff func(int64) time.Duration) (Throttle, error) {
	t, err := s.Throttle(ctx, key)
	if err != nil {
		return t, err
	}
	if now.Sub(t.Last) > reset {
		t.Failures = 0
	}
	t.Failures++
	t.Last = now
	t.Until = now.Add(backoff(t.Failures))
	_, err = s.throttle.UpdateOne(ctx, id(key), bson.D{{Key: "$set", Value: bson.D{
		{Key: "failures", Value: t.Failures}, {Key: "last", Value: t.Last}, {Key: "until", Value: t.Until}}}},
		options.UpdateOne().SetUpsert(true))
	return t, Classify("record failed sign-in", err)
}

// ClearThrottle forgets a key's failures (after a successful sign-in).
func (s *Users) ClearThrottle(ctx context.Context, key string) error {
	_, err := s.throttle.DeleteOne(ctx, id(key))
	return Classify("clear login throttle", err)
}

// PurgeThrottle deletes failure counters last touched before t.
func (s *Users) PurgeThrottle(ctx context.Context, before time.Time) error {
	_, err := s.throttle.DeleteMany(ctx, bson.D{{Key: "last", Value: bson.D{{Key: "$lt", Value: before}}}})
	return Classify("purge login throttle", err)
}

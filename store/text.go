package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// TextSessions is the repository of the text channels' per-sender state ("text_sessions",
// one document per sender, _id the sender's keyed HMAC: never the number or chat ID),
// their seen-message markers ("text_seen", replay protection) and their short links
// ("text_links"). Documents carry expires_at and are swept (FerretDB v1 has no TTL index).
type TextSessions struct{ s, seen, links, follows, codes *mongo.Collection }

// NewTextSessions returns the text-channel repository of db.
func NewTextSessions(db *mongo.Database) *TextSessions {
	return &TextSessions{s: db.Collection("text_sessions"), seen: db.Collection("text_seen"), links: db.Collection("text_links"),
		follows: db.Collection("text_follows"), codes: db.Collection("text_codes")}
}

func textIndexes(ctx context.Context, db *mongo.Database) error {
	for _, c := range []string{"text_sessions", "text_seen", "text_codes"} {
		if err := EnsureIndexes(ctx, db.Collection(c), mongo.IndexModel{Keys: bson.D{{Key: "expires_at", Value: 1}}}); err != nil {
			return err
		}
	}
	return EnsureIndexes(ctx, db.Collection("text_follows"), mongo.IndexModel{Keys: bson.D{{Key: "agency_id", Value: 1}}})
}

// TextSession is one sender's state. Key is the sender's HMAC.
type TextSession struct {
	Key     string   `bson:"_id"`
	Lang    string   `bson:"lang,omitempty"`
	Country string   `bson:"country,omitempty"` // the sender's country from the number's calling code
	Choices []string `bson:"choices,omitempty"` // agency IDs offered for a numbered reply
	// Channel and Address reach the sender on a channel that sends (a chat ID, never a phone
	// number; empty elsewhere).
	Channel   string    `bson:"channel,omitempty"`
	Address   string    `bson:"address,omitempty"`
	Count     int       `bson:"count"`
	UpdatedAt time.Time `bson:"updated_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// Session returns the sender's unexpired session (found false when none).
func (t *TextSessions) Session(ctx context.Context, key string, now time.Time) (TextSession, bool, error) {
	var s TextSession
	err := t.s.FindOne(ctx, id(key)).Decode(&s)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return TextSession{}, false, nil
	}
	if err != nil {
		return TextSession{}, false, Classify("read text session", err)
	}
	if !s.ExpiresAt.After(now) {
		return TextSession{}, false, nil
	}
	return s, true, nil
}

// PutSession writes the sender's session (one upsert by _id).
func (t *TextSessions) PutSession(ctx context.Context, s TextSession) error {
	_, err := t.s.ReplaceOne(ctx, id(s.Key), s, options.Replace().SetUpsert(true))
	return Classify("write text session", err)
}

// FirstSeen records a channel's message ID (kind|id) until expires and reports whether it was
// new: a second delivery of the same message (a replay) is false. One insert.
func (t *TextSessions) FirstSeen(ctx context.Context, key string, expires time.Time) (bool, error) {
	_, err := t.seen.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "expires_at", Value: expires.UTC()}})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, Classify("record text message", err)
	}
	return true, nil
}

// Link returns the target a short code stands for ("" when unknown).
func (t *TextSessions) Link(ctx context.Context, code string) (string, error) {
	var d struct {
		Target string `bson:"target"`
	}
	err := t.links.FindOne(ctx, id(code)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	return d.Target, Classify("read short link", err)
}

// PutLink makes code stand for target unless it already stands for something; it returns
// the target code stands for afterwards (a different one: a collision).
func (t *TextSessions) PutLink(ctx context.Context, code, target string) (string, error) {
	var d struct {
		Target string `bson:"target"`
	}
	err := t.links.FindOneAndUpdate(ctx, id(code), bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "target", Value: target}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return "", Classify("write short link", err)
	}
	return d.Target, nil
}

// TextFollow is one text sender following one agency: the sender's HMAC and the address the
// channel sends to (a chat ID or platform user ID, never a phone number).
type TextFollow struct {
	ID       string    `bson:"_id"` // "<sender>|<agency>"
	Sender   string    `bson:"sender"`
	AgencyID string    `bson:"agency_id"`
	Channel  string    `bson:"channel"`
	Address  string    `bson:"address"`
	Lang     string    `bson:"lang"`
	Since    time.Time `bson:"since"`
	// Seen is the newest change already sent (the agency's history event ID).
	Seen string `bson:"seen,omitempty"`
}

// MaxTextFollows bounds one sender's follows.
const MaxTextFollows = 20

// Follow subscribes a sender to an agency (again: no change).
func (t *TextSessions) Follow(ctx context.Context, f TextFollow) error {
	f.ID = f.Sender + "|" + f.AgencyID
	n, err := t.follows.CountDocuments(ctx, bson.D{{Key: "sender", Value: f.Sender}})
	if err != nil {
		return Classify("count text follows", err)
	}
	if n >= MaxTextFollows {
		return ErrTooManyFollows
	}
	_, err = t.follows.UpdateOne(ctx, id(f.ID), bson.D{{Key: "$setOnInsert", Value: f}}, options.UpdateOne().SetUpsert(true))
	return Classify("write text follow", err)
}

// ErrTooManyFollows is Follow's answer past MaxTextFollows.
var ErrTooManyFollows = errors.New("store: too many text follows")

// Unfollow ends every subscription of a sender and returns how many there were.
func (t *TextSessions) Unfollow(ctx context.Context, sender string) (int, error) {
	res, err := t.follows.DeleteMany(ctx, bson.D{{Key: "sender", Value: sender}})
	if err != nil {
		return 0, Classify("delete text follows", err)
	}
	return int(res.DeletedCount), nil
}

// FollowsOf lists a sender's follows (at most MaxTextFollows).
func (t *TextSessions) FollowsOf(ctx context.Context, sender string) ([]TextFollow, error) {
	return t.findFollows(ctx, bson.D{{Key: "sender", Value: sender}}, MaxTextFollows)
}

// AllFollows lists up to limit follows (the notifier's scan; small collections).
func (t *TextSessions) AllFollows(ctx context.Context, limit int) ([]TextFollow, error) {
	return t.findFollows(ctx, bson.D{}, limit)
}

func (t *TextSessions) findFollows(ctx context.Context, f bson.D, limit int) ([]TextFollow, error) {
	cur, err := t.follows.Find(ctx, f, options.Find().SetLimit(int64(limit)).SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, Classify("list text follows", err)
	}
	var out []TextFollow
	if err := cur.All(ctx, &out); err != nil {
		return nil, Classify("list text follows", err)
	}
	return out, nil
}

// MarkSeen records the newest change sent to a follow (compare-and-set on the previous one).
func (t *TextSessions) MarkSeen(ctx context.Context, followID, prev, seen string) (bool, error) {
	filter := bson.D{{Key: "_id", Value: followID}}
	if prev == "" {
		filter = append(filter, bson.E{Key: "seen", Value: bson.D{{Key: "$exists", Value: false}}})
	} else {
		filter = append(filter, bson.E{Key: "seen", Value: prev})
	}
	res, err := t.follows.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "seen", Value: seen}}}})
	if err != nil {
		return false, Classify("mark text follow", err)
	}
	return res.ModifiedCount == 1, nil
}

// Sweep deletes expired sessions and seen-message markers.
func (t *TextSessions) Sweep(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	for _, c := range []*mongo.Collection{t.s, t.seen, t.codes} {
		res, err := c.DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}})
		if err != nil {
			return n, Classify("sweep text sessions", err)
		}
		n += res.DeletedCount
	}
	return n, nil
}

// PutCode stores a web confirmation code for a sender: _id is the code's hash (the code
// itself is never stored), valid until expires.
func (t *TextSessions) PutCode(ctx context.Context, codeHash, sender string, expires time.Time) error {
	_, err := t.codes.ReplaceOne(ctx, id(codeHash), bson.D{{Key: "sender", Value: sender}, {Key: "expires_at", Value: expires.UTC()}},
		options.Replace().SetUpsert(true))
	return Classify("write text code", err)
}

// CodeSender returns the sender an unexpired code hash stands for ("" when none).
func (t *TextSessions) CodeSender(ctx context.Context, codeHash string, now time.Time) (string, error) {
	var d struct {
		Sender    string    `bson:"sender"`
		ExpiresAt time.Time `bson:"expires_at"`
	}
	err := t.codes.FindOne(ctx, id(codeHash)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	if err != nil {
		return "", Classify("read text code", err)
	}
	if !d.ExpiresAt.After(now) {
		return "", nil
	}
	return d.Sender, nil
}

// UnfollowOne ends one subscription of a sender (none: no error).
func (t *TextSessions) UnfollowOne(ctx context.Context, sender, agencyID string) error {
	_, err := t.follows.DeleteOne(ctx, id(sender+"|"+agencyID))
	return Classify("delete text follow", err)
}

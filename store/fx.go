package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/fx"
)

// FX is the repository of the remittance engine: the last accepted copy of every feed
// ("fx_feeds", so a restart or a new process starts from good data even when a source is
// down) and the quote history ("fx_history", one document per corridor and UTC day).
//
// fx_history schema (documented for stats and the frontend; read it through Days):
//
//	_id              "SGD-PHP|2026-11-22"   corridor key and UTC day: every read is by _id
//	corridor         "SGD-PHP"
//	send_currency    "SGD", receive_currency "PHP"
//	day              "2026-11-22"
//	slots            ["2026-11-22T08:00:00Z", …]  hours already sampled (one sample per hour)
//	sum_cost_bp      Σ total_cost_percent of every fresh quote sampled that day, in hundredths of a percent
//	count            how many quotes that sum holds: the daily average is sum_cost_bp / count / 100
//	min_cost_bp, max_cost_bp
//	points           [{at, provider, payout_method, funding_method, exchange_rate, mid_rate, send_amount,
//	                   fee, receive_amount, fx_margin_percent, total_cost_percent, cost_bp, stale}]
//
// Money and rates are decimal strings; cost_bp is an exact integer (percentages have two
// decimals), which lets several processes add samples with $inc and no floats. A sample is
// recorded once per corridor and hour: the update is conditional on the hour not being in
// slots, so every process may run the recorder and none double-counts.
//
// fx_history_days holds, per corridor (_id "SGD-PHP"), the list of days that have a history
// document ("days": ["2026-11-21", …]), so a range read fetches only days that exist:
// on FerretDB a lookup of a missing _id costs far more than one of a present _id.
type FX struct {
	feeds *mongo.Collection
	hist  *mongo.Collection
	index *mongo.Collection
}

// NewFX returns the fx repository of db.
func NewFX(db *mongo.Database) *FX {
	return &FX{feeds: db.Collection("fx_feeds"), hist: db.Collection("fx_history"), index: db.Collection("fx_history_days")}
}

// addDays records that a corridor has history on the given days.
func (s *FX) addDays(ctx context.Context, corridor string, days ...string) error {
	_, err := s.index.UpdateOne(ctx, bson.D{{Key: "_id", Value: corridor}},
		bson.D{{Key: "$addToSet", Value: bson.D{{Key: "days", Value: bson.D{{Key: "$each", Value: days}}}}}},
		options.UpdateOne().SetUpsert(true))
	return Classify("index fx history", err)
}

// HistoryDays returns the days (YYYY-MM-DD, ascending) on which a corridor has history.
func (s *FX) HistoryDays(ctx context.Context, corridor string) ([]string, error) {
	var doc struct {
		Days []string `bson:"days"`
	}
	err := s.index.FindOne(ctx, bson.D{{Key: "_id", Value: corridor}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, Classify("read fx history index", err)
	}
	slices.Sort(doc.Days)
	return doc.Days, nil
}

// Day returns one corridor-day document; kawan.ErrNotFound when there is none.
func (s *FX) Day(ctx context.Context, corridor, day string) (FXDay, error) {
	var d FXDay
	err := s.hist.FindOne(ctx, bson.D{{Key: "_id", Value: corridor + "|" + day}}).Decode(&d)
	return d, Classify("read fx history "+corridor+" "+day, err)
}

// fxIndexes serve MongoDB deployments that scan history by corridor and day (stats exports);
// the API reads by _id only.
func fxIndexes(ctx context.Context, db *mongo.Database) error {
	return EnsureIndexes(ctx, db.Collection("fx_history"),
		mongo.IndexModel{Keys: bson.D{{Key: "corridor", Value: 1}, {Key: "day", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "day", Value: 1}}})
}

// SaveFeed stores an accepted feed unless a copy fetched later is already stored.
func (s *FX) SaveFeed(ctx context.Context, f FXFeed) error {
	f.FetchedAt = f.FetchedAt.UTC().Truncate(time.Millisecond)
	_, err := s.feeds.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: f.Key}, {Key: "fetched_at", Value: bson.D{{Key: "$lt", Value: f.FetchedAt}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "source", Value: f.Source}, {Key: "format", Value: f.Format},
			{Key: "data", Value: f.Data}, {Key: "fetched_at", Value: f.FetchedAt}}}},
		options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return nil // a newer copy is stored
	}
	return Classify("save fx feed", err)
}

// Feeds returns every stored feed (a few dozen documents; read at start-up).
func (s *FX) Feeds(ctx context.Context) ([]FXFeed, error) {
	cur, err := s.feeds.Find(ctx, bson.D{}, options.Find().SetLimit(10000))
	if err != nil {
		return nil, Classify("list fx feeds", err)
	}
	var out []FXFeed
	if err := cur.All(ctx, &out); err != nil {
		return nil, Classify("read fx feeds", err)
	}
	return out, nil
}

// FXPoint, FXDay and FXFeed are the documents of the fx collections; the types live in
// package fx (which must not import store), so both sides share one definition.
type (
	FXPoint = fx.HistoryPoint
	FXDay   = fx.HistoryDay
	FXFeed  = fx.SavedFeed
)

// FXDayID is the fx_history _id of a corridor ("SGD-PHP") on a UTC day.
func FXDayID(corridor string, day time.Time) string { return fx.DayID(corridor, day) }

// RecordSlot adds one hour's sample of a corridor: the points, and the fresh points' costs
// to the day's sums. It reports false when that hour was already recorded (by this or
// another process). slot is truncated to the hour.
func (s *FX) RecordSlot(ctx context.Context, send, receive string, slot time.Time, pts []FXPoint) (bool, error) {
	slot = slot.UTC().Truncate(time.Hour)
	corridor := send + "-" + receive
	var sum, n int64
	var lo, hi int64
	for _, p := range pts {
		if p.Stale {
			continue
		}
		if n == 0 || p.CostBP < lo {
			lo = p.CostBP
		}
		if n == 0 || p.CostBP > hi {
			hi = p.CostBP
		}
		sum += p.CostBP
		n++
	}
	slotStr := slot.Format(time.RFC3339)
	update := bson.D{
		{Key: "$setOnInsert", Value: bson.D{{Key: "corridor", Value: corridor}, {Key: "send_currency", Value: send},
			{Key: "receive_currency", Value: receive}, {Key: "day", Value: slot.Format(time.DateOnly)}}},
		{Key: "$push", Value: bson.D{{Key: "points", Value: bson.D{{Key: "$each", Value: pts}}}, {Key: "slots", Value: slotStr}}},
		{Key: "$inc", Value: bson.D{{Key: "sum_cost_bp", Value: sum}, {Key: "count", Value: n}}},
	}
	if n > 0 {
		update = append(update,
			bson.E{Key: "$min", Value: bson.D{{Key: "min_cost_bp", Value: lo}}},
			bson.E{Key: "$max", Value: bson.D{{Key: "max_cost_bp", Value: hi}}})
	}
	// The index first: a day listed without a document reads as empty, never the reverse.
	if err := s.addDays(ctx, corridor, slot.Format(time.DateOnly)); err != nil {
		return false, err
	}
	res, err := s.hist.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: FXDayID(corridor, slot)}, {Key: "slots", Value: bson.D{{Key: "$ne", Value: slotStr}}}},
		update, options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, Classify("record fx history", err)
	}
	return res.ModifiedCount+res.UpsertedCount > 0, nil
}

// MaxFXDays bounds one history read.
const MaxFXDays = 400

// Days returns a corridor's history documents for the UTC days from..to (inclusive), oldest
// first, skipping days with no data. Each day is read by _id.
func (s *FX) Days(ctx context.Context, corridor string, from, to time.Time) ([]FXDay, error) {
	from, to = from.UTC().Truncate(24*time.Hour), to.UTC().Truncate(24*time.Hour)
	if to.Before(from) {
		return nil, nil
	}
	if to.Sub(from) > MaxFXDays*24*time.Hour {
		return nil, fmt.Errorf("store: fx history: at most %d days at once", MaxFXDays)
	}
	have, err := s.HistoryDays(ctx, corridor)
	if err != nil {
		return nil, err
	}
	lo, hi := from.Format(time.DateOnly), to.Format(time.DateOnly)
	var out []FXDay
	for _, day := range have {
		if day < lo || day > hi {
			continue
		}
		d, err := s.Day(ctx, corridor, day)
		if errors.Is(err, kawan.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// InsertDays writes whole history days that do not exist yet (the demo loader's fictional
// history); days already present are left alone.
func (s *FX) InsertDays(ctx context.Context, days []FXDay) error {
	if len(days) == 0 {
		return nil
	}
	byCorridor := map[string][]string{}
	docs := make([]any, len(days))
	for i := range days {
		docs[i] = days[i]
		byCorridor[days[i].Corridor] = append(byCorridor[days[i].Corridor], days[i].Day)
	}
	for c, ds := range byCorridor {
		if err := s.addDays(ctx, c, ds...); err != nil {
			return err
		}
	}
	_, err := s.hist.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return Classify("insert fx history", err)
	}
	return nil
}

// BackgroundCollections are written by background jobs on their own schedule, whatever
// requests arrive: the fx refresher (saved feeds, hourly history) and the statistics' cost
// recorder, which prices the fx snapshot. Tests that check refused requests change nothing
// leave them out.
var BackgroundCollections = []string{"fx_feeds", "fx_history", "fx_history_days", "stats_remittance_costs"}

package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/rpw"
)

// RPW is the repository of the World Bank survey (package rpw):
//
//	rpw_surveys  _id "<import>|SGPPHL|2025_3Q|SGD": one country corridor, period and send
//	             currency (rpw.Survey: services with their USD 200 / USD 500 prices as decimal
//	             strings, the corridor's averages and SmaRT); immutable once written
//	rpw_index    _id "current": gen (the import that wrote it), updated_at, entries[] {key, doc,
//	             pair "SGD-PHP", period, hash}: which survey documents are current
//
// An import inserts its documents, then replaces the index with one compare-and-set on gen
// (one document: atomic on both stores), then deletes what it superseded. Reads go by _id.
type RPW struct {
	surveys *mongo.Collection
	index   *mongo.Collection
}

// NewRPW returns the survey repository of db.
func NewRPW(db *mongo.Database) *RPW {
	return &RPW{surveys: db.Collection("rpw_surveys"), index: db.Collection("rpw_index")}
}

const rpwIndexID = "current"

// Index returns the current index (zero when nothing was imported).
func (s *RPW) Index(ctx context.Context) (rpw.Index, error) {
	var idx rpw.Index
	err := s.index.FindOne(ctx, bson.D{{Key: "_id", Value: rpwIndexID}}).Decode(&idx)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return rpw.Index{}, nil
	}
	return idx, Classify("read rpw index", err)
}

// PutSurveys inserts survey documents; one already present is left as it is.
func (s *RPW) PutSurveys(ctx context.Context, ss []rpw.Survey) error {
	if len(ss) == 0 {
		return nil
	}
	docs := make([]any, len(ss))
	for i := range ss {
		docs[i] = &ss[i]
	}
	_, err := s.surveys.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return Classify("insert rpw surveys", err)
	}
	return nil
}

// CommitIndex replaces the index of generation prevGen by idx (compare-and-set).
func (s *RPW) CommitIndex(ctx context.Context, prevGen string, idx rpw.Index) error {
	fields := bson.D{{Key: "gen", Value: idx.Gen}, {Key: "updated_at", Value: idx.UpdatedAt}, {Key: "entries", Value: idx.Entries}}
	if prevGen == "" {
		_, err := s.index.InsertOne(ctx, append(bson.D{{Key: "_id", Value: rpwIndexID}}, fields...))
		return Classify("commit rpw index", err) // a duplicate key is a lost race: ErrConflict
	}
	res, err := s.index.UpdateOne(ctx, bson.D{{Key: "_id", Value: rpwIndexID}, {Key: "gen", Value: prevGen}},
		bson.D{{Key: "$set", Value: fields}})
	if err != nil {
		return Classify("commit rpw index", err)
	}
	if res.MatchedCount == 0 {
		return errors.Join(kawan.ErrConflict, errors.New("store: commit rpw index: another import committed first"))
	}
	return nil
}

// Surveys reads survey documents by _id.
func (s *RPW) Surveys(ctx context.Context, ids []string) ([]rpw.Survey, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return all[rpw.Survey](ctx, s.surveys, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find().SetLimit(int64(len(ids))))
}

// SurveyIDs lists every survey document's _id and import time.
func (s *RPW) SurveyIDs(ctx context.Context) (map[string]time.Time, error) {
	docs, err := all[struct {
		ID string    `bson:"_id"`
		At time.Time `bson:"imported_at"`
	}](ctx, s.surveys, bson.D{}, options.Find().SetProjection(bson.D{{Key: "imported_at", Value: 1}}).SetLimit(4*rpw.MaxSurveys))
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(docs))
	for _, d := range docs {
		out[d.ID] = d.At
	}
	return out, nil
}

// DeleteSurveys removes survey documents by _id.
func (s *RPW) DeleteSurveys(ctx context.Context, ids []string) error {
	for i := 0; i < len(ids); i += 500 {
		_, err := s.surveys.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids[i:min(i+500, len(ids))]}}}})
		if err != nil {
			return Classify("delete rpw surveys", err)
		}
	}
	return nil
}

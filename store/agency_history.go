package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
)

// AgencyHistory is the repository of agencies' status histories ("agency_history"): one
// document per agency, _id = the agency ID, with its events oldest first (so a read is one
// _id look-up, which FerretDB answers from its primary key). Events are only ever appended.
type AgencyHistory struct {
	c *mongo.Collection
}

// NewAgencyHistory returns the history repository of db.
func NewAgencyHistory(db *mongo.Database) *AgencyHistory {
	return &AgencyHistory{c: db.Collection("agency_history")}
}

// History returns the history repository of the agencies' database.
func (s *Agencies) History() *AgencyHistory { return NewAgencyHistory(s.c.Database()) }

// agencyHistoryIndexes: none beyond _id (set-up step 201 keeps the collection's creation in
// the ordered steps).
func agencyHistoryIndexes(ctx context.Context, db *mongo.Database) error {
	return nil
}

// MaxHistoryEvents bounds the events read for one agency.
const MaxHistoryEvents = 1000

// Append adds events to their agencies' histories (events[i].AgencyID), in one bulk write.
// Event IDs are stable for the same change on the same list; an event whose ID is already in
// the history (a write retried after a crash) is shown once (List drops repeats).
func (h *AgencyHistory) Append(ctx context.Context, events ...kawan.AgencyEvent) error {
	if len(events) == 0 {
		return nil
	}
	by := map[string][]kawan.AgencyEvent{}
	var order []string
	for _, e := range events {
		if e.AgencyID == "" || e.ID == "" {
			return fmt.Errorf("store: agency history event without agency or ID: %+v", e)
		}
		if _, ok := by[e.AgencyID]; !ok {
			order = append(order, e.AgencyID)
		}
		by[e.AgencyID] = append(by[e.AgencyID], e)
	}
	// In bulk writes of historyBatch agencies: one write of a whole registry's first import
	// (3,800 upserts) outlasts the 10 s operation timeout on a loaded embedded FerretDB.
	for len(order) > 0 {
		n := min(len(order), historyBatch)
		models := make([]mongo.WriteModel, 0, n)
		for _, agencyID := range order[:n] {
			models = append(models, mongo.NewUpdateOneModel().SetFilter(id(agencyID)).SetUpsert(true).
				SetUpdate(bson.D{{Key: "$push", Value: bson.D{{Key: "events", Value: bson.D{{Key: "$each", Value: by[agencyID]}}}}}}))
		}
		if _, err := h.c.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return Classify("append agency history", err)
		}
		order = order[n:]
	}
	return nil
}

const historyBatch = 200

// ListAgencyHistory returns up to limit (1–MaxHistoryEvents) of an agency's events, newest first;
// an agency without history has none (not an error).
func (h *AgencyHistory) ListAgencyHistory(ctx context.Context, agencyID string, limit int) ([]kawan.AgencyEvent, error) {
	limit = min(max(limit, 1), MaxHistoryEvents)
	var d struct {
		Events []kawan.AgencyEvent `bson:"events"`
	}
	err := h.c.FindOne(ctx, id(agencyID)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return []kawan.AgencyEvent{}, nil
	}
	if err != nil {
		return nil, Classify("agency history "+agencyID, err)
	}
	out := make([]kawan.AgencyEvent, 0, min(len(d.Events), limit))
	seen := map[string]bool{}
	for _, e := range slices.Backward(d.Events) {
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		out = append(out, e)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

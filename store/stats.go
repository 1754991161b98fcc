package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/stats"
)

// StatsSource reads what the open-data statistics need: published reviews (only the
// fields statistics use, never text) and each agency's sanction status. It scans; the
// statistics service calls it once per snapshot, never on a request path.
type StatsSource struct {
	reviews  *mongo.Collection
	agencies *mongo.Collection
}

// NewStatsSource returns the statistics source of db.
func NewStatsSource(db *mongo.Database) *StatsSource {
	return &StatsSource{reviews: db.Collection("reviews"), agencies: db.Collection("agencies")}
}

type statsReview struct {
	ID             string       `bson:"_id"`
	AgencyID       string       `bson:"agency_id"`
	AuthorID       string       `bson:"author_id"`
	Origin         string       `bson:"origin"`
	Destination    string       `bson:"destination"`
	Sector         string       `bson:"sector"`
	DepartureYear  int          `bson:"departure_year"`
	FeesPaid       *kawan.Money `bson:"fees_paid"`
	SalaryReceived *kawan.Money `bson:"salary_received"`
	Ratings        struct {
		Overall int `bson:"overall"`
	} `bson:"ratings"`
	WouldRecommend bool      `bson:"would_recommend"`
	CreatedAt      time.Time `bson:"created_at"`
	Moderation     struct {
		DecidedAt time.Time `bson:"decided_at"`
	} `bson:"moderation"`
}

var statsReviewProjection = bson.D{
	{Key: "agency_id", Value: 1}, {Key: "author_id", Value: 1}, {Key: "origin", Value: 1}, {Key: "destination", Value: 1},
	{Key: "sector", Value: 1}, {Key: "departure_year", Value: 1}, {Key: "fees_paid", Value: 1}, {Key: "salary_received", Value: 1},
	{Key: "ratings.overall", Value: 1}, {Key: "would_recommend", Value: 1}, {Key: "created_at", Value: 1},
	{Key: "moderation.decided_at", Value: 1},
}

// EachPublishedReview calls fn for every review whose status is published.
func (s *StatsSource) EachPublishedReview(ctx context.Context, fn func(stats.Fact) error) error {
	cur, err := s.reviews.Find(ctx, bson.D{{Key: "status", Value: kawan.ReviewPublished}},
		options.Find().SetProjection(statsReviewProjection).SetBatchSize(2000))
	if err != nil {
		return Classify("read reviews for statistics", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var r statsReview
		if err := cur.Decode(&r); err != nil {
			return fmt.Errorf("store: decode review for statistics: %w", err)
		}
		at := r.CreatedAt
		if r.Moderation.DecidedAt.After(at) {
			at = r.Moderation.DecidedAt
		}
		if err := fn(stats.Fact{ReviewID: r.ID, AgencyID: r.AgencyID, AuthorID: r.AuthorID, Origin: r.Origin,
			Destination: r.Destination, Sector: r.Sector, Year: r.DepartureYear, FeesPaid: r.FeesPaid,
			SalaryReceived: r.SalaryReceived, Overall: r.Ratings.Overall, Recommend: r.WouldRecommend, PublishedAt: at}); err != nil {
			return err
		}
	}
	return Classify("read reviews for statistics", cur.Err())
}

// EachAgencySanction calls fn for every agency with whether it has a sanction on record:
// a non-empty "sanctions" array or "blacklisted": true on the agency document.
func (s *StatsSource) EachAgencySanction(ctx context.Context, fn func(agencyID string, sanctioned bool) error) error {
	cur, err := s.agencies.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{
		{Key: "sanctions", Value: 1}, {Key: "blacklisted", Value: 1}}).SetBatchSize(2000))
	if err != nil {
		return Classify("read agencies for statistics", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var a struct {
			ID          string        `bson:"_id"`
			Sanctions   bson.RawValue `bson:"sanctions"`
			Blacklisted bool          `bson:"blacklisted"`
		}
		if err := cur.Decode(&a); err != nil {
			return fmt.Errorf("store: decode agency for statistics: %w", err)
		}
		sanctioned := a.Blacklisted
		if arr, ok := a.Sanctions.ArrayOK(); ok {
			if vals, err := arr.Values(); err == nil && len(vals) > 0 {
				sanctioned = true
			}
		}
		if err := fn(a.ID, sanctioned); err != nil {
			return err
		}
	}
	return Classify("read agencies for statistics", cur.Err())
}

package store

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/complaints"
	"github.com/kawan-labs/kawan/stats"
)

// StatsSource reads what the open-data statistics need: published reviews (only the
// fields statistics use, never text), each agency's sanction status and every complaint
// case (its counting fields only). It scans; the statistics service calls it once per
// snapshot, never on a request path.
type StatsSource struct {
	reviews    *mongo.Collection
	agencies   *mongo.Collection
	complaints *mongo.Collection
}

// NewStatsSource returns the statistics source of db.
func NewStatsSource(db *mongo.Database) *StatsSource {
	return &StatsSource{reviews: db.Collection("reviews"), agencies: db.Collection("agencies"), complaints: db.Collection("complaints")}
}

// statsCase is the part of a case the complaints table reads: never text, place, dates of
// the events, amounts, messages, notes, the worker's details or an employer's name.
type statsCase struct {
	ID          string `bson:"_id"`
	Complainant string `bson:"complainant"`
	Against     struct {
		Kind     string `bson:"kind"`
		AgencyID string `bson:"agency_id"`
	} `bson:"against"`
	Hidden      bool     `bson:"hide_from_agency"`
	Country     string   `bson:"country"`
	Nationality string   `bson:"nationality"`
	Facts       []string `bson:"facts"`
	State       string   `bson:"state"`
	Outcome     struct {
		Kind string `bson:"kind"`
	} `bson:"outcome"`
	Steps []struct {
		To string `bson:"to"`
	} `bson:"steps"`
	CreatedAt time.Time `bson:"created_at"`
}

var statsCaseProjection = bson.D{
	{Key: "complainant", Value: 1}, {Key: "against.kind", Value: 1}, {Key: "against.agency_id", Value: 1},
	{Key: "hide_from_agency", Value: 1}, {Key: "country", Value: 1}, {Key: "nationality", Value: 1}, {Key: "facts", Value: 1},
	{Key: "state", Value: 1}, {Key: "outcome.kind", Value: 1}, {Key: "steps.to", Value: 1}, {Key: "created_at", Value: 1},
}

// EachComplaint calls fn for every complaint case, erased ones included (erasure keeps
// what the counts read: the complainant's hash, states, outcome kind, facts, countries).
// The agency is left out when the complaint is not against a registered agency or the
// worker hid it from the agency's counts.
func (s *StatsSource) EachComplaint(ctx context.Context, fn func(stats.ComplaintFact) error) error {
	return each(ctx, s.complaints, bson.D{}, options.Find().SetProjection(statsCaseProjection).SetBatchSize(2000),
		"read complaints for statistics", func(c *statsCase, _ bson.Raw) error {
			f := stats.ComplaintFact{CaseID: c.ID, Complainant: c.Complainant, Destination: c.Country, Nationality: c.Nationality,
				Facts: c.Facts, State: c.State, ReceivedAt: c.CreatedAt}
			if c.Against.Kind == "agency" && !c.Hidden {
				f.AgencyID = c.Against.AgencyID
			}
			if c.State == string(complaints.Resolved) {
				f.Outcome = c.Outcome.Kind
			}
			for _, st := range c.Steps {
				if st.To == string(complaints.Accepted) {
					f.Accepted = true
				}
			}
			return fn(f)
		})
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

// EachPublishedReview calls fn for every review whose status is published, and every review
// hidden by readers' flags alone (under review, no moderator decision since): flags must not
// move released open data; a moderator's decision does.
func (s *StatsSource) EachPublishedReview(ctx context.Context, fn func(stats.Fact) error) error {
	published := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "status", Value: kawan.ReviewPublished}},
		bson.D{{Key: "status", Value: kawan.ReviewUnderReview}, {Key: "moderation.hidden_by_flags", Value: true}},
	}}}
	return each(ctx, s.reviews, published, options.Find().SetProjection(statsReviewProjection).SetBatchSize(2000),
		"read reviews for statistics", func(r *statsReview, _ bson.Raw) error {
			at := r.CreatedAt
			if r.Moderation.DecidedAt.After(at) {
				at = r.Moderation.DecidedAt
			}
			return fn(stats.Fact{ReviewID: r.ID, AgencyID: r.AgencyID, AuthorID: r.AuthorID, Origin: r.Origin,
				Destination: r.Destination, Sector: r.Sector, Year: r.DepartureYear, FeesPaid: r.FeesPaid,
				SalaryReceived: r.SalaryReceived, Overall: r.Ratings.Overall, Recommend: r.WouldRecommend, PublishedAt: at})
		})
}

// EachAgencySanction calls fn for every agency with whether it has a sanction on record:
// a non-empty "sanctions" array or "blacklisted": true on the agency document.
func (s *StatsSource) EachAgencySanction(ctx context.Context, fn func(agencyID string, sanctioned bool) error) error {
	type sanctionDoc struct {
		ID          string        `bson:"_id"`
		Sanctions   bson.RawValue `bson:"sanctions"`
		Blacklisted bool          `bson:"blacklisted"`
	}
	return each(ctx, s.agencies, bson.D{}, options.Find().SetProjection(bson.D{
		{Key: "sanctions", Value: 1}, {Key: "blacklisted", Value: 1}}).SetBatchSize(2000),
		"read agencies for statistics", func(a *sanctionDoc, _ bson.Raw) error {
			sanctioned := a.Blacklisted
			if arr, ok := a.Sanctions.ArrayOK(); ok {
				if vals, err := arr.Values(); err == nil && len(vals) > 0 {
					sanctioned = true
				}
			}
			return fn(a.ID, sanctioned)
		})
}

// RemittanceCosts is the remittance cost history of the open data
// ("stats_remittance_costs"): one document per corridor, UTC day and reference amount
// (_id "SGD-PHP|2026-11-23|200") holding each provider's cost from the last fx snapshot
// observed that day. Every process may record: the same _id is replaced, never duplicated.
type RemittanceCosts struct {
	c    *mongo.Collection
	keep int // days kept
}

// NewRemittanceCosts returns the remittance cost history of db, keeping 400 days.
func NewRemittanceCosts(db *mongo.Database) *RemittanceCosts {
	return &RemittanceCosts{c: db.Collection("stats_remittance_costs"), keep: 400}
}

// remittanceCostIndexes serves the range reads and the clean-up by day.
func remittanceCostIndexes(ctx context.Context, db *mongo.Database) error {
	return EnsureIndexes(ctx, db.Collection("stats_remittance_costs"),
		mongo.IndexModel{Keys: bson.D{{Key: "day", Value: 1}}})
}

type costProvider struct {
	ID          string    `bson:"id"`
	At          time.Time `bson:"at"`
	CostPercent string    `bson:"cost_percent"` // decimal string
}

type costDoc struct {
	ID        string         `bson:"_id"`
	Send      string         `bson:"send"`
	Receive   string         `bson:"receive"`
	Day       string         `bson:"day"`
	AmountUSD int            `bson:"amount_usd"`
	At        time.Time      `bson:"at"`
	Providers []costProvider `bson:"providers"`
}

// RecordCosts stores a snapshot's observations (all taken at the same time): each
// corridor-day-amount document is replaced by the newer observation, then days older than
// the retention are deleted.
func (s *RemittanceCosts) RecordCosts(ctx context.Context, obs []stats.CostObservation) error {
	docs := map[string]*costDoc{}
	var order []string
	for _, o := range obs {
		day := o.At.UTC().Format(time.DateOnly)
		id := fmt.Sprintf("%s-%s|%s|%d", o.SendCurrency, o.ReceiveCurrency, day, o.AmountUSD)
		d := docs[id]
		if d == nil {
			d = &costDoc{ID: id, Send: o.SendCurrency, Receive: o.ReceiveCurrency, Day: day, AmountUSD: o.AmountUSD, At: o.At.UTC()}
			docs[id] = d
			order = append(order, id)
		}
		d.Providers = append(d.Providers, costProvider{ID: o.ProviderID, At: o.At.UTC(), CostPercent: o.CostPercent.String()})
	}
	for _, id := range order {
		d := docs[id]
		// Replace only an older observation of the day (a slower process must not undo a newer one).
		_, err := s.c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "at", Value: bson.D{{Key: "$lte", Value: d.At}}}}, d,
			options.Replace().SetUpsert(true))
		if err != nil && !mongo.IsDuplicateKeyError(err) { // duplicate: a newer observation is stored
			return Classify("record remittance costs", err)
		}
	}
	if len(obs) > 0 {
		cutoff := obs[0].At.UTC().AddDate(0, 0, -s.keep).Format(time.DateOnly)
		if _, err := s.c.DeleteMany(ctx, bson.D{{Key: "day", Value: bson.D{{Key: "$lt", Value: cutoff}}}}); err != nil {
			return Classify("clean up remittance costs", err)
		}
	}
	return nil
}

// CostObservations calls fn for every stored provider cost from since on.
func (s *RemittanceCosts) CostObservations(ctx context.Context, since time.Time, fn func(stats.CostObservation) error) error {
	cur, err := s.c.Find(ctx, bson.D{{Key: "day", Value: bson.D{{Key: "$gte", Value: since.UTC().Format(time.DateOnly)}}}},
		options.Find().SetBatchSize(1000))
	if err != nil {
		return Classify("read remittance costs", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d costDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("store: decode remittance costs: %w", err)
		}
		for _, p := range d.Providers {
			c, err := decimal.NewFromString(p.CostPercent)
			if err != nil {
				continue
			}
			if err := fn(stats.CostObservation{SendCurrency: d.Send, ReceiveCurrency: d.Receive, ProviderID: p.ID, At: p.At,
				AmountUSD: d.AmountUSD, CostPercent: c}); err != nil {
				return err
			}
		}
	}
	return Classify("read remittance costs", cur.Err())
}

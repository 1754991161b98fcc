package loadgen

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ReviewCheck is the exactly-once verdict on the reviews a run submitted.
type ReviewCheck struct {
	Acked   int // distinct review ids acknowledged with 201
	Found   int // of those, stored
	Missing []string
	// Duplicates are submissions (by their unique nonce) stored as more than one review.
	Duplicates []string
	// Unacked counts stored reviews of this run whose submission was never acknowledged
	// (the client gave up or the run ended first): stored, not lost, not duplicated.
	Unacked int
	// AckMismatches: idempotent retries acknowledged with another id (see Result).
	AckMismatches int
}

// OK reports whether every acknowledged review is stored exactly once.
func (c ReviewCheck) OK() bool {
	return len(c.Missing) == 0 && len(c.Duplicates) == 0 && c.AckMismatches == 0
}

func (c ReviewCheck) String() string {
	return fmt.Sprintf("reviews acknowledged: %d, stored: %d, missing: %d, duplicated: %d, idempotency mismatches: %d, stored but unacknowledged: %d",
		c.Acked, c.Found, len(c.Missing), len(c.Duplicates), c.AckMismatches, c.Unacked)
}

var nonceRe = regexp.MustCompile(`lr[0-9a-f]+n[0-9]+`)

// CheckReviews reads the "reviews" collection directly and checks that every review the
// run's submissions were acknowledged with is there, exactly once.
func CheckReviews(ctx context.Context, db *mongo.Database, res *Result) (ReviewCheck, error) {
	c := db.Collection("reviews")
	ids := map[string]bool{}
	nonces := map[string]bool{}
	for _, a := range res.Acked {
		if a.ID != "" {
			ids[a.ID] = true
		}
		nonces[a.Nonce] = true
	}
	out := ReviewCheck{Acked: len(ids), AckMismatches: res.AckMismatches}
	// One look-up by _id each: the only filter FerretDB's SQLite backend pushes down.
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 8)
		errs []error
	)
	for id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			n, err := c.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case n == 1:
				out.Found++
			default:
				out.Missing = append(out.Missing, id)
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return out, fmt.Errorf("loadgen: check reviews: %w", errors.Join(errs[:1]...))
	}
	cur, err := c.Find(ctx, bson.D{{Key: "text", Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(res.RunID) + "n[0-9]+"}}}},
		options.Find().SetProjection(bson.D{{Key: "text", Value: 1}}))
	if err != nil {
		return out, fmt.Errorf("loadgen: scan reviews: %w", err)
	}
	defer cur.Close(ctx)
	per := map[string]int{}
	for cur.Next(ctx) {
		var d struct {
			Text string `bson:"text"`
		}
		if err := cur.Decode(&d); err != nil {
			return out, fmt.Errorf("loadgen: scan reviews: %w", err)
		}
		if n := nonceRe.FindString(d.Text); n != "" {
			per[n]++
		}
	}
	if err := cur.Err(); err != nil {
		return out, fmt.Errorf("loadgen: scan reviews: %w", err)
	}
	for n, k := range per {
		if k > 1 {
			out.Duplicates = append(out.Duplicates, n)
		}
		if !nonces[n] {
			out.Unacked++
		}
	}
	return out, nil
}

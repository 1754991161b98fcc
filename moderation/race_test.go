package moderation_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/reviews"
	"github.com/kawan-labs/kawan/store"
)

// TestLostRaceLeavesNothing: one account submits reviews of one agency from several
// requests at once; only one at a time can become the current review, and a submission
// that loses that race deletes its review. Screening must then leave nothing behind for
// it: every audit entry, transparency count, queue item and text signature belongs to a
// stored review. (Screening used to write all four before the insert.)
func TestLostRaceLeavesNothing(t *testing.T) {
	e := newEnv(t, moderation.Options{Thresholds: moderation.Thresholds{HoldAt: 0.99, WatchAt: 0.01}}, "ag1")
	ctx := context.Background()
	lost := 0
	var mu sync.Mutex
	for round := range 3 {
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := reviews.Submission{
					Ratings:        reviews.RatingsInput{Overall: ptr(2), FeesHonesty: ptr(1), ContractMatch: ptr(2), Treatment: ptr(3), Support: ptr(2)},
					WouldRecommend: ptr(false), Origin: "PH", Destination: "SG",
					Text: fmt.Sprintf("Fictional review %d-%d: the agency kept my passport for %d months and charged a placement fee of %d dollars that nobody explained to me.",
						round, i, round+2, 100*(i+1)),
				}
				if _, err := e.rev.Submit(ctx, "ag1", reviews.Author{UserID: "same-author", ClientFP: "fp-1"}, in, ""); err != nil {
					mu.Lock()
					lost++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	flushScreening(t, e)
	db := e.st.DB()
	stored := map[string]bool{}
	cur, err := db.Collection("reviews").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var rs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &rs); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		stored[r.ID] = true
	}
	t.Logf("%d submissions, %d stored, %d lost the race", 24, len(stored), lost)
	if len(stored)+lost != 24 {
		t.Fatalf("%d stored + %d refused != 24", len(stored), lost)
	}
	orphans := func(what string, ids []string) {
		t.Helper()
		var bad []string
		for _, id := range ids {
			if !stored[id] {
				bad = append(bad, id)
			}
		}
		if len(bad) > 0 {
			t.Errorf("%d %s of reviews that were never stored: %v", len(bad), what, bad)
		}
	}
	var audit []struct {
		Subject string `bson:"subject"`
	}
	cur, err = db.Collection("audit").Find(ctx, bson.D{{Key: "action", Value: "review.screen"}})
	if err != nil || cur.All(ctx, &audit) != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range audit {
		ids = append(ids, strings.TrimPrefix(a.Subject, "review:"))
	}
	orphans("audit entries", ids)
	if len(audit) != len(stored) {
		t.Errorf("%d screening audit entries for %d stored reviews", len(audit), len(stored))
	}
	orphans("queue items", idsOf(t, db.Collection("mod_queue"), bson.D{}, ""))
	orphans("text signatures", append(idsOf(t, db.Collection("mod_sig"), bson.D{}, ""),
		idsOf(t, db.Collection("mod_signals"), bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^sig\\|"}}}}, "sig|")...))
	var stats []struct {
		C map[string]int64 `bson:"c"`
	}
	cur, err = db.Collection("mod_stats").Find(ctx, bson.D{})
	if err != nil || cur.All(ctx, &stats) != nil {
		t.Fatal(err)
	}
	received := int64(0)
	for _, s := range stats {
		received += s.C["received"]
	}
	if received != int64(len(stored)) {
		t.Errorf("transparency report counts %d reviews received; %d were stored", received, len(stored))
	}
}

func idsOf(t *testing.T, c *mongo.Collection, filter bson.D, prefix string) []string {
	t.Helper()
	cur, err := c.Find(context.Background(), filter)
	if err != nil {
		t.Fatal(err)
	}
	var ds []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(context.Background(), &ds); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = strings.TrimPrefix(d.ID, prefix)
	}
	return out
}

// flushScreening writes the screening outboxes moderation batches (audit entries, counters).
func flushScreening(t *testing.T, e *env) {
	t.Helper()
	if err := e.scr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSweepRecordsLostScreening: the process stops after a review is stored but before
// moderation wrote its screening records (they were waiting for the next batch). Another
// process's sweep records them from the outbox the review was stored with: one audit entry,
// counted once, the text signature in place; the first process writing
// its batch after all changes nothing.
func TestSweepRecordsLostScreening(t *testing.T) {
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	e := newEnv(t, moderation.Options{Now: clock, Thresholds: moderation.Thresholds{HoldAt: 0.99, WatchAt: 0.01}}, "ag1")
	ctx := context.Background()
	in := reviews.Submission{
		Ratings:        reviews.RatingsInput{Overall: ptr(2), FeesHonesty: ptr(1), ContractMatch: ptr(2), Treatment: ptr(3), Support: ptr(2)},
		WouldRecommend: ptr(false), Origin: "PH", Destination: "SG",
		Text: "Fictional: the agency kept my passport for three months and charged a placement fee nobody explained.",
	}
	res, err := e.rev.Submit(ctx, "ag1", reviews.Author{UserID: "u1"}, in, "")
	if err != nil {
		t.Fatal(err)
	}
	db := e.st.DB()
	// The other process, eleven minutes later.
	now = now.Add(11 * time.Minute)
	audit := store.NewAuditLog(db)
	scr2 := moderation.NewScreener(store.NewModeration(db), audit, moderation.ScreenerOptions{Thresholds: moderation.Thresholds{HoldAt: 0.99, WatchAt: 0.01}})
	rev2 := reviews.New(store.NewReviews(db), e.idx, reviews.Options{Now: clock, Screener: scr2})
	if _, err := rev2.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if err := scr2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		h, err := audit.BySubject(ctx, "review:"+res.ID, 10)
		if err != nil || len(h) != 1 || h[0].Action != "review.screen" {
			t.Errorf("%s: audit %+v %v", when, h, err)
		}
		r, err := store.NewReviews(db).Review(ctx, res.ID)
		if err != nil || r.Moderation.Outbox != nil {
			t.Errorf("%s: outbox still there: %+v %v", when, r, err)
		}
		stats, err := store.NewModeration(db).Stats(ctx, "2026-11", "2026-11")
		if err != nil || len(stats) != 1 || stats[0].Counts["received"] != 1 {
			t.Errorf("%s: counters %+v %v", when, stats, err)
		}
		if ids := idsOf(t, db.Collection("mod_signals"), bson.D{{Key: "_id", Value: "sig|" + res.ID}}, ""); len(ids) != 1 {
			t.Errorf("%s: text signature missing", when)
		}
	}
	check("after the sweep")
	flushScreening(t, e) // the first process's batch, late
	check("after the late batch")
}

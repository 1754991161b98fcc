package store_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

// TestTransitionTokenLeftByACrash: a transition claims the token "review|version" before it
// writes. A claim left behind (the process died between the two, or the write failed) must
// not block the review for good: a fresh one is a conflict, one older than two minutes is
// taken over.
func TestTransitionTokenLeftByACrash(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rv := store.NewReviews(s.DB())
		m := store.NewModeration(s.DB())
		now := time.Now().UTC().Truncate(time.Millisecond)
		r := &kawan.Review{ID: "crash1", AgencyID: "a1", AuthorID: "u1", Status: kawan.ReviewHeld, Text: "x", Lang: "en",
			CreatedAt: now, UpdatedAt: now, Version: 3}
		if err := rv.InsertReview(ctx, r); err != nil {
			t.Fatal(err)
		}
		tokens := s.DB().Collection("mod_transitions")
		key := fmt.Sprintf("%s|%d", r.ID, r.Version)
		// A live claim by someone else: conflict, and the review is untouched.
		if _, err := tokens.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "at", Value: now}}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.TransitionReview(ctx, r, kawan.ReviewPublished, nil, nil, nil); !errors.Is(err, kawan.ErrConflict) {
			t.Fatalf("transition against a live claim: %v", err)
		}
		// The same claim, abandoned three minutes ago: taken over.
		if _, err := tokens.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: now.Add(-3 * time.Minute)}}}}); err != nil {
			t.Fatal(err)
		}
		before, err := m.TransitionReview(ctx, r, kawan.ReviewPublished, nil, nil, nil)
		if err != nil || before.Status != kawan.ReviewHeld {
			t.Fatalf("transition after an abandoned claim: %v %+v", err, before)
		}
		got, err := rv.Review(ctx, r.ID)
		if err != nil || got.Status != kawan.ReviewPublished || got.Version != 4 {
			t.Fatalf("after: %+v %v", got, err)
		}
		// The version it moved from cannot be used again.
		if _, err := m.TransitionReview(ctx, r, kawan.ReviewRejected, nil, nil, nil); !errors.Is(err, kawan.ErrConflict) {
			t.Fatalf("second transition from the old version: %v", err)
		}
	})
}

// TestRecordBandsTwoProcesses: two repositories on one database (two processes, each with
// its own cache of bucket heads) record texts in the same LSH buckets. Each sees the
// entries the other wrote (checked against a model of the buckets); no entry is lost or
// written twice; buckets stop at MaxBucket.
func TestRecordBandsTwoProcesses(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := store.NewModeration(s.DB()), store.NewModeration(s.DB())
		keys := []string{"t|band0|x", "t|band1|y", "t|band2|z"}
		model := map[string][]string{}
		for i := 0; i < 3*store.MaxBucket; i++ {
			m := a
			if i%2 == 1 {
				m = b // b's cached heads are behind whatever a wrote
			}
			use := keys[:1+i%3]
			e := store.TextEntry{ReviewID: fmt.Sprintf("r%02d", i), AgencyID: "ag", AuthorID: fmt.Sprintf("u%d", i)}
			got, err := m.RecordBands(ctx, use, e)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for _, k := range use {
				for _, r := range model[k] {
					want[r] = true
				}
				if len(model[k]) < store.MaxBucket {
					model[k] = append(model[k], e.ReviewID)
				}
			}
			gotSet := map[string]bool{}
			for _, x := range got {
				if gotSet[x.ReviewID] {
					t.Fatalf("review %d: candidate %s twice", i, x.ReviewID)
				}
				gotSet[x.ReviewID] = true
			}
			if len(gotSet) != len(want) {
				t.Fatalf("review %d: candidates %v, want %v", i, gotSet, want)
			}
			for r := range want {
				if !gotSet[r] {
					t.Fatalf("review %d: candidate %s missing (got %v)", i, r, gotSet)
				}
			}
		}
		for _, k := range keys {
			n, err := s.DB().Collection("mod_lsh").CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(k+"|")}}}})
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(model[k])) {
				t.Errorf("bucket %s: %d entries stored, model has %d", k, n, len(model[k]))
			}
		}
	})
}

package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// TestFraudStateTwoProcesses: two repositories on one database (two processes, each with
// its own signature cache) record reviews in the same LSH buckets, agency and fingerprint.
// Each reads what the other wrote (checked against a model); recording a review twice
// changes nothing; buckets stop at MaxBucket.
func TestFraudStateTwoProcesses(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := store.NewModeration(s.DB()), store.NewModeration(s.DB())
		keys := []string{"band0|x", "band1|y", "band2|z"}
		model := map[string][]string{}
		at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 3*store.MaxBucket; i++ {
			m := a
			if i%2 == 1 {
				m = b
			}
			subj := store.FraudSubject{ReviewID: fmt.Sprintf("r%02d", i), AgencyID: "ag", AuthorID: fmt.Sprintf("u%d", i%4), ClientFP: "fp1",
				At: at.Add(time.Duration(i) * time.Minute), Overall: 1 + i%5, Bands: keys[:1+i%3], Sig: []int64{int64(i)}}
			st, err := m.ReadFraudState(ctx, subj)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Agency) != i {
				t.Fatalf("review %d: %d agency submissions seen, want %d", i, len(st.Agency), i)
			}
			want := map[string]bool{}
			for _, k := range subj.Bands {
				for _, r := range model[k] {
					want[r] = true
				}
				got := map[string]bool{}
				for _, x := range st.Buckets[k] {
					got[x.ReviewID] = true
				}
				if len(got) != len(model[k]) {
					t.Fatalf("review %d: bucket %s holds %v, model %v", i, k, got, model[k])
				}
				if len(model[k]) < store.MaxBucket {
					model[k] = append(model[k], subj.ReviewID)
				}
			}
			// Accounts u0..u3 take turns on one fingerprint; the subject's own is left out.
			if wantFP := min(i, 4) - min(i/4, 1); len(st.FPAccounts) != wantFP {
				t.Fatalf("review %d: fingerprint accounts %v, want %d others", i, st.FPAccounts, wantFP)
			}
			for range 2 { // a retry records nothing new
				if err := m.RecordFraudState(ctx, subj, st); err != nil {
					t.Fatal(err)
				}
			}
		}
		other := store.NewModeration(s.DB())
		sigs, err := other.Signatures(ctx, []string{"r00", "r05", "missing"})
		if err != nil || len(sigs) != 2 || sigs["r05"].Sig[0] != 5 {
			t.Fatalf("signatures: %v %v", sigs, err)
		}
	})
}

// Erasing an account leaves its ID nowhere in the fraud-signal state: its own submissions
// are gone, and fingerprint lists, buckets and signatures name the pseudonym.
func TestEraseAuthorFraudState(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m := store.NewModeration(s.DB())
		at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for i, u := range []string{"u-keep", "u-erase"} {
			subj := store.FraudSubject{ReviewID: fmt.Sprint("r", i), AgencyID: "ag", AuthorID: u, ClientFP: "fp1", At: at, Overall: 3,
				Bands: []string{"b|1", "b|2"}, Sig: []int64{1, 2}}
			if err := m.RecordFraudState(ctx, subj, store.FraudState{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := store.NewPersonalData(s.DB()).EraseAuthor(ctx, "u-erase", "pseudo", false, at); err != nil {
			t.Fatal(err)
		}
		cur, err := s.DB().Collection("mod_signals").Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		pseudo := 0
		for _, d := range docs {
			if strings.Contains(d.String(), "u-erase") {
				t.Errorf("erased account still in %s", d)
			}
			if strings.Contains(d.String(), "pseudo") {
				pseudo++
			}
		}
		if pseudo != 4 { // fp|ag|fp1, lsh|b|1, lsh|b|2, sig|r1
			t.Errorf("%d documents name the pseudonym, want 4", pseudo)
		}
	})
}

// TestRecordGroup: a group's members are kept once, in its document; recording it again as
// it grows queues only the members it did not list, keeps a queued member's kind and lease,
// never rewrites the members' entries, survives concurrent growth without losing a member,
// and keeps its list bounded.
func TestRecordGroup(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m := store.NewModeration(s.DB())
		now := time.Now().UTC().Truncate(time.Millisecond)
		g := store.QueueGroup{ID: "coordinated|a1|low", Reason: "coordinated"}
		// r1 was held on its own before the group was recognised.
		if err := m.Enqueue(ctx, store.QueueItem{ReviewID: "r1", AgencyID: "a1", Kind: "held", Status: kawan.ReviewHeld, FraudScore: 0.2, Since: now}); err != nil {
			t.Fatal(err)
		}
		g.Members = []string{"r1", "r2", "r3"}
		if err := m.RecordGroup(ctx, "a1", g, 0.6, now, "r3"); err != nil {
			t.Fatal(err)
		}
		items, err := m.Queue(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]store.QueueItem{}
		for _, it := range items {
			got[it.ReviewID] = it
		}
		if len(got) != 2 || got["r1"].Kind != "held" || got["r2"].Kind != "watch" || got["r2"].FraudScore != 0.6 || got["r1"].Group == nil || got["r1"].Group.ID != g.ID {
			t.Fatalf("after the first recording (r3 is the caller's to enqueue): %+v", items)
		}
		if len(got["r2"].Group.Members) != 0 {
			t.Fatalf("a member's entry lists the members: %+v", got["r2"].Group)
		}
		// The group grows by r4: nothing is queued again; a moderator's lease on r2 is kept.
		if _, err := m.Claim(ctx, "r2", "mod", now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		g.Members = []string{"r1", "r2", "r3", "r4"}
		if err := m.RecordGroup(ctx, "a1", g, 0.7, now, "r4"); err != nil {
			t.Fatal(err)
		}
		if it, err := m.QueueEntry(ctx, "r2"); err != nil || it.LeaseBy != "mod" || it.FraudScore != 0.6 {
			t.Fatalf("r2 after the group grew: %+v %v", it, err)
		}
		docs, err := m.Groups(ctx, []string{g.ID, "missing"})
		if err != nil {
			t.Fatal(err)
		}
		if d := docs[g.ID]; len(docs) != 1 || d.Score != 0.7 || strings.Join(d.Members, ",") != "r1,r2,r3,r4" || d.Reason != "coordinated" || d.AgencyID != "a1" {
			t.Fatalf("group document: %+v", docs)
		}
		// 40 members recognised at once by 40 processes: every one is listed once.
		const n = 40
		errs := make(chan error, n)
		for i := range n {
			go func() {
				gg := g
				gg.Members = []string{"r1", fmt.Sprintf("c%02d", i)}
				errs <- m.RecordGroup(ctx, "a1", gg, 0.5, now, gg.Members[1])
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		docs, err = m.Groups(ctx, []string{g.ID})
		if err != nil {
			t.Fatal(err)
		}
		if d := docs[g.ID]; len(d.Members) != 4+n {
			t.Fatalf("after %d concurrent recordings the group lists %d members, want %d: %v", n, len(d.Members), 4+n, d.Members)
		}
		// A group that outgrows 2·MaxGroupMembers drops its oldest members.
		big := store.QueueGroup{ID: "burst|a2", Reason: "burst"}
		for i := range 2*store.MaxGroupMembers + 5 {
			big.Members = []string{fmt.Sprintf("b%03d", i)}
			if err := m.RecordGroup(ctx, "a2", big, 0.5, now, big.Members[0]); err != nil {
				t.Fatal(err)
			}
		}
		docs, err = m.Groups(ctx, []string{big.ID})
		if err != nil {
			t.Fatal(err)
		}
		if d := docs[big.ID]; len(d.Members) > 2*store.MaxGroupMembers || len(d.Members) < store.MaxGroupMembers || d.Members[len(d.Members)-1] != fmt.Sprintf("b%03d", 2*store.MaxGroupMembers+4) {
			t.Fatalf("a big group lists %d members (last %q)", len(d.Members), d.Members[len(d.Members)-1])
		}
	})
}

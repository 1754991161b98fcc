package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func testAgency(id string) *kawan.Agency {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	return &kawan.Agency{
		ID: id, LegalName: "Himalaya Manpower Pvt. Ltd.", NormName: "himalaya manpower", Origin: "NP", City: "Kathmandu",
		Licences: []kawan.Licence{{Regulator: "NP-DOFE", Number: "1234/070/71", Status: kawan.LicenceActive,
			SourceURL: "https://dofe.gov.np/", RetrievedAt: at}},
		Destinations: []string{"QA"}, Sectors: []string{"construction"}, CreatedAt: at, UpdatedAt: at,
	}
}

func TestAgenciesRepository(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ag := store.NewAgencies(s.DB())
		a := testAgency("himalaya-manpower-np")
		if err := ag.Insert(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := ag.Insert(ctx, testAgency("himalaya-manpower-np")); !errors.Is(err, kawan.ErrConflict) {
			t.Fatalf("duplicate insert: %v", err)
		}
		got, err := ag.Get(ctx, a.ID)
		if err != nil || got.Version != 1 || got.IndexedVersion != 0 || got.Licences[0].Number != "1234/070/71" ||
			!got.Licences[0].RetrievedAt.Equal(a.Licences[0].RetrievedAt) {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := ag.Get(ctx, "nope"); !errors.Is(err, kawan.ErrNotFound) {
			t.Fatalf("get absent: %v", err)
		}

		// The reviews area moves the aggregates with $inc and bumps the version.
		rv := store.NewReviews(s.DB())
		op := kawan.CountOp{ID: "op1", Add: true, Delta: kawan.ReviewAggregates{Count: 1, Recommend: 1, Sums: kawan.DimensionSums[int64]{Overall: 4}}}
		if err := rv.ApplyCountOp(ctx, a.ID, op); err != nil {
			t.Fatal(err)
		}
		// A registry write from the stale version loses the compare-and-set...
		got.City = "Lalitpur"
		if ok, err := ag.Update(ctx, got); err != nil || ok {
			t.Fatalf("stale update: %v %v", ok, err)
		}
		// ...and after a re-read it wins, bumps the version and keeps the ratings.
		got, _ = ag.Get(ctx, a.ID)
		if got.Version != 2 || got.Ratings.Count != 1 {
			t.Fatalf("after review: version %d ratings %+v", got.Version, got.Ratings)
		}
		got.City = "Lalitpur"
		got.Licences[0].Status = kawan.LicenceSuspended
		if ok, err := ag.Update(ctx, got); err != nil || !ok || got.Version != 3 {
			t.Fatalf("update: %v %v v%d", ok, err, got.Version)
		}
		after, _ := ag.Get(ctx, a.ID)
		if after.City != "Lalitpur" || after.Licences[0].Status != kawan.LicenceSuspended || after.Version != 3 ||
			after.Ratings.Count != 1 || after.Ratings.Sums.Overall != 4 || after.Ratings.Recommend != 1 {
			t.Fatalf("after update: %+v", after)
		}
		// ratings_ops (the reviews area's exactly-once bookkeeping) survives a registry write.
		ar, err := rv.AgencyRatings(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		ops, err := ar.Raw.LookupErr("ratings_ops")
		if err != nil {
			t.Fatalf("ratings_ops lost: %v", err)
		}
		if vals, err := ops.Array().Values(); err != nil || len(vals) != 1 || vals[0].StringValue() != "op1" {
			t.Fatalf("ratings_ops changed: %v %v", vals, err)
		}

		// Search sync bookkeeping.
		behind, err := ag.Behind(ctx, 100)
		if err != nil || len(behind) != 1 || behind[0] != a.ID {
			t.Fatalf("behind: %v %v", behind, err)
		}
		if ok, _ := ag.MarkIndexed(ctx, a.ID, 2); ok {
			t.Fatal("an old version reported current")
		}
		if behind, _ := ag.Behind(ctx, 100); len(behind) != 1 {
			t.Fatal("marking an old version indexed hid the newer one")
		}
		if ok, err := ag.MarkIndexed(ctx, a.ID, 3); !ok || err != nil {
			t.Fatalf("mark indexed: %v", err)
		}
		if behind, _ := ag.Behind(ctx, 100); len(behind) != 0 {
			t.Fatalf("still behind: %v", behind)
		}
		if err := ag.Touch(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if behind, _ := ag.Behind(ctx, 100); len(behind) != 1 {
			t.Fatalf("touch did not put it behind: %v", behind)
		}
		// The batch form: $max by _id, an absent agency ignored, an old version never lowers it.
		if err := ag.MarkIndexedBatch(ctx, map[string]int64{a.ID: 4, "absent": 9}); err != nil {
			t.Fatalf("mark indexed batch: %v", err)
		}
		if behind, _ := ag.Behind(ctx, 100); len(behind) != 0 {
			t.Fatalf("batch mark: still behind: %v", behind)
		}
		if err := ag.MarkIndexedBatch(ctx, map[string]int64{a.ID: 1}); err != nil {
			t.Fatal(err)
		}
		if behind, _ := ag.Behind(ctx, 100); len(behind) != 0 {
			t.Fatalf("an old batch mark lowered indexed_version: %v", behind)
		}
		if _, err := ag.Get(ctx, "absent"); err == nil {
			t.Fatal("the batch mark created an agency")
		}

		// Look-up keys: claimed once, stale ones replaceable, deleted only by their holder.
		k := store.LicenceKey("np-dofe", "1234 / 070-71")
		if k != store.LicenceKey("NP-DOFE", "1234/070/71") {
			t.Fatalf("licence keys differ: %s", k)
		}
		if ok, err := ag.SetKey(ctx, k, a.ID, ""); !ok || err != nil {
			t.Fatalf("set key: %v %v", ok, err)
		}
		if ok, _ := ag.SetKey(ctx, k, a.ID, ""); !ok {
			t.Fatal("re-setting one's own key failed")
		}
		if ok, _ := ag.SetKey(ctx, k, "other", ""); ok {
			t.Fatal("another agency took the key")
		}
		if ok, _ := ag.SetKey(ctx, k, "other", a.ID); !ok {
			t.Fatal("replacing a stale key failed")
		}
		if err := ag.DeleteKey(ctx, k, a.ID); err != nil {
			t.Fatal(err)
		}
		if id, _ := ag.Lookup(ctx, k); id != "other" {
			t.Fatalf("a non-holder deleted the key: %q", id)
		}
		if id, err := ag.Lookup(ctx, "lic|XX|0"); id != "" || err != nil {
			t.Fatalf("absent key: %q %v", id, err)
		}

		// Paging.
		for _, id := range []string{"b-np", "c-np"} {
			x := testAgency(id)
			if err := ag.Insert(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]bool{}
		err = ag.Each(ctx, func(x *kawan.Agency, raw bson.Raw) error {
			if _, err := raw.LookupErr("legal_name"); err != nil {
				return err
			}
			seen[x.ID] = true
			return nil
		})
		if err != nil || len(seen) != 3 || !seen["b-np"] {
			t.Fatalf("each: %v %v", seen, err)
		}
		if n, err := ag.Count(ctx); n != 3 || err != nil {
			t.Fatalf("count %d %v", n, err)
		}
		// An estimate, but on a small collection both backends' statistics are exact.
		if n, err := ag.EstimatedCount(ctx); n != 3 || err != nil {
			t.Fatalf("estimated count %d %v", n, err)
		}
	})
}

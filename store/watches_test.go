package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestWatches(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := store.NewWatches(s.DB())
		day := time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)
		if created, err := w.Watch(ctx, "u1", "a-ph", day); err != nil || !created {
			t.Fatalf("first follow: %v %v", created, err)
		}
		// Following again changes nothing, not even the date.
		if created, err := w.Watch(ctx, "u1", "a-ph", day.Add(time.Hour)); err != nil || created {
			t.Fatalf("second follow: %v %v", created, err)
		}
		if _, err := w.Watch(ctx, "u1", "b-np", day.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Watch(ctx, "u2", "a-ph", day); err != nil {
			t.Fatal(err)
		}
		list, err := w.WatchesOf(ctx, "u1")
		if err != nil || len(list) != 2 || list[0].AgencyID != "b-np" || list[1].AgencyID != "a-ph" || !list[1].Since.Equal(day) {
			t.Fatalf("u1 follows, newest first: %+v %v", list, err)
		}
		if ok, err := w.Watching(ctx, "u2", "b-np"); err != nil || ok {
			t.Fatalf("u2 does not follow b-np: %v %v", ok, err)
		}
		if err := w.Unwatch(ctx, "u1", "a-ph"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := w.Watching(ctx, "u1", "a-ph"); ok {
			t.Fatal("unfollowed agency still followed")
		}
		if err := w.Unwatch(ctx, "u1", "a-ph"); err != nil {
			t.Fatalf("unfollow twice: %v", err)
		}
		// Bounded: the 101st follow of one account is refused.
		for i := 0; i < store.MaxWatches; i++ {
			if _, err := w.Watch(ctx, "many", fmt.Sprintf("agency-%03d", i), day); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Watch(ctx, "many", "one-more", day); !errors.Is(err, kawan.ErrConflict) {
			t.Fatalf("follow %d+1: %v", store.MaxWatches, err)
		}
		if err := w.ForgetUser(ctx, "many"); err != nil {
			t.Fatal(err)
		}
		if list, _ := w.WatchesOf(ctx, "many"); len(list) != 0 {
			t.Fatalf("erased account still follows %d", len(list))
		}
		if list, _ := w.WatchesOf(ctx, "u2"); len(list) != 1 {
			t.Fatalf("another account's follows were erased: %+v", list)
		}
	})
}

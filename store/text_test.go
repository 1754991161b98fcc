package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestTextSessions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ts := store.NewTextSessions(s.DB())
		now := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)

		// sessions expire
		if err := ts.PutSession(ctx, store.TextSession{Key: "ct1.a", Lang: "ne", Country: "NP", UpdatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := ts.Session(ctx, "ct1.a", now.Add(time.Hour)); err != nil || !ok || got.Lang != "ne" {
			t.Fatalf("session %+v %v %v", got, ok, err)
		}
		if _, ok, _ := ts.Session(ctx, "ct1.a", now.Add(25*time.Hour)); ok {
			t.Fatal("an expired session was returned")
		}

		// a message ID is new once
		for i, want := range []bool{true, false, false} {
			if got, err := ts.FirstSeen(ctx, "tg|1001", now.Add(time.Hour)); err != nil || got != want {
				t.Fatalf("FirstSeen #%d = %v %v", i, got, err)
			}
		}

		// a short code keeps its first target
		if got, err := ts.PutLink(ctx, "abcdef", "/agencies/x"); err != nil || got != "/agencies/x" {
			t.Fatalf("PutLink %q %v", got, err)
		}
		if got, _ := ts.PutLink(ctx, "abcdef", "/agencies/y"); got != "/agencies/x" {
			t.Fatalf("a collision replaced the target: %q", got)
		}
		if got, _ := ts.Link(ctx, "abcdef"); got != "/agencies/x" {
			t.Fatalf("Link %q", got)
		}

		// follows: bounded, each change marked once (compare-and-set), STOP ends all
		for i := range store.MaxTextFollows {
			if err := ts.Follow(ctx, store.TextFollow{Sender: "ct1.a", AgencyID: fmt.Sprintf("ag-%d", i), Channel: "viber", Address: "v1", Since: now}); err != nil {
				t.Fatal(err)
			}
		}
		if err := ts.Follow(ctx, store.TextFollow{Sender: "ct1.a", AgencyID: "one-too-many"}); !errors.Is(err, store.ErrTooManyFollows) {
			t.Fatalf("follow past the limit: %v", err)
		}
		if ok, err := ts.MarkSeen(ctx, "ct1.a|ag-0", "", "ev1"); err != nil || !ok {
			t.Fatalf("MarkSeen %v %v", ok, err)
		}
		if ok, _ := ts.MarkSeen(ctx, "ct1.a|ag-0", "", "ev1"); ok {
			t.Fatal("the same change was marked twice")
		}
		if ok, _ := ts.MarkSeen(ctx, "ct1.a|ag-0", "ev1", "ev2"); !ok {
			t.Fatal("the next change was not marked")
		}
		if err := ts.UnfollowOne(ctx, "ct1.a", "ag-1"); err != nil {
			t.Fatal(err)
		}
		if fs, _ := ts.FollowsOf(ctx, "ct1.a"); len(fs) != store.MaxTextFollows-1 {
			t.Fatalf("%d follows after ending one", len(fs))
		}
		if n, err := ts.Unfollow(ctx, "ct1.a"); err != nil || n != store.MaxTextFollows-1 {
			t.Fatalf("Unfollow %d %v", n, err)
		}

		// codes: only valid until they expire; Sweep removes what expired
		if err := ts.PutCode(ctx, "hash1", "ct1.a", now.Add(15*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, _ := ts.CodeSender(ctx, "hash1", now); got != "ct1.a" {
			t.Fatalf("CodeSender %q", got)
		}
		if got, _ := ts.CodeSender(ctx, "hash1", now.Add(16*time.Minute)); got != "" {
			t.Fatal("an expired code still works")
		}
		n, err := ts.Sweep(ctx, now.Add(48*time.Hour))
		if err != nil || n != 3 { // the session, the seen marker, the code
			t.Fatalf("Sweep %d %v", n, err)
		}
	})
}

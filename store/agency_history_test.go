package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestAgencyHistory(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h := store.NewAgencyHistory(s.DB())
		if evs, err := h.ListAgencyHistory(ctx, "nobody-ph", 10); err != nil || len(evs) != 0 {
			t.Fatalf("no history: %v %v", evs, err)
		}
		day := time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)
		ev := func(agency, id, to string, d int) kawan.AgencyEvent {
			return kawan.AgencyEvent{ID: id, AgencyID: agency, Kind: "status", Regulator: "PH-DMW", To: to, SeenOn: day.AddDate(0, 0, d),
				Source: "ph-dmw", Summary: "licence " + to, RecordedAt: day}
		}
		if err := h.Append(ctx, ev("a-ph", "1", "active", 0), ev("b-ph", "x", "expired", 0), ev("a-ph", "2", "expired", 1)); err != nil {
			t.Fatal(err)
		}
		// A retried write repeats an event: it is listed once.
		if err := h.Append(ctx, ev("a-ph", "2", "expired", 1), ev("a-ph", "3", "cancelled", 2)); err != nil {
			t.Fatal(err)
		}
		evs, err := h.ListAgencyHistory(ctx, "a-ph", 10)
		if err != nil || len(evs) != 3 || evs[0].ID != "3" || evs[1].ID != "2" || evs[2].ID != "1" || !evs[0].SeenOn.Equal(day.AddDate(0, 0, 2)) {
			t.Fatalf("history newest first: %+v %v", evs, err)
		}
		if evs, _ := h.ListAgencyHistory(ctx, "a-ph", 1); len(evs) != 1 || evs[0].ID != "3" {
			t.Fatalf("limit: %+v", evs)
		}
		if evs, _ := h.ListAgencyHistory(ctx, "b-ph", 10); len(evs) != 1 || evs[0].To != "expired" {
			t.Fatalf("other agency: %+v", evs)
		}
		if err := h.Append(ctx, kawan.AgencyEvent{ID: "z"}); err == nil {
			t.Fatal("an event without agency was stored")
		}
	})
}

func TestLicenceNumberKeys(t *testing.T) {
	for _, c := range [][]string{
		{"BD-BMET", "RL-0010", "rl 0010", "RL No. 10", "0010", "10", "RL0010"},
		{"NP-DOFE", "1284/074/75", "1284/74/075", "1284-74-75", "1284 / 074 / 75"},
		{"NP-DOFE", "257/058/059", "257/58/59"},
		{"PH-DMW", "POEA-123-LB-031521-R", "poea 123 lb 031521 r", "POEA123LB031521R"},
	} {
		for _, v := range c[2:] {
			if store.LicenceKey(c[0], v) != store.LicenceKey(c[0], c[1]) {
				t.Errorf("%s: %q → %s, %q → %s", c[0], c[1], store.LicenceKey(c[0], c[1]), v, store.LicenceKey(c[0], v))
			}
		}
	}
	for _, diff := range [][]string{{"BD-BMET", "RL-0923", "RL-0251"}, {"NP-DOFE", "1-23", "12-3"}, {"NP-DOFE", "257/058/059", "1284/074/75"}} {
		if store.LicenceKey(diff[0], diff[1]) == store.LicenceKey(diff[0], diff[2]) {
			t.Errorf("%v compare equal", diff)
		}
	}
}

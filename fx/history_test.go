package fx_test

import (
	"context"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestHistoryAndRestore: accepted snapshots are sampled once per corridor and hour, history
// and daily costs come back from the database, and a new service (a restart, or a second
// process) serves the saved feeds even when its source is unreachable.
func TestHistoryAndRestore(t *testing.T) {
	st := storetest.New(t)
	fxs := store.NewFX(st.DB())
	ctx := context.Background()
	c := fx.NewTestClock()
	prov := &fx.FeedServer{}
	prov.Set(fx.ReadFixture(t, "provider-feed.json"), `"p1"`)
	srv := newServer(t, prov)
	opts := fx.Options{Sources: []string{srv}, Interval: time.Minute, Timeout: time.Second, Store: fxs, Now: c.Now}
	s, err := fx.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Push(ctx, "rates", fx.ReadFixture(t, "rates.json")); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Three refreshes in one hour record one sample; the next hour another.
	c.Add(time.Minute)
	s.Refresh(ctx, true)
	c.Add(time.Minute)
	s.Refresh(ctx, true)
	c.Add(time.Hour)
	s.Refresh(ctx, true)

	h, err := s.History(ctx, fx.HistoryQuery{Corridor: "SGD-PHP", From: fx.TestNow.Add(-time.Hour), To: c.Now()})
	if err != nil {
		t.Fatal(err)
	}
	// Two offers (bank_account, cash_pickup) × two hours.
	if len(h.Points) != 4 || len(h.Days) != 1 {
		t.Fatalf("history: %d points, %d days: %+v", len(h.Points), len(h.Days), h)
	}
	p := h.Points[0]
	// Reference amount: USD 200 × 1.34 = 268 SGD → 270 (two significant digits).
	if p.SendAmount != "270.00" || p.Provider != "acme-remit" || p.MidRate == "" {
		t.Errorf("point %+v", p)
	}
	days, err := s.DailyCosts(ctx, "SGD-PHP", fx.TestNow.Add(-24*time.Hour), c.Now())
	if err != nil || len(days) != 1 || days[0].Samples != 4 {
		t.Fatalf("daily costs %+v %v", days, err)
	}
	hp, _ := s.History(ctx, fx.HistoryQuery{Corridor: "SGD-PHP", Provider: "nobody", From: fx.TestNow.Add(-time.Hour), To: c.Now()})
	if len(hp.Points) != 0 {
		t.Errorf("provider filter: %d points", len(hp.Points))
	}
	for _, q := range []fx.HistoryQuery{{Corridor: "SGDPHP"}, {Corridor: "SGD-SGD"}, {Corridor: "SGD-PHP", Provider: "Bad!"},
		{Corridor: "SGD-PHP", From: fx.TestNow, To: fx.TestNow.Add(-time.Hour)}, {Corridor: "SGD-PHP", From: fx.TestNow.Add(-40 * 24 * time.Hour), To: fx.TestNow}} {
		if _, err := s.History(ctx, q); err == nil {
			t.Errorf("%+v: want an error", q)
		}
	}

	// A restart with the source down serves the saved feeds.
	prov.SetStatus(503)
	s2, err := fx.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := fx.QuoteCount(t, s2, "SGD", "PHP", "500"); n != 2 {
		t.Fatalf("after restart with the source down: %d quotes", n)
	}
}

func newServer(t *testing.T, f *fx.FeedServer) string {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv.URL + "/acme.json"
}

// TestDemoHistory: the fictional history covers every demo corridor for the days asked.
func TestDemoHistory(t *testing.T) {
	st := storetest.New(t)
	fxs := store.NewFX(st.DB())
	ctx := context.Background()
	c := fx.NewTestClock()
	s, err := fx.New(fx.Options{Store: fxs, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Read (and cache) the range before the history is written: the write must not be
	// hidden by the cached answer.
	before, err := s.DailyCosts(ctx, "SGD-PHP", fx.TestNow.Add(-10*24*time.Hour), fx.TestNow)
	if err != nil || len(before) > 1 {
		t.Fatalf("daily costs before: %d days, %v", len(before), err)
	}
	n, err := s.SynthesizeDemoHistory(ctx, fxs, 10, 1)
	if err != nil || n != 10*len(s.Corridors()) {
		t.Fatalf("%d corridor-days for %d corridors, %v", n, len(s.Corridors()), err)
	}
	days, err := s.DailyCosts(ctx, "SGD-PHP", fx.TestNow.Add(-10*24*time.Hour), fx.TestNow)
	if err != nil || len(days) < 10 {
		t.Fatalf("daily costs: %d days, %v", len(days), err)
	}
	// A repeat is served from the cache, equal, and not shared with the caller.
	again, err := s.DailyCosts(ctx, "SGD-PHP", fx.TestNow.Add(-10*24*time.Hour), fx.TestNow)
	if err != nil || !reflect.DeepEqual(again, days) {
		t.Fatalf("repeat differs: %v", err)
	}
	again[0].Samples = -1
	if third, _ := s.DailyCosts(ctx, "SGD-PHP", fx.TestNow.Add(-10*24*time.Hour), fx.TestNow); third[0].Samples == -1 {
		t.Error("the cached days are shared with callers")
	}
	h, err := s.History(ctx, fx.HistoryQuery{Corridor: "MYR-NPR", Provider: "demo-himal-money", From: fx.TestNow.Truncate(24 * time.Hour).Add(-10 * 24 * time.Hour), To: fx.TestNow})
	// 10 fictional days × 2 samples × 2 payout methods, plus the live sample Start recorded.
	if err != nil || len(h.Points) != 10*2*2+2 {
		t.Fatalf("history: %d points, %v", len(h.Points), err)
	}
	if h.Points[0].ExchangeRate == h.Points[len(h.Points)-1].ExchangeRate && h.Points[0].MidRate == h.Points[len(h.Points)-1].MidRate {
		t.Error("the fictional history does not move")
	}
}

package reviews

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// publishScreener stands in for moderation's decision point: it publishes unless the text
// contains "HOLD", and replaces "+63 917 555 0101" with [removed].
type publishScreener struct{ calls int }

func (p *publishScreener) Assess(ctx context.Context, r *kawan.Review) (kawan.Assessment, error) {
	p.calls++
	text := strings.ReplaceAll(r.Text, "+63 917 555 0101", "[removed]")
	st := kawan.ReviewPublished
	if strings.Contains(r.Text, "HOLD") {
		st = kawan.ReviewHeld
	}
	return kawan.Assessment{Screening: kawan.Screening{Status: st, PublicText: text, Redacted: text != r.Text}}, nil
}

func (p *publishScreener) Record(context.Context, *kawan.Review, kawan.Assessment) error { return nil }

type fixture struct {
	svc *Service
	st  *store.Reviews
	s   *store.Store
	idx search.ReviewIndex
	now time.Time
}

func newFixture(t *testing.T, s *store.Store, screen bool) *fixture {
	t.Helper()
	idx, err := search.OpenReviews(context.Background(), search.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	f := &fixture{st: store.NewReviews(s.DB()), s: s, idx: idx, now: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	o := Options{Now: func() time.Time { return f.now }}
	if screen {
		o.Screener = &publishScreener{}
	}
	f.svc = New(f.st, idx, o)
	for _, id := range []string{"ag1", "ag2"} {
		if _, err := s.DB().Collection("agencies").InsertOne(context.Background(),
			bson.D{{Key: "_id", Value: id}, {Key: "name", Value: "Fictional " + id}, {Key: "version", Value: int64(1)}}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func ip(v int) *int   { return &v }
func bp(v bool) *bool { return &v }
func sub(overall int) Submission {
	return Submission{
		Ratings:        RatingsInput{Overall: ip(overall), FeesHonesty: ip(2), ContractMatch: ip(3), Treatment: ip(4), Support: ip(5)},
		WouldRecommend: bp(overall >= 4), Origin: "NP", Destination: "QA", Sector: "construction", DepartureYear: 2024,
		FeesPaid: &kawan.Money{Amount: "150000.50", Currency: "NPR"},
		Text:     "They kept my passport for the whole contract and the salary was lower than promised.",
	}
}

func (f *fixture) agency(t *testing.T, id string) store.AgencyRatings {
	t.Helper()
	a, err := f.st.AgencyRatings(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) count(t *testing.T, coll string) int64 {
	t.Helper()
	n, err := f.s.DB().Collection(coll).CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSubmitWithoutScreenerHolds(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, false)
		res, err := f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, sub(5), "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != kawan.ReviewHeld {
			t.Fatalf("status %s without a screener, want held", res.Status)
		}
		page, err := f.svc.List(ctx, ListQuery{AgencyID: "ag1"})
		if err != nil || page.Total != 0 {
			t.Fatalf("held review listed: %+v %v", page, err)
		}
		if a := f.agency(t, "ag1"); a.Ratings.Count != 0 {
			t.Errorf("held review counted: %+v", a.Ratings)
		}
	})
}

func TestPublishedReviewIsListedSearchedAndCountedOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, true)
		in := sub(2)
		in.Text += " Call me on +63 917 555 0101."
		res, err := f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, in, "")
		if err != nil || res.Status != kawan.ReviewPublished {
			t.Fatalf("submit: %+v %v", res, err)
		}
		page, err := f.svc.List(ctx, ListQuery{AgencyID: "ag1"})
		if err != nil || page.Total != 1 || page.Items[0].ID != res.ID {
			t.Fatalf("list: %+v %v", page, err)
		}
		if strings.Contains(page.Items[0].Text, "555") || !strings.Contains(page.Items[0].Text, "[removed]") {
			t.Errorf("public text not the screened text: %q", page.Items[0].Text)
		}
		if page.Items[0].Lang != "en" {
			t.Errorf("detected language %q, want en", page.Items[0].Lang)
		}
		hits, err := f.svc.List(ctx, ListQuery{Q: "passport", Origin: "NP", Destination: "QA"})
		if err != nil || hits.Total != 1 {
			t.Fatalf("full text: %+v %v", hits, err)
		}
		// Syncing again, and again concurrently, never counts twice.
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() { defer wg.Done(); _ = f.svc.SyncReview(ctx, res.ID) }()
		}
		wg.Wait()
		a := f.agency(t, "ag1")
		if a.Ratings.Count != 1 || a.Ratings.Sums.Overall != 2 || a.Ratings.Stars.S2 != 1 || a.Ratings.Recommend != 0 {
			t.Errorf("aggregates: %+v", a.Ratings)
		}
		if fs := a.Ratings.Fees["NPR"]; fs != (kawan.FeeStats{Count: 1, SumMinor: 15000050}) {
			t.Errorf("fee stats: %+v", fs)
		}
		sum, err := f.svc.Ratings(ctx, "ag1")
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Fees) != 1 || sum.Fees[0].Total != "150000.50" || sum.Fees[0].Mean != "150000.50" {
			t.Errorf("fee summary: %+v", sum.Fees)
		}
		if sum.Score.Reviews != 1 || sum.Score.Explanation.Summary == "" || sum.Score.TopRatedEligible {
			t.Errorf("score: %+v", sum.Score)
		}
		var rv kawan.Review
		_ = s.DB().Collection("reviews").FindOne(ctx, bson.D{{Key: "_id", Value: res.ID}}).Decode(&rv)
		if !rv.Counted || rv.IndexedVersion != rv.Version || rv.CountOp != nil {
			t.Errorf("review state after sync: counted %v indexed %d/%d op %v", rv.Counted, rv.IndexedVersion, rv.Version, rv.CountOp)
		}
		if n := f.count(t, "review_sync"); n != 0 {
			t.Errorf("%d reviews left in the sync queue", n)
		}
	})
}

func TestLaterReviewSupersedesEarlier(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, true)
		first, err := f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, sub(1), "")
		if err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(time.Hour)
		second, err := f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, sub(4), "")
		if err != nil {
			t.Fatal(err)
		}
		old, _ := f.st.Review(ctx, first.ID)
		cur, _ := f.st.Review(ctx, second.ID)
		if old.Status != kawan.ReviewSuperseded || cur.PreviousID != first.ID || old.Counted {
			t.Errorf("old %s counted=%v, new previous=%q", old.Status, old.Counted, cur.PreviousID)
		}
		a := f.agency(t, "ag1")
		if a.Ratings.Count != 1 || a.Ratings.Sums.Overall != 4 || a.Ratings.Stars.S1 != 0 || a.Ratings.Stars.S4 != 1 {
			t.Errorf("aggregates after replacement: %+v", a.Ratings)
		}
		page, _ := f.svc.List(ctx, ListQuery{AgencyID: "ag1"})
		if page.Total != 1 || page.Items[0].ID != second.ID {
			t.Errorf("listing after replacement: %+v", page)
		}
		// Another author and another agency are separate.
		if _, err := f.svc.Submit(ctx, "ag1", Author{UserID: "u2"}, sub(5), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Submit(ctx, "ag2", Author{UserID: "u1"}, sub(5), ""); err != nil {
			t.Fatal(err)
		}
		if a := f.agency(t, "ag1"); a.Ratings.Count != 2 {
			t.Errorf("ag1 count %d, want 2", a.Ratings.Count)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, true)
		a, err := f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, sub(3), "key-1")
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, sub(3), "key-1")
		if err != nil || b.ID != a.ID || !b.Replayed {
			t.Fatalf("retry: %+v %v, first %+v", b, err, a)
		}
		_, err = f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, sub(4), "key-1")
		var ve *kawan.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != "Idempotency-Key" {
			t.Errorf("same key, different body: %v", err)
		}
		// Concurrent retries of one request create one review.
		var wg sync.WaitGroup
		ids := make(chan string, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r, err := f.svc.Submit(ctx, "ag2", Author{UserID: "u9"}, sub(5), "key-2"); err == nil {
					ids <- r.ID
				} else if !errors.Is(err, kawan.ErrConflict) {
					t.Errorf("concurrent retry: %v", err)
				}
			}()
		}
		wg.Wait()
		close(ids)
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
		}
		if len(seen) != 1 {
			t.Errorf("concurrent retries produced reviews %v", seen)
		}
		if n := f.count(t, "reviews"); n != 2 {
			t.Errorf("%d reviews stored, want 2", n)
		}
	})
}

func TestBadInputStoresNothing(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	f := newFixture(t, s, true)
	long := strings.Repeat("ä", MaxTextRunes+1)
	tests := []struct {
		name  string
		mut   func(*Submission)
		field string
	}{
		{"rating zero", func(s *Submission) { s.Ratings.Overall = ip(0) }, "ratings.overall"},
		{"rating six", func(s *Submission) { s.Ratings.Support = ip(6) }, "ratings.support"},
		{"missing dimension", func(s *Submission) { s.Ratings.Treatment = nil }, "ratings.treatment"},
		{"missing recommend", func(s *Submission) { s.WouldRecommend = nil }, "would_recommend"},
		{"unknown currency", func(s *Submission) { s.FeesPaid.Currency = "ABC" }, "fees_paid.currency"},
		{"lower-case currency", func(s *Submission) { s.FeesPaid.Currency = "npr" }, "fees_paid.currency"},
		{"historic currency", func(s *Submission) { s.FeesPaid.Currency = "DEM" }, "fees_paid.currency"},
		{"too many decimals", func(s *Submission) { s.FeesPaid.Amount = "100.123" }, "fees_paid.amount"},
		{"decimals for a 0-digit currency", func(s *Submission) { s.FeesPaid = &kawan.Money{Amount: "5000.5", Currency: "JPY"} }, "fees_paid.amount"},
		{"negative fee", func(s *Submission) { s.FeesPaid.Amount = "-5" }, "fees_paid.amount"},
		{"exponent fee", func(s *Submission) { s.FeesPaid.Amount = "1e5" }, "fees_paid.amount"},
		{"huge fee", func(s *Submission) { s.FeesPaid.Amount = "10000000000000" }, "fees_paid.amount"},
		{"salary bad currency", func(s *Submission) { s.SalaryReceived = &kawan.Money{Amount: "100", Currency: "XXX"} }, "salary_received.currency"},
		{"text too long", func(s *Submission) { s.Text = long }, "text"},
		{"text empty", func(s *Submission) { s.Text = "   " }, "text"},
		{"invalid UTF-8", func(s *Submission) { s.Text = "ok \xff\xfe" }, "text"},
		{"control chars", func(s *Submission) { s.Text = "ok \x00 no" }, "text"},
		{"bad origin", func(s *Submission) { s.Origin = "XX" }, "origin"},
		{"lower-case destination", func(s *Submission) { s.Destination = "qa" }, "destination"},
		{"bad sector", func(s *Submission) { s.Sector = "mining!" }, "sector"},
		{"future year", func(s *Submission) { s.DepartureYear = 2999 }, "departure_year"},
		{"bad lang", func(s *Submission) { s.Lang = "not a tag!" }, "lang"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := sub(4)
			tt.mut(&in)
			_, err := f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, in, "")
			var ve *kawan.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a validation error", err)
			}
			found := false
			for _, fe := range ve.Fields {
				found = found || fe.Field == tt.field
			}
			if !found {
				t.Errorf("errors %+v do not name %s", ve.Fields, tt.field)
			}
		})
	}
	if _, err := f.svc.Submit(ctx, "nope", Author{UserID: "u1"}, sub(4), ""); !errors.Is(err, kawan.ErrNotFound) {
		t.Errorf("unknown agency: %v", err)
	}
	if _, err := f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, sub(4), "bad key with spaces"); err == nil {
		t.Error("bad idempotency key accepted")
	}
	for _, c := range []string{"reviews", "review_keys", "idempotency", "review_sync"} {
		if n := f.count(t, c); n != 0 {
			t.Errorf("bad input left %d documents in %s", n, c)
		}
	}
	if a := f.agency(t, "ag1"); a.Ratings.Count != 0 {
		t.Errorf("bad input counted: %+v", a.Ratings)
	}
	// Valid edge cases pass.
	ok := sub(4)
	ok.FeesPaid = &kawan.Money{Amount: "0", Currency: "PHP"}
	ok.SalaryPromised = &kawan.Money{Amount: "1500.250", Currency: "KWD"}
	ok.Text = "एजेन्सीले मेरो पासपोर्ट राख्यो।"
	res, err := f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, ok, "")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := f.svc.Review(ctx, res.ID)
	if d.Lang != "ne" {
		t.Errorf("Nepali text detected as %q", d.Lang)
	}
	if a := f.agency(t, "ag1"); a.Ratings.Fees["PHP"].Zero != 1 {
		t.Errorf("a zero fee is not counted as paid-none: %+v", a.Ratings.Fees)
	}
}

func TestVotes(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, true)
		res, _ := f.svc.Submit(ctx, "ag1", Author{UserID: "author"}, sub(4), "")
		n, err := f.svc.Vote(ctx, res.ID, "voter")
		if err != nil || n != 1 {
			t.Fatalf("vote: %d %v", n, err)
		}
		if _, err := f.svc.Vote(ctx, res.ID, "voter"); !errors.Is(err, kawan.ErrConflict) {
			t.Errorf("second vote: %v", err)
		}
		if _, err := f.svc.Vote(ctx, res.ID, "author"); !errors.Is(err, kawan.ErrConflict) {
			t.Errorf("vote on own review: %v", err)
		}
		if _, err := f.svc.Vote(ctx, "missing", "voter"); !errors.Is(err, kawan.ErrNotFound) {
			t.Errorf("vote on missing review: %v", err)
		}
		held, _ := f.svc.Submit(ctx, "ag2", Author{UserID: "author"}, func() Submission { x := sub(4); x.Text = "HOLD this"; return x }(), "")
		if _, err := f.svc.Vote(ctx, held.ID, "voter"); !errors.Is(err, kawan.ErrNotFound) {
			t.Errorf("vote on held review: %v", err)
		}
		page, _ := f.svc.List(ctx, ListQuery{AgencyID: "ag1", Sort: "helpful"})
		if page.Items[0].HelpfulCount != 1 {
			t.Errorf("index helpful count %d", page.Items[0].HelpfulCount)
		}
	})
}

func TestReplies(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, true)
		res, _ := f.svc.Submit(ctx, "ag1", Author{UserID: "author"}, sub(2), "")
		rep := kawan.Principal{UserID: "rep1", Role: kawan.RoleAgencyRep, AgencyID: "ag1"}
		if _, err := f.svc.Reply(ctx, kawan.Principal{UserID: "x", Role: kawan.RoleAgencyRep}, res.ID, "Hello", ""); !errors.Is(err, kawan.ErrForbidden) {
			t.Errorf("unapproved rep: %v", err)
		}
		if _, err := f.svc.Reply(ctx, kawan.Principal{UserID: "x", Role: kawan.RoleAgencyRep, AgencyID: "ag2"}, res.ID, "Hello", ""); !errors.Is(err, kawan.ErrForbidden) {
			t.Errorf("rep of another agency: %v", err)
		}
		if _, err := f.svc.Reply(ctx, rep, res.ID, strings.Repeat("x", MaxTextRunes+1), ""); err == nil {
			t.Error("over-long reply accepted")
		}
		r, err := f.svc.Reply(ctx, rep, res.ID, "We are sorry and have returned all passports.", "")
		if err != nil || r.Status != kawan.ReviewHeld {
			t.Fatalf("reply without a reply screener: %+v %v", r, err)
		}
		if d, _ := f.svc.Review(ctx, res.ID); d.Reply != nil {
			t.Errorf("held reply is public: %+v", d.Reply)
		}
		if _, err := f.svc.Reply(ctx, rep, res.ID, "Again", ""); !errors.Is(err, kawan.ErrConflict) {
			t.Errorf("second reply: %v", err)
		}
		// With moderation's reply screener, a clean reply is published and indexed.
		f.svc = New(f.st, f.idx, Options{Now: f.svc.now, Screener: f.svc.screener,
			ReplyScreener: func(ctx context.Context, text string) (kawan.Screening, error) {
				return kawan.Screening{Status: kawan.ReviewPublished, PublicText: text}, nil
			}})
		res2, _ := f.svc.Submit(ctx, "ag1", Author{UserID: "author2"}, sub(3), "")
		if _, err := f.svc.Reply(ctx, rep, res2.ID, "Thank you.", "not a language!"); err == nil {
			t.Error("reply with an invalid language accepted")
		}
		if r, err := f.svc.Reply(ctx, rep, res2.ID, "Thank you.", "ne-NP"); err != nil || r.Status != kawan.ReviewPublished {
			t.Fatalf("screened reply: %+v %v", r, err)
		}
		page, _ := f.svc.List(ctx, ListQuery{AgencyID: "ag1"})
		var got *search.ReplyDoc
		for _, d := range page.Items {
			if d.ID == res2.ID {
				got = d.Reply
			}
		}
		if got == nil || got.Text != "Thank you." || got.Lang != "ne" {
			t.Errorf("published reply not in the index with its language ne: %+v", got)
		}
	})
}

// moderate does what moderation does on a transition: one conditional update that bumps
// the version, then SyncReview.
func moderate(t *testing.T, f *fixture, id string, set bson.D) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.s.DB().Collection("reviews").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SyncReview(ctx, id); err != nil {
		t.Fatal(err)
	}
}

func TestUnpublishVerifyAndRepublish(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, true)
		res, _ := f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, sub(5), "")
		held, _ := f.svc.Submit(ctx, "ag1", Author{UserID: "u2"}, func() Submission { x := sub(1); x.Text = "HOLD"; return x }(), "")
		w1 := f.agency(t, "ag1").Ratings.Weight
		moderate(t, f, res.ID, bson.D{{Key: "moderation.verified", Value: true}})
		a := f.agency(t, "ag1").Ratings
		if a.Count != 1 || a.Verified != 1 || a.Weight <= w1 {
			t.Errorf("after verification: %+v (weight before %v)", a, w1)
		}
		moderate(t, f, res.ID, bson.D{{Key: "status", Value: kawan.ReviewRemoved}})
		a = f.agency(t, "ag1").Ratings
		if a.Count != 0 || a.Sums.Overall != 0 || a.Fees["NPR"].Count != 0 || a.Weight > 1e-9 {
			t.Errorf("after removal: %+v", a)
		}
		if p, _ := f.svc.List(ctx, ListQuery{AgencyID: "ag1"}); p.Total != 0 {
			t.Errorf("removed review still listed")
		}
		moderate(t, f, held.ID, bson.D{{Key: "status", Value: kawan.ReviewPublished}})
		a = f.agency(t, "ag1").Ratings
		if a.Count != 1 || a.Sums.Overall != 1 {
			t.Errorf("after publishing the held review: %+v", a)
		}
		// Ops remembered on the agency are forgotten once finished (at the agency's next
		// count op, or by the reconciler's next pass).
		if err := f.svc.forgetFinished(ctx); err != nil {
			t.Fatal(err)
		}
		raw := f.agency(t, "ag1").Raw
		if vals, _ := raw.Lookup("ratings_ops").Array().Values(); len(vals) != 0 {
			t.Errorf("agency remembers %d finished ops", len(vals))
		}
	})
}

func TestCrashedCountOpIsFinishedOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, true)
		res, _ := f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, sub(3), "")
		// Crash 1: the removal op was recorded on the review, nothing else happened.
		r, _ := f.st.Review(ctx, res.ID)
		if _, err := f.s.DB().Collection("reviews").UpdateOne(ctx, bson.D{{Key: "_id", Value: res.ID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: kawan.ReviewRemoved}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}}); err != nil {
			t.Fatal(err)
		}
		op := kawan.CountOp{ID: "op-crash-1", Add: false, Delta: *r.CountedAs}
		if ok, err := f.st.StartCountOp(ctx, res.ID, true, op); !ok || err != nil {
			t.Fatalf("start op: %v %v", ok, err)
		}
		// Crash 2 (worse): the agency was updated too, but the review was not flipped.
		if err := f.st.ApplyCountOp(ctx, "ag1", op); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.Sweep(ctx)
		if err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		a := f.agency(t, "ag1").Ratings
		if a.Count != 0 || a.Sums.Overall != 0 {
			t.Errorf("op applied twice or not at all: %+v", a)
		}
		if n, _ := f.svc.Sweep(ctx); n != 0 {
			t.Errorf("second sweep re-synced %d reviews", n)
		}
	})
}

func TestQueuedSyncIsDrained(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	f := newFixture(t, s, true)
	res, _ := f.svc.Submit(ctx, "ag1", Author{UserID: "u1"}, sub(4), "")
	// A write whose sync failed: version moved, queue entry left behind.
	if _, err := f.s.DB().Collection("reviews").UpdateOne(ctx, bson.D{{Key: "_id", Value: res.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: kawan.ReviewUnderReview}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.MarkPending(ctx, res.ID, f.now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	n, err := f.svc.DrainQueue(ctx, 5*time.Second)
	if err != nil || n != 1 {
		t.Fatalf("drain: %d %v", n, err)
	}
	if p, _ := f.svc.List(ctx, ListQuery{AgencyID: "ag1"}); p.Total != 0 {
		t.Error("review under review still public")
	}
	if a := f.agency(t, "ag1"); a.Ratings.Count != 0 {
		t.Errorf("review under review still counted: %+v", a.Ratings)
	}
}

func TestRepairAggregates(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, true)
		for i := range 6 {
			if _, err := f.svc.Submit(ctx, fmt.Sprint("ag", 1+i%2), Author{UserID: fmt.Sprint("u", i)}, sub(1+i%5), ""); err != nil {
				t.Fatal(err)
			}
		}
		before := f.agency(t, "ag1").Ratings
		// Damage: wrong totals on the agency, a vote that was never counted.
		if _, err := s.DB().Collection("agencies").UpdateOne(ctx, bson.D{{Key: "_id", Value: "ag1"}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "ratings.count", Value: 7}, {Key: "ratings.fees.NPR.sum_minor", Value: 3}}}}); err != nil {
			t.Fatal(err)
		}
		page, _ := f.svc.List(ctx, ListQuery{AgencyID: "ag1"})
		if err := f.st.InsertVote(ctx, page.Items[0].ID, "v", f.now); err != nil {
			t.Fatal(err)
		}
		rep, err := f.svc.RepairAggregates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Reviews != 6 || rep.Published != 6 || rep.AgenciesFixed != 1 || rep.HelpfulFixed != 1 || rep.ReviewsFixed != 0 {
			t.Errorf("report: %+v", rep)
		}
		if after := f.agency(t, "ag1").Ratings; !aggEqual(after, before) {
			t.Errorf("repaired %+v, want %+v", after, before)
		}
		if rep, _ := f.svc.RepairAggregates(ctx); rep.AgenciesFixed != 0 || rep.HelpfulFixed != 0 || rep.ReviewsFixed != 0 {
			t.Errorf("second repair changed things: %+v", rep)
		}
	})
}

func TestListValidation(t *testing.T) {
	s := storetest.New(t)
	f := newFixture(t, s, true)
	ctx := context.Background()
	for _, q := range []ListQuery{
		{AgencyID: "ag1", Sort: "best"}, {AgencyID: "ag1", Sort: "relevance"}, {PerPage: 101}, {Page: -1},
		{Page: 200, PerPage: 100}, {Lang: "??"}, {Origin: "ZZ"}, {Q: "\xff"}, {Q: strings.Repeat("a", 201)},
	} {
		var ve *kawan.ValidationError
		if _, err := f.svc.List(ctx, q); !errors.As(err, &ve) {
			t.Errorf("%+v: %v, want a validation error", q, err)
		}
	}
	if _, err := f.svc.List(ctx, ListQuery{AgencyID: "nope"}); !errors.Is(err, kawan.ErrNotFound) {
		t.Errorf("unknown agency: %v", err)
	}
}

// TestConcurrentVotesCoalesceSyncs: many votes at once on one review coalesce their index
// syncs, and once they have all answered (and the reconciler has drained its queue) the
// index shows every vote.
func TestConcurrentVotesCoalesceSyncs(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, true)
		res, err := f.svc.Submit(ctx, "ag1", Author{UserID: "author"}, sub(4), "")
		if err != nil {
			t.Fatal(err)
		}
		const voters = 12
		var wg sync.WaitGroup
		errs := make(chan error, voters)
		for i := range voters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.svc.Vote(ctx, res.ID, fmt.Sprint("voter", i)); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if _, err := f.svc.DrainQueue(ctx, -time.Hour); err != nil { // the fixture clock stands still
			t.Fatal(err)
		}
		page, err := f.svc.List(ctx, ListQuery{AgencyID: "ag1", Sort: "helpful"})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("list: %v %+v", err, page)
		}
		if got := page.Items[0].HelpfulCount; got != voters {
			t.Errorf("index shows %d helpful votes, want %d", got, voters)
		}
	})
}

// TestRebuildIfEmpty: a lost (or outdated, hence dropped) review index is rebuilt from the
// database with every published review and nothing else.
func TestRebuildIfEmpty(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, true)
		for i, text := range []string{"first", "second", "HOLD third"} {
			x := sub(4)
			x.Text = text + " — they kept my passport for months."
			if _, err := f.svc.Submit(ctx, "ag1", Author{UserID: fmt.Sprint("u", i)}, x, ""); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := f.svc.RebuildIfEmpty(ctx); err != nil || n != 0 {
			t.Fatalf("rebuild of a full index: %d %v", n, err)
		}
		fresh, err := search.OpenReviews(ctx, search.Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = fresh.Close() })
		svc := New(f.st, fresh, Options{Now: func() time.Time { return f.now }})
		if n, err := svc.RebuildIfEmpty(ctx); err != nil || n != 2 {
			t.Fatalf("rebuild: %d %v, want the 2 published reviews", n, err)
		}
		page, err := svc.List(ctx, ListQuery{AgencyID: "ag1"})
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("after rebuild: %v %+v", err, page)
		}
		if n, _ := svc.RebuildIfEmpty(ctx); n != 0 {
			t.Errorf("second rebuild indexed %d", n)
		}
	})
}

// 24 workers reviewing one agency at the same time are 24 reviews in its aggregates (the
// embedded store once counted 20-23: FerretDB applied $inc as a read-modify-write).
func TestConcurrentReviewsOfOneAgencyAllCounted(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s, true)
		const n = 24
		err := storetest.Concurrently(n, func(i int) error {
			in := sub(1 + i%5)
			in.Text = fmt.Sprintf("Worker %d: they kept my passport and the salary was lower than promised.", i)
			res, err := f.svc.Submit(ctx, "ag1", Author{UserID: fmt.Sprintf("u%d", i)}, in, "")
			if err == nil && res.Status != kawan.ReviewPublished {
				err = fmt.Errorf("review %d: status %s", i, res.Status)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		a := f.agency(t, "ag1")
		wantSum := int64(0)
		for i := range n {
			wantSum += int64(1 + i%5)
		}
		if a.Ratings.Count != n || a.Ratings.Sums.Overall != wantSum {
			t.Fatalf("after %d concurrent reviews the agency counts %d (sum %d), want %d (sum %d)", n, a.Ratings.Count, a.Ratings.Sums.Overall, n, wantSum)
		}
		if fs := a.Ratings.Fees["NPR"]; fs.Count != n {
			t.Fatalf("fee stats count %d, want %d", fs.Count, n)
		}
	})
}

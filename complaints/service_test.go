package complaints_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/complaints"
	"github.com/kawan-labs/kawan/help"
	"github.com/kawan-labs/kawan/store"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

type fixture struct {
	svc      *complaints.Service
	st       *store.Complaints
	now      time.Time
	partners map[string]kawan.Principal // partner ID → its account
	admin    kawan.Principal
}

// newFixture builds the service on a fresh real database with three fictional partners
// from a fictional help directory: two taking Nepali workers' cases in Qatar, one in
// Malaysia only.
func newFixture(t testing.TB, s *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	db := s.DB()
	hs := store.NewHelpEntries(db)
	for _, e := range []help.Entry{
		{ID: "fx-np-desk", Name: "Fictional Nepali Workers Desk (Doha)", Kind: "ngo", Countries: []string{"QA"}, Sample: true},
		{ID: "fx-qa-shelter", Name: "Fictional Shelter (Doha)", Kind: "shelter", Countries: []string{"QA"}, Sample: true},
		{ID: "fx-my-union", Name: "Fictional Union (Malaysia)", Kind: "union", Countries: []string{"MY"}, Sample: true},
	} {
		if _, err := hs.PutHelpEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{st: store.NewComplaints(db), now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), partners: map[string]kawan.Principal{},
		admin: kawan.Principal{UserID: "admin-1", Role: kawan.RoleAdmin}}
	n := 0
	f.svc = complaints.New(f.st, complaints.Options{K: 5, Directory: help.New(hs, help.Options{}), Counter: f.st,
		AgencyExists: func(_ context.Context, id string) (bool, error) { return strings.HasPrefix(id, "agency-"), nil },
		CreateAccount: func(_ context.Context, username, _ string, _ bool) (string, error) {
			n++
			return "user-" + username, nil
		},
		Now: func() time.Time { return f.now }})
	for _, in := range []complaints.PartnerInput{
		{HelpID: "fx-np-desk", Countries: []string{"QA"}, Nationalities: []string{"NP"}, Kinds: complaints.Facts},
		{HelpID: "fx-qa-shelter", Countries: []string{"QA"}, Kinds: []string{"wages_unpaid", "abuse", "fees_above_cap"}},
		{HelpID: "fx-my-union", Countries: []string{"MY"}, Kinds: complaints.Facts},
	} {
		p, err := f.svc.CreatePartner(ctx, f.admin, in)
		if err != nil {
			t.Fatal(err)
		}
		uid, err := f.svc.AddPartnerAccount(ctx, f.admin, p.ID, "acct-"+p.ID, "x", true)
		if err != nil {
			t.Fatal(err)
		}
		f.partners[p.ID] = kawan.Principal{UserID: uid, Role: kawan.RolePartner}
	}
	return f
}

func (f *fixture) partner(id string) complaints.Caller {
	p := f.partners[id]
	return complaints.Caller{P: &p}
}

func complaint() complaints.Complaint {
	return complaints.Complaint{
		Against: complaints.Against{Kind: "agency", AgencyID: "agency-himalaya"}, Facts: []string{"fees_above_cap", "wages_unpaid"},
		HappenedOn: "2026-06-01", Country: "QA", Nationality: "NP", Place: "Doha",
		Amounts: []complaints.Amount{{What: "fee_paid", Amount: "150000", Currency: "NPR"}},
		Text:    "The agency took a fee above the legal cap.", Lang: "ne",
		PartnerIDs: []string{"fx-np-desk", "fx-qa-shelter"},
		Share:      complaints.Share{Contact: true}, Private: complaints.Private{Phone: "+977 980 000 0001", Name: "Fictional Worker", Passport: "PA1234567"},
	}
}

func fieldOf(err error) []string {
	var ve *kawan.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

// TestCaseLifecycle: a complaint without an account is referred, accepted, messaged on and
// resolved with money recovered; every step is recorded with who and when; the partner sees
// only what the worker shared.
func TestCaseLifecycle(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		filed, err := f.svc.File(ctx, nil, complaint())
		if err != nil {
			t.Fatal(err)
		}
		if filed.Secret == "" || !strings.HasPrefix(filed.Code, "KC-") || filed.Case.State != complaints.Referred {
			t.Fatalf("filed = %+v", filed)
		}
		raw, _ := f.st.Case(ctx, filed.Code)
		if raw.SecretHash == "" || strings.Contains(raw.SecretHash, filed.Secret) {
			t.Fatal("the secret must be stored only as a hash")
		}
		worker := complaints.Caller{Secret: filed.Secret}
		if _, err := f.svc.Get(ctx, complaints.Caller{Secret: "wrong"}, filed.Code); !errors.Is(err, kawan.ErrNotFound) {
			t.Fatalf("wrong secret: %v", err)
		}
		// The partner sees the referred case, not yet the worker's details.
		v, err := f.svc.Get(ctx, f.partner("fx-np-desk"), filed.Code)
		if err != nil || v.Private != nil {
			t.Fatalf("referred partner view: %+v, %v", v, err)
		}
		f.now = f.now.Add(time.Hour)
		v, err = f.svc.Transition(ctx, f.partner("fx-np-desk"), filed.Code, complaints.Transition{To: complaints.Accepted})
		if err != nil {
			t.Fatal(err)
		}
		if v.Private == nil || v.Private.Phone != "+977 980 000 0001" || v.Private.Passport != "" || v.Private.Name != "" {
			t.Fatalf("the handling partner sees the contact only: %+v", v.Private)
		}
		// The other partner no longer sees it and cannot act on it.
		if _, err := f.svc.Get(ctx, f.partner("fx-qa-shelter"), filed.Code); !errors.Is(err, kawan.ErrForbidden) {
			t.Fatalf("other partner reads: %v", err)
		}
		if _, err := f.svc.Transition(ctx, f.partner("fx-qa-shelter"), filed.Code, complaints.Transition{To: complaints.Accepted}); !errors.Is(err, kawan.ErrConflict) {
			t.Fatalf("second acceptance: %v", err)
		}
		if _, err := f.svc.Get(ctx, f.partner("fx-my-union"), filed.Code); !errors.Is(err, kawan.ErrForbidden) {
			t.Fatalf("a partner it was never referred to: %v", err)
		}
		if _, err := f.svc.Message(ctx, f.partner("fx-np-desk"), filed.Code, "नमस्ते, हामी तपाईंलाई फोन गर्नेछौं।"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Message(ctx, worker, filed.Code, "धन्यवाद"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Transition(ctx, f.partner("fx-np-desk"), filed.Code, complaints.Transition{To: complaints.InProgress}); err != nil {
			t.Fatal(err)
		}
		v, err = f.svc.Transition(ctx, f.partner("fx-np-desk"), filed.Code, complaints.Transition{To: complaints.Resolved,
			Outcome: &complaints.Outcome{Kind: "money_recovered", Recovered: &kawan.Money{Amount: "45000", Currency: "NPR"}}})
		if err != nil {
			t.Fatal(err)
		}
		v, err = f.svc.Get(ctx, worker, filed.Code)
		if err != nil {
			t.Fatal(err)
		}
		var path []string
		for _, st := range v.Steps {
			path = append(path, string(st.To)+"/"+st.By)
			if st.At.IsZero() {
				t.Errorf("step %s has no time", st.To)
			}
		}
		if got := strings.Join(path, " "); got != "submitted/worker referred/worker accepted/partner in_progress/partner resolved/partner" {
			t.Errorf("steps = %s", got)
		}
		if len(v.Messages) != 2 || v.Outcome.Recovered.Amount != "45000" || v.Private.Passport != "PA1234567" {
			t.Errorf("worker view: %+v", v)
		}
		// Erasure keeps the outcome as an anonymous count.
		if err := f.svc.Erase(ctx, worker, filed.Code); err != nil {
			t.Fatal(err)
		}
		raw, _ = f.st.Case(ctx, filed.Code)
		if raw.Private != (complaints.Private{}) || raw.Text != "" || len(raw.Messages) != 0 || raw.SecretHash != "" || raw.Outcome.Kind != "money_recovered" {
			t.Errorf("erased case: %+v", raw)
		}
		if _, err := f.svc.Get(ctx, worker, filed.Code); !errors.Is(err, kawan.ErrNotFound) {
			t.Errorf("an erased case is not readable with the old secret: %v", err)
		}
	})
}

// TestAcceptRace: two partners accept the same case at once; exactly one wins, the other
// gets a conflict, and the case names the winner.
func TestAcceptRace(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		for round := range 5 {
			filed, err := f.svc.File(ctx, nil, complaint())
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{"fx-np-desk", "fx-qa-shelter"}
			results := make([]error, 2)
			_ = storetest.Concurrently(2, func(i int) error {
				_, results[i] = f.svc.Transition(ctx, f.partner(ids[i]), filed.Code, complaints.Transition{To: complaints.Accepted})
				return results[i]
			})
			won := 0
			winner := ""
			for i, err := range results {
				switch {
				case err == nil:
					won++
					winner = ids[i]
				case !errors.Is(err, kawan.ErrConflict):
					t.Fatalf("round %d: %s: %v, want a conflict", round, ids[i], err)
				}
			}
			raw, _ := f.st.Case(ctx, filed.Code)
			if won != 1 || raw.PartnerID != winner || raw.State != complaints.Accepted {
				t.Fatalf("round %d: %d winners, case partner %s state %s", round, won, raw.PartnerID, raw.State)
			}
			accepts := 0
			for _, st := range raw.Steps {
				if st.To == complaints.Accepted {
					accepts++
				}
			}
			if accepts != 1 {
				t.Fatalf("round %d: %d acceptances recorded", round, accepts)
			}
		}
	})
}

// TestBadComplaints: every documented bad input is a validation error naming the field,
// and nothing is written.
func TestBadComplaints(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	f := newFixture(t, s)
	cases := []struct {
		name  string
		edit  func(c *complaints.Complaint)
		field string
	}{
		{"unknown currency", func(c *complaints.Complaint) { c.Amounts[0].Currency = "XXQ" }, "amounts[0].currency"},
		{"float amount", func(c *complaints.Complaint) { c.Amounts[0].Amount = "1e5" }, "amounts[0].amount"},
		{"too many decimals", func(c *complaints.Complaint) { c.Amounts[0].Amount = "10.5"; c.Amounts[0].Currency = "JPY" }, "amounts[0].amount"},
		{"future date", func(c *complaints.Complaint) { c.HappenedOn = "2027-01-01" }, "happened_on"},
		{"1 MB of text", func(c *complaints.Complaint) { c.Text = strings.Repeat("a", 1<<20) }, "text"},
		{"HTML", func(c *complaints.Complaint) { c.Text = `<script>alert(1)</script>` }, "text"},
		{"partner not taking the country", func(c *complaints.Complaint) { c.PartnerIDs = []string{"fx-my-union"} }, "partner_ids[0]"},
		{"unknown partner", func(c *complaints.Complaint) { c.PartnerIDs = []string{"nobody"} }, "partner_ids[0]"},
		{"no partner and no moderators", func(c *complaints.Complaint) { c.PartnerIDs = nil }, "partner_ids"},
		{"unknown fact", func(c *complaints.Complaint) { c.Facts = []string{"bad_vibes"} }, "facts[0]"},
		{"unknown agency", func(c *complaints.Complaint) { c.Against.AgencyID = "nope" }, "against.agency_id"},
		{"share without contact", func(c *complaints.Complaint) { c.Private.Phone = "" }, "share.contact"},
		{"bad passport", func(c *complaints.Complaint) { c.Private.Passport = "pa 12" }, "private.passport_number"},
		{"bad country", func(c *complaints.Complaint) { c.Country = "Qatar" }, "country"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := complaint()
			tc.edit(&in)
			_, err := f.svc.File(ctx, nil, in)
			if got := fieldOf(err); len(got) == 0 || got[0] != tc.field {
				t.Fatalf("err = %v, want a validation error naming %s", err, tc.field)
			}
		})
	}
	n, err := s.DB().Collection("complaints").CountDocuments(ctx, map[string]any{})
	if err != nil || n != 0 {
		t.Fatalf("%d cases written by bad input (%v)", n, err)
	}
	// Transitions: an outcome in an unknown currency, a decline without a reason.
	filed, err := f.svc.File(ctx, nil, complaint())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Transition(ctx, f.partner("fx-np-desk"), filed.Code, complaints.Transition{To: complaints.Declined}); fieldOf(err) == nil || fieldOf(err)[0] != "reason" {
		t.Errorf("decline without reason: %v", err)
	}
	if _, err := f.svc.Transition(ctx, f.partner("fx-my-union"), filed.Code, complaints.Transition{To: complaints.Accepted}); !errors.Is(err, kawan.ErrForbidden) {
		t.Errorf("a partner answering a case not referred to it: %v", err)
	}
}

// TestDeclineAndReferAgain: a partner declines with a reason; once every partner declined,
// the case is declined and the worker refers it to another partner (not one that declined).
func TestDeclineAndReferAgain(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	f := newFixture(t, s)
	in := complaint()
	in.PartnerIDs = []string{"fx-qa-shelter"}
	filed, err := f.svc.File(ctx, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.svc.Transition(ctx, f.partner("fx-qa-shelter"), filed.Code, complaints.Transition{To: complaints.Declined, Reason: "no_capacity"})
	if err != nil || v.State != complaints.Declined {
		t.Fatalf("decline: %v %v", v, err)
	}
	worker := complaints.Caller{Secret: filed.Secret}
	if _, err := f.svc.Transition(ctx, worker, filed.Code, complaints.Transition{To: complaints.Referred, PartnerIDs: []string{"fx-qa-shelter"}}); fieldOf(err) == nil {
		t.Errorf("referring again to the partner that declined: %v", err)
	}
	v, err = f.svc.Transition(ctx, worker, filed.Code, complaints.Transition{To: complaints.Referred, PartnerIDs: []string{"fx-np-desk"}})
	if err != nil || v.State != complaints.Referred {
		t.Fatalf("refer again: %v %v", v, err)
	}
}

// TestUnansweredFlagged: a referral with no answer in 7 days is flagged to moderators by
// the background job; an answered one is not.
func TestUnansweredFlagged(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	f := newFixture(t, s)
	waiting, _ := f.svc.File(ctx, nil, complaint())
	answered, _ := f.svc.File(ctx, nil, complaint())
	if _, err := f.svc.Transition(ctx, f.partner("fx-np-desk"), answered.Code, complaints.Transition{To: complaints.Accepted}); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(6 * 24 * time.Hour)
	if n, err := f.svc.FlagUnanswered(ctx); err != nil || n != 0 {
		t.Fatalf("after 6 days: %d flagged, %v", n, err)
	}
	f.now = f.now.Add(25 * time.Hour)
	if n, err := f.svc.FlagUnanswered(ctx); err != nil || n != 1 {
		t.Fatalf("after 7 days: %d flagged, %v", n, err)
	}
	list, err := f.svc.ForModerators(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range list {
		if c.Code == waiting.Code && c.Flagged {
			found = true
		}
		if c.Code == answered.Code {
			t.Error("an accepted case is not waiting for moderators")
		}
	}
	if !found {
		t.Errorf("the unanswered case is not in the moderators' list: %+v", list)
	}
}

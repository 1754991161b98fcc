package frontend_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/reviews"
)

// Fictional agencies for the page tests (the same shapes as the agencies area's tests).
const (
	himalaya = `{"legal_name":"Himalaya Manpower Pvt. Ltd.","origin":"NP","city":"Kathmandu",
 "destinations":["QA","MY"],"sectors":["construction"],"languages":["ne","en"],
 "licences":[{"regulator":"NP-DOFE","number":"1234/070/71","status":"active","valid_to":"2030-07-15T00:00:00Z",
   "source_url":"https://dofe.gov.np/","retrieved_at":"2026-05-01T00:00:00Z"}],"fictional":true}`
	everest = `{"legal_name":"Everest Manpower Services","origin":"NP","city":"Pokhara","destinations":["SA"],"sectors":["hospitality"],
 "licences":[{"regulator":"NP-DOFE","number":"88/065/66","status":"suspended","status_date":"2026-04-10T00:00:00Z",
   "source_url":"https://dofe.gov.np/","retrieved_at":"2026-05-01T00:00:00Z"}],
 "sanctions":[{"date":"2026-04-10T00:00:00Z","authority":"Department of Foreign Employment","kind":"suspension",
   "summary":"Licence suspended for charging workers above the legal fee (fictional).","source_url":"https://dofe.gov.np/","licence":"88/065/66"}],"fictional":true}`
	bayanihan = `{"legal_name":"Bayanihan Placement Inc.","origin":"PH","city":"Makati","destinations":["HK"],"sectors":["domestic_work"],
 "licences":[{"regulator":"PH-DMW","number":"POEA-077-LB-121219-R","status":"revoked","status_date":"2025-02-01T00:00:00Z",
   "source_url":"https://dmw.gov.ph/","retrieved_at":"2026-05-01T00:00:00Z"}],
 "sanctions":[{"date":"2025-02-01T00:00:00Z","authority":"Department of Migrant Workers","kind":"blacklist",
   "summary":"Blacklisted for illegal recruitment (fictional).","source_url":"https://dmw.gov.ph/"}],"fictional":true}`
)

// seeded holds the IDs of the fixture agencies.
type seeded struct{ himalaya, everest, bayanihan string }

func (s *site) seedAgencies(t testing.TB) seeded {
	t.Helper()
	if s.app.Agencies == nil {
		t.Skip("agencies area not wired")
	}
	create := func(body string) string {
		var in agencies.AgencyInput
		if err := json.Unmarshal([]byte(body), &in); err != nil {
			t.Fatal(err)
		}
		a, err := s.app.Agencies.Create(context.Background(), in)
		if err != nil {
			t.Fatalf("create agency: %v", err)
		}
		return a.ID
	}
	return seeded{himalaya: create(himalaya), everest: create(everest), bayanihan: create(bayanihan)}
}

// seedReviews submits reviews of agency id by distinct fictional workers through the real
// screener; any review moderation holds is published by a fixture moderator, so the
// page tests see every one of them.
func (s *site) seedReviews(t testing.TB, id string, overall ...int) {
	t.Helper()
	ctx := context.Background()
	for i, o := range overall {
		in := reviews.Submission{
			Ratings:        reviews.RatingsInput{Overall: ptr(o), FeesHonesty: ptr(o), ContractMatch: ptr(max(o-1, 1)), Treatment: ptr(o), Support: ptr(o)},
			WouldRecommend: ptr(o >= 4),
			Origin:         "NP", Destination: "QA", Sector: "construction", DepartureYear: 2024,
			FeesPaid: &kawan.Money{Amount: "150000", Currency: "NPR"},
			Text:     fixtureTexts[i%len(fixtureTexts)],
			Lang:     "en",
		}
		author := reviews.Author{UserID: "fixture-worker-" + string(rune('a'+i)), Since: time.Now().Add(-400 * 24 * time.Hour),
			ClientFP: "fixture-fp-" + string(rune('a'+i))}
		res, err := s.app.Reviews.Submit(ctx, id, author, in, "")
		if err != nil {
			t.Fatalf("submit review: %v", err)
		}
		if res.Status != kawan.ReviewPublished {
			s.publish(t, res.ID)
		}
	}
}

// publish has a fixture moderator publish a held review.
func (s *site) publish(t testing.TB, reviewID string) {
	t.Helper()
	if s.app.Moderation == nil {
		t.Fatalf("review %s held and no moderation wired", reviewID)
	}
	mod := kawan.Principal{UserID: "fixture-moderator", Role: kawan.RoleModerator}
	if _, err := s.app.Moderation.Decide(context.Background(), mod, reviewID, moderation.Decision{Action: moderation.ActionPublish, Reason: moderation.ReasonMeetsGuidelines}); err != nil {
		t.Fatalf("publish review %s: %v", reviewID, err)
	}
}

func ptr[T any](v T) *T { return &v }

var fixtureTexts = []string{
	"Review number A. The agency explained the contract in Nepali before I signed and the salary in Doha was what they promised.",
	"Review number B. Visa took four months longer than they said, but the staff answered every call and helped my family.",
	"Review number C. They asked for extra money at the airport that was not in any receipt. The job itself was fine.",
	"Review number D. Good housing, overtime paid on time, and the office in Kathmandu returned my passport copy quickly.",
	"Review number E. I waited six weeks in a hostel without pay; nobody from the office visited us during that time.",
}

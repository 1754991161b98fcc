package frontend_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
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

// publishAll stands in for moderation's screener while moderation is not wired: it
// publishes every review unchanged (the agencies area's tests do the same).
type publishAll struct{}

func (publishAll) Screen(_ context.Context, r *kawan.Review) (kawan.Screening, error) {
	return kawan.Screening{Status: kawan.ReviewPublished, PublicText: r.Text}, nil
}

func ptr[T any](v T) *T { return &v }

// seedReviews submits published reviews of agency id by distinct fictional workers.
func (s *site) seedReviews(t testing.TB, id string, overall ...int) {
	t.Helper()
	s.app.Reviews.SetScreener(publishAll{})
	for i, o := range overall {
		in := reviews.Submission{
			Ratings:        reviews.RatingsInput{Overall: ptr(o), FeesHonesty: ptr(o), ContractMatch: ptr(max(o-1, 1)), Treatment: ptr(o), Support: ptr(o)},
			WouldRecommend: ptr(o >= 4),
			Origin:         "NP", Destination: "QA", Sector: "construction", DepartureYear: 2024,
			FeesPaid: &kawan.Money{Amount: "150000", Currency: "NPR"},
			Text:     "The agency told us the truth about the job and the salary. Review number " + string(rune('A'+i)) + ".",
			Lang:     "en",
		}
		author := reviews.Author{UserID: "fixture-worker-" + string(rune('a'+i)), Since: time.Now().Add(-90 * 24 * time.Hour)}
		if _, err := s.app.Reviews.Submit(context.Background(), id, author, in, ""); err != nil {
			t.Fatalf("submit review: %v", err)
		}
	}
}

package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kawan-labs/kawan/reviews"
	"github.com/kawan-labs/kawan/store"
)

// demoReviewMark ends every demo review so nobody mistakes one for a real worker's account.
const demoReviewMark = " (Fictional demo review.)"

// loadDemoReviews submits fictional reviews of the first demo agencies through the real
// reviews service, so they pass moderation like any other: most are published, one has its
// phone number redacted, and a small sockpuppet farm and a threat are held in the
// moderation queue for the demo moderator. It does nothing when there are no agencies.
func loadDemoReviews(ctx context.Context, a *App) error {
	if a.Reviews == nil || a.Moderation == nil {
		return nil
	}
	var ids []string
	if err := store.NewReviews(a.Store.DB()).EachAgencyRatings(ctx, func(ag store.AgencyRatings) error {
		ids = append(ids, ag.ID)
		return nil
	}); err != nil {
		return err
	}
	if len(ids) < 3 {
		return nil
	}
	slices.Sort(ids)
	now := time.Now().UTC()
	type demo struct {
		agency  int
		author  string
		fp      string
		age     time.Duration
		ratings [5]int
		text    string
	}
	old := 300 * 24 * time.Hour
	farm := "Very good agency, the staff helped me with everything, my visa was fast and the employer is kind. I recommend them to everyone who wants to work abroad."
	items := []demo{
		{0, "demo-reviewer-1", "demo-fp-1", old, [5]int{2, 1, 2, 2, 3}, "They kept my passport for three months and charged 45,000 PHP although the legal fee is one month's salary. The job in Riyadh matched the contract."},
		{0, "demo-reviewer-2", "demo-fp-2", old, [5]int{4, 4, 5, 4, 3}, "Orientation was clear, the fees were exactly as announced and the employer in Singapore paid on time every month."},
		{1, "demo-reviewer-3", "demo-fp-3", old, [5]int{3, 2, 3, 4, 3}, "Slow processing, almost five months, but they returned my documents and helped when my employer changed."},
		{1, "demo-reviewer-4", "demo-fp-4", old, [5]int{1, 1, 1, 2, 1}, "The salary in Doha was 900 riyal instead of the 1,400 written in the contract and nobody from the agency answered."},
		{2, "demo-reviewer-5", "demo-fp-5", old, [5]int{5, 5, 4, 5, 5}, "Honest staff. My cousin and I both went to Kuala Lumpur through them in 2024 and paid only the medical and the visa."},
		{2, "demo-reviewer-6", "demo-fp-6", old, [5]int{2, 2, 3, 2, 2}, "Call me on +63 917 555 0142 if you want to know more; they deducted the placement fee from my first three salaries."},
		{1, "demo-farm-1", "demo-fp-farm", 20 * time.Minute, [5]int{5, 5, 5, 5, 5}, farm},
		{1, "demo-farm-2", "demo-fp-farm", 15 * time.Minute, [5]int{5, 5, 5, 5, 5}, strings.Replace(farm, "Very good", "Really good", 1)},
		{1, "demo-farm-3", "demo-fp-farm", 10 * time.Minute, [5]int{5, 5, 5, 5, 5}, strings.Replace(farm, "everyone", "all my friends", 1)},
		{0, "demo-reviewer-7", "demo-fp-7", old, [5]int{1, 1, 1, 1, 1}, "I know where you live, the manager will regret what he did to us."},
	}
	for i, d := range items {
		r := d.ratings
		rec := r[0] >= 4
		in := reviews.Submission{
			Ratings:        reviews.RatingsInput{Overall: &r[0], FeesHonesty: &r[1], ContractMatch: &r[2], Treatment: &r[3], Support: &r[4]},
			WouldRecommend: &rec, Origin: "PH", Destination: "SA", Text: d.text + demoReviewMark,
		}
		_, err := a.Reviews.Submit(ctx, ids[d.agency], reviews.Author{UserID: d.author, ClientFP: d.fp, Since: now.Add(-d.age)}, in, fmt.Sprintf("demo-review-%d", i))
		if err != nil {
			return fmt.Errorf("demo review %d: %w", i, err)
		}
	}
	return nil
}

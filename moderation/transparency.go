package moderation

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kawan-labs/kawan"
)

// latencyBounds are the upper bounds of the time-to-decision histogram buckets; the last
// bucket is open-ended. The median is reported as the upper bound of its bucket.
var latencyBounds = []time.Duration{
	5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour,
	8 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 72 * time.Hour, 7 * 24 * time.Hour,
	14 * 24 * time.Hour, 30 * 24 * time.Hour,
}

func latencyBucket(d time.Duration) int {
	for i, b := range latencyBounds {
		if d <= b {
			return i
		}
	}
	return len(latencyBounds)
}

// PeriodReport is one month of the public transparency report: aggregated counts only,
// no review, account or agency.
type PeriodReport struct {
	Period string `json:"period"` // YYYY-MM
	// Received is every review screened; PublishedAutomatically and HeldAutomatically split it.
	Received               int64 `json:"received"`
	PublishedAutomatically int64 `json:"published_automatically"`
	HeldAutomatically      int64 `json:"held_automatically"`
	// Decisions by moderators, by resulting status.
	Published   int64 `json:"published"`
	Rejected    int64 `json:"rejected"`
	Removed     int64 `json:"removed"`
	UnderReview int64 `json:"under_review"`
	Verified    int64 `json:"verified"`
	Appeals     int64 `json:"appeals"`
	// ByReason counts decisions by resulting status and reason ("rejected" → "fake" → 3).
	ByReason map[string]map[string]int64 `json:"by_reason"`
	// FlagsReceived and FlagsHandled count user flags (handled: a decision was made on the review).
	FlagsReceived int64 `json:"flags_received"`
	FlagsHandled  int64 `json:"flags_handled"`
	// MedianDecisionSeconds is the upper bound of the histogram bucket that holds the median
	// time from queueing to decision (nil without decisions; -1 when beyond 30 days).
	MedianDecisionSeconds *int64 `json:"median_decision_seconds"`
	// CaughtAutomaticallyShare is the share of rejected and removed reviews that screening
	// had held before anyone saw them (nil without any).
	CaughtAutomaticallyShare *float64 `json:"caught_automatically_share"`
}

// TransparencyReport is the public report over a range of months.
type TransparencyReport struct {
	From    string         `json:"from"`
	To      string         `json:"to"`
	Periods []PeriodReport `json:"periods"`
	// Method explains how the numbers are made.
	Method string `json:"method"`
}

const transparencyMethod = "Counts are kept per calendar month (UTC) when a review is screened and when a moderator decides. " +
	"Time to decision runs from when a review entered the moderation queue to the decision; the median is given as the upper " +
	"bound of its bucket (5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 12 h, 1 d, 2 d, 3 d, 7 d, 14 d, 30 d). " +
	"Caught automatically: the share of rejected or removed reviews that screening held before publication."

// ParseMonth parses "YYYY-MM".
func ParseMonth(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01", s)
	return t, err == nil && len(s) == 7
}

// Transparency returns the report for the months from..to ("YYYY-MM", inclusive, at most
// 36 months; empty from: 11 months before to; empty to: this month).
func (s *Service) Transparency(ctx context.Context, from, to string) (TransparencyReport, error) {
	v := &kawan.ValidationError{}
	now := s.now().UTC()
	tt := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if to != "" {
		t, ok := ParseMonth(to)
		if !ok {
			v.Add("to", "must be a month like 2026-11")
		}
		tt = t
	}
	ft := tt.AddDate(0, -11, 0)
	if from != "" {
		t, ok := ParseMonth(from)
		if !ok {
			v.Add("from", "must be a month like 2026-01")
		}
		ft = t
	}
	if v.Err() == nil {
		if ft.After(tt) {
			v.Add("from", "must not be after to")
		} else if ft.AddDate(3, 0, 0).Before(tt) || ft.AddDate(3, 0, 0).Equal(tt) {
			v.Add("from", "the range may cover at most 36 months")
		}
	}
	if err := v.Err(); err != nil {
		return TransparencyReport{}, err
	}
	fs, ts := ft.Format("2006-01"), tt.Format("2006-01")
	stats, err := s.st.Stats(ctx, fs, ts)
	if err != nil {
		return TransparencyReport{}, err
	}
	rep := TransparencyReport{From: fs, To: ts, Periods: []PeriodReport{}, Method: transparencyMethod}
	for _, p := range stats {
		c := p.Counts
		pr := PeriodReport{Period: p.Period, Received: c["received"], PublishedAutomatically: c["published_auto"],
			HeldAutomatically: c["held_auto"], Published: c["published"], Rejected: c["rejected"], Removed: c["removed"],
			UnderReview: c["under_review"], Verified: c["verified"], Appeals: c["appeals"],
			FlagsReceived: c["flags"], FlagsHandled: c["flags_handled"], ByReason: map[string]map[string]int64{}}
		for k, n := range c {
			rest, ok := strings.CutPrefix(k, "reason:")
			if !ok || n == 0 {
				continue
			}
			st, reason, ok := strings.Cut(rest, ":")
			if !ok {
				continue
			}
			if pr.ByReason[st] == nil {
				pr.ByReason[st] = map[string]int64{}
			}
			pr.ByReason[st][reason] = n
		}
		pr.MedianDecisionSeconds = medianBucket(p.Latency)
		if refused := pr.Rejected + pr.Removed; refused > 0 {
			share := math.Round(float64(c["caught_auto"])/float64(refused)*1000) / 1000
			pr.CaughtAutomaticallyShare = &share
		}
		rep.Periods = append(rep.Periods, pr)
	}
	return rep, nil
}

func medianBucket(lat map[string]int64) *int64 {
	counts := make([]int64, len(latencyBounds)+1)
	var total int64
	for k, n := range lat {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(counts) || n <= 0 {
			continue
		}
		counts[i] += n
		total += n
	}
	if total == 0 {
		return nil
	}
	var seen int64
	for i, n := range counts {
		seen += n
		if 2*seen >= total {
			v := int64(-1)
			if i < len(latencyBounds) {
				v = int64(latencyBounds[i].Seconds())
			}
			return &v
		}
	}
	return nil
}

package complaints

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/kawan-labs/kawan"
)

// MaxCountedCases bounds the cases read for one agency's outcomes.
const MaxCountedCases = 200000

// OutcomeCell is one period of an agency's published complaint outcomes. A suppressed cell
// has complaints but releases none (fewer than k distinct workers so far): no figures.
type OutcomeCell struct {
	// Period is a year ("2026") or "all" (the union of the released years).
	Period     string `json:"period"`
	Suppressed bool   `json:"suppressed,omitempty"`
	// Workers is how many distinct workers the figures come from (a multiple of k).
	Workers  int            `json:"workers,omitempty"`
	Received int            `json:"received,omitempty"`
	Accepted int            `json:"accepted,omitempty"`
	Resolved int            `json:"resolved,omitempty"`
	Outcomes map[string]int `json:"outcomes,omitempty"`
}

// AgencyOutcomes is what became of complaints about one agency.
type AgencyOutcomes struct {
	AgencyID string        `json:"agency_id"`
	K        int           `json:"k"`
	Cells    []OutcomeCell `json:"cells"`
}

// Outcomes publishes the complaint outcomes of an agency, period by period, under the open
// data's rule (docs/open-data.md): within a year, the workers who complained are ordered by
// their first complaint and only the oldest ⌊n/k⌋·k are released, so a period shows nothing
// below k workers and afterwards changes only in steps of k workers; "all" is the union of
// the released years. Complaints the worker hid from the agency are not counted.
func (s *Service) Outcomes(ctx context.Context, agencyID string) (*AgencyOutcomes, error) {
	if !kawan.ValidID(agencyID) {
		return nil, fmt.Errorf("complaints: agency %q: %w", truncate(agencyID), kawan.ErrNotFound)
	}
	if s.opt.AgencyExists != nil {
		ok, err := s.opt.AgencyExists(ctx, agencyID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("complaints: agency %s: %w", agencyID, kawan.ErrNotFound)
		}
	}
	rows, err := s.opt.Counter.CaseCounts(ctx, agencyID, MaxCountedCases)
	if err != nil {
		return nil, err
	}
	return &AgencyOutcomes{AgencyID: agencyID, K: s.opt.K, Cells: Release(rows, s.opt.K)}, nil
}

// Release computes the published cells from an agency's cases (exported for tests and the
// open-data differencing checks).
func Release(rows []CaseCount, k int) []OutcomeCell {
	byYear := map[int][]CaseCount{}
	for _, r := range rows {
		if r.Hidden || r.Complainant == "" {
			continue
		}
		y := r.CreatedAt.UTC().Year()
		byYear[y] = append(byYear[y], r)
	}
	years := make([]int, 0, len(byYear))
	for y := range byYear {
		years = append(years, y)
	}
	slices.Sort(years)
	var cells []OutcomeCell
	total := OutcomeCell{Period: "all", Outcomes: map[string]int{}}
	anyReleased := false
	for _, y := range years {
		released := releaseYear(byYear[y], k)
		if len(released) == 0 {
			cells = append(cells, OutcomeCell{Period: strconv.Itoa(y), Suppressed: true})
			continue
		}
		anyReleased = true
		c := OutcomeCell{Period: strconv.Itoa(y), Outcomes: map[string]int{}}
		workers := map[string]bool{}
		for _, r := range released {
			workers[r.Complainant] = true
			count(&c, r)
			count(&total, r)
		}
		c.Workers = len(workers)
		total.Workers += len(workers)
		cells = append(cells, c)
	}
	if len(cells) == 0 {
		return []OutcomeCell{}
	}
	if !anyReleased {
		return append(cells, OutcomeCell{Period: "all", Suppressed: true})
	}
	return append(cells, total)
}

func count(c *OutcomeCell, r CaseCount) {
	c.Received++
	if r.WasAccepted {
		c.Accepted++
	}
	if r.State == Resolved {
		c.Resolved++
		if r.Outcome != "" {
			c.Outcomes[r.Outcome]++
		}
	}
}

// releaseYear returns, for the oldest ⌊n/k⌋·k distinct workers of one year, each one's first
// case of the year (a worker counts once per period, as a contributor does in the open data).
func releaseYear(rows []CaseCount, k int) []CaseCount {
	first := map[string]CaseCount{}
	for _, r := range rows {
		if f, ok := first[r.Complainant]; !ok || r.CreatedAt.Before(f.CreatedAt) {
			first[r.Complainant] = r
		}
	}
	out := make([]CaseCount, 0, len(first))
	for _, r := range first {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b CaseCount) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Complainant, b.Complainant)
	})
	return out[:len(out)/k*k]
}

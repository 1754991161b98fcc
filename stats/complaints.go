package stats

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/complaints"
)

// TableComplaints is the open-data table of complaints and what became of them.
const TableComplaints = "complaints"

// ComplaintFact is what statistics read from one complaint's case: never its text, place,
// date of the events, amounts, messages, notes, the worker's details or whom it names
// other than a registered agency.
type ComplaintFact struct {
	CaseID string
	// Complainant identifies the worker for counting distinct workers (complaints.Case:
	// a hash of the account, or of the case for a complaint without one). Kept when the
	// worker erases the case, so an erased complaint keeps counting anonymously.
	Complainant string
	// AgencyID is the registered agency the complaint is against, empty when it names an
	// employer or no one, or when the worker asked to keep it out of the agency's counts
	// (hide_from_agency).
	AgencyID string
	// Destination is where it happened; Nationality the worker's (ISO 3166-1 alpha-2).
	Destination, Nationality string
	Facts                    []string // complaints.Facts
	State                    string   // complaints.State
	// Accepted: a partner took the case up (it passed through accepted).
	Accepted bool
	Outcome  string // the outcome kind of a resolved case (complaints.Outcomes)
	// ReceivedAt is when the complaint was filed: its year, and its place in the k-step
	// release.
	ReceivedAt time.Time
}

// ComplaintSource yields every complaint case (store.StatsSource), erased ones included.
type ComplaintSource interface {
	EachComplaint(ctx context.Context, fn func(ComplaintFact) error) error
}

// Dimensions of the complaints table. The figures come from two families that share the
// same released records per agency and year as the agency page's complaint outcomes:
//   - complaintDims (year × destination × nationality × fact), every complaint;
//   - complaintAgencyDims (year × agency), the complaints against a registered agency the
//     worker did not hide from it. Its finest cells are exactly those of
//     complaints.Release (GET /v1/agencies/{id}/complaint-outcomes), so the table's
//     per-agency figures equal the agency page's and add nothing a reader could subtract.
var (
	complaintDims       = []string{"year", "destination", "nationality", "fact"}
	complaintAgencyDims = []string{"year", "agency"}
	complaintTableDims  = []string{"year", "destination", "nationality", "fact", "agency"}
)

// SeveralFacts is the fact dimension's value for a complaint that names more than one
// fact (the fact_* columns count every fact named).
const SeveralFacts = "several"

// complaintColumns are the complaints table's measures after the dimensions and suppressed.
var complaintColumns = func() []Column {
	cols := []Column{
		{Name: "received", Type: TypeInteger, Description: "Complaints received (one per worker and finest cell, the worker's first; released in steps of k workers)"},
		{Name: "accepted", Type: TypeInteger, Description: "Of those, complaints a partner organisation took up"},
		{Name: "resolved", Type: TypeInteger, Description: "Of those, complaints resolved with an outcome"},
	}
	for _, o := range complaints.Outcomes {
		cols = append(cols, Column{Name: "outcome_" + o, Type: TypeInteger, Description: "Resolved complaints with the outcome " + o})
	}
	for _, f := range complaints.Facts {
		cols = append(cols, Column{Name: "fact_" + f, Type: TypeInteger, Description: "Complaints naming " + f + " among what happened (a complaint may name several)"})
	}
	return cols
}()

var complaintDimDesc = map[string]string{
	"year":        "Year the complaint was received (UTC)",
	"destination": "Country where it happened, ISO 3166-1 alpha-2",
	"nationality": "The worker's nationality, ISO 3166-1 alpha-2",
	"fact":        "What happened: the one fact the complaint names (" + strings.Join(complaints.Facts, ", ") + "), or several",
	"agency":      "Kawan ID of the registered agency complained about (only complaints against an agency the worker did not hide from it; combines with year only)",
}

// complaintRecord packs a complaint into a record: v1 holds the facts named (bit i for
// complaints.Facts[i]); v2 bit 0 accepted, bit 1 resolved, bits 8… the outcome's index + 1.
func complaintRecord(f ComplaintFact) (main, agency rec, ok bool) {
	if f.Complainant == "" {
		return rec{}, rec{}, false
	}
	var v1, v2 int64
	for _, x := range f.Facts {
		if i := slices.Index(complaints.Facts, x); i >= 0 {
			v1 |= 1 << i
		}
	}
	if f.Accepted {
		v2 |= 1
	}
	if f.State == string(complaints.Resolved) {
		v2 |= 2
		if i := slices.Index(complaints.Outcomes, f.Outcome); i >= 0 {
			v2 |= int64(i+1) << 8
		}
	}
	fact := Unknown
	switch n := bits.OnesCount64(uint64(v1)); {
	case n == 1:
		fact = complaints.Facts[bits.TrailingZeros64(uint64(v1))]
	case n > 1:
		fact = SeveralFacts
	}
	year := itoa(f.ReceivedAt.UTC().Year())
	// The id orders equal times by worker, as complaints.Release does.
	base := rec{author: f.Complainant, id: f.Complainant + "\x00" + f.CaseID, agency: f.AgencyID, at: f.ReceivedAt, v1: v1, v2: v2}
	main = base
	main.key = key{year, orUnknown(f.Destination), orUnknown(f.Nationality), fact}
	agency = base
	agency.key = key{year, f.AgencyID}
	return main, agency, true
}

// Complaints is the table of complaints and what became of them, by year received,
// destination, nationality, what happened and (with year only) the agency.
func (s *Service) Complaints(ctx context.Context, q Query) (*Table, error) {
	perAgency := slices.Contains(q.By, "agency")
	if _, ok := q.Filter["agency"]; ok {
		perAgency = true
	}
	if perAgency {
		v := &kawan.ValidationError{}
		for _, d := range q.By {
			if d != "agency" && d != "year" && slices.Contains(complaintTableDims, d) {
				v.Add("by", "agency combines with year only (per-agency figures are released per agency and year, as on the agency page), not with %s", d)
			}
		}
		names := make([]string, 0, len(q.Filter))
		for name := range q.Filter {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			if name != "agency" && name != "year" && slices.Contains(complaintTableDims, name) {
				v.Add(name, "cannot be combined with agency (per-agency figures are released per agency and year)")
			}
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
	}
	pick := func(sn *Snapshot) *family {
		if perAgency {
			return sn.complaintAgency
		}
		return sn.complaints
	}
	shape := tableShape{dimDesc: complaintDimDesc, noReports: true, dims: complaintTableDims}
	return s.table(ctx, TableComplaints, "Complaints and what became of them", q, pick, false, shape, complaintColumns, fillComplaints)
}

func fillComplaints(_ *Snapshot, g *group) []string {
	var accepted, resolved int
	outcomes := make([]int, len(complaints.Outcomes))
	facts := make([]int, len(complaints.Facts))
	g.each(func(r *rec) {
		if r.v2&1 != 0 {
			accepted++
		}
		if r.v2&2 != 0 {
			resolved++
			if o := int(r.v2>>8) - 1; o >= 0 && o < len(outcomes) {
				outcomes[o]++
			}
		}
		for i := range facts {
			if r.v1&(1<<i) != 0 {
				facts[i]++
			}
		}
	})
	out := []string{itoa(g.n), itoa(accepted), itoa(resolved)}
	for _, n := range outcomes {
		out = append(out, itoa(n))
	}
	for _, n := range facts {
		out = append(out, itoa(n))
	}
	return out
}

// complaintFamilies reads every complaint and builds the two families.
func (s *Service) complaintFamilies(ctx context.Context) (main, agency *family, err error) {
	var mainRecs, agencyRecs []rec
	if s.opt.Complaints != nil {
		n := 0
		err = s.opt.Complaints.EachComplaint(ctx, func(f ComplaintFact) error {
			n++
			if n > s.opt.MaxReports {
				return errTooMany
			}
			m, a, ok := complaintRecord(f)
			if !ok {
				return nil
			}
			mainRecs = append(mainRecs, m)
			if f.AgencyID != "" {
				agencyRecs = append(agencyRecs, a)
			}
			return nil
		})
		switch {
		case err == errTooMany:
			s.opt.Logger.Warn("stats: complaint limit reached; later complaints left out", "limit", s.opt.MaxReports)
		case err != nil:
			return nil, nil, fmt.Errorf("stats: complaints: %w", err)
		}
	}
	return buildFamily(complaintDims, mainRecs, s.opt.K, s.opt.protection),
		buildFamily(complaintAgencyDims, agencyRecs, s.opt.K, s.opt.protection), nil
}

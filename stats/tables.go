package stats

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
)

// Table names.
const (
	TableRecruitmentFees = "recruitment-fees"
	TableSDG1071         = "sdg-10-7-1"
	TableAgencyReviews   = "agency-reviews"
	TableRemittanceCosts = "remittance-costs"
)

// MethodURL documents the method (docs/open-data.md in the repository).
const MethodURL = "https://github.com/kawan-labs/kawan/blob/main/docs/open-data.md"

// Query selects a review table: the dimensions to group by (none: one total cell) and
// filters by dimension value.
type Query struct {
	By     []string
	Filter map[string]string
}

var (
	countryRe = regexp.MustCompile(`^[A-Z]{2}$`)
	sectorRe  = regexp.MustCompile(`^[a-z][a-z_]{0,39}$`)
)

// validate checks q against a family's dimensions and returns the by-indexes and the
// filter as a key. Field names are the query parameters (by, origin, …); listed names the
// table's dimensions in messages (a table may serve several families).
func (q Query) validate(dims, listed []string) ([]int, key, error) {
	v := &kawan.ValidationError{}
	var by []int
	for _, d := range q.By {
		i := slices.Index(dims, d)
		switch {
		case i < 0:
			v.Add("by", "unknown dimension %q (this table has: %s)", trunc(d), strings.Join(listed, ", "))
		case slices.Contains(by, i):
			v.Add("by", "dimension %q is given twice", d)
		default:
			by = append(by, i)
		}
	}
	var filter key
	names := make([]string, 0, len(q.Filter))
	for name := range q.Filter {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		val := q.Filter[name]
		i := slices.Index(dims, name)
		if i < 0 {
			v.Add(name, "is not a dimension of this table (it has: %s)", strings.Join(listed, ", "))
			continue
		}
		if !validValue(name, val) {
			v.Add(name, "%s", valueHint(name))
			continue
		}
		filter[i] = val
	}
	slices.Sort(by)
	return by, filter, v.Err()
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}

func validValue(dim, v string) bool {
	if v == Unknown {
		return true
	}
	switch dim {
	case "origin", "destination", "nationality":
		return countryRe.MatchString(v)
	case "sector", "fact":
		return sectorRe.MatchString(v)
	case "agency":
		return kawan.ValidID(v)
	case "year":
		n, err := strconv.Atoi(v)
		return err == nil && n >= 1970 && n <= 2100 && strconv.Itoa(n) == v
	}
	return false
}

func valueHint(dim string) string {
	switch dim {
	case "origin", "destination", "nationality":
		return "must be an ISO 3166-1 alpha-2 country code in capitals (like NP) or unknown"
	case "fact":
		return "must be a complaint fact such as wages_unpaid, or several, or unknown"
	case "agency":
		return "must be an agency ID"
	case "sector":
		return "must be a sector such as construction or domestic_work, or unknown"
	case "year":
		return "must be a year like 2024, or unknown"
	}
	return "is not valid"
}

func (q Query) cacheKey(table string) string {
	var b strings.Builder
	b.WriteString(table)
	b.WriteString("|")
	b.WriteString(strings.Join(q.By, ","))
	names := make([]string, 0, len(q.Filter))
	for n := range q.Filter {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		b.WriteString("|" + n + "=" + q.Filter[n])
	}
	return b.String()
}

var reviewDimDesc = map[string]string{
	"origin":      "Worker's country of origin, ISO 3166-1 alpha-2 (unknown: not reported)",
	"destination": "Country of destination, ISO 3166-1 alpha-2 (unknown: not reported)",
	"sector":      "Sector of work (unknown: not reported)",
	"year":        "Year of departure (unknown: not reported)",
}

// tableShape is how a k-anonymous table describes its dimensions and whether it has the
// review tables' reports column (the complaints table counts in its own measures).
type tableShape struct {
	dimDesc   map[string]string
	noReports bool
	// dims lists the table's dimensions in messages (default: the family's).
	dims []string
}

func dimColumns(dims []string, by []int) []Column {
	return tableShape{dimDesc: reviewDimDesc}.columns(dims, by)
}

func (sh tableShape) columns(dims []string, by []int) []Column {
	var cols []Column
	for _, i := range by {
		cols = append(cols, Column{Name: dims[i], Type: TypeString, Description: sh.dimDesc[dims[i]]})
	}
	cols = append(cols,
		Column{Name: "suppressed", Type: TypeBoolean, Description: "true: the cell has reports but fewer than k contributors can be released; its figures are withheld"})
	if sh.noReports {
		return cols
	}
	return append(cols, Column{Name: "reports", Type: TypeInteger, Description: "Reports behind the figures (one per contributor and base cell; released in steps of k)"})
}

// Schemas of each review table's measures (after the dimension, suppressed and reports columns).
var (
	feeColumns = []Column{
		{Name: "fee_usd_mean", Type: TypeDecimal, Unit: "USD", Description: "Mean recruitment fee paid, converted to US dollars, rounded to whole dollars"},
		{Name: "fee_usd_p25", Type: TypeDecimal, Unit: "USD", Description: "25th percentile (nearest rank) of the fee in US dollars, whole dollars"},
		{Name: "fee_usd_median", Type: TypeDecimal, Unit: "USD", Description: "Median (nearest rank) of the fee in US dollars, whole dollars"},
		{Name: "fee_usd_p75", Type: TypeDecimal, Unit: "USD", Description: "75th percentile (nearest rank) of the fee in US dollars, whole dollars"},
		{Name: "paid_nothing_percent", Type: TypeDecimal, Unit: "percent", Description: "Share of reports that paid no fee, whole percent"},
	}
	ratioColumns = []Column{
		{Name: "ratio_mean", Type: TypeDecimal, Unit: "months", Description: "SDG 10.7.1: mean of each worker's recruitment cost divided by their monthly income in the destination, 2 decimals"},
		{Name: "ratio_median", Type: TypeDecimal, Unit: "months", Description: "Median (nearest rank) of the individual ratios, 2 decimals"},
		{Name: "over_one_month_percent", Type: TypeDecimal, Unit: "percent", Description: "Share of workers whose recruitment cost exceeded one month of income, whole percent"},
	}
	agencyColumns = []Column{
		{Name: "stars_1_percent", Type: TypeDecimal, Unit: "percent", Description: "Share of reports rating the agency 1 of 5 overall, whole percent"},
		{Name: "stars_2_percent", Type: TypeDecimal, Unit: "percent", Description: "Share rating 2 of 5"},
		{Name: "stars_3_percent", Type: TypeDecimal, Unit: "percent", Description: "Share rating 3 of 5"},
		{Name: "stars_4_percent", Type: TypeDecimal, Unit: "percent", Description: "Share rating 4 of 5"},
		{Name: "stars_5_percent", Type: TypeDecimal, Unit: "percent", Description: "Share rating 5 of 5"},
		{Name: "recommend_percent", Type: TypeDecimal, Unit: "percent", Description: "Share of reports that would recommend the agency, whole percent"},
		{Name: "agencies", Type: TypeInteger, Description: "Agencies the reports are about"},
		{Name: "agencies_sanctioned_percent", Type: TypeDecimal, Unit: "percent", Description: "Share of those agencies with a sanction on record, whole percent"},
	}
)

func percent(part, whole int) string {
	if whole == 0 {
		return ""
	}
	return decimal.NewFromInt(int64(part)).Mul(decimal.NewFromInt(100)).DivRound(decimal.NewFromInt(int64(whole)), 8).RoundBank(0).String()
}

// usd renders US cents as whole dollars (half-even).
func usd(cents decimal.Decimal) string { return cents.Shift(-2).RoundBank(0).String() }

func (s *Service) reviewTable(ctx context.Context, name, title string, q Query, pick func(*Snapshot) *family,
	withRates bool, measures []Column, fill func(sn *Snapshot, g *group) []string) (*Table, error) {
	return s.table(ctx, name, title, q, pick, withRates, tableShape{dimDesc: reviewDimDesc}, measures, fill)
}

// table builds a k-anonymous table from the family pick chooses: the cells of q's grouping,
// each a union of released finest cells, with fill's measures.
func (s *Service) table(ctx context.Context, name, title string, q Query, pick func(*Snapshot) *family,
	withRates bool, shape tableShape, measures []Column, fill func(sn *Snapshot, g *group) []string) (*Table, error) {
	sn, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	f := pick(sn)
	listed := shape.dims
	if listed == nil {
		listed = f.dims
	}
	by, filter, err := q.validate(f.dims, listed)
	if err != nil {
		return nil, err
	}
	return sn.cached(q.cacheKey(name), func() (*Table, error) {
		t := &Table{Name: name, Title: title, Dimensions: []string{}, Filters: map[string]string{}, K: s.opt.K,
			ComputedAt: sn.ComputedAt, Licence: DataLicence, Method: MethodURL, Cells: []Cell{}}
		if withRates {
			r := sn.Rates
			t.Rates = &r
		}
		for _, i := range by {
			t.Dimensions = append(t.Dimensions, f.dims[i])
		}
		for i, v := range filter {
			if v != "" {
				t.Filters[f.dims[i]] = v
			}
		}
		t.Columns = append(shape.columns(f.dims, by), measures...)
		for _, g := range f.query(by, filter) {
			c := make(Cell, 0, len(t.Columns))
			for _, i := range by {
				c = append(c, g.key[i])
			}
			switch {
			case g.n == 0:
				c = append(c, "true")
				if !shape.noReports {
					c = append(c, "")
				}
				for range measures {
					c = append(c, "")
				}
			case shape.noReports:
				c = append(c, "false")
				c = append(c, fill(sn, g)...)
			default:
				c = append(c, "false", itoa(g.n))
				c = append(c, fill(sn, g)...)
			}
			t.Cells = append(t.Cells, c)
		}
		return t, nil
	})
}

// RecruitmentFees is the table of recruitment fees paid, in US dollars.
func (s *Service) RecruitmentFees(ctx context.Context, q Query) (*Table, error) {
	return s.reviewTable(ctx, TableRecruitmentFees, "Recruitment fees paid by migrant workers (USD)", q,
		func(sn *Snapshot) *family { return sn.fees }, true, feeColumns, fillFees)
}

func fillFees(_ *Snapshot, g *group) []string {
	vals := make([]int64, 0, g.n)
	var sum int64
	zero := 0
	g.each(func(r *rec) {
		vals = append(vals, r.v1)
		sum += r.v1
		zero += int(r.v2)
	})
	slices.Sort(vals)
	mean := decimal.NewFromInt(sum).DivRound(decimal.NewFromInt(int64(len(vals))), 8)
	return []string{usd(mean), usd(decimal.NewFromInt(nearestRank(vals, 25))), usd(decimal.NewFromInt(nearestRank(vals, 50))),
		usd(decimal.NewFromInt(nearestRank(vals, 75))), percent(zero, len(vals))}
}

// SDG1071 is the table of SDG indicator 10.7.1: recruitment cost borne by the worker as
// a multiple of monthly income earned in the destination.
func (s *Service) SDG1071(ctx context.Context, q Query) (*Table, error) {
	return s.reviewTable(ctx, TableSDG1071, "SDG 10.7.1: recruitment cost as months of income in the destination", q,
		func(sn *Snapshot) *family { return sn.ratio }, true, ratioColumns, fillRatio)
}

func fillRatio(_ *Snapshot, g *group) []string {
	vals := make([]int64, 0, g.n)
	var sum int64
	over := 0
	g.each(func(r *rec) {
		vals = append(vals, r.v1)
		sum += r.v1
		if r.v1 > 10000 {
			over++
		}
	})
	slices.Sort(vals)
	mean := decimal.NewFromInt(sum).DivRound(decimal.NewFromInt(int64(len(vals))), 8)
	return []string{mean.Shift(-4).RoundBank(2).StringFixed(2), decimal.NewFromInt(nearestRank(vals, 50)).Shift(-4).RoundBank(2).StringFixed(2),
		percent(over, len(vals))}
}

// AgencyReviews is the table of agency review statistics by origin and destination.
func (s *Service) AgencyReviews(ctx context.Context, q Query) (*Table, error) {
	return s.reviewTable(ctx, TableAgencyReviews, "Agency reviews by workers' origin and destination", q,
		func(sn *Snapshot) *family { return sn.agency }, false, agencyColumns, fillAgency)
}

func fillAgency(sn *Snapshot, g *group) []string {
	var stars [6]int
	recommend := 0
	agencies := map[string]bool{}
	g.each(func(r *rec) {
		stars[r.v1]++
		recommend += int(r.v2)
		agencies[r.agency] = true
	})
	sanctioned := 0
	for a := range agencies {
		if sn.sanctioned[a] {
			sanctioned++
		}
	}
	n := g.n
	return []string{percent(stars[1], n), percent(stars[2], n), percent(stars[3], n), percent(stars[4], n), percent(stars[5], n),
		percent(recommend, n), itoa(len(agencies)), percent(sanctioned, len(agencies))}
}

// ReviewTable dispatches to a review table by name.
func (s *Service) ReviewTable(ctx context.Context, name string, q Query) (*Table, error) {
	switch name {
	case TableRecruitmentFees:
		return s.RecruitmentFees(ctx, q)
	case TableSDG1071:
		return s.SDG1071(ctx, q)
	case TableAgencyReviews:
		return s.AgencyReviews(ctx, q)
	case TableComplaints:
		return s.Complaints(ctx, q)
	}
	return nil, fmt.Errorf("stats: table %q: %w", trunc(name), kawan.ErrNotFound)
}

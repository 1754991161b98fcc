package stats

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
)

// CostObservation is one provider's total cost for a corridor at a reference amount, as
// the fx area computed it (FEEDS.md: total_cost_percent = (fee + FX margin) / amount × 100)
// at one time.
type CostObservation struct {
	SendCurrency, ReceiveCurrency string
	ProviderID                    string
	At                            time.Time
	// AmountUSD is the Remittance Prices Worldwide reference amount (200 or 500), sent as
	// its equivalent in the send currency.
	AmountUSD   int
	CostPercent decimal.Decimal
}

// CostSource yields the quote history (fx) from a time on.
type CostSource interface {
	CostObservations(ctx context.Context, since time.Time, fn func(CostObservation) error) error
}

// RPWAmounts are the reference amounts in USD of the World Bank's Remittance Prices Worldwide.
var RPWAmounts = []int{200, 500}

// Bounds on the quote history read per snapshot.
const (
	costHistoryDays    = 400
	maxCostObservation = 5_000_000
)

var five = decimal.NewFromInt(5)

type costDay struct {
	corridor string // "SGD-PHP"
	day      string // YYYY-MM-DD
	amount   int
}

// costIndex holds, per corridor, day and amount, each provider's last observation that day.
type costIndex struct {
	days map[costDay]map[string]obsAt
}

type obsAt struct {
	at   time.Time
	cost decimal.Decimal
}

func buildCostIndex(ctx context.Context, src CostSource, now time.Time) (*costIndex, error) {
	ci := &costIndex{days: map[costDay]map[string]obsAt{}}
	n := 0
	errStop := errors.New("stop")
	err := src.CostObservations(ctx, now.AddDate(0, 0, -costHistoryDays), func(o CostObservation) error {
		n++
		if n > maxCostObservation {
			return errStop
		}
		if !slices.Contains(RPWAmounts, o.AmountUSD) || o.ProviderID == "" {
			return nil
		}
		k := costDay{corridor: o.SendCurrency + "-" + o.ReceiveCurrency, day: o.At.UTC().Format(time.DateOnly), amount: o.AmountUSD}
		m := ci.days[k]
		if m == nil {
			m = map[string]obsAt{}
			ci.days[k] = m
		}
		if prev, ok := m[o.ProviderID]; !ok || o.At.After(prev.at) {
			m[o.ProviderID] = obsAt{at: o.At, cost: o.CostPercent}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, fmt.Errorf("stats: quote history: %w", err)
	}
	return ci, nil
}

// CostQuery selects the remittance cost table.
type CostQuery struct {
	Corridor string // "SGD-PHP"; empty: every corridor
	Amount   int    // 200 or 500; 0: both
	Period   string // "day" (default), "week" or "month"
	Since    string // YYYY-MM-DD; default 90 days ago
	Until    string // YYYY-MM-DD; default today
}

var corridorRe = regexp.MustCompile(`^[A-Z]{3}-[A-Z]{3}$`)

func (q *CostQuery) validate(now time.Time) (time.Time, time.Time, error) {
	v := &kawan.ValidationError{}
	if q.Corridor != "" && !corridorRe.MatchString(q.Corridor) {
		v.Add("corridor", "must be two ISO 4217 codes like SGD-PHP")
	}
	if q.Amount != 0 && !slices.Contains(RPWAmounts, q.Amount) {
		v.Add("amount", "must be 200 or 500 (USD-equivalent reference amounts)")
	}
	if q.Period == "" {
		q.Period = "day"
	}
	if !slices.Contains([]string{"day", "week", "month"}, q.Period) {
		v.Add("period", "must be day, week or month")
	}
	until := now.UTC().Truncate(24 * time.Hour)
	since := until.AddDate(0, 0, -90)
	if q.Since != "" {
		t, err := time.Parse(time.DateOnly, q.Since)
		if err != nil {
			v.Add("since", "must be a date like 2026-09-01")
		}
		since = t
	}
	if q.Until != "" {
		t, err := time.Parse(time.DateOnly, q.Until)
		if err != nil {
			v.Add("until", "must be a date like 2026-11-30")
		}
		until = t
	}
	if v.Err() == nil {
		switch {
		case until.Before(since):
			v.Add("until", "must not be before since")
		case until.Sub(since) > 400*24*time.Hour:
			v.Add("since", "the range may span at most 400 days")
		}
	}
	return since, until, v.Err()
}

func periodOf(day, period string) string {
	switch period {
	case "month":
		return day[:7]
	case "week":
		t, _ := time.Parse(time.DateOnly, day)
		y, w := t.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	}
	return day
}

var costColumns = []Column{
	{Name: "corridor", Type: TypeString, Description: "Send and receive currency, ISO 4217, like SGD-PHP"},
	{Name: "period", Type: TypeString, Description: "Day (YYYY-MM-DD), ISO week (YYYY-Www) or month (YYYY-MM), UTC"},
	{Name: "amount_usd", Type: TypeInteger, Unit: "USD", Description: "Reference amount sent, as its equivalent in the send currency (200 or 500)"},
	{Name: "providers", Type: TypeInteger, Description: "Providers quoted in the period (each provider's last quote in the period counts)"},
	{Name: "average_cost_percent", Type: TypeDecimal, Unit: "percent", Description: "Simple average of the providers' total cost (fee plus exchange-rate margin) as a percent of the amount, 2 decimals"},
	{Name: "median_cost_percent", Type: TypeDecimal, Unit: "percent", Description: "Median of the providers' total cost percent, 2 decimals"},
	{Name: "cheapest_cost_percent", Type: TypeDecimal, Unit: "percent", Description: "Lowest total cost percent among the providers, 2 decimals"},
	{Name: "above_5_percent_share", Type: TypeDecimal, Unit: "percent", Description: "Share of providers whose total cost exceeds 5% (SDG 10.c), whole percent"},
	{Name: "smart_cost_percent", Type: TypeDecimal, Unit: "percent", Description: "SDG 10.c per corridor as the World Bank's SmaRT measures it, from these quotes: the simple average of the three cheapest providers' total cost percent at USD 200, 2 decimals half-even; empty at USD 500 and with fewer than three providers"},
	{Name: "smart_above_5_percent", Type: TypeBoolean, Description: "smart_cost_percent exceeds 5%: the corridor misses SDG 10.c by this measure (empty without smart_cost_percent)"},
}

// RemittanceCosts is the table of remittance costs per corridor over time (not about
// workers: provider prices are public, so no suppression applies).
func (s *Service) RemittanceCosts(ctx context.Context, q CostQuery) (*Table, error) {
	since, until, err := q.validate(s.opt.Now())
	if err != nil {
		return nil, err
	}
	sn, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	ck := fmt.Sprintf("%s|%s|%d|%s|%s|%s", TableRemittanceCosts, q.Corridor, q.Amount, q.Period, since.Format(time.DateOnly), until.Format(time.DateOnly))
	return sn.cached(ck, func() (*Table, error) {
		t := &Table{Name: TableRemittanceCosts, Title: "Cost of sending money home, per corridor over time",
			Dimensions: []string{"corridor", "period", "amount_usd"}, Filters: map[string]string{},
			ComputedAt: sn.ComputedAt, Licence: DataLicence, Method: MethodURL, Columns: costColumns, Cells: []Cell{}}
		if q.Corridor != "" {
			t.Filters["corridor"] = q.Corridor
		}
		if q.Amount != 0 {
			t.Filters["amount_usd"] = itoa(q.Amount)
		}
		t.Filters["since"], t.Filters["until"] = since.Format(time.DateOnly), until.Format(time.DateOnly)
		if sn.costs == nil {
			return t, nil
		}
		type pk struct {
			corridor, period string
			amount           int
		}
		cells := map[pk]map[string]obsAt{}
		lo, hi := since.Format(time.DateOnly), until.Format(time.DateOnly)
		for k, provs := range sn.costs.days {
			if k.day < lo || k.day > hi || q.Corridor != "" && k.corridor != q.Corridor || q.Amount != 0 && k.amount != q.Amount {
				continue
			}
			p := pk{k.corridor, periodOf(k.day, q.Period), k.amount}
			m := cells[p]
			if m == nil {
				m = map[string]obsAt{}
				cells[p] = m
			}
			for prov, o := range provs {
				if prev, ok := m[prov]; !ok || o.at.After(prev.at) {
					m[prov] = o
				}
			}
		}
		keys := make([]pk, 0, len(cells))
		for k := range cells {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b pk) int {
			if c := strings.Compare(a.corridor, b.corridor); c != 0 {
				return c
			}
			if c := strings.Compare(a.period, b.period); c != 0 {
				return c
			}
			return a.amount - b.amount
		})
		for _, k := range keys {
			costs := make([]decimal.Decimal, 0, len(cells[k]))
			for _, o := range cells[k] {
				costs = append(costs, o.cost)
			}
			t.Cells = append(t.Cells, costCell(k.corridor, k.period, k.amount, costs))
		}
		return t, nil
	})
}

func costCell(corridor, period string, amount int, costs []decimal.Decimal) Cell {
	slices.SortFunc(costs, func(a, b decimal.Decimal) int { return a.Cmp(b) })
	n := len(costs)
	sum := decimal.Zero
	above := 0
	for _, c := range costs {
		sum = sum.Add(c)
		if c.GreaterThan(five) {
			above++
		}
	}
	avg := sum.DivRound(decimal.NewFromInt(int64(n)), 8)
	med := costs[n/2]
	if n%2 == 0 {
		med = costs[n/2-1].Add(costs[n/2]).DivRound(decimal.NewFromInt(2), 8)
	}
	// SmaRT: the three cheapest providers at USD 200, each cost as published (2 decimals).
	smart, smartAbove := "", ""
	if amount == 200 && n >= 3 {
		three := costs[0].RoundBank(2).Add(costs[1].RoundBank(2)).Add(costs[2].RoundBank(2))
		m := three.DivRound(decimal.NewFromInt(3), 8).RoundBank(2)
		// DivRound then RoundBank is exact here: a sum of hundredths over 3 has a
		// remainder of 0, 1/3 or 2/3 of a hundredth, never a tie at the 8th decimal.
		smart, smartAbove = m.StringFixed(2), strconv.FormatBool(m.GreaterThan(five))
	}
	return Cell{corridor, period, itoa(amount), itoa(n), avg.RoundBank(2).StringFixed(2), med.RoundBank(2).StringFixed(2),
		costs[0].RoundBank(2).StringFixed(2), percent(above, n), smart, smartAbove}
}

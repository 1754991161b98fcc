package frontend

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan/fx"
)

// costChart is a corridor's average total cost per day as an inline SVG line chart, drawn
// by the template "costchart" (no script): the daily average as a line, the cheapest and
// dearest provider of each day as a shaded band, and the 5% SDG target as a dashed line.
// Coordinates are computed with decimals and written with one decimal place.
type costChart struct {
	Title, Label  string
	Width, Height int
	Left, Right   int    // plot area's x bounds
	Line          string // polyline points of the daily average
	Band          string // polygon points: minimum forwards, maximum backwards
	TargetY       string // y of the 5% line
	TargetLabel   string
	YTicks        []chartTick
	XTicks        []chartTick
	Dots          []chartDot // one per day, with its value as a tooltip title
}

type chartTick struct {
	Pos   string // x or y
	Label string
}

type chartDot struct {
	X, Y, Title string
}

const (
	costChartW      = 320
	costChartH      = 170
	costChartLeft   = 34
	costChartRight  = 312
	costChartTop    = 10
	costChartBottom = 146 // plot area's lowest y; day labels below it
)

// newCostChart draws days (oldest first); nil when fewer than two days have samples.
func newCostChart(v *view, corridor fx.Corridor, days []fx.DailyCost) *costChart {
	type pt struct {
		day         time.Time
		avg, lo, hi decimal.Decimal
	}
	var pts []pt
	for _, d := range days {
		day, err := time.Parse(time.DateOnly, d.Day)
		avg, err1 := decimal.NewFromString(d.AverageTotalCostPercent)
		lo, err2 := decimal.NewFromString(d.MinTotalCostPercent)
		hi, err3 := decimal.NewFromString(d.MaxTotalCostPercent)
		if err != nil || err1 != nil || err2 != nil || err3 != nil || d.Samples == 0 {
			continue
		}
		pts = append(pts, pt{day, avg, lo, hi})
	}
	if len(pts) < 2 {
		return nil
	}
	// The y axis runs from 0 to the dearest value or the target, rounded up to a whole
	// percent with a little headroom, so the 5% line is always visible.
	top := fx.SDGTarget
	for _, p := range pts {
		top = decimal.Max(top, p.hi, p.avg)
	}
	top = top.Mul(decimal.RequireFromString("1.1")).Ceil()
	plotH := decimal.NewFromInt(costChartBottom - costChartTop)
	plotW := decimal.NewFromInt(costChartRight - costChartLeft)
	y := func(val decimal.Decimal) string {
		val = decimal.Min(decimal.Max(val, decimal.Zero), top)
		return plotH.Sub(val.Div(top).Mul(plotH)).Add(decimal.NewFromInt(costChartTop)).StringFixed(1)
	}
	n := decimal.NewFromInt(int64(len(pts) - 1))
	x := func(i int) string {
		return decimal.NewFromInt(int64(i)).Div(n).Mul(plotW).Add(decimal.NewFromInt(costChartLeft)).StringFixed(1)
	}
	ch := &costChart{Width: costChartW, Height: costChartH, Left: costChartLeft, Right: costChartRight,
		TargetY: y(fx.SDGTarget), TargetLabel: v.T("send.chart.target")}
	var line, lower, upper []string
	for i, p := range pts {
		line = append(line, x(i)+","+y(p.avg))
		lower = append(lower, x(i)+","+y(p.lo))
		upper = append(upper, x(i)+","+y(p.hi))
		ch.Dots = append(ch.Dots, chartDot{X: x(i), Y: y(p.avg),
			Title: v.Date(p.day) + ": " + v.T("fmt.percent", "N", v.Num(p.avg.StringFixed(2)))})
	}
	for i, j := 0, len(upper)-1; i < j; i, j = i+1, j-1 {
		upper[i], upper[j] = upper[j], upper[i]
	}
	ch.Line = strings.Join(line, " ")
	ch.Band = strings.Join(append(lower, upper...), " ")
	half := top.Div(decimal.NewFromInt(2)).Round(1)
	for _, t := range []decimal.Decimal{decimal.Zero, half, top} {
		ch.YTicks = append(ch.YTicks, chartTick{Pos: y(t), Label: v.T("fmt.percent", "N", v.Num(t.String()))})
	}
	first, last := pts[0], pts[len(pts)-1]
	ch.XTicks = []chartTick{{Pos: x(0), Label: v.Date(first.day)}, {Pos: x(len(pts) - 1), Label: v.Date(last.day)}}
	ch.Title = v.T("send.chart.title", "From", corridor.SendCurrency, "To", corridor.ReceiveCurrency, "Days", v.Num(len(pts)))
	ch.Label = v.T("send.chart.summary",
		"First", v.T("fmt.percent", "N", v.Num(first.avg.StringFixed(2))), "FromDay", v.Date(first.day),
		"Last", v.T("fmt.percent", "N", v.Num(last.avg.StringFixed(2))), "ToDay", v.Date(last.day))
	return ch
}

package frontend

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/rpw"
)

func (f *Frontend) registerSendPages(r *api.Router) {
	if f.o.FX == nil {
		return
	}
	r.Page(http.MethodGet, "/send", f.sendPage, api.Public)
}

// routeGroup is one send currency and the receive currencies providers serve from it.
type routeGroup struct {
	From string
	Tos  []string
}

// routes lists the corridors that have providers and a mid-market rate (so a comparison
// answers), grouped by send currency: the forms offer only these pairs, never a From×To
// product of which most have no provider.
func (f *Frontend) routes() []routeGroup {
	var out []routeGroup
	for _, c := range f.o.FX.Corridors() { // ordered by send, then receive currency
		if c.Providers == 0 || !c.HasMidRate {
			continue
		}
		if n := len(out); n == 0 || out[n-1].From != c.SendCurrency {
			out = append(out, routeGroup{From: c.SendCurrency})
		}
		out[len(out)-1].Tos = append(out[len(out)-1].Tos, c.ReceiveCurrency)
	}
	return out
}

// served reports whether the route from→to is offered.
func served(routes []routeGroup, from, to string) bool {
	for _, g := range routes {
		if g.From == from {
			return slices.Contains(g.Tos, to)
		}
	}
	return false
}

// startCorridors is the corridor a page in each language starts with: where most readers
// of that language send from and to (Nepali workers in Qatar, Burmese in Thailand, …), with
// a typical month's remittance. It is only a starting point: the list stays complete.
var startCorridors = map[string]struct{ From, To, Amount string }{
	"en":  {"SGD", "PHP", "500"},
	"fil": {"SAR", "PHP", "1000"},
	"id":  {"MYR", "IDR", "1000"},
	"ne":  {"QAR", "NPR", "1000"},
	"my":  {"THB", "MMK", "10000"},
	"km":  {"THB", "KHR", "10000"},
	"vi":  {"JPY", "VND", "50000"},
	"th":  {"THB", "MMK", "10000"},
}

// startCorridor returns the language's starting corridor if it is offered, else the first
// route.
func (f *Frontend) startCorridor(lang string, routes []routeGroup) (from, to, amount string) {
	if sc, ok := startCorridors[lang]; ok && served(routes, sc.From, sc.To) {
		return sc.From, sc.To, sc.Amount
	}
	if len(routes) > 0 {
		return routes[0].From, routes[0].Tos[0], "500"
	}
	return "", "", "500"
}

type sendPage struct {
	Amount, From, To, Mode string
	Routes                 []routeGroup
	Errors                 fieldErrors
	Result                 *fx.Comparison
	View                   *sendView  // the result as cards
	Chart                  *costChart // the corridor's cost over the last 30 days; nil without history
	// Corridor is the corridor against SDG 10.c: SmaRT from live quotes and the World Bank
	// survey's dated reference; nil when there is neither.
	Corridor *corridorView
}

// corridorView is the corridor-level box on /send: the live SmaRT-style corridor cost and,
// clearly apart and dated, the World Bank survey's average and SmaRT.
type corridorView struct {
	From, To string
	Live     *fx.CorridorCost
	Survey   *rpw.CorridorSurvey
}

// corridorView gathers the corridor's live cost and its survey; errors reading the survey
// leave the page without it (logged).
func (f *Frontend) corridorView(c echo.Context, from, to string) *corridorView {
	cv := &corridorView{From: from, To: to}
	for _, ci := range f.o.FX.Corridors() {
		if ci.SendCurrency == from && ci.ReceiveCurrency == to && ci.CorridorCost != nil && ci.CorridorCost.SmaRTPercent != "" {
			cv.Live = ci.CorridorCost
		}
	}
	if f.o.Survey != nil {
		sv, err := f.o.Survey.Corridor(c.Request().Context(), from, to, "")
		switch {
		case err == nil:
			cv.Survey = &sv
		case !errors.Is(err, kawan.ErrNotFound):
			f.log.Warn("send page: survey unavailable", "corridor", from+"-"+to, "err", err)
		}
	}
	if cv.Live == nil && cv.Survey == nil {
		return nil
	}
	return cv
}

// SurveyPeriod shows a survey period "2025_3Q" in the page's language and digits ("Q3 2025").
func (v *view) SurveyPeriod(p string) string {
	if len(p) != 7 {
		return p
	}
	nf := v.f.cat.fmts[v.Loc.Code]
	return v.T("send.survey.quarter", "Q", nf.localDigits(p[5:6]), "Year", nf.localDigits(p[:4]))
}

// Route is the selected route's option value ("SGD-PHP").
func (p sendPage) Route() string { return p.From + "-" + p.To }

var routeRE = regexp.MustCompile(`^([A-Z]{3})-([A-Z]{3})$`)

func (f *Frontend) sendPage(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "send", v.T("send.title")
	d := sendPage{Amount: c.QueryParam("amount"), From: c.QueryParam("from"), To: c.QueryParam("to"), Mode: c.QueryParam("mode"), Errors: fieldErrors{}}
	if m := routeRE.FindStringSubmatch(c.QueryParam("route")); m != nil {
		d.From, d.To = m[1], m[2]
	} else if c.QueryParam("route") != "" {
		d.Errors["route"] = "write.err.currency"
	}
	d.Routes = f.routes()
	if d.Mode != "receive" {
		d.Mode = "send"
	}
	status := http.StatusOK
	if d.Amount != "" || d.From != "" || d.To != "" || len(d.Errors) > 0 {
		amt, ok := f.cat.fmts[v.Loc.Code].parseAmount(d.Amount)
		if !ok {
			d.Errors["amount"] = "write.err.amount"
		} else if len(d.Errors) == 0 {
			res, err := f.o.FX.Compare(c.Request().Context(), fx.Request{SendCurrency: d.From, ReceiveCurrency: d.To, Amount: amt, Mode: d.Mode})
			if fe, bad := formErrors(err, map[string]string{"amount": "write.err.amount", "send_currency": "write.err.currency",
				"receive_currency": "write.err.currency", "from": "write.err.currency", "to": "write.err.currency"}); bad {
				d.Errors = fe
			} else if err != nil {
				return err
			} else {
				d.Result = &res
				d.View = f.newSendView(res, d.Routes)
				key := res.Corridor.SendCurrency + "-" + res.Corridor.ReceiveCurrency
				if days, err := f.o.FX.DailyCosts(c.Request().Context(), key, time.Time{}, time.Time{}); err != nil {
					// The comparison stands without its history; say why in the log only.
					f.log.Warn("send page: corridor history unavailable", "corridor", key, "err", err)
				} else {
					d.Chart = newCostChart(v, res.Corridor, days)
				}
				d.Corridor = f.corridorView(c, res.Corridor.SendCurrency, res.Corridor.ReceiveCurrency)
			}
		}
		if len(d.Errors) > 0 {
			status = http.StatusBadRequest
		}
	} else {
		d.From, d.To, d.Amount = f.startCorridor(v.Loc.Code, d.Routes)
	}
	return f.render(c, status, "send", v, d)
}

// sendView is a comparison as the page shows it: one card per provider (its best option
// first, the provider's other payout options inside the card), each with its gap to the
// best card, in the order of the comparison (most received first when sending, least to
// pay first when the amount is what the family gets).
type sendView struct {
	Receive  bool // the amount typed is what the family gets
	From, To string
	Mid      *fx.MidRateView
	Cards    []quoteCard
	// None is the catalog key of why there is no quote; Min and Max the amounts providers
	// accept on the route (send currency); Also the receive currencies served from From.
	None     string
	Min, Max string
	Also     []string
	// Missing are the currencies no rate source has (the engine's no_mid_rate answer).
	Missing []string
}

type quoteCard struct {
	fx.Quote
	Best bool
	// Gap is what this card gives less (send) or costs more (receive) than the best card:
	// in the receive currency when sending, in the send currency when receiving.
	Gap    string
	Others []fx.Quote // the provider's other options, in the comparison's order
}

func (f *Frontend) newSendView(res fx.Comparison, routes []routeGroup) *sendView {
	sv := &sendView{Receive: res.Mode == fx.ModeReceive, From: res.Corridor.SendCurrency, To: res.Corridor.ReceiveCurrency, Mid: res.MidRate}
	byProvider := map[string]int{}
	for _, q := range res.Quotes {
		if i, ok := byProvider[q.Provider().ID]; ok {
			sv.Cards[i].Others = append(sv.Cards[i].Others, q)
			continue
		}
		byProvider[q.Provider().ID] = len(sv.Cards)
		sv.Cards = append(sv.Cards, quoteCard{Quote: q})
	}
	for i := range sv.Cards {
		c := &sv.Cards[i]
		best := sv.Cards[0].Quote
		var gap decimal.Decimal
		if sv.Receive {
			gap = dec(c.TotalToPay()).Sub(dec(best.TotalToPay()))
		} else {
			gap = dec(best.ReceiveAmount()).Sub(dec(c.ReceiveAmount()))
		}
		c.Best = !gap.IsPositive()
		if !c.Best {
			c.Gap = gap.String()
		}
	}
	if len(sv.Cards) > 0 {
		return sv
	}
	if !served(routes, sv.From, sv.To) {
		sv.None = "send.none.route"
		for _, g := range routes {
			if g.From == sv.From {
				sv.Also = g.Tos
			}
		}
		return sv
	}
	sv.None = "send.none"
	if res.ReasonCode != "" && res.ReasonCode != fx.ReasonAmountOutOfRange {
		// the engine's own reason: no mid-market rate, no provider, no such method, quarantined
		sv.None, sv.Missing = "send.none."+res.ReasonCode, res.MissingRates
		return sv
	}
	for _, ci := range f.o.FX.Corridors() {
		if ci.SendCurrency == sv.From && ci.ReceiveCurrency == sv.To && ci.MinSend != "" && ci.MaxSend != "" {
			sv.None, sv.Min, sv.Max = "send.none.amount", ci.MinSend, ci.MaxSend
		}
	}
	return sv
}

// dec reads a decimal string the engine wrote (always valid; zero otherwise).
func dec(s string) decimal.Decimal {
	d, _ := decimal.NewFromString(s)
	return d
}

// rateDigits is how many significant digits exchange rates are shown with: enough to
// compare offers (42.1723, 3,651.65, 0.0213456), not the engine's 8 decimals.
const rateDigits = 6

// sigRound rounds a decimal string to n significant digits (half away from zero) and
// drops trailing zeros, in decimal arithmetic.
func sigRound(s string, n int32) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil || d.IsZero() {
		return d
	}
	// digits before the point (≥1), or the zeros after it before the first digit (≤0)
	mag := int32(len(d.Abs().Truncate(0).String()))
	if d.Abs().LessThan(decimal.NewFromInt(1)) {
		mag = 0
		for x := d.Abs(); x.LessThan(decimal.New(1, -1)); x = x.Shift(1) {
			mag--
		}
	}
	places := max(n-mag, 0)
	r, _ := decimal.NewFromString(d.Round(places).String()) // String drops trailing zeros
	return r
}

// Rate shows an exchange rate with its unit, in the page's digits: "1 SGD = 42.1723 PHP".
func (v *view) Rate(rate, from, to string) string {
	return v.T("send.rate.unit", "From", from, "To", to, "Rate", v.Num(sigRound(rate, rateDigits)), "One", v.Num(1))
}

// DateTime shows a moment as a date and a UTC time of day in the page's language.
func (v *view) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	nf := v.f.cat.fmts[v.Loc.Code]
	return v.T("fmt.datetime", "Date", v.Date(t), "Time", nf.localDigits(t.Format("15:04")))
}

package frontend

import (
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/fx"
)

func (f *Frontend) registerSendPages(r *api.Router) {
	if f.o.FX == nil {
		return
	}
	r.Page(http.MethodGet, "/send", f.sendPage, api.Public)
}

// corridorCurrencies lists the send and receive currencies the engine serves.
func (f *Frontend) corridorCurrencies() (from, to []string) {
	for _, c := range f.o.FX.Corridors() {
		if !slices.Contains(from, c.SendCurrency) {
			from = append(from, c.SendCurrency)
		}
		if !slices.Contains(to, c.ReceiveCurrency) {
			to = append(to, c.ReceiveCurrency)
		}
	}
	slices.Sort(from)
	slices.Sort(to)
	return from, to
}

// startCorridors is the corridor a page in each language starts with: where most readers
// of that language send from and to (Nepali workers in Qatar, Burmese in Thailand, …), with
// a typical month's remittance. It is only a starting point: both lists stay complete.
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

// startCorridor returns the language's starting corridor if the engine serves it, else the
// first currencies of the lists.
func (f *Frontend) startCorridor(lang string, froms, tos []string) (from, to, amount string) {
	if sc, ok := startCorridors[lang]; ok {
		for _, c := range f.o.FX.Corridors() {
			if c.SendCurrency == sc.From && c.ReceiveCurrency == sc.To {
				return sc.From, sc.To, sc.Amount
			}
		}
	}
	if len(froms) > 0 && len(tos) > 0 {
		return froms[0], tos[0], "500"
	}
	return "", "", "500"
}

type sendPage struct {
	Amount, From, To, Mode string
	Froms, Tos             []string
	Errors                 fieldErrors
	Result                 *fx.Comparison
	Chart                  *costChart // the corridor's cost over the last 30 days; nil without history
}

func (f *Frontend) sendPage(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "send", v.T("send.title")
	d := sendPage{Amount: c.QueryParam("amount"), From: c.QueryParam("from"), To: c.QueryParam("to"), Mode: c.QueryParam("mode"), Errors: fieldErrors{}}
	d.Froms, d.Tos = f.corridorCurrencies()
	if d.Mode != "receive" {
		d.Mode = "send"
	}
	status := http.StatusOK
	if d.Amount != "" || d.From != "" || d.To != "" {
		amt, ok := f.cat.fmts[v.Loc.Code].parseAmount(d.Amount)
		if !ok {
			d.Errors["amount"] = "write.err.amount"
		} else {
			res, err := f.o.FX.Compare(c.Request().Context(), fx.Request{SendCurrency: d.From, ReceiveCurrency: d.To, Amount: amt, Mode: d.Mode})
			if fe, bad := formErrors(err, map[string]string{"amount": "write.err.amount", "send_currency": "write.err.currency",
				"receive_currency": "write.err.currency", "from": "write.err.currency", "to": "write.err.currency"}); bad {
				d.Errors = fe
			} else if err != nil {
				return err
			} else {
				d.Result = &res
				key := res.Corridor.SendCurrency + "-" + res.Corridor.ReceiveCurrency
				if days, err := f.o.FX.DailyCosts(c.Request().Context(), key, time.Time{}, time.Time{}); err != nil {
					// The comparison stands without its history; say why in the log only.
					f.log.Warn("send page: corridor history unavailable", "corridor", key, "err", err)
				} else {
					d.Chart = newCostChart(v, res.Corridor, days)
				}
			}
		}
		if len(d.Errors) > 0 {
			status = http.StatusBadRequest
		}
	} else {
		d.From, d.To, d.Amount = f.startCorridor(v.Loc.Code, d.Froms, d.Tos)
	}
	return f.render(c, status, "send", v, d)
}

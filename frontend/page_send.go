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
	}
	return f.render(c, status, "send", v, d)
}

package api

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/rpw"
)

// FXModule serves the remittance comparison: quotes for a corridor, corridors, providers,
// quote history and daily costs, feed status, and the admin feed push. Every read comes from
// the fx snapshot in memory, except history, which is read from the database by _id.
type FXModule struct {
	Svc *fx.Service
	// Survey is the World Bank's survey (GET /v1/corridors/{corridor}/survey); nil: no route.
	Survey *rpw.Service
}

// Register adds the remittance routes.
func (h *FXModule) Register(r *Router) {
	r.API(http.MethodGet, "/quotes", h.quotes, Public)
	r.API(http.MethodGet, "/corridors", h.corridors, Public)
	r.API(http.MethodGet, "/corridors/:corridor/history", h.history, Public)
	r.API(http.MethodGet, "/corridors/:corridor/daily-costs", h.dailyCosts, Public)
	if h.Survey != nil {
		r.API(http.MethodGet, "/corridors/:corridor/survey", h.survey, Public)
	}
	r.API(http.MethodGet, "/providers", h.providers, Public)
	r.API(http.MethodGet, "/providers/:id", h.provider, Public)
	r.API(http.MethodGet, "/feeds/status", h.status, Public)
	r.API(http.MethodPut, "/admin/feeds/:name", h.push, Roles(kawan.RoleAdmin), WithBodyLimit(fx.MaxFeedBytes))
}

func (h *FXModule) quotes(c echo.Context) error {
	if err := queryParams(c, "send_currency", "receive_currency", "amount", "mode", "payout_method", "funding_method", "sort"); err != nil {
		return err
	}
	q := c.QueryParams()
	cmp, err := h.Svc.Compare(c.Request().Context(), fx.Request{
		SendCurrency: q.Get("send_currency"), ReceiveCurrency: q.Get("receive_currency"), Amount: q.Get("amount"),
		Mode: q.Get("mode"), PayoutMethod: q.Get("payout_method"), FundingMethod: q.Get("funding_method"), Sort: q.Get("sort"),
	})
	if err != nil {
		return err
	}
	// The comparison writes its own JSON (fx.Comparison.AppendJSON: the same bytes as
	// encoding/json, without reflection or intermediate strings) into a pooled buffer.
	bp := quoteBufs.Get().(*[]byte)
	b := append(cmp.AppendJSON((*bp)[:0]), '\n')
	err = c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
	if cap(b) <= maxPooledQuoteBuf {
		*bp = b
		quoteBufs.Put(bp)
	}
	return err
}

// quoteBufs holds response buffers for GET /v1/quotes; buffers grown past
// maxPooledQuoteBuf (a comparison of hundreds of offers) are left to the collector.
var quoteBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

const maxPooledQuoteBuf = 256 << 10

func (h *FXModule) corridors(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	list := h.Svc.Corridors()
	if list == nil {
		list = []fx.CorridorInfo{}
	}
	return c.JSON(http.StatusOK, map[string]any{"corridors": list, "total": len(list)})
}

func (h *FXModule) providers(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	list := h.Svc.Providers()
	if list == nil {
		list = []fx.Provider{}
	}
	return c.JSON(http.StatusOK, map[string]any{"providers": list, "total": len(list)})
}

func (h *FXModule) provider(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	d, err := h.Svc.Provider(c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// timeParam reads an RFC 3339 time or a date (YYYY-MM-DD, midnight UTC; as "to", the end of that day).
func timeParam(c echo.Context, name string, endOfDay bool) (time.Time, error) {
	s := c.QueryParam(name)
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) > 40 {
		return time.Time{}, kawan.Invalid(name, "is too long")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, kawan.Invalid(name, "must be a date like 2026-11-22 or an RFC 3339 time")
	}
	if endOfDay {
		t = t.Add(24*time.Hour - time.Second)
	}
	return t, nil
}

func (h *FXModule) rangeParams(c echo.Context) (from, to time.Time, err error) {
	if from, err = timeParam(c, "from", false); err != nil {
		return
	}
	to, err = timeParam(c, "to", true)
	return
}

func (h *FXModule) history(c echo.Context) error {
	if err := queryParams(c, "provider", "from", "to"); err != nil {
		return err
	}
	from, to, err := h.rangeParams(c)
	if err != nil {
		return err
	}
	hist, err := h.Svc.History(c.Request().Context(), fx.HistoryQuery{Corridor: c.Param("corridor"), Provider: c.QueryParam("provider"), From: from, To: to})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, hist)
}

func (h *FXModule) dailyCosts(c echo.Context) error {
	if err := queryParams(c, "from", "to"); err != nil {
		return err
	}
	from, to, err := h.rangeParams(c)
	if err != nil {
		return err
	}
	days, err := h.Svc.DailyCosts(c.Request().Context(), c.Param("corridor"), from, to)
	if err != nil {
		return err
	}
	corridor := c.Param("corridor")
	return c.JSON(http.StatusOK, map[string]any{
		"corridor": fx.Corridor{SendCurrency: corridor[:3], ReceiveCurrency: corridor[4:]}, "days": days})
}

// survey answers the World Bank survey's reference for a corridor (a dated survey, not live
// quotes), with its attribution; 404 when the survey has no such corridor.
func (h *FXModule) survey(c echo.Context) error {
	if err := queryParams(c, "period"); err != nil {
		return err
	}
	send, receive, err := fx.ParseCorridor("corridor", c.Param("corridor"))
	if err != nil {
		return err
	}
	cs, err := h.Survey.Corridor(c.Request().Context(), send.Code, receive.Code, c.QueryParam("period"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cs)
}

func (h *FXModule) status(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.Svc.Status())
}

func (h *FXModule) push(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return fmt.Errorf("api: feed body: %w", jsonError(err))
	}
	res, err := h.Svc.Push(c.Request().Context(), c.Param("name"), data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/stats"
)

// StatsModule serves the open data: k-anonymous statistics about recruitment and agency
// reviews, remittance costs per corridor, as JSON or CSV, with their schema and licence.
type StatsModule struct {
	Svc *stats.Service
}

// Register adds the statistics routes.
func (h *StatsModule) Register(r *Router) {
	r.API(http.MethodGet, "/stats", h.catalogue, Public)
	for _, name := range []string{stats.TableRecruitmentFees, stats.TableSDG1071, stats.TableAgencyReviews, stats.TableComplaints} {
		r.API(http.MethodGet, "/stats/"+name, h.reviewTable(name), Public)
	}
	r.API(http.MethodGet, "/stats/"+stats.TableRemittanceCosts, h.costs, Public)
}

func (h *StatsModule) catalogue(c echo.Context) error {
	if err := queryParams(c); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, h.Svc.Catalogue())
}

// wantCSV reads ?format= (json by default).
func wantCSV(c echo.Context) (bool, error) {
	switch c.QueryParam("format") {
	case "", "json":
		return false, nil
	case "csv":
		return true, nil
	}
	return false, kawan.Invalid("format", "must be json or csv")
}

func (h *StatsModule) reviewTable(name string) echo.HandlerFunc {
	var dims []string
	for _, t := range h.Svc.Catalogue().Tables {
		if t.Name == name {
			dims = t.Dimensions
		}
	}
	allowed := append([]string{"by", "format"}, dims...)
	return func(c echo.Context) error {
		if err := queryParams(c, allowed...); err != nil {
			return err
		}
		csv, err := wantCSV(c)
		if err != nil {
			return err
		}
		q := stats.Query{Filter: map[string]string{}}
		if by := c.QueryParam("by"); by != "" {
			q.By = strings.Split(by, ",")
			if len(q.By) > 4 {
				return kawan.Invalid("by", "at most 4 dimensions")
			}
		}
		for _, d := range dims {
			if v, ok := c.QueryParams()[d]; ok {
				q.Filter[d] = v[0]
			}
		}
		t, err := h.Svc.ReviewTable(c.Request().Context(), name, q)
		if err != nil {
			return err
		}
		return writeTable(c, t, csv)
	}
}

func (h *StatsModule) costs(c echo.Context) error {
	if err := queryParams(c, "corridor", "amount", "period", "since", "until", "format"); err != nil {
		return err
	}
	csv, err := wantCSV(c)
	if err != nil {
		return err
	}
	q := stats.CostQuery{Corridor: c.QueryParam("corridor"), Period: c.QueryParam("period"),
		Since: c.QueryParam("since"), Until: c.QueryParam("until")}
	if a := c.QueryParam("amount"); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil {
			return kawan.Invalid("amount", "must be 200 or 500 (USD-equivalent reference amounts)")
		}
		q.Amount = n
	}
	t, err := h.Svc.RemittanceCosts(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return writeTable(c, t, csv)
}

func writeTable(c echo.Context, t *stats.Table, csv bool) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	c.Response().Header().Set("Link", `<`+stats.DataLicence.URL+`>; rel="license"`)
	if csv {
		c.Response().Header().Set("Content-Disposition", `attachment; filename="kawan-`+t.Name+`.csv"`)
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8; header=present", t.CSV())
	}
	return c.JSON(http.StatusOK, t)
}

package frontend

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/rpw"
)

// registerFeedsPage adds the admins' page of feed status: each source and feed, what is in
// use, what was refused, every quarantined corridor with its reasons and since when, and the
// World Bank survey's import (the same data as GET /v1/feeds/status, as a page).
func (f *Frontend) registerFeedsPage(r *api.Router) {
	if f.o.FX == nil || f.o.Auth == nil {
		return
	}
	r.Page(http.MethodGet, "/admin/feeds", f.feedsPage, api.Roles(kawan.RoleAdmin))
}

type feedsPage struct {
	Status fx.Status
	Survey *rpw.Summary
}

// Periods joins the survey's periods for display.
func (p feedsPage) Periods() string { return strings.Join(p.Survey.Periods, ", ") }

func (f *Frontend) feedsPage(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "account", v.T("admin.feeds.title")
	d := feedsPage{Status: f.o.FX.Status()}
	if f.o.Survey != nil {
		sum, err := f.o.Survey.Summary(c.Request().Context())
		if err != nil {
			return err
		}
		d.Survey = &sum
	}
	return f.render(c, http.StatusOK, "admin_feeds", v, d)
}

package frontend

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan/api"
)

// registerAreaPages adds the pages of each wired area.
func (f *Frontend) registerAreaPages(r *api.Router) {
	f.registerAgencyPages(r)
	f.registerAccountPages(r)
	f.registerRecoveryPages(r)
	f.registerReviewPages(r)
	f.registerRepPages(r)
	f.registerMyReviewPages(r)
	f.registerModerationPages(r)
	f.registerHelpPages(r)
	f.registerSendPages(r)
}

// homeData is the home page: the two big questions.
type homeData struct {
	Routes []routeGroup // remittance routes offered (only those with providers)
	// Start is the corridor and amount the form starts with, by the page's language.
	StartFrom, StartTo, StartAmount string
}

func (f *Frontend) home(c echo.Context) error {
	v := f.newView(c)
	v.Title = v.T("home.title")
	v.Nav = "home"
	var d homeData
	if f.o.FX != nil {
		d.Routes = f.routes()
		d.StartFrom, d.StartTo, d.StartAmount = f.startCorridor(v.Loc.Code, d.Routes)
	}
	return f.render(c, http.StatusOK, "home", v, d)
}

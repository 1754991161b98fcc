package frontend

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan/api"
)

// registerAreaPages adds the pages of each wired area.
func (f *Frontend) registerAreaPages(r *api.Router) {
	f.registerAgencyPages(r)
	f.registerFollowPages(r)
	f.registerAccountPages(r)
	f.registerReviewPages(r)
	f.registerMyReviewPages(r)
	f.registerModerationPages(r)
	f.registerHelpPages(r)
	f.registerSendPages(r)
}

// homeData is the home page: the two big questions.
type homeData struct {
	From, To []string // remittance currencies offered
	// Start is the corridor and amount the form starts with, by the page's language.
	StartFrom, StartTo, StartAmount string
}

func (f *Frontend) home(c echo.Context) error {
	v := f.newView(c)
	v.Title = v.T("home.title")
	v.Nav = "home"
	var d homeData
	if f.o.FX != nil {
		d.From, d.To = f.corridorCurrencies()
		d.StartFrom, d.StartTo, d.StartAmount = f.startCorridor(v.Loc.Code, d.From, d.To)
	}
	return f.render(c, http.StatusOK, "home", v, d)
}

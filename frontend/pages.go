package frontend

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/stats"
)

// registerAreaPages adds the pages of each wired area.
func (f *Frontend) registerAreaPages(r *api.Router) {
	f.registerAgencyPages(r)
	f.registerFollowPages(r)
	f.registerSheetPages(r)
	f.registerCorridorSheet(r)
	f.registerTextFollowPages(r)
	f.registerAccountPages(r)
	f.registerRecoveryPages(r)
	f.registerReviewPages(r)
	f.registerRepPages(r)
	f.registerMyReviewPages(r)
	f.registerModerationPages(r)
	f.registerHelpPages(r)
	f.registerSendPages(r)
	f.registerComplaintPages(r)
	f.registerFeedsPage(r)
	if f.has("opendata") {
		r.Page(http.MethodGet, "/open-data", f.openData, api.Public)
	}
}

// openDataPage describes the published tables; their words come from the catalogs
// ("opendata.t.<table>"), the facts (k, licence, paths, dimensions) from the stats package.
type openDataPage struct {
	Catalogue stats.Catalogue
	// Examples are extra links per table: a grouping or a corridor to start from.
	Examples map[string]string
}

func (f *Frontend) openData(c echo.Context) error {
	v := f.newView(c)
	v.Nav, v.Title = "opendata", v.T("opendata.title")
	d := openDataPage{Catalogue: f.o.Stats.Catalogue(), Examples: map[string]string{
		stats.TableRecruitmentFees: "?by=origin,destination&format=csv",
		stats.TableSDG1071:         "?by=origin,destination&format=csv",
		stats.TableAgencyReviews:   "?by=origin&format=csv",
		stats.TableComplaints:      "?by=destination,fact&format=csv",
		stats.TableRemittanceCosts: "?corridor=SGD-PHP&amount=200&period=month&format=csv",
	}}
	return f.render(c, http.StatusOK, "open_data", v, d)
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

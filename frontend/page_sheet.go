package frontend

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	qr "github.com/piglig/go-qr"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/help"
	"github.com/kawan-labs/kawan/reviews"
)

// registerSheetPages adds each agency's printable fact sheet: one A4 page in the reader's
// language for pre-departure orientation sessions (print stylesheet in style.css), with a
// QR code of the agency's live page.
func (f *Frontend) registerSheetPages(r *api.Router) {
	if f.o.Agencies == nil {
		return
	}
	r.Page(http.MethodGet, "/agencies/:id/sheet", f.agencySheet, api.Public)
}

// registerCorridorSheet adds the printable corridor sheet (/send/sheet?from=SGD&to=PHP).
func (f *Frontend) registerCorridorSheet(r *api.Router) {
	if f.o.FX == nil {
		return
	}
	r.Page(http.MethodGet, "/send/sheet", f.corridorSheet, api.Public)
}

type sheetPage struct {
	P         agencies.Profile
	Ratings   *reviews.AgencyRatings
	Emergency []sheetEmergency
	URL       string
	QR        qrCode
	Printed   time.Time
}

type sheetEmergency struct {
	Country string
	Numbers []help.EmergencyNumber
}

// qrCode is a QR code drawn as one SVG path of unit squares (presentation attributes only,
// so the page's CSP needs no inline style).
type qrCode struct {
	Size int    // modules, with the quiet zone
	Path string // "M x y h1v1h-1z" per dark module
}

// qrBorder is the quiet zone, in modules (ISO/IEC 18004 asks for 4).
const qrBorder = 4

func makeQR(text string) (qrCode, error) {
	q, err := qr.EncodeText(text, qr.Medium)
	if err != nil {
		return qrCode{}, fmt.Errorf("frontend: QR code: %w", err)
	}
	n := q.Size()
	var b strings.Builder
	for y := range n {
		for x := range n {
			if q.Module(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+qrBorder, y+qrBorder)
			}
		}
	}
	return qrCode{Size: n + 2*qrBorder, Path: b.String()}, nil
}

// maxSheetDestinations bounds the emergency numbers printed.
const maxSheetDestinations = 4

func (f *Frontend) agencySheet(c echo.Context) error {
	v := f.newView(c)
	v.Nav = "agencies"
	ctx := c.Request().Context()
	p, err := f.o.Agencies.Profile(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	v.Title = p.LegalName
	d := sheetPage{P: p, URL: strings.TrimRight(f.o.BaseURL, "/") + "/agencies/" + p.ID, Printed: time.Now()}
	if d.QR, err = makeQR(d.URL); err != nil {
		return err
	}
	if f.o.Reviews != nil {
		r, err := f.o.Reviews.Ratings(ctx, p.ID)
		if err != nil {
			return err
		}
		d.Ratings = &r
	}
	if f.o.Help != nil {
		for _, dest := range p.Destinations {
			if len(d.Emergency) == maxSheetDestinations {
				break
			}
			if nums := f.o.Help.Emergency(dest); len(nums) > 0 {
				d.Emergency = append(d.Emergency, sheetEmergency{Country: dest, Numbers: nums})
			}
		}
	}
	return f.render(c, http.StatusOK, "sheet", v, d)
}

// corridorSheet is the one-page remittance sheet of a corridor: the three cheapest offers for
// the reference amount (the USD 200 equivalent, as the World Bank's Remittance Prices
// Worldwide survey measures), the corridor's SmaRT-style cost against the SDG 10.c target, and
// how to read a total cost.
type corridorSheet struct {
	From, To string
	Info     fx.CorridorInfo
	Quotes   []fx.Quote
	URL      string
	QR       qrCode
	Printed  time.Time
}

func (f *Frontend) corridorSheet(c echo.Context) error {
	v := f.newView(c)
	v.Nav = "send"
	from, to := strings.ToUpper(c.QueryParam("from")), strings.ToUpper(c.QueryParam("to"))
	var info *fx.CorridorInfo
	for _, ci := range f.o.FX.Corridors() {
		if ci.SendCurrency == from && ci.ReceiveCurrency == to {
			info = &ci
			break
		}
	}
	if info == nil || info.CorridorCost == nil {
		return fmt.Errorf("frontend: corridor %s-%s: %w", from, to, kawan.ErrNotFound)
	}
	v.Title = v.T("csheet.title", "From", from, "To", to)
	cmp, err := f.o.FX.Compare(c.Request().Context(), fx.Request{SendCurrency: from, ReceiveCurrency: to, Amount: info.CorridorCost.SendAmount, Sort: "total_cost"})
	if err != nil {
		return err
	}
	d := corridorSheet{From: from, To: to, Info: *info, Quotes: cmp.Quotes[:min(3, len(cmp.Quotes))], Printed: time.Now(),
		URL: strings.TrimRight(f.o.BaseURL, "/") + "/send?" + url.Values{"from": {from}, "to": {to}, "amount": {info.CorridorCost.SendAmount}}.Encode()}
	if d.QR, err = makeQR(d.URL); err != nil {
		return err
	}
	return f.render(c, http.StatusOK, "csheet", v, d)
}

// HasCorridorSheet reports whether /send/sheet has a sheet for the corridor (it needs the
// corridor's reference cost).
func (v *view) HasCorridorSheet(from, to string) bool {
	if v.f.o.FX == nil {
		return false
	}
	for _, ci := range v.f.o.FX.Corridors() {
		if ci.SendCurrency == from && ci.ReceiveCurrency == to {
			return ci.CorridorCost != nil
		}
	}
	return false
}

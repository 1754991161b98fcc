package frontend

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	qr "github.com/piglig/go-qr"

	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/api"
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

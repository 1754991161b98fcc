package frontend_test

import (
	"context"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/config"
)

var (
	qrPathRE  = regexp.MustCompile(`<path fill="#000000" d="([^"]+)"`)
	qrSizeRE  = regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)" width="132"`)
	qrCellRE  = regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`)
	pdfPageRE = regexp.MustCompile(`/Type\s*/Page[^s]`)
)

// decodeSheetQR draws the QR code exactly as the page's SVG path has it and decodes it
// with an independent decoder (gozxing, a port of ZXing).
func decodeSheetQR(t *testing.T, html string) string {
	t.Helper()
	pm, sm := qrPathRE.FindStringSubmatch(html), qrSizeRE.FindStringSubmatch(html)
	if pm == nil || sm == nil {
		t.Fatal("no QR code on the sheet")
	}
	n, _ := strconv.Atoi(sm[1])
	const scale = 6
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for _, m := range qrCellRE.FindAllStringSubmatch(pm[1], -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		for dy := range scale {
			for dx := range scale {
				img.SetGray(x*scale+dx, y*scale+dy, color.Gray{})
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the sheet's QR code does not decode: %v", err)
	}
	return res.GetText()
}

// TestBrowserFactSheet prints an agency's fact sheet in English and Burmese: one A4 page
// (Chromium's own PDF of the print layout), its QR code decoding to the agency's live URL,
// the screen version readable at 320 px with and without JavaScript. The print previews
// are saved under artifacts/screens (sheet-print-en.png, sheet-print-my.png).
func TestBrowserFactSheet(t *testing.T) {
	bctx := browser(t)
	s := newSite(t, func(c *config.Config) { c.BaseURL = "https://kawan.example" })
	ctx := context.Background()
	demo := agencies.DemoAgencies(app.DemoAgencyCount, 2026, time.Now())
	if _, err := s.app.Agencies.LoadDemo(ctx, demo); err != nil {
		t.Fatal(err)
	}
	// the fullest sheet: sanctions, several destinations with emergency numbers
	var id string
	for _, in := range demo {
		if len(in.Sanctions) >= 2 && len(in.Destinations) >= 3 {
			lc, err := s.app.Agencies.CheckLicence(ctx, "", in.Licences[0].Number)
			if err == nil && lc.Agency != nil {
				id = lc.Agency.ID
				break
			}
		}
	}
	if id == "" {
		t.Fatal("no demo agency with sanctions and destinations")
	}
	for _, lang := range []string{"en", "my"} {
		t.Run(lang, func(t *testing.T) {
			p := s.get(nil, "/agencies/"+id+"/sheet?lang="+lang)
			if p.status != 200 {
				t.Fatalf("sheet: %d", p.status)
			}
			if got := decodeSheetQR(t, p.body); got != "https://kawan.example/agencies/"+id {
				t.Fatalf("QR decodes to %q", got)
			}
			if want := localeText(t, lang, "sheet.title"); !strings.Contains(p.body, want) {
				t.Fatalf("sheet not in %s: no %q", lang, want)
			}
			for _, jsOff := range []bool{false, true} {
				tctx := tab(t, bctx, jsOff)
				must(t, chromedp.Do(tctx, chromedp.EmulateViewport(320, 740), chromedp.Navigate(s.srv.URL+"/agencies/"+id+"/sheet?lang="+lang)))
				if got := htmlLang(t, tctx); got != lang {
					t.Fatalf("html lang %q", got)
				}
				audit(t, tctx, "sheet "+lang)
			}
			printOnePage(t, bctx, s.srv.URL+"/agencies/"+id+"/sheet?lang="+lang, "sheet-print-"+lang)
		})
	}
}

// printOnePage prints url through Chromium (A4, the page's own print stylesheet) and fails
// unless it is one page; the print preview is saved as artifacts/screens/<name>.png.
func printOnePage(t *testing.T, bctx context.Context, url, name string) {
	t.Helper()
	tctx := tab(t, bctx, false)
	must(t, chromedp.Do(tctx, chromedp.Navigate(url)))
	yes, zero := true, 0.0
	res, err := chromedp.Call(tctx, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PaperWidth: 8.27, PaperHeight: 11.69,
		MarginTop: &zero, MarginBottom: &zero, MarginLeft: &zero, MarginRight: &zero, PreferCSSPageSize: &yes, PrintBackground: &yes})
	must(t, err)
	if n := len(pdfPageRE.FindAll(res.Data, -1)); n != 1 {
		t.Fatalf("%s prints on %d pages, want 1", url, n)
	}
	// the print preview: the print stylesheet at A4's width at 96 dpi
	_, err = chromedp.Call(tctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
	must(t, err)
	must(t, chromedp.Do(tctx, chromedp.EmulateViewport(794, 1123)))
	shot := run(t, tctx, chromedp.FullScreenshot(100))
	if h := run(t, tctx, chromedp.Evaluate[float64](`document.documentElement.scrollHeight`)); h > 1123 {
		t.Errorf("%s: the print layout is %.0f px high, more than an A4 page (1123 px)", url, h)
	}
	dir := filepath.Join("..", "artifacts", "screens")
	_ = os.MkdirAll(dir, 0o755)
	_ = os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o644)
}

// TestBrowserCorridorSheet prints the SGD to PHP remittance sheet in English and Burmese: one
// A4 page whose QR code decodes to the live comparison at the reference amount.
func TestBrowserCorridorSheet(t *testing.T) {
	bctx := browser(t)
	s := newSite(t, func(c *config.Config) { c.BaseURL = "https://kawan.example" })
	var ref string
	for _, ci := range s.app.FX.Corridors() {
		if ci.SendCurrency == "SGD" && ci.ReceiveCurrency == "PHP" && ci.CorridorCost != nil {
			ref = ci.CorridorCost.SendAmount
		}
	}
	if ref == "" {
		t.Fatal("the demo feeds have no SGD-PHP corridor cost")
	}
	if p := s.get(nil, "/send?from=SGD&to=PHP&amount=500"); !strings.Contains(p.body, `href="/send/sheet?from=SGD&amp;to=PHP"`) {
		t.Fatal("/send does not link the corridor sheet")
	}
	if p := s.get(nil, "/send/sheet?from=SGD&to=XXX"); p.status != 404 {
		t.Fatalf("unknown corridor: %d", p.status)
	}
	for _, lang := range []string{"en", "my"} {
		t.Run(lang, func(t *testing.T) {
			p := s.get(nil, "/send/sheet?from=SGD&to=PHP&lang="+lang)
			if p.status != 200 || !strings.Contains(p.body, localeText(t, lang, "csheet.howto")) || strings.Count(p.body, "<li><strong") != 3 {
				t.Fatalf("corridor sheet: %d", p.status)
			}
			if got := decodeSheetQR(t, p.body); got != "https://kawan.example/send?amount="+ref+"&from=SGD&to=PHP" {
				t.Fatalf("QR decodes to %q", got)
			}
			for _, jsOff := range []bool{false, true} {
				tctx := tab(t, bctx, jsOff)
				must(t, chromedp.Do(tctx, chromedp.EmulateViewport(320, 740), chromedp.Navigate(s.srv.URL+"/send/sheet?from=SGD&to=PHP&lang="+lang)))
				audit(t, tctx, "corridor sheet "+lang)
			}
			printOnePage(t, bctx, s.srv.URL+"/send/sheet?from=SGD&to=PHP&lang="+lang, "corridor-print-"+lang)
		})
	}
}

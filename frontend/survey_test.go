package frontend_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/frontend"
	"github.com/kawan-labs/kawan/rpw"
	"github.com/kawan-labs/kawan/rpw/rpwtest"
)

// surveyFixture is a FICTIONAL survey of Singapore→Philippines in the RPW layout: averages
// 2.96 at USD 200 (one provider that does not disclose its rate left out), SmaRT 1.40.
func surveyFixture(t *testing.T) *rpw.Parsed {
	t.Helper()
	cs := []rpwtest.Corridor{{Period: "2025_3Q", Source: "SGP", SourceName: "Singapore", Dest: "PHL", DestName: "Philippines", SendCurrency: "SGD",
		Amount200: 270, Amount500: 675, FX: 43.5, Services: []rpwtest.Service{
			{Firm: "Lautan Remit (fictional)", Speed: "Next day", Transparent: "yes", Fee200: 5, Margin200: 0.75, Fee500: 5, Margin500: 0.70},
			{Firm: "Harbour Bank (fictional)", Speed: "2 days", Transparent: "yes", Fee200: 20, Margin200: 1.20, Fee500: 20, Margin500: 1.20},
			{Firm: "Padala Express (fictional)", Speed: "Less than one hour", Transparent: "Yes", Fee200: 0, Margin200: 1.95, Fee500: 0, Margin500: 1.80},
			{Firm: "Kopi Transfer (fictional)", Speed: "Same day", Transparent: "no", Fee200: 3, Fee500: 3},
			{Firm: "Slowboat Post (fictional)", Speed: "6 days or more", Transparent: "yes", Fee200: 2, Margin200: 0.50, Blank500: true},
			{Firm: "Promo Pay (fictional)", Speed: "Less than one hour", Transparent: "yes", Fee200: 0, Margin200: -0.35, Fee500: 0, Margin500: -0.20},
			{Firm: "Lautan Remit (fictional)", Speed: "Less than one hour", Transparent: "yes", Fee200: 8, Margin200: 0.75, Fee500: 8, Margin500: 0.75},
		}}}
	path := t.TempDir() + "/rpw.csv"
	if err := os.WriteFile(path, rpwtest.WriteCSV(nil, rpwtest.Rows(cs)), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := rpw.ReadFile(path, rpw.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func catalogText(t *testing.T, lang, key string) string {
	t.Helper()
	b, err := os.ReadFile("locales/active." + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	switch v := m[key].(type) {
	case string:
		return v
	case map[string]any:
		s, _ := v["other"].(string)
		return s
	}
	t.Fatalf("%s: no %s", lang, key)
	return ""
}

// /send shows, beside the live quotes and apart from them, the corridor's SmaRT from live
// quotes and the World Bank survey's dated reference with its CC BY 4.0 attribution, in
// every language; a corridor the survey lacks shows no survey.
func TestSendShowsSurveyReference(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	if s.app.FX == nil || s.app.Survey == nil {
		t.Skip("fx area not wired")
	}
	if _, err := s.app.Survey.Import(context.Background(), surveyFixture(t), rpw.ImportOptions{Fictional: true}); err != nil {
		t.Fatal(err)
	}
	live := false
	for _, c := range s.app.FX.Corridors() {
		if c.SendCurrency == "SGD" && c.ReceiveCurrency == "PHP" && c.CorridorCost != nil && c.CorridorCost.SmaRTPercent != "" {
			live = true
		}
	}
	for _, l := range frontend.Locales {
		p := s.get(nil, "/send?route=SGD-PHP&amount=500&lang="+l.Code)
		if p.status != 200 {
			t.Fatalf("%s: %d", l.Code, p.status)
		}
		body := p.body
		quotes, survey := strings.Index(body, `class="card quote"`), strings.Index(body, `id="survey"`)
		if survey < 0 || quotes < 0 {
			t.Errorf("%s: survey at %d, quotes at %d", l.Code, survey, quotes)
			continue
		}
		title := catalogText(t, l.Code, "send.survey.title")
		title = title[:strings.Index(title, "{{")]
		for _, want := range []string{title, `<a href="https://remittanceprices.worldbank.org" lang="en">The World Bank, Remittance Prices Worldwide</a>`,
			`<a href="https://creativecommons.org/licenses/by/4.0/" lang="en">CC BY 4.0</a>`, catalogText(t, l.Code, "send.survey.opaque"),
			catalogText(t, l.Code, "send.survey.fictional"), `<span translate="no">Kopi Transfer (fictional)</span>`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the survey box lacks %q", l.Code, want)
			}
		}
		if live != strings.Contains(body, `id="corridor-live"`) {
			t.Errorf("%s: live corridor cost shown %v, want %v", l.Code, !live, live)
		}
	}
	en := s.get(nil, "/send?route=SGD-PHP&amount=500&lang=en").body
	for _, want := range []string{"World Bank survey, Q3 2025", "Average 2.96%", "the three cheapest 1.40%", "270.00, about USD 200",
		"7 prices surveyed", "Sending SGD\u00a0675.00 (about USD 500): average 1.83%", "Lautan Remit (fictional)</span>: 2.60%", "a dated reference, not live quotes"} {
		if !strings.Contains(en, want) {
			i := strings.Index(en, `id="corridor"`)
			t.Errorf("en: lacks %q in %s", want, en[i:min(i+3000, len(en))])
		}
	}
	if ne := s.get(nil, "/send?route=SGD-PHP&amount=500&lang=ne").body; !strings.Contains(ne, "२.९६") || !strings.Contains(ne, "२०२५") {
		t.Errorf("ne: the survey's numbers are not in Nepali digits")
	}
	if other := s.get(nil, "/send?route=SGD-IDR&amount=500&lang=en").body; strings.Contains(other, `id="survey"`) {
		t.Error("SGD-IDR shows a survey the survey does not have")
	}
}

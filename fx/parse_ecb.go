package fx

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
)

// ecbPublishedUTC is when in the day the ECB's reference rates are taken to hold: they are
// set at the 14:10 CET concertation and published around 16:00 CET; 15:00 UTC is after
// publication all year.
const ecbPublishedUTC = 15 * time.Hour

// maxXMLDepth bounds nesting; the ECB files are four levels deep.
const maxXMLDepth = 16

// parseECB reads the ECB euro foreign exchange reference rates, daily
// (eurofxref-daily.xml) or historical (eurofxref-hist.xml, one Cube time= per day):
// <Cube><Cube time="2026-11-20"><Cube currency="USD" rate="1.0850"/>…</Cube></Cube>.
// Rates are units of currency per 1 EUR.
func parseECB(data []byte, o ParseOptions) (*Feed, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	// The ECB files are UTF-8; refuse other declared charsets rather than guess.
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("charset %.20q is not supported (want UTF-8)", label)
	}
	e := &FeedError{}
	f := &Feed{Format: FormatECB}
	depth := 0
	var day *RateSet
	seenDays := map[string]bool{}
	rootSeen := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &FeedError{Reasons: []string{"malformed XML: " + trimMsg(err.Error())}}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return nil, &FeedError{Reasons: []string{fmt.Sprintf("XML nested deeper than %d levels", maxXMLDepth)}}
			}
			if depth == 1 {
				rootSeen = true
				if t.Name.Local != "Envelope" {
					return nil, &FeedError{Reasons: []string{fmt.Sprintf("XML root: want gesmes:Envelope (ECB eurofxref), got %.40q", t.Name.Local)}}
				}
			}
			if t.Name.Local != "Cube" {
				continue
			}
			attrs := map[string]string{}
			for _, a := range t.Attr {
				attrs[a.Name.Local] = a.Value
			}
			switch {
			case attrs["time"] != "":
				if len(f.RateSets) >= maxRateDays {
					return nil, &FeedError{Reasons: []string{fmt.Sprintf("XML: more than %d days", maxRateDays)}}
				}
				d, err := time.Parse(time.DateOnly, attrs["time"])
				if err != nil {
					e.add("Cube time=%.20q: must be a date like 2026-11-20", attrs["time"])
					day = nil
					continue
				}
				if seenDays[attrs["time"]] {
					e.add("Cube time=%s: the day appears twice", attrs["time"])
				}
				seenDays[attrs["time"]] = true
				asOf := d.Add(ecbPublishedUTC)
				if d.After(o.now().Add(o.skew())) {
					e.add("Cube time=%s: is in the future", attrs["time"])
				}
				f.RateSets = append(f.RateSets, RateSet{Source: "European Central Bank euro reference rates", Base: "EUR", AsOf: asOf, Rates: map[string]decimal.Decimal{}})
				day = &f.RateSets[len(f.RateSets)-1]
			case attrs["currency"] != "" || attrs["rate"] != "":
				if day == nil {
					e.add("Cube currency=%.8q: outside a Cube time= day", attrs["currency"])
					continue
				}
				code := attrs["currency"]
				path := fmt.Sprintf("Cube time=%s currency=%.8q", day.AsOf.Format(time.DateOnly), code)
				if _, err := kawan.LookupCurrency(code); err != nil {
					e.add("%s: %v", path, err)
					continue
				}
				if code == "EUR" {
					e.add("%s: the base currency must not be listed", path)
					continue
				}
				if _, dup := day.Rates[code]; dup {
					e.add("%s: listed twice", path)
				}
				if len(day.Rates) >= maxRates {
					e.add("%s: more than %d currencies in a day", path, maxRates)
					continue
				}
				day.Rates[code] = positive(e, path+" rate", attrs["rate"])
			}
		case xml.EndElement:
			depth--
			if t.Name.Local == "Cube" && day != nil && depth == 2 {
				day = nil
			}
		}
	}
	if !rootSeen {
		e.add("XML: no root element")
	}
	if len(f.RateSets) == 0 {
		e.add("XML: no Cube time= day with rates")
	}
	for _, rs := range f.RateSets {
		if len(rs.Rates) == 0 {
			e.add("Cube time=%s: no rates", rs.AsOf.Format(time.DateOnly))
		}
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	return f, nil
}

func trimMsg(s string) string {
	if len(s) > 120 {
		return s[:120]
	}
	return s
}

package fx

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// csvColumns are the required columns of the provider CSV layout (FEEDS.md), in the
// documented order; a file may order them differently. provider_kind and provider_website
// are optional extra columns (the kind defaults to money_transfer_operator), and so is
// rate_bands ("1000:42.90;43.10": UP_TO:RATE bands separated by ";", the last may be a bare
// RATE; exchange_rate may then be empty).
var csvColumns = []string{
	"provider_id", "provider_name", "send_currency", "receive_currency", "payout_method", "funding_method",
	"exchange_rate", "min_send", "max_send", "delivery", "fee_up_to", "fee_flat", "fee_percent", "fee_min",
	"fee_max", "generated_at", "valid_for_seconds",
}

var csvOptional = []string{"provider_kind", "provider_website", "rate_bands", "product", "speed"}

// parseCSV reads the provider CSV layout: one row per corridor and fee band. Rows of one
// corridor (same provider, currencies, payout and funding method) must agree on every
// corridor column and give their bands in ascending order.
func parseCSV(data []byte, o ParseOptions) (*Feed, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = false
	r.FieldsPerRecord = 0
	header, err := r.Read()
	if err != nil {
		return nil, &FeedError{Reasons: []string{"CSV header " + csvReason(err)}}
	}
	col := map[string]int{}
	e := &FeedError{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(csvColumns, h) && !slices.Contains(csvOptional, h) {
			e.add("CSV header: unknown column %.40q", h)
			continue
		}
		if _, dup := col[h]; dup {
			e.add("CSV header: column %q appears twice", h)
		}
		col[h] = i
	}
	for _, c := range csvColumns {
		if _, ok := col[c]; !ok {
			e.add("CSV header: missing column %q", c)
		}
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	opt := func(rec []string, name string) *string {
		v := get(rec, name)
		if v == "" {
			return nil
		}
		return &v
	}

	type group struct {
		line     int
		provider Provider
		raw      rawOffer
		gen      string
		validFor string
		rb       string
	}
	var groups []*group
	byKey := map[string]*group{}
	providers := map[string]Provider{}
	var order []string
	rows := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// FieldPos must not be called after an error (it panics: found by FuzzParseCSV).
			return nil, &FeedError{Reasons: []string{"CSV " + csvReason(err)}}
		}
		line, _ := r.FieldPos(0)
		if rows++; rows > maxOffers*maxBands/4 {
			return nil, &FeedError{Reasons: []string{fmt.Sprintf("CSV: more than %d rows", maxOffers*maxBands/4)}}
		}
		p := Provider{ID: get(rec, "provider_id"), Name: get(rec, "provider_name"), Kind: get(rec, "provider_kind"), Website: get(rec, "provider_website")}
		if p.Kind == "" {
			p.Kind = "money_transfer_operator"
		}
		if prev, ok := providers[p.ID]; !ok {
			providers[p.ID] = p
			order = append(order, p.ID)
		} else if prev.Name != p.Name || prev.Kind != p.Kind || prev.Website != p.Website {
			e.add("CSV line %d: provider %.64q has another name, kind or website than on an earlier line", line, p.ID)
		}
		raw := rawOffer{send: get(rec, "send_currency"), receive: get(rec, "receive_currency"), payout: get(rec, "payout_method"),
			funding: get(rec, "funding_method"), rate: get(rec, "exchange_rate"), minSend: get(rec, "min_send"),
			maxSend: get(rec, "max_send"), delivery: get(rec, "delivery"), product: get(rec, "product"), speed: get(rec, "speed")}
		band := rawBand{upTo: opt(rec, "fee_up_to"), flat: opt(rec, "fee_flat"), percent: opt(rec, "fee_percent"),
			minFee: opt(rec, "fee_min"), maxFee: opt(rec, "fee_max")}
		key := strings.Join([]string{p.ID, raw.send, raw.receive, raw.payout, raw.funding, raw.product}, "\x00")
		gen, vf, rb := get(rec, "generated_at"), get(rec, "valid_for_seconds"), get(rec, "rate_bands")
		g, ok := byKey[key]
		if !ok {
			g = &group{line: line, provider: p, raw: raw, gen: gen, validFor: vf, rb: rb}
			g.raw.rateBands = csvRateBands(rb)
			byKey[key] = g
			groups = append(groups, g)
		} else if g.raw.rate != raw.rate || g.raw.minSend != raw.minSend || g.raw.maxSend != raw.maxSend ||
			g.raw.delivery != raw.delivery || g.gen != gen || g.validFor != vf || g.rb != rb || g.raw.speed != raw.speed {
			e.add("CSV line %d: corridor columns differ from line %d of the same corridor", line, g.line)
		}
		g.raw.bands = append(g.raw.bands, band)
	}
	if len(groups) == 0 {
		e.add("CSV: no rows after the header")
	}
	f := &Feed{Format: FormatProviderCSV}
	for _, id := range order {
		p := providers[id]
		validateProvider(e, fmt.Sprintf("provider %.64q", id), &p)
		f.Providers = append(f.Providers, p)
	}
	for _, g := range groups {
		path := fmt.Sprintf("CSV line %d", g.line)
		gen := parseTime(e, path+".generated_at", g.gen, o)
		var validFor time.Duration
		if n, err := atoi64(g.validFor); err != nil {
			e.add("%s.valid_for_seconds: must be a whole number of seconds", path)
		} else {
			validFor = validForDuration(e, path+".valid_for_seconds", n)
		}
		f.addOffer(e, &g.raw, path, g.provider.ID, gen, validFor)
	}
	return f.finish(e)
}

// csvRateBands splits the rate_bands column into bands for the shared validator.
func csvRateBands(s string) []rawRateBand {
	if s == "" {
		return nil
	}
	var out []rawRateBand
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		var b rawRateBand
		if up, rate, ok := strings.Cut(part, ":"); ok {
			up, rate = strings.TrimSpace(up), strings.TrimSpace(rate)
			b.upTo, b.rate = &up, &rate
		} else {
			b.rate = &part
		}
		out = append(out, b)
	}
	return out
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("line %d: %v", pe.Line, pe.Err)
	}
	if err == io.EOF {
		return "the file is empty"
	}
	return "not valid CSV"
}

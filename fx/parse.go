package fx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"golang.org/x/text/language"

	"github.com/kawan-labs/kawan"
)

// Bounds on a single feed, so a hostile or broken feed cannot exhaust memory or CPU.
const (
	// MaxFeedBytes is the largest feed accepted from any source (the refresher's default).
	MaxFeedBytes = 8 << 20
	maxOffers    = 20000
	maxBands     = 20
	maxRates     = 400
	maxRateDays  = 10000 // ECB history since 1999 has ~7,000 days
	maxValidFor  = 30 * 24 * time.Hour
)

// ParseOptions tunes parsing and validation.
type ParseOptions struct {
	// Now is the time feeds are judged against (generated_at in the future); zero: time.Now.
	Now time.Time
	// Skew is how far in the future generated_at/as_of may be; zero: 5 minutes.
	Skew time.Duration
}

func (o ParseOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now().UTC()
	}
	return o.Now
}

func (o ParseOptions) skew() time.Duration {
	if o.Skew <= 0 {
		return 5 * time.Minute
	}
	return o.Skew
}

// ParseFeed detects a feed's format (kawan.provider-feed/v1 or kawan.rates/v1 JSON, the
// provider CSV, ECB XML) and parses and validates it as a whole. Any problem rejects the
// whole feed with a *FeedError listing every reason found. Checks that need the mid-market
// rates (an offered rate too far from mid) are made later, by CheckAgainstMid.
func ParseFeed(data []byte, o ParseOptions) (*Feed, error) {
	if len(data) > MaxFeedBytes {
		return nil, &FeedError{Reasons: []string{fmt.Sprintf("feed is larger than %d bytes", MaxFeedBytes)}}
	}
	if !utf8.Valid(data) {
		return nil, &FeedError{Reasons: []string{"feed is not valid UTF-8"}}
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	switch {
	case len(trimmed) == 0:
		return nil, &FeedError{Reasons: []string{"feed is empty"}}
	case trimmed[0] == '<':
		return parseECB(trimmed, o)
	case trimmed[0] == '{':
		var head struct {
			Format string `json:"format"`
		}
		// Decoding only "format" ignores the rest; the strict decode follows.
		if err := json.Unmarshal(trimmed, &head); err != nil {
			return nil, &FeedError{Reasons: []string{jsonReason(err)}}
		}
		switch head.Format {
		case string(FormatProviderJSON):
			return parseProviderJSON(trimmed, o)
		case string(FormatRatesJSON):
			return parseRatesJSON(trimmed, o)
		}
		return nil, &FeedError{Reasons: []string{fmt.Sprintf("format: want %q or %q, got %.40q", FormatProviderJSON, FormatRatesJSON, head.Format)}}
	default:
		return parseCSV(trimmed, o)
	}
}

// decodeStrict decodes exactly one JSON value into v, refusing unknown fields and trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		f := te.Field
		if f == "" {
			f = "feed"
		}
		return fmt.Sprintf("%s: must be %s, not a JSON %s", f, jsonKind(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "JSON ends too early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`) + ": is not a known field"
	}
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return "not valid JSON: " + msg
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	if strings.HasPrefix(k, "int") || strings.HasPrefix(k, "uint") || strings.HasPrefix(k, "float") {
		return "a number"
	}
	return "another type"
}

type jsonProviderFeed struct {
	Format          string       `json:"format"`
	Provider        jsonProvider `json:"provider"`
	GeneratedAt     string       `json:"generated_at"`
	ValidForSeconds *int64       `json:"valid_for_seconds"`
	Corridors       []jsonOffer  `json:"corridors"`
}

type jsonProvider struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	Website    string   `json:"website"`
	LicensedIn []string `json:"licensed_in"`
}

type jsonOffer struct {
	SendCurrency    string     `json:"send_currency"`
	ReceiveCurrency string     `json:"receive_currency"`
	PayoutMethod    string     `json:"payout_method"`
	FundingMethod   string     `json:"funding_method"`
	ExchangeRate    string     `json:"exchange_rate"`
	MinSend         string     `json:"min_send"`
	MaxSend         string     `json:"max_send"`
	Delivery        string     `json:"delivery"`
	Product         string     `json:"product,omitempty"`
	Speed           string     `json:"speed,omitempty"`
	Fees            []jsonBand `json:"fees"`
	RateBands       []jsonRate `json:"rate_bands,omitempty"`
}

type jsonRate struct {
	UpTo         *string `json:"up_to,omitempty"`
	ExchangeRate *string `json:"exchange_rate"`
}

type jsonBand struct {
	UpTo    *string `json:"up_to"`
	Flat    *string `json:"flat"`
	Percent *string `json:"percent"`
	MinFee  *string `json:"min_fee"`
	MaxFee  *string `json:"max_fee"`
}

func parseProviderJSON(data []byte, o ParseOptions) (*Feed, error) {
	var in jsonProviderFeed
	if err := decodeStrict(data, &in); err != nil {
		return nil, &FeedError{Reasons: []string{jsonReason(err)}}
	}
	e := &FeedError{}
	p := Provider{ID: in.Provider.ID, Name: in.Provider.Name, Kind: in.Provider.Kind, Website: in.Provider.Website, LicensedIn: in.Provider.LicensedIn}
	validateProvider(e, "provider", &p)
	gen := parseTime(e, "generated_at", in.GeneratedAt, o)
	var validFor time.Duration
	if in.ValidForSeconds == nil {
		e.add("valid_for_seconds: is required")
	} else {
		validFor = validForDuration(e, "valid_for_seconds", *in.ValidForSeconds)
	}
	if len(in.Corridors) == 0 {
		e.add("corridors: at least one corridor is required")
	}
	if len(in.Corridors) > maxOffers {
		return nil, &FeedError{Reasons: []string{fmt.Sprintf("corridors: at most %d per feed", maxOffers)}}
	}
	f := &Feed{Format: FormatProviderJSON, Providers: []Provider{p}, Offers: make([]Offer, 0, len(in.Corridors))}
	for i, c := range in.Corridors {
		path := fmt.Sprintf("corridors[%d]", i)
		raw := rawOffer{send: c.SendCurrency, receive: c.ReceiveCurrency, payout: c.PayoutMethod, funding: c.FundingMethod,
			rate: c.ExchangeRate, minSend: c.MinSend, maxSend: c.MaxSend, delivery: c.Delivery, product: c.Product, speed: c.Speed}
		for _, b := range c.Fees {
			raw.bands = append(raw.bands, rawBand{upTo: b.UpTo, flat: b.Flat, percent: b.Percent, minFee: b.MinFee, maxFee: b.MaxFee})
		}
		for _, b := range c.RateBands {
			raw.rateBands = append(raw.rateBands, rawRateBand{upTo: b.UpTo, rate: b.ExchangeRate})
		}
		f.addOffer(e, &raw, path, p.ID, gen, validFor)
	}
	return f.finish(e)
}

// addOffer validates one corridor: a valid one joins Offers, a failing one is quarantined
// with its reasons (the feed's own fields, checked into e, decide whether the feed stands).
func (f *Feed) addOffer(e *FeedError, raw *rawOffer, path, providerID string, gen time.Time, validFor time.Duration) {
	ce := &FeedError{}
	off := raw.offer(ce, path, providerID, gen, validFor)
	if ce.err() == nil {
		f.Offers = append(f.Offers, off)
		return
	}
	f.Quarantined = append(f.Quarantined, Quarantined{ProviderID: providerID, SendCurrency: trimMsg(raw.send), ReceiveCurrency: trimMsg(raw.receive),
		PayoutMethod: trimMsg(raw.payout), FundingMethod: trimMsg(raw.funding), Product: trimMsg(raw.product), Reasons: ce.AllReasons(), feed: f,
		index: len(f.Offers) + len(f.Quarantined)})
}

// finish rejects the feed whole when its own fields failed, two offers share a key, or most
// corridors were quarantined; otherwise the feed stands with its quarantined corridors listed.
func (f *Feed) finish(e *FeedError) (*Feed, error) {
	checkDuplicates(e, f.Offers)
	if n, total := len(f.Quarantined), len(f.Offers)+len(f.Quarantined); mostlyFailing(n, total) {
		e.add("most corridors fail validation (%d of %d corridors fail), so the feed is rejected whole", n, total)
		for _, q := range f.Quarantined {
			for _, r := range q.Reasons {
				e.add("%s", r)
			}
		}
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	return f, nil
}

// rawOffer is one corridor as written in a feed, before parsing; JSON and CSV share it so
// both formats are validated by the same code.
type rawOffer struct {
	send, receive, payout, funding, rate, minSend, maxSend, delivery string
	product, speed                                                   string
	bands                                                            []rawBand
	rateBands                                                        []rawRateBand
}

type rawBand struct{ upTo, flat, percent, minFee, maxFee *string }

type rawRateBand struct{ upTo, rate *string }

func (r *rawOffer) offer(e *FeedError, path, providerID string, gen time.Time, validFor time.Duration) Offer {
	o := Offer{ProviderID: providerID, PayoutMethod: r.payout, FundingMethod: r.funding, Delivery: r.delivery, GeneratedAt: gen, ValidFor: validFor}
	var err error
	if o.Send, err = kawan.LookupCurrency(r.send); err != nil {
		e.add("%s.send_currency: %v", path, err)
	}
	if o.Receive, err = kawan.LookupCurrency(r.receive); err != nil {
		e.add("%s.receive_currency: %v", path, err)
	}
	if o.Send.Code != "" && o.Send.Code == o.Receive.Code {
		e.add("%s.receive_currency: must differ from send_currency", path)
	}
	enum(e, path+".payout_method", r.payout, PayoutMethods)
	enum(e, path+".funding_method", r.funding, FundingMethods)
	enum(e, path+".delivery", r.delivery, Deliveries)
	o.Product, o.Speed = label(e, path+".product", r.product), label(e, path+".speed", r.speed)
	if len(r.rateBands) == 0 || r.rate != "" {
		o.Rate = positive(e, path+".exchange_rate", r.rate)
	}
	o.MinSend = positive(e, path+".min_send", r.minSend)
	o.MaxSend = positive(e, path+".max_send", r.maxSend)
	if o.Send.Code != "" {
		for _, m := range []struct {
			name string
			v    decimal.Decimal
		}{{"min_send", o.MinSend}, {"max_send", o.MaxSend}} {
			if !onGrid(m.v, o.Send.Minor) {
				e.add("%s.%s: %s has more decimals than %s allows (%d)", path, m.name, m.v, o.Send.Code, o.Send.Minor)
			}
		}
	}
	if o.MinSend.IsPositive() && o.MaxSend.IsPositive() && o.MinSend.Cmp(o.MaxSend) > 0 {
		e.add("%s.min_send: %s is more than max_send %s", path, o.MinSend, o.MaxSend)
	}
	if len(r.bands) > maxBands {
		e.add("%s.fees: at most %d bands", path, maxBands)
		return o
	}
	for i, b := range r.bands {
		bp := fmt.Sprintf("%s.fees[%d]", path, i)
		var fb FeeBand
		if b.upTo != nil {
			fb.UpTo, fb.Bounded = nonNegative(e, bp+".up_to", *b.upTo), true
		}
		fb.Flat = optional(e, bp+".flat", b.flat)
		fb.Percent = optional(e, bp+".percent", b.percent)
		if b.minFee != nil {
			fb.MinFee, fb.HasMin = nonNegative(e, bp+".min_fee", *b.minFee), true
		}
		if b.maxFee != nil {
			fb.MaxFee, fb.HasMax = nonNegative(e, bp+".max_fee", *b.maxFee), true
		}
		o.Fees = append(o.Fees, fb)
	}
	if o.Send.Code != "" {
		o.Fees.validate(e, path+".fees", o.Send, o.MaxSend)
	}
	if len(r.rateBands) > 0 {
		r.parseRateBands(e, path, &o)
	}
	return o
}

// parseRateBands reads rate_bands (FEEDS.md): ascending like fee bands, each rate above 0,
// only the last without up_to. exchange_rate, when also given, is the rate above the last
// band; without it the bands must reach max_send. o.Rate becomes the first band's rate.
func (r *rawOffer) parseRateBands(e *FeedError, path string, o *Offer) {
	if len(r.rateBands) > maxBands {
		e.add("%s.rate_bands: at most %d bands", path, maxBands)
		return
	}
	for i, b := range r.rateBands {
		bp := fmt.Sprintf("%s.rate_bands[%d]", path, i)
		var rb RateBand
		if b.rate == nil {
			e.add("%s.exchange_rate: is required", bp)
		} else {
			rb.Rate = positive(e, bp+".exchange_rate", *b.rate)
		}
		if b.upTo != nil {
			rb.UpTo, rb.Bounded = positive(e, bp+".up_to", *b.upTo), true
			if o.Send.Code != "" && !onGrid(rb.UpTo, o.Send.Minor) {
				e.add("%s.up_to: %s has more decimals than %s allows (%d)", bp, rb.UpTo, o.Send.Code, o.Send.Minor)
			}
			if i > 0 && o.RateBands[i-1].Bounded && rb.UpTo.Cmp(o.RateBands[i-1].UpTo) <= 0 {
				e.add("%s.up_to: rate bands must be in ascending up_to order, without overlap (%s after %s)", bp, rb.UpTo, o.RateBands[i-1].UpTo)
			}
		} else if i != len(r.rateBands)-1 {
			e.add("%s.up_to: only the last rate band may omit up_to", bp)
		}
		o.RateBands = append(o.RateBands, rb)
	}
	last := o.RateBands[len(o.RateBands)-1]
	switch {
	case r.rate != "" && !last.Bounded:
		e.add("%s.exchange_rate: the last rate band has no up_to, so exchange_rate would never apply; give one or the other", path)
	case r.rate != "":
		o.RateBands = append(o.RateBands, RateBand{Rate: o.Rate})
	case last.Bounded && last.UpTo.Cmp(o.MaxSend) < 0:
		e.add("%s.rate_bands: the rate bands end at %s but max_send is %s; add a band without up_to, or exchange_rate for the amounts above", path, last.UpTo, o.MaxSend)
	}
	o.Rate = o.RateBands[0].Rate
}

// checkDuplicates rejects two offers with the same key: provider, corridor, payout and
// funding method, and product (none counts as one product).
func checkDuplicates(e *FeedError, offers []Offer) {
	seen := make(map[string]bool, len(offers))
	for i := range offers {
		o := &offers[i]
		k := o.ProviderID + "\x00" + o.Key() + "\x00" + o.PayoutMethod + "\x00" + o.FundingMethod + "\x00" + o.Product
		if seen[k] {
			product := "without a product name"
			if o.Product != "" {
				product = fmt.Sprintf("as product %q", o.Product)
			}
			e.add("corridor %s %s by %s/%s %s appears twice for provider %s; give each offer its own product name", o.Send.Code, o.Receive.Code,
				o.PayoutMethod, o.FundingMethod, product, o.ProviderID)
		}
		seen[k] = true
	}
}

// label reads an optional short display text (product, speed): at most 60 characters, no
// control characters.
func label(e *FeedError, path, s string) string {
	if s == "" {
		return ""
	}
	if n := utf8.RuneCountInString(s); n > 60 || strings.TrimSpace(s) != s || strings.ContainsFunc(s, unicode.IsControl) {
		e.add("%s: must be 1-60 characters without leading or trailing spaces or control characters", path)
		return ""
	}
	return s
}

var providerIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func validateProvider(e *FeedError, path string, p *Provider) {
	if !providerIDPattern.MatchString(p.ID) {
		e.add("%s.id: must be 1-63 lower-case letters, digits or dashes, starting with a letter or digit", path)
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(p.Name)); n == 0 || n > 120 {
		e.add("%s.name: must be 1-120 characters", path)
	}
	enum(e, path+".kind", p.Kind, ProviderKinds)
	if p.Website != "" {
		u, err := url.Parse(p.Website)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(p.Website) > 200 {
			e.add("%s.website: must be an http(s) URL of at most 200 characters", path)
		}
	}
	if len(p.LicensedIn) > 60 {
		e.add("%s.licensed_in: at most 60 countries", path)
		return
	}
	for i, c := range p.LicensedIn {
		r, err := language.ParseRegion(c)
		if err != nil || len(c) != 2 || c != strings.ToUpper(c) || !r.IsCountry() {
			e.add("%s.licensed_in[%d]: must be an ISO 3166 country code like SG", path, i)
		}
	}
}

func enum(e *FeedError, path, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		e.add("%s: must be one of %s, got %.30q", path, strings.Join(allowed, ", "), v)
	}
}

func positive(e *FeedError, path, s string) decimal.Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		e.add("%s: %v", path, err)
		return zero
	}
	if !d.IsPositive() {
		e.add("%s: must be more than 0", path)
	}
	return d
}

// nonNegative parses a decimal that may be zero (the syntax admits no sign, so never negative).
func nonNegative(e *FeedError, path, s string) decimal.Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		e.add("%s: %v", path, err)
		return zero
	}
	return d
}

func optional(e *FeedError, path string, s *string) decimal.Decimal {
	if s == nil {
		return zero
	}
	return nonNegative(e, path, *s)
}

func parseTime(e *FeedError, path, s string, o ParseOptions) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		e.add("%s: must be an RFC 3339 time like 2026-11-22T08:00:00Z", path)
		return time.Time{}
	}
	t = t.UTC()
	if t.After(o.now().Add(o.skew())) {
		e.add("%s: %s is in the future", path, t.Format(time.RFC3339))
	}
	if t.Year() < 1999 {
		e.add("%s: %s is before 1999", path, t.Format(time.RFC3339))
	}
	return t
}

func validForDuration(e *FeedError, path string, secs int64) time.Duration {
	if secs <= 0 || time.Duration(secs)*time.Second > maxValidFor {
		e.add("%s: must be between 1 and %d", path, int64(maxValidFor/time.Second))
		return 0
	}
	return time.Duration(secs) * time.Second
}

type jsonRates struct {
	Format string            `json:"format"`
	Base   string            `json:"base"`
	AsOf   string            `json:"as_of"`
	Source string            `json:"source"`
	Rates  map[string]string `json:"rates"`
}

func parseRatesJSON(data []byte, o ParseOptions) (*Feed, error) {
	var in jsonRates
	if err := decodeStrict(data, &in); err != nil {
		return nil, &FeedError{Reasons: []string{jsonReason(err)}}
	}
	e := &FeedError{}
	rs := RateSet{Source: strings.TrimSpace(in.Source), Base: in.Base, Rates: make(map[string]decimal.Decimal, len(in.Rates))}
	if _, err := kawan.LookupCurrency(in.Base); err != nil {
		e.add("base: %v", err)
	}
	if n := utf8.RuneCountInString(rs.Source); n == 0 || n > 120 {
		e.add("source: must be 1-120 characters")
	}
	rs.AsOf = parseTime(e, "as_of", in.AsOf, o)
	if len(in.Rates) == 0 || len(in.Rates) > maxRates {
		e.add("rates: must hold 1-%d currencies", maxRates)
	}
	for _, code := range sortedKeys(in.Rates) {
		if _, err := kawan.LookupCurrency(code); err != nil {
			e.add("rates.%.8s: %v", code, err)
			continue
		}
		if code == in.Base {
			// Most public rate APIs list the base itself at 1: accepted, and read as unlisted.
			if d, err := ParseDecimal(in.Rates[code]); err != nil || !d.Equal(one) {
				e.add("rates.%s: the base currency %s may be listed only at exactly 1, got %.20q", code, code, in.Rates[code])
			}
			continue
		}
		rs.Rates[code] = positive(e, "rates."+code, in.Rates[code])
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	return &Feed{Format: FormatRatesJSON, RateSets: []RateSet{rs}}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// atoi64 parses a decimal integer for CSV columns.
func atoi64(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

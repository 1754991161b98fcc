package fx

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
)

// Modes of a comparison.
const (
	// ModeSend: the amount is what the sender converts (S, in the send currency).
	ModeSend = "send"
	// ModeReceive: the amount is what must arrive (X, in the receive currency); each quote
	// uses the smallest S in the send currency's minor unit whose receive amount is ≥ X.
	ModeReceive = "receive"
)

// Why a comparison has no quotes (Comparison.ReasonCode).
const (
	// ReasonNoProvider: no provider in the feeds serves the corridor.
	ReasonNoProvider = "no_provider"
	// ReasonNoMidRate: no mid-market rate for the pair, so costs cannot be measured.
	ReasonNoMidRate = "no_mid_rate"
	// ReasonNoMethod: providers serve the corridor, but none by the payout and funding asked for.
	ReasonNoMethod = "no_method"
	// ReasonAmountOutOfRange: every offer is outside its provider's min/max for this amount.
	ReasonAmountOutOfRange = "amount_out_of_range"
	// ReasonQuarantined: every offer on the corridor is quarantined (failed validation).
	ReasonQuarantined = "quarantined"
)

// Sort orders of a comparison.
var Sorts = []string{"receive_amount", "total_cost", "speed"}

// SDGTarget is the SDG 10.c ceiling on the cost of a remittance (percent of the amount sent).
var SDGTarget = decimal.NewFromInt(5)

// Request asks for every provider's quote on a corridor, as the query parameters of
// GET /v1/quotes name them. Amount is a decimal string in the send currency (mode send) or
// the receive currency (mode receive).
type Request struct {
	SendCurrency    string
	ReceiveCurrency string
	Amount          string
	Mode            string // "send" (default) or "receive"
	PayoutMethod    string // optional filter
	FundingMethod   string // optional filter
	Sort            string // optional: receive_amount, total_cost, speed
}

// Quote is one provider's price for one payout and funding method, computed by the World
// Bank RPW method (FEEDS.md). Its numbers are kept as integers in minor units and written
// as decimal strings only when asked for (the accessors, or the JSON encoding): send_amount,
// fee, total_to_pay and total_cost in the send currency's minor unit, receive_amount in the
// receive currency's, percentages with 2 decimals. A comparison of 50 offers formats
// nothing until its response is written, straight into the response buffer.
//
// In JSON (see AppendJSON) a quote is {"provider":{"id","name","kind"}, "payout_method",
// "funding_method", "delivery", "exchange_rate", "send_amount", "fee", "total_to_pay",
// "receive_amount", "fx_margin_percent", "total_cost", "total_cost_percent",
// "above_sdg_target", "quoted_at", "stale"}.
type Quote struct {
	o *priced
	// text holds the amounts of a quote priced on the decimal path (numbers beyond int64);
	// the integer fields are then saturated sort keys only.
	text *quoteText
	// Units: send, fee, toPay and cost in send minor units, recv in receive minor units,
	// pct (total_cost_percent) in hundredths.
	send, fee, toPay, recv, cost, pct int64
	sendMinor, recvMinor              int32
	stale                             bool
}

// quoteText is a decimal-path quote's amounts as strings.
type quoteText struct{ send, fee, toPay, recv, cost, pct string }

// Provider names the quote's provider.
func (q Quote) Provider() ProviderRef { return q.o.provider }

// PayoutMethod is how the money is paid out (bank_account, cash_pickup, …).
func (q Quote) PayoutMethod() string { return q.o.PayoutMethod }

// FundingMethod is how the sender pays (bank_transfer, cash, …).
func (q Quote) FundingMethod() string { return q.o.FundingMethod }

// Product is the offer's product name ("" when the provider has one offer per method).
func (q Quote) Product() string { return q.o.Product }

// Speed is the provider's own words for the delivery speed ("" when not given).
func (q Quote) Speed() string { return q.o.Speed }

// Delivery is the provider's stated delivery speed.
func (q Quote) Delivery() string { return q.o.Delivery }

// ExchangeRate is the offered rate as the feed gave it.
func (q Quote) ExchangeRate() string { return q.o.rateStr }

// FXMarginPercent is how far the offered rate is below mid, in percent (2 decimals).
func (q Quote) FXMarginPercent() string { return q.o.margin }

// QuotedAt is when the provider published this price (its feed's generated_at).
func (q Quote) QuotedAt() time.Time { return q.o.GeneratedAt }

// Stale is true once the provider's feed is older than its valid_for_seconds.
func (q Quote) Stale() bool { return q.stale }

// AboveSDGTarget is true when total_cost_percent exceeds the 5% SDG target.
func (q Quote) AboveSDGTarget() bool { return q.pct > 500 }

// SendAmount is S, in the send currency.
func (q Quote) SendAmount() string { return q.amount(0) }

// Fee is F, in the send currency.
func (q Quote) Fee() string { return q.amount(1) }

// TotalToPay is S + F, in the send currency.
func (q Quote) TotalToPay() string { return q.amount(2) }

// ReceiveAmount is what arrives, in the receive currency.
func (q Quote) ReceiveAmount() string { return q.amount(3) }

// TotalCost is the fee plus the FX cost against mid, in the send currency.
func (q Quote) TotalCost() string { return q.amount(4) }

// TotalCostPercent is TotalCost as a percentage of S (2 decimals).
func (q Quote) TotalCostPercent() string { return q.amount(5) }

// amount formats the i-th amount (send, fee, to pay, receive, cost, percent).
func (q *Quote) amount(i int) string {
	var buf [48]byte
	return string(q.appendAmount(buf[:0], i))
}

func (q *Quote) appendAmount(b []byte, i int) []byte {
	if t := q.text; t != nil {
		return append(b, [...]string{t.send, t.fee, t.toPay, t.recv, t.cost, t.pct}[i]...)
	}
	switch i {
	case 0:
		return appendUnits(b, q.send, q.sendMinor)
	case 1:
		return appendUnits(b, q.fee, q.sendMinor)
	case 2:
		return appendUnits(b, q.toPay, q.sendMinor)
	case 3:
		return appendUnits(b, q.recv, q.recvMinor)
	case 4:
		return appendUnits(b, q.cost, q.sendMinor)
	default:
		return appendUnits(b, q.pct, 2)
	}
}

// Corridor names a currency pair.
type Corridor struct {
	SendCurrency    string `json:"send_currency"`
	ReceiveCurrency string `json:"receive_currency"`
}

// MidRateView is the mid-market rate a comparison is measured against.
type MidRateView struct {
	Rate   string    `json:"rate"`
	Source string    `json:"source"`
	AsOf   time.Time `json:"as_of"`
}

// Comparison is every quote for a request, best first. Its JSON is written by AppendJSON.
type Comparison struct {
	Corridor       Corridor     `json:"corridor"`
	Mode           string       `json:"mode"`
	Amount         string       `json:"amount"`
	AmountCurrency string       `json:"amount_currency"`
	MidRate        *MidRateView `json:"mid_rate,omitempty"`
	Quotes         []Quote      `json:"quotes"`
	// Reason says why Quotes is empty, in English; ReasonCode says it for machines and
	// translations (one of the Reason… constants); MissingRates names the currencies no
	// rates source lists when the code is no_mid_rate.
	Reason       string   `json:"reason,omitempty"`
	ReasonCode   string   `json:"reason_code,omitempty"`
	MissingRates []string `json:"missing_rates,omitempty"`
	// SnapshotAt is when the data behind the quotes was assembled.
	SnapshotAt time.Time `json:"snapshot_at"`
}

// parsed is a validated Request.
type parsed struct {
	send, receive Currency
	amount        decimal.Decimal
	mode          string
	payout        string
	funding       string
	sort          string
}

// Validate checks a request; errors name the query parameter.
func (r Request) validate() (parsed, error) {
	v := &kawan.ValidationError{}
	var p parsed
	var err error
	if r.SendCurrency == "" {
		v.Add("send_currency", "is required")
	} else if p.send, err = kawan.LookupCurrency(r.SendCurrency); err != nil {
		v.Add("send_currency", "%v", err)
	}
	if r.ReceiveCurrency == "" {
		v.Add("receive_currency", "is required")
	} else if p.receive, err = kawan.LookupCurrency(r.ReceiveCurrency); err != nil {
		v.Add("receive_currency", "%v", err)
	} else if p.receive.Code == p.send.Code {
		v.Add("receive_currency", "must differ from send_currency")
	}
	p.mode = r.Mode
	switch r.Mode {
	case "":
		p.mode = ModeSend
	case ModeSend, ModeReceive:
	default:
		v.Add("mode", "must be send or receive")
	}
	amountCur := p.send
	if p.mode == ModeReceive {
		amountCur = p.receive
	}
	switch {
	case r.Amount == "":
		v.Add("amount", "is required")
	case len(r.Amount) > 40:
		v.Add("amount", "is too long")
	case amountCur.Code != "":
		if p.amount, err = ParseAmount(r.Amount, amountCur); err != nil {
			v.Add("amount", "%v", err)
		}
	}
	if r.PayoutMethod != "" && !slices.Contains(PayoutMethods, r.PayoutMethod) {
		v.Add("payout_method", "must be one of %s", strings.Join(PayoutMethods, ", "))
	}
	if r.FundingMethod != "" && !slices.Contains(FundingMethods, r.FundingMethod) {
		v.Add("funding_method", "must be one of %s", strings.Join(FundingMethods, ", "))
	}
	if r.Sort != "" && !slices.Contains(Sorts, r.Sort) {
		v.Add("sort", "must be one of %s", strings.Join(Sorts, ", "))
	}
	p.payout, p.funding, p.sort = r.PayoutMethod, r.FundingMethod, r.Sort
	return p, v.Err()
}

// Compare quotes every provider on the request's corridor at time now. Bad input is a
// *kawan.ValidationError naming the parameter; a corridor nobody serves is not an error but
// an empty list with a Reason.
func (s *Snapshot) Compare(r Request, now time.Time) (Comparison, error) {
	p, err := r.validate()
	if err != nil {
		return Comparison{}, err
	}
	amountCur := p.send
	if p.mode == ModeReceive {
		amountCur = p.receive
	}
	out := Comparison{
		Corridor: Corridor{SendCurrency: p.send.Code, ReceiveCurrency: p.receive.Code},
		Mode:     p.mode, Amount: p.amount.StringFixed(amountCur.Minor), AmountCurrency: amountCur.Code,
		Quotes: []Quote{}, SnapshotAt: s.BuiltAt,
	}
	key := CorridorKey(p.send.Code, p.receive.Code)
	c, ok := s.corridors[key]
	if !ok || len(c.offers) == 0 {
		if q := s.quarantinedOn[key]; q > 0 {
			out.ReasonCode = ReasonQuarantined
			out.Reason = fmt.Sprintf("every offer on %s→%s is quarantined (%d failed validation or has a suspicious rate); an admin sees why in feed status",
				p.send.Code, p.receive.Code, q)
			return out, nil
		}
	}
	if !ok {
		out.ReasonCode = ReasonNoProvider
		out.Reason = fmt.Sprintf("no provider in Kawan's feeds serves %s→%s yet", p.send.Code, p.receive.Code)
		return out, nil
	}
	if !c.hasMid {
		out.ReasonCode, out.MissingRates = ReasonNoMidRate, s.missingRates(p.send.Code, p.receive.Code)
		out.Reason = fmt.Sprintf("no mid-market rate for %s→%s, so costs cannot be measured: %s", p.send.Code, p.receive.Code, s.rateSourcesNote(out.MissingRates))
		return out, nil
	}
	out.MidRate = &MidRateView{Rate: c.midRate, Source: c.mid.Source, AsOf: c.mid.AsOf}
	n := 0
	for i := range c.offers {
		if (p.payout == "" || c.offers[i].PayoutMethod == p.payout) && (p.funding == "" || c.offers[i].FundingMethod == p.funding) {
			n++
		}
	}
	out.Quotes = make([]Quote, 0, n)
	matched := 0
	amountU, amountFast := toUnits(p.amount, amountCur.Minor)
	for i := range c.offers {
		o := &c.offers[i]
		if (p.payout != "" && o.PayoutMethod != p.payout) || (p.funding != "" && o.FundingMethod != p.funding) {
			continue
		}
		matched++
		if len(o.bands) > 0 {
			if q, ok := o.quoteBanded(&p, amountU, amountFast, now); ok {
				out.Quotes = append(out.Quotes, q)
			}
			continue
		}
		if amountFast && o.fast.ok {
			if q, inRange, ok := o.quoteFast(amountU, p.mode, p.send, p.receive, now); ok {
				if inRange {
					out.Quotes = append(out.Quotes, q)
				}
				continue
			}
		}
		var send decimal.Decimal
		if p.mode == ModeReceive {
			send = SendFor(p.amount, o.Rate, p.send.Minor)
		} else {
			send = p.amount
		}
		if q, ok := o.quote(send, p.send, p.receive, now); ok {
			out.Quotes = append(out.Quotes, q)
		}
	}
	switch {
	case matched == 0:
		out.ReasonCode = ReasonNoMethod
		out.Reason = fmt.Sprintf("no provider offers %s→%s with the payout and funding methods asked for", p.send.Code, p.receive.Code)
	case len(out.Quotes) == 0:
		lo, hi := c.rangeOf(p.payout, p.funding)
		out.ReasonCode = ReasonAmountOutOfRange
		out.Reason = fmt.Sprintf("every offer on %s→%s is outside its provider's limits for this amount (providers take %s to %s %s)",
			p.send.Code, p.receive.Code, lo, hi, p.send.Code)
	}
	sortQuotes(out.Quotes, p.mode, p.sort)
	return out, nil
}

// rangeOf is the widest [min_send, max_send] of the offers with the payout and funding asked
// for ("" for any).
func (c *corridor) rangeOf(payout, funding string) (lo, hi decimal.Decimal) {
	first := true
	for i := range c.offers {
		o := &c.offers[i]
		if (payout != "" && o.PayoutMethod != payout) || (funding != "" && o.FundingMethod != funding) {
			continue
		}
		if first || o.MinSend.LessThan(lo) {
			lo = o.MinSend
		}
		if first || o.MaxSend.GreaterThan(hi) {
			hi = o.MaxSend
		}
		first = false
	}
	return lo, hi
}

// missingRates lists which of send and receive no rate table holds.
func (s *Snapshot) missingRates(send, receive string) []string {
	var out []string
	for _, code := range []string{send, receive} {
		found := false
		for i := range s.rateSets {
			if _, ok := s.rateSets[i].rate(code); ok {
				found = true
				break
			}
		}
		if !found {
			out = append(out, code)
		}
	}
	return out
}

// rateSourcesNote says which rates are missing and which sources are in use, with their dates.
func (s *Snapshot) rateSourcesNote(missing []string) string {
	var b strings.Builder
	switch {
	case len(s.rateSets) == 0:
		b.WriteString("no mid-market rates feed is in use")
	case len(missing) > 0:
		fmt.Fprintf(&b, "no rates source lists %s", strings.Join(missing, " or "))
	default:
		b.WriteString("the two currencies are in rate tables that share no currency to cross through")
	}
	for i := range s.rateSets {
		if i == 0 {
			b.WriteString(" (sources in use: ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s as of %s", s.rateSets[i].Source, s.rateSets[i].AsOf.Format(time.RFC3339))
	}
	if len(s.rateSets) > 0 {
		b.WriteString(")")
	}
	return b.String()
}

// SendFor returns the smallest send amount S, in steps of the send currency's minor unit,
// whose receive amount S × rate rounded down to the receive currency's minor unit is at
// least x. Because x is itself a whole number of receive minor units, floor(S×rate) ≥ x
// exactly when S×rate ≥ x, so S = x / rate rounded up.
func SendFor(x, rate decimal.Decimal, sendMinor int32) decimal.Decimal {
	return divRound(x, rate, sendMinor, roundCeil)
}

// quoteBanded prices an offer with rate bands: in send mode at the band the amount falls
// in; in receive mode at the smallest send amount whose band gives at least the amount.
// False when that send amount is outside [min_send, max_send] (or beyond the last band).
func (o *priced) quoteBanded(p *parsed, amountU int64, amountFast bool, now time.Time) (Quote, bool) {
	if amountFast && o.bandsFast {
		if q, inRange, ok := o.quoteBandedFast(p, amountU, now); ok {
			return q, inRange
		}
	}
	s := p.amount
	var b *pricedBand
	if p.mode == ModeReceive {
		s, b = o.sendForBands(p.amount, p.send.Minor)
	} else {
		for i := range o.bands {
			if !o.bands[i].bounded || s.Cmp(o.bands[i].upTo) <= 0 {
				b = &o.bands[i]
				break
			}
		}
	}
	if b == nil {
		return Quote{}, false
	}
	return b.p.quote(s, p.send, p.receive, now)
}

// sendForBands is SendFor across rate bands: the first band (in ascending order) holding a
// send amount whose receive amount reaches x gives the smallest such amount overall, since
// the bands are disjoint and ascending; within a band the receive amount grows with S, so
// that amount is ceil(x / rate), or the band's first amount when that falls below it.
func (o *priced) sendForBands(x decimal.Decimal, sendMinor int32) (decimal.Decimal, *pricedBand) {
	unit := decimal.New(1, -sendMinor)
	for i := range o.bands {
		b := &o.bands[i]
		s := SendFor(x, b.p.Rate, sendMinor)
		if i > 0 && s.Cmp(o.bands[i-1].upTo) <= 0 {
			s = o.bands[i-1].upTo.Add(unit)
		}
		if !b.bounded || s.Cmp(b.upTo) <= 0 {
			return s, b
		}
	}
	return zero, nil
}

// quoteBandedFast is quoteBanded in integer units; ok false means "use the decimal path".
func (o *priced) quoteBandedFast(p *parsed, amountU int64, now time.Time) (q Quote, inRange, ok bool) {
	sU := amountU
	var b *pricedBand
	for i := range o.bands {
		bb := &o.bands[i]
		if p.mode == ModeReceive {
			if sU, ok = bb.p.fast.sendForFast(amountU, p.send.Minor, p.receive.Minor); !ok {
				return q, false, false
			}
			if i > 0 && sU <= o.bands[i-1].upToU {
				sU = o.bands[i-1].upToU + 1
			}
		}
		if !bb.bounded || sU <= bb.upToU {
			b = bb
			break
		}
	}
	if b == nil {
		return q, false, true
	}
	return b.p.quoteFast(sU, ModeSend, p.send, p.receive, now)
}

// quote prices send amount s; false when s is outside the offer's [min_send, max_send].
func (o *priced) quote(s decimal.Decimal, send, receive Currency, now time.Time) (Quote, bool) {
	if s.Cmp(o.MinSend) < 0 || s.Cmp(o.MaxSend) > 0 {
		return Quote{}, false
	}
	band, ok := o.Fees.Band(s)
	if !ok {
		return Quote{}, false // validation makes bands cover max_send; defensive
	}
	fee := band.fee(s, send.Minor)
	recv := s.Mul(o.Rate).RoundFloor(receive.Minor)
	// total_cost = F + S×(m−r)/m = (F×Num + S×k) / Num, with k = Num − r×Den.
	costNum := fee.Mul(o.num).Add(s.Mul(o.k))
	cost := divRound(costNum, o.num, send.Minor, roundHalfEven)
	pct := divRound(costNum.Mul(hundred), o.num.Mul(s), 2, roundHalfEven)
	toPay := s.Add(fee)
	return Quote{
		o: o, text: &quoteText{send: s.StringFixed(send.Minor), fee: fee.StringFixed(send.Minor), toPay: toPay.StringFixed(send.Minor),
			recv: recv.StringFixed(receive.Minor), cost: cost.StringFixed(send.Minor), pct: pct.StringFixed(2)},
		send: saturate(s, send.Minor), fee: saturate(fee, send.Minor), toPay: saturate(toPay, send.Minor),
		recv: saturate(recv, receive.Minor), cost: saturate(cost, send.Minor), pct: saturate(pct, 2),
		sendMinor: send.Minor, recvMinor: receive.Minor, stale: now.After(o.staleAt),
	}, true
}

// quoteFast prices an amount in integer units (see fast.go); ok false means "use the
// decimal path".
func (o *priced) quoteFast(amountU int64, mode string, send, receive Currency, now time.Time) (q Quote, inRange, ok bool) {
	sU := amountU
	if mode == ModeReceive {
		if sU, ok = o.fast.sendForFast(amountU, send.Minor, receive.Minor); !ok {
			return q, false, false
		}
	}
	r, inRange, ok := o.fast.quote(sU, send.Minor, receive.Minor)
	if !ok || !inRange {
		return q, inRange, ok
	}
	return Quote{o: o, send: sU, fee: r.fee, toPay: r.toPay, recv: r.recv, cost: r.cost, pct: r.pct,
		sendMinor: send.Minor, recvMinor: receive.Minor, stale: now.After(o.staleAt)}, true, true
}

// saturate is d in units of 10^-places, clamped to the int64 range (sort keys only).
func saturate(d decimal.Decimal, places int32) int64 {
	if u, ok := toUnits(d, places); ok {
		return u
	}
	if d.IsNegative() {
		return math.MinInt64
	}
	return math.MaxInt64
}

// sortQuotes orders quotes: by default the most received first (ties: least to pay) in send
// mode and the least to pay first in receive mode; sort=total_cost cheapest first;
// sort=speed fastest first. Remaining ties go by provider, payout and funding method, so
// the order is stable across requests.
func sortQuotes(qs []Quote, mode, sortBy string) {
	if sortBy == "" {
		sortBy = "receive_amount"
		if mode == ModeReceive {
			sortBy = "total_to_pay"
		}
	}
	byDefault := func(a, b *Quote) int {
		if mode == ModeReceive {
			return cmp.Or(cmp.Compare(a.toPay, b.toPay), cmp.Compare(b.recv, a.recv))
		}
		return cmp.Or(cmp.Compare(b.recv, a.recv), cmp.Compare(a.toPay, b.toPay))
	}
	slices.SortFunc(qs, func(a, b Quote) int {
		var c int
		switch sortBy {
		case "receive_amount":
			c = cmp.Or(cmp.Compare(b.recv, a.recv), cmp.Compare(a.toPay, b.toPay))
		case "total_to_pay":
			c = byDefault(&a, &b)
		case "total_cost":
			c = cmp.Or(cmp.Compare(a.cost, b.cost), byDefault(&a, &b))
		case "speed":
			c = cmp.Or(cmp.Compare(a.o.delivery, b.o.delivery), byDefault(&a, &b))
		}
		if c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.o.provider.ID, b.o.provider.ID),
			strings.Compare(a.o.PayoutMethod, b.o.PayoutMethod), strings.Compare(a.o.FundingMethod, b.o.FundingMethod), strings.Compare(a.o.Product, b.o.Product))
	})
}

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
// Bank RPW method (FEEDS.md). Amounts are decimal strings with the currency's minor units:
// send_amount, fee, total_to_pay and total_cost in the send currency, receive_amount in the
// receive currency; percentages have 2 decimals.
type Quote struct {
	Provider         ProviderRef `json:"provider"`
	PayoutMethod     string      `json:"payout_method"`
	FundingMethod    string      `json:"funding_method"`
	Delivery         string      `json:"delivery"`
	ExchangeRate     string      `json:"exchange_rate"`
	SendAmount       string      `json:"send_amount"`
	Fee              string      `json:"fee"`
	TotalToPay       string      `json:"total_to_pay"`
	ReceiveAmount    string      `json:"receive_amount"`
	FXMarginPercent  string      `json:"fx_margin_percent"`
	TotalCost        string      `json:"total_cost"`
	TotalCostPercent string      `json:"total_cost_percent"`
	AboveSDGTarget   bool        `json:"above_sdg_target"`
	// QuotedAt is when the provider published this price (its feed's generated_at).
	QuotedAt time.Time `json:"quoted_at"`
	// Stale is true once the provider's feed is older than its valid_for_seconds.
	Stale bool `json:"stale"`

	// Sort keys in minor units (saturated at the int64 range, far beyond any real amount).
	recvU, toPayU, costU int64
	delivery             int
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

// Comparison is every quote for a request, best first.
type Comparison struct {
	Corridor       Corridor     `json:"corridor"`
	Mode           string       `json:"mode"`
	Amount         string       `json:"amount"`
	AmountCurrency string       `json:"amount_currency"`
	MidRate        *MidRateView `json:"mid_rate,omitempty"`
	Quotes         []Quote      `json:"quotes"`
	// Reason says why Quotes is empty (no provider serves the corridor, none accepts the
	// amount, no mid-market rate).
	Reason string `json:"reason,omitempty"`
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
	} else if p.send, err = LookupCurrency(r.SendCurrency); err != nil {
		v.Add("send_currency", "%v", err)
	}
	if r.ReceiveCurrency == "" {
		v.Add("receive_currency", "is required")
	} else if p.receive, err = LookupCurrency(r.ReceiveCurrency); err != nil {
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
	c, ok := s.corridors[CorridorKey(p.send.Code, p.receive.Code)]
	if !ok {
		out.Reason = fmt.Sprintf("no provider in Kawan's feeds serves %s→%s yet", p.send.Code, p.receive.Code)
		return out, nil
	}
	if !c.hasMid {
		out.Reason = fmt.Sprintf("no mid-market rate for %s→%s, so costs cannot be measured", p.send.Code, p.receive.Code)
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
	sendStr := out.Amount
	for i := range c.offers {
		o := &c.offers[i]
		if (p.payout != "" && o.PayoutMethod != p.payout) || (p.funding != "" && o.FundingMethod != p.funding) {
			continue
		}
		matched++
		if amountFast && o.fast.ok {
			if q, inRange, ok := o.quoteFast(amountU, sendStr, p.mode, p.send, p.receive, now); ok {
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
		out.Reason = fmt.Sprintf("no provider offers %s→%s with the payout and funding methods asked for", p.send.Code, p.receive.Code)
	case len(out.Quotes) == 0:
		out.Reason = fmt.Sprintf("no provider accepts this amount on %s→%s (providers take %s to %s %s)",
			p.send.Code, p.receive.Code, c.info.MinSend, c.info.MaxSend, p.send.Code)
	}
	sortQuotes(out.Quotes, p.mode, p.sort)
	return out, nil
}

// SendFor returns the smallest send amount S, in steps of the send currency's minor unit,
// whose receive amount S × rate rounded down to the receive currency's minor unit is at
// least x. Because x is itself a whole number of receive minor units, floor(S×rate) ≥ x
// exactly when S×rate ≥ x, so S = x / rate rounded up.
func SendFor(x, rate decimal.Decimal, sendMinor int32) decimal.Decimal {
	return divRound(x, rate, sendMinor, roundCeil)
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
		Provider: o.provider, PayoutMethod: o.PayoutMethod, FundingMethod: o.FundingMethod, Delivery: o.Delivery,
		ExchangeRate: o.rateStr, SendAmount: s.StringFixed(send.Minor), Fee: fee.StringFixed(send.Minor),
		TotalToPay: toPay.StringFixed(send.Minor), ReceiveAmount: recv.StringFixed(receive.Minor),
		FXMarginPercent: o.margin, TotalCost: cost.StringFixed(send.Minor), TotalCostPercent: pct.StringFixed(2),
		AboveSDGTarget: pct.Cmp(SDGTarget) > 0, QuotedAt: o.GeneratedAt, Stale: now.After(o.staleAt),
		recvU: saturate(recv, receive.Minor), toPayU: saturate(toPay, send.Minor), costU: saturate(cost, send.Minor), delivery: o.delivery,
	}, true
}

// quoteFast prices an amount in integer units (see fast.go); ok false means "use the
// decimal path". amountStr is the amount as formatted for the response.
func (o *priced) quoteFast(amountU int64, amountStr, mode string, send, receive Currency, now time.Time) (q Quote, inRange, ok bool) {
	sU := amountU
	sendStr := amountStr
	if mode == ModeReceive {
		if sU, ok = o.fast.sendForFast(amountU, send.Minor, receive.Minor); !ok {
			return q, false, false
		}
		sendStr = ""
	}
	r, inRange, ok := o.fast.quote(sU, send.Minor, receive.Minor)
	if !ok || !inRange {
		return q, inRange, ok
	}
	// All amounts of the quote are written into one string and sliced: one allocation, not five.
	var buf [160]byte
	b := buf[:0]
	var cut [6]int
	for i, v := range [...]struct {
		u int64
		p int32
	}{{sU, send.Minor}, {r.fee, send.Minor}, {r.toPay, send.Minor}, {r.recv, receive.Minor}, {r.cost, send.Minor}, {r.pct, 2}} {
		if i == 0 && sendStr != "" {
			cut[0] = 0
			continue
		}
		b = appendUnits(b, v.u, v.p)
		cut[i] = len(b)
	}
	all := string(b)
	part := func(i int) string {
		start := 0
		for j := i - 1; j >= 0; j-- {
			if cut[j] > 0 {
				start = cut[j]
				break
			}
		}
		return all[start:cut[i]]
	}
	if sendStr == "" {
		sendStr = part(0)
	}
	return Quote{
		Provider: o.provider, PayoutMethod: o.PayoutMethod, FundingMethod: o.FundingMethod, Delivery: o.Delivery,
		ExchangeRate: o.rateStr, SendAmount: sendStr, Fee: part(1),
		TotalToPay: part(2), ReceiveAmount: part(3),
		FXMarginPercent: o.margin, TotalCost: part(4), TotalCostPercent: part(5),
		AboveSDGTarget: r.pct > 500, QuotedAt: o.GeneratedAt, Stale: now.After(o.staleAt),
		recvU: r.recv, toPayU: r.toPay, costU: r.cost, delivery: o.delivery,
	}, true, true
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
			return cmp.Or(cmp.Compare(a.toPayU, b.toPayU), cmp.Compare(b.recvU, a.recvU))
		}
		return cmp.Or(cmp.Compare(b.recvU, a.recvU), cmp.Compare(a.toPayU, b.toPayU))
	}
	order := make([]int32, len(qs))
	for i := range order {
		order[i] = int32(i)
	}
	// Sorting indices, then placing the quotes once, moves each (large) quote one time
	// instead of at every swap.
	slices.SortFunc(order, func(ia, ib int32) int {
		a, b := &qs[ia], &qs[ib]
		var c int
		switch sortBy {
		case "receive_amount":
			c = cmp.Or(cmp.Compare(b.recvU, a.recvU), cmp.Compare(a.toPayU, b.toPayU))
		case "total_to_pay":
			c = byDefault(a, b)
		case "total_cost":
			c = cmp.Or(cmp.Compare(a.costU, b.costU), byDefault(a, b))
		case "speed":
			c = cmp.Or(cmp.Compare(a.delivery, b.delivery), byDefault(a, b))
		}
		return cmp.Or(c, strings.Compare(a.Provider.ID, b.Provider.ID),
			strings.Compare(a.PayoutMethod, b.PayoutMethod), strings.Compare(a.FundingMethod, b.FundingMethod))
	})
	// Apply the permutation in place, cycle by cycle: qs[i] becomes the old qs[order[i]].
	for i := range order {
		if order[i] < 0 {
			continue
		}
		tmp := qs[i]
		j := int32(i)
		for {
			k := order[j]
			order[j] = -1
			if k == int32(i) {
				qs[j] = tmp
				break
			}
			qs[j] = qs[k]
			j = k
		}
	}
}

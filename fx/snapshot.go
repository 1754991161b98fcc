package fx

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
)

// MidRate is the mid-market rate of a corridor as an exact fraction Num/Den (units of the
// receive currency per unit of the send currency), so a cross rate through a common base
// (ECB: rate(B)/rate(A)) is never rounded before the cost is computed.
type MidRate struct {
	Num, Den decimal.Decimal
	Source   string
	AsOf     time.Time
}

// midDisplayPlaces is how many decimals the mid rate is shown with; costs use the exact fraction.
const midDisplayPlaces = 8

// Rate is the mid rate rounded (half-even) for display.
func (m MidRate) Rate() decimal.Decimal {
	return divRound(m.Num, m.Den, midDisplayPlaces, roundHalfEven)
}

// DefaultMaxDeviation is how far (15%) an offered rate may be from the mid-market rate.
var DefaultMaxDeviation = decimal.NewFromInt(15)

// midFor finds the mid rate send→receive in the rate tables: from the freshest table that
// has both currencies, or else through a currency that two tables share (each table's base
// or the other's), taking the older of the two times.
func midFor(send, receive string, sets []RateSet) (MidRate, bool) {
	var best MidRate
	found := false
	for i := range sets {
		rs := &sets[i]
		a, okA := rs.rate(send)
		b, okB := rs.rate(receive)
		if !okA || !okB {
			continue
		}
		if !found || rs.AsOf.After(best.AsOf) || (rs.AsOf.Equal(best.AsOf) && rs.Source < best.Source) {
			best, found = MidRate{Num: b, Den: a, Source: rs.Source, AsOf: rs.AsOf}, true
		}
	}
	if found {
		return best, true
	}
	for i := range sets {
		for j := range sets {
			if i == j {
				continue
			}
			s1, s2 := &sets[i], &sets[j]
			for _, via := range []string{s1.Base, s2.Base} {
				a, ok1 := s1.rate(send)
				c1, ok2 := s1.rate(via)
				c2, ok3 := s2.rate(via)
				b, ok4 := s2.rate(receive)
				if !ok1 || !ok2 || !ok3 || !ok4 || via == send || via == receive {
					continue
				}
				asOf := s1.AsOf
				if s2.AsOf.Before(asOf) {
					asOf = s2.AsOf
				}
				src := s1.Source + " and " + s2.Source + " via " + via
				if !found || asOf.After(best.AsOf) || (asOf.Equal(best.AsOf) && src < best.Source) {
					best, found = MidRate{Num: c1.Mul(b), Den: a.Mul(c2), Source: src, AsOf: asOf}, true
				}
			}
		}
	}
	return best, found
}

// deviation returns |r − m| / m × 100 compared with bound: true when r is too far from m.
func tooFar(r decimal.Decimal, m MidRate, bound decimal.Decimal) bool {
	// |r·Den − Num| × 100 > bound × Num
	diff := r.Mul(m.Den).Sub(m.Num).Abs().Mul(hundred)
	return diff.Cmp(bound.Mul(m.Num)) > 0
}

// CheckAgainstMid judges a provider feed's offered rates against the mid-market rates in
// sets: an offer further than its corridor's bound from mid is quarantined when the snapshot
// is built (mid rates move, so the judgement is remade on every build); but when, with the
// corridors already quarantined by the parser, most corridors fail, the feed is rejected
// whole with every reason. Corridors with no mid rate are not judged here; they are shown
// with a reason instead of quotes.
func CheckAgainstMid(f *Feed, sets []RateSet, bounds DeviationBounds) error {
	mids := map[string]*MidRate{}
	var far []string
	for i := range f.Offers {
		o := &f.Offers[i]
		k := o.Key()
		m, ok := mids[k]
		if !ok {
			if mm, found := midFor(o.Send.Code, o.Receive.Code, sets); found {
				m = &mm
			}
			mids[k] = m
		}
		if m != nil {
			if reason, bad := suspicious(o, *m, bounds.For(k)); bad {
				far = append(far, fmt.Sprintf("provider %s %s→%s %s/%s: %s", o.ProviderID, o.Send.Code, o.Receive.Code, o.PayoutMethod, o.FundingMethod, reason))
			}
		}
	}
	failed, total := len(far)+len(f.Quarantined), len(f.Offers)+len(f.Quarantined)
	if !mostlyFailing(failed, total) {
		return nil
	}
	e := &FeedError{}
	e.add("most corridors fail validation (%d of %d corridors fail), so the feed is rejected whole", failed, total)
	for _, q := range f.Quarantined {
		for _, r := range q.Reasons {
			e.add("%s", r)
		}
	}
	for _, r := range far {
		e.add("%s", r)
	}
	return e.err()
}

// suspicious says whether an offered rate (any of its rate bands) is further than bound
// percent from mid, and why.
func suspicious(o *Offer, m MidRate, bound decimal.Decimal) (string, bool) {
	rates, names := o.rates()
	for i, r := range rates {
		if !tooFar(r, m, bound) {
			continue
		}
		dev := divRound(r.Mul(m.Den).Sub(m.Num).Abs().Mul(hundred), m.Num, 2, roundHalfEven)
		return fmt.Sprintf("suspicious rate: %s %s is %s%% from the mid-market rate %s, more than this corridor's bound of %s%%",
			names[i], r, dev.StringFixed(2), m.Rate(), bound), true
	}
	return "", false
}

// ProviderRef is how a quote names its provider.
type ProviderRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// priced is an offer prepared for quoting: the parts of the cost that do not depend on the
// amount are computed once per snapshot.
type priced struct {
	Offer
	provider ProviderRef
	rateStr  string
	// k = Num − Rate×Den: the FX margin is k/Num, the FX cost of sending S is S×k/Num.
	k        decimal.Decimal
	num      decimal.Decimal
	margin   string // fx_margin_percent, 2 dp half-even
	staleAt  time.Time
	minSend  string
	maxSend  string
	delivery int
	fast     fastOffer
	json     offerJSON // the quote's fixed JSON parts (quotejson.go)
	// bands, for an offer with rate bands, prices each band as an offer of its own rate
	// (quotes point at the band's, so they show its rate and margin); bandsFast when every
	// band has a fast path and its up_to in send units.
	bands     []pricedBand
	bandsFast bool
}

// pricedBand is one rate band prepared for quoting.
type pricedBand struct {
	upTo    decimal.Decimal
	upToU   int64
	bounded bool
	p       priced
}

type corridor struct {
	info    CorridorInfo
	mid     MidRate
	midRate string // mid rounded for display, computed once
	hasMid  bool
	offers  []priced
}

// CorridorInfo describes a corridor that at least one provider serves.
type CorridorInfo struct {
	SendCurrency    string   `json:"send_currency"`
	ReceiveCurrency string   `json:"receive_currency"`
	Providers       int      `json:"providers"`
	PayoutMethods   []string `json:"payout_methods"`
	HasMidRate      bool     `json:"has_mid_rate"`
	// MinSend and MaxSend are the widest range any provider accepts.
	MinSend string `json:"min_send"`
	MaxSend string `json:"max_send"`
	// CorridorCost is the SDG 10.c cost of the corridor, SmaRT-style (nil without a mid rate).
	CorridorCost *CorridorCost `json:"corridor_cost,omitempty"`
}

// CorridorCost measures a corridor against SDG 10.c the way the World Bank's SmaRT does, from
// live quotes: the simple average of the total_cost_percent of the three cheapest fresh
// (not stale) quotes for the USD 200 equivalent (the reference amount, ReferenceAmount).
// With fewer than three fresh quotes SmaRTPercent is empty: SmaRT needs three services.
type CorridorCost struct {
	SendAmount   string `json:"send_amount"`
	FreshQuotes  int    `json:"fresh_quotes"`
	SmaRTPercent string `json:"smart_cost_percent,omitempty"`
	// AboveSDGTarget: SmaRTPercent exceeds 5%, the corridor misses SDG 10.c by this measure.
	AboveSDGTarget bool `json:"above_sdg_target"`
}

// corridorCost computes a corridor's CorridorCost at time now.
func (s *Snapshot) corridorCost(info *CorridorInfo, now time.Time) *CorridorCost {
	if !info.HasMidRate {
		return nil
	}
	cur, _ := kawan.LookupCurrency(info.SendCurrency)
	ref := s.ReferenceAmount(info.SendCurrency, info.ReceiveCurrency).StringFixed(cur.Minor)
	cmp, err := s.Compare(Request{SendCurrency: info.SendCurrency, ReceiveCurrency: info.ReceiveCurrency, Amount: ref}, now)
	if err != nil {
		return nil
	}
	out := &CorridorCost{SendAmount: ref}
	var pcts []decimal.Decimal
	for _, q := range cmp.Quotes {
		if !q.Stale() {
			pcts = append(pcts, mustDecimal(q.TotalCostPercent()))
		}
	}
	out.FreshQuotes = len(pcts)
	if len(pcts) < 3 {
		return out
	}
	slices.SortFunc(pcts, func(a, b decimal.Decimal) int { return a.Cmp(b) })
	mean := divRound(pcts[0].Add(pcts[1]).Add(pcts[2]), decimal.NewFromInt(3), 2, roundHalfEven)
	out.SmaRTPercent, out.AboveSDGTarget = mean.StringFixed(2), mean.GreaterThan(SDGTarget)
	return out
}

func mustDecimal(s string) decimal.Decimal {
	d, _ := decimal.NewFromString(s)
	return d
}

// Snapshot is an immutable view of every accepted feed: providers, offers grouped by
// corridor and the mid-market rates. Requests read it without locks; the refresher builds
// a new one and swaps the pointer.
type Snapshot struct {
	BuiltAt   time.Time
	providers map[string]Provider
	provList  []Provider
	corridors map[string]*corridor
	corrList  []CorridorInfo
	rateSets  []RateSet
	// Notes says what could not be quoted and why (no mid rate, a rate far from mid).
	Notes []string
	// quarantined lists the offers left out for a rate too far from mid.
	quarantined []Quarantined
	// quarantinedOn counts the quarantined offers per corridor key, of either kind.
	quarantinedOn map[string]int
}

// BuildSnapshot combines provider feeds and rate feeds into a snapshot. When one provider
// appears in several feeds, the feed generated last wins. Offers whose corridor has no mid
// rate stay listed (with a reason instead of quotes); offers further than bound from mid
// are quarantined (with a note), judged afresh on every build since mid rates move.
func BuildSnapshot(providerFeeds, rateFeeds []*Feed, bounds DeviationBounds, now time.Time) *Snapshot {
	s := &Snapshot{BuiltAt: now.UTC(), providers: map[string]Provider{}, corridors: map[string]*corridor{}, quarantinedOn: map[string]int{}}
	for _, f := range rateFeeds {
		if rs, ok := f.Latest(); ok {
			s.rateSets = append(s.rateSets, rs)
		}
	}
	slices.SortFunc(s.rateSets, func(a, b RateSet) int { return strings.Compare(a.Source, b.Source) })
	// The newest feed of each provider wins.
	newest := map[string]*Feed{}
	genOf := func(f *Feed, id string) time.Time {
		var t time.Time
		for i := range f.Offers {
			if f.Offers[i].ProviderID == id && f.Offers[i].GeneratedAt.After(t) {
				t = f.Offers[i].GeneratedAt
			}
		}
		return t
	}
	for _, f := range providerFeeds {
		for _, p := range f.Providers {
			if cur, ok := newest[p.ID]; !ok || genOf(f, p.ID).After(genOf(cur, p.ID)) {
				newest[p.ID] = f
				s.providers[p.ID] = p
			}
		}
	}
	for _, id := range sortedKeys(s.providers) {
		s.provList = append(s.provList, s.providers[id])
		f := newest[id]
		p := s.providers[id]
		for _, q := range f.Quarantined {
			if q.ProviderID == id {
				s.quarantinedOn[CorridorKey(q.SendCurrency, q.ReceiveCurrency)]++
			}
		}
		for i := range f.Offers {
			o := f.Offers[i]
			if o.ProviderID != id {
				continue
			}
			c := s.corridors[o.Key()]
			if c == nil {
				c = &corridor{info: CorridorInfo{SendCurrency: o.Send.Code, ReceiveCurrency: o.Receive.Code}}
				c.mid, c.hasMid = midFor(o.Send.Code, o.Receive.Code, s.rateSets)
				c.info.HasMidRate = c.hasMid
				if c.hasMid {
					c.midRate = c.mid.Rate().String()
				}
				s.corridors[o.Key()] = c
			}
			if c.hasMid {
				if reason, bad := suspicious(&o, c.mid, bounds.For(o.Key())); bad {
					s.Notes = append(s.Notes, fmt.Sprintf("%s %s→%s %s/%s left out: %s", id, o.Send.Code, o.Receive.Code, o.PayoutMethod, o.FundingMethod, reason))
					s.quarantined = append(s.quarantined, Quarantined{ProviderID: id, SendCurrency: o.Send.Code, ReceiveCurrency: o.Receive.Code,
						PayoutMethod: o.PayoutMethod, FundingMethod: o.FundingMethod, Product: o.Product, Reasons: []string{reason}, feed: f})
					s.quarantinedOn[o.Key()]++
					continue
				}
			}
			c.offers = append(c.offers, prepare(o, p, c))
		}
	}
	for _, k := range sortedKeys(s.corridors) {
		c := s.corridors[k]
		if !c.hasMid {
			s.Notes = append(s.Notes, fmt.Sprintf("%s→%s: no mid-market rate, so no quotes", c.info.SendCurrency, c.info.ReceiveCurrency))
		}
		provs := map[string]bool{}
		payouts := map[string]bool{}
		var lo, hi decimal.Decimal
		for i, o := range c.offers {
			provs[o.ProviderID] = true
			payouts[o.PayoutMethod] = true
			if i == 0 || o.MinSend.Cmp(lo) < 0 {
				lo = o.MinSend
			}
			if i == 0 || o.MaxSend.Cmp(hi) > 0 {
				hi = o.MaxSend
			}
		}
		c.info.Providers = len(provs)
		c.info.PayoutMethods = sortedKeys(payouts)
		c.info.MinSend, c.info.MaxSend = lo.String(), hi.String()
	}
	// The corridor cost prices quotes, which needs every corridor's range set first.
	for _, k := range sortedKeys(s.corridors) {
		c := s.corridors[k]
		c.info.CorridorCost = s.corridorCost(&c.info, now)
		s.corrList = append(s.corrList, c.info)
	}
	return s
}

func prepare(o Offer, p Provider, c *corridor) priced {
	pr := priced{Offer: o, provider: ProviderRef{ID: p.ID, Name: p.Name, Kind: p.Kind}, rateStr: o.Rate.String(),
		staleAt: o.GeneratedAt.Add(o.ValidFor), minSend: o.MinSend.String(), maxSend: o.MaxSend.String(), delivery: deliveryRank(o.Delivery)}
	if c.hasMid {
		pr.num = c.mid.Num
		pr.k = c.mid.Num.Sub(o.Rate.Mul(c.mid.Den))
		pr.margin = divRound(pr.k.Mul(hundred), pr.num, 2, roundHalfEven).StringFixed(2)
		pr.fast = prepareFast(&pr, c.mid)
	}
	pr.json = buildOfferJSON(&pr)
	if len(o.RateBands) > 0 {
		pr.bandsFast = true
		for _, b := range o.RateBands {
			v := o
			v.Rate, v.RateBands = b.Rate, nil
			pb := pricedBand{upTo: b.UpTo, bounded: b.Bounded, p: prepare(v, p, c)}
			ok := true
			if b.Bounded {
				pb.upToU, ok = toUnits(b.UpTo, o.Send.Minor)
			}
			pr.bandsFast = pr.bandsFast && ok && pb.p.fast.ok
			pr.bands = append(pr.bands, pb)
		}
	}
	return pr
}

// Corridors lists the corridors served, ordered by send then receive currency.
func (s *Snapshot) Corridors() []CorridorInfo { return s.corrList }

// Providers lists the providers, ordered by ID.
func (s *Snapshot) Providers() []Provider { return s.provList }

// Provider returns one provider.
func (s *Snapshot) Provider(id string) (Provider, bool) {
	p, ok := s.providers[id]
	return p, ok
}

// Mid returns the mid-market rate of a corridor, if known.
func (s *Snapshot) Mid(send, receive string) (MidRate, bool) {
	if c, ok := s.corridors[CorridorKey(send, receive)]; ok && c.hasMid {
		return c.mid, true
	}
	return midFor(send, receive, s.rateSets)
}

// RateSets returns the latest table of every rate source.
func (s *Snapshot) RateSets() []RateSet { return s.rateSets }

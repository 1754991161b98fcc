package fx

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
)

// Provider is a remittance provider as its feed describes it.
type Provider struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	Website    string   `json:"website,omitempty"`
	LicensedIn []string `json:"licensed_in,omitempty"`
}

// Provider kinds, payout and funding methods and delivery speeds (FEEDS.md).
var (
	ProviderKinds  = []string{"bank", "money_transfer_operator", "mobile_wallet", "post_office", "fintech"}
	PayoutMethods  = []string{"bank_account", "cash_pickup", "mobile_wallet", "home_delivery"}
	FundingMethods = []string{"bank_transfer", "debit_card", "credit_card", "cash", "wallet"}
	// Deliveries are in order of speed; the speed sort uses this order.
	Deliveries = []string{"minutes", "hours", "next_day", "days"}
)

// deliveryRank returns the position of d in Deliveries (fastest 0).
func deliveryRank(d string) int {
	for i, v := range Deliveries {
		if v == d {
			return i
		}
	}
	return len(Deliveries)
}

// Offer is one corridor of a provider feed: what the provider charges and the rate it
// offers to send one currency and pay out another, by one payout and funding method.
type Offer struct {
	ProviderID    string
	Send, Receive Currency
	PayoutMethod  string
	FundingMethod string
	Delivery      string
	// Product names one of several offers of a provider on one corridor, payout and funding
	// method ("Express", "Saver"); Speed is the provider's own words for how fast it arrives
	// (Delivery stays the comparable speed). Both optional.
	Product, Speed string
	// Rate is units of the receive currency per unit of the send currency, as offered.
	Rate             decimal.Decimal
	MinSend, MaxSend decimal.Decimal
	Fees             FeeSchedule
	// RateBands, when present, replace Rate by the send amount (Rate is then the first
	// band's); validation makes them ascending and cover max_send.
	RateBands   []RateBand
	GeneratedAt time.Time
	ValidFor    time.Duration
}

// RateBand is one band of an offer's rate_bands: send amounts up to UpTo (inclusive; no
// bound when !Bounded) get Rate.
type RateBand struct {
	UpTo    decimal.Decimal
	Bounded bool
	Rate    decimal.Decimal
}

// rates returns every rate the offer may give, with the feed field naming each.
func (o *Offer) rates() ([]decimal.Decimal, []string) {
	if len(o.RateBands) == 0 {
		return []decimal.Decimal{o.Rate}, []string{"exchange_rate"}
	}
	rs, names := make([]decimal.Decimal, len(o.RateBands)), make([]string, len(o.RateBands))
	for i, b := range o.RateBands {
		rs[i], names[i] = b.Rate, fmt.Sprintf("rate_bands[%d].exchange_rate", i)
	}
	return rs, names
}

// CorridorKey names a currency pair, "SGD-PHP".
func CorridorKey(send, receive string) string { return send + "-" + receive }

// Key is the offer's corridor key.
func (o *Offer) Key() string { return CorridorKey(o.Send.Code, o.Receive.Code) }

// RateSet is one mid-market rate table: units of each currency per one unit of Base.
type RateSet struct {
	Source string
	Base   string
	AsOf   time.Time
	Rates  map[string]decimal.Decimal // excludes Base, which is 1
}

// rate returns units of code per unit of Base.
func (r *RateSet) rate(code string) (decimal.Decimal, bool) {
	if code == r.Base {
		return decimal.NewFromInt(1), true
	}
	v, ok := r.Rates[code]
	return v, ok
}

// FeedFormat names the format a feed was read as.
type FeedFormat string

// The feed formats Kawan reads.
const (
	FormatProviderJSON FeedFormat = "kawan.provider-feed/v1"
	FormatProviderCSV  FeedFormat = "kawan.provider-feed/csv"
	FormatRatesJSON    FeedFormat = "kawan.rates/v1"
	FormatECB          FeedFormat = "ecb.eurofxref"
)

// Feed is one parsed, validated feed: provider offers or mid-market rates.
type Feed struct {
	Format    FeedFormat
	Providers []Provider
	Offers    []Offer
	// RateSets holds one table per day (ECB history has many; the others one).
	RateSets []RateSet
	// Quarantined lists the corridors left out because they failed validation; the rest of
	// the feed is used (a feed whose corridors mostly fail is rejected whole instead).
	Quarantined []Quarantined
}

// Quarantined is one corridor of a provider feed left out, with why. The currencies and
// methods are as the feed wrote them (they may be what failed).
type Quarantined struct {
	ProviderID      string   `json:"provider"`
	SendCurrency    string   `json:"send_currency"`
	ReceiveCurrency string   `json:"receive_currency"`
	PayoutMethod    string   `json:"payout_method"`
	FundingMethod   string   `json:"funding_method"`
	Product         string   `json:"product,omitempty"`
	Reasons         []string `json:"reasons"`
	// Since is when this corridor was first seen quarantined (set by the service's status).
	Since time.Time `json:"since"`

	feed  *Feed // the feed it came from (mid-rate quarantines are found per snapshot)
	index int   // its position among the feed's corridors
}

// key identifies a quarantined corridor across refreshes (for Since).
func (q *Quarantined) key() string {
	return strings.Join([]string{q.ProviderID, q.SendCurrency, q.ReceiveCurrency, q.PayoutMethod, q.FundingMethod, q.Product, q.Reasons[0]}, "\x00")
}

// mostlyFailing reports whether failed of total corridors is most of them: such a feed is
// rejected whole rather than used in part.
func mostlyFailing(failed, total int) bool { return total > 0 && failed*2 > total }

// DeviationBounds is how far (percent) an offered rate may be from the mid-market rate:
// Default for every corridor but those in Corridors ("AED-SDG"). A corridor beyond its bound
// is quarantined as a suspicious rate for an admin to look at, never silently trusted.
type DeviationBounds struct {
	Default   decimal.Decimal
	Corridors map[string]decimal.Decimal
}

// DefaultBounds is 15% on every corridor.
var DefaultBounds = DeviationBounds{Default: DefaultMaxDeviation}

// For returns the bound of a corridor key.
func (b DeviationBounds) For(key string) decimal.Decimal {
	if v, ok := b.Corridors[key]; ok {
		return v
	}
	if b.Default.IsZero() {
		return DefaultMaxDeviation
	}
	return b.Default
}

// ParseDeviationBounds reads KAWAN_FX_MAX_DEVIATION: comma-separated CORRIDOR=PERCENT
// entries ("AED-SDG=35,AED-YER=25"; "*=20" changes the default of 15), each percent above 0
// and at most 100.
func ParseDeviationBounds(s string) (DeviationBounds, error) {
	b := DeviationBounds{Default: DefaultMaxDeviation, Corridors: map[string]decimal.Decimal{}}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return b, fmt.Errorf("%.40q: want CORRIDOR=PERCENT like AED-SDG=35", part)
		}
		d, err := ParseDecimal(strings.TrimSpace(v))
		if err != nil || !d.IsPositive() || d.Cmp(hundred) > 0 {
			return b, fmt.Errorf("%.40q: the percent must be more than 0 and at most 100", part)
		}
		k = strings.TrimSpace(k)
		if k == "*" {
			b.Default = d
			continue
		}
		send, recv, ok := strings.Cut(k, "-")
		if !ok {
			return b, fmt.Errorf("%.40q: the corridor must be SEND-RECEIVE like AED-SDG (or * for the default)", part)
		}
		for _, c := range []string{send, recv} {
			if _, err := kawan.LookupCurrency(c); err != nil {
				return b, fmt.Errorf("%.40q: %v", part, err)
			}
		}
		b.Corridors[CorridorKey(send, recv)] = d
	}
	return b, nil
}

// IsRates reports whether the feed carries mid-market rates (not provider offers).
func (f *Feed) IsRates() bool { return f.Format == FormatRatesJSON || f.Format == FormatECB }

// Latest returns the newest rate table of a rates feed.
func (f *Feed) Latest() (RateSet, bool) {
	var best RateSet
	found := false
	for _, rs := range f.RateSets {
		if !found || rs.AsOf.After(best.AsOf) {
			best, found = rs, true
		}
	}
	return best, found
}

// maxReasons bounds how many problems a rejection lists; a hostile feed may have millions.
const maxReasons = 50

// FeedError rejects a feed as a whole, with one reason per problem found.
type FeedError struct {
	Reasons []string
	more    int
}

// Error implements error.
func (e *FeedError) Error() string {
	s := "fx: feed rejected: " + strings.Join(e.Reasons, "; ")
	if e.more > 0 {
		s += fmt.Sprintf("; and %d more", e.more)
	}
	return s
}

// add records a reason; after maxReasons it only counts.
func (e *FeedError) add(format string, args ...any) {
	if len(e.Reasons) >= maxReasons {
		e.more++
		return
	}
	e.Reasons = append(e.Reasons, fmt.Sprintf(format, args...))
}

func (e *FeedError) err() error {
	if len(e.Reasons) == 0 {
		return nil
	}
	return e
}

// AllReasons returns the reasons, with a final "and N more" when some were cut.
func (e *FeedError) AllReasons() []string {
	out := append([]string(nil), e.Reasons...)
	if e.more > 0 {
		out = append(out, fmt.Sprintf("and %d more problems", e.more))
	}
	return out
}

package fx

import "time"

// Test helpers for the external test package (fx_test), whose tests use the real store:
// package fx cannot import store (store depends on fx through stats).

type TestClock = clock

var (
	TestNow     = testNow
	ReadFixture = readFixture
	QuoteCount  = quoteCount
)

// NewTestClock returns a clock at testNow.
func NewTestClock() *clock { return &clock{t: testNow} }

// Now, Add expose the test clock.
func (c *clock) Now() time.Time      { return c.now() }
func (c *clock) Add(d time.Duration) { c.add(d) }

// FeedServer is the test feed server.
type FeedServer = feedServer

// Set swaps the served body; SetStatus makes the server answer with a status.
func (f *feedServer) Set(body []byte, etag string) { f.set(body, etag) }
func (f *feedServer) SetStatus(code int) {
	f.mu.Lock()
	f.status = code
	f.mu.Unlock()
}

// WireQuote and WireComparison are the JSON shapes of a Quote and a Comparison as plain
// structs with tags: what API tests decode responses into, and what TestComparisonJSON
// encodes with encoding/json to check AppendJSON byte for byte.
type WireQuote struct {
	Provider         ProviderRef `json:"provider"`
	PayoutMethod     string      `json:"payout_method"`
	FundingMethod    string      `json:"funding_method"`
	Product          string      `json:"product,omitempty"`
	Speed            string      `json:"speed,omitempty"`
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
	QuotedAt         time.Time   `json:"quoted_at"`
	Stale            bool        `json:"stale"`
}

type WireComparison struct {
	Corridor       Corridor     `json:"corridor"`
	Mode           string       `json:"mode"`
	Amount         string       `json:"amount"`
	AmountCurrency string       `json:"amount_currency"`
	MidRate        *MidRateView `json:"mid_rate,omitempty"`
	Quotes         []WireQuote  `json:"quotes"`
	Reason         string       `json:"reason,omitempty"`
	ReasonCode     string       `json:"reason_code,omitempty"`
	MissingRates   []string     `json:"missing_rates,omitempty"`
	SnapshotAt     time.Time    `json:"snapshot_at"`
}

// ToWire copies a comparison into its wire shape through the accessors.
func ToWire(c Comparison) WireComparison {
	w := WireComparison{Corridor: c.Corridor, Mode: c.Mode, Amount: c.Amount, AmountCurrency: c.AmountCurrency,
		MidRate: c.MidRate, Reason: c.Reason, ReasonCode: c.ReasonCode, MissingRates: c.MissingRates, SnapshotAt: c.SnapshotAt}
	if c.Quotes != nil {
		w.Quotes = []WireQuote{}
	}
	for _, q := range c.Quotes {
		w.Quotes = append(w.Quotes, WireQuote{Provider: q.Provider(), PayoutMethod: q.PayoutMethod(), FundingMethod: q.FundingMethod(),
			Product: q.Product(), Speed: q.Speed(), Delivery: q.Delivery(), ExchangeRate: q.ExchangeRate(), SendAmount: q.SendAmount(), Fee: q.Fee(), TotalToPay: q.TotalToPay(),
			ReceiveAmount: q.ReceiveAmount(), FXMarginPercent: q.FXMarginPercent(), TotalCost: q.TotalCost(),
			TotalCostPercent: q.TotalCostPercent(), AboveSDGTarget: q.AboveSDGTarget(), QuotedAt: q.QuotedAt(), Stale: q.Stale()})
	}
	return w
}

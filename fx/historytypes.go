package fx

import "time"

// SavedFeed is the last accepted copy of one feed, as fetched.
type SavedFeed struct {
	Key       string    `bson:"_id"`
	Source    string    `bson:"source"`
	Format    string    `bson:"format"`
	Data      []byte    `bson:"data"`
	FetchedAt time.Time `bson:"fetched_at"`
}

// HistoryPoint is one provider's quote on a corridor at one sampled hour, for a reference amount.
type HistoryPoint struct {
	At               time.Time `bson:"at" json:"at"`
	Provider         string    `bson:"provider" json:"provider"`
	PayoutMethod     string    `bson:"payout_method" json:"payout_method"`
	FundingMethod    string    `bson:"funding_method" json:"funding_method"`
	Product          string    `bson:"product,omitempty" json:"product,omitempty"`
	ExchangeRate     string    `bson:"exchange_rate" json:"exchange_rate"`
	MidRate          string    `bson:"mid_rate" json:"mid_rate"`
	SendAmount       string    `bson:"send_amount" json:"send_amount"`
	Fee              string    `bson:"fee" json:"fee"`
	ReceiveAmount    string    `bson:"receive_amount" json:"receive_amount"`
	FXMarginPercent  string    `bson:"fx_margin_percent" json:"fx_margin_percent"`
	TotalCostPercent string    `bson:"total_cost_percent" json:"total_cost_percent"`
	CostBP           int64     `bson:"cost_bp" json:"-"`
	Stale            bool      `bson:"stale" json:"stale"`
}

// HistoryDay is one corridor's history for one UTC day (schema: docs/fx.md and store.FX).
type HistoryDay struct {
	ID              string         `bson:"_id"`
	Corridor        string         `bson:"corridor"`
	SendCurrency    string         `bson:"send_currency"`
	ReceiveCurrency string         `bson:"receive_currency"`
	Day             string         `bson:"day"`
	Slots           []string       `bson:"slots"`
	SumCostBP       int64          `bson:"sum_cost_bp"`
	Count           int64          `bson:"count"`
	MinCostBP       int64          `bson:"min_cost_bp"`
	MaxCostBP       int64          `bson:"max_cost_bp"`
	Points          []HistoryPoint `bson:"points"`
}

// DayID is the fx_history _id of a corridor ("SGD-PHP") on a UTC day.
func DayID(corridor string, day time.Time) string {
	return corridor + "|" + day.UTC().Format(time.DateOnly)
}

// Package rpw is the World Bank's Remittance Prices Worldwide survey as a reference layer
// beside live quotes: `kawan import rpw FILE` reads the survey workbook as the World Bank
// publishes it (rpw_dataset_2011_YYYY_qN.xlsx, sheet "Dataset (from Q2 2016)") or its CSV
// export, keeps per country corridor and period the surveyed services with their prices at
// USD 200 and USD 500, the corridor average and SmaRT, and serves them per currency corridor
// (SGD-PHP) for GET /v1/corridors/{corridor}/survey and /send. See docs/fx.md.
//
// The survey is never a live quote: its `lcu fx rate` may be in another unit than receive per
// send, so nothing here derives an amount received from it.
package rpw

import (
	"fmt"
	"time"
)

// DatasetSheet is the workbook sheet that holds the survey since Q2 2016.
const DatasetSheet = "Dataset (from Q2 2016)"

// Attribution is what the licence (CC BY 4.0) asks every use to carry.
var Attribution = AttributionInfo{
	Text:       "The World Bank, Remittance Prices Worldwide",
	Licence:    "CC BY 4.0",
	LicenceURL: "https://creativecommons.org/licenses/by/4.0/",
	SourceURL:  "https://remittanceprices.worldbank.org",
}

// AttributionInfo names the source and its licence.
type AttributionInfo struct {
	Text       string `json:"text"`
	Licence    string `json:"licence"`
	LicenceURL string `json:"licence_url"`
	SourceURL  string `json:"source_url"`
}

// The two amounts the survey prices, in USD.
const (
	USD200 = "200"
	USD500 = "500"
)

// Price is one surveyed service's price at one amount (the survey's cc1 = USD 200 or
// cc2 = USD 500). Amounts and fees are in the send currency, margin and total in percent,
// all exact decimal strings as the survey has them ("" when the survey has no value).
type Price struct {
	SendAmount       string `bson:"send_amount,omitempty" json:"send_amount,omitempty"`
	Fee              string `bson:"fee,omitempty" json:"fee,omitempty"`
	FXMarginPercent  string `bson:"fx_margin_percent,omitempty" json:"fx_margin_percent,omitempty"`
	TotalCostPercent string `bson:"total_cost_percent" json:"total_cost_percent"`
}

// Offer is one surveyed service (a row of the dataset): a firm's product on the corridor.
type Offer struct {
	// Row is the row of the file it came from (the header is row 1).
	Row               int    `bson:"row" json:"-"`
	Firm              string `bson:"firm" json:"firm"`
	FirmType          string `bson:"firm_type,omitempty" json:"firm_type,omitempty"`
	PaymentInstrument string `bson:"payment_instrument,omitempty" json:"payment_instrument,omitempty"`
	AccessPoint       string `bson:"access_point,omitempty" json:"access_point,omitempty"`
	Speed             string `bson:"speed,omitempty" json:"speed,omitempty"`
	PickupMethod      string `bson:"pickup_method,omitempty" json:"pickup_method,omitempty"`
	Coverage          string `bson:"coverage,omitempty" json:"receiving_network_coverage,omitempty"`
	// Transparent is "yes", "no" (the provider does not disclose its exchange rate: its 0%
	// margin is not a measured zero) or "" (not recorded).
	Transparent string `bson:"transparent,omitempty" json:"transparent,omitempty"`
	// Date is when the price was collected (YYYY-MM-DD), if recorded.
	Date   string `bson:"date,omitempty" json:"date,omitempty"`
	USD200 *Price `bson:"usd200,omitempty" json:"usd200,omitempty"`
	USD500 *Price `bson:"usd500,omitempty" json:"usd500,omitempty"`
}

// Survey is one country corridor in one period, priced in one send currency.
type Survey struct {
	ID              string  `bson:"_id" json:"-"`
	Corridor        string  `bson:"corridor" json:"corridor"` // the survey's own, "SGPPHL"
	Period          string  `bson:"period" json:"period"`     // "2025_3Q"
	SourceCode      string  `bson:"source_code" json:"source_code"`
	SourceName      string  `bson:"source_name" json:"source_name"`
	DestinationCode string  `bson:"destination_code" json:"destination_code"`
	DestinationName string  `bson:"destination_name" json:"destination_name"`
	SendCurrency    string  `bson:"send_currency" json:"send_currency"`
	ReceiveCurrency string  `bson:"receive_currency" json:"receive_currency"`
	Services        []Offer `bson:"services" json:"services"`
	// Amounts is the corridor's reference at USD 200 and at USD 500 (when surveyed).
	Amounts   []AmountSummary `bson:"amounts" json:"amounts"`
	Fictional bool            `bson:"fictional,omitempty" json:"fictional,omitempty"`
	Hash      string          `bson:"hash" json:"-"`
	// ImportedAt is when the import that wrote this document ran.
	ImportedAt time.Time `bson:"imported_at" json:"imported_at"`
}

// AmountSummary is a corridor's reference at one surveyed amount.
type AmountSummary struct {
	USD        string `bson:"usd" json:"usd"`
	SendAmount string `bson:"send_amount,omitempty" json:"send_amount,omitempty"`
	// AverageCostPercent is the simple average total cost of the services priced at this
	// amount, leaving out those that do not disclose their exchange rate (as the World Bank
	// does), 2 decimals half-even; Averaged counts them.
	AverageCostPercent string `bson:"average_cost_percent,omitempty" json:"average_cost_percent,omitempty"`
	Averaged           int    `bson:"averaged" json:"services_averaged"`
	// SmartCostPercent (USD 200 only) is SmaRT: the average of the three cheapest
	// qualifying services; absent with fewer than three.
	SmartCostPercent string `bson:"smart_cost_percent,omitempty" json:"smart_cost_percent,omitempty"`
	AboveSDGTarget   *bool  `bson:"above_sdg_target,omitempty" json:"above_sdg_target,omitempty"`
}

// Amount returns the summary at usd ("200", "500"), if surveyed.
func (s *Survey) Amount(usd string) (AmountSummary, bool) {
	for _, a := range s.Amounts {
		if a.USD == usd {
			return a, true
		}
	}
	return AmountSummary{}, false
}

// PeriodLabel shows a survey period "2025_3Q" as "Q3 2025".
func PeriodLabel(p string) string {
	if len(p) != 7 {
		return p
	}
	return fmt.Sprintf("Q%c %s", p[5], p[:4])
}

// surveyKey groups rows: country corridor, period and send currency.
func surveyKey(corridor, period, send string) string { return corridor + "|" + period + "|" + send }

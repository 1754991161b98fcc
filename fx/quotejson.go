package fx

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// A comparison's JSON is written by hand into one buffer: each offer's fixed parts (provider,
// methods, rate, margin, quoted_at) are encoded once per snapshot, and the amounts are
// formatted from their integer units straight into the buffer. TestComparisonJSON checks the
// bytes against encoding/json on the same data field by field.

// offerJSON is an offer's fixed JSON around a quote's amounts.
type offerJSON struct {
	head   []byte // {"provider":…,"payout_method":…,"funding_method":…,"delivery":…,"exchange_rate":…,"send_amount":"
	margin []byte // ","fx_margin_percent":"…","total_cost":"
	tail   []byte // ,"quoted_at":"…","stale":
}

func buildOfferJSON(o *priced) offerJSON {
	head, _ := json.Marshal(struct {
		Provider      ProviderRef `json:"provider"`
		PayoutMethod  string      `json:"payout_method"`
		FundingMethod string      `json:"funding_method"`
		Product       string      `json:"product,omitempty"`
		Speed         string      `json:"speed,omitempty"`
		Delivery      string      `json:"delivery"`
		ExchangeRate  string      `json:"exchange_rate"`
	}{o.provider, o.PayoutMethod, o.FundingMethod, o.Product, o.Speed, o.Delivery, o.rateStr})
	var j offerJSON
	j.head = append(head[:len(head)-1], `,"send_amount":"`...)
	j.margin = appendJSONString(append([]byte(nil), `","fx_margin_percent":`...), o.margin)
	j.margin = append(j.margin, `,"total_cost":"`...)
	j.tail = appendJSONTime(append([]byte(nil), `,"quoted_at":`...), o.GeneratedAt)
	j.tail = append(j.tail, `,"stale":`...)
	return j
}

// AppendJSON appends the quote's JSON object to b.
func (q *Quote) AppendJSON(b []byte) []byte {
	j := &q.o.json
	b = append(b, j.head...)
	b = q.appendAmount(b, 0)
	b = append(b, `","fee":"`...)
	b = q.appendAmount(b, 1)
	b = append(b, `","total_to_pay":"`...)
	b = q.appendAmount(b, 2)
	b = append(b, `","receive_amount":"`...)
	b = q.appendAmount(b, 3)
	b = append(b, j.margin...)
	b = q.appendAmount(b, 4)
	b = append(b, `","total_cost_percent":"`...)
	b = q.appendAmount(b, 5)
	b = append(b, `","above_sdg_target":`...)
	b = appendBool(b, q.AboveSDGTarget())
	b = append(b, j.tail...)
	b = appendBool(b, q.stale)
	return append(b, '}')
}

// MarshalJSON encodes the quote as AppendJSON does.
func (q Quote) MarshalJSON() ([]byte, error) { return q.AppendJSON(make([]byte, 0, 512)), nil }

// AppendJSON appends the comparison's JSON object to b: {"corridor", "mode", "amount",
// "amount_currency", "mid_rate" (when known), "quotes", "reason" (when set), "snapshot_at"},
// the same bytes encoding/json would write for these fields.
func (c *Comparison) AppendJSON(b []byte) []byte {
	b = append(b, `{"corridor":{"send_currency":`...)
	b = appendJSONString(b, c.Corridor.SendCurrency)
	b = append(b, `,"receive_currency":`...)
	b = appendJSONString(b, c.Corridor.ReceiveCurrency)
	b = append(b, `},"mode":`...)
	b = appendJSONString(b, c.Mode)
	b = append(b, `,"amount":`...)
	b = appendJSONString(b, c.Amount)
	b = append(b, `,"amount_currency":`...)
	b = appendJSONString(b, c.AmountCurrency)
	if m := c.MidRate; m != nil {
		b = append(b, `,"mid_rate":{"rate":`...)
		b = appendJSONString(b, m.Rate)
		b = append(b, `,"source":`...)
		b = appendJSONString(b, m.Source)
		b = append(b, `,"as_of":`...)
		b = appendJSONTime(b, m.AsOf)
		b = append(b, '}')
	}
	b = append(b, `,"quotes":`...)
	if c.Quotes == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range c.Quotes {
			if i > 0 {
				b = append(b, ',')
			}
			b = c.Quotes[i].AppendJSON(b)
		}
		b = append(b, ']')
	}
	if c.Reason != "" {
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, c.Reason)
	}
	if c.ReasonCode != "" {
		b = append(b, `,"reason_code":`...)
		b = appendJSONString(b, c.ReasonCode)
	}
	if len(c.MissingRates) > 0 {
		b = append(b, `,"missing_rates":[`...)
		for i, m := range c.MissingRates {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, m)
		}
		b = append(b, ']')
	}
	b = append(b, `,"snapshot_at":`...)
	b = appendJSONTime(b, c.SnapshotAt)
	return append(b, '}')
}

// MarshalJSON encodes the comparison as AppendJSON does.
func (c Comparison) MarshalJSON() ([]byte, error) {
	return c.AppendJSON(make([]byte, 0, 256+400*len(c.Quotes))), nil
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// appendJSONString appends s as a JSON string the way encoding/json writes it (HTML-safe
// escapes, invalid UTF-8 replaced): plain printable ASCII is copied, anything else goes
// through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s)
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONTime appends t as encoding/json writes a time.Time (RFC 3339 with nanoseconds,
// quoted). Times outside years 0–9999, which encoding/json refuses, are written as the zero
// time; feeds cannot carry them (ParseFeed checks generated_at).
func appendJSONTime(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		t = time.Time{}
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

package complaints_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/complaints"
)

// FuzzComplaint feeds arbitrary JSON to the complaint validation (seeds in
// testdata/fuzz/FuzzComplaint and below): it never panics, refuses only with field errors,
// and whatever it accepts is within the documented bounds (exact amounts in real
// currencies with their minor units, bounded plain text, known facts, a past date).
func FuzzComplaint(f *testing.F) {
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{
		`{"against":{"kind":"agency","agency_id":"himalaya"},"facts":["fees_above_cap"],"country":"QA","nationality":"NP","lang":"ne","partner_ids":["fx-np-desk"],"amounts":[{"what":"fee_paid","amount":"150000","currency":"NPR"}]}`,
		`{"against":{"kind":"employer","name":"Fictional Co"},"facts":["wages_unpaid","abuse"],"happened_on":"2026-01-31","country":"SA","nationality":"PH","lang":"fil","moderators_choose":true,"text":"<b>x</b>"}`,
		`{"against":{"kind":"unknown"},"facts":["other","other"],"country":"qa","nationality":"NP","lang":"en","moderators_choose":true,"amounts":[{"what":"other","amount":"1e3","currency":"JPY"},{"what":"other","amount":"10.123","currency":"KWD"}]}`,
		`{"against":{"kind":"unknown"},"facts":["debt_bondage"],"country":"MY","nationality":"MM","lang":"my","moderators_choose":true,"share":{"contact":true},"private":{"phone":"+95 9 000","messaging_app":"viber","messaging_handle":"x"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in complaints.Complaint
		if json.Unmarshal(data, &in) != nil {
			return
		}
		err := in.Validate(now)
		if err != nil {
			var ve *kawan.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("refusal is not a field error: %v", err)
			}
			return
		}
		if len(in.Facts) == 0 || utf8.RuneCountInString(in.Text) > complaints.MaxText || len(in.Amounts) > complaints.MaxAmounts {
			t.Fatalf("accepted out of bounds: %+v", in)
		}
		for _, a := range in.Amounts {
			d, err := decimal.NewFromString(a.Amount)
			minor, cerr := kawan.CurrencyMinorUnits(a.Currency)
			if err != nil || cerr != nil || !d.IsPositive() || -d.Exponent() > int32(minor) {
				t.Fatalf("accepted amount %+v", a)
			}
		}
		if in.HappenedOn != "" {
			if d, err := time.Parse(time.DateOnly, in.HappenedOn); err != nil || d.After(now) {
				t.Fatalf("accepted date %q", in.HappenedOn)
			}
		}
	})
}

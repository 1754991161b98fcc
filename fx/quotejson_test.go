package fx

import (
	"github.com/kawan-labs/kawan"

	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/fx/demofeeds"
)

// TestComparisonJSON: AppendJSON (and MarshalJSON) write exactly the bytes encoding/json
// writes for the comparison's wire shape (ToWire, built through the accessors): on every
// demo corridor in both modes and every sort, on the golden corridors, with a provider name
// that needs escaping, on quotes priced on the decimal path, and on empty comparisons.
func TestComparisonJSON(t *testing.T) {
	odd := mustParse(t, []byte(strings.Replace(string(providerFeed("odd",
		corridorJSON("SGD", "PHP", "41.8350", "10", "5000", `[{"flat":"3.00"}]`),
		// 12 decimals and amounts up to 10^15: S×rate overflows 64 bits, so the largest
		// quotes are priced on the decimal path.
		strings.Replace(corridorJSON("SGD", "PHP", "41.835000000001", "10", "900000000000000", `[{"flat":"2.50","percent":"0.1"}]`),
			`"bank_account"`, `"cash_pickup"`, 1))),
		`"Test odd (fictional)"`, `"Test <odd> & \"quoted\" Ñandú \u2028 (fictional)"`, 1)))
	rates := mustParse(t, ratesFeed("USD", "2026-11-22T07:00:00Z", map[string]string{"SGD": "1.34", "PHP": "56.25"}))
	snaps := []*Snapshot{goldenSnapshot(t), demoSnapshot(t), BuildSnapshot([]*Feed{odd}, []*Feed{rates}, DefaultBounds, testNow)}
	r := rand.New(rand.NewPCG(7, 11))
	checked, decimalPath := 0, 0
	for _, s := range snaps {
		for _, info := range s.Corridors() {
			send, _ := kawan.LookupCurrency(info.SendCurrency)
			recv, _ := kawan.LookupCurrency(info.ReceiveCurrency)
			for _, mode := range []string{ModeSend, ModeReceive} {
				for _, sortBy := range append([]string{""}, Sorts...) {
					for k := 0; k < 4; k++ {
						cur := send
						if mode == ModeReceive {
							cur = recv
						}
						amount := []string{info.MinSend, info.MaxSend, "1", ""}[k]
						if amount == "" {
							amount = fmt.Sprint(1 + r.IntN(100000))
						}
						if d, err := ParseDecimal(amount); err == nil {
							amount = d.StringFixed(cur.Minor)
						}
						c, err := s.Compare(Request{SendCurrency: send.Code, ReceiveCurrency: recv.Code, Amount: amount, Mode: mode, Sort: sortBy}, testNow)
						if err != nil {
							continue
						}
						checkJSON(t, c)
						checked++
						for _, q := range c.Quotes {
							if q.text != nil {
								decimalPath++
							}
						}
					}
				}
			}
		}
	}
	// Empty comparisons: nobody serves the corridor, and a nil list.
	c, _ := snaps[0].Compare(Request{SendCurrency: "EUR", ReceiveCurrency: "PHP", Amount: "100"}, testNow)
	checkJSON(t, c)
	c.Quotes = nil
	checkJSON(t, c)
	if checked < 500 || decimalPath == 0 {
		t.Fatalf("checked %d comparisons, %d decimal-path quotes", checked, decimalPath)
	}
}

func checkJSON(t *testing.T, c Comparison) {
	t.Helper()
	want, err := json.Marshal(ToWire(c))
	if err != nil {
		t.Fatal(err)
	}
	got := c.AppendJSON(nil)
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("AppendJSON differs from encoding/json at byte %d:\n got: …%s\nwant: …%s", i, got[max(0, i-80):min(len(got), i+80)], want[max(0, i-80):min(len(want), i+80)])
	}
	viaMarshal, err := json.Marshal(c)
	if err != nil || !bytes.Equal(viaMarshal, want) {
		t.Fatalf("json.Marshal(Comparison) differs: %v\n%s", err, viaMarshal)
	}
}

// demoSnapshot is the bundled demo feeds as one snapshot.
func demoSnapshot(t testing.TB) *Snapshot {
	t.Helper()
	s, err := DemoSnapshot(demofeeds.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

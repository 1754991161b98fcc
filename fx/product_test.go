package fx

import (
	"strings"
	"testing"
)

// TestProducts: one provider may offer several products on one corridor, payout and funding
// method (31 of 195 real RPW rows); the key is (provider, corridor, payout, funding, product)
// and two offers with the same key are a clear error.
func TestProducts(t *testing.T) {
	express := strings.Replace(corridorJSON("SGD", "PHP", "41.20", "10", "5000", `[{"flat":"5.00"}]`), `"delivery":"minutes"`,
		`"delivery":"minutes","product":"Express","speed":"within 10 minutes"`, 1)
	saver := strings.Replace(corridorJSON("SGD", "PHP", "41.80", "10", "5000", `[{"flat":"2.00"}]`), `"delivery":"minutes"`,
		`"delivery":"days","product":"Saver","speed":"2-3 working days"`, 1)
	s := bandedSnapshot(t, express, saver)
	cmp, err := s.Compare(Request{SendCurrency: "SGD", ReceiveCurrency: "PHP", Amount: "500"}, testNow)
	if err != nil || len(cmp.Quotes) != 2 {
		t.Fatalf("%v %+v", err, cmp)
	}
	// Most received first: Saver (500 × 41.80 = 20900.00) before Express (20600.00).
	if q := cmp.Quotes[0]; q.Product() != "Saver" || q.Speed() != "2-3 working days" || q.ReceiveAmount() != "20900.00" || cmp.Quotes[1].Product() != "Express" {
		t.Errorf("quotes %s/%s", cmp.Quotes[0].Product(), cmp.Quotes[1].Product())
	}
	b, _ := cmp.MarshalJSON()
	if !strings.Contains(string(b), `"funding_method":"bank_transfer","product":"Saver","speed":"2-3 working days","delivery":"days"`) {
		t.Errorf("JSON: %s", b)
	}
	// The same product twice (or two offers without one) is a clear error naming it.
	for _, c := range []struct{ a, b, want string }{
		{express, express, `as product "Express" appears twice for provider banded; give each offer its own product name`},
		{corridorJSON("SGD", "PHP", "41.20", "10", "5000", `[{"flat":"5.00"}]`), corridorJSON("SGD", "PHP", "41.30", "10", "5000", `[{"flat":"5.00"}]`), "without a product name appears twice"},
	} {
		if _, err := ParseFeed(providerFeed("banded", c.a, c.b), ParseOptions{Now: testNow}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("duplicate: %v", err)
		}
	}
	// A bad product name quarantines that corridor.
	long := strings.Replace(express, `"Express"`, `"`+strings.Repeat("x", 61)+`"`, 1)
	if f, err := ParseFeed(providerFeed("banded", long, saver), ParseOptions{Now: testNow}); err != nil || len(f.Quarantined) != 1 ||
		!strings.Contains(f.Quarantined[0].Reasons[0], "corridors[0].product: must be 1-60 characters") {
		t.Errorf("long product: %v %+v", err, f)
	}
	// CSV: product and speed columns; rows of one product form one corridor.
	csv := "provider_id,provider_name,send_currency,receive_currency,payout_method,funding_method,exchange_rate,product,speed,min_send,max_send,delivery,fee_up_to,fee_flat,fee_percent,fee_min,fee_max,generated_at,valid_for_seconds\n" +
		"p,P (fictional),SGD,PHP,bank_account,bank_transfer,41.20,Express,within 10 minutes,10,5000,minutes,,5.00,,,,2026-11-22T08:00:00Z,21600\n" +
		"p,P (fictional),SGD,PHP,bank_account,bank_transfer,41.80,Saver,,10,5000,days,1000,2.00,,,,2026-11-22T08:00:00Z,21600\n" +
		"p,P (fictional),SGD,PHP,bank_account,bank_transfer,41.80,Saver,,10,5000,days,,4.00,,,,2026-11-22T08:00:00Z,21600\n"
	f := mustParse(t, []byte(csv))
	if len(f.Offers) != 2 || f.Offers[0].Product != "Express" || f.Offers[0].Speed != "within 10 minutes" || f.Offers[1].Product != "Saver" || len(f.Offers[1].Fees) != 2 {
		t.Errorf("CSV offers %+v", f.Offers)
	}
}

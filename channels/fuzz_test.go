package channels_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/channels"
)

// FuzzVerify: no header, body or URL makes a verifier panic or accept without the secret.
func FuzzVerify(f *testing.F) {
	for _, s := range []string{"t=1800000000,v1=00", "t=,v1=", "v1=a,v1=b,t=9", "", "t=99999999999999999999,v1=x", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="} {
		f.Add(s, []byte(`{"from":"+9779800000001"}`))
	}
	now := time.Unix(1_800_000_000, 0)
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if _, ok := channels.VerifyGateway("secret-secret-secret-secret-secret-1", header, body, now); ok {
			t.Fatalf("forged gateway header %q verified", header)
		}
		if channels.VerifyViber("viber-token", header, body) {
			t.Fatalf("forged viber signature %q verified", header)
		}
		form, _ := url.ParseQuery(string(body))
		if channels.VerifyTwilio("twilio-token", header, "https://kawan.example/v1/channels/twilio?"+string(body), form) {
			t.Fatalf("forged twilio signature %q verified", header)
		}
	})
}

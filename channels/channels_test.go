package channels_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/channels"
)

// Twilio's documented example (docs "Webhooks security"): this URL, these parameters and
// auth token 12345 sign to 0/KCTR6DLpKmkAf8muzZqo1nDgQ=.
func TestTwilioSignatureDocumentedExample(t *testing.T) {
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"}, "From": {"+12349013030"}, "To": {"+18005551212"}}
	const u = "https://mycompany.com/myapp.php?foo=1&bar=2"
	if got := channels.TwilioSignature("12345", u, form); got != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" {
		t.Fatalf("signature %s", got)
	}
	if !channels.VerifyTwilio("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", u, form) {
		t.Fatal("the documented signature does not verify")
	}
	// signed without the port, requested with it (and the other way round)
	sig := channels.TwilioSignature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", form)
	if !channels.VerifyTwilio("12345", sig, u, form) {
		t.Fatal("the :443 form is not accepted")
	}
	form.Set("Digits", "1235")
	if channels.VerifyTwilio("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", u, form) {
		t.Fatal("a changed parameter verifies")
	}
	if channels.VerifyTwilio("", "", u, form) || channels.VerifyTwilio("12345", "", u, form) {
		t.Fatal("empty token or signature verifies")
	}
}

func TestGatewaySignature(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"from":"+9779800000001","text":"check 1"}`)
	sig := channels.GatewaySignature("s3cret-s3cret-s3cret-s3cret-s3cret", now.Unix(), body)
	h := "t=1800000000,v1=" + sig
	if _, ok := channels.VerifyGateway("s3cret-s3cret-s3cret-s3cret-s3cret", h, body, now.Add(time.Minute)); !ok {
		t.Fatal("a fresh signature does not verify")
	}
	if _, ok := channels.VerifyGateway("s3cret-s3cret-s3cret-s3cret-s3cret", h, body, now.Add(10*time.Minute)); ok {
		t.Fatal("an old signature verifies")
	}
	if _, ok := channels.VerifyGateway("s3cret-s3cret-s3cret-s3cret-s3cret", h, append(body, ' '), now); ok {
		t.Fatal("a changed body verifies")
	}
	for _, bad := range []string{"", "t=,v1=", "v1=" + sig, "t=1800000000", "t=x,v1=" + sig} {
		if _, ok := channels.VerifyGateway("s3cret-s3cret-s3cret-s3cret-s3cret", bad, body, now); ok {
			t.Fatalf("%q verifies", bad)
		}
	}
}

func TestViberOutboxRetriesThenDrops(t *testing.T) {
	var calls, fail atomic.Int64
	var failedOnce atomic.Bool
	var last atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/pa/send_message" || r.Header.Get("X-Viber-Auth-Token") != "tok" {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		last.Store(m)
		switch {
		case fail.Load() == 1 && failedOnce.CompareAndSwap(false, true): // the first call fails
			http.Error(w, "oops", http.StatusInternalServerError)
		case fail.Load() == 2: // hangs past the attempt's timeout
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		case fail.Load() == 3:
			_, _ = io.WriteString(w, `{"status":6,"status_message":"notSubscribed"}`)
		default:
			_, _ = io.WriteString(w, `{"status":0,"status_message":"ok","message_token":1}`)
		}
	}))
	defer srv.Close()
	v := &channels.Viber{URL: srv.URL + "/pa", Token: "tok"}
	box := channels.NewOutbox(v, channels.OutboxOptions{Attempts: 3, Backoff: 5 * time.Millisecond, Timeout: 100 * time.Millisecond, Queue: 4, Workers: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go box.Run(ctx)
	wait := func(cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if cond() {
				return
			}
		}
		t.Fatalf("timed out: sent %d retried %d dropped %d", box.Sent.Load(), box.Retried.Load(), box.Dropped.Load())
	}
	box.Enqueue("user-1", "hello")
	wait(func() bool { return box.Sent.Load() == 1 })
	m := last.Load().(map[string]any)
	if m["receiver"] != "user-1" || m["type"] != "text" || m["text"] != "hello" || m["sender"].(map[string]any)["name"] != "Kawan" {
		t.Fatalf("request %v", m)
	}
	fail.Store(1)
	box.Enqueue("user-1", "retry me")
	wait(func() bool { return box.Sent.Load() == 2 && box.Retried.Load() == 1 })
	fail.Store(2)
	start := time.Now()
	box.Enqueue("user-1", "timeout")
	wait(func() bool { return box.Dropped.Load() == 1 })
	if d := time.Since(start); d > time.Second {
		t.Fatalf("3 bounded attempts took %s", d)
	}
	fail.Store(3)
	before := calls.Load()
	box.Enqueue("user-1", "gone")
	wait(func() bool { return box.Dropped.Load() == 2 })
	if calls.Load()-before != 1 {
		t.Fatalf("a permanent refusal was retried: %d calls", calls.Load()-before)
	}
}

func TestOutboxFullDropsWithoutBlocking(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	box := channels.NewOutbox(&channels.Viber{URL: srv.URL, Token: "t"}, channels.OutboxOptions{Queue: 2, Workers: 1, Timeout: time.Minute})
	start := time.Now()
	n := 0
	for range 10 {
		if box.Enqueue("u", "x") {
			n++
		}
	}
	if n != 2 || box.Dropped.Load() != 8 || time.Since(start) > 100*time.Millisecond {
		t.Fatalf("queued %d dropped %d in %s", n, box.Dropped.Load(), time.Since(start))
	}
}

// Package channels holds what the text channels need besides the engine (package textbot):
// the platforms' request signatures, verified exactly as each platform signs (Twilio's
// HMAC-SHA1 over the URL and sorted form parameters, Viber's HMAC-SHA256 of the body,
// Telegram's secret-token header, the gateway webhook's timestamped HMAC-SHA256), and the
// bounded, retried outbound client for the platform that answers by an API call (Viber).
// The HTTP handlers are in package api (api/channels.go).
package channels

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TwilioSignature is Twilio's request signature: the full URL Twilio requested (scheme,
// host, path and query), then each POST parameter's name and value, sorted by name, with no
// separators, HMAC-SHA1 keyed with the account's auth token, in base64.
func TwilioSignature(authToken, fullURL string, form url.Values) string {
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(fullURL))
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vs := slices.Clone(form[k])
		slices.Sort(vs)
		for _, v := range vs {
			m.Write([]byte(k))
			m.Write([]byte(v))
		}
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyTwilio checks an X-Twilio-Signature for a request to fullURL. Twilio signs the URL
// as it was configured, which may or may not carry the default port (":443" for https,
// ":80" for http); both forms are tried, as Twilio's own libraries do.
func VerifyTwilio(authToken, signature, fullURL string, form url.Values) bool {
	if authToken == "" || signature == "" {
		return false
	}
	for _, u := range urlVariants(fullURL) {
		if equal(TwilioSignature(authToken, u, form), signature) {
			return true
		}
	}
	return false
}

func urlVariants(raw string) []string {
	out := []string{raw}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return out
	}
	def := map[string]string{"https": "443", "http": "80"}[u.Scheme]
	if def == "" {
		return out
	}
	v := *u
	if u.Port() == def {
		v.Host = u.Hostname()
	} else if u.Port() == "" {
		v.Host = u.Host + ":" + def
	} else {
		return out
	}
	return append(out, v.String())
}

// ViberSignature is Viber's X-Viber-Content-Signature: the body's HMAC-SHA256 keyed with the
// bot's auth token, in lower-case hex.
func ViberSignature(authToken string, body []byte) string {
	m := hmac.New(sha256.New, []byte(authToken))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyViber checks an X-Viber-Content-Signature.
func VerifyViber(authToken, signature string, body []byte) bool {
	return authToken != "" && signature != "" && equal(ViberSignature(authToken, body), strings.ToLower(strings.TrimSpace(signature)))
}

// VerifyTelegram checks X-Telegram-Bot-Api-Secret-Token against the secret_token the bot's
// webhook was set with (Telegram sends it verbatim; it signs nothing).
func VerifyTelegram(secret, header string) bool {
	return secret != "" && header != "" && equal(secret, header)
}

// GatewaySkew is how far a gateway request's timestamp may be from the server's clock.
const GatewaySkew = 5 * time.Minute

// GatewaySignature is the JSON gateway webhook's signature: HMAC-SHA256 keyed with the
// gateway's secret over "<unix seconds>.<body>", in lower-case hex (the header is
// X-Kawan-Signature: t=<unix seconds>,v1=<hex>).
func GatewaySignature(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyGateway checks an X-Kawan-Signature header ("t=…,v1=…") for body against secret at
// now; it returns the signed timestamp.
func VerifyGateway(secret, header string, body []byte, now time.Time) (int64, bool) {
	if secret == "" || header == "" || len(header) > 200 {
		return 0, false
	}
	var ts int64
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, false
			}
			ts = n
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if ts == 0 || len(sigs) == 0 {
		return 0, false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > GatewaySkew || d < -GatewaySkew {
		return 0, false
	}
	want := GatewaySignature(secret, ts, body)
	for _, s := range sigs {
		if equal(want, strings.ToLower(s)) {
			return ts, true
		}
	}
	return 0, false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

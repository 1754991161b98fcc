package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/channels"
	"github.com/kawan-labs/kawan/config"
	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/textbot"
)

const (
	twilioToken  = "fictional-twilio-auth-token-0001"
	tgSecret     = "fictional_telegram_secret-0001"
	viberToken   = "4453b6ac12345678-fictional-viber-token"
	gwName       = "ngo-hotline"
	gwSecret     = "fictional-gateway-secret-0123456789abcdef"
	nepaliNumber = "+9779800000001"
	filipinoNum  = "+639170000001"
)

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// viberServer is a local stand-in for the Viber REST API: it records send_message calls.
type viberServer struct {
	*httptest.Server
	mu   sync.Mutex
	sent []map[string]any
}

func newViberServer(t *testing.T) *viberServer {
	v := &viberServer{}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/pa/send_message" || r.Header.Get("X-Viber-Auth-Token") != viberToken {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		v.mu.Lock()
		v.sent = append(v.sent, m)
		v.mu.Unlock()
		_, _ = io.WriteString(w, `{"status":0,"status_message":"ok","message_token":5741311803571721087}`)
	}))
	t.Cleanup(v.Close)
	return v
}

func (v *viberServer) messages() []map[string]any {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]map[string]any(nil), v.sent...)
}

type textRig struct {
	a     *app.App
	c     *apitest.Client
	viber *viberServer
	log   *syncBuffer
	demo  []agencies.AgencyInput
}

func newTextRig(t *testing.T) *textRig {
	v := newViberServer(t)
	log := &syncBuffer{}
	a := apptest.NewLogged(t, func(c *config.Config) {
		c.Demo = true
		c.BaseURL = "https://kawan.example"
		c.TwilioAuthToken, c.TelegramSecret, c.ViberToken, c.ViberAPIURL = twilioToken, tgSecret, viberToken, v.URL+"/pa"
		c.TextGateways = map[string]string{gwName: gwSecret}
		c.TextRateBurst = 20
	}, log)
	ctx, cancel := context.WithCancel(context.Background())
	go a.TextOutbox.Run(ctx)
	t.Cleanup(cancel)
	return &textRig{a: a, c: apitest.New(t, a.Server), viber: v, log: log, demo: agencies.DemoAgencies(app.DemoAgencyCount, 2026, time.Now())}
}

// licensedNP is a demo Nepali agency whose licence the registry answers as valid.
func (r *textRig) licensedNP(t *testing.T) (agencies.AgencyInput, agencies.LicenceCheck) {
	for _, in := range r.demo {
		l := in.Licences[0]
		if in.Origin != "NP" || l.Status != kawan.LicenceActive || len(in.Sanctions) > 0 || !l.ValidTo.After(time.Now().AddDate(0, 1, 0)) {
			continue
		}
		lc, err := r.a.Agencies.CheckLicence(context.Background(), "", l.Number)
		if err == nil && lc.Valid && lc.Agency != nil {
			return in, lc
		}
	}
	t.Fatal("no licensed Nepali demo agency")
	return agencies.AgencyInput{}, agencies.LicenceCheck{}
}

func devanagari(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '०' + (r - '0')
		}
		return r
	}, s)
}

// twilioForm is an inbound SMS as Twilio posts it (fictional SIDs and numbers).
func twilioForm(from, body string) url.Values {
	to := "+15005550006"
	if strings.HasPrefix(from, "whatsapp:") {
		to = "whatsapp:" + to
	}
	return url.Values{
		"ToCountry": {"US"}, "ToState": {"CA"}, "SmsMessageSid": {"SM0000000000000000000000000000demo"}, "NumMedia": {"0"},
		"ToCity": {""}, "FromZip": {""}, "SmsSid": {"SM0000000000000000000000000000demo"}, "FromState": {""}, "SmsStatus": {"received"},
		"FromCity": {""}, "Body": {body}, "FromCountry": {""}, "To": {to}, "ToZip": {""}, "NumSegments": {"1"},
		"MessageSid": {"SM0000000000000000000000000000demo"}, "AccountSid": {"AC0000000000000000000000000000demo"}, "From": {from},
		"ApiVersion": {"2010-04-01"},
	}
}

func (r *textRig) twilio(t *testing.T, form url.Values, sig string) *apitest.Response {
	t.Helper()
	if sig == "" {
		sig = channels.TwilioSignature(twilioToken, "https://kawan.example/v1/channels/twilio", form)
	}
	return r.c.Do(http.MethodPost, "/v1/channels/twilio", form.Encode(), "Content-Type", "application/x-www-form-urlencoded", "X-Twilio-Signature", sig)
}

func twiml(t *testing.T, res *apitest.Response) string {
	t.Helper()
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/xml") {
		t.Fatalf("twilio: %d %s", res.Status, res.Body)
	}
	var doc struct {
		XMLName xml.Name `xml:"Response"`
		Message string   `xml:"Message"`
	}
	if err := xml.Unmarshal(res.Body, &doc); err != nil {
		t.Fatalf("not TwiML: %v\n%s", err, res.Body)
	}
	return doc.Message
}

func (r *textRig) telegram(t *testing.T, userID int64, lang, text string, secret string, updateID int) *apitest.Response {
	t.Helper()
	body := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1365,"from":{"id":%d,"is_bot":false,"first_name":"Fictional","language_code":%q},`+
		`"chat":{"id":%d,"first_name":"Fictional","type":"private"},"date":1764662400,"text":%q}}`, updateID, userID, lang, userID, text)
	return r.c.Do(http.MethodPost, "/v1/channels/telegram", body, "X-Telegram-Bot-Api-Secret-Token", secret)
}

func (r *textRig) gateway(t *testing.T, body string, sign func([]byte) string) *apitest.Response {
	t.Helper()
	sig := ""
	if sign == nil {
		ts := time.Now().Unix()
		sig = "t=" + strconv.FormatInt(ts, 10) + ",v1=" + channels.GatewaySignature(gwSecret, ts, []byte(body))
	} else {
		sig = sign([]byte(body))
	}
	return r.c.Do(http.MethodPost, "/v1/channels/text", body, "X-Kawan-Gateway", gwName, "X-Kawan-Signature", sig)
}

func (r *textRig) viberMessage(t *testing.T, token int64, userID, text string, forge bool) *apitest.Response {
	t.Helper()
	body := fmt.Sprintf(`{"event":"message","timestamp":1764662400000,"chat_hostname":"SN-CHAT-01_","message_token":%d,`+
		`"sender":{"id":%q,"name":"Fictional","avatar":"","language":"ne","country":"NP","api_version":10},`+
		`"message":{"text":%q,"type":"text"},"silent":false}`, token, userID, text)
	sig := channels.ViberSignature(viberToken, []byte(body))
	if forge {
		sig = channels.ViberSignature("not-the-token", []byte(body))
	}
	return r.c.Do(http.MethodPost, "/v1/channels/viber", body, "X-Viber-Content-Signature", sig)
}

// TestTextChannelsNepaliCheck is the first "done when": a Nepali worker texting
// check and a demo licence number in Devanagari digits gets the verdict in Nepali within one
// UCS-2 segment, through the Twilio-style webhook (signature verified), Telegram and the
// JSON webhook; forged signatures are refused with nothing processed.
func TestTextChannelsNepaliCheck(t *testing.T) {
	r := newTextRig(t)
	in, lc := r.licensedNP(t)
	text := "check " + devanagari(in.Licences[0].Number)
	want := "वैध " + in.Licences[0].ValidTo.UTC().Format("2006-01-02") + " सम्म, DoFE "

	sms := twiml(t, r.twilio(t, twilioForm(nepaliNumber, text), ""))
	if !strings.HasPrefix(sms, want) || !strings.Contains(sms, " https://kawan.example/a/") {
		t.Fatalf("twilio answer %q, want %q…", sms, want)
	}
	if enc, units, n := textbot.Measure(sms); enc != textbot.UCS2 || n != 1 {
		t.Fatalf("not one UCS-2 segment: %s %d units, %d segments", enc, units, n)
	}
	// the short link leads to the agency's page
	code := sms[strings.LastIndex(sms, "/a/")+3:]
	rec := httptest.NewRecorder()
	r.a.Server.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/a/"+code, nil))
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/agencies/"+lc.Agency.ID {
		t.Fatalf("short link: %d %s", rec.Code, rec.Header().Get("Location"))
	}

	res := r.telegram(t, 5550001, "ne", text, tgSecret, 1001)
	var tg struct {
		Method string `json:"method"`
		ChatID int64  `json:"chat_id"`
		Text   string `json:"text"`
	}
	res.JSON(t, &tg)
	if res.Status != 200 || tg.Method != "sendMessage" || tg.ChatID != 5550001 || tg.Text != sms {
		t.Fatalf("telegram: %d %s", res.Status, res.Body)
	}
	if res := r.telegram(t, 5550001, "ne", text, tgSecret, 1001); res.Status != 200 || string(res.Body) != "{}\n" {
		t.Fatalf("a replayed update was answered: %s", res.Body)
	}

	res = r.gateway(t, fmt.Sprintf(`{"from":%q,"text":%q}`, nepaliNumber, text), nil)
	var gw struct {
		Reply    string `json:"reply"`
		Segments int    `json:"segments"`
		Encoding string `json:"encoding"`
		Lang     string `json:"lang"`
	}
	res.JSON(t, &gw)
	if res.Status != 200 || gw.Reply != sms || gw.Segments != 1 || gw.Encoding != "UCS-2" || gw.Lang != "ne" {
		t.Fatalf("gateway: %d %s", res.Status, res.Body)
	}

	// forged or missing signatures: 401, and nothing processed (no session for the sender)
	forger := "+9779800000666"
	sessions := func() int64 {
		n, err := r.a.Store.DB().Collection("text_sessions").CountDocuments(context.Background(), bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := sessions()
	form := twilioForm(forger, text)
	if res := r.twilio(t, form, channels.TwilioSignature("wrong-token-wrong-token", "https://kawan.example/v1/channels/twilio", form)); res.Status != 401 {
		t.Fatalf("forged twilio: %d", res.Status)
	}
	if res := r.c.Do(http.MethodPost, "/v1/channels/twilio", form.Encode(), "Content-Type", "application/x-www-form-urlencoded"); res.Status != 401 {
		t.Fatalf("unsigned twilio: %d", res.Status)
	}
	signed := channels.TwilioSignature(twilioToken, "https://kawan.example/v1/channels/twilio", form)
	form.Set("Body", "check something else")
	if res := r.twilio(t, form, signed); res.Status != 401 {
		t.Fatalf("twilio with a changed body: %d", res.Status)
	}
	if res := r.telegram(t, 5550666, "ne", text, "wrong_secret_wrong_secret", 1002); res.Status != 401 {
		t.Fatalf("forged telegram: %d", res.Status)
	}
	if res := r.c.Do(http.MethodPost, "/v1/channels/telegram", `{"update_id":1003}`); res.Status != 401 {
		t.Fatalf("telegram without a secret: %d", res.Status)
	}
	body := fmt.Sprintf(`{"from":%q,"text":%q}`, forger, text)
	if res := r.gateway(t, body, func([]byte) string { return "t=" + strconv.FormatInt(time.Now().Unix(), 10) + ",v1=00" }); res.Status != 401 {
		t.Fatalf("forged gateway: %d", res.Status)
	}
	old := time.Now().Add(-time.Hour).Unix()
	if res := r.gateway(t, body, func(b []byte) string {
		return "t=" + strconv.FormatInt(old, 10) + ",v1=" + channels.GatewaySignature(gwSecret, old, b)
	}); res.Status != 401 {
		t.Fatalf("an hour-old gateway signature: %d", res.Status)
	}
	if res := r.viberMessage(t, 9001, "forger-viber-id", text, true); res.Status != 401 {
		t.Fatalf("forged viber: %d", res.Status)
	}
	if n := sessions(); n != before {
		t.Fatalf("refused requests made %d sessions", n-before)
	}
	// a gateway replay is refused
	ts := time.Now().Unix()
	sig := "t=" + strconv.FormatInt(ts, 10) + ",v1=" + channels.GatewaySignature(gwSecret, ts, []byte(body))
	sign := func([]byte) string { return sig }
	if res := r.gateway(t, body, sign); res.Status != 200 {
		t.Fatalf("gateway: %d %s", res.Status, res.Body)
	}
	if res := r.gateway(t, body, sign); res.Status != http.StatusConflict {
		t.Fatalf("gateway replay: %d", res.Status)
	}
}

// TestTextChannelsSendHelpFollow: SEND answers the best quote with its total; HELP QA from
// a Filipino number gives Qatar's emergency number and a Filipino help entry; FOLLOW by
// Viber then a registry change sends one message through the outbound test server.
func TestTextChannelsSendHelpFollow(t *testing.T) {
	r := newTextRig(t)
	ctx := context.Background()
	res := r.gateway(t, `{"from":"+6580000001","text":"SEND 500 SGD PHP"}`, nil)
	var gw struct {
		Reply string `json:"reply"`
	}
	res.JSON(t, &gw)
	cmp, err := r.a.FX.Compare(ctx, fxRequest("SGD", "PHP", "500"))
	if err != nil || len(cmp.Quotes) == 0 {
		t.Fatal(err)
	}
	if want := "Best: " + cmp.Quotes[0].Provider().Name + ". Pay " + cmp.Quotes[0].TotalToPay() + " SGD"; !strings.HasPrefix(gw.Reply, want) {
		t.Fatalf("send: %q, want %q…", gw.Reply, want)
	}

	help := twiml(t, r.twilio(t, twilioForm("whatsapp:"+filipinoNum, "HELP QA"), ""))
	if !strings.Contains(help, "QA: 999") || !strings.Contains(help, "Philippine") {
		t.Fatalf("help: %q", help)
	}

	in, lc := r.licensedNP(t)
	if res := r.viberMessage(t, 5001, "viber-user-0001", "FOLLOW "+in.Licences[0].Number, false); res.Status != 200 {
		t.Fatalf("viber follow: %d %s", res.Status, res.Body)
	}
	waitFor(t, func() bool { return len(r.viber.messages()) == 1 })
	if m := r.viber.messages()[0]; m["receiver"] != "viber-user-0001" || !strings.Contains(m["text"].(string), "पछ्याइँदै") {
		t.Fatalf("follow confirmation: %v", m)
	}
	if res := r.viberMessage(t, 5001, "viber-user-0001", "FOLLOW "+in.Licences[0].Number, false); res.Status != 200 {
		t.Fatal(res.Status)
	}
	if n, err := r.a.Text.NotifyFollowers(ctx, r.a.TextNotify); err != nil || n != 0 {
		t.Fatalf("nothing changed yet, %d notifications: %v", n, err)
	}
	// the registry changes: the licence is revoked
	in.Licences[0].Status, in.Licences[0].StatusDate = kawan.LicenceRevoked, time.Now().UTC()
	if _, err := r.a.Agencies.Update(ctx, lc.Agency.ID, in); err != nil {
		t.Fatal(err)
	}
	if n, err := r.a.Text.NotifyFollowers(ctx, r.a.TextNotify); err != nil || n != 1 {
		t.Fatalf("notifications %d: %v", n, err)
	}
	if n, _ := r.a.Text.NotifyFollowers(ctx, r.a.TextNotify); n != 0 {
		t.Fatalf("the change was sent again (%d)", n)
	}
	waitFor(t, func() bool { return len(r.viber.messages()) == 2 })
	time.Sleep(50 * time.Millisecond)
	msgs := r.viber.messages()
	if len(msgs) != 2 || msgs[1]["receiver"] != "viber-user-0001" || !strings.Contains(msgs[1]["text"].(string), "खारेज") {
		t.Fatalf("viber messages after the change: %v", msgs)
	}
	// STOP ends it
	r.viberMessage(t, 5002, "viber-user-0001", "STOP", false)
	waitFor(t, func() bool { return len(r.viber.messages()) == 3 })
	if n, err := r.a.TextSessions.FollowsOf(ctx, r.a.Text.SenderKey(textbot.Message{Channel: "viber", Sender: "viber-user-0001"})); err != nil || len(n) != 0 {
		t.Fatalf("STOP left %d follows", len(n))
	}
}

// TestTextChannelsBadInputAndNoRawNumbers sends empty, 5,000-character, invalid UTF-8 and
// mixed-script messages and a flood, then checks that no raw phone number reached the
// database or the log (the canary).
func TestTextChannelsBadInputAndNoRawNumbers(t *testing.T) {
	r := newTextRig(t)
	in, _ := r.licensedNP(t)
	numbers := []string{nepaliNumber, filipinoNum, "+9665000000077"}
	for _, body := range []string{"", strings.Repeat("न", 5000), "check \xff\xfe\x00 " + in.Licences[0].Number, "ตรวจ " + in.Licences[0].Number + " जाँच",
		"\x01\x02\x03", strings.Repeat("SEND 500 SGD PHP ", 300)} {
		msg := twiml(t, r.twilio(t, twilioForm(numbers[0], body), ""))
		if msg == "" || !strings.Contains(msg, "kawan") && !strings.Contains(msg, "Kawan") {
			t.Errorf("%.20q: %q", body, msg)
		}
		if _, _, n := textbot.Measure(msg); n > textbot.MaxSegments {
			t.Errorf("%.20q: %d segments", body, n)
		}
	}
	// invalid UTF-8 in the JSON webhook is a 400 naming the body; a bad number names from
	if res := r.gateway(t, "{\"from\":\"+9779800000001\",\"text\":\"\xff\"}", nil); res.Status != 400 {
		t.Fatalf("invalid UTF-8: %d", res.Status)
	}
	if res := r.gateway(t, `{"from":"nepal","text":"hi"}`, nil); res.Status != 400 || !strings.Contains(string(res.Body), `"from"`) {
		t.Fatalf("bad from: %d %s", res.Status, res.Body)
	}
	if res := r.gateway(t, `{"from":"+9779800000001","text":"hi","extra":1}`, nil); res.Status != 400 {
		t.Fatalf("unknown field: %d", res.Status)
	}
	// a flood from one sender: answered to the burst, told once, then silent
	answered, told, silent := 0, 0, 0
	for i := range 30 {
		res := r.gateway(t, fmt.Sprintf(`{"from":%q,"text":"MENU %d"}`, numbers[2], i), nil)
		if res.Status != 200 {
			t.Fatalf("flood message %d: %d %s", i, res.Status, res.Body)
		}
		var out struct {
			Reply  string `json:"reply"`
			Silent bool   `json:"silent"`
		}
		res.JSON(t, &out)
		switch {
		case out.Silent:
			silent++
		case strings.Contains(out.Reply, "Too many"):
			told++
		default:
			answered++
		}
	}
	if answered != 20 || told != 1 || silent != 9 {
		t.Fatalf("flood: %d answered, %d told, %d silent", answered, told, silent)
	}
	twiml(t, r.twilio(t, twilioForm("whatsapp:"+numbers[1], "HELP QA"), ""))
	// a worker who types a number (their own) as a licence or a name: it is not kept either
	twiml(t, r.twilio(t, twilioForm(numbers[0], "check "+numbers[1]), ""))
	twiml(t, r.twilio(t, twilioForm(numbers[0], "agency "+strings.TrimPrefix(numbers[2], "+")), ""))

	// the canary: no form of any number in any collection or in the log
	forms := func(n string) []string {
		d := strings.TrimPrefix(n, "+")
		return []string{n, d, d[len(d)-9:]}
	}
	ctx := context.Background()
	db := r.a.Store.DB()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var dump strings.Builder
	for _, c := range names {
		cur, err := db.Collection(c).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			dump.WriteString(c + " " + d.String() + "\n")
		}
	}
	logs := r.log.String()
	if !strings.Contains(logs, "text message") || !strings.Contains(logs, "sender=ct1.") {
		t.Fatalf("the text channels logged nothing countable:\n%.2000s", logs)
	}
	for _, n := range numbers {
		for _, f := range forms(n) {
			if i := strings.Index(dump.String(), f); i >= 0 {
				t.Errorf("the database holds %q: …%s…", f, dump.String()[max(0, i-200):i+50])
			}
			if i := strings.Index(logs, f); i >= 0 {
				t.Errorf("the log holds %q: …%s…", f, logs[max(0, i-200):i+50])
			}
		}
	}
	if !strings.Contains(dump.String(), "text_sessions") {
		t.Fatal("no session was stored: the canary proves nothing")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out")
}

func fxRequest(from, to, amount string) fx.Request {
	return fx.Request{SendCurrency: from, ReceiveCurrency: to, Amount: amount}
}

// TestTextChannelsOffByDefault: without their secrets every channel answers 404 and reads
// nothing.
func TestTextChannelsOffByDefault(t *testing.T) {
	a := apptest.New(t, nil)
	c := apitest.New(t, a.Server)
	for _, p := range []string{"/v1/channels/twilio", "/v1/channels/telegram", "/v1/channels/viber", "/v1/channels/text"} {
		if res := c.Do(http.MethodPost, p, `{}`); res.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404 while off", p, res.Status)
		}
	}
	rec := httptest.NewRecorder()
	a.Server.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/a/zzzzzz", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("unknown short link: %d", rec.Code)
	}
}

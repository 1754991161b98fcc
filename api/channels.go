package api

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/channels"
	"github.com/kawan-labs/kawan/textbot"
)

// ChannelsModule serves the text channels, each a thin adapter over the text engine and
// each off (404) until its secret is configured (docs/channels.md): the Twilio-style
// SMS/WhatsApp webhook (answer in TwiML), the Telegram bot webhook (answer as a sendMessage
// in the response), the Viber bot webhook (answer sent through the outbound client), and the
// JSON webhook for NGOs' gateways. A request whose signature does not verify is a 401 and
// nothing of it is read further. Logs carry counts and the sender's HMAC only.
type ChannelsModule struct {
	Engine *textbot.Engine
	// Seen records a platform message ID and reports whether it is new (replays are ignored).
	Seen func(ctx context.Context, key string, until time.Time) (bool, error)
	// Link resolves a short link code (/a/CODE) to its site path.
	Link           func(ctx context.Context, code string) (string, error)
	BaseURL        string
	TwilioToken    string
	TelegramSecret string
	ViberToken     string
	// Viber sends the Viber answers (nil: Viber off).
	Viber    *channels.Outbox
	Gateways map[string]string
	Log      *slog.Logger
	Now      func() time.Time

	// counts per channel: answered, limited (silent), refused (bad signature)
	answered, limited, refused atomic.Int64
}

// maxTextBody bounds a channel request body (a 5,000-character message fits).
const maxTextBody = 64 << 10

// maxGatewayText bounds the JSON webhook's text (longer: a validation error).
const maxGatewayText = 20_000

// Register adds the channel routes and the short links.
func (h *ChannelsModule) Register(r *Router) {
	if h.Log == nil {
		h.Log = slog.New(slog.DiscardHandler)
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	r.API(http.MethodPost, "/channels/twilio", h.twilio, Public)
	r.API(http.MethodPost, "/channels/telegram", h.telegram, Public)
	r.API(http.MethodPost, "/channels/viber", h.viber, Public)
	r.API(http.MethodPost, "/channels/text", h.gateway, Public)
	r.Page(http.MethodGet, "/a/:code", h.shortLink, Public)
}

func (h *ChannelsModule) body(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxTextBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, fmt.Errorf("api: channel body over %d bytes: %w", maxTextBody, kawan.ErrTooLarge)
	}
	if err != nil {
		return nil, kawan.Invalid("body", "could not be read")
	}
	return b, nil
}

func (h *ChannelsModule) refuse(channel string) error {
	n := h.refused.Add(1)
	h.Log.Warn("text channel request refused: signature", "channel", channel, "refused", n)
	return fmt.Errorf("api: the %s request's signature does not verify: %w", channel, kawan.ErrUnauthenticated)
}

func (h *ChannelsModule) off(channel string) error {
	return fmt.Errorf("api: the %s channel is not configured: %w", channel, kawan.ErrNotFound)
}

func (h *ChannelsModule) answer(ctx context.Context, m textbot.Message) (textbot.Reply, error) {
	r, err := h.Engine.Answer(ctx, m)
	if err != nil {
		return r, err
	}
	if r.Silent {
		// a flood is counted, not logged line by line
		if n := h.limited.Add(1); n%100 == 1 {
			h.Log.Info("text messages limited", "channel", m.Channel, "sender", r.SenderKey, "limited", n)
		}
		return r, nil
	}
	h.answered.Add(1)
	h.Log.Info("text message", "channel", m.Channel, "sender", r.SenderKey, "command", r.Command, "segments", r.Segments,
		"answered", h.answered.Load(), "limited", h.limited.Load())
	return r, nil
}

// twilio is the Twilio-style SMS and WhatsApp webhook: form-encoded From and Body, signed
// with X-Twilio-Signature over the public URL (KAWAN_BASE_URL and the request URI) and the
// form; the answer is TwiML.
func (h *ChannelsModule) twilio(c echo.Context) error {
	if h.TwilioToken == "" {
		return h.off("twilio")
	}
	sig := c.Request().Header.Get("X-Twilio-Signature")
	if sig == "" {
		return h.refuse("twilio")
	}
	raw, err := h.body(c)
	if err != nil {
		return err
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return h.refuse("twilio") // an unparsable form cannot carry a valid signature
	}
	if !channels.VerifyTwilio(h.TwilioToken, sig, h.BaseURL+c.Request().RequestURI, form) {
		return h.refuse("twilio")
	}
	from := form.Get("From")
	channel := "sms"
	if strings.HasPrefix(from, "whatsapp:") {
		channel = "whatsapp"
	}
	if _, err := auth.NormalizePhone(strings.TrimPrefix(from, "whatsapp:")); err != nil {
		return kawan.Invalid("From", "must be the sender's phone number (E.164), optionally prefixed whatsapp:")
	}
	r, err := h.answer(c.Request().Context(), textbot.Message{Channel: channel, Sender: from, Phone: true, Text: form.Get("Body")})
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(xml.Header)
	if r.Silent {
		b.WriteString("<Response/>")
	} else {
		b.WriteString("<Response><Message>")
		_ = xml.EscapeText(&b, []byte(r.Text))
		b.WriteString("</Message></Response>")
	}
	return c.Blob(http.StatusOK, "text/xml; charset=utf-8", []byte(b.String()))
}

type tgUpdate struct {
	UpdateID *int64 `json:"update_id"`
	Message  *struct {
		From *struct {
			ID           int64  `json:"id"`
			IsBot        bool   `json:"is_bot"`
			LanguageCode string `json:"language_code"`
		} `json:"from"`
		Chat struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chat"`
		Text string `json:"text"`
	} `json:"message"`
}

// telegram is the Telegram bot webhook: the secret token checked, each update_id answered
// once (a replayed update gets an empty 200), the answer returned as a sendMessage call.
func (h *ChannelsModule) telegram(c echo.Context) error {
	if h.TelegramSecret == "" {
		return h.off("telegram")
	}
	if !channels.VerifyTelegram(h.TelegramSecret, c.Request().Header.Get("X-Telegram-Bot-Api-Secret-Token")) {
		return h.refuse("telegram")
	}
	raw, err := h.body(c)
	if err != nil {
		return err
	}
	var u tgUpdate
	if err := json.Unmarshal(raw, &u); err != nil { // Telegram adds fields: unknown ones are ignored
		return kawan.Invalid("body", "must be a Telegram Update object")
	}
	if u.UpdateID == nil {
		return kawan.Invalid("update_id", "is required")
	}
	ctx := c.Request().Context()
	if u.Message == nil || u.Message.From == nil || u.Message.From.IsBot || u.Message.Chat.Type != "private" {
		return c.JSON(http.StatusOK, struct{}{}) // not a person's private message: nothing to answer
	}
	first, err := h.Seen(ctx, "tg|"+strconv.FormatInt(*u.UpdateID, 10), h.Now().Add(48*time.Hour))
	if err != nil {
		return err
	}
	if !first {
		h.Log.Info("text message replayed", "channel", "telegram")
		return c.JSON(http.StatusOK, struct{}{})
	}
	r, err := h.answer(ctx, textbot.Message{Channel: "telegram", Sender: strconv.FormatInt(u.Message.From.ID, 10),
		LangHint: u.Message.From.LanguageCode, Text: u.Message.Text})
	if err != nil {
		return err
	}
	if r.Silent {
		return c.JSON(http.StatusOK, struct{}{})
	}
	return c.JSON(http.StatusOK, map[string]any{"method": "sendMessage", "chat_id": u.Message.Chat.ID, "text": r.Text})
}

type viberCallback struct {
	Event        string `json:"event"`
	MessageToken *int64 `json:"message_token"`
	Sender       *struct {
		ID       string `json:"id"`
		Language string `json:"language"`
	} `json:"sender"`
	Message *struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"message"`
}

// viber is the Viber bot webhook: X-Viber-Content-Signature checked, each message_token
// answered once, the answer queued for the outbound client (the webhook answers at once).
func (h *ChannelsModule) viber(c echo.Context) error {
	if h.ViberToken == "" || h.Viber == nil {
		return h.off("viber")
	}
	raw, err := h.body(c)
	if err != nil {
		return err
	}
	if !channels.VerifyViber(h.ViberToken, c.Request().Header.Get("X-Viber-Content-Signature"), raw) {
		return h.refuse("viber")
	}
	var cb viberCallback
	if err := json.Unmarshal(raw, &cb); err != nil {
		return kawan.Invalid("body", "must be a Viber callback object")
	}
	if cb.Event != "message" || cb.Sender == nil || cb.Sender.ID == "" || cb.Message == nil || cb.MessageToken == nil {
		return c.JSON(http.StatusOK, struct{}{}) // webhook, subscribed, delivered, seen …: nothing to answer
	}
	if len(cb.Sender.ID) > 100 {
		return kawan.Invalid("sender.id", "must be at most 100 characters")
	}
	ctx := c.Request().Context()
	first, err := h.Seen(ctx, "viber|"+strconv.FormatInt(*cb.MessageToken, 10), h.Now().Add(48*time.Hour))
	if err != nil {
		return err
	}
	if !first {
		return c.JSON(http.StatusOK, struct{}{})
	}
	text := ""
	if cb.Message.Type == "text" {
		text = cb.Message.Text
	}
	r, err := h.answer(ctx, textbot.Message{Channel: "viber", Sender: cb.Sender.ID, Address: cb.Sender.ID, LangHint: cb.Sender.Language, Text: text})
	if err != nil {
		return err
	}
	if !r.Silent {
		h.Viber.Enqueue(cb.Sender.ID, r.Text)
	}
	return c.JSON(http.StatusOK, struct{}{})
}

type gatewayIn struct {
	From string `json:"from"`
	Text string `json:"text"`
}

type gatewayOut struct {
	Reply    string `json:"reply"`
	Silent   bool   `json:"silent"`
	Lang     string `json:"lang,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Segments int    `json:"segments"`
}

// gateway is the JSON webhook for NGOs' hotline software and SMS gateways: the gateway
// names itself (X-Kawan-Gateway) and signs the body (X-Kawan-Signature: t=…,v1=…); each
// signature is accepted once, within five minutes of its timestamp.
func (h *ChannelsModule) gateway(c echo.Context) error {
	if len(h.Gateways) == 0 {
		return h.off("text gateway")
	}
	secret := h.Gateways[c.Request().Header.Get("X-Kawan-Gateway")]
	sig := c.Request().Header.Get("X-Kawan-Signature")
	if secret == "" || sig == "" {
		return h.refuse("gateway")
	}
	raw, err := h.body(c)
	if err != nil {
		return err
	}
	ts, ok := channels.VerifyGateway(secret, sig, raw, h.Now())
	if !ok {
		return h.refuse("gateway")
	}
	ctx := c.Request().Context()
	c.Request().Body = io.NopCloser(bytes.NewReader(raw))
	var in gatewayIn
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	v := &kawan.ValidationError{}
	if _, err := auth.NormalizePhone(in.From); err != nil {
		v.Add("from", "must be the sender's phone number in E.164 form, like +9779800000001")
	}
	if len(in.Text) > maxGatewayText {
		v.Add("text", "must be at most %d bytes", maxGatewayText)
	}
	if err := v.Err(); err != nil {
		return err
	}
	first, err := h.Seen(ctx, "gw|"+channels.GatewaySignature(secret, ts, raw), time.Unix(ts, 0).Add(2*channels.GatewaySkew))
	if err != nil {
		return err
	}
	if !first {
		return fmt.Errorf("api: this signed request was already received: %w", kawan.ErrConflict)
	}
	if !utf8.ValidString(in.Text) {
		in.Text = strings.ToValidUTF8(in.Text, "")
	}
	r, err := h.answer(ctx, textbot.Message{Channel: "gateway", Sender: in.From, Phone: true, Text: in.Text})
	if err != nil {
		return err
	}
	out := gatewayOut{Reply: r.Text, Silent: r.Silent, Lang: r.Lang, Encoding: string(r.Encoding), Segments: r.Segments}
	return c.JSON(http.StatusOK, out)
}

// shortLink redirects a short link from a text answer to its page.
func (h *ChannelsModule) shortLink(c echo.Context) error {
	code := c.Param("code")
	if len(code) != 6 || !kawan.ValidSlug(code) || h.Link == nil {
		return fmt.Errorf("api: short link: %w", kawan.ErrNotFound)
	}
	target, err := h.Link(c.Request().Context(), code)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
		return fmt.Errorf("api: short link %s: %w", code, kawan.ErrNotFound)
	}
	return c.Redirect(http.StatusFound, target)
}

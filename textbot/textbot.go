// Package textbot is Kawan's text conversation engine: the licence check, agency look-up,
// cheapest transfer, emergency numbers and rights by SMS and chat. It reads one message,
// answers in the sender's language from the existing services (agencies, fx, help) and
// keeps a small per-sender session (language, the last numbered choices, the sender's
// country from the number's calling code) keyed by the keyed HMAC of the sender's number.
// The raw number is never stored or logged. It has no HTTP types: the channels (package
// api: Twilio-style SMS/WhatsApp, Telegram, Viber, the JSON gateway webhook) are thin
// adapters over Engine.Answer.
package textbot

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/help"
	"github.com/kawan-labs/kawan/store"
)

// Licences is what the engine needs of the agency registry.
type Licences interface {
	CheckLicence(ctx context.Context, regulator, number string) (agencies.LicenceCheck, error)
	Search(ctx context.Context, q agencies.SearchQuery) (agencies.SearchResult, error)
	Profile(ctx context.Context, id string) (agencies.Profile, error)
}

// Quotes is what the engine needs of the remittance comparison.
type Quotes interface {
	Compare(ctx context.Context, r fx.Request) (fx.Comparison, error)
}

// Help is what the engine needs of the help directory and rights pages.
type Help interface {
	Search(ctx context.Context, q help.Query) (help.Page, error)
	Emergency(destination string) []help.EmergencyNumber
	Rights(destination, lang string) (help.LocalRightsPage, error)
}

// Sessions stores the per-sender sessions and short links (store.TextSessions).
type Sessions interface {
	Session(ctx context.Context, key string, now time.Time) (store.TextSession, bool, error)
	PutSession(ctx context.Context, s store.TextSession) error
	PutLink(ctx context.Context, code, target string) (string, error)
	Follow(ctx context.Context, f store.TextFollow) error
	Unfollow(ctx context.Context, sender string) (int, error)
	FollowsOf(ctx context.Context, sender string) ([]store.TextFollow, error)
	PutCode(ctx context.Context, codeHash, sender string, expires time.Time) error
}

// SessionTTL is how long a session lives after the sender's last message.
const SessionTTL = 24 * time.Hour

// Options configure an Engine.
type Options struct {
	Licences Licences
	Quotes   Quotes
	Help     Help
	Sessions Sessions
	// History gives an agency's changes (FOLLOW remembers the newest at subscription).
	History func(ctx context.Context, id string, limit int) (string, error)
	// Hash is the keyed HMAC of a sender's number or platform ID (auth.Service.ContactHash).
	Hash func(sender string) string
	// BaseURL is the site's public URL; answers end with a short link under it (/a/CODE).
	BaseURL string
	// Every and Burst are the per-sender, per-channel rate limit (default one message per
	// 6 s, 5 at once).
	Every time.Duration
	Burst int
	// ChannelEvery and ChannelBurst limit each channel as a whole (default 100 messages a
	// second, 500 at once): past them messages are dropped silently, whoever sends them.
	ChannelEvery time.Duration
	ChannelBurst int
	Now          func() time.Time
	Log          *slog.Logger
}

// Message is one inbound text.
type Message struct {
	Channel string // "sms", "whatsapp", "telegram", "viber", "gateway"
	// Sender is the sender's phone number (Phone true) or platform user ID. It is hashed on
	// arrival and never kept.
	Sender string
	Phone  bool
	// Address is where a channel that sends can reach the sender later (a Telegram chat ID,
	// a Viber user ID; never a phone number); "" when the channel cannot send.
	Address string
	// LangHint is the language the platform reports (Telegram's language_code), if any.
	LangHint string
	Text     string
}

// Reply is the engine's answer.
type Reply struct {
	Text     string
	Lang     string
	Encoding Encoding
	Units    int
	Segments int
	Command  string
	// Silent: the sender is over the rate limit and was already told; send nothing.
	Silent bool
	// SenderKey is the sender's HMAC (what logs may show).
	SenderKey string
}

// Engine answers text messages.
type Engine struct {
	o     Options
	cat   *catalog
	lim   *limiter
	chans *limiter
	links sync.Map // target -> code
	nlink int64
	mu    sync.Mutex
}

// New returns an engine.
func New(o Options) (*Engine, error) {
	if o.Hash == nil {
		return nil, errors.New("textbot: Options.Hash is required (the raw number is never kept)")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Every <= 0 {
		o.Every = 6 * time.Second
	}
	if o.Burst <= 0 {
		o.Burst = 5
	}
	if o.ChannelEvery <= 0 {
		o.ChannelEvery = 10 * time.Millisecond
	}
	if o.ChannelBurst <= 0 {
		o.ChannelBurst = 500
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	cat, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	return &Engine{o: o, cat: cat, lim: newLimiter(rate.Every(o.Every), o.Burst),
		chans: newLimiter(rate.Every(o.ChannelEvery), o.ChannelBurst)}, nil
}

// SenderKey is the key a sender is known by (the keyed HMAC of the normalised number or
// "channel:id"): sessions, rate limits and logs use it, never the number.
func (e *Engine) SenderKey(m Message) string {
	return e.o.Hash(senderID(m))
}

func senderID(m Message) string {
	s := strings.TrimSpace(m.Sender)
	if m.Phone {
		// "whatsapp:+63…" and "+63 917…" are the same person's number
		if i := strings.LastIndexByte(s, ':'); i >= 0 {
			s = s[i+1:]
		}
		// the number as auth.NormalizePhone keeps it: a leading + and the digits
		var b strings.Builder
		for i, r := range s {
			if r >= '0' && r <= '9' || r == '+' && i == 0 {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	return m.Channel + ":" + s
}

// Answer reads one message and returns the answer. Errors are only the store's (the
// session could not be read); every input, however malformed, is an answer.
func (e *Engine) Answer(ctx context.Context, m Message) (Reply, error) {
	now := e.o.Now()
	key := e.SenderKey(m)
	out := Reply{SenderKey: key}
	if e.chans.allow(m.Channel, now) != limitOK {
		out.Silent, out.Command = true, "limited"
		return out, nil
	}
	switch e.lim.allow(m.Channel+"|"+key, now) {
	case limitSilent:
		out.Silent, out.Command = true, "limited"
		e.o.Log.Debug("text message limited", "channel", m.Channel, "sender", key)
		return out, nil
	case limitWarn:
		s, _, _ := e.o.Sessions.Session(ctx, key, now)
		lang := e.language(s, m, "")
		return e.finish(out, "limited", lang, e.cat.t(lang, "limited"), ""), nil
	}
	s, found, err := e.o.Sessions.Session(ctx, key, now)
	if err != nil {
		return Reply{}, err
	}
	if !found {
		s = store.TextSession{Key: key}
		if m.Phone {
			s.Country = CountryOfNumber(m.Sender)
		}
	}
	before := s
	beforeChoices := strings.Join(s.Choices, ",")
	cmd := Parse(m.Text)
	lang := e.language(s, m, cmd.Script)
	a := e.run(ctx, &s, m, cmd, lang)
	if s.Lang != before.Lang {
		lang = s.Lang
	}
	if !found || s.Lang != before.Lang || strings.Join(s.Choices, ",") != beforeChoices || s.Address != before.Address ||
		s.ExpiresAt.Sub(now) < SessionTTL-time.Hour {
		s.UpdatedAt, s.ExpiresAt = now.UTC(), now.Add(SessionTTL).UTC()
		s.Count++
		if err := e.o.Sessions.PutSession(ctx, s); err != nil {
			e.o.Log.Warn("text session not saved", "sender", key, "err", err)
		}
	}
	out = e.finish(out, cmd.Kind, a.lang(lang), a.text, a.link)
	e.o.Log.Debug("text message answered", "channel", m.Channel, "sender", key, "command", cmd.Kind, "segments", out.Segments)
	return out, nil
}

func (e *Engine) finish(out Reply, cmd, lang, body, link string) Reply {
	out.Text = Fit(body, link)
	out.Lang, out.Command = lang, cmd
	out.Encoding, out.Units, out.Segments = Measure(out.Text)
	return out
}

// language picks the answer's language: the one the sender chose (LANG), the script of
// this message, the platform's hint, the language of the number's country, English.
func (e *Engine) language(s store.TextSession, m Message, script string) string {
	if s.Lang != "" {
		return s.Lang
	}
	if script != "" {
		return script
	}
	if l := lang(strings.ToLower(strings.SplitN(m.LangHint, "-", 2)[0])); l != "" {
		return l
	}
	if l := countryLang[s.Country]; l != "" {
		return l
	}
	return "en"
}

// link returns the short link to a site path (BaseURL/a/CODE), or the full URL when the
// code cannot be stored.
func (e *Engine) link(ctx context.Context, path string) string {
	if v, ok := e.links.Load(path); ok {
		return e.o.BaseURL + "/a/" + v.(string)
	}
	sum := sha256.Sum256([]byte(path))
	code := strings.ToLower(base32.StdEncoding.EncodeToString(sum[:])[:6])
	got, err := e.o.Sessions.PutLink(ctx, code, path)
	if err != nil || got != path {
		return e.o.BaseURL + path
	}
	e.mu.Lock()
	if e.nlink++; e.nlink > 50_000 {
		e.links.Clear()
		e.nlink = 0
	}
	e.mu.Unlock()
	e.links.Store(path, code)
	return e.o.BaseURL + "/a/" + code
}

// limiter is the per-sender, per-channel token bucket: over the limit, the sender is told
// once, then ignored until a token is free again.
type limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*bucket
}

type bucket struct {
	l      *rate.Limiter
	warned bool
}

const (
	limitOK = iota
	limitWarn
	limitSilent
)

func newLimiter(every rate.Limit, burst int) *limiter {
	return &limiter{every: every, burst: burst, buckets: map[string]*bucket{}}
}

func (l *limiter) allow(key string, now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= 100_000 {
			clear(l.buckets)
		}
		b = &bucket{l: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	if b.l.AllowN(now, 1) {
		b.warned = false
		return limitOK
	}
	if b.warned {
		return limitSilent
	}
	b.warned = true
	return limitWarn
}

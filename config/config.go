// Package config reads Kawan's configuration from environment variables into one
// validated struct that main hands to constructors; nothing reads the environment elsewhere.
package config

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/fx"
)

// Config is the whole runtime configuration.
type Config struct {
	Addr           string
	DataDir        string
	MongoURI       string // empty: start the embedded FerretDB
	MongoDatabase  string
	MeiliURL       string // empty: embedded Bleve
	MeiliAPIKey    string
	Feeds          []string // empty: the bundled demo feeds
	FeedInterval   time.Duration
	FXBounds       fx.DeviationBounds // KAWAN_FX_MAX_DEVIATION
	Demo           bool
	TrustedProxies []*net.IPNet
	LogLevel       slog.Level
	BodyLimit      int64
	BaseURL        string

	// RegistrySources are the regulators' lists fetched on a schedule (KAWAN_REGISTRY_SOURCES;
	// empty: none, the registry changes only by import). RegistryInterval is how often.
	RegistrySources  []RegistrySource
	RegistryInterval time.Duration

	// Moderation: fraud-score thresholds (0..1) and the flags that put a review under review.
	ModerationHoldAt  float64
	ModerationWatchAt float64
	ModerationFlags   int
	// ModerationQueueCache is how long a queue listing may reuse this process's last read.
	ModerationQueueCache time.Duration
	// JWTKeys are base64 Ed25519 seeds, first one signing (empty: keys under DataDir/keys).
	JWTKeys string
	// FingerprintKey keys the client fingerprints (empty: a key under DataDir/keys).
	FingerprintKey string
	// StatsK is the k of k-anonymity for published statistics: every published cell has at
	// least StatsK distinct contributors (stats/).
	StatsK int
	// StatsRefresh is how often the open-data statistics are recomputed.
	StatsRefresh time.Duration

	// Text channels (docs/channels.md), each off while its secret is unset.
	// TwilioAuthToken verifies the Twilio-style SMS/WhatsApp webhook's X-Twilio-Signature.
	TwilioAuthToken string
	// TelegramSecret is the Telegram webhook's secret_token (X-Telegram-Bot-Api-Secret-Token).
	TelegramSecret string
	// ViberToken is the Viber bot's auth token (inbound signature and outbound sends) and
	// ViberAPIURL the Viber REST API base the answers are sent to.
	ViberToken  string
	ViberAPIURL string
	// TextGateways are the JSON gateway webhook's clients: name -> signing secret.
	TextGateways map[string]string
	// TextRateEvery and TextRateBurst are the per-sender, per-channel rate limit.
	TextRateEvery time.Duration
	TextRateBurst int

	// StoreMonitor, when set, observes every database command (tests and benchmarks count
	// operations with it; not read from the environment).
	StoreMonitor *event.CommandMonitor
}

// Option documents one environment variable: its name, default and meaning, and how it is parsed.
type Option struct {
	Name    string
	Default string
	Help    string
	parse   func(c *Config, v string) error
}

// Options is the table of every environment variable Kawan reads, in the order `kawan --help` lists them.
var Options = []Option{
	{"KAWAN_ADDR", "127.0.0.1:8080", "address the HTTP server listens on (host:port)", func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("want host:port: %v", err)
		}
		c.Addr = v
		return nil
	}},
	{"KAWAN_DATA_DIR", "./data", "directory for the embedded database, search index and keys", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("must not be empty")
		}
		c.DataDir = v
		return nil
	}},
	{"MONGODB_URI", "", "MongoDB connection string; unset starts an embedded FerretDB under the data directory", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "mongodb" && u.Scheme != "mongodb+srv") || u.Host == "" {
			return fmt.Errorf("want mongodb://host[:port][/db][?options] or mongodb+srv://")
		}
		c.MongoURI = v
		return nil
	}},
	{"MONGODB_DATABASE", "kawan", "database name", func(c *Config, v string) error {
		if v == "" || strings.ContainsAny(v, "/\\. \"$") || len(v) > 63 {
			return fmt.Errorf("want a MongoDB database name (no / \\ . space \" $, at most 63 characters)")
		}
		c.MongoDatabase = v
		return nil
	}},
	{"MEILI_URL", "", "Meilisearch URL; unset uses the embedded Bleve index under the data directory", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("want an http(s) URL")
		}
		c.MeiliURL = v
		return nil
	}},
	{"MEILI_API_KEY", "", "Meilisearch API key", func(c *Config, v string) error { c.MeiliAPIKey = v; return nil }},
	{"KAWAN_FEEDS", "", "comma-separated feed sources (directories, files, http(s) URLs, or demo for the bundled fictional feeds); unset uses the bundled demo feeds", func(c *Config, v string) error {
		c.Feeds = nil
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if strings.Contains(s, "://") {
				u, err := url.Parse(s)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return fmt.Errorf("%q: want a directory, a file or an http(s) URL", s)
				}
			}
			c.Feeds = append(c.Feeds, s)
		}
		return nil
	}},
	{"KAWAN_FEED_INTERVAL", "15m", "how often feeds are refreshed (Go duration, at least 10s)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 10*time.Second {
			return fmt.Errorf("want a duration of at least 10s, like 15m")
		}
		c.FeedInterval = d
		return nil
	}},
	{"KAWAN_FX_MAX_DEVIATION", "", "how far (percent) an offered rate may be from the mid-market rate before its corridor is quarantined as a suspicious rate: " +
		"comma-separated CORRIDOR=PERCENT like AED-SDG=35, and *=PERCENT for every other corridor (default 15)", func(c *Config, v string) error {
		var err error
		c.FXBounds, err = fx.ParseDeviationBounds(v)
		return err
	}},
	{"KAWAN_REGISTRY_SOURCES", "", "comma-separated regulator lists fetched on a schedule, each PROFILE[:REGULATOR]=LOCATION: an import profile " +
		"(kawan import --help lists them), the regulator code when the profile has none (generic), and an http(s) URL or a file; unset: none", func(c *Config, v string) error {
		var err error
		c.RegistrySources, err = ParseRegistrySources(v)
		return err
	}},
	{"KAWAN_REGISTRY_INTERVAL", "6h", "how often registry sources are fetched (Go duration, 1m to 168h)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 168*time.Hour {
			return fmt.Errorf("want a duration from 1m to 168h, like 6h")
		}
		c.RegistryInterval = d
		return nil
	}},
	{"KAWAN_DEMO", "true", "load the fictional demo data on first start (true/false)", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		c.Demo = b
		return nil
	}},
	{"KAWAN_TRUSTED_PROXIES", "", "comma-separated CIDRs whose X-Forwarded-For is believed; default none", func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			_, n, err := net.ParseCIDR(s)
			if err != nil {
				return fmt.Errorf("%q is not a CIDR like 10.0.0.0/8", s)
			}
			c.TrustedProxies = append(c.TrustedProxies, n)
		}
		return nil
	}},
	{"KAWAN_JWT_KEYS", "", "comma-separated base64 Ed25519 seeds that sign access tokens, first one signing; every process must share them; unset keeps rotating keys under the data directory", func(c *Config, v string) error {
		for i, part := range strings.Split(v, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			if !validSeed(part) {
				return fmt.Errorf("entry %d: want a base64 32-byte seed (e.g. openssl rand -base64 32)", i+1)
			}
		}
		c.JWTKeys = v
		return nil
	}},
	{"KAWAN_FINGERPRINT_KEY", "", "secret (at least 32 characters) keying the client fingerprints; every process must share it; unset keeps one under the data directory", func(c *Config, v string) error {
		if v != "" && len(v) < 32 {
			return fmt.Errorf("want at least 32 characters")
		}
		c.FingerprintKey = v
		return nil
	}},
	{"KAWAN_LOG_LEVEL", "info", "log level: debug, info, warn or error", func(c *Config, v string) error {
		return c.LogLevel.UnmarshalText([]byte(v))
	}},
	{"KAWAN_BODY_LIMIT", "65536", "largest accepted request body in bytes (admin uploads have their own limit)", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 || n > 64<<20 {
			return fmt.Errorf("want a whole number of bytes between 1024 and 67108864")
		}
		c.BodyLimit = n
		return nil
	}},
	{"KAWAN_BASE_URL", "", "public URL of the site, used in links; default http://KAWAN_ADDR", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("want an http(s) URL")
		}
		c.BaseURL = strings.TrimRight(v, "/")
		return nil
	}},
	// moderation
	{"KAWAN_MODERATION_HOLD_AT", "0.7", "fraud score (0 to 1) at or above which a new review is held for a moderator", func(c *Config, v string) error {
		return parseScore(v, &c.ModerationHoldAt)
	}},
	{"KAWAN_MODERATION_WATCH_AT", "0.5", "fraud score at or above which a published review is queued for a check (at or above the hold score: never)", func(c *Config, v string) error {
		return parseScore(v, &c.ModerationWatchAt)
	}},
	{"KAWAN_MODERATION_FLAGS", "3", "flags by distinct accounts that put a published review under review (1 to 100)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return fmt.Errorf("want a whole number from 1 to 100")
		}
		c.ModerationFlags = n
		return nil
	}},
	{"KAWAN_MODERATION_QUEUE_CACHE", "1s", "how long one process reuses its read of the moderation queue for listings (0: read it every time; at most 1m); items a moderator decides leave at once, new ones appear within this", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Minute {
			return fmt.Errorf("want a duration from 0s to 1m")
		}
		c.ModerationQueueCache = d
		return nil
	}},
	// ---- stats and help options ----
	{"KAWAN_STATS_K", "10", "k-anonymity threshold of the open-data statistics: every published cell has at least k distinct contributors (5 to 1000)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 1000 {
			return fmt.Errorf("want a whole number from 5 to 1000")
		}
		c.StatsK = n
		return nil
	}},
	{"KAWAN_STATS_REFRESH", "15m", "how often the open-data statistics are recomputed (Go duration, 1m to 24h)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 24*time.Hour {
			return fmt.Errorf("want a duration from 1m to 24h, like 15m")
		}
		c.StatsRefresh = d
		return nil
	}},
	// ---- text channels options ----
	{"KAWAN_TWILIO_AUTH_TOKEN", "", "Twilio auth token: turns on the SMS/WhatsApp webhook POST /v1/channels/twilio and verifies its X-Twilio-Signature; unset: off", func(c *Config, v string) error {
		if v != "" && (len(v) < 16 || strings.ContainsAny(v, " ,")) {
			return fmt.Errorf("want the account's auth token (at least 16 characters, no spaces)")
		}
		c.TwilioAuthToken = v
		return nil
	}},
	{"KAWAN_TELEGRAM_SECRET", "", "the secret_token the Telegram bot's webhook was set with: turns on POST /v1/channels/telegram; unset: off", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if len(v) < 16 || len(v) > 256 || strings.ContainsFunc(v, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
		}) {
			return fmt.Errorf("want 16 to 256 of A-Z, a-z, 0-9, _ and - (Telegram's secret_token alphabet)")
		}
		c.TelegramSecret = v
		return nil
	}},
	{"KAWAN_VIBER_TOKEN", "", "Viber bot auth token: turns on POST /v1/channels/viber (signature checked with it) and the answers sent through the Viber API; unset: off", func(c *Config, v string) error {
		if v != "" && (len(v) < 16 || strings.ContainsAny(v, " ,")) {
			return fmt.Errorf("want the bot's auth token (at least 16 characters, no spaces)")
		}
		c.ViberToken = v
		return nil
	}},
	{"KAWAN_VIBER_API_URL", "https://chatapi.viber.com/pa", "Viber REST API base that answers are sent to (send_message)", func(c *Config, v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("want an http(s) URL")
		}
		c.ViberAPIURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"KAWAN_TEXT_GATEWAYS", "", "clients of the JSON text webhook POST /v1/channels/text, comma-separated NAME=SECRET (name: a-z, 0-9, -; secret: at least 32 characters) signing X-Kawan-Signature; unset: off", func(c *Config, v string) error {
		c.TextGateways = nil
		for i, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			name, secret, ok := strings.Cut(part, "=")
			if !ok || !validProfileName(name) || len(secret) < 32 {
				return fmt.Errorf("entry %d: want NAME=SECRET, the name of a-z, 0-9 and -, the secret at least 32 characters", i+1)
			}
			if c.TextGateways == nil {
				c.TextGateways = map[string]string{}
			}
			if _, dup := c.TextGateways[name]; dup {
				return fmt.Errorf("entry %d: gateway %q is listed twice", i+1, name)
			}
			c.TextGateways[name] = secret
		}
		return nil
	}},
	{"KAWAN_TEXT_RATE_EVERY", "6s", "text channels: one message per this duration per sender and channel on average (Go duration, 1s to 1h)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			return fmt.Errorf("want a duration from 1s to 1h, like 6s")
		}
		c.TextRateEvery = d
		return nil
	}},
	{"KAWAN_TEXT_RATE_BURST", "5", "text channels: messages per sender and channel at once before the rate applies (1 to 100)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return fmt.Errorf("want a whole number from 1 to 100")
		}
		c.TextRateBurst = n
		return nil
	}},
}

// RegistrySource is one KAWAN_REGISTRY_SOURCES entry.
type RegistrySource struct {
	Profile   string // import profile name (checked against the profiles when the registry is wired)
	Regulator string // regulator code for profiles without one; "" otherwise
	Location  string // http(s) URL or file path
}

// ParseRegistrySources reads a KAWAN_REGISTRY_SOURCES value: comma-separated
// PROFILE[:REGULATOR]=LOCATION entries, each location at most once.
func ParseRegistrySources(v string) ([]RegistrySource, error) {
	var out []RegistrySource
	seen := map[string]bool{}
	for i, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		head, loc, ok := strings.Cut(s, "=")
		head, loc = strings.TrimSpace(head), strings.TrimSpace(loc)
		if !ok || head == "" || loc == "" {
			return nil, fmt.Errorf("entry %d: want PROFILE[:REGULATOR]=URL-or-file, like ph-dmw=https://example.org/registry.json", i+1)
		}
		prof, reg, _ := strings.Cut(head, ":")
		if !validProfileName(prof) {
			return nil, fmt.Errorf("entry %d: %q is not a profile name (lower-case letters, digits and -)", i+1, prof)
		}
		if reg != "" {
			code, ok := kawan.NormalizeRegulator(reg)
			if !ok {
				return nil, fmt.Errorf("entry %d: %q is not a known regulator code", i+1, reg)
			}
			reg = code
		}
		if strings.Contains(loc, "://") {
			u, err := url.Parse(loc)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, fmt.Errorf("entry %d: want an http(s) URL or a file path", i+1)
			}
		}
		if seen[loc] {
			return nil, fmt.Errorf("entry %d: this location is already listed", i+1)
		}
		seen[loc] = true
		if len(out) >= 100 {
			return nil, fmt.Errorf("at most 100 registry sources")
		}
		out = append(out, RegistrySource{Profile: prof, Regulator: reg, Location: loc})
	}
	return out, nil
}

func validProfileName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// parseScore parses a fraud-score threshold: a decimal from 0 to 1 (a score, not money).
func parseScore(v string, dst *float64) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 || f != f {
		return fmt.Errorf("want a number from 0 to 1, like 0.5")
	}
	*dst = f
	return nil
}

func validSeed(s string) bool {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return true
		}
	}
	return false
}

// Error is a configuration error naming the variable.
type Error struct {
	Name  string
	Value string
	Err   error
}

func (e *Error) Error() string {
	return fmt.Sprintf("config: %s=%q: %v", e.Name, e.Value, e.Err)
}

// Load builds a Config from getenv (os.Getenv in main, a map in tests). Unset or empty
// variables take their defaults. The first bad value is returned as an *Error.
func Load(getenv func(string) string) (*Config, error) {
	c := &Config{}
	for _, o := range Options {
		v := getenv(o.Name)
		if v == "" {
			v = o.Default
		}
		if err := o.parse(c, v); err != nil {
			shown := v
			if strings.Contains(o.Name, "KEY") || strings.Contains(o.Name, "URI") || strings.Contains(o.Name, "SOURCES") ||
				strings.Contains(o.Name, "TOKEN") || strings.Contains(o.Name, "SECRET") || strings.Contains(o.Name, "GATEWAYS") {
				shown = "(hidden)"
			}
			return nil, &Error{Name: o.Name, Value: shown, Err: err}
		}
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	return c, nil
}

// Default returns the configuration with every default applied.
func Default() *Config {
	c, err := Load(func(string) string { return "" })
	if err != nil {
		panic(err) // the defaults are constants; a failure is a programming error caught by tests
	}
	return c
}

// Usage returns the help text listing every variable.
func Usage() string {
	var b strings.Builder
	b.WriteString("Environment variables:\n")
	for _, o := range Options {
		def := o.Default
		if def == "" {
			def = "(unset)"
		}
		fmt.Fprintf(&b, "  %-22s %s\n  %-22s default: %s\n", o.Name, o.Help, "", def)
	}
	return b.String()
}

package config_test

import (
	"errors"
	"testing"

	"github.com/kawan-labs/kawan/config"
)

// FuzzLoad gives every variable an arbitrary value: Load must never panic, and a refusal
// is a *config.Error naming a variable from the table.
func FuzzLoad(f *testing.F) {
	f.Add("KAWAN_ADDR", "127.0.0.1:0")
	f.Add("KAWAN_FEEDS", "https://feeds.example/a.json, ./dir ,ftp://x")
	f.Add("MONGODB_URI", "mongodb://user:pass@host/db?x=1")
	f.Add("KAWAN_TRUSTED_PROXIES", "10.0.0.0/8,::1/128,nonsense")
	f.Add("KAWAN_BODY_LIMIT", "99999999999999999999")
	f.Add("KAWAN_FEED_INTERVAL", "-1h")
	f.Add("KAWAN_LOG_LEVEL", "\xff")
	f.Fuzz(func(t *testing.T, name, value string) {
		known := map[string]bool{}
		for _, o := range config.Options {
			known[o.Name] = true
		}
		if !known[name] && len(config.Options) > 0 {
			name = config.Options[len(name)%len(config.Options)].Name
		}
		_, err := config.Load(func(k string) string {
			if k == name {
				return value
			}
			return ""
		})
		if err == nil {
			return
		}
		var ce *config.Error
		if !errors.As(err, &ce) || !known[ce.Name] {
			t.Fatalf("%s=%q: error %v does not name a variable", name, value, err)
		}
	})
}

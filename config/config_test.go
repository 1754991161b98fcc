package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c := Default()
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.MongoDatabase != "kawan" || !c.Demo || c.FeedInterval != 15*time.Minute {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.MongoURI != "" || c.MeiliURL != "" || len(c.TrustedProxies) != 0 || c.BodyLimit != 65536 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.ModerationHoldAt != 0.7 || c.ModerationWatchAt != 0.5 || c.ModerationFlags != 3 {
		t.Fatalf("unexpected moderation defaults: %+v", c)
	}
}

func TestBadValues(t *testing.T) {
	cases := map[string]string{
		"KAWAN_ADDR":                "nonsense",
		"MONGODB_URI":               "postgres://x",
		"MONGODB_DATABASE":          "a/b",
		"MEILI_URL":                 "ftp://x",
		"KAWAN_FEEDS":               "ftp://x/y",
		"KAWAN_FEED_INTERVAL":       "1s",
		"KAWAN_DEMO":                "maybe",
		"KAWAN_TRUSTED_PROXIES":     "10.0.0.1",
		"KAWAN_LOG_LEVEL":           "loud",
		"KAWAN_BODY_LIMIT":          "12",
		"KAWAN_BASE_URL":            "example.org",
		"KAWAN_MODERATION_HOLD_AT":  "1.5",
		"KAWAN_MODERATION_WATCH_AT": "x",
		"KAWAN_MODERATION_FLAGS":    "0",
		"KAWAN_STATS_K":             "2",
		"KAWAN_STATS_REFRESH":       "5s",
		"KAWAN_REGISTRY_SOURCES":    "ph-dmw=ftp://x/y",
		"KAWAN_REGISTRY_INTERVAL":   "10s",
	}
	for name, val := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(func(k string) string {
				if k == name {
					return val
				}
				return ""
			})
			var ce *Error
			if !errors.As(err, &ce) || ce.Name != name {
				t.Fatalf("want config error naming %s, got %v", name, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error must be one line: %q", err)
			}
		})
	}
}

func TestURIHiddenInErrors(t *testing.T) {
	_, err := Load(func(k string) string {
		if k == "MONGODB_URI" {
			return "mysql://user:secret@host"
		}
		return ""
	})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("error must not echo the URI: %v", err)
	}
}

func TestGoodValues(t *testing.T) {
	env := map[string]string{
		"KAWAN_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.0.0/16",
		"KAWAN_FEEDS":           "./feeds, https://example.org/f.json",
		"MONGODB_URI":           "mongodb://localhost:27017/?replicaSet=rs0",
		"KAWAN_LOG_LEVEL":       "debug",
	}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 2 || len(c.Feeds) != 2 || c.MongoURI == "" {
		t.Fatalf("got %+v", c)
	}
}

func TestUsageListsEveryOption(t *testing.T) {
	u := Usage()
	for _, o := range Options {
		if !strings.Contains(u, o.Name) {
			t.Errorf("usage lacks %s", o.Name)
		}
	}
}

func TestStatsOptions(t *testing.T) {
	c := Default()
	if c.StatsK != 10 || c.StatsRefresh != 15*time.Minute {
		t.Fatalf("stats defaults: k=%d refresh=%v", c.StatsK, c.StatsRefresh)
	}
	c, err := Load(func(k string) string {
		return map[string]string{"KAWAN_STATS_K": "25", "KAWAN_STATS_REFRESH": "1h"}[k]
	})
	if err != nil || c.StatsK != 25 || c.StatsRefresh != time.Hour {
		t.Fatalf("stats options: %+v %v", c, err)
	}
	for _, bad := range []string{"4", "1001", "ten", "-10"} {
		if _, err := Load(func(k string) string {
			if k == "KAWAN_STATS_K" {
				return bad
			}
			return ""
		}); err == nil {
			t.Errorf("KAWAN_STATS_K=%s accepted", bad)
		}
	}
}

func TestRegistrySources(t *testing.T) {
	got, err := ParseRegistrySources(" ph-dmw=https://example.org/registry.json?page=1 , generic:mm-mol=/srv/lists/mm.csv,")
	if err != nil {
		t.Fatal(err)
	}
	want := []RegistrySource{{"ph-dmw", "", "https://example.org/registry.json?page=1"}, {"generic", "MM-MOL", "/srv/lists/mm.csv"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"ph-dmw", "=x.csv", "PH DMW=x.csv", "generic:XX-NONE=x.csv", "ph-dmw=gopher://x", "a=x.csv,b=x.csv"} {
		if _, err := ParseRegistrySources(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	_, err = Load(func(k string) string {
		if k == "KAWAN_REGISTRY_SOURCES" {
			return "ph-dmw=https://user:secret@host/x?token=secret,bad"
		}
		return ""
	})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("error must not echo the sources (they may hold tokens): %v", err)
	}
	if c := Default(); len(c.RegistrySources) != 0 || c.RegistryInterval != 6*time.Hour {
		t.Fatalf("defaults: %+v %v", c.RegistrySources, c.RegistryInterval)
	}
}

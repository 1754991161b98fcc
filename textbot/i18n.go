package textbot

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

// The engine's strings, one file per language in the frontend's catalog format (sorted
// JSON, machine translations marked "needs-review" in description). English is the source;
// textbot/testdata/catalog.py writes them.
//
//go:embed locales/*.json
var localeFS embed.FS

type catalog struct {
	msgs map[string]map[string]string // lang -> id -> text
}

func loadCatalog() (*catalog, error) {
	c := &catalog{msgs: map[string]map[string]string{}}
	for _, l := range Languages {
		data, err := localeFS.ReadFile("locales/active." + l + ".json")
		if err != nil {
			return nil, fmt.Errorf("textbot: catalog %s: %w", l, err)
		}
		var raw map[string]struct {
			Other string `json:"other"`
		}
		if err := json.Unmarshal(data, &raw); err != nil {
			return nil, fmt.Errorf("textbot: catalog %s: %w", l, err)
		}
		m := make(map[string]string, len(raw))
		for id, v := range raw {
			m[id] = v.Other
		}
		c.msgs[l] = m
	}
	return c, nil
}

// t returns message id in lang (English when lang lacks it) with {key} placeholders
// replaced by the values of kv (key, value, key, value …).
func (c *catalog) t(lang, id string, kv ...string) string {
	s, ok := c.msgs[lang][id]
	if !ok {
		if s, ok = c.msgs["en"][id]; !ok {
			return id
		}
	}
	if len(kv) == 0 || !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 32)
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		key := s[i+1 : i+j]
		found := false
		for k := 0; k+1 < len(kv); k += 2 {
			if kv[k] == key {
				b.WriteString(kv[k+1])
				found = true
				break
			}
		}
		if !found {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
	return b.String()
}

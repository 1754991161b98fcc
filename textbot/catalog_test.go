package textbot_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kawan-labs/kawan/textbot"
)

var placeholderRE = regexp.MustCompile(`\{[a-z]+\}`)

// TestCatalogComplete: every language has every English message, with the same
// placeholders, marked as a machine translation until a native speaker checks it, and the
// files are sorted JSON with a 1-space indent (as catalog.py writes them).
func TestCatalogComplete(t *testing.T) {
	type msg struct {
		Description string `json:"description"`
		Other       string `json:"other"`
	}
	load := func(lang string) (map[string]msg, []byte) {
		raw, err := os.ReadFile(filepath.Join("locales", "active."+lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]msg
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m, raw
	}
	en, _ := load("en")
	for _, l := range textbot.Languages {
		cat, raw := load(l)
		var generic map[string]any
		_ = json.Unmarshal(raw, &generic)
		var again strings.Builder
		enc := json.NewEncoder(&again)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", " ")
		if err := enc.Encode(generic); err != nil || again.String() != string(raw) {
			t.Errorf("%s: not sorted 1-space JSON (run textbot/testdata/catalog.py)", l)
		}
		for id, e := range en {
			m, ok := cat[id]
			if !ok || m.Other == "" {
				t.Errorf("%s: no %s", l, id)
				continue
			}
			want, got := placeholderRE.FindAllString(e.Other, -1), placeholderRE.FindAllString(m.Other, -1)
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(want, got) {
				t.Errorf("%s %s: placeholders %v, English has %v", l, id, got, want)
			}
			if l != "en" && m.Description != "needs-review: machine translation, not yet checked by a native speaker" {
				t.Errorf("%s %s: not marked as a machine translation", l, id)
			}
		}
		for id := range cat {
			if _, ok := en[id]; !ok {
				t.Errorf("%s: %s is not in English", l, id)
			}
		}
	}
}

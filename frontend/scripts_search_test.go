package frontend_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestSearchInTheReadersScript: the agency search page finds agencies by names and
// synonyms typed in Devanagari, Burmese and Thai (search.QueryText).
func TestSearchInTheReadersScript(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	ids := s.seedAgencies(t)
	for q, lang := range map[string]string{"हिमालय म्यानपावर": "ne", "မန်ပါဝါ": "my", "แมนพาวเวอร์": "th"} {
		p := s.get(nil, "/agencies?lang="+lang+"&q="+url.QueryEscape(q))
		if !strings.Contains(p.body, `href="/agencies/`+ids.himalaya+`"`) {
			t.Errorf("%s (%s) does not find Himalaya Manpower", q, lang)
		}
	}
	if p := s.get(nil, "/agencies?lang=ne&q="+url.QueryEscape("हिमालय म्यानपावर")); strings.Contains(p.body, `href="/agencies/`+ids.bayanihan+`"`) {
		t.Error("हिमालय म्यानपावर also finds Bayanihan Placement")
	}
}

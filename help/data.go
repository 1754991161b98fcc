package help

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/kawan-labs/kawan"
)

// SampleDirectory is the directory file shipped in the repo: SAMPLE DATA, fictional.
//
//go:embed data/directory.json
var SampleDirectory []byte

//go:embed data/rights.json
var sampleRights []byte

// SampleEntries parses the shipped sample directory.
func SampleEntries(now time.Time) ([]Entry, error) {
	f, err := ParseFile(SampleDirectory, now)
	if err != nil {
		return nil, fmt.Errorf("help: sample directory: %w", err)
	}
	return f.Entries, nil
}

// Seed writes the sample directory into the store (demo data). Entries that already
// exist are replaced only while they are still sample entries.
func (s *Service) Seed(ctx context.Context) (int, error) {
	es, err := SampleEntries(s.opt.Now())
	if err != nil {
		return 0, err
	}
	all, err := s.load(ctx)
	if err != nil {
		return 0, err
	}
	keep := map[string]bool{}
	for _, e := range all {
		if !e.Sample {
			keep[e.ID] = true
		}
	}
	n := 0
	defer s.invalidate()
	for _, e := range es {
		if keep[e.ID] {
			continue
		}
		e.UpdatedAt = s.opt.Now().UTC().Truncate(time.Millisecond)
		if _, err := s.st.PutHelpEntry(ctx, e); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RightsFile is the "know your rights" content (help/data/rights.json).
type RightsFile struct {
	Format string       `json:"format"` // "kawan.rights/v1"
	Sample bool         `json:"sample"`
	Notice string       `json:"notice"`
	Pages  []RightsPage `json:"pages"`
}

// RightsPage is the short, plain-language rights of workers going to one destination.
type RightsPage struct {
	ID          string            `json:"id"`
	Destination string            `json:"destination"`
	Origins     []string          `json:"origins"`
	Title       map[string]string `json:"title"` // by language; "en" always present
	Sections    []RightsSection   `json:"sections"`
	LastChecked string            `json:"last_checked"`
}

// RightsSection is one topic of a rights page.
type RightsSection struct {
	Topic   string            `json:"topic"`
	Text    map[string]string `json:"text"` // by language; "en" always present
	Sources []Source          `json:"sources"`
}

// RightsTopics are the topics a rights page covers.
var RightsTopics = []string{"recruitment_fees", "passport", "contract", "wages", "complaints"}

// SampleRights parses and checks the shipped rights pages.
func SampleRights() (*RightsFile, error) {
	var f RightsFile
	dec := json.NewDecoder(bytes.NewReader(sampleRights))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("help: rights file: %w", err)
	}
	if f.Format != "kawan.rights/v1" {
		return nil, fmt.Errorf("help: rights file: format %q", f.Format)
	}
	for _, p := range f.Pages {
		if !ValidCountry(p.Destination) || p.Title["en"] == "" || len(p.Sections) == 0 {
			return nil, fmt.Errorf("help: rights page %q: needs a destination, an English title and sections", p.ID)
		}
		if _, err := time.Parse(time.DateOnly, p.LastChecked); err != nil {
			return nil, fmt.Errorf("help: rights page %q: last_checked: %w", p.ID, err)
		}
		for _, s := range p.Sections {
			if !slices.Contains(RightsTopics, s.Topic) || s.Text["en"] == "" || len(s.Sources) == 0 {
				return nil, fmt.Errorf("help: rights page %q section %q: needs a known topic, English text and a source", p.ID, s.Topic)
			}
		}
	}
	return &f, nil
}

// LocalRightsPage is a rights page in one language.
type LocalRightsPage struct {
	Destination string               `json:"destination"`
	Origins     []string             `json:"origins"`
	Lang        string               `json:"lang"`      // the language asked for
	Languages   []string             `json:"languages"` // languages the page exists in
	Title       string               `json:"title"`
	Sections    []LocalRightsSection `json:"sections"`
	LastChecked string               `json:"last_checked"`
	Sample      bool                 `json:"sample"`
	Notice      string               `json:"notice,omitempty"`
}

// LocalRightsSection is a section in one language; Lang says which (English when the asked
// language has no translation yet).
type LocalRightsSection struct {
	Topic   string   `json:"topic"`
	Lang    string   `json:"lang"`
	Text    string   `json:"text"`
	Sources []Source `json:"sources"`
}

// RightsSummary lists one rights page.
type RightsSummary struct {
	Destination string   `json:"destination"`
	Origins     []string `json:"origins"`
	Title       string   `json:"title"`
	Languages   []string `json:"languages"`
	LastChecked string   `json:"last_checked"`
	Sample      bool     `json:"sample"`
}

func pageLangs(p RightsPage) []string {
	var ls []string
	for l := range p.Title {
		ls = append(ls, l)
	}
	slices.Sort(ls)
	return ls
}

// RightsPages lists the rights pages (English titles).
func (s *Service) RightsPages() []RightsSummary {
	out := make([]RightsSummary, 0, len(s.rights.Pages))
	for _, p := range s.rights.Pages {
		out = append(out, RightsSummary{Destination: p.Destination, Origins: p.Origins, Title: p.Title["en"],
			Languages: pageLangs(p), LastChecked: p.LastChecked, Sample: s.rights.Sample})
	}
	return out
}

// Rights returns the rights page for a destination in lang (English where a section has no
// translation in lang).
func (s *Service) Rights(destination, lang string) (LocalRightsPage, error) {
	if !ValidCountry(destination) {
		return LocalRightsPage{}, kawan.Invalid("destination", "must be an ISO 3166-1 alpha-2 country code in capitals, like QA")
	}
	if lang == "" {
		lang = "en"
	}
	if len(lang) > 20 {
		return LocalRightsPage{}, kawan.Invalid("lang", "must be a language tag such as en, id, ne")
	}
	if _, err := language.Parse(lang); err != nil {
		return LocalRightsPage{}, kawan.Invalid("lang", "must be a language tag such as en, id, ne")
	}
	lang = baseLang(lang)
	i := slices.IndexFunc(s.rights.Pages, func(p RightsPage) bool { return p.Destination == destination })
	if i < 0 {
		return LocalRightsPage{}, fmt.Errorf("help: no rights page for %s yet: %w", destination, kawan.ErrNotFound)
	}
	p := s.rights.Pages[i]
	pick := func(m map[string]string) (string, string) {
		if t, ok := m[lang]; ok {
			return t, lang
		}
		return m["en"], "en"
	}
	out := LocalRightsPage{Destination: p.Destination, Origins: p.Origins, Lang: lang, Languages: pageLangs(p),
		LastChecked: p.LastChecked, Sample: s.rights.Sample}
	out.Title, _ = pick(p.Title)
	for _, sec := range p.Sections {
		t, l := pick(sec.Text)
		out.Sections = append(out.Sections, LocalRightsSection{Topic: sec.Topic, Lang: l, Text: t, Sources: sec.Sources})
	}
	if s.rights.Sample {
		out.Notice = strings.TrimSpace(s.rights.Notice)
	}
	return out, nil
}

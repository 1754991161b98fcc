package help

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

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

// RightsFile is the "know your rights" content (help/data/rights.json). Its texts are not in
// the file: each section names messages of the rights catalogs (help/data/rights.<lang>.json,
// the frontend catalogs' format: English plain, translations with the hash of the English they
// were made from and a review status), so every section is translated once and reviewed once.
type RightsFile struct {
	Format string       `json:"format"` // "kawan.rights/v2"
	Sample bool         `json:"sample"`
	Notice string       `json:"notice"`
	Pages  []RightsPage `json:"pages"`
}

// RightsPage is the short, plain-language rights of workers going to one destination.
type RightsPage struct {
	ID          string            `json:"id"`
	Destination string            `json:"destination"`
	Origins     []string          `json:"origins"`
	LastChecked string            `json:"last_checked"`
	Emergency   []EmergencyNumber `json:"emergency"`
	Authorities []Authority       `json:"authorities"`
	Sections    []RightsSection   `json:"sections"`
}

// EmergencyNumber is a number to call in danger in a destination country.
type EmergencyNumber struct {
	Service string `json:"service"` // one of EmergencyServices
	Number  string `json:"number"`
	Note    string `json:"note,omitempty"` // English, e.g. where the number works
}

// EmergencyServices are the kinds of emergency number ("all": one number for everything).
var EmergencyServices = []string{"all", "police", "ambulance"}

// Authority is a public body a worker can complain to in the destination.
type Authority struct {
	Name  string `json:"name"` // its English name
	Phone string `json:"phone,omitempty"`
	URL   string `json:"url,omitempty"`
}

// RightsSection is one topic of a rights page: one or more catalog messages read as one text.
type RightsSection struct {
	Topic    string   `json:"topic"`
	Messages []string `json:"messages"`
	Sources  []Source `json:"sources"`
}

// RightsTopics are the topics a rights page covers, in page order.
var RightsTopics = []string{"contract", "recruitment_fees", "passport", "wages", "hours", "complaints"}

// RightsLanguages are the languages the rights catalogs are written in (the site's).
var RightsLanguages = []string{"en", "fil", "id", "ne", "my", "km", "vi", "th"}

//go:embed data/rights.*.json
var rightsCatalogFS embed.FS

// rightsMessage is one translated message of a rights catalog.
type rightsMessage struct {
	Other       string `json:"other"`
	Hash        string `json:"hash"`
	Description string `json:"description"`
}

// rightsCatalogs reads the rights catalogs: language → message ID → text.
func rightsCatalogs() (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, l := range RightsLanguages {
		b, err := rightsCatalogFS.ReadFile("data/rights." + l + ".json")
		if err != nil {
			return nil, fmt.Errorf("help: rights catalog %s: %w", l, err)
		}
		m := map[string]string{}
		if l == "en" {
			err = json.Unmarshal(b, &m)
		} else {
			var raw map[string]rightsMessage
			err = json.Unmarshal(b, &raw)
			for id, msg := range raw {
				m[id] = msg.Other
			}
		}
		if err != nil {
			return nil, fmt.Errorf("help: rights catalog %s: %w", l, err)
		}
		out[l] = m
	}
	return out, nil
}

// SampleRights parses and checks the shipped rights pages.
func SampleRights() (*RightsFile, error) {
	var f RightsFile
	dec := json.NewDecoder(bytes.NewReader(sampleRights))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("help: rights file: %w", err)
	}
	if f.Format != "kawan.rights/v2" {
		return nil, fmt.Errorf("help: rights file: format %q", f.Format)
	}
	cats, err := rightsCatalogs()
	if err != nil {
		return nil, err
	}
	if cats["en"]["title"] == "" {
		return nil, fmt.Errorf("help: rights catalog en: no title message")
	}
	for _, p := range f.Pages {
		if !ValidCountry(p.Destination) || len(p.Sections) == 0 || len(p.Emergency) == 0 || len(p.Authorities) == 0 {
			return nil, fmt.Errorf("help: rights page %q: needs a destination, emergency numbers, an authority and sections", p.ID)
		}
		if _, err := time.Parse(time.DateOnly, p.LastChecked); err != nil {
			return nil, fmt.Errorf("help: rights page %q: last_checked: %w", p.ID, err)
		}
		for _, e := range p.Emergency {
			if !slices.Contains(EmergencyServices, e.Service) || e.Number == "" {
				return nil, fmt.Errorf("help: rights page %q: emergency number %+v", p.ID, e)
			}
		}
		for _, s := range p.Sections {
			if !slices.Contains(RightsTopics, s.Topic) || len(s.Messages) == 0 || len(s.Sources) == 0 {
				return nil, fmt.Errorf("help: rights page %q section %q: needs a known topic, messages and a source", p.ID, s.Topic)
			}
			for _, m := range s.Messages {
				if cats["en"][m] == "" {
					return nil, fmt.Errorf("help: rights page %q section %q: message %q is not in the English catalog", p.ID, s.Topic, m)
				}
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
	Emergency   []EmergencyNumber    `json:"emergency"`
	Authorities []Authority          `json:"authorities"`
	LastChecked string               `json:"last_checked"`
	Sample      bool                 `json:"sample"`
	Notice      string               `json:"notice,omitempty"` // English: what the pages are (general guidance, not legal advice)
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

// pageLangs lists the languages every message of p is translated into.
func (s *Service) pageLangs(p RightsPage) []string {
	var ls []string
	for _, l := range RightsLanguages {
		ok := s.rightsText[l]["title"] != ""
		for _, sec := range p.Sections {
			for _, m := range sec.Messages {
				ok = ok && s.rightsText[l][m] != ""
			}
		}
		if ok {
			ls = append(ls, l)
		}
	}
	slices.Sort(ls)
	return ls
}

// rightsTitle is the page title in lang (with the country's name in lang).
func (s *Service) rightsTitle(destination, lang string) string {
	name := destination
	if t, err := language.Parse(lang); err == nil {
		if r, err := language.ParseRegion(destination); err == nil {
			if n := display.Regions(t); n != nil && n.Name(r) != "" {
				name = n.Name(r)
			}
		}
	}
	t := s.rightsText[lang]["title"]
	if t == "" {
		t = s.rightsText["en"]["title"]
	}
	return strings.ReplaceAll(t, "{{.Country}}", name)
}

// RightsPages lists the rights pages (English titles).
func (s *Service) RightsPages() []RightsSummary {
	out := make([]RightsSummary, 0, len(s.rights.Pages))
	for _, p := range s.rights.Pages {
		out = append(out, RightsSummary{Destination: p.Destination, Origins: p.Origins, Title: s.rightsTitle(p.Destination, "en"),
			Languages: s.pageLangs(p), LastChecked: p.LastChecked, Sample: s.rights.Sample})
	}
	return out
}

// Emergency returns the emergency numbers of a destination (nil when Kawan has none).
func (s *Service) Emergency(destination string) []EmergencyNumber {
	i := slices.IndexFunc(s.rights.Pages, func(p RightsPage) bool { return p.Destination == destination })
	if i < 0 {
		return nil
	}
	return s.rights.Pages[i].Emergency
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
	if lang == "tl" {
		lang = "fil"
	}
	i := slices.IndexFunc(s.rights.Pages, func(p RightsPage) bool { return p.Destination == destination })
	if i < 0 {
		return LocalRightsPage{}, fmt.Errorf("help: no rights page for %s yet: %w", destination, kawan.ErrNotFound)
	}
	p := s.rights.Pages[i]
	out := LocalRightsPage{Destination: p.Destination, Origins: p.Origins, Lang: lang, Languages: s.pageLangs(p),
		Emergency: p.Emergency, Authorities: p.Authorities, LastChecked: p.LastChecked, Sample: s.rights.Sample,
		Notice: strings.TrimSpace(s.rights.Notice)}
	tl := "en"
	if s.rightsText[lang]["title"] != "" {
		tl = lang
	}
	out.Title = s.rightsTitle(p.Destination, tl)
	for _, sec := range p.Sections {
		l := lang
		for _, m := range sec.Messages {
			if s.rightsText[lang][m] == "" {
				l = "en"
			}
		}
		texts := make([]string, 0, len(sec.Messages))
		for _, m := range sec.Messages {
			texts = append(texts, s.rightsText[l][m])
		}
		out.Sections = append(out.Sections, LocalRightsSection{Topic: sec.Topic, Lang: l, Text: strings.Join(texts, " "), Sources: sec.Sources})
	}
	return out, nil
}

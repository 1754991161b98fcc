package help

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestSampleDirectoryIsValidAndMarked(t *testing.T) {
	f, err := ParseFile(SampleDirectory, now)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Sample || !strings.Contains(f.Notice, "SAMPLE DATA") || len(f.Entries) < 10 {
		t.Fatalf("sample file must be marked sample with a notice: sample=%v notice=%q entries=%d", f.Sample, f.Notice, len(f.Entries))
	}
	countries := map[string]bool{}
	for _, e := range f.Entries {
		if !e.Sample || e.LastChecked == "" || e.Source.Name == "" {
			t.Errorf("%s: every sample entry is marked sample with a source and a last-checked date", e.ID)
		}
		for _, c := range e.Countries {
			countries[c] = true
		}
	}
	for _, c := range []string{"SG", "MY", "QA", "SA", "AE", "HK", "NP", "PH", "ID", "TH", "JP"} {
		if !countries[c] {
			t.Errorf("sample directory has no entry for %s", c)
		}
	}
}

func TestParseFileNamesTheField(t *testing.T) {
	good := `{"id":"a","name":"A","kind":"hotline","countries":["QA"],"needs":["general"],"languages":["en"],"hours":"24 hours",
	"channels":[{"type":"phone","value":"+974 1"}],"source":{"name":"S"},"last_checked":"2026-11-01"}`
	cases := []struct {
		name, entry, field string
	}{
		{"bad country", strings.Replace(good, `["QA"]`, `["Qatar"]`, 1), "entries[0].countries[0]"},
		{"no countries", strings.Replace(good, `["QA"]`, `[]`, 1), "entries[0].countries"},
		{"bad need", strings.Replace(good, `["general"]`, `["money"]`, 1), "entries[0].needs[0]"},
		{"bad kind", strings.Replace(good, `"hotline"`, `"church"`, 1), "entries[0].kind"},
		{"bad language", strings.Replace(good, `["en"]`, `["english"]`, 1), "entries[0].languages[0]"},
		{"bad channel", strings.Replace(good, `"phone"`, `"pigeon"`, 1), "entries[0].channels[0].type"},
		{"future check", strings.Replace(good, `2026-11-01`, `2027-01-01`, 1), "entries[0].last_checked"},
		{"no check", strings.Replace(good, `2026-11-01`, ``, 1), "entries[0].last_checked"},
		{"bad id", strings.Replace(good, `"id":"a"`, `"id":"A B"`, 1), "entries[0].id"},
		{"bad source url", strings.Replace(good, `{"name":"S"}`, `{"name":"S","url":"javascript:alert(1)"}`, 1), "entries[0].source.url"},
		{"control chars", strings.Replace(good, `"name":"A"`, `"name":"A\u0007"`, 1), "entries[0].name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseFile([]byte(`{"format":"kawan.help-directory/v1","entries":[`+c.entry+`]}`), now)
			var ve *kawan.ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != c.field {
				t.Fatalf("want error naming %s, got %v", c.field, err)
			}
		})
	}
	if _, err := ParseFile([]byte(`{"format":"kawan.help-directory/v1","entries":[`+good+`]}`), now); err != nil {
		t.Fatalf("good file: %v", err)
	}
	dup := `{"format":"kawan.help-directory/v1","entries":[` + good + `,` + good + `]}`
	if _, err := ParseFile([]byte(dup), now); err == nil || !strings.Contains(err.Error(), "entries[1].id") {
		t.Fatalf("duplicate id: %v", err)
	}
	if _, err := ParseFile([]byte(`{"format":"x","entries":[],"extra":1}`), now); err == nil {
		t.Fatal("unknown field accepted")
	}
}

// rightsDestinations are the destinations the help directory and the corridors cover: each
// has a rights page.
var rightsDestinations = []string{"AE", "SA", "QA", "KW", "BH", "OM", "MY", "SG", "HK", "TW", "KR", "JP", "TH"}

func TestRights(t *testing.T) {
	s := New(nil, Options{})
	p, err := s.Rights("MY", "id")
	if err != nil {
		t.Fatal(err)
	}
	if p.Lang != "id" || p.Title != "Bekerja di Malaysia: hak-hak Anda" || p.Sample || len(p.Emergency) == 0 || len(p.Authorities) == 0 {
		t.Fatalf("%+v", p)
	}
	for _, sec := range p.Sections {
		if sec.Lang != "id" || len(sec.Sources) == 0 || sec.Text == "" {
			t.Errorf("section %s: lang %s sources %d", sec.Topic, sec.Lang, len(sec.Sources))
		}
	}
	q, err := s.Rights("QA", "ne")
	if err != nil || q.Sections[0].Lang != "ne" || q.Lang != "ne" || !strings.Contains(q.Title, "कतार") {
		t.Fatalf("Nepali: %+v %v", q, err)
	}
	if _, err := s.Rights("XX", ""); err == nil {
		t.Fatal("XX accepted")
	}
	if _, err := s.Rights("FR", ""); !errors.Is(err, kawan.ErrNotFound) {
		t.Fatalf("FR: %v", err)
	}
	for _, d := range rightsDestinations {
		for _, l := range RightsLanguages {
			p, err := s.Rights(d, l)
			if err != nil {
				t.Fatalf("%s %s: %v", d, l, err)
			}
			if len(p.Languages) != len(RightsLanguages) || len(p.Sections) != len(RightsTopics) || len(s.Emergency(d)) == 0 {
				t.Errorf("%s %s: languages %v, %d sections, emergency %v", d, l, p.Languages, len(p.Sections), s.Emergency(d))
			}
			for i, sec := range p.Sections {
				if sec.Lang != l || sec.Topic != RightsTopics[i] {
					t.Errorf("%s %s: section %d is %s in %s", d, l, i, sec.Topic, sec.Lang)
				}
			}
		}
	}
	if len(s.RightsPages()) != len(rightsDestinations) {
		t.Fatalf("pages: %d", len(s.RightsPages()))
	}
}

// TestRightsCatalogsComplete: every rights catalog carries every English message, made from
// the current English text (sha1 hash), with a review status, and keeps {{.Country}}.
func TestRightsCatalogsComplete(t *testing.T) {
	read := func(l string) map[string]json.RawMessage {
		b, err := rightsCatalogFS.ReadFile("data/rights." + l + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	en := read("en")
	for _, l := range RightsLanguages[1:] {
		cat := read(l)
		if len(cat) != len(en) {
			t.Errorf("%s: %d messages, English has %d", l, len(cat), len(en))
		}
		for id, raw := range en {
			var src string
			if err := json.Unmarshal(raw, &src); err != nil {
				t.Fatalf("en %s: %v", id, err)
			}
			var m rightsMessage
			if err := json.Unmarshal(cat[id], &m); err != nil || m.Other == "" {
				t.Errorf("%s %s: missing (%v)", l, id, err)
				continue
			}
			sum := sha1.Sum([]byte(src))
			if m.Hash != "sha1-"+hex.EncodeToString(sum[:]) {
				t.Errorf("%s %s: made from an older English text", l, id)
			}
			if !strings.HasPrefix(m.Description, "needs-review:") && !strings.HasPrefix(m.Description, "reviewed:") {
				t.Errorf("%s %s: no review status", l, id)
			}
			if strings.Contains(src, "{{.Country}}") != strings.Contains(m.Other, "{{.Country}}") {
				t.Errorf("%s %s: lost {{.Country}}", l, id)
			}
		}
	}
}

// FuzzParseFile: the loader never panics, refuses with a ValidationError or ErrTooLarge,
// and what it accepts is valid and survives a round trip.
func FuzzParseFile(f *testing.F) {
	f.Add(SampleDirectory)
	f.Add([]byte(`{"format":"kawan.help-directory/v1","entries":[]}`))
	f.Add([]byte(`{"format":"kawan.help-directory/v1","entries":[{"id":"a"}]}`))
	f.Add([]byte(`{"format":"kawan.help-directory/v1","sample":true,"entries":[{"id":"a","name":"A","kind":"ngo","countries":["QA","QA"],"needs":["general"],"languages":["en"],"hours":"x","channels":[{"type":"website","value":"http://x"}],"source":{"name":"S"},"last_checked":"2026-01-01"}]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte("\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseFile(data, now)
		if err != nil {
			var ve *kawan.ValidationError
			if !errors.As(err, &ve) && !errors.Is(err, kawan.ErrTooLarge) {
				t.Fatalf("refusal is not a validation error: %v", err)
			}
			if ve != nil && len(ve.Fields) == 0 {
				t.Fatal("validation error without fields")
			}
			return
		}
		for i := range file.Entries {
			if err := file.Entries[i].Validate(now); err != nil {
				t.Fatalf("accepted entry %d is invalid: %v", i, err)
			}
		}
		again, err := json.Marshal(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseFile(again, now); err != nil {
			t.Fatalf("round trip refused: %v\n%s", err, again)
		}
	})
}

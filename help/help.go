// Package help is Kawan's directory of people who help migrant workers — hotlines,
// embassies and labour attachés, shelters, legal aid, unions and NGOs — and its short
// "know your rights" pages. The directory is searchable by country and need; every entry
// carries its source and the date someone last checked it. The data shipped in the repo
// (help/data) is SAMPLE DATA: fictional entries that show the format, to be replaced by
// verified entries before production use (admins update the directory through the API).
package help

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/kawan-labs/kawan"
)

// Kinds of organisation.
var Kinds = []string{"hotline", "embassy", "labour_attache", "shelter", "legal_aid", "union", "ngo", "government_agency"}

// Needs a worker may search by.
var Needs = []string{
	"wage_theft", "passport_retention", "contract_substitution", "recruitment_fees", "abuse",
	"trafficking", "forced_labour", "shelter", "legal_advice", "repatriation", "health",
	"death_or_injury", "documents", "complaint", "general",
}

// ChannelTypes are how a worker can reach an organisation.
var ChannelTypes = []string{"phone", "whatsapp", "viber", "line", "telegram", "messenger", "sms", "email", "website", "walk_in"}

// Limits on an entry and on the directory.
const (
	MaxEntries      = 5000
	MaxNameRunes    = 200
	MaxTextRunes    = 1000
	MaxListLen      = 30
	MaxFileBytes    = 4 << 20
	maxChannelValue = 300
)

// Channel is one way to reach an organisation.
type Channel struct {
	Type  string `json:"type" bson:"type"`
	Value string `json:"value" bson:"value"` // phone number, handle, address or URL
	Note  string `json:"note,omitempty" bson:"note,omitempty"`
}

// Source says where an entry's details come from.
type Source struct {
	Name string `json:"name" bson:"name"`
	URL  string `json:"url,omitempty" bson:"url,omitempty"`
}

// Entry is one organisation in the directory.
type Entry struct {
	ID   string `json:"id" bson:"_id"`
	Name string `json:"name" bson:"name"`
	Kind string `json:"kind" bson:"kind"`
	// Countries where the organisation helps people (ISO 3166-1 alpha-2).
	Countries []string `json:"countries" bson:"countries"`
	// Nationalities it serves (ISO 3166-1 alpha-2; empty: everyone), e.g. an embassy of NP
	// in QA serves NP nationals.
	Nationalities []string  `json:"nationalities,omitempty" bson:"nationalities,omitempty"`
	Needs         []string  `json:"needs" bson:"needs"`
	Languages     []string  `json:"languages" bson:"languages"` // BCP 47 tags
	Hours         string    `json:"hours" bson:"hours"`         // plain text, e.g. "24 hours" or "Sun–Thu 08:00–14:00 local time"
	Channels      []Channel `json:"channels" bson:"channels"`
	Description   string    `json:"description,omitempty" bson:"description,omitempty"`
	Source        Source    `json:"source" bson:"source"`
	LastChecked   string    `json:"last_checked" bson:"last_checked"` // YYYY-MM-DD
	// Sample marks data that nobody has verified (the repo's sample file); shown to users.
	Sample    bool      `json:"sample" bson:"sample"`
	UpdatedAt time.Time `json:"updated_at,omitzero" bson:"updated_at"`
	UpdatedBy string    `json:"-" bson:"updated_by,omitempty"`
}

// File is the directory file format (help/data/directory.json and PUT /v1/help).
type File struct {
	Format  string  `json:"format"` // "kawan.help-directory/v1"
	Notice  string  `json:"notice,omitempty"`
	Sample  bool    `json:"sample"`
	Entries []Entry `json:"entries"`
}

// FileFormat is the value of File.Format.
const FileFormat = "kawan.help-directory/v1"

// ParseFile decodes and validates a directory file strictly: unknown fields, trailing data
// and any invalid entry are errors naming the field (entries[3].countries[0]). When the
// file is marked sample, every entry is marked sample too.
func ParseFile(data []byte, now time.Time) (*File, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("help: directory file: %w", kawan.ErrTooLarge)
	}
	if !utf8.Valid(data) {
		return nil, kawan.Invalid("body", "must be valid UTF-8")
	}
	var f File
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, kawan.Invalid("body", "is not a valid directory file: %s", shortJSONError(err))
	}
	if dec.More() {
		return nil, kawan.Invalid("body", "must contain a single JSON object")
	}
	v := &kawan.ValidationError{}
	if f.Format != FileFormat {
		v.Add("format", "must be %q", FileFormat)
	}
	if len(f.Entries) > MaxEntries {
		v.Add("entries", "at most %d entries", MaxEntries)
		return nil, v
	}
	seen := map[string]bool{}
	for i := range f.Entries {
		e := &f.Entries[i]
		if f.Sample {
			e.Sample = true
		}
		e.normalize()
		e.validate(v, fmt.Sprintf("entries[%d].", i), now)
		if e.ID != "" && seen[e.ID] {
			v.Add(fmt.Sprintf("entries[%d].id", i), "duplicates an earlier entry's id %q", e.ID)
		}
		seen[e.ID] = true
		if len(v.Fields) > 50 {
			break
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &f, nil
}

func shortJSONError(err error) string {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return strings.TrimPrefix(msg, "json: ")
}

// normalize sorts and de-duplicates the list fields so that equal entries compare equal.
func (e *Entry) normalize() {
	e.ID = strings.TrimSpace(e.ID)
	e.Name = strings.TrimSpace(e.Name)
	e.Hours = strings.TrimSpace(e.Hours)
	e.Description = strings.TrimSpace(e.Description)
	for i, l := range e.Languages {
		if t, err := language.Parse(l); err == nil && len(l) <= 20 {
			e.Languages[i] = t.String() // canonical: "tl" is stored as "fil"
		}
	}
	for _, l := range []*[]string{&e.Countries, &e.Nationalities, &e.Needs, &e.Languages} {
		if len(*l) > 0 {
			slices.Sort(*l)
			*l = slices.Compact(*l)
		}
	}
	if e.Countries == nil {
		e.Countries = []string{}
	}
	if e.Needs == nil {
		e.Needs = []string{}
	}
	if e.Languages == nil {
		e.Languages = []string{}
	}
	if e.Channels == nil {
		e.Channels = []Channel{}
	}
}

// Validate checks one entry (for PUT /v1/help/{id}); field names are as the client sent them.
func (e *Entry) Validate(now time.Time) error {
	e.normalize()
	v := &kawan.ValidationError{}
	e.validate(v, "", now)
	return v.Err()
}

func (e *Entry) validate(v *kawan.ValidationError, p string, now time.Time) {
	if !kawan.ValidSlug(e.ID) {
		v.Add(p+"id", "must be 1 to %d characters of a-z, 0-9 and -", kawan.MaxIDLen)
	}
	text(v, p+"name", e.Name, MaxNameRunes, true)
	if !slices.Contains(Kinds, e.Kind) {
		v.Add(p+"kind", "must be one of %s", strings.Join(Kinds, ", "))
	}
	countryList(v, p+"countries", e.Countries, true)
	countryList(v, p+"nationalities", e.Nationalities, false)
	if len(e.Needs) == 0 || len(e.Needs) > MaxListLen {
		v.Add(p+"needs", "must list 1 to %d needs", MaxListLen)
	}
	for i, n := range e.Needs {
		if !slices.Contains(Needs, n) {
			v.Add(fmt.Sprintf("%sneeds[%d]", p, i), "must be one of %s", strings.Join(Needs, ", "))
		}
	}
	if len(e.Languages) == 0 || len(e.Languages) > MaxListLen {
		v.Add(p+"languages", "must list 1 to %d languages", MaxListLen)
	}
	for i, l := range e.Languages {
		if _, err := language.Parse(l); err != nil || len(l) > 20 {
			v.Add(fmt.Sprintf("%slanguages[%d]", p, i), "must be a BCP 47 language tag, like en, ne, fil, id, my")
		}
	}
	text(v, p+"hours", e.Hours, 200, true)
	if len(e.Channels) == 0 || len(e.Channels) > MaxListLen {
		v.Add(p+"channels", "must list 1 to %d ways to reach the organisation", MaxListLen)
	}
	for i, c := range e.Channels {
		f := fmt.Sprintf("%schannels[%d].", p, i)
		if !slices.Contains(ChannelTypes, c.Type) {
			v.Add(f+"type", "must be one of %s", strings.Join(ChannelTypes, ", "))
		}
		text(v, f+"value", c.Value, maxChannelValue, true)
		text(v, f+"note", c.Note, 200, false)
		if (c.Type == "website") && c.Value != "" && !httpURL(c.Value) {
			v.Add(f+"value", "must be an http(s) URL for a website")
		}
	}
	text(v, p+"description", e.Description, MaxTextRunes, false)
	text(v, p+"source.name", e.Source.Name, MaxNameRunes, true)
	if e.Source.URL != "" && !httpURL(e.Source.URL) {
		v.Add(p+"source.url", "must be an http(s) URL")
	}
	d, err := time.Parse(time.DateOnly, e.LastChecked)
	switch {
	case err != nil:
		v.Add(p+"last_checked", "must be a date like 2026-11-23")
	case d.After(now.Add(48 * time.Hour)):
		v.Add(p+"last_checked", "must not be in the future")
	case d.Year() < 2000:
		v.Add(p+"last_checked", "must be a date from 2000 on")
	}
}

func text(v *kawan.ValidationError, field, s string, max int, required bool) {
	switch {
	case required && s == "":
		v.Add(field, "is required")
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "must be at most %d characters", max)
	default:
		for _, c := range s {
			if unicode.IsControl(c) && c != '\n' {
				v.Add(field, "must not contain control characters")
				return
			}
		}
	}
}

func countryList(v *kawan.ValidationError, field string, l []string, required bool) {
	if required && len(l) == 0 {
		v.Add(field, "must list at least one country")
	}
	if len(l) > 250 {
		v.Add(field, "at most 250 countries")
		return
	}
	for i, c := range l {
		if !ValidCountry(c) {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "must be an ISO 3166-1 alpha-2 country code in capitals, like PH or QA")
		}
	}
}

// ValidCountry reports whether s is an ISO 3166-1 alpha-2 country code in capitals.
func ValidCountry(s string) bool {
	if len(s) != 2 || strings.ToUpper(s) != s {
		return false
	}
	r, err := language.ParseRegion(s)
	return err == nil && r.IsCountry() && r.String() == s
}

func httpURL(s string) bool {
	if len(s) > 500 {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// SampleNow is a fixed time the sample data is valid at (tests).
var SampleNow = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

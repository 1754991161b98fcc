package help

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"

	"github.com/kawan-labs/kawan"
)

// Store is where the directory lives (store.HelpEntries).
type Store interface {
	HelpEntries(ctx context.Context, limit int) ([]Entry, error)
	PutHelpEntry(ctx context.Context, e Entry) (created bool, err error)
	DeleteHelpEntry(ctx context.Context, id string) error
}

// Options configure the service.
type Options struct {
	// CacheFor is how long a process serves the directory from memory before re-reading
	// it (other processes' admin edits show up within this time). Default 30 s.
	CacheFor time.Duration
	Now      func() time.Time
}

// Service answers directory searches from an in-memory copy of the directory, which it
// re-reads from the store after CacheFor and after every local edit.
type Service struct {
	st     Store
	opt    Options
	rights *RightsFile
	// rightsText is the rights catalogs: language → message ID → text.
	rightsText map[string]map[string]string

	mu       sync.Mutex
	entries  []Entry // sorted by ID
	loadedAt time.Time
}

// New returns a directory service on st.
func New(st Store, o Options) *Service {
	if o.CacheFor <= 0 {
		o.CacheFor = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r, err := SampleRights()
	if err != nil {
		panic(err) // the embedded file is checked by tests
	}
	cats, err := rightsCatalogs()
	if err != nil {
		panic(err) // the embedded files are checked by tests
	}
	return &Service{st: st, opt: o, rights: r, rightsText: cats}
}

func (s *Service) load(ctx context.Context) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entries != nil && s.opt.Now().Sub(s.loadedAt) < s.opt.CacheFor {
		return s.entries, nil
	}
	es, err := s.st.HelpEntries(ctx, MaxEntries)
	if err != nil {
		if s.entries != nil {
			return s.entries, nil // serve the last good copy while the database is away
		}
		return nil, err
	}
	slices.SortFunc(es, func(a, b Entry) int { return strings.Compare(a.ID, b.ID) })
	s.entries, s.loadedAt = es, s.opt.Now()
	return es, nil
}

func (s *Service) invalidate() {
	s.mu.Lock()
	s.entries = nil
	s.mu.Unlock()
}

// Query is a directory search. Every field is optional.
type Query struct {
	Country     string // where the worker is (ISO 3166-1 alpha-2)
	Nationality string // the worker's nationality: entries for other nationals only are left out
	Need        string // one of Needs
	Kind        string // one of Kinds
	Lang        string // a language the organisation speaks (BCP 47; matched on the base language)
	Q           string // words in the name or description
	Page        int
	PerPage     int
}

// Page is one page of search results.
type Page struct {
	Total   int     `json:"total"`
	Page    int     `json:"page"`
	PerPage int     `json:"per_page"`
	Items   []Entry `json:"items"`
	// Notice is set when any result is sample data nobody has verified.
	Notice string `json:"notice,omitempty"`
}

// SampleNotice is shown with sample entries.
const SampleNotice = "Some entries are SAMPLE DATA (fictional) and must not be relied on: check with the organisation before you go."

// Validate checks a query; field names are the query parameters.
func (q *Query) Validate() error {
	v := &kawan.ValidationError{}
	if q.Country != "" && !ValidCountry(q.Country) {
		v.Add("country", "must be an ISO 3166-1 alpha-2 country code in capitals, like QA")
	}
	if q.Nationality != "" && !ValidCountry(q.Nationality) {
		v.Add("nationality", "must be an ISO 3166-1 alpha-2 country code in capitals, like NP")
	}
	if q.Need != "" && !slices.Contains(Needs, q.Need) {
		v.Add("need", "must be one of %s", strings.Join(Needs, ", "))
	}
	if q.Kind != "" && !slices.Contains(Kinds, q.Kind) {
		v.Add("kind", "must be one of %s", strings.Join(Kinds, ", "))
	}
	if q.Lang != "" {
		if _, err := language.Parse(q.Lang); err != nil || len(q.Lang) > 20 {
			v.Add("lang", "must be a language tag such as en, ne, fil")
		}
	}
	if len(q.Q) > 200 {
		v.Add("q", "must be at most 200 characters")
	}
	kawan.CheckPaging(v, &q.Page, &q.PerPage, 0)
	if q.Page > 10000 {
		v.Add("page", "must be at most 10000")
	}
	return v.Err()
}

func baseLang(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	b, _ := t.Base()
	return b.String()
}

// Search returns the entries matching q, hotlines first, then by name.
func (s *Service) Search(ctx context.Context, q Query) (Page, error) {
	if err := q.Validate(); err != nil {
		return Page{}, err
	}
	all, err := s.load(ctx)
	if err != nil {
		return Page{}, err
	}
	words := strings.Fields(strings.ToLower(q.Q))
	lang := ""
	if q.Lang != "" {
		lang = baseLang(q.Lang)
	}
	var hits []Entry
	for _, e := range all {
		if q.Country != "" && !slices.Contains(e.Countries, q.Country) ||
			q.Nationality != "" && len(e.Nationalities) > 0 && !slices.Contains(e.Nationalities, q.Nationality) ||
			q.Need != "" && !slices.Contains(e.Needs, q.Need) ||
			q.Kind != "" && e.Kind != q.Kind {
			continue
		}
		if lang != "" && !slices.ContainsFunc(e.Languages, func(l string) bool { return baseLang(l) == lang }) {
			continue
		}
		if len(words) > 0 {
			hay := strings.ToLower(e.Name + " " + e.Description)
			if !allWords(hay, words) {
				continue
			}
		}
		hits = append(hits, e)
	}
	slices.SortStableFunc(hits, func(a, b Entry) int {
		if c := slices.Index(Kinds, a.Kind) - slices.Index(Kinds, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	p := Page{Total: len(hits), Page: q.Page, PerPage: q.PerPage, Items: []Entry{}}
	from := (q.Page - 1) * q.PerPage
	if from < len(hits) {
		p.Items = hits[from:min(from+q.PerPage, len(hits))]
	}
	for _, e := range p.Items {
		if e.Sample {
			p.Notice = SampleNotice
		}
	}
	return p, nil
}

func allWords(hay string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// Entry returns one entry.
func (s *Service) Entry(ctx context.Context, id string) (Entry, error) {
	if !kawan.ValidID(id) {
		return Entry{}, fmt.Errorf("help: entry %q: %w", truncate(id), kawan.ErrNotFound)
	}
	all, err := s.load(ctx)
	if err != nil {
		return Entry{}, err
	}
	i, ok := slices.BinarySearchFunc(all, id, func(e Entry, id string) int { return strings.Compare(e.ID, id) })
	if !ok {
		return Entry{}, fmt.Errorf("help: entry %s: %w", id, kawan.ErrNotFound)
	}
	return all[i], nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}

// Put creates or replaces entry id (admins). The body's id, if given, must match.
func (s *Service) Put(ctx context.Context, by kawan.Principal, id string, e Entry) (Entry, bool, error) {
	if e.ID == "" {
		e.ID = id
	}
	if e.ID != id {
		return Entry{}, false, kawan.Invalid("id", "must match the id in the path (%s)", truncate(id))
	}
	if err := e.Validate(s.opt.Now()); err != nil {
		return Entry{}, false, err
	}
	all, err := s.load(ctx)
	if err != nil {
		return Entry{}, false, err
	}
	if _, found := slices.BinarySearchFunc(all, id, func(e Entry, id string) int { return strings.Compare(e.ID, id) }); !found && len(all) >= MaxEntries {
		return Entry{}, false, fmt.Errorf("help: the directory holds %d entries, the most it may: %w", MaxEntries, kawan.ErrConflict)
	}
	e.UpdatedAt = s.opt.Now().UTC().Truncate(time.Millisecond)
	e.UpdatedBy = by.UserID
	created, err := s.st.PutHelpEntry(ctx, e)
	s.invalidate()
	if err != nil {
		return Entry{}, false, err
	}
	return e, created, nil
}

// Delete removes entry id (admins).
func (s *Service) Delete(ctx context.Context, id string) error {
	if !kawan.ValidID(id) {
		return fmt.Errorf("help: entry %q: %w", truncate(id), kawan.ErrNotFound)
	}
	err := s.st.DeleteHelpEntry(ctx, id)
	s.invalidate()
	return err
}

// Import validates a whole directory file and writes each entry (create or replace).
// Nothing is written unless the whole file is valid. Entries missing from the file are
// kept (delete them one by one), so an import never silently drops a verified entry.
func (s *Service) Import(ctx context.Context, by kawan.Principal, data []byte) (created, replaced int, err error) {
	f, err := ParseFile(data, s.opt.Now())
	if err != nil {
		return 0, 0, err
	}
	all, err := s.load(ctx)
	if err != nil {
		return 0, 0, err
	}
	have := map[string]bool{}
	for _, e := range all {
		have[e.ID] = true
	}
	n := len(all)
	for _, e := range f.Entries {
		if !have[e.ID] {
			n++
		}
	}
	if n > MaxEntries {
		return 0, 0, fmt.Errorf("help: the directory would hold %d entries, more than %d: %w", n, MaxEntries, kawan.ErrConflict)
	}
	defer s.invalidate()
	now := s.opt.Now().UTC().Truncate(time.Millisecond)
	for _, e := range f.Entries {
		e.UpdatedAt, e.UpdatedBy = now, by.UserID
		c, err := s.st.PutHelpEntry(ctx, e)
		if err != nil {
			return created, replaced, err
		}
		if c {
			created++
		} else {
			replaced++
		}
	}
	return created, replaced, nil
}

package rpw

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/internal/bounded"
)

// Store keeps the surveys: immutable survey documents, and one index document that says
// which of them are current. An import writes its new documents first and then replaces the
// index with one compare-and-set (a single-document write), so readers see the previous
// survey or the new one, never a mix. *store.RPW implements it.
type Store interface {
	// Index returns the current index; a zero Index when nothing was imported.
	Index(ctx context.Context) (Index, error)
	// PutSurveys inserts survey documents (new _ids; an _id already present is left alone).
	PutSurveys(ctx context.Context, ss []Survey) error
	// CommitIndex replaces the index whose Gen is prevGen ("" for none) by idx; it returns
	// kawan.ErrConflict when another import committed first.
	CommitIndex(ctx context.Context, prevGen string, idx Index) error
	// Surveys returns the documents with these _ids (any order; missing ones left out).
	Surveys(ctx context.Context, ids []string) ([]Survey, error)
	// SurveyIDs lists every survey document's _id with when it was imported.
	SurveyIDs(ctx context.Context) (map[string]time.Time, error)
	// DeleteSurveys removes documents by _id.
	DeleteSurveys(ctx context.Context, ids []string) error
}

// Index is the list of current survey documents.
type Index struct {
	Gen       string       `bson:"gen"`
	UpdatedAt time.Time    `bson:"updated_at"`
	Entries   []IndexEntry `bson:"entries"`
}

// IndexEntry is one current survey document.
type IndexEntry struct {
	Key    string `bson:"key"`  // corridor|period|send currency
	Doc    string `bson:"doc"`  // its _id
	Pair   string `bson:"pair"` // "SGD-PHP"
	Period string `bson:"period"`
	Hash   string `bson:"hash"`
}

// Options configure a Service.
type Options struct {
	Store  Store
	Logger *slog.Logger
	// IndexTTL is how long a process trusts its copy of the index (another process may
	// import); default 30 s.
	IndexTTL time.Duration
	Now      func() time.Time
}

// Service imports surveys and answers per currency corridor.
type Service struct {
	o     Options
	log   *slog.Logger
	index atomic.Pointer[cachedIndex]
	docs  *bounded.Map[Survey]
}

type cachedIndex struct {
	idx Index
	at  time.Time
}

// New returns the service.
func New(o Options) *Service {
	if o.IndexTTL <= 0 {
		o.IndexTTL = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Service{o: o, log: o.Logger, docs: bounded.New[Survey](2000)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// ImportOptions configure an import.
type ImportOptions struct {
	// Fictional marks the surveys as fictional (demo and test data).
	Fictional bool
	// DryRun reports what would change and writes nothing.
	DryRun bool
	// Progress, if set, is called with survey documents written and to write.
	Progress func(done, total int)
}

// ImportReport says what an import changed. The file's periods replace those periods
// wholly; other periods are kept.
type ImportReport struct {
	Periods                              []string
	Created, Changed, Unchanged, Removed int
	DryRun                               bool
}

// Summary is one line for the command's output.
func (r ImportReport) Summary() string {
	s := fmt.Sprintf("periods %s: %d corridor surveys created, %d changed, %d unchanged, %d removed",
		strings.Join(r.Periods, ", "), r.Created, r.Changed, r.Unchanged, r.Removed)
	if r.DryRun {
		s += " (dry run: nothing written)"
	}
	return s
}

func newGen(now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b)
}

// Import applies a parsed file: for every period it holds, its surveys replace that
// period's; a survey whose content is unchanged keeps its document, so importing the same
// file again writes nothing. Either the whole file is applied or, on any error, nothing.
func (s *Service) Import(ctx context.Context, p *Parsed, o ImportOptions) (ImportReport, error) {
	rep := ImportReport{Periods: p.Periods, DryRun: o.DryRun}
	cur, err := s.o.Store.Index(ctx)
	if err != nil {
		return rep, err
	}
	now := s.o.Now().UTC().Truncate(time.Millisecond)
	gen := newGen(now)
	old := map[string]IndexEntry{}
	inFile := map[string]bool{}
	for _, pr := range p.Periods {
		inFile[pr] = true
	}
	var next []IndexEntry
	for _, e := range cur.Entries {
		old[e.Key] = e
		if !inFile[e.Period] {
			next = append(next, e) // a period this file does not hold is kept
		}
	}
	var write []Survey
	seen := map[string]bool{}
	for i := range p.Surveys {
		sv := p.Surveys[i]
		sv.Fictional = o.Fictional
		sv.Hash = hashSurvey(&sv)
		key := surveyKey(sv.Corridor, sv.Period, sv.SendCurrency)
		seen[key] = true
		e := IndexEntry{Key: key, Pair: sv.SendCurrency + "-" + sv.ReceiveCurrency, Period: sv.Period, Hash: sv.Hash}
		if prev, ok := old[key]; ok && prev.Hash == sv.Hash {
			e.Doc = prev.Doc
			rep.Unchanged++
		} else {
			if ok {
				rep.Changed++
			} else {
				rep.Created++
			}
			sv.ID = gen + "|" + key
			sv.ImportedAt = now
			e.Doc = sv.ID
			write = append(write, sv)
		}
		next = append(next, e)
	}
	kept := map[string]bool{}
	for _, e := range next {
		kept[e.Doc] = true
	}
	var superseded []string
	for _, e := range cur.Entries {
		if inFile[e.Period] && !kept[e.Doc] {
			superseded = append(superseded, e.Doc)
			if !seen[e.Key] {
				rep.Removed++
			}
		}
	}
	if len(next) > MaxSurveys {
		return rep, fmt.Errorf("rpw: import: %d corridor surveys in all, at most %d are kept: import fewer periods (--period)", len(next), MaxSurveys)
	}
	if o.DryRun || (len(write) == 0 && rep.Removed == 0) {
		return rep, nil
	}
	// Batches of at most batchServices services (a survey document of the real workbook holds
	// up to a few hundred; one insert must finish within the store's 10 s operation timeout on
	// the embedded store), each retried when the store is briefly unavailable: inserting the
	// same documents again is harmless (an _id already present is left alone).
	for i := 0; i < len(write); {
		j, n := i, 0
		for j < len(write) && (j == i || n+len(write[j].Services) <= batchServices) {
			n += len(write[j].Services)
			j++
		}
		var err error
		for attempt := 0; attempt < 3; attempt++ {
			if err = s.o.Store.PutSurveys(ctx, write[i:j]); err == nil || !errors.Is(err, kawan.ErrUnavailable) {
				break
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(attempt+1) * time.Second):
			}
		}
		if err != nil {
			s.deleteQuietly(ctx, write[:j])
			return rep, fmt.Errorf("rpw: import (nothing applied): %w", err)
		}
		i = j
		if o.Progress != nil {
			o.Progress(i, len(write))
		}
	}
	slices.SortFunc(next, func(a, b IndexEntry) int { return strings.Compare(a.Key, b.Key) })
	err = s.o.Store.CommitIndex(ctx, cur.Gen, Index{Gen: gen, UpdatedAt: now, Entries: next})
	if err != nil {
		s.deleteQuietly(ctx, write)
		if errors.Is(err, kawan.ErrConflict) {
			return rep, fmt.Errorf("rpw: import: another import finished first; nothing applied, run it again: %w", err)
		}
		return rep, fmt.Errorf("rpw: import (nothing applied): %w", err)
	}
	s.index.Store(nil)
	s.sweep(ctx, superseded, next, now)
	return rep, nil
}

// batchServices bounds the services inserted in one store call.
const batchServices = 2000

// deleteQuietly removes the documents of an import that will not be committed (best effort:
// unlisted documents are swept by a later import).
func (s *Service) deleteQuietly(ctx context.Context, ss []Survey) {
	ids := make([]string, len(ss))
	for i := range ss {
		ids[i] = ss[i].ID
	}
	_ = s.o.Store.DeleteSurveys(context.WithoutCancel(ctx), ids)
}

// sweep deletes the documents this import superseded, and documents no index lists that are
// over an hour old (left by an import that failed before its commit). A younger unlisted
// document may belong to an import still running.
func (s *Service) sweep(ctx context.Context, superseded []string, current []IndexEntry, now time.Time) {
	listed := map[string]bool{}
	for _, e := range current {
		listed[e.Doc] = true
	}
	del := slices.Clone(superseded)
	if all, err := s.o.Store.SurveyIDs(ctx); err == nil {
		for id, at := range all {
			if !listed[id] && now.Sub(at) > time.Hour && !slices.Contains(del, id) {
				del = append(del, id)
			}
		}
	}
	if len(del) == 0 {
		return
	}
	if err := s.o.Store.DeleteSurveys(ctx, del); err != nil {
		s.log.Warn("rpw: removing superseded surveys (they are unused; the next import retries)", "err", err)
	}
}

// currentIndex is the index, re-read at most every IndexTTL.
func (s *Service) currentIndex(ctx context.Context) (Index, error) {
	now := s.o.Now()
	if c := s.index.Load(); c != nil && now.Sub(c.at) < s.o.IndexTTL {
		return c.idx, nil
	}
	idx, err := s.o.Store.Index(ctx)
	if err != nil {
		return Index{}, err
	}
	s.index.Store(&cachedIndex{idx: idx, at: now})
	return idx, nil
}

// CorridorSurvey is the survey's reference for a currency corridor in one period: every
// country corridor surveyed in that send and receive currency (SGD-PHP: Singapore to the
// Philippines).
type CorridorSurvey struct {
	SendCurrency    string          `json:"send_currency"`
	ReceiveCurrency string          `json:"receive_currency"`
	Period          string          `json:"period"`
	PeriodLabel     string          `json:"period_label"`
	Periods         []string        `json:"periods"`
	Surveys         []Survey        `json:"surveys"`
	Fictional       bool            `json:"fictional"`
	Attribution     AttributionInfo `json:"attribution"`
	Note            string          `json:"note"`
}

// SurveyNote says what the survey is, beside live quotes.
const SurveyNote = "Prices the World Bank collected in its quarterly survey, at USD 200 and USD 500 equivalents: a dated reference, not a live quote."

// Corridor returns the survey for send→receive in period ("2025_3Q"; "" for the latest the
// survey has). kawan.ErrNotFound when the survey has none.
func (s *Service) Corridor(ctx context.Context, send, receive, period string) (CorridorSurvey, error) {
	out := CorridorSurvey{SendCurrency: send, ReceiveCurrency: receive, Attribution: Attribution, Note: SurveyNote}
	if period != "" && !periodRE.MatchString(period) {
		return out, kawan.Invalid("period", "must be a survey period like 2025_3Q")
	}
	idx, err := s.currentIndex(ctx)
	if err != nil {
		return out, err
	}
	pair := send + "-" + receive
	var entries []IndexEntry
	for _, e := range idx.Entries {
		if e.Pair == pair {
			entries = append(entries, e)
			if !slices.Contains(out.Periods, e.Period) {
				out.Periods = append(out.Periods, e.Period)
			}
		}
	}
	if len(entries) == 0 {
		return out, fmt.Errorf("%w: the World Bank survey has no corridor from %s to %s", kawan.ErrNotFound, send, receive)
	}
	slices.Sort(out.Periods)
	out.Period = period
	if period == "" {
		out.Period = out.Periods[len(out.Periods)-1]
	} else if !slices.Contains(out.Periods, period) {
		return out, fmt.Errorf("%w: the World Bank survey has %s to %s in %s, not in %s", kawan.ErrNotFound, send, receive, strings.Join(out.Periods, ", "), period)
	}
	out.PeriodLabel = PeriodLabel(out.Period)
	var need []string
	for _, e := range entries {
		if e.Period != out.Period {
			continue
		}
		if sv, ok := s.docs.Get(e.Doc); ok {
			out.Surveys = append(out.Surveys, sv)
		} else {
			need = append(need, e.Doc)
		}
	}
	if len(need) > 0 {
		got, err := s.o.Store.Surveys(ctx, need)
		if err != nil {
			return out, err
		}
		if len(got) < len(need) {
			s.index.Store(nil) // an import replaced them since the index was read
			return out, fmt.Errorf("%w: the survey is being replaced; try again", kawan.ErrUnavailable)
		}
		for _, sv := range got {
			s.docs.Put(sv.ID, sv)
		}
		out.Surveys = append(out.Surveys, got...)
	}
	slices.SortFunc(out.Surveys, func(a, b Survey) int { return strings.Compare(a.Corridor, b.Corridor) })
	for _, sv := range out.Surveys {
		out.Fictional = out.Fictional || sv.Fictional
	}
	return out, nil
}

// Summary is what an admin sees of the stored survey: when it was last imported and what it
// holds.
type Summary struct {
	UpdatedAt time.Time
	Surveys   int
	Periods   []string
	Fictional bool
}

// Summary reads the current index (nothing imported: a zero Summary).
func (s *Service) Summary(ctx context.Context) (Summary, error) {
	idx, err := s.currentIndex(ctx)
	if err != nil {
		return Summary{}, err
	}
	out := Summary{UpdatedAt: idx.UpdatedAt, Surveys: len(idx.Entries)}
	for _, e := range idx.Entries {
		if !slices.Contains(out.Periods, e.Period) {
			out.Periods = append(out.Periods, e.Period)
		}
	}
	slices.Sort(out.Periods)
	return out, nil
}

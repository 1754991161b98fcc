package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/kawan-labs/kawan"
)

// agencyMappingVersion changes whenever agencyMapping does; an index built with another
// version is rebuilt empty on open (the reconciler then reindexes it from the database).
const agencyMappingVersion = "6"

// agencyAnalyzer folds accents and case and splits on Unicode word boundaries; no stop
// words and no stemming (agency names are names).
const agencyAnalyzer = "kawan_name"

// bleveAgency is the indexed form of an AgencyDoc: analysed name and search text, keyword
// filter fields (their postings give the filters and the facet counts), rating and reviews as
// exact keywords (few distinct values: the engine reads them into memory from the postings),
// the sort name (a doc value, read into memory once per segment), and the whole public
// document as a stored JSON field, read only for the page's hits. See agencies_engine.go.
type bleveAgency struct {
	Name            string   `json:"name"`
	All             string   `json:"all"`
	NameSort        string   `json:"name_sort"`
	Origin          string   `json:"origin"`
	Destinations    []string `json:"destination"`
	Sectors         []string `json:"sector"`
	Standing        string   `json:"standing"`
	LicenceStatuses []string `json:"licence_status"`
	Rating          string   `json:"rating"`
	Reviews         string   `json:"reviews"`
	Doc             string   `json:"doc"`
}

// Type implements bleve's mapping.Classifier.
func (bleveAgency) Type() string { return "agency" }

func agencyMapping() (mapping.IndexMapping, error) {
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store, f.IncludeInAll, f.IncludeTermVectors, f.DocValues = false, false, false, false
		return f
	}
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = agencyAnalyzer
		f.Store, f.IncludeInAll, f.IncludeTermVectors, f.DocValues = false, false, false, false
		return f
	}
	doc := bleve.NewTextFieldMapping()
	doc.Index, doc.Store, doc.IncludeInAll, doc.IncludeTermVectors, doc.DocValues = false, true, false, false, false

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("name", text())
	dm.AddFieldMappingsAt("all", text())
	for _, f := range []string{"origin", "destination", "sector", "standing", "licence_status", "rating", "reviews"} {
		dm.AddFieldMappingsAt(f, kw())
	}
	nameSort := kw()
	nameSort.DocValues = true
	dm.AddFieldMappingsAt("name_sort", nameSort)
	dm.AddFieldMappingsAt("doc", doc)

	im := bleve.NewIndexMapping()
	if err := im.AddCustomAnalyzer(agencyAnalyzer, map[string]any{
		"type":          custom.Name,
		"char_filters":  []any{asciifolding.Name},
		"tokenizer":     unicode.Name,
		"token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, err
	}
	im.AddDocumentMapping("agency", dm)
	im.DefaultMapping = bleve.NewDocumentDisabledMapping()
	im.DefaultAnalyzer = agencyAnalyzer
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false
	return im, nil
}

// bleveAgencies is the embedded agency index.
type bleveAgencies struct {
	idx      bleve.Index
	analyzer analysis.Analyzer
	cols     segColsCache
	// wrote wakes the warmer after a write; stop ends it, done says it ended.
	wrote     chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closed    atomic.Bool
}

func openBleveAgencies(path string) (*bleveAgencies, error) {
	idx, err := openVersioned(path, "agency", agencyMappingVersion, agencyMapping)
	if err != nil {
		return nil, err
	}
	an := idx.Mapping().AnalyzerNamed(agencyAnalyzer)
	if an == nil {
		_ = idx.Close()
		return nil, fmt.Errorf("search: agency index %s has no %s analyzer", path, agencyAnalyzer)
	}
	b := &bleveAgencies{idx: idx, analyzer: an, wrote: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		b.warmLoop(b.stop, b.wrote)
	}()
	return b, nil
}

// written wakes the warmer (never blocks).
func (b *bleveAgencies) written() {
	select {
	case b.wrote <- struct{}{}:
	default:
	}
}

func agencyToBleve(d AgencyDoc) (bleveAgency, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return bleveAgency{}, fmt.Errorf("search: encode agency %s: %w", d.ID, err)
	}
	names := nameText(d)
	return bleveAgency{
		Name: names, All: names + " " + searchText(d), NameSort: sortKey(d.Name), Origin: d.Origin,
		Destinations: d.Destinations, Sectors: d.Sectors, Standing: d.Standing, LicenceStatuses: d.LicenceStatuses,
		Rating: strconv.FormatFloat(d.Rating, 'g', -1, 64), Reviews: strconv.FormatInt(d.Reviews, 10), Doc: string(raw),
	}, nil
}

func (b *bleveAgencies) IndexAgencies(ctx context.Context, docs ...AgencyDoc) error {
	defer b.written()
	if len(docs) == 1 {
		ba, err := agencyToBleve(docs[0])
		if err != nil {
			return err
		}
		return bleveErr("index agency", b.idx.Index(docs[0].ID, ba))
	}
	batch := b.idx.NewBatch()
	for _, d := range docs {
		ba, err := agencyToBleve(d)
		if err != nil {
			return err
		}
		if err := batch.Index(d.ID, ba); err != nil {
			return bleveErr("index agencies", err)
		}
	}
	return bleveErr("index agencies", b.idx.Batch(batch))
}

func (b *bleveAgencies) DeleteAgency(ctx context.Context, id string) error {
	defer b.written()
	return bleveErr("delete agency", b.idx.Delete(id))
}

func (b *bleveAgencies) GetAgency(ctx context.Context, id string) (AgencyDoc, error) {
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery([]string{id}), 1, 0, false)
	req.Fields = []string{"doc"}
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return AgencyDoc{}, bleveErr("get agency", err)
	}
	if len(res.Hits) == 0 {
		return AgencyDoc{}, fmt.Errorf("search: agency %s: %w", id, kawan.ErrNotFound)
	}
	return decodeAgencyHit(res.Hits[0].ID, res.Hits[0].Fields["doc"])
}

func decodeAgencyHit(id string, v any) (AgencyDoc, error) {
	raw, _ := v.(string)
	var d AgencyDoc
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return AgencyDoc{}, fmt.Errorf("search: decode agency %s: %w", id, err)
	}
	return d, nil
}

func (b *bleveAgencies) SearchAgencies(ctx context.Context, q AgencyQuery) (AgencyHits, error) {
	if err := checkQuery(q); err != nil {
		return AgencyHits{}, err
	}
	q.Q = QueryText(q.Q)
	analysed := strings.TrimSpace(q.Q) != ""
	if analysed && len(b.analyzer.Analyze([]byte(q.Q))) == 0 {
		// Only punctuation: nothing can match.
		return AgencyHits{Hits: []AgencyDoc{}, Facets: map[string]map[string]int{}}, nil
	}
	return b.searchEngine(ctx, q, analysed)
}

func (b *bleveAgencies) Ping(ctx context.Context) error {
	if _, err := b.idx.DocCount(); err != nil {
		return fmt.Errorf("search: agency index: %w", kawan.ErrUnavailable)
	}
	return nil
}

func (b *bleveAgencies) Close() error {
	b.closeOnce.Do(func() {
		b.closed.Store(true)
		close(b.stop)
		<-b.done
	})
	return b.idx.Close()
}

// openVersioned opens the Bleve index at path, or creates it with mk's mapping. An index
// whose recorded mapping version is not version was built by another version of Kawan: it
// is deleted and created again, empty (a derived copy: the reconcilers rebuild it from the
// database). kind names the index in errors.
func openVersioned(path, kind, version string, mk func() (mapping.IndexMapping, error)) (bleve.Index, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("search: create index directory: %w", err)
	}
	idx, err := bleve.Open(path)
	if err == nil {
		if v, _ := idx.GetInternal([]byte("kawan_mapping")); string(v) != version {
			_ = idx.Close()
			if err := os.RemoveAll(path); err != nil {
				return nil, fmt.Errorf("search: remove outdated %s index %s: %w", kind, path, err)
			}
			err = bleve.ErrorIndexPathDoesNotExist
		}
	}
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		var m mapping.IndexMapping
		if m, err = mk(); err == nil {
			if idx, err = bleve.New(path, m); err == nil {
				err = idx.SetInternal([]byte("kawan_mapping"), []byte(version))
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("search: open %s index %s: %w", kind, path, err)
	}
	return idx, nil
}

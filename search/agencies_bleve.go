package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/kawan-labs/kawan"
)

// agencyMappingVersion changes whenever agencyMapping does; an index built with another
// version is rebuilt empty on open (the reconciler then reindexes it from the database).
const agencyMappingVersion = "3"

// agencyAnalyzer folds accents and case and splits on Unicode word boundaries; no stop
// words and no stemming (agency names are names).
const agencyAnalyzer = "kawan_name"

// bleveAgency is the indexed form of an AgencyDoc: analysed name and search text, keyword
// filter fields, numeric sort fields, and the whole public document as a stored JSON field.
type bleveAgency struct {
	Name            string   `json:"name"`
	All             string   `json:"all"`
	NameSort        string   `json:"name_sort"`
	Origin          string   `json:"origin"`
	Destinations    []string `json:"destination"`
	Sectors         []string `json:"sector"`
	Standing        string   `json:"standing"`
	LicenceStatuses []string `json:"licence_status"`
	Rating          float64  `json:"rating"`
	Reviews         float64  `json:"reviews"`
	// RatingRank and ReviewsRank fold each sort order into one number: one doc value per
	// match to read instead of three (rating, then reviews; reviews, then rating).
	RatingRank  float64 `json:"rating_rank"`
	ReviewsRank float64 `json:"reviews_rank"`
	Doc         string  `json:"doc"`
}

// Type implements bleve's mapping.Classifier.
func (bleveAgency) Type() string { return "agency" }

func agencyMapping() (mapping.IndexMapping, error) {
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store, f.IncludeInAll, f.IncludeTermVectors = false, false, false
		return f
	}
	num := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store, f.IncludeInAll = false, false
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
	for _, f := range []string{"name_sort", "origin", "destination", "sector", "standing", "licence_status"} {
		dm.AddFieldMappingsAt(f, kw())
	}
	dm.AddFieldMappingsAt("rating", num())
	dm.AddFieldMappingsAt("reviews", num())
	dm.AddFieldMappingsAt("rating_rank", num())
	dm.AddFieldMappingsAt("reviews_rank", num())
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
	facets   facetCache
	// noFacetCache counts facets for every query (Options.NoFacetCache).
	noFacetCache bool
}

// facetCache keeps facet counts per query (text and filters, not page or sort) until the next
// write to the index: Bleve counts facets at about 5 µs per matching agency, so a common word
// over 100,000 agencies costs far more than the search itself. Pages 2, 3, … of a search, a
// change of sort, and popular searches and filter pages reuse the counts.
type facetCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]cachedFacets
}

type cachedFacets struct {
	gen    uint64
	facets map[string]map[string]int
}

func (c *facetCache) bump() {
	c.mu.Lock()
	c.gen++
	c.m = nil
	c.mu.Unlock()
}

func (c *facetCache) get(key string) (map[string]map[string]int, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e.facets, c.gen, ok && e.gen == c.gen
}

func (c *facetCache) put(key string, gen uint64, f map[string]map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // the index changed while we counted
	}
	if c.m == nil || len(c.m) >= 512 {
		c.m = map[string]cachedFacets{}
	}
	c.m[key] = cachedFacets{gen: gen, facets: f}
}

func copyFacets(f map[string]map[string]int) map[string]map[string]int {
	out := make(map[string]map[string]int, len(f))
	for k, v := range f {
		m := make(map[string]int, len(v))
		for a, n := range v {
			m[a] = n
		}
		out[k] = m
	}
	return out
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
	return &bleveAgencies{idx: idx, analyzer: an}, nil
}

func agencyToBleve(d AgencyDoc) (bleveAgency, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return bleveAgency{}, fmt.Errorf("search: encode agency %s: %w", d.ID, err)
	}
	names := strings.Join(append([]string{d.Name}, d.TradeNames...), " ")
	return bleveAgency{
		Name: names, All: names + " " + searchText(d), NameSort: sortKey(d.Name), Origin: d.Origin,
		Destinations: d.Destinations, Sectors: d.Sectors, Standing: d.Standing, LicenceStatuses: d.LicenceStatuses,
		Rating: d.Rating, Reviews: float64(d.Reviews), Doc: string(raw),
		RatingRank:  math.Round(d.Rating*1000)*1e7 + float64(min(d.Reviews, 9_999_999)),
		ReviewsRank: float64(min(d.Reviews, 9_999_999))*1e4 + math.Round(d.Rating*1000),
	}, nil
}

func (b *bleveAgencies) IndexAgencies(ctx context.Context, docs ...AgencyDoc) error {
	defer b.facets.bump()
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
	defer b.facets.bump()
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

// bleveFacetFields maps facet names to indexed fields and how many values to count.
var bleveFacetFields = map[string]struct {
	field string
	size  int
}{
	FacetOrigin: {"origin", 30}, FacetDestination: {"destination", 60}, FacetSector: {"sector", 20},
	FacetStanding: {"standing", 10}, FacetLicenceStatus: {"licence_status", 10},
}

// textQuery builds the per-term query: every term must match, each as an exact word or a
// synonym (name boosted), within TyposAllowed edits (first letter fixed), or, for the last
// term of a query still being typed, as a prefix.
func (b *bleveAgencies) textQuery(q string) query.Query {
	var terms []string
	for _, tok := range b.analyzer.Analyze([]byte(q)) {
		if t := string(tok.Term); t != "" && len(terms) < 16 {
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		return nil
	}
	typing := !strings.HasSuffix(q, " ")
	var must []query.Query
	for i, t := range terms {
		var alts []query.Query
		add := func(qq interface {
			query.Query
			SetField(string)
			SetBoost(float64)
		}, field string, boost float64) {
			qq.SetField(field)
			qq.SetBoost(boost)
			alts = append(alts, qq)
		}
		// One field ("all": name and every other searchable word) carries the match; the
		// name field only adds a bonus when the exact word is in the name. Fewer
		// sub-queries per term keep common words cheap on 100,000 agencies.
		add(bleve.NewTermQuery(t), "all", 1)
		add(bleve.NewTermQuery(t), "name", 3)
		for _, w := range Synonyms(t) {
			add(bleve.NewTermQuery(w), "all", 0.5)
		}
		if n := TyposAllowed(t); n > 0 {
			fq := bleve.NewFuzzyQuery(t)
			fq.SetFuzziness(n)
			fq.SetPrefix(1)
			add(fq, "all", 0.4)
		}
		if i == len(terms)-1 && typing && len([]rune(t)) >= 2 {
			add(bleve.NewPrefixQuery(t), "all", 0.6)
		}
		must = append(must, bleve.NewDisjunctionQuery(alts...))
	}
	if len(must) == 1 {
		return must[0]
	}
	return bleve.NewConjunctionQuery(must...)
}

func (b *bleveAgencies) SearchAgencies(ctx context.Context, q AgencyQuery) (AgencyHits, error) {
	if err := checkQuery(q); err != nil {
		return AgencyHits{}, err
	}
	var must []query.Query
	if tq := b.textQuery(q.Q); tq != nil {
		must = append(must, tq)
	} else if strings.TrimSpace(q.Q) != "" {
		// Only punctuation: nothing can match.
		return AgencyHits{Hits: []AgencyDoc{}, Facets: map[string]map[string]int{}}, nil
	}
	term := func(field, v string) {
		if v != "" {
			t := bleve.NewTermQuery(v)
			t.SetField(field)
			t.SetBoost(0)
			must = append(must, t)
		}
	}
	term("origin", q.Origin)
	term("destination", q.Destination)
	term("sector", q.Sector)
	term("standing", q.Standing)
	term("licence_status", q.LicenceStatus)
	if q.MinRating > 0 {
		incl := true
		r := bleve.NewNumericRangeInclusiveQuery(&q.MinRating, nil, &incl, nil)
		r.SetField("rating")
		one := 1.0
		n := bleve.NewNumericRangeInclusiveQuery(&one, nil, &incl, nil)
		n.SetField("reviews")
		must = append(must, r, n)
	}
	var qq query.Query = bleve.NewMatchAllQuery()
	switch len(must) {
	case 0:
	case 1:
		qq = must[0]
	default:
		qq = bleve.NewConjunctionQuery(must...)
	}
	req := bleve.NewSearchRequestOptions(qq, q.PerPage, (q.Page-1)*q.PerPage, false)
	req.Fields = []string{"doc"}
	// Sort keys are read from doc values for every match, so each key costs on common words
	// over 100,000 agencies: relevance sorts by score alone (ties stay in index order), and no
	// sort ends with _id (its lookup per match is the most expensive of all).
	switch agencySort(q) {
	case AgencySortRating:
		req.SortBy([]string{"-rating_rank"})
	case AgencySortReviews:
		req.SortBy([]string{"-reviews_rank"})
	case AgencySortName:
		req.SortBy([]string{"name_sort"})
	default:
		req.SortBy([]string{"-_score"})
	}
	var cacheKey string
	var gen uint64
	var cached map[string]map[string]int
	if q.Facets {
		hit := false
		cacheKey = fmt.Sprintf("%s|%s|%s|%s|%s|%g|%s", q.Origin, q.Destination, q.Sector, q.Standing, q.LicenceStatus, q.MinRating,
			strings.Join(strings.Fields(strings.ToLower(q.Q)), " "))
		if b.noFacetCache {
			cacheKey = ""
		} else {
			cached, gen, hit = b.facets.get(cacheKey)
		}
		if !hit {
			cached = nil
			for _, name := range AgencyFacets {
				f := bleveFacetFields[name]
				req.AddFacet(name, bleve.NewFacetRequest(f.field, f.size))
			}
		}
	}
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return AgencyHits{}, bleveErr("search agencies", err)
	}
	out := AgencyHits{Total: int(res.Total), Hits: make([]AgencyDoc, 0, len(res.Hits)), Facets: map[string]map[string]int{}}
	for _, h := range res.Hits {
		d, err := decodeAgencyHit(h.ID, h.Fields["doc"])
		if err != nil {
			return AgencyHits{}, err
		}
		out.Hits = append(out.Hits, d)
	}
	if cached != nil {
		out.Facets = copyFacets(cached)
		return out, nil
	}
	for name, fr := range res.Facets {
		m := map[string]int{}
		if fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				m[t.Term] = t.Count
			}
		}
		out.Facets[name] = m
	}
	if cacheKey != "" {
		b.facets.put(cacheKey, gen, copyFacets(out.Facets))
	}
	return out, nil
}

func (b *bleveAgencies) Ping(ctx context.Context) error {
	if _, err := b.idx.DocCount(); err != nil {
		return fmt.Errorf("search: agency index: %w", kawan.ErrUnavailable)
	}
	return nil
}

func (b *bleveAgencies) Close() error { return b.idx.Close() }

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

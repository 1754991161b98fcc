package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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

// agencyAnalyzer folds accents and case and splits on Unicode word boundaries; no stop
// words and no stemming (agency names are names).
const agencyAnalyzer = "kawan_name"

// bleveAgency is the indexed form of an AgencyDoc: analysed name and search text, keyword
// filter fields, numeric sort fields, and the whole public document as a stored JSON field.
type bleveAgency struct {
	Name            string   `json:"name"`
	Text            string   `json:"text"`
	NameSort        string   `json:"name_sort"`
	Origin          string   `json:"origin"`
	Destinations    []string `json:"destination"`
	Sectors         []string `json:"sector"`
	Standing        string   `json:"standing"`
	LicenceStatuses []string `json:"licence_status"`
	Rating          float64  `json:"rating"`
	Reviews         float64  `json:"reviews"`
	Doc             string   `json:"doc"`
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
	dm.AddFieldMappingsAt("text", text())
	for _, f := range []string{"name_sort", "origin", "destination", "sector", "standing", "licence_status"} {
		dm.AddFieldMappingsAt(f, kw())
	}
	dm.AddFieldMappingsAt("rating", num())
	dm.AddFieldMappingsAt("reviews", num())
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
}

func openBleveAgencies(path string) (*bleveAgencies, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("search: create index directory: %w", err)
	}
	idx, err := bleve.Open(path)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		var m mapping.IndexMapping
		if m, err = agencyMapping(); err == nil {
			idx, err = bleve.New(path, m)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("search: open agency index %s: %w", path, err)
	}
	an := idx.Mapping().AnalyzerNamed(agencyAnalyzer)
	if an == nil {
		_ = idx.Close()
		return nil, fmt.Errorf("search: agency index %s was built with another mapping; delete it and run kawan reindex", path)
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
		Name: names, Text: searchText(d), NameSort: sortKey(d.Name), Origin: d.Origin,
		Destinations: d.Destinations, Sectors: d.Sectors, Standing: d.Standing, LicenceStatuses: d.LicenceStatuses,
		Rating: d.Rating, Reviews: float64(d.Reviews), Doc: string(raw),
	}, nil
}

func (b *bleveAgencies) IndexAgencies(ctx context.Context, docs ...AgencyDoc) error {
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
		for _, w := range append([]string{t}, Synonyms(t)...) {
			boost := 1.0
			if w != t {
				boost = 0.6
			}
			add(bleve.NewTermQuery(w), "name", 4*boost)
			add(bleve.NewTermQuery(w), "text", 1*boost)
		}
		if n := TyposAllowed(t); n > 0 {
			for _, field := range []string{"name", "text"} {
				fq := bleve.NewFuzzyQuery(t)
				fq.SetFuzziness(n)
				fq.SetPrefix(1)
				boost := 0.5
				if field == "name" {
					boost = 2
				}
				add(fq, field, boost)
			}
		}
		if i == len(terms)-1 && typing && len([]rune(t)) >= 2 {
			add(bleve.NewPrefixQuery(t), "name", 2)
			add(bleve.NewPrefixQuery(t), "text", 0.5)
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
	switch agencySort(q) {
	case AgencySortRating:
		req.SortBy([]string{"-rating", "-reviews", "name_sort", "_id"})
	case AgencySortReviews:
		req.SortBy([]string{"-reviews", "-rating", "name_sort", "_id"})
	case AgencySortName:
		req.SortBy([]string{"name_sort", "_id"})
	default:
		req.SortBy([]string{"-_score", "name_sort", "_id"})
	}
	if q.Facets {
		for _, name := range AgencyFacets {
			f := bleveFacetFields[name]
			req.AddFacet(name, bleve.NewFacetRequest(f.field, f.size))
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
	for name, fr := range res.Facets {
		m := map[string]int{}
		if fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				m[t.Term] = t.Count
			}
		}
		out.Facets[name] = m
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

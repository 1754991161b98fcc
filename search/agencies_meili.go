package search

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/meilisearch/meilisearch-go"

	"github.com/kawan-labs/kawan"
)

// meiliAgenciesUID is the Meilisearch index that holds agencies.
const meiliAgenciesUID = "kawan_agencies"

// meiliAgency is the indexed form of an AgencyDoc in Meilisearch: searchable text, filter
// and sort fields named as the facets are, and the whole public document as a JSON string.
type meiliAgency struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Text            string   `json:"text"`
	NameSort        string   `json:"name_sort"`
	Origin          string   `json:"origin"`
	Destinations    []string `json:"destination"`
	Sectors         []string `json:"sector"`
	Standing        string   `json:"standing"`
	LicenceStatuses []string `json:"licence_status"`
	Rating          float64  `json:"rating"`
	Reviews         int64    `json:"reviews"`
	// Trust is agencyTrust(Standing): a ranking rule after the relevance rules, so licensed
	// agencies come before unlicensed ones that match as well (as on Bleve).
	Trust int    `json:"trust"`
	Doc   string `json:"doc"`
}

type meiliAgencies struct {
	*meiliIndex
}

// meiliSynonyms turns the synonym groups into Meilisearch's map (each word → the others).
func meiliSynonyms() map[string][]string {
	out := map[string][]string{}
	for _, g := range synonymGroups {
		for _, w := range g {
			out[w] = Synonyms(w)
		}
	}
	return out
}

func openMeiliAgencies(ctx context.Context, o Options) (Index, error) {
	return openMeiliAgenciesUID(ctx, o, meiliAgenciesUID)
}

// meiliAgencyRankingRules: a chosen sort first (so q=manpower&sort=rating is in rating
// order, as on Bleve), then relevance, then Bleve's tie-breakers: licensed before
// unlicensed (trust), then A–Z.
var meiliAgencyRankingRules = []string{"sort", "words", "typo", "proximity", "attribute", "exactness", "trust:asc", "name_sort:asc"}

// meiliAgencySettings is the agency index's configuration: the searchable attributes (name
// first), filterable and sortable attributes, the ranking rules, synonyms and a window of
// MaxAgencyWindow hits so totals are exact. Typo tolerance (1 typo from 5 letters, 2 from
// 9, as TyposAllowed says) and 100 values per facet are Meilisearch's defaults and are not
// sent (see MeiliMinVersion).
func meiliAgencySettings() *meilisearch.Settings {
	return &meilisearch.Settings{
		SearchableAttributes: []string{"name", "text"},
		FilterableAttributes: []string{"origin", "destination", "sector", "standing", "licence_status", "rating", "reviews"},
		SortableAttributes:   []string{"name_sort", "rating", "reviews", "id", "trust"},
		DisplayedAttributes:  []string{"id", "doc"},
		RankingRules:         meiliAgencyRankingRules,
		Synonyms:             meiliSynonyms(),
		Pagination:           &meilisearch.Pagination{MaxTotalHits: MaxAgencyWindow},
	}
}

// openMeiliAgenciesUID opens an agency index. It does not fail when Meilisearch is down,
// slow or refuses the key: Ping reports it, and the index is configured (ensure) as soon
// as a write or a readiness check reaches it.
func openMeiliAgenciesUID(ctx context.Context, o Options, uid string) (*meiliAgencies, error) {
	m := &meiliAgencies{newMeiliIndex(o, uid, "agency index", meiliAgencySettings())}
	m.open(ctx)
	return m, nil
}

func (m *meiliAgencies) IndexAgencies(ctx context.Context, docs ...AgencyDoc) error {
	if len(docs) == 0 {
		return nil
	}
	out := make([]meiliAgency, 0, len(docs))
	for _, d := range docs {
		if _, ok := meiliDocPath(d.ID); !ok {
			return fmt.Errorf("search: agency id %q cannot be a Meilisearch document id", d.ID)
		}
		raw, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("search: encode agency %s: %w", d.ID, err)
		}
		out = append(out, meiliAgency{
			ID: d.ID, Name: nameText(d), Text: searchText(d), NameSort: sortKey(d.Name),
			Origin: d.Origin, Destinations: nonNilStrings(d.Destinations), Sectors: nonNilStrings(d.Sectors), Standing: d.Standing,
			LicenceStatuses: nonNilStrings(d.LicenceStatuses), Rating: d.Rating, Reviews: d.Reviews, Trust: int(agencyTrust(d.Standing)), Doc: string(raw),
		})
	}
	if err := m.ensure(ctx); err != nil {
		return err
	}
	pk := "id"
	task, err := m.idx.AddDocumentsWithContext(ctx, out, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err != nil {
		return meiliErr("index agencies", err)
	}
	return m.wait(ctx, "index agencies", task)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (m *meiliAgencies) DeleteAgency(ctx context.Context, id string) error {
	return m.deleteDoc(ctx, "delete agency", id)
}

func (m *meiliAgencies) GetAgency(ctx context.Context, id string) (AgencyDoc, error) {
	path, ok := meiliDocPath(id)
	if !ok {
		return AgencyDoc{}, fmt.Errorf("search: agency %q: %w", id, kawan.ErrNotFound)
	}
	var hit struct {
		Doc string `json:"doc"`
	}
	err := m.idx.GetDocumentWithContext(ctx, path, &meilisearch.DocumentQuery{Fields: []string{"doc"}}, &hit)
	if err != nil {
		if meiliCode(err) == "document_not_found" {
			return AgencyDoc{}, fmt.Errorf("search: agency %s: %w", id, kawan.ErrNotFound)
		}
		return AgencyDoc{}, meiliErr("get agency", err)
	}
	return decodeAgencyHit(id, hit.Doc)
}

func (m *meiliAgencies) SearchAgencies(ctx context.Context, q AgencyQuery) (AgencyHits, error) {
	if err := checkQuery(q); err != nil {
		return AgencyHits{}, err
	}
	var filters []string
	eq := func(field, v string) {
		if v != "" {
			filters = append(filters, field+" = "+meiliQuote(v))
		}
	}
	eq("origin", q.Origin)
	eq("destination", q.Destination)
	eq("sector", q.Sector)
	eq("standing", q.Standing)
	eq("licence_status", q.LicenceStatus)
	if q.MinRating > 0 {
		filters = append(filters, fmt.Sprintf("rating >= %g", q.MinRating), "reviews >= 1")
	}
	per := int64(q.PerPage)
	req := &meilisearch.SearchRequest{
		AttributesToRetrieve: []string{"doc"},
		MatchingStrategy:     meilisearch.All, // every word must match, as in Bleve
		HitsPerPage:          &per,
		Page:                 int64(q.Page), // page mode: exact totalHits
	}
	if len(filters) > 0 {
		req.Filter = strings.Join(filters, " AND ")
	}
	if q.Facets {
		req.Facets = AgencyFacets
	}
	switch agencySort(q) {
	case AgencySortRating:
		req.Sort = []string{"rating:desc", "reviews:desc", "name_sort:asc", "id:asc"}
	case AgencySortReviews:
		req.Sort = []string{"reviews:desc", "rating:desc", "name_sort:asc", "id:asc"}
	case AgencySortName:
		req.Sort = []string{"name_sort:asc", "id:asc"}
	case AgencySortRelevance:
		// The ranking rules: relevance, then trust, then A–Z (no sort: "sort" comes first).
	}
	query := QueryText(q.Q)
	if strings.TrimSpace(query) == "" {
		query = ""
	} else if !hasWord(query) {
		return AgencyHits{Hits: []AgencyDoc{}, Facets: map[string]map[string]int{}}, nil
	}
	res, err := m.idx.SearchWithContext(ctx, query, req)
	if err != nil {
		return AgencyHits{}, meiliErr("search agencies", err)
	}
	out := AgencyHits{Total: int(res.TotalHits), Hits: make([]AgencyDoc, 0, len(res.Hits)), Facets: map[string]map[string]int{}}
	for _, h := range res.Hits {
		var raw string
		if err := json.Unmarshal(h["doc"], &raw); err != nil {
			return AgencyHits{}, fmt.Errorf("search: decode agency hit: %w", err)
		}
		d, err := decodeAgencyHit("", raw)
		if err != nil {
			return AgencyHits{}, err
		}
		out.Hits = append(out.Hits, d)
	}
	if q.Facets && len(res.FacetDistribution) > 0 {
		if err := json.Unmarshal(res.FacetDistribution, &out.Facets); err != nil {
			return AgencyHits{}, fmt.Errorf("search: decode facets: %w", err)
		}
	}
	if agencySort(q) == AgencySortRelevance && query != "" && q.Page == 1 && len(out.Hits) > 0 && agencyTrust(out.Hits[0].Standing) == untrusted {
		// As in Bleve (promoteTrusted): the best licensed match goes first. Only the first
		// page is reordered here (Bleve keeps later pages consistent too).
		treq := *req
		one := int64(1)
		treq.HitsPerPage, treq.Page, treq.Facets = &one, 1, nil
		trusted := `standing IN ["licensed", "sanctioned"]`
		if f, _ := req.Filter.(string); f != "" {
			trusted = f + " AND " + trusted
		}
		treq.Filter = trusted
		tres, err := m.idx.SearchWithContext(ctx, query, &treq)
		if err != nil {
			return AgencyHits{}, meiliErr("search agencies", err)
		}
		if len(tres.Hits) == 1 {
			var raw string
			if err := json.Unmarshal(tres.Hits[0]["doc"], &raw); err != nil {
				return AgencyHits{}, fmt.Errorf("search: decode agency hit: %w", err)
			}
			best, err := decodeAgencyHit("", raw)
			if err != nil {
				return AgencyHits{}, err
			}
			ids := make([]string, len(out.Hits))
			byID := map[string]AgencyDoc{best.ID: best}
			for i, d := range out.Hits {
				ids[i], byID[d.ID] = d.ID, d
			}
			ids = promoteTrusted(ids, []string{best.ID}, func(id string) uint8 { return agencyTrust(byID[id].Standing) })
			out.Hits = out.Hits[:0]
			for _, id := range ids[:min(len(ids), q.PerPage)] {
				out.Hits = append(out.Hits, byID[id])
			}
		}
	}
	return out, nil
}

// hasWord reports whether s has a letter or digit, in any script (a query of punctuation
// or symbols matches nothing, as in Bleve, where Meilisearch would match everything).
func hasWord(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}

func (m *meiliAgencies) Ping(ctx context.Context) error { return m.ping(ctx) }

// Drop deletes the index (tests).
func (m *meiliAgencies) Drop(ctx context.Context) error { return m.drop(ctx) }

func (m *meiliAgencies) Close() error { return nil }

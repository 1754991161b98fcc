package search

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// oracleQuery is the query Bleve's own search ran before the engine (agencies_engine.go):
// the same words, synonyms, typo tolerance and prefix, evaluated by Bleve. The engine must
// find exactly the agencies it finds.
func oracleQuery(b *bleveAgencies, q AgencyQuery) query.Query {
	var must []query.Query
	var terms []string
	for _, tok := range b.analyzer.Analyze([]byte(q.Q)) {
		if t := string(tok.Term); t != "" && len(terms) < 16 {
			terms = append(terms, t)
		}
	}
	typing := !strings.HasSuffix(q.Q, " ")
	for i, t := range terms {
		field := func(qq interface {
			query.Query
			SetField(string)
		}) query.Query {
			qq.SetField("all")
			return qq
		}
		alts := []query.Query{field(bleve.NewTermQuery(t))}
		for _, w := range Synonyms(t) {
			alts = append(alts, field(bleve.NewTermQuery(w)))
		}
		if n := TyposAllowed(t); n > 0 {
			fq := bleve.NewFuzzyQuery(t)
			fq.SetFuzziness(n)
			fq.SetPrefix(1)
			alts = append(alts, field(fq))
			// Synonyms of the indexed words within the typo distance.
			for _, e := range fuzzyDictTerms(b, t, n) {
				for _, w := range Synonyms(e) {
					alts = append(alts, field(bleve.NewTermQuery(w)))
				}
			}
		}
		if i == len(terms)-1 && typing && len([]rune(t)) >= 2 {
			alts = append(alts, field(bleve.NewPrefixQuery(t)))
		}
		must = append(must, bleve.NewDisjunctionQuery(alts...))
	}
	for _, f := range []struct{ field, v string }{{"origin", q.Origin}, {"destination", q.Destination}, {"sector", q.Sector},
		{"standing", q.Standing}, {"licence_status", q.LicenceStatus}} {
		if f.v != "" {
			t := bleve.NewTermQuery(f.v)
			t.SetField(f.field)
			must = append(must, t)
		}
	}
	if len(must) == 0 {
		return bleve.NewMatchAllQuery()
	}
	return bleve.NewConjunctionQuery(must...)
}

// fuzzyDictTerms lists the terms of the "all" field within n edits of t (same first letter),
// as Bleve's index reader finds them.
func fuzzyDictTerms(b *bleveAgencies, t string, n int) []string {
	snap, err := b.snapshot()
	if err != nil {
		panic(err)
	}
	defer snap.Close()
	_, size := utf8.DecodeRuneInString(t)
	fd, err := snap.FieldDictFuzzy("all", t, n, t[:size])
	if err != nil {
		panic(err)
	}
	defer fd.Close()
	var out []string
	for e, err := fd.Next(); e != nil && err == nil; e, err = fd.Next() {
		out = append(out, e.Term)
	}
	return out
}

// randomAgencies makes n agencies from a small vocabulary (so that words, typos, prefixes,
// synonyms and filters overlap a lot), with unique names.
func randomAgencies(r *rand.Rand, n int) []AgencyDoc {
	words := []string{"himalaya", "himalayan", "everest", "manpower", "recruitment", "placement", "agency", "overseas",
		"foreign", "global", "services", "bayanihan", "nusantara", "karya", "mandiri", "golden", "land", "mekong", "labour",
		"export", "annapurna", "gorkha", "lumbini", "manila", "makati", "maid", "domestic", "care", "caregiver", "sagar"}
	origins := []string{"NP", "PH", "ID", "BD", "MM", "VN"}
	dests := []string{"QA", "SA", "AE", "MY", "HK", "SG", "TW", "JP", "KR"}
	sectors := []string{"construction", "domestic_work", "care", "manufacturing", "agriculture", "fishing"}
	standings := []string{"licensed", "licence_problem", "sanctioned", "blacklisted", "unknown"}
	statuses := []string{"active", "suspended", "revoked", "cancelled", "expired", "pending"}
	pick := func(from []string, k int) []string {
		out := []string{}
		for _, i := range r.Perm(len(from))[:k] {
			out = append(out, from[i])
		}
		return out
	}
	docs := make([]AgencyDoc, n)
	for i := range docs {
		name := strings.Join(pick(words, 1+r.IntN(3)), " ")
		d := AgencyDoc{
			ID: fmt.Sprintf("a%04d", i), Name: fmt.Sprintf("%s %d", name, i), Origin: origins[r.IntN(len(origins))],
			City: []string{"Kathmandu", "Pokhara", "Manila", "Jakarta", "Dhaka"}[r.IntN(5)], Destinations: pick(dests, r.IntN(4)),
			Sectors: pick(sectors, r.IntN(3)), LicenceStatuses: pick(statuses, r.IntN(3)), Standing: standings[r.IntN(len(standings))],
			UpdatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		}
		if r.IntN(3) == 0 {
			d.TradeNames = pick(words, 1)
		}
		if r.IntN(2) == 0 {
			d.Reviews = int64(1 + r.IntN(50))
			d.Rating = float64(10+r.IntN(41)) / 10
		}
		docs[i] = d
	}
	return docs
}

// TestAgencyEngineMatchesBleve checks the engine against Bleve's own evaluation of the same
// query (the set of matches) and against counts and sorts computed here from the documents
// (facets over all matches, every sort order), on a random index of several segments with
// replaced and deleted agencies.
func TestAgencyEngineMatchesBleve(t *testing.T) {
	ctx := context.Background()
	b, err := openBleveAgencies(t.TempDir() + "/agencies.bleve")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r := rand.New(rand.NewPCG(4, 7))
	docs := randomAgencies(r, 1500)
	for i := 0; i < len(docs); i += 97 { // many small batches: many segments
		if err := b.IndexAgencies(ctx, docs[i:min(i+97, len(docs))]...); err != nil {
			t.Fatal(err)
		}
	}
	byID := map[string]AgencyDoc{}
	for _, d := range docs {
		byID[d.ID] = d
	}
	// Replace some (the old copies become deleted documents of older segments), delete some.
	more := randomAgencies(r, 1500)
	for i := 0; i < 300; i++ {
		d := more[r.IntN(len(more))]
		d.ID = docs[r.IntN(len(docs))].ID
		d.Name = fmt.Sprintf("%s r%d", d.Name, i)
		if err := b.IndexAgencies(ctx, d); err != nil {
			t.Fatal(err)
		}
		byID[d.ID] = d
	}
	for range 100 {
		id := docs[r.IntN(len(docs))].ID
		if err := b.DeleteAgency(ctx, id); err != nil {
			t.Fatal(err)
		}
		delete(byID, id)
	}

	texts := []string{"", "", "manpower", "manpwer nepal", "himalaya", "himal", "bayanihn", "recruitmnt", "placement agency",
		"global ", "karya mandiri", "caregiver", "maid", "everest manpower", "annapurrna", "sa", "golden lan", "labour export",
		"overseas", "services", "mekong", "xyz", "gorka"}
	sorts := []string{"", AgencySortRelevance, AgencySortName, AgencySortRating, AgencySortReviews}
	nonEmpty, multiPage := 0, 0
	for n := range 120 {
		q := AgencyQuery{Q: texts[r.IntN(len(texts))], Sort: sorts[r.IntN(len(sorts))], Facets: true, Page: 1, PerPage: 100}
		switch n % 6 {
		case 1:
			q.Origin = []string{"NP", "PH", "ID", "XX"}[r.IntN(4)]
		case 2:
			q.Destination, q.Sector = "SA", "care"
		case 3:
			q.Standing, q.LicenceStatus = "licensed", "active"
		case 4:
			q.MinRating = float64(r.IntN(50)) / 10
		}
		// Bleve's matches.
		req := bleve.NewSearchRequestOptions(oracleQuery(b, q), 10000, 0, false)
		req.Score = "none"
		res, err := b.idx.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		var want []AgencyDoc
		for _, h := range res.Hits {
			d, ok := byID[h.ID]
			if !ok {
				t.Fatalf("%+v: Bleve found %s, which was deleted", q, h.ID)
			}
			if q.MinRating > 0 && (d.Reviews < 1 || d.Rating < q.MinRating) {
				continue
			}
			want = append(want, d)
		}
		// The engine's, every page.
		var got []AgencyDoc
		var first AgencyHits
		for page := 1; page <= 20; page++ {
			q.Page = page
			h, err := b.SearchAgencies(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			if page == 1 {
				first = h
			}
			if h.Total != len(want) {
				t.Fatalf("%+v: total %d, Bleve finds %d", q, h.Total, len(want))
			}
			got = append(got, h.Hits...)
			if len(h.Hits) < q.PerPage {
				break
			}
		}
		q.Page = 1
		if len(want) > 0 {
			nonEmpty++
		}
		if len(want) > q.PerPage {
			multiPage++
		}
		ids := func(ds []AgencyDoc) []string {
			out := make([]string, len(ds))
			for i, d := range ds {
				out[i] = d.ID
			}
			return out
		}
		gotIDs, wantIDs := ids(got), ids(want)
		slices.Sort(wantIDs)
		sortedGot := slices.Clone(gotIDs)
		slices.Sort(sortedGot)
		if !slices.Equal(sortedGot, wantIDs) {
			t.Fatalf("%+v: the engine finds %d agencies %v…, Bleve %d %v…", q, len(got), head(sortedGot), len(wantIDs), head(wantIDs))
		}
		// Facets: exact counts over all matches.
		wantFacets := map[string]map[string]int{}
		for _, f := range AgencyFacets {
			wantFacets[f] = map[string]int{}
		}
		for _, d := range want {
			wantFacets[FacetOrigin][d.Origin]++
			wantFacets[FacetStanding][d.Standing]++
			for _, v := range d.Destinations {
				wantFacets[FacetDestination][v]++
			}
			for _, v := range d.Sectors {
				wantFacets[FacetSector][v]++
			}
			for _, v := range d.LicenceStatuses {
				wantFacets[FacetLicenceStatus][v]++
			}
		}
		if fmt.Sprint(first.Facets) != fmt.Sprint(wantFacets) {
			t.Fatalf("%+v: facets\n got %v\nwant %v", q, first.Facets, wantFacets)
		}
		// Sort orders other than relevance, computed here.
		var order func(a, b AgencyDoc) int
		switch agencySort(q) {
		case AgencySortName:
			order = func(a, b AgencyDoc) int { return strings.Compare(sortKey(a.Name), sortKey(b.Name)) }
		case AgencySortRating:
			order = func(a, b AgencyDoc) int {
				return cmp.Or(cmp.Compare(b.Rating, a.Rating), cmp.Compare(b.Reviews, a.Reviews), strings.Compare(sortKey(a.Name), sortKey(b.Name)))
			}
		case AgencySortReviews:
			order = func(a, b AgencyDoc) int {
				return cmp.Or(cmp.Compare(b.Reviews, a.Reviews), cmp.Compare(b.Rating, a.Rating), strings.Compare(sortKey(a.Name), sortKey(b.Name)))
			}
		}
		if order != nil {
			slices.SortStableFunc(want, order)
			if w := ids(want); !slices.Equal(gotIDs, w) {
				t.Fatalf("%+v: order\n got %v\nwant %v", q, head(gotIDs), head(w))
			}
		}
		// Hits are the stored documents as indexed.
		for _, d := range first.Hits {
			if fmt.Sprint(d) != fmt.Sprint(byID[d.ID]) {
				t.Fatalf("hit %s: %+v, indexed %+v", d.ID, d, byID[d.ID])
			}
		}
	}
	if nonEmpty < 60 || multiPage < 15 {
		t.Errorf("the random queries test too little: %d of 120 match anything, %d more than a page", nonEmpty, multiPage)
	}
	t.Logf("%d of 120 random queries match, %d more than a page", nonEmpty, multiPage)
}

func head(s []string) []string { return s[:min(len(s), 8)] }

// Relevance: an exact word beats a prefix, which beats a synonym, which beats a typo; an exact
// word in the name beats one elsewhere; equal scores go A–Z. (With "overseas": every agency is
// indexed as a "recruitment agency", so "manpower" and its synonyms match them all.)
func TestAgencyRelevanceOrder(t *testing.T) {
	ctx := context.Background()
	b, err := openBleveAgencies(t.TempDir() + "/agencies.bleve")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	doc := func(id, name, city string) AgencyDoc {
		return AgencyDoc{ID: id, Name: name, City: city, Origin: "NP", Destinations: []string{}, Sectors: []string{}, LicenceStatuses: []string{}}
	}
	if err := b.IndexAgencies(ctx,
		doc("typo", "Oversaes Nepal", ""), doc("synonym", "Foreign Nepal", ""), doc("prefix", "Overseasjobs Nepal", ""),
		doc("city", "Koshi Nepal", "Overseas"), doc("name-b", "B Overseas Nepal", ""), doc("name-a", "A Overseas Nepal", ""),
	); err != nil {
		t.Fatal(err)
	}
	h, err := b.SearchAgencies(ctx, AgencyQuery{Q: "overseas", Page: 1, PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(hitIDs(h)); got != "[name-a name-b city prefix synonym typo]" {
		t.Errorf("relevance order %s", got)
	}
	// Not typing any more (a trailing space): no prefix match.
	if h, _ := b.SearchAgencies(ctx, AgencyQuery{Q: "overseas ", Page: 1, PerPage: 10}); slices.Contains(hitIDs(h), "prefix") {
		t.Errorf("prefix matched after a space: %v", hitIDs(h))
	}
}

// Searches running while agencies are written and segments merged (run with -race).
func TestAgencyEngineConcurrent(t *testing.T) {
	ctx := context.Background()
	b, err := openBleveAgencies(t.TempDir() + "/agencies.bleve")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	docs := randomAgencies(rand.New(rand.NewPCG(1, 2)), 600)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := AgencyQuery{Q: []string{"manpower", "himal", "", "bayanihn"}[(i+w)%4], Facets: true, Page: 1, PerPage: 20}
				if _, err := b.SearchAgencies(ctx, q); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := 0; i < len(docs); i += 20 {
		if err := b.IndexAgencies(ctx, docs[i:i+20]...); err != nil {
			t.Fatal(err)
		}
		if err := b.DeleteAgency(ctx, docs[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	h, err := b.SearchAgencies(ctx, AgencyQuery{Facets: true, Page: 1, PerPage: 1})
	if err != nil || h.Total != len(docs)-len(docs)/20 {
		t.Fatalf("after the writes: %d agencies, %v", h.Total, err)
	}
}

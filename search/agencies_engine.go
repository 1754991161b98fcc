package search

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/kawan-labs/kawan"
)

// The agency query engine of the Bleve backend.
//
// Bleve's own search scores every match with TF-IDF, reads a sort key and every facet field
// from doc values for every match, and with 100,000 agencies a common word ("manpower" and
// its synonyms match half of them) cost 20–90 ms. Here Bleve's index stays the storage (the
// term dictionaries and postings of its immutable segments, and the stored documents), and a
// query is answered with bitmaps:
//
//   - per segment, the postings of every query alternative (the word, its synonyms, its
//     typo-tolerant and prefix expansions from the term dictionary) are ORed per query term
//     and ANDed across terms and with the filters' postings: the set of matches;
//   - facet counts are the cardinalities of the matches ANDed with each facet value's
//     postings, exact over all matches;
//   - the page is chosen from in-memory columns kept per segment (sort orders, rating,
//     reviews), built once when a segment first appears (segments never change; deletes are a
//     bitmap beside them), and only the page's stored documents are read.
//
// Relevance is explicit rather than TF-IDF: each query term scores its best way of matching
// (weights below), an exact word in the name scores a bonus, and equal scores go A–Z by name.
// Equal scores go licensed first (agencyTrust), then A–Z. And an agency with no licence found,
// a licence problem or a blacklisting never ranks first when a licensed agency matches the
// query too: the best licensed match is moved to the top (promoteTrusted), the rest keep
// their order. Such an agency searched by its name is then second, with its warning badge.

// Relevance weights of one query term, by how it matches (the best one counts).
const (
	weightExact        = 10 // the word itself, anywhere (name, trade names, city, countries, sectors, licence numbers)
	weightPrefix       = 6  // a longer word starting with the last term while typing
	weightSynonym      = 5  // a synonym (manpower ~ recruitment ~ placement ~ agency …)
	weightFuzzy1       = 4  // one typo away
	weightFuzzy2       = 3  // two typos away
	weightFuzzySynonym = 2  // a synonym of a word one or two typos away
	weightNameWord     = 30 // bonus: the exact word is in the name or a trade name
)

// maxExpansions bounds the words one typo-tolerant or prefix term expands to (the first
// ones in dictionary order are used): a bound on the work of one query.
const maxExpansions = 1000

// maxFacetValues bounds the distinct values kept per facet field and segment.
const maxFacetValues = 4096

// agencyFacetFields are the indexed fields of AgencyFacets, in the same order, and how many
// values each facet returns at most (the most frequent first).
var agencyFacetFields = [...]struct {
	name, field string
	size        int
}{
	{FacetOrigin, "origin", 30}, {FacetDestination, "destination", 60}, {FacetSector, "sector", 20},
	{FacetStanding, "standing", 10}, {FacetLicenceStatus, "licence_status", 10},
}

// standingFacet is the index of the standing in agencyFacetFields.
const standingFacet = 3

// agencyTrust ranks standings for relevance: licensed agencies first, then licensed but
// sanctioned ones, then every other standing (no licence found, a licence problem,
// blacklisted: untrusted). Meilisearch sorts by the same value (meiliAgency.Trust).
func agencyTrust(standing string) uint8 {
	switch kawan.Standing(standing) {
	case kawan.StandingLicensed:
		return 0
	case kawan.StandingSanctioned:
		return 1
	}
	return untrusted
}

// untrusted is the agencyTrust of an agency without a valid licence.
const untrusted = 2

// promoteTrusted moves best (the best-ranked licensed match, if any) to the top of a
// relevance order whose first hit is untrusted; the others keep their order.
func promoteTrusted[H comparable](order, best []H, trust func(H) uint8) []H {
	if len(order) == 0 || len(best) == 0 || trust(order[0]) < untrusted {
		return order
	}
	out := make([]H, 0, len(order))
	out = append(out, best[0])
	for _, h := range order {
		if h != best[0] {
			out = append(out, h)
		}
	}
	return out
}

// segCols is what the engine keeps in memory for one immutable segment: each facet value's
// postings, the sort columns and the sort orders. Local document numbers index the columns.
type segCols struct {
	n       uint64
	facets  [len(agencyFacetFields)]map[string]*roaring.Bitmap
	trust   []uint8 // agencyTrust of each document
	rating  []float64
	reviews []int64
	name    []string
	// nameRank is a document's position in byName (equal names: lower document first).
	nameRank                    []uint32
	byName, byRating, byReviews []uint32
}

// postingsInto ORs the postings of term in dict into bm.
func postingsInto(dict segment.TermDictionary, term []byte, bm *roaring.Bitmap, pl segment.PostingsList) (segment.PostingsList, error) {
	pl, err := dict.PostingsList(term, nil, pl)
	if err != nil {
		return pl, err
	}
	if o, ok := pl.(interface{ OrInto(*roaring.Bitmap) }); ok {
		o.OrInto(bm)
		return pl, nil
	}
	it := pl.Iterator(false, false, false, nil)
	for p, err := it.Next(); p != nil || err != nil; p, err = it.Next() {
		if err != nil {
			return pl, err
		}
		bm.Add(uint32(p.Number()))
	}
	return pl, nil
}

// termBitmaps returns every term of field in seg with its postings (at most limit terms).
func termBitmaps(seg segment.Segment, field string, limit int) (map[string]*roaring.Bitmap, error) {
	dict, err := seg.Dictionary(field)
	if err != nil {
		return nil, err
	}
	out := map[string]*roaring.Bitmap{}
	it := dict.AutomatonIterator(nil, nil, nil)
	var pl segment.PostingsList
	for e, err := it.Next(); e != nil || err != nil; e, err = it.Next() {
		if err != nil {
			return nil, err
		}
		if len(out) >= limit {
			return nil, fmt.Errorf("search: field %s has more than %d distinct values in one segment", field, limit)
		}
		bm := roaring.New()
		if pl, err = postingsInto(dict, []byte(e.Term), bm, pl); err != nil {
			return nil, err
		}
		out[e.Term] = bm
	}
	return out, nil
}

// buildSegCols reads what the engine needs from a segment: postings for facets, rating and
// reviews (few distinct values), and the sort names from doc values.
func buildSegCols(seg segment.Segment) (*segCols, error) {
	n := seg.Count()
	if n > 1<<32-1 {
		return nil, fmt.Errorf("search: segment of %d documents", n)
	}
	c := &segCols{n: n, trust: make([]uint8, n), rating: make([]float64, n), reviews: make([]int64, n), name: make([]string, n)}
	for i, f := range agencyFacetFields {
		m, err := termBitmaps(seg, f.field, maxFacetValues)
		if err != nil {
			return nil, err
		}
		c.facets[i] = m
	}
	for d := range c.trust {
		c.trust[d] = agencyTrust("")
	}
	for standing, bm := range c.facets[standingFacet] {
		for it := bm.Iterator(); it.HasNext(); {
			c.trust[it.Next()] = agencyTrust(standing)
		}
	}
	for _, f := range []string{"rating", "reviews"} {
		m, err := termBitmaps(seg, f, int(n)+1)
		if err != nil {
			return nil, err
		}
		for term, bm := range m {
			var ferr error
			if f == "rating" {
				var v float64
				if v, ferr = strconv.ParseFloat(term, 64); ferr == nil {
					for it := bm.Iterator(); it.HasNext(); {
						c.rating[it.Next()] = v
					}
				}
			} else {
				var v int64
				if v, ferr = strconv.ParseInt(term, 10, 64); ferr == nil {
					for it := bm.Iterator(); it.HasNext(); {
						c.reviews[it.Next()] = v
					}
				}
			}
			if ferr != nil {
				return nil, fmt.Errorf("search: indexed %s %q: %w", f, term, ferr)
			}
		}
	}
	dvv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, fmt.Errorf("search: segment %T has no doc values", seg)
	}
	var state segment.DocVisitState
	fields := []string{"name_sort"}
	for d := range n {
		var err error
		state, err = dvv.VisitDocValues(d, fields, func(_ string, term []byte) { c.name[d] = string(term) }, state)
		if err != nil {
			return nil, err
		}
	}
	order := func() []uint32 {
		o := make([]uint32, n)
		for i := range o {
			o[i] = uint32(i)
		}
		return o
	}
	c.byName = order()
	slices.SortFunc(c.byName, func(a, b uint32) int { return cmp.Or(strings.Compare(c.name[a], c.name[b]), cmp.Compare(a, b)) })
	c.nameRank = make([]uint32, n)
	for i, d := range c.byName {
		c.nameRank[d] = uint32(i)
	}
	c.byRating, c.byReviews = order(), order()
	slices.SortFunc(c.byRating, func(a, b uint32) int { return c.cmpLocal(AgencySortRating, a, b) })
	slices.SortFunc(c.byReviews, func(a, b uint32) int { return c.cmpLocal(AgencySortReviews, a, b) })
	return c, nil
}

// cmpLocal orders two documents of the segment by a sort other than relevance.
func (c *segCols) cmpLocal(sort string, a, b uint32) int {
	switch sort {
	case AgencySortRating:
		return cmp.Or(cmp.Compare(c.rating[b], c.rating[a]), cmp.Compare(c.reviews[b], c.reviews[a]), cmp.Compare(c.nameRank[a], c.nameRank[b]))
	case AgencySortReviews:
		return cmp.Or(cmp.Compare(c.reviews[b], c.reviews[a]), cmp.Compare(c.rating[b], c.rating[a]), cmp.Compare(c.nameRank[a], c.nameRank[b]))
	}
	return cmp.Compare(c.nameRank[a], c.nameRank[b])
}

// segColsCache holds segCols per segment, for the segments of recent snapshots.
type segColsCache struct {
	mu sync.Mutex
	m  map[segment.Segment]*segColsEntry
}

type segColsEntry struct {
	once sync.Once
	cols *segCols
	err  error
}

// get returns the columns of every segment of a snapshot, building those not built yet, and
// forgets segments no longer in it (merged away).
func (c *segColsCache) get(segs []*scorch.SegmentSnapshot) ([]*segCols, error) {
	entries := make([]*segColsEntry, len(segs))
	c.mu.Lock()
	if c.m == nil {
		c.m = map[segment.Segment]*segColsEntry{}
	}
	for i, ss := range segs {
		e := c.m[ss.Segment()]
		if e == nil {
			e = &segColsEntry{}
			c.m[ss.Segment()] = e
		}
		entries[i] = e
	}
	if len(c.m) > len(segs) {
		m := make(map[segment.Segment]*segColsEntry, len(segs))
		for i, ss := range segs {
			m[ss.Segment()] = entries[i]
		}
		c.m = m
	}
	c.mu.Unlock()
	out := make([]*segCols, len(segs))
	for i, e := range entries {
		e.once.Do(func() { e.cols, e.err = buildSegCols(segs[i].Segment()) })
		if e.err != nil {
			return nil, e.err
		}
		out[i] = e.cols
	}
	return out, nil
}

// snapshot opens a reader of the index as it is now; release it with Close.
func (b *bleveAgencies) snapshot() (*scorch.IndexSnapshot, error) {
	if b.closed.Load() {
		return nil, bleve.ErrorIndexClosed
	}
	adv, err := b.idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		_ = r.Close()
		return nil, fmt.Errorf("search: agency index reader is %T, not a scorch snapshot", r)
	}
	return snap, nil
}

// warm builds the columns of new segments (after writes and background merges) so that
// queries rarely pay for it.
func (b *bleveAgencies) warm() {
	snap, err := b.snapshot()
	if err != nil {
		return
	}
	defer snap.Close()
	_, _ = b.cols.get(snap.Segments())
}

// warmLoop warms after every write signal and once a second (merges follow writes).
func (b *bleveAgencies) warmLoop(stop <-chan struct{}, wrote <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		b.warm()
		select {
		case <-stop:
			return
		case <-wrote:
		case <-t.C:
		}
	}
}

// alternative is one way a query term matches: index terms of the "all" field and a weight.
type alternative struct {
	terms  []string
	weight int
}

// queryTerm is one word of the query: its alternatives, best first.
type queryTerm struct {
	word string
	alts []alternative
}

// expand lists a query's terms with their alternatives from the snapshot's dictionaries.
func (b *bleveAgencies) expand(snap *scorch.IndexSnapshot, q string) ([]queryTerm, error) {
	var words []string
	for _, tok := range b.analyzer.Analyze([]byte(q)) {
		if t := string(tok.Term); t != "" && len(words) < 16 {
			words = append(words, t)
		}
	}
	typing := !strings.HasSuffix(q, " ")
	out := make([]queryTerm, 0, len(words))
	for i, w := range words {
		qt := queryTerm{word: w, alts: []alternative{{terms: []string{w}, weight: weightExact}}}
		seen := map[string]bool{w: true}
		if i == len(words)-1 && typing && len([]rune(w)) >= 2 {
			fd, err := snap.FieldDictPrefix("all", []byte(w))
			if err != nil {
				return nil, err
			}
			terms, err := dictTerms(fd, seen, func(*index.DictEntry) bool { return true })
			if err != nil {
				return nil, err
			}
			qt.alts = append(qt.alts, alternative{terms: terms, weight: weightPrefix})
		}
		syn := Synonyms(w)
		for _, s := range syn {
			seen[s] = true
		}
		qt.alts = append(qt.alts, alternative{terms: syn, weight: weightSynonym})
		if n := TyposAllowed(w); n > 0 {
			// The first letter is never a typo (as before: Bleve's fuzzy prefix of 1).
			_, size := utf8.DecodeRuneInString(w)
			fd, err := snap.FieldDictFuzzy("all", w, n, w[:size])
			if err != nil {
				return nil, err
			}
			var ed2 []string
			ed1, err := dictTerms(fd, seen, func(e *index.DictEntry) bool {
				if e.EditDistance <= 1 {
					return true
				}
				if len(ed2) < maxExpansions && !seen[e.Term] {
					ed2 = append(ed2, e.Term)
				}
				return false
			})
			if err != nil {
				return nil, err
			}
			qt.alts = append(qt.alts, alternative{terms: ed1, weight: weightFuzzy1}, alternative{terms: ed2, weight: weightFuzzy2})
			// A misspelt word of a synonym group stands for the group too ("manpwer" is
			// "manpower", so also "recruitment", "placement", …).
			var fsyn []string
			for _, e := range append(slices.Clip(ed1), ed2...) {
				for _, x := range Synonyms(e) {
					if !seen[x] {
						seen[x] = true
						fsyn = append(fsyn, x)
					}
				}
			}
			if len(fsyn) > 0 {
				qt.alts = append(qt.alts, alternative{terms: fsyn, weight: weightFuzzySynonym})
			}
		}
		out = append(out, qt)
	}
	return out, nil
}

// dictTerms lists up to maxExpansions terms of fd not in seen for which keep is true, marking
// them seen, and closes fd.
func dictTerms(fd index.FieldDict, seen map[string]bool, keep func(*index.DictEntry) bool) (out []string, err error) {
	defer func() {
		if cerr := fd.Close(); err == nil {
			err = cerr
		}
	}()
	for e, err := fd.Next(); e != nil || err != nil; e, err = fd.Next() {
		if err != nil {
			return nil, err
		}
		if seen[e.Term] || !keep(e) {
			continue
		}
		seen[e.Term] = true
		out = append(out, e.Term)
		if len(out) >= maxExpansions {
			break
		}
	}
	return out, nil
}

// hitRef is a match chosen for the page: its segment, local number and the sort values.
type hitRef struct {
	seg   int
	doc   uint32
	score int
}

// searchEngine answers an agency query (see the top of this file).
func (b *bleveAgencies) searchEngine(ctx context.Context, q AgencyQuery, analysed bool) (AgencyHits, error) {
	snap, err := b.snapshot()
	if err != nil {
		return AgencyHits{}, bleveErr("search agencies", err)
	}
	defer snap.Close()
	segs := snap.Segments()
	cols, err := b.cols.get(segs)
	if err != nil {
		return AgencyHits{}, bleveErr("search agencies", err)
	}
	var terms []queryTerm
	if analysed {
		if terms, err = b.expand(snap, q.Q); err != nil {
			return AgencyHits{}, bleveErr("search agencies", err)
		}
	}
	sort := agencySort(q)
	window := q.Page * q.PerPage
	filters := [len(agencyFacetFields)]string{q.Origin, q.Destination, q.Sector, q.Standing, q.LicenceStatus}
	out := AgencyHits{Hits: []AgencyDoc{}, Facets: map[string]map[string]int{}}
	counts := [len(agencyFacetFields)]map[string]int{}
	for i := range counts {
		counts[i] = map[string]int{}
	}
	perSeg := make([][]hitRef, len(segs))
	perSegTrusted := make([][]hitRef, len(segs)) // relevance: the best licensed match of each segment
	for si, ss := range segs {
		if err := ctx.Err(); err != nil {
			return AgencyHits{}, err
		}
		c := cols[si]
		m := roaring.New()
		m.AddRange(0, c.n)
		if del := ss.Deleted(); del != nil {
			m.AndNot(del)
		}
		for i, v := range filters {
			if v == "" {
				continue
			}
			if bm := c.facets[i][v]; bm != nil {
				m.And(bm)
			} else {
				m.Clear()
			}
		}
		var termAlts [][]*roaring.Bitmap // per query term, per alternative: its postings here
		var nameWords []*roaring.Bitmap
		if len(terms) > 0 && !m.IsEmpty() {
			seg := ss.Segment()
			all, err := seg.Dictionary("all")
			if err != nil {
				return AgencyHits{}, bleveErr("search agencies", err)
			}
			name, err := seg.Dictionary("name")
			if err != nil {
				return AgencyHits{}, bleveErr("search agencies", err)
			}
			var pl segment.PostingsList
			for _, t := range terms {
				union := roaring.New()
				alts := make([]*roaring.Bitmap, len(t.alts))
				for ai, a := range t.alts {
					bm := roaring.New()
					for _, term := range a.terms {
						if pl, err = postingsInto(all, []byte(term), bm, pl); err != nil {
							return AgencyHits{}, bleveErr("search agencies", err)
						}
					}
					alts[ai] = bm
					union.Or(bm)
				}
				m.And(union)
				termAlts = append(termAlts, alts)
				if sort == AgencySortRelevance {
					nw := roaring.New()
					if pl, err = postingsInto(name, []byte(t.word), nw, pl); err != nil {
						return AgencyHits{}, bleveErr("search agencies", err)
					}
					nameWords = append(nameWords, nw)
				}
				if m.IsEmpty() {
					break
				}
			}
		}
		if q.MinRating > 0 && !m.IsEmpty() {
			keep := roaring.New()
			for it := m.Iterator(); it.HasNext(); {
				d := it.Next()
				if c.reviews[d] >= 1 && c.rating[d] >= q.MinRating {
					keep.Add(d)
				}
			}
			m = keep
		}
		if m.IsEmpty() {
			continue
		}
		out.Total += int(m.GetCardinality())
		if q.Facets {
			for i := range agencyFacetFields {
				for v, bm := range c.facets[i] {
					if n := m.AndCardinality(bm); n > 0 {
						counts[i][v] += int(n)
					}
				}
			}
		}
		if sort == AgencySortRelevance && len(termAlts) > 0 {
			// One more than the window: promoting a licensed match may take one out of it.
			perSeg[si], perSegTrusted[si] = topByScore(c, m, terms, termAlts, nameWords, window+1)
		} else {
			perSeg[si] = topByOrder(c, m, sort, window)
		}
	}
	page := mergeHits(cols, perSeg, sort, window+1)
	if sort == AgencySortRelevance && len(terms) > 0 {
		best := mergeHits(cols, perSegTrusted, sort, 1)
		page = promoteTrusted(page, best, func(h hitRef) uint8 { return cols[h.seg].trust[h.doc] })
	}
	page = page[:min(len(page), window)]
	if skip := (q.Page - 1) * q.PerPage; skip < len(page) {
		page = page[skip:]
	} else {
		page = nil
	}
	for _, h := range page {
		d, err := loadAgencyDoc(segs[h.seg], h.doc)
		if err != nil {
			return AgencyHits{}, err
		}
		out.Hits = append(out.Hits, d)
	}
	if q.Facets {
		for i, f := range agencyFacetFields {
			out.Facets[f.name] = topFacetValues(counts[i], f.size)
		}
	}
	return out, nil
}

// topFacetValues keeps the size most frequent values (equal counts: A–Z).
func topFacetValues(counts map[string]int, size int) map[string]int {
	if len(counts) <= size {
		return counts
	}
	vs := make([]string, 0, len(counts))
	for v := range counts {
		vs = append(vs, v)
	}
	slices.SortFunc(vs, func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), strings.Compare(a, b)) })
	out := make(map[string]int, size)
	for _, v := range vs[:size] {
		out[v] = counts[v]
	}
	return out
}

// topByScore scores the matches m of one segment and returns the best window of them, best
// first (equal scores: licensed first, then A–Z by name), and the best licensed match (none
// or one: for promoteTrusted). termAlts holds, per query term, the postings of each of
// its alternatives (in terms' order, best weight first), nameWords the postings of the exact
// word in the name field.
func topByScore(c *segCols, m *roaring.Bitmap, terms []queryTerm, termAlts [][]*roaring.Bitmap, nameWords []*roaring.Bitmap, window int) (top, trusted []hitRef) {
	score := make([]int32, c.n)
	for ti, alts := range termAlts {
		rem := m.Clone()
		for ai, a := range alts {
			if rem.IsEmpty() {
				break
			}
			// Alternatives are listed best first: the first one a document matches is its best.
			x := roaring.And(a, rem)
			w := int32(terms[ti].alts[ai].weight)
			for it := x.Iterator(); it.HasNext(); {
				score[it.Next()] += w
			}
			rem.AndNot(x)
		}
		if ti < len(nameWords) {
			x := roaring.And(nameWords[ti], m)
			for it := x.Iterator(); it.HasNext(); {
				score[it.Next()] += weightNameWord
			}
		}
	}
	h := make([]hitRef, 0, min(window, int(m.GetCardinality())))
	less := func(a, b hitRef) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(c.trust[a.doc], c.trust[b.doc]), cmp.Compare(c.nameRank[a.doc], c.nameRank[b.doc]))
	}
	for it := m.Iterator(); it.HasNext(); {
		d := it.Next()
		r := hitRef{doc: d, score: int(score[d])}
		if c.trust[d] < untrusted && (len(trusted) == 0 || less(r, trusted[0]) < 0) {
			trusted = append(trusted[:0], r)
		}
		if len(h) == window && less(r, h[len(h)-1]) >= 0 {
			continue
		}
		h = insertSorted(h, r, window, less)
	}
	return h, trusted
}

// insertSorted inserts r into h (sorted by less, at most window long).
func insertSorted(h []hitRef, r hitRef, window int, less func(a, b hitRef) int) []hitRef {
	i, _ := slices.BinarySearchFunc(h, r, less)
	if len(h) < window {
		h = append(h, hitRef{})
	}
	copy(h[i+1:], h[i:len(h)-1])
	h[i] = r
	return h
}

// topByOrder returns the first window matches of one segment in a precomputed sort order.
func topByOrder(c *segCols, m *roaring.Bitmap, sort string, window int) []hitRef {
	order := c.byName
	switch sort {
	case AgencySortRating:
		order = c.byRating
	case AgencySortReviews:
		order = c.byReviews
	}
	n := min(window, int(m.GetCardinality()))
	out := make([]hitRef, 0, n)
	for _, d := range order {
		if len(out) == n {
			break
		}
		if m.Contains(d) {
			out = append(out, hitRef{doc: d})
		}
	}
	return out
}

// mergeHits merges the per-segment lists (each in order) into the first window hits.
func mergeHits(cols []*segCols, perSeg [][]hitRef, sort string, window int) []hitRef {
	less := func(a, b hitRef) int {
		ca, cb := cols[a.seg], cols[b.seg]
		var c int
		switch sort {
		case AgencySortRating:
			c = cmp.Or(cmp.Compare(cb.rating[b.doc], ca.rating[a.doc]), cmp.Compare(cb.reviews[b.doc], ca.reviews[a.doc]))
		case AgencySortReviews:
			c = cmp.Or(cmp.Compare(cb.reviews[b.doc], ca.reviews[a.doc]), cmp.Compare(cb.rating[b.doc], ca.rating[a.doc]))
		case AgencySortRelevance:
			c = cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(ca.trust[a.doc], cb.trust[b.doc]))
		}
		return cmp.Or(c, strings.Compare(ca.name[a.doc], cb.name[b.doc]), cmp.Compare(a.seg, b.seg), cmp.Compare(a.doc, b.doc))
	}
	pos := make([]int, len(perSeg))
	var out []hitRef
	for len(out) < window {
		best := -1
		for si, l := range perSeg {
			if pos[si] < len(l) {
				cand := l[pos[si]]
				cand.seg = si
				if best < 0 {
					best = si
					continue
				}
				cur := perSeg[best][pos[best]]
				cur.seg = best
				if less(cand, cur) < 0 {
					best = si
				}
			}
		}
		if best < 0 {
			break
		}
		h := perSeg[best][pos[best]]
		h.seg = best
		out = append(out, h)
		pos[best]++
	}
	return out
}

// loadAgencyDoc reads the stored public document of one match.
func loadAgencyDoc(ss *scorch.SegmentSnapshot, doc uint32) (AgencyDoc, error) {
	var raw []byte
	err := ss.VisitDocument(uint64(doc), func(field string, _ byte, value []byte, _ []uint64) bool {
		if field == "doc" {
			raw = slices.Clone(value) // value is only valid during the call
			return false
		}
		return true
	})
	if err != nil {
		return AgencyDoc{}, bleveErr("load agency", err)
	}
	if raw == nil {
		return AgencyDoc{}, bleveErr("load agency", errors.New("stored document missing"))
	}
	var d AgencyDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return AgencyDoc{}, fmt.Errorf("search: decode agency: %w", err)
	}
	return d, nil
}

package search

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
)

// agencyIndexes returns every agency backend the contract runs against: always Bleve;
// Meilisearch too when MEILI_URL is set (a fresh, randomly named index, deleted afterwards).
func agencyIndexes(t *testing.T) map[string]Index {
	t.Helper()
	out := map[string]Index{}
	b, err := openBleveAgencies(t.TempDir() + "/agencies.bleve")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	out["bleve"] = b
	if url := os.Getenv("MEILI_URL"); url != "" {
		var r [4]byte
		_, _ = rand.Read(r[:])
		m, err := openMeiliAgenciesUID(context.Background(), Options{MeiliURL: url, MeiliAPIKey: os.Getenv("MEILI_API_KEY")},
			"kawan_test_agencies_"+hex.EncodeToString(r[:]))
		if err != nil {
			t.Fatalf("meilisearch at MEILI_URL: %v", err)
		}
		t.Cleanup(func() { _ = m.Drop(context.Background()) })
		out["meilisearch"] = m
	} else {
		t.Log("MEILI_URL is not set: the Meilisearch leg of the agency contract is SKIPPED (Bleve only)")
	}
	return out
}

// contractAgencies is the fixture: names chosen to exercise typos, synonyms, prefixes,
// filters and facets.
func contractAgencies() []AgencyDoc {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lic := func(reg, num string, st kawan.LicenceStatus) []LicenceRef {
		return []LicenceRef{{Regulator: reg, Number: num, Status: st}}
	}
	docs := []AgencyDoc{
		{ID: "himalaya-manpower-np", Name: "Himalaya Manpower Pvt. Ltd.", Origin: "NP", City: "Kathmandu",
			Destinations: []string{"QA", "MY"}, Sectors: []string{"construction"}, Licences: lic("NP-DOFE", "1234/070/71", "active"),
			LicenceStatuses: []string{"active"}, Standing: "licensed", Rating: 4.2, Reviews: 12},
		{ID: "everest-manpower-np", Name: "Everest Manpower Services", Origin: "NP", City: "Kathmandu",
			Destinations: []string{"SA", "AE"}, Sectors: []string{"construction", "hospitality"}, Licences: lic("NP-DOFE", "88/065/66", "suspended"),
			LicenceStatuses: []string{"suspended"}, Standing: "licence_problem", Rating: 2.1, Reviews: 30},
		{ID: "annapurna-overseas-np", Name: "Annapurna Overseas Recruitment", Origin: "NP", City: "Pokhara",
			Destinations: []string{"MY"}, Sectors: []string{"manufacturing"}, Licences: lic("NP-DOFE", "501/072/73", "active"),
			LicenceStatuses: []string{"active"}, Standing: "licensed"},
		{ID: "manila-manpower-ph", Name: "Manila Manpower Corporation", Origin: "PH", City: "Manila",
			Destinations: []string{"SA", "HK"}, Sectors: []string{"domestic_work"}, Licences: lic("PH-DMW", "POEA-001-LB-010120-R", "active"),
			LicenceStatuses: []string{"active"}, Standing: "sanctioned", Rating: 3.5, Reviews: 5},
		{ID: "bayanihan-placement-ph", Name: "Bayanihan International Placement Inc.", Origin: "PH", City: "Makati",
			Destinations: []string{"HK", "SG"}, Sectors: []string{"domestic_work", "care"}, Licences: lic("PH-DMW", "POEA-077-LB-121219-R", "revoked"),
			LicenceStatuses: []string{"revoked"}, Standing: "blacklisted", Rating: 1.4, Reviews: 40},
		{ID: "nusantara-p3mi-id", Name: "PT Nusantara Karya Mandiri", Origin: "ID", City: "Jakarta",
			Destinations: []string{"TW", "MY"}, Sectors: []string{"manufacturing", "care"}, Licences: lic("ID-BP2MI", "KEP.123/2022", "active"),
			LicenceStatuses: []string{"active"}, Standing: "licensed", Rating: 4.8, Reviews: 3},
		{ID: "mekong-labour-vn", Name: "Mekong Labour Export JSC", Origin: "VN", City: "Hà Nội",
			Destinations: []string{"JP", "TW"}, Sectors: []string{"manufacturing"}, Standing: "unknown", LicenceStatuses: []string{}},
	}
	for i := range 23 {
		docs = append(docs, AgencyDoc{ID: fmt.Sprintf("dhaka-%02d-bd", i), Name: fmt.Sprintf("Dhaka Global Recruiting %02d", i), Origin: "BD",
			City: "Dhaka", Destinations: []string{"SA"}, Sectors: []string{"construction"}, Standing: "licensed",
			Licences: lic("BD-BMET", fmt.Sprintf("RL-%04d", 100+i), "active"), LicenceStatuses: []string{"active"}})
	}
	for i := range docs {
		docs[i].UpdatedAt = at
		if docs[i].Destinations == nil {
			docs[i].Destinations = []string{}
		}
	}
	return docs
}

func hitIDs(h AgencyHits) []string {
	out := make([]string, 0, len(h.Hits))
	for _, d := range h.Hits {
		out = append(out, d.ID)
	}
	return out
}

func TestAgencyIndexContract(t *testing.T) {
	ctx := context.Background()
	for name, idx := range agencyIndexes(t) {
		t.Run(name, func(t *testing.T) {
			docs := contractAgencies()
			if err := idx.IndexAgencies(ctx, docs...); err != nil {
				t.Fatal(err)
			}
			search := func(q AgencyQuery) AgencyHits {
				t.Helper()
				if q.PerPage == 0 {
					q.PerPage = 20
				}
				if q.Page == 0 {
					q.Page = 1
				}
				h, err := idx.SearchAgencies(ctx, q)
				if err != nil {
					t.Fatalf("search %+v: %v", q, err)
				}
				return h
			}
			has := func(h AgencyHits, ids ...string) bool {
				for _, id := range ids {
					if !slices.Contains(hitIDs(h), id) {
						return false
					}
				}
				return true
			}

			// Exact word, and the "done when": a typo plus a country name.
			if h := search(AgencyQuery{Q: "manpower"}); !has(h, "himalaya-manpower-np", "everest-manpower-np", "manila-manpower-ph") {
				t.Errorf("manpower: %v", hitIDs(h))
			}
			h := search(AgencyQuery{Q: "Manpwer"})
			if !has(h, "himalaya-manpower-np", "everest-manpower-np") {
				t.Errorf("typo Manpwer does not find Manpower: %v", hitIDs(h))
			}
			h = search(AgencyQuery{Q: "manpwer nepal"})
			if !has(h, "himalaya-manpower-np", "everest-manpower-np") || has(h, "manila-manpower-ph") {
				t.Errorf("manpwer nepal: %v", hitIDs(h))
			}
			// A generic query never puts an agency without a valid licence first (issue 18:
			// "Everest Manpower", licence suspended, came before licensed "Himalaya Manpower").
			for _, q := range []string{"manpwer nepal", "manpower", "manpower kathmandu", "nepal", "recruitment agency", "placement"} {
				if h := search(AgencyQuery{Q: q}); len(h.Hits) == 0 || h.Hits[0].Standing != "licensed" {
					t.Errorf("%q: first result %v is not licensed", q, hitIDs(h))
				}
			}
			// Only the top changes: the others keep their relevance order, pages stay consistent.
			if h := search(AgencyQuery{Q: "placement"}); len(h.Hits) < 2 || h.Hits[1].ID != "bayanihan-placement-ph" {
				t.Errorf("placement: the best match (blacklisted) should come second: %v", hitIDs(h))
			}
			four := hitIDs(search(AgencyQuery{Q: "placement", PerPage: 4}))
			paged := append(hitIDs(search(AgencyQuery{Q: "placement", PerPage: 2})), hitIDs(search(AgencyQuery{Q: "placement", PerPage: 2, Page: 2}))...)
			if !slices.Equal(four, paged) {
				t.Errorf("placement: pages of 2 %v, a page of 4 %v", paged, four)
			}
			if h := search(AgencyQuery{Q: "bayanihan"}); len(h.Hits) != 1 || h.Hits[0].ID != "bayanihan-placement-ph" {
				t.Errorf("an unlicensed agency by its name: %v", hitIDs(h))
			}
			// Two typos in a long word; none allowed in a short one.
			if h := search(AgencyQuery{Q: "Anapurnna"}); !has(h, "annapurna-overseas-np") {
				t.Errorf("two typos in a 9-letter word: %v", hitIDs(h))
			}
			if h := search(AgencyQuery{Q: "Dhuka global"}); h.Total != 23 {
				t.Errorf("one typo in a 5-letter word: %d", h.Total)
			}
			if h := search(AgencyQuery{Q: "Daka global"}); h.Total != 0 {
				t.Errorf("a typo in a 4-letter word matched: %v", hitIDs(h))
			}
			// Prefix: search as you type.
			if h := search(AgencyQuery{Q: "bayan"}); !has(h, "bayanihan-placement-ph") {
				t.Errorf("prefix bayan: %v", hitIDs(h))
			}
			// Synonyms: recruitment ~ manpower ~ placement ~ agency.
			if h := search(AgencyQuery{Q: "recruitment pokhara"}); !has(h, "annapurna-overseas-np") {
				t.Errorf("recruitment pokhara: %v", hitIDs(h))
			}
			if h := search(AgencyQuery{Q: "placement manila"}); !has(h, "manila-manpower-ph") {
				t.Errorf("synonym placement→manpower: %v", hitIDs(h))
			}
			// Every agency is a recruitment agency, whatever its name: an Indonesian "PT …" is
			// found as a placement agency, in English or Indonesian, and by its regulator.
			for _, q := range []string{"placement indonesia", "agency indonesia", "penempatan indonesia", "bp2mi"} {
				if h := search(AgencyQuery{Q: q}); !has(h, "nusantara-p3mi-id") || has(h, "himalaya-manpower-np") {
					t.Errorf("%s: %v", q, hitIDs(h))
				}
			}
			// The agencies named with the word rank first.
			if h := search(AgencyQuery{Q: "manpower nepal"}); len(h.Hits) < 2 || !strings.Contains(strings.ToLower(h.Hits[0].Name), "manpower") {
				t.Errorf("manpower nepal: %v", hitIDs(h))
			}
			// Accents fold; city and destination names are searchable.
			if h := search(AgencyQuery{Q: "ha noi"}); !has(h, "mekong-labour-vn") {
				t.Errorf("accent folding: %v", hitIDs(h))
			}
			if h := search(AgencyQuery{Q: "taiwan"}); !has(h, "nusantara-p3mi-id", "mekong-labour-vn") || h.Total != 2 {
				t.Errorf("destination name: %v", hitIDs(h))
			}
			// Filters.
			if h := search(AgencyQuery{Origin: "NP"}); h.Total != 3 {
				t.Errorf("origin NP: %d %v", h.Total, hitIDs(h))
			}
			if h := search(AgencyQuery{Q: "manpower", Origin: "NP", Destination: "QA"}); fmt.Sprint(hitIDs(h)) != "[himalaya-manpower-np]" {
				t.Errorf("q + origin + destination: %v", hitIDs(h))
			}
			if h := search(AgencyQuery{Sector: "care"}); h.Total != 2 {
				t.Errorf("sector care: %v", hitIDs(h))
			}
			if h := search(AgencyQuery{LicenceStatus: "suspended"}); fmt.Sprint(hitIDs(h)) != "[everest-manpower-np]" {
				t.Errorf("licence_status suspended: %v", hitIDs(h))
			}
			if h := search(AgencyQuery{Standing: "blacklisted"}); fmt.Sprint(hitIDs(h)) != "[bayanihan-placement-ph]" {
				t.Errorf("standing blacklisted: %v", hitIDs(h))
			}
			if h := search(AgencyQuery{MinRating: 4}); fmt.Sprint(hitIDs(h)) != "[himalaya-manpower-np nusantara-p3mi-id]" {
				t.Errorf("min rating 4 (name order): %v", hitIDs(h))
			}
			// Sorts.
			if h := search(AgencyQuery{Sort: AgencySortRating, PerPage: 3}); fmt.Sprint(hitIDs(h)) != "[nusantara-p3mi-id himalaya-manpower-np manila-manpower-ph]" {
				t.Errorf("sort rating: %v", hitIDs(h))
			}
			if h := search(AgencyQuery{Sort: AgencySortReviews, PerPage: 2}); fmt.Sprint(hitIDs(h)) != "[bayanihan-placement-ph everest-manpower-np]" {
				t.Errorf("sort reviews: %v", hitIDs(h))
			}
			if h := search(AgencyQuery{Sort: AgencySortName, PerPage: 2}); fmt.Sprint(hitIDs(h)) != "[annapurna-overseas-np bayanihan-placement-ph]" {
				t.Errorf("sort name: %v", hitIDs(h))
			}
			if h := search(AgencyQuery{Q: "himalaya manpower"}); len(h.Hits) == 0 || h.Hits[0].ID != "himalaya-manpower-np" {
				t.Errorf("relevance: %v", hitIDs(h))
			}
			// Facets count over all matches, not just the page.
			h = search(AgencyQuery{Facets: true, PerPage: 1})
			if h.Total != 30 || len(h.Hits) != 1 {
				t.Fatalf("all: total %d, %d hits", h.Total, len(h.Hits))
			}
			want := map[string]map[string]int{
				FacetOrigin:        {"NP": 3, "PH": 2, "ID": 1, "VN": 1, "BD": 23},
				FacetStanding:      {"licensed": 26, "licence_problem": 1, "sanctioned": 1, "blacklisted": 1, "unknown": 1},
				FacetLicenceStatus: {"active": 27, "suspended": 1, "revoked": 1},
			}
			for f, counts := range want {
				for v, n := range counts {
					if got := h.Facets[f][v]; got != n {
						t.Errorf("facet %s=%s: %d, want %d", f, v, got, n)
					}
				}
			}
			if h.Facets[FacetDestination]["SA"] != 25 || h.Facets[FacetSector]["construction"] != 25 {
				t.Errorf("multi-valued facets: %v %v", h.Facets[FacetDestination], h.Facets[FacetSector])
			}
			h = search(AgencyQuery{Origin: "NP", Facets: true})
			if h.Facets[FacetStanding]["licensed"] != 2 || h.Facets[FacetOrigin]["PH"] != 0 {
				t.Errorf("facets under a filter: %v", h.Facets)
			}
			// Pagination with totals.
			var seen []string
			for page := 1; page <= 3; page++ {
				h := search(AgencyQuery{Origin: "BD", Sort: AgencySortName, Page: page, PerPage: 10})
				if h.Total != 23 {
					t.Errorf("page %d total %d", page, h.Total)
				}
				seen = append(seen, hitIDs(h)...)
			}
			if len(seen) != 23 || seen[0] != "dhaka-00-bd" || seen[22] != "dhaka-22-bd" {
				t.Errorf("pages: %v", seen)
			}
			if h := search(AgencyQuery{Origin: "BD", Page: 4, PerPage: 10}); h.Total != 23 || len(h.Hits) != 0 {
				t.Errorf("past the end: %d %v", h.Total, hitIDs(h))
			}
			// Get, replace, delete.
			d, err := idx.GetAgency(ctx, "everest-manpower-np")
			if err != nil || d.Name != "Everest Manpower Services" || d.Licences[0].Status != "suspended" || d.Reviews != 30 {
				t.Fatalf("get: %+v %v", d, err)
			}
			if _, err := idx.GetAgency(ctx, "nope"); !errors.Is(err, kawan.ErrNotFound) {
				t.Errorf("get absent: %v", err)
			}
			d.Standing, d.LicenceStatuses, d.Licences[0].Status = "licensed", []string{"active"}, "active"
			if err := idx.IndexAgencies(ctx, d); err != nil {
				t.Fatal(err)
			}
			if h := search(AgencyQuery{LicenceStatus: "suspended"}); h.Total != 0 {
				t.Errorf("after replace, still suspended: %v", hitIDs(h))
			}
			if err := idx.DeleteAgency(ctx, "everest-manpower-np"); err != nil {
				t.Fatal(err)
			}
			if err := idx.DeleteAgency(ctx, "never-there"); err != nil {
				t.Errorf("deleting an absent agency: %v", err)
			}
			if h := search(AgencyQuery{Q: "everest"}); h.Total != 0 {
				t.Errorf("deleted agency still found: %v", hitIDs(h))
			}
			if h := search(AgencyQuery{Facets: true}); h.Total != 29 || h.Facets[FacetOrigin]["NP"] != 2 || h.Facets[FacetLicenceStatus]["suspended"] != 0 {
				t.Errorf("after delete: %d %v", h.Total, h.Facets)
			}
			// Bad queries are refused, never answered wrongly.
			for _, q := range []AgencyQuery{{Page: 1, PerPage: 101}, {Page: 0, PerPage: 10}, {Page: 1001, PerPage: 10},
				{Page: 1, PerPage: 10, Sort: "best"}} {
				var ve *kawan.ValidationError
				if _, err := idx.SearchAgencies(ctx, q); !errors.As(err, &ve) {
					t.Errorf("%+v: %v", q, err)
				}
			}
			if h := search(AgencyQuery{Q: "!!! ???"}); h.Total != 0 {
				t.Errorf("punctuation only: %v", hitIDs(h))
			}
		})
	}
}

// The synonym groups in Meilisearch's format: each word → the others.
func TestMeiliSynonyms(t *testing.T) {
	if syn := meiliSynonyms(); !slices.Contains(syn["manpower"], "recruitment") || slices.Contains(syn["manpower"], "manpower") {
		t.Errorf("synonyms: %v", syn["manpower"])
	}
}

package search

import (
	"context"
	"strings"
	"testing"
)

// TestRomanize pins the romanization of each script (names as agencies and cities are
// usually spelt in Latin letters, or close enough for typo tolerance).
func TestRomanize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Devanagari (Nepali): inherent a, none at a word's end, virama, vowel signs, digits.
		{"गोर्खा", "gorkha"},
		{"हिमालय", "himalay"},
		{"सगरमाथा", "sagaramatha"},
		{"काठमाडौं", "kathamadaun"},
		{"म्यानपावर", "myanapawar"},
		{"१२३४/०७०/७१", "1234/070/71"},
		// Burmese: inherent a, asat, vowel signs and pairs, medials, tone marks dropped.
		{"မန်ပါဝါ", "manpawa"},
		{"မနီလာ", "manila"},
		{"ရန်ကုန်", "rankun"},
		{"မြန်မာ", "myanma"},
		{"ရွှေ", "rwhe"},
		{"၁၂၃", "123"},
		// Khmer: coeng and bantoc kill the vowel, diacritics dropped.
		{"ម៉ានីល", "manil"},
		{"ភ្នំពេញ", "phnampenh"},
		{"១២", "12"},
		// Thai: leading vowels, silent อ carrier, thanthakhat.
		{"มะนิลา", "manila"},
		{"กรุงเทพ", "krungthep"},
		{"เนปาล", "nepal"},
		{"เอเวอเรสต์", "eweores"},
		// Other text is kept.
		{"Gorkha 12", "Gorkha 12"},
	} {
		if got := Romanize(tc.in); got != tc.want {
			t.Errorf("Romanize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestQueryText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"गोर्खा म्यानपावर", "gorkha manpower"},
		{"मेनपावर नेपाल ", "manpower nepal "},
		{"မန်ပါဝါ", "manpower"},
		{"ရွှေမန်ပါဝါ", "rwhe manpower"},
		{"บริษัทจัดหางาน", "brisat recruitment"},
		{"ភ្នាក់ងារ ម៉ានីល", "agency manil"},
		{"manpower nepal", "manpower nepal"},
	} {
		if got := QueryText(tc.in); got != tc.want {
			t.Errorf("QueryText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestAgencySearchAcrossScripts is part of the agency contract (Bleve always, Meilisearch
// with MEILI_URL): names and synonyms typed in Devanagari, Burmese, Khmer and Thai find the
// agencies their Latin forms find, and an agency named in Devanagari is found in Latin too.
func TestAgencySearchAcrossScripts(t *testing.T) {
	ctx := context.Background()
	for name, idx := range agencyIndexes(t) {
		t.Run(name, func(t *testing.T) {
			docs := append(contractAgencies(),
				AgencyDoc{ID: "gorkha-manpower-np", Name: "Gorkha Manpower Services Pvt. Ltd.", Origin: "NP", City: "Kathmandu",
					Destinations: []string{"QA"}, Sectors: []string{"construction"}, Standing: "licensed", LicenceStatuses: []string{"active"},
					Licences: []LicenceRef{{Regulator: "NP-DOFE", Number: "777/075/76", Status: "active"}}},
				AgencyDoc{ID: "sagarmatha-np", Name: "सगरमाथा वैदेशिक रोजगार प्रा. लि.", Origin: "NP", City: "Lalitpur",
					Destinations: []string{"KW"}, Sectors: []string{"hospitality"}, Standing: "licensed", LicenceStatuses: []string{"active"}},
			)
			for i := range docs {
				if docs[i].Destinations == nil {
					docs[i].Destinations = []string{}
				}
			}
			if err := idx.IndexAgencies(ctx, docs...); err != nil {
				t.Fatal(err)
			}
			search := func(q string) AgencyHits {
				t.Helper()
				h, err := idx.SearchAgencies(ctx, AgencyQuery{Q: q, Page: 1, PerPage: 50})
				if err != nil {
					t.Fatalf("search %q: %v", q, err)
				}
				return h
			}
			ids := func(h AgencyHits) string { return strings.Join(hitIDs(h), " ") }

			// The two queries.
			h := search("गोर्खा म्यानपावर")
			if len(h.Hits) == 0 || h.Hits[0].ID != "gorkha-manpower-np" || ids(h) != ids(search("gorkha manpower")) {
				t.Errorf("गोर्खा म्यानपावर: %s; gorkha manpower: %s", ids(h), ids(search("gorkha manpower")))
			}
			latin := search("manpower")
			for _, q := range []string{"မန်ပါဝါ", "म्यानपावर", "แมนพาวเวอร์", "मेनपावर"} {
				h := search(q)
				if ids(h) != ids(latin) || !strings.Contains(h.Hits[0].Name, "Manpower") {
					t.Errorf("%s: %s, want as manpower: %s", q, ids(h), ids(latin))
				}
			}
			// Names romanized: Devanagari, Burmese, Thai and Khmer spellings of names and places.
			for q, want := range map[string]string{
				"हिमालय":           "himalaya-manpower-np",
				"मनिला म्यानपावर":  "manila-manpower-ph",
				"မနီလာ":            "manila-manpower-ph",
				"มะนิลา":           "manila-manpower-ph",
				"ភ្នាក់ងារ ម៉ានីល": "manila-manpower-ph",
				"जकार्ता":          "nusantara-p3mi-id",
				"गोर्खा":           "gorkha-manpower-np",
			} {
				if h := search(q); len(h.Hits) == 0 || h.Hits[0].ID != want {
					t.Errorf("%s: %s, want %s first", q, ids(h), want)
				}
			}
			// An agency named in Devanagari: found by its Latin spelling and by its own.
			for _, q := range []string{"sagarmatha", "सगरमाथा", "sagarmatha overseas"} {
				if h := search(q); len(h.Hits) == 0 || h.Hits[0].ID != "sagarmatha-np" {
					t.Errorf("%s: %s", q, ids(h))
				}
			}
		})
	}
}

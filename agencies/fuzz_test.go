package agencies_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
)

// FuzzParseList feeds arbitrary bytes to every import profile: the parser must never panic,
// must refuse a file only with an *ImportError (a 400 naming "file"), and every row it
// accepts must be usable (a name, a licence number, a known regulator and status, valid UTF-8).
func FuzzParseList(f *testing.F) {
	for _, name := range []string{"ph-dmw-licensed.csv", "ph-dmw-sanctioned.csv", "np-dofe-licensed.csv", "id-bp2mi-p3mi.csv", "generic.csv",
		"ph-dmw-page1.json", "ph-dmw-page2.json", "ph-dmw-search.json", "ph-dmw.csv", "np-dofe.json", "bd-bmet-rl.csv",
		"id-bp2mi-p3mi-siskop2mi.csv", "id-bp2mi-p3mi-sanksi.csv"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Name of Agency,License No.\n\"unterminated,X\n"))
	f.Add([]byte("\xff\xfeN\x00a\x00"))
	f.Add([]byte("name;licence_number;regulator;status\nA;1;PH-DMW;active\n"))
	// JSON shapes: pages concatenated, a bare array, a page cut off, nulls and odd values.
	f.Add([]byte(`{"meta":{"total":2},"data":[{"name":"A INC","license_status":"Expired"}]}{"meta":{"total":2},"data":[{"name":"A INC.","license_status":"Valid License"}]}`))
	f.Add([]byte(`[{"name":"B","permissionNo":"1/02/003","statusName":null},{"name":null,"permissionNo":7}]`))
	f.Add([]byte(`{"meta":{"total":9},"data":[{"name":"C (FORMERLY D","license_status":"Forever Banned","license_status_date":"1901-01-01T00:00:00.000Z"`))
	f.Add([]byte(`{"data":[{"name":{"x":1},"license_status":["a"],"eMail":"a/b/c","contact_number":true}],"meta":"x"}`))
	f.Add([]byte(`[1,2,3]`))
	profiles := agencies.ProfileNames()
	opts := agencies.ParseOptions{RetrievedAt: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range profiles {
			p, _ := agencies.LookupProfile(name)
			parsed, err := agencies.ParseList(p, data, opts)
			if err != nil {
				var ie *agencies.ImportError
				var ve *kawan.ValidationError
				if !errors.As(err, &ie) || !errors.As(err, &ve) || ve.Fields[0].Field != "file" {
					t.Fatalf("%s: refusal is not an import error: %v", name, err)
				}
				continue
			}
			seen := map[string]bool{}
			for _, r := range parsed.Rows {
				if kawan.NormalizeName(r.Name) == "" || kawan.LicenceNumberKey(r.Regulator, r.Licence) == "" && !p.NoNumbers || !r.Status.Valid() ||
					!utf8.ValidString(r.Name+r.Licence+r.Address) || r.Line < 1 {
					t.Fatalf("%s: unusable row accepted: %+v", name, r)
				}
				if _, ok := kawan.Regulators[r.Regulator]; !ok {
					t.Fatalf("%s: unknown regulator accepted: %q", name, r.Regulator)
				}
				k := r.Regulator + "|" + kawan.LicenceNumberKey(r.Regulator, r.Licence)
				if seen[k] && !p.NoNumbers {
					t.Fatalf("%s: duplicate licence accepted: %s", name, k)
				}
				seen[k] = true
			}
			for _, e := range parsed.Rejected {
				if e.Reason == "" || strings.Contains(e.Reason, "\n") && len(e.Reason) > 5000 {
					t.Fatalf("%s: bad rejection %+v", name, e)
				}
			}
		}
	})
}

// FuzzParseDate: never a panic; an accepted date is in 1950–2100 and not in the Nepali calendar range.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-03-31", "31/03/2024", "03/04/2024", "31 Maret 2024", "Mar. 31, 2024", "45382", "2082-03-31",
		"Valid until 2027-01-15", "2024-03-31T00:00:00Z", "desember", "1/2/06", ""} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, dayFirst bool) {
		d, err := agencies.ParseDate(s, dayFirst)
		if err != nil || d.IsZero() {
			return
		}
		if y := d.Year(); y < 1950 || y > 2100 || (y >= 2060 && y <= 2100 && !strings.Contains(s, "4") && len(s) < 6) {
			t.Fatalf("ParseDate(%q) = %v", s, d)
		}
	})
}

package agencies_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/search"
	"github.com/kawan-labs/kawan/store"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var listDay = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

func (f *fixture) importList(t *testing.T, profile, file string, dry bool) *agencies.ImportReport {
	t.Helper()
	rep, err := f.svc.Import(context.Background(), profile, readFixture(t, file),
		agencies.ImportOptions{ParseOptions: agencies.ParseOptions{RetrievedAt: listDay}, DryRun: dry})
	if err != nil {
		t.Fatalf("import %s: %v", file, err)
	}
	return rep
}

func counts(r *agencies.ImportReport) string {
	return fmt.Sprintf("rows=%d created=%d updated=%d unchanged=%d rejected=%d", r.Rows, r.Created, r.Updated, r.Unchanged, r.Rejected)
}

func reasons(r *agencies.ImportReport) map[int]string {
	out := map[int]string{}
	for _, e := range r.Errors {
		out[e.Line] = e.Reason
	}
	return out
}

func versions(t *testing.T, f *fixture) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := store.NewAgencies(f.s.DB()).Each(context.Background(), func(a *kawan.Agency, _ bson.Raw) error {
		out[a.ID] = a.Version
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportPhilippineLists(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	// A dry run writes nothing but says what would happen.
	dry := f.importList(t, "ph-dmw-licensed", "ph-dmw-licensed.csv", true)
	if counts(dry) != "rows=8 created=4 updated=0 unchanged=0 rejected=4" || len(versions(t, f)) != 0 {
		t.Fatalf("dry run: %s, %d agencies stored", counts(dry), len(versions(t, f)))
	}

	rep := f.importList(t, "ph-dmw-licensed", "ph-dmw-licensed.csv", false)
	if counts(rep) != "rows=8 created=4 updated=0 unchanged=0 rejected=4" {
		t.Fatalf("import: %s %+v", counts(rep), rep.Errors)
	}
	why := reasons(rep)
	for line, want := range map[int]string{
		8:  `"Name of Agency" column is empty`,
		9:  `"License No." column is empty`,
		11: "appears again (first on line 4)",
		12: "is not a date",
	} {
		if !strings.Contains(why[line], want) {
			t.Errorf("line %d: %q, want %q", line, why[line], want)
		}
	}
	// Re-importing the same list changes nothing (not even versions).
	before := versions(t, f)
	again := f.importList(t, "ph-dmw-licensed", "ph-dmw-licensed.csv", false)
	if counts(again) != "rows=8 created=0 updated=0 unchanged=4 rejected=4" {
		t.Fatalf("re-import: %s %+v", counts(again), again.Changes)
	}
	if after := versions(t, f); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("re-import changed versions: %v → %v", before, after)
	}

	// Reviews counted on an agency survive every import.
	rv := store.NewReviews(f.s.DB())
	if err := rv.ApplyCountOp(ctx, "visayas-manpower-ph", kawan.CountOp{ID: "op", Add: true, Delta: kawan.ReviewAggregates{Count: 2, Recommend: 1, Weight: 2, WeightedSums: kawan.DimensionSums[float64]{Overall: 8}}}); err != nil {
		t.Fatal(err)
	}

	// The sanctions list: a suspension and a revocation of listed agencies, a ban of an unlisted one.
	// A status word the importer does not know imports as "unknown", kept and counted.
	rep = f.importList(t, "ph-dmw-sanctioned", "ph-dmw-sanctioned.csv", false)
	if counts(rep) != "rows=5 created=2 updated=2 unchanged=0 rejected=1" || rep.UnknownStatuses["Under review"] != 1 {
		t.Fatalf("sanctions: %s %+v %+v", counts(rep), rep.Errors, rep.Changes)
	}
	why = reasons(rep)
	if !strings.Contains(why[6], "revocation needs its date") || !strings.Contains(rep.Summary(), "1 rows with a status word the profile does not know") {
		t.Errorf("sanction rejections: %v; %s", why, rep.Summary())
	}
	if sp, err := f.svc.Profile(ctx, "sunrise-placement-ph"); err != nil || sp.Licences[0].Status != kawan.LicenceUnknown ||
		sp.Licences[0].StatusText != "Under review" || sp.Standing.Standing != kawan.StandingUnknown || !strings.Contains(sp.Standing.Reason, "check with the regulator") {
		t.Errorf("unknown status word: %+v %v", sp, err)
	}
	p, err := f.svc.Profile(ctx, "visayas-manpower-ph")
	if err != nil {
		t.Fatal(err)
	}
	if p.Licences[0].Status != kawan.LicenceSuspended || p.Licences[0].StatusDate.Format("2006-01-02") != "2026-03-10" ||
		len(p.Sanctions) != 1 || p.Sanctions[0].Kind != kawan.SanctionSuspension || p.Standing.Standing != kawan.StandingLicenceProblem ||
		len(p.Sources) != 2 || p.Ratings.Count != 2 {
		t.Errorf("suspended agency: %+v", p)
	}
	// ...and it shows in the licence check with its source and date.
	lc, err := f.svc.CheckLicence(ctx, "PH-DMW", "poea 104 lb 111121 r")
	if err != nil || !lc.Found || lc.Status != kawan.LicenceSuspended || lc.Licence.SourceURL != "https://dmw.gov.ph/" ||
		!lc.Licence.RetrievedAt.Equal(listDay) || len(lc.Sanctions) != 1 {
		t.Errorf("licence check: %+v %v", lc, err)
	}
	gg, err := f.svc.Profile(ctx, "golden-gate-manpower-ph")
	if err != nil || gg.Standing.Standing != kawan.StandingBlacklisted {
		t.Errorf("banned agency: %+v %v", gg.Standing, err)
	}
	if ex, _ := agencies.Exclusion(mustRatings(t, f, "luzon-overseas-placement-ph")); !ex {
		t.Error("revoked agency not excluded from top rated")
	}
	again = f.importList(t, "ph-dmw-sanctioned", "ph-dmw-sanctioned.csv", false)
	if again.Created+again.Updated != 0 {
		t.Errorf("sanctions re-import: %s", counts(again))
	}
	// The licensed list again: the suspension stays (the licensed list says "active" only
	// implicitly, and that is what it says about Visayas), so this is an update back to active.
	// Full lists report licences on record they no longer name.
	rep = f.importList(t, "ph-dmw-licensed", "ph-dmw-licensed.csv", false)
	if len(rep.Missing) != 2 || rep.Missing[1] != "PH-DMW|POEA-999-LB-10110-R" {
		t.Errorf("missing: %v", rep.Missing)
	}
	// Search follows the import at once.
	h, err := f.idx.SearchAgencies(ctx, search.AgencyQuery{Q: "bayanihan", Page: 1, PerPage: 10})
	if err != nil || h.Total != 1 {
		t.Errorf("search after import: %+v %v", h, err)
	}
}

func mustRatings(t *testing.T, f *fixture, id string) store.AgencyRatings {
	t.Helper()
	a, err := store.NewReviews(f.s.DB()).AgencyRatings(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestImportNepalIndonesiaGeneric(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rep := f.importList(t, "np-dofe-licensed", "np-dofe-licensed.csv", false)
	if counts(rep) != "rows=6 created=4 updated=0 unchanged=0 rejected=2" {
		t.Fatalf("np: %s %+v %+v", counts(rep), rep.Errors, rep.Changes)
	}
	why := reasons(rep)
	if !strings.Contains(why[4], "Bikram Sambat") || !strings.Contains(why[6], "appears again (first on line 5)") {
		t.Errorf("np rejections: %v", why)
	}
	// Two rows of one regulator with different licence numbers are two agencies, even when
	// their names normalise equally (issue 15: never merge distinct agencies).
	p, err := f.svc.Profile(ctx, "himalaya-manpower-np")
	if err != nil || len(p.Licences) != 1 {
		t.Fatalf("same name, two numbers: %+v %v", p, err)
	}
	if p2, err := f.svc.Profile(ctx, "himalaya-manpower-np-2"); err != nil || len(p2.Licences) != 1 || p2.Licences[0].Number != "1299/071/72" {
		t.Fatalf("second Himalaya: %+v %v", p2, err)
	}
	if !p.Licences[0].ValidTo.Equal(time.Date(2027, 7, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("valid to: %v", p.Licences[0].ValidTo)
	}
	ev, _ := f.svc.Profile(ctx, "everest-overseas-manpower-np")
	if len(ev.Licences) != 1 || ev.Licences[0].ValidTo.Format("2006-01-02") != "2027-07-15" {
		t.Errorf("day-first date: %+v", ev.Licences)
	}
	res, err := f.svc.Search(ctx, agencies.SearchQuery{Q: "manpwer nepal"})
	if err != nil || res.Total != 4 {
		t.Errorf("manpwer nepal after import: %d %v", res.Total, err)
	}

	rep = f.importList(t, "id-bp2mi-p3mi", "id-bp2mi-p3mi.csv", false)
	if counts(rep) != "rows=3 created=3 updated=0 unchanged=0 rejected=0" {
		t.Fatalf("id: %s %+v", counts(rep), rep.Errors)
	}
	bb, _ := f.svc.Profile(ctx, "bunga-bangsa-sejahtera-id")
	if len(bb.Licences) != 1 || bb.Licences[0].Status != kawan.LicenceRevoked || bb.Licences[0].ValidFrom.Format("2006-01-02") != "2021-02-03" ||
		len(bb.Sanctions) != 1 || bb.Sanctions[0].Date.Format("2006-01-02") != "2025-03-15" || !strings.Contains(bb.Sanctions[0].Summary, "non-prosedural") {
		t.Errorf("indonesian revocation: %+v", bb)
	}
	nk, _ := f.svc.Profile(ctx, "nusantara-karya-mandiri-id")
	if nk.Licences[0].ValidFrom.Format("2006-01-02") != "2022-01-12" || nk.City != "Jakarta Selatan" {
		t.Errorf("indonesian month names: %+v", nk.Licences)
	}

	rep = f.importList(t, "generic", "generic.csv", false)
	if counts(rep) != "rows=6 created=4 updated=0 unchanged=0 rejected=2" {
		t.Fatalf("generic: %s %+v", counts(rep), rep.Errors)
	}
	why = reasons(rep)
	if !strings.Contains(why[5], `destination "MARS"`) || !strings.Contains(why[7], `sector "mining"`) {
		t.Errorf("generic rejections: %v", why)
	}
	cc, _ := f.svc.Profile(ctx, "colombo-care-agency-lk")
	if cc.Standing.Standing != kawan.StandingLicenceProblem || len(cc.Sanctions) != 1 || cc.Sanctions[0].SourceURL != "https://www.slbfe.lk/" {
		t.Errorf("generic suspension: %+v", cc)
	}
	pp, _ := f.svc.Profile(ctx, "phnom-penh-skills-export-kh")
	if pp.Standing.Standing != kawan.StandingSanctioned || len(pp.Destinations) != 1 || pp.Sectors[1] != "agriculture" {
		t.Errorf("generic fine: %+v", pp)
	}
}

func TestImportRefusesBadFiles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range "Name of Agency,License No.\nÑiño Manpower Inc.,POEA-1\n" {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	cp1252 := []byte("Name of Agency,License No.\nNi\xf1o Manpower Inc.,POEA-1\n")
	for name, c := range map[string]struct {
		data    []byte
		profile string
		enc     string
		want    string
	}{
		"latin-1":         {cp1252, "ph-dmw-licensed", "", "row 2 is not UTF-8"},
		"missing columns": {[]byte("Agency,Address\nX,Y\n"), "ph-dmw-licensed", "", "needs columns name (one of: name of agency"},
		"empty":           {[]byte("\n\n"), "ph-dmw-licensed", "", "empty"},
		"binary":          {[]byte("PK\x03\x04\x00\x00xlsx"), "ph-dmw-licensed", "", "NUL bytes"},
		"too big":         {bytes.Repeat([]byte("a,b\n"), agencies.MaxImportBytes/4+1), "generic", "", "at most 32 MB"},
		"unknown profile": {[]byte("a\n"), "xx", "", "profile"},
		"bad encoding":    {cp1252, "ph-dmw-licensed", "ebcdic", "unknown encoding"},
	} {
		_, err := f.svc.Import(ctx, c.profile, c.data, agencies.ImportOptions{ParseOptions: agencies.ParseOptions{Encoding: c.enc}})
		var ve *kawan.ValidationError
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &ve) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(versions(t, f)) != 0 {
		t.Fatal("a refused file wrote agencies")
	}
	// The same bytes import once their encoding is said, or when UTF-16 has its mark.
	for _, c := range []struct {
		data []byte
		enc  string
	}{{cp1252, "windows-1252"}, {utf16, ""}} {
		rep, err := f.svc.Import(ctx, "ph-dmw-licensed", c.data, agencies.ImportOptions{ParseOptions: agencies.ParseOptions{Encoding: c.enc, RetrievedAt: listDay}})
		if err != nil || rep.Created+rep.Unchanged != 1 {
			t.Fatalf("%q: %+v %v", c.enc, rep, err)
		}
	}
	p, err := f.svc.Profile(ctx, "nino-manpower-ph")
	if err != nil || p.LegalName != "Niño Manpower Inc." {
		t.Errorf("decoded name: %+v %v", p.LegalName, err)
	}
}

func TestImportUploadAPI(t *testing.T) {
	f := newFixture(t)
	body := string(readFixture(t, "np-dofe-licensed.csv"))
	path := "/v1/admin/agency-imports?profile=np-dofe-licensed&retrieved_at=2026-05-01"
	f.c.Headers["Content-Type"] = "text/csv"
	if r := f.c.As("w1").Do("POST", path, body); r.Status != http.StatusForbidden {
		t.Errorf("worker upload: %d", r.Status)
	}
	var rep agencies.ImportReport
	r := f.c.As("admin").Do("POST", path+"&dry_run=true", body)
	r.JSON(t, &rep)
	if r.Status != 200 || !rep.DryRun || rep.Created != 4 || len(versions(t, f)) != 0 {
		t.Fatalf("dry run upload: %d %s", r.Status, r.Body)
	}
	r = f.c.As("admin").Do("POST", path, body)
	r.JSON(t, &rep)
	if r.Status != 200 || rep.Created != 4 || rep.Rejected != 2 || rep.Errors[0].Line != 4 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	r = f.c.As("admin").Do("POST", path, body)
	r.JSON(t, &rep)
	if rep.Created+rep.Updated != 0 || rep.Unchanged != 4 {
		t.Errorf("second upload: %s", r.Body)
	}
	for q, field := range map[string]string{
		"profile=nope":                                                          "profile",
		"profile=generic&retrieved_at=yesterday":                                "retrieved_at",
		"profile=generic&dry_run=maybe":                                         "dry_run",
		"profile=generic&encoding=ebcdic":                                       "file",
		"profile=generic&colour=red":                                            "colour",
		"profile=generic&retrieved_at=2099-01-01":                               "retrieved_at",
		"profile=ph-dmw-licensed&retrieved_at=" + url.QueryEscape("2026-05-01"): "file",
	} {
		b := body
		if field == "file" && !strings.Contains(q, "encoding") {
			b = "no,columns\n1,2\n"
		}
		r := f.c.As("admin").Do("POST", "/v1/admin/agency-imports?"+q, b)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("?%s: %d %s", q, r.Status, r.Body)
		}
	}
	if r := f.c.As("admin").Do("POST", "/v1/admin/agency-imports?profile=generic", ""); r.Status != http.StatusBadRequest {
		t.Errorf("empty upload: %d %s", r.Status, r.Body)
	}
}

func TestParseDate(t *testing.T) {
	for _, c := range []struct {
		in       string
		dayFirst bool
		want     string
	}{
		{"2024-03-31", false, "2024-03-31"}, {"31/03/2024", false, "2024-03-31"}, {"03/04/2024", false, "2024-03-04"},
		{"03/04/2024", true, "2024-04-03"}, {"31 Maret 2024", true, "2024-03-31"}, {"12 Januari 2022", true, "2022-01-12"},
		{"Mar 31, 2024", false, "2024-03-31"}, {"March 31, 2024", false, "2024-03-31"}, {"31-Mar-2024", false, "2024-03-31"},
		{"Valid until 2027-01-15", false, "2027-01-15"}, {"45382", false, "2024-03-31"}, {"2024-03-31T00:00:00Z", false, "2024-03-31"},
		{"1 Agustus 2023", true, "2023-08-01"}, {"", false, "0001-01-01"}, {"-", false, "0001-01-01"}, {"2024/3/5", false, "2024-03-05"},
	} {
		got, err := agencies.ParseDate(c.in, c.dayFirst)
		if err != nil || got.Format("2006-01-02") != c.want {
			t.Errorf("ParseDate(%q, %v) = %v, %v; want %s", c.in, c.dayFirst, got, err, c.want)
		}
	}
	for _, bad := range []string{"2082-03-31", "31/02/2024", "yesterday", "12", "1850-01-01", strings.Repeat("1", 50)} {
		if _, err := agencies.ParseDate(bad, true); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}

package agencies_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
)

// The lists regulators really publish (issue 15), in fictional fixtures of their exact shapes.

var dmwDay = time.Date(2026, 9, 8, 0, 0, 0, 0, time.UTC)

func (f *fixture) importBytes(t *testing.T, profile string, data []byte, retrieved time.Time) *agencies.ImportReport {
	t.Helper()
	rep, err := f.svc.Import(context.Background(), profile, data, agencies.ImportOptions{ParseOptions: agencies.ParseOptions{RetrievedAt: retrieved}})
	if err != nil {
		t.Fatalf("import %s: %v", profile, err)
	}
	return rep
}

func dmwPages(t *testing.T) []byte {
	return append(readFixture(t, "ph-dmw-page1.json"), readFixture(t, "ph-dmw-page2.json")...)
}

func profileOf(t *testing.T, f *fixture, id string) agencies.Profile {
	t.Helper()
	p, err := f.svc.Profile(context.Background(), id)
	if err != nil {
		t.Fatalf("profile %s: %v", id, err)
	}
	return p
}

// TestImportDMWRegistry: before issue 15, 0 of the DMW registry's rows imported (every
// profile needed a licence number the registry does not have).
func TestImportDMWRegistry(t *testing.T) {
	f := newFixture(t)
	f.now = dmwDay
	rep := f.importBytes(t, "ph-dmw", dmwPages(t), dmwDay)
	// 19 records; LUNTIAN PLACEMENT INC / INC. are one agency, the two BAYBAYIN MANNING
	// CORPORATION (another classification at another address) are two.
	if counts(rep) != "rows=19 created=18 updated=1 unchanged=0 rejected=0" || len(rep.UnknownStatuses) != 0 {
		t.Fatalf("import: %s %+v unknown %v", counts(rep), rep.Errors, rep.UnknownStatuses)
	}
	if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0].Reason, "row 3 and row 4 are the same PH-DMW agency") {
		t.Errorf("notes: %+v", rep.Notes)
	}
	// Re-importing changes nothing, not even versions.
	before := versions(t, f)
	again := f.importBytes(t, "ph-dmw", dmwPages(t), dmwDay)
	if counts(again) != "rows=19 created=0 updated=0 unchanged=19 rejected=0" || again.Events != 0 {
		t.Fatalf("re-import: %s %+v events %d", counts(again), again.Changes, again.Events)
	}
	if after := versions(t, f); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("re-import changed versions")
	}

	// Backticks are apostrophes; the sentinel and nulls are no date; contacts split; the
	// regulator's words kept beside the status; data_as_of is the date the facts were true.
	rs := profileOf(t, f, "3-r-s-overseas-manpower-services-ph")
	l := rs.Licences[0]
	if rs.LegalName != "3 R'S OVERSEAS MANPOWER SERVICES INC." || rs.Address != "UNIT 3 RIZAL BLDG., ERMITA" || rs.City != "MANILA" ||
		len(rs.Contact.Phones) != 2 || rs.Contact.Phone != "(02) 8555-0101" || len(rs.Contact.Emails) != 2 ||
		l.Number != "" || l.Classification != "Private Employment Agency" || l.StatusText != "Valid License" || l.Status != kawan.LicenceActive ||
		l.AsOf.Format(time.DateOnly) != "2026-09-07" || l.ValidTo.Format(time.DateOnly) != "2031-10-03" || rs.Standing.Standing != kawan.StandingLicensed {
		t.Errorf("3 R'S: %+v", rs)
	}
	// INC (expired) and INC. (provisional): one record, both states in its history.
	lu := profileOf(t, f, "luntian-placement-ph")
	if len(lu.Licences) != 1 || lu.Licences[0].StatusText != "Valid License - Provisional" || lu.Standing.Standing != kawan.StandingLicensed {
		t.Errorf("luntian: %+v", lu)
	}
	hist, err := f.svc.History(context.Background(), "luntian-placement-ph", 50)
	if err != nil || len(hist) != 2 || hist[0].Kind != "status" || hist[0].To != "active" || hist[1].Kind != "listed" || hist[1].To != "expired" ||
		!strings.Contains(hist[1].Summary, "seen on the PH-DMW list of 7 Sep 2026") {
		t.Errorf("luntian history: %+v %v", hist, err)
	}
	// Same name, other classification, other address: two agencies.
	b1, b2 := profileOf(t, f, "baybayin-manning-ph"), profileOf(t, f, "baybayin-manning-ph-2")
	if len(b1.Licences) != 1 || len(b2.Licences) != 1 || b1.Licences[0].Classification == b2.Licences[0].Classification {
		t.Errorf("baybayin: %+v / %+v", b1.Licences, b2.Licences)
	}
	// Forever Banned: licence cancelled and a blacklisting, even without a status date.
	for _, id := range []string{"pagasa-international-recruitment-agency-ph", "tala-worldwide-placement-ph"} {
		p := profileOf(t, f, id)
		if p.Licences[0].Status != kawan.LicenceCancelled || p.Licences[0].StatusText != "Forever Banned" || p.Standing.Standing != kawan.StandingBlacklisted ||
			len(p.Sanctions) != 1 || p.Sanctions[0].Kind != kawan.SanctionBlacklist {
			t.Errorf("%s: %+v", id, p)
		}
	}
	// Every status word maps to its own status.
	for id, want := range map[string]kawan.LicenceStatus{
		"sampaguita-human-resources-ph": kawan.LicenceDelisted, "dalisay-manpower-services-ph": kawan.LicenceDeniedRenewal,
		"kalayaan-builders-construction-ph": kawan.LicenceCeased, "maynila-access-placement-ph": kawan.LicenceInactive,
		"penafrancia-overseas-employment-agency-ph": kawan.LicenceSuspended, "bicol-star-manpower-ph": kawan.LicenceSuspended,
		"silangan-maritime-services-ph": kawan.LicenceRevoked, "himig-overseas-placement-ph": kawan.LicenceSuspended,
		"mabuhay-global-contractors-ph": kawan.LicenceCancelled, "alon-manning-ph": kawan.LicenceActive,
		"baybayin-manning-ph": kawan.LicenceActive,
	} {
		p := profileOf(t, f, id)
		if p.Licences[0].Status != want || (want != kawan.LicenceActive && p.Standing.Standing != kawan.StandingLicenceProblem) {
			t.Errorf("%s: %s (%q) standing %s, want %s", id, p.Licences[0].Status, p.Licences[0].StatusText, p.Standing.Standing, want)
		}
	}
	// Former names are trade names, also when cut off before the ")".
	if sp := profileOf(t, f, "sampaguita-human-resources-ph"); sp.LegalName != "SAMPAGUITA HUMAN RESOURCES" || len(sp.TradeNames) != 1 || sp.TradeNames[0] != "SAMPAGUITA MANPOWER SERVICES" {
		t.Errorf("formerly: %q %q", sp.LegalName, sp.TradeNames)
	}
	if ma := profileOf(t, f, "maynila-access-placement-ph"); ma.LegalName != "MAYNILA ACCESS PLACEMENT" || len(ma.TradeNames) != 1 || ma.TradeNames[0] != "MAYNILA ACCESS INTERNATIONAL" {
		t.Errorf("for, cut off: %q %q", ma.LegalName, ma.TradeNames)
	}
	// Two agencies sharing an e-mail stay two; "NA", "" and null are no contact; Ñ kept.
	pe, bs := profileOf(t, f, "penafrancia-overseas-employment-agency-ph"), profileOf(t, f, "bicol-star-manpower-ph")
	if pe.Contact.Email != "hr@bicolgroup.example" || bs.Contact.Email != pe.Contact.Email || !strings.HasPrefix(pe.LegalName, "PEÑAFRANCIA") {
		t.Errorf("shared e-mail: %+v %+v", pe.Contact, bs.Contact)
	}
	if mg := profileOf(t, f, "mabuhay-global-contractors-ph"); mg.Contact.Phone != "" || mg.Contact.Email != "" {
		t.Errorf("NA contact: %+v", mg.Contact)
	}
	if ta := profileOf(t, f, "tala-worldwide-placement-ph"); ta.Address != "" || ta.City != "CEBU CITY" {
		t.Errorf("not stated: %q %q", ta.Address, ta.City)
	}

	// The search endpoint's variant spells it "email"; the same agencies, nothing changes.
	srch := f.importBytes(t, "ph-dmw", readFixture(t, "ph-dmw-search.json"), dmwDay)
	if srch.Created != 0 || srch.Rejected != 0 {
		t.Errorf("search variant: %s %+v", counts(srch), srch.Errors)
	}
	// A licence lapses by its date, without a new import.
	f.now = time.Date(2031, 10, 4, 9, 0, 0, 0, time.UTC)
	rs = profileOf(t, f, "3-r-s-overseas-manpower-services-ph")
	if rs.Standing.Standing != kawan.StandingLicenceProblem || !strings.Contains(rs.Standing.Reason, "expired since 2031-10-03") {
		t.Errorf("lapsed by date: %+v", rs.Standing)
	}
	hist, _ = f.svc.History(context.Background(), "3-r-s-overseas-manpower-services-ph", 10)
	if len(hist) < 2 || hist[0].Kind != "lapsed" || !strings.Contains(hist[0].Summary, "expired on 3 Oct 2031") {
		t.Errorf("lapse in history: %+v", hist)
	}
}

// The DMW CSV variant: headers are not published, both spellings are read; row numbers are
// the spreadsheet's (a cell over two lines is one row).
func TestImportDMWCSV(t *testing.T) {
	f := newFixture(t)
	f.now = dmwDay
	rep := f.importBytes(t, "ph-dmw", readFixture(t, "ph-dmw.csv"), dmwDay)
	if counts(rep) != "rows=7 created=4 updated=1 unchanged=0 rejected=2" {
		t.Fatalf("csv: %s %+v", counts(rep), rep.Errors)
	}
	why := reasons(rep)
	if !strings.Contains(why[5], `"Name" column is empty`) || !strings.Contains(why[8], `"License Expiration Date" "not a date"`) {
		t.Errorf("row numbers: %v", why)
	}
	if p := profileOf(t, f, "3-r-s-overseas-manpower-services-ph"); p.Address != "UNIT 3 RIZAL BLDG., ERMITA" {
		t.Errorf("two-line cell: %q", p.Address)
	}
}

// Before issue 15 the two Gulf Associate were merged into one record (with the other one's
// phone), and RL-0010 as agencies print it found nothing.
func TestImportBMETDirectory(t *testing.T) {
	f := newFixture(t)
	rep := f.importBytes(t, "bd-bmet", readFixture(t, "bd-bmet-rl.csv"), listDay)
	if counts(rep) != "rows=5 created=5 updated=0 unchanged=0 rejected=0" {
		t.Fatalf("bmet: %s %+v", counts(rep), rep.Errors)
	}
	g1, g2 := profileOf(t, f, "gulf-associate-bd"), profileOf(t, f, "gulf-associate-bd-2")
	if g1.Licences[0].Number != "RL No. 923" || !strings.Contains(g1.Address, "Banani") || g1.Contact.Phone != "02-9000923" ||
		g2.Licences[0].Number != "0251" || !strings.Contains(g2.Address, "Vatara") || g2.Contact.Phone != "02-9000251" {
		t.Errorf("gulf associate: %+v / %+v", g1, g2)
	}
	if again := f.importBytes(t, "bd-bmet", readFixture(t, "bd-bmet-rl.csv"), listDay); again.Unchanged != 5 {
		t.Errorf("re-import: %s", counts(again))
	}
	for _, typed := range []string{"RL-0010", "rl 0010", "10", "RL No. 10", "0010"} {
		lc, err := f.svc.CheckLicence(context.Background(), "BD-BMET", typed)
		if err != nil || !lc.Found || lc.Agency.ID != "dhaka-bridge-overseas-bd" {
			t.Errorf("check %q: %+v %v", typed, lc, err)
		}
	}
	// The same with the generic profile: two numbers, two agencies.
	gen := "name,licence_number,regulator,status\nGulf Associate,RL 0923,BD-BMET,active\nGulf Associate,RL-0251,BD-BMET,active\n"
	g := newFixture(t)
	if rep := g.importBytes(t, "generic", []byte(gen), listDay); rep.Created != 2 {
		t.Errorf("generic: %s", counts(rep))
	}
}

func TestImportDoFEJSON(t *testing.T) {
	f := newFixture(t)
	rep := f.importBytes(t, "np-dofe", readFixture(t, "np-dofe.json"), listDay)
	if counts(rep) != "rows=6 created=6 updated=0 unchanged=0 rejected=0" {
		t.Fatalf("dofe: %s %+v", counts(rep), rep.Errors)
	}
	hm := profileOf(t, f, "himalaya-manpower-np")
	if len(hm.Contact.Phones) != 3 || hm.Contact.Website != "https://himalaya.example" || hm.City != "Kathmandu" {
		t.Errorf("contacts: %+v", hm.Contact)
	}
	if p := profileOf(t, f, "lumbini-overseas-np"); p.Licences[0].Status != kawan.LicenceInactive || p.Licences[0].StatusText != "Inactive" {
		t.Errorf("inactive: %+v", p.Licences)
	}
	for typed, id := range map[string]string{"1284/74/75": "lumbini-overseas-np", "1284/074/075": "lumbini-overseas-np", "257/58/59": "gorkha-human-resource-np",
		"88/65/66": "everest-overseas-manpower-np", "301/060/061": "janakpur-recruitment-agency-np"} {
		lc, err := f.svc.CheckLicence(context.Background(), "NP-DOFE", typed)
		if err != nil || !lc.Found || lc.Agency.ID != id {
			t.Errorf("check %q: %+v %v", typed, lc, err)
		}
	}
}

func TestImportBP2MISanctions(t *testing.T) {
	f := newFixture(t)
	if rep := f.importBytes(t, "id-bp2mi-p3mi", readFixture(t, "id-bp2mi-p3mi-siskop2mi.csv"), listDay); counts(rep) != "rows=3 created=3 updated=0 unchanged=0 rejected=0" {
		t.Fatalf("p3mi: %s %+v", counts(rep), rep.Errors)
	}
	f.now = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	rep := f.importBytes(t, "id-bp2mi-sanksi", readFixture(t, "id-bp2mi-p3mi-sanksi.csv"), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	if counts(rep) != "rows=3 created=0 updated=3 unchanged=0 rejected=0" {
		t.Fatalf("sanksi: %s %+v %+v", counts(rep), rep.Errors, rep.Changes)
	}
	ct := profileOf(t, f, "cahaya-timur-id")
	if ct.Licences[0].Status != kawan.LicenceActive || len(ct.Sanctions) != 1 || ct.Sanctions[0].Kind != kawan.SanctionWarning || ct.Standing.Standing != kawan.StandingSanctioned {
		t.Errorf("warning keeps the licence: %+v", ct)
	}
	nk := profileOf(t, f, "nusantara-karya-mandiri-id")
	if nk.Licences[0].Status != kawan.LicenceSuspended || nk.Sanctions[0].Kind != kawan.SanctionSuspension || nk.Standing.Standing != kawan.StandingLicenceProblem {
		t.Errorf("suspension: %+v", nk)
	}
	if again := f.importBytes(t, "id-bp2mi-sanksi", readFixture(t, "id-bp2mi-p3mi-sanksi.csv"), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)); again.Unchanged != 3 {
		t.Errorf("re-import: %s", counts(again))
	}
}

func TestLicenceCheckWhatWorkersType(t *testing.T) {
	f := newFixture(t)
	f.now = dmwDay
	ctx := context.Background()
	f.importBytes(t, "ph-dmw", dmwPages(t), dmwDay)
	f.importBytes(t, "bd-bmet", readFixture(t, "bd-bmet-rl.csv"), listDay)

	// A name (with a typo) against a list without numbers answers with DMW's status and date
	// and says plainly that DMW publishes no licence numbers.
	lc, err := f.svc.CheckLicence(ctx, "PH-DMW", "luntian placment")
	if err != nil || !lc.Found || lc.MatchedBy != "name" || lc.Agency.ID != "luntian-placement-ph" || lc.Status != kawan.LicenceActive ||
		lc.StatusText != "Valid License - Provisional" || !strings.Contains(lc.Note, "publishes no licence numbers") || lc.Licence.ValidTo.Format(time.DateOnly) != "2027-09-06" {
		t.Fatalf("name check: %+v %v", lc, err)
	}
	lc, _ = f.svc.CheckLicence(ctx, "PH-DMW", "Pagasa International")
	if !lc.Found || lc.Valid || lc.Agency.Standing.Standing != kawan.StandingBlacklisted || !strings.Contains(lc.Warning, `"Forever Banned"`) {
		t.Errorf("banned by name: %+v", lc)
	}
	// Any regulator: a BMET number and a DMW name are both found.
	if lc, _ := f.svc.CheckLicence(ctx, "", "RL-0010"); !lc.Found || lc.Regulator.Code != "BD-BMET" || lc.Agency.ID != "dhaka-bridge-overseas-bd" {
		t.Errorf("any regulator, number: %+v", lc)
	}
	if lc, _ := f.svc.CheckLicence(ctx, "any", "alon manning"); !lc.Found || lc.Regulator.Code != "PH-DMW" {
		t.Errorf("any regulator, name: %+v", lc)
	}
	// A number asked under another regulator answers with the agency that holds it, and says so.
	lc, _ = f.svc.CheckLicence(ctx, "NP-DOFE", "RL-1107")
	if !lc.Found || lc.Regulator.Code != "BD-BMET" || lc.AskedRegulator != "NP-DOFE" || !strings.Contains(lc.Note, "it is a BD-BMET licence") {
		t.Errorf("other regulator: %+v", lc)
	}
	// Not found: which lists were searched and when each was last read.
	lc, _ = f.svc.CheckLicence(ctx, "BD-BMET", "RL-9999")
	if lc.Found || len(lc.Searched) != 1 || lc.Searched[0].Profile != "bd-bmet" || !lc.Searched[0].RetrievedAt.Equal(listDay) ||
		!strings.Contains(lc.Warning, "Lists searched: BD-BMET (read 2026-05-01)") {
		t.Errorf("not found: %+v", lc)
	}
	lc, _ = f.svc.CheckLicence(ctx, "", "nobody at all")
	if lc.Found || len(lc.Searched) != 2 || lc.Searched[1].AsOf.Format(time.DateOnly) != "2026-09-07" {
		t.Errorf("not found anywhere: %+v", lc)
	}
	if lc, _ := f.svc.CheckLicence(ctx, "PH-DMW", "POEA-1-LB"); lc.Found || !strings.Contains(lc.Note, "publishes no licence numbers") {
		t.Errorf("a number against DMW: %+v", lc)
	}
	for _, bad := range []struct{ reg, q string }{{"XX", "1"}, {"PH-DMW", "---"}, {"", strings.Repeat("a", 201)}} {
		if _, err := f.svc.CheckLicence(ctx, bad.reg, bad.q); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// Bad input: clear messages with row numbers, nothing half-written, the previous data kept.
func TestImportBadRegistryInput(t *testing.T) {
	f := newFixture(t)
	f.now = dmwDay
	ctx := context.Background()
	page := readFixture(t, "ph-dmw-page1.json")
	f.importBytes(t, "ph-dmw", page, dmwDay)
	before := versions(t, f)
	imp := func(profile string, data []byte, enc string) (*agencies.ImportReport, error) {
		return f.svc.Import(ctx, profile, data, agencies.ImportOptions{ParseOptions: agencies.ParseOptions{RetrievedAt: dmwDay.AddDate(0, 0, 1), Encoding: enc}})
	}
	// A page cut off in the middle of a record.
	cut := page[:len(page)*2/3]
	if _, err := imp("ph-dmw", cut, ""); err == nil || !strings.Contains(err.Error(), "the file is cut off") || !strings.Contains(err.Error(), "after record 8") {
		t.Errorf("truncated JSON: %v", err)
	}
	// Windows-1252 (Excel's CSV): refused with the fix, read when the encoding is given.
	csv := readFixture(t, "ph-dmw.csv")
	cp := []byte(strings.ReplaceAll(string(csv), "Ñ", "\xd1"))
	// Ñ is on row 7 (line 8: row 2's address spans two lines).
	if _, err := imp("ph-dmw", cp, ""); err == nil || !strings.Contains(err.Error(), "row 7 is not UTF-8") || !strings.Contains(err.Error(), "windows-1252") {
		t.Errorf("windows-1252 without encoding: %v", err)
	}
	// A 40 MB list.
	big := append([]byte(`{"meta":{"total":1},"data":[`), make([]byte, 40<<20)...)
	if _, err := imp("ph-dmw", big, ""); err == nil || !strings.Contains(err.Error(), "at most 32 MB") {
		t.Errorf("40 MB: %v", err)
	}
	if after := versions(t, f); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatal("a refused file changed the registry")
	}
	if rep, err := imp("ph-dmw", cp, "windows-1252"); err != nil || rep.Rejected != 2 || profileOf(t, f, "penafrancia-overseas-employment-agency-ph").LegalName != "PEÑAFRANCIA OVERSEAS EMPLOYMENT AGENCY" {
		t.Errorf("windows-1252 with encoding: %+v %v", rep, err)
	}
	// Every row of one status: imported, but a filtered export is said to be one and missing
	// licences are not reported.
	var recs []string
	for i := range 25 {
		recs = append(recs, fmt.Sprintf(`{"name":"ONE STATUS AGENCY %d INC.","classification":"Private Employment Agency","license_status":"Cancelled","license_status_date":"2020-01-01T00:00:00.000Z","license_expiration_date":null,"is_valid":false,"representative":null,"address":"","municipality_province":"","city_province":"MANILA","contact_number":"NA","eMail":"","data_as_of":"2026-09-07T00:00:00.000Z"}`, i))
	}
	rep, err := imp("ph-dmw", []byte(`{"meta":{"total":25},"data":[`+strings.Join(recs, ",")+`]}`), "")
	if err != nil || rep.Created != 25 || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], `all 25 rows have the status "Cancelled"`) || len(rep.Missing) != 0 {
		t.Errorf("one status: %+v %v", rep, err)
	}
	// Two rows for one licence with conflicting statuses: both refused with both row numbers,
	// the licence keeps what Kawan had.
	g := newFixture(t)
	g.importBytes(t, "np-dofe", readFixture(t, "np-dofe.json"), listDay)
	conflict := `[{"id":1,"name":"Gorkha Human Resource Pvt. Ltd.","permissionNo":"257/058/059","district":"Lalitpur","email":"","mobileNo":null,"telephone":"","address":"Pulchowk","website":"","statusName":"Cancelled"},
	 {"id":2,"name":"Other Name Pvt. Ltd.","permissionNo":"0257/58/059","district":"Lalitpur","email":"","mobileNo":null,"telephone":"","address":"Pulchowk","website":"","statusName":"Active"}]`
	rep = g.importBytes(t, "np-dofe", []byte(conflict), listDay.AddDate(0, 0, 1))
	why := reasons(rep)
	if rep.Rejected != 2 || !strings.Contains(why[1], `is on row 1 as "Cancelled" and on row 2 as "Active"`) || !strings.Contains(why[2], "neither row was imported") {
		t.Errorf("conflict: %s %v", counts(rep), why)
	}
	if p := profileOf(t, g, "gorkha-human-resource-np"); p.Licences[0].Status != kawan.LicenceActive {
		t.Errorf("conflict changed the licence: %+v", p.Licences)
	}
	// The admin upload answers the same messages as problem+json.
	f.c.Headers["Content-Type"] = "application/json"
	r := f.c.As("admin").Do("POST", "/v1/admin/agency-imports?profile=ph-dmw", string(cut))
	if r.Status != 400 || !strings.Contains(r.Header.Get("Content-Type"), "application/problem+json") ||
		!strings.Contains(string(r.Body), `"field":"file"`) || !strings.Contains(string(r.Body), "cut off") {
		t.Errorf("upload truncated: %d %s", r.Status, r.Body)
	}
	r = f.c.As("admin").Do("POST", "/v1/admin/agency-imports?profile=ph-dmw", string(page))
	var up agencies.ImportReport
	r.JSON(t, &up)
	if r.Status != 200 || up.Rejected != 0 {
		t.Errorf("upload JSON: %d %s", r.Status, r.Body)
	}
}

func TestRegistryAPI(t *testing.T) {
	f := newFixture(t)
	f.now = dmwDay
	f.importBytes(t, "ph-dmw-licensed", readFixture(t, "ph-dmw-licensed.csv"), listDay)
	// A DMW registry listing of an agency Kawan has from an older numbered list joins it by
	// name, with the rule on the record; an admin splits it off again.
	rec := `{"meta":{"total":1},"data":[{"name":"BAYANIHAN MANPOWER SERVICES INC.","classification":"Private Employment Agency","license_status":"Expired","license_status_date":"1901-01-01T00:00:00.000Z","license_expiration_date":"2026-09-06T00:00:00.000Z","is_valid":false,"representative":null,"address":"UNIT 5, ERMITA","municipality_province":"ERMITA","city_province":"MANILA","contact_number":"(02) 555 0101","eMail":"info@bayanihan.example","data_as_of":"2026-09-07T00:00:00.000Z"}]}`
	rep := f.importBytes(t, "ph-dmw", []byte(rec), dmwDay)
	if rep.Updated != 1 || rep.Changes[0].AgencyID != "bayanihan-manpower-services-ph" {
		t.Fatalf("merge: %s %+v", counts(rep), rep.Changes)
	}
	var p agencies.Profile
	f.c.Do("GET", "/v1/agencies/bayanihan-manpower-services-ph", nil).JSON(t, &p)
	if len(p.Licences) != 2 || len(p.Merges) != 1 || p.Merges[0].Rule != kawan.MergeSameNameOrigin || !strings.Contains(p.Merges[0].Reason, "same normalised name") {
		t.Fatalf("merge note: %+v", p)
	}
	var h struct {
		Events []kawan.AgencyEvent `json:"events"`
	}
	r := f.c.Do("GET", "/v1/agencies/bayanihan-manpower-services-ph/history", nil)
	r.JSON(t, &h)
	if r.Status != 200 || len(h.Events) != 3 || h.Events[0].Kind != "merged" && h.Events[1].Kind != "merged" {
		t.Fatalf("history: %d %s", r.Status, r.Body)
	}
	if r := f.c.Do("GET", "/v1/agencies/nobody-ph/history", nil); r.Status != 404 {
		t.Errorf("history of nobody: %d", r.Status)
	}
	if r := f.c.Do("GET", "/v1/agencies/bayanihan-manpower-services-ph/history?limit=0", nil); r.Status != 400 {
		t.Errorf("limit 0: %d", r.Status)
	}
	key := p.Merges[0].Key
	if r := f.c.As("w1").Do("POST", "/v1/admin/agencies/bayanihan-manpower-services-ph/split", `{"regulator":"PH-DMW","key":"x"}`); r.Status != 403 {
		t.Errorf("worker split: %d", r.Status)
	}
	if r := f.c.As("admin").Do("POST", "/v1/admin/agencies/bayanihan-manpower-services-ph/split", `{"regulator":"PH-DMW","key":"nope"}`); r.Status != 400 {
		t.Errorf("split of nothing: %d %s", r.Status, r.Body)
	}
	var sp struct{ Agency, Split agencies.Profile }
	r = f.c.As("admin").Do("POST", "/v1/admin/agencies/bayanihan-manpower-services-ph/split", `{"regulator":"PH-DMW","key":"`+key+`"}`)
	r.JSON(t, &sp)
	if r.Status != 200 || len(sp.Agency.Licences) != 1 || len(sp.Agency.Merges) != 0 || len(sp.Split.Licences) != 1 || sp.Split.Licences[0].Key != key ||
		sp.Split.LegalName != "BAYANIHAN MANPOWER SERVICES INC." {
		t.Fatalf("split: %d %s", r.Status, r.Body)
	}
	// The split stays split: the next import finds the listing by its own key (and fills in
	// the split-off agency's city and contact), the original keeps its one licence.
	again := f.importBytes(t, "ph-dmw", []byte(rec), dmwDay)
	if again.Created != 0 || len(again.Changes) != 1 || again.Changes[0].AgencyID != sp.Split.ID {
		t.Errorf("re-import after split: %s %+v", counts(again), again.Changes)
	}
	if p := profileOf(t, f, "bayanihan-manpower-services-ph"); len(p.Licences) != 1 || len(p.Merges) != 0 {
		t.Errorf("re-merged: %+v", p.Licences)
	}
	// The query form of the licence check: always 200, nothing found says where it looked.
	var lc agencies.LicenceCheck
	f.c.Do("GET", "/v1/licence-check?regulator=PH-DMW&number="+url.QueryEscape("bayanihan manpower services"), nil).JSON(t, &lc)
	if !lc.Found || lc.Agency == nil {
		t.Errorf("licence-check by name: %+v", lc)
	}
	r = f.c.Do("GET", "/v1/licence-check?number=ZZ-404", nil)
	r.JSON(t, &lc)
	if r.Status != 200 || lc.Found || len(lc.Searched) != 2 {
		t.Errorf("licence-check nothing: %d %s", r.Status, r.Body)
	}
	if r := f.c.Do("GET", "/v1/licence-check?regulator=XX&number=1", nil); r.Status != 400 {
		t.Errorf("bad regulator: %d", r.Status)
	}
	if r := f.c.Do("GET", "/v1/licences/any/"+url.PathEscape("POEA-101-LB-010124-R"), nil); r.Status != 200 {
		t.Errorf("any in the path: %d %s", r.Status, r.Body)
	}
}

// An admin's edits of licences are kept in the history too.
func TestHistoryOfAdminEdits(t *testing.T) {
	f := newFixture(t)
	id := f.create(t, himalaya)
	if r := f.c.As("admin").Do("PUT", "/v1/admin/agencies/"+id, strings.Replace(himalaya, `"status":"active"`, `"status":"suspended"`, 1)); r.Status != 200 {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	var h struct {
		Events []kawan.AgencyEvent `json:"events"`
	}
	f.c.Do("GET", "/v1/agencies/"+id+"/history", nil).JSON(t, &h)
	if len(h.Events) != 2 || h.Events[0].Kind != "status" || h.Events[0].To != "suspended" || h.Events[0].Source != "admin" ||
		!strings.Contains(h.Events[0].Summary, "recorded by an admin on 1 Jun 2026") || h.Events[1].Kind != "listed" {
		t.Errorf("admin history: %+v", h.Events)
	}
}

// A licence that lapses by its date leaves "licensed" in search the same day (the reconciler's
// daily RefreshLapsed), without a new import.
func TestRefreshLapsed(t *testing.T) {
	f := newFixture(t)
	f.now = dmwDay
	ctx := context.Background()
	f.importBytes(t, "bd-bmet", readFixture(t, "bd-bmet-rl.csv"), listDay)
	f.importBytes(t, "ph-dmw", dmwPages(t), dmwDay)
	licensed := func() map[string]bool {
		res, err := f.svc.Search(ctx, agencies.SearchQuery{Standing: "licensed", PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, h := range res.Hits {
			out[h.ID] = true
		}
		return out
	}
	if !licensed()["3-r-s-overseas-manpower-services-ph"] {
		t.Fatal("not licensed before its date")
	}
	f.now = time.Date(2031, 10, 4, 1, 0, 0, 0, time.UTC)
	n, err := f.svc.RefreshLapsed(ctx, dmwDay)
	if err != nil || n == 0 {
		t.Fatalf("refresh: %d %v", n, err)
	}
	if l := licensed(); l["3-r-s-overseas-manpower-services-ph"] || !l["dhaka-bridge-overseas-bd"] {
		t.Errorf("after the lapse: %v", l)
	}
	if n, _ := f.svc.RefreshLapsed(ctx, time.Date(2031, 10, 4, 0, 0, 0, 0, time.UTC)); n != 0 {
		t.Errorf("the same day again re-indexed %d", n)
	}
}

// DemoDocs (the search benchmarks' and scripts/benchagencies' documents) needs no store.
func TestDemoDocsWithoutStore(t *testing.T) {
	docs := agencies.DemoDocs(5, 1, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	if len(docs) != 5 || docs[0].ID == "" || docs[0].Name == "" {
		t.Fatalf("DemoDocs: %+v", docs)
	}
}

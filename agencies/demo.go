package agencies

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/search"
)

// DemoNote is how demo agencies are marked: invented names, numbers and facts, with the
// regulators' real list pages as sources only to show where real data comes from.
const DemoNote = "(Demo)"

type demoOrigin struct {
	code, regulator, prefix string
	weight                  int
	places                  []string
	kinds                   []string
	suffixes                []string
	cities                  []string
	destinations            []string
	sectors                 []string
	languages               []string
}

var demoOrigins = []demoOrigin{
	{"NP", "NP-DOFE", "", 18, []string{"Himalayan", "Everest", "Annapurna", "Sagarmatha", "Gorkha", "Lumbini", "Janakpur", "Koshi", "Gandaki", "Karnali", "Bagmati", "Mustang", "Dhaulagiri", "Makalu", "Rara", "Phewa"},
		[]string{"Manpower", "Overseas", "Human Resource", "Recruitment", "Foreign Employment"}, []string{"Pvt. Ltd."},
		[]string{"Kathmandu", "Lalitpur", "Pokhara", "Biratnagar", "Butwal", "Dhangadhi"}, []string{"QA", "AE", "SA", "MY", "KW", "BH", "OM"},
		[]string{"construction", "hospitality", "security", "manufacturing", "cleaning"}, []string{"ne", "en"}},
	{"PH", "PH-DMW", "", 20, []string{"Bayanihan", "Mabuhay", "Luzon", "Visayas", "Mindanao", "Sampaguita", "Maharlika", "Pag-asa", "Bagong Araw", "Tala", "Bituin", "Perlas", "Kalayaan", "Malaya", "Dalisay"},
		[]string{"Manpower Services", "International Placement", "Recruitment Agency", "Overseas Employment", "Global Manpower"}, []string{"Inc.", "Corp."},
		[]string{"Manila", "Makati", "Quezon City", "Pasay", "Cebu City", "Davao City", "Iloilo City"}, []string{"SA", "AE", "HK", "SG", "KW", "QA", "TW", "JP", "CA"},
		[]string{"domestic_work", "care", "healthcare", "construction", "hospitality", "manufacturing"}, []string{"tl", "en"}},
	{"ID", "ID-BP2MI", "PT ", 18, []string{"Nusantara", "Bunga Bangsa", "Cahaya", "Mitra", "Sinar", "Bintang", "Garuda", "Merapi", "Rinjani", "Bahari", "Samudra", "Lestari", "Harapan", "Pelita"},
		[]string{"Karya Mandiri", "Sejahtera", "Abadi", "Utama", "Jaya", "Tenaga Kerja"}, []string{""},
		[]string{"Jakarta", "Surabaya", "Medan", "Semarang", "Malang", "Indramayu", "Lombok Timur"}, []string{"MY", "TW", "HK", "SG", "SA", "KR", "JP"},
		[]string{"domestic_work", "care", "manufacturing", "agriculture", "fishing"}, []string{"id", "en"}},
	{"BD", "BD-BMET", "", 10, []string{"Bengal", "Padma", "Meghna", "Sundarban", "Jamuna", "Karnaphuli", "Surma"},
		[]string{"Overseas", "Recruiting Agency", "International", "Manpower"}, []string{"Ltd."},
		[]string{"Dhaka", "Chattogram", "Sylhet", "Cumilla"}, []string{"SA", "MY", "AE", "OM", "QA", "SG", "KW"},
		[]string{"construction", "manufacturing", "cleaning", "agriculture"}, []string{"bn", "en"}},
	{"LK", "LK-SLBFE", "", 8, []string{"Lanka", "Ceylon", "Kandy", "Galle", "Sigiriya", "Ruhuna"},
		[]string{"Foreign Employment Agency", "Manpower", "Job Placement"}, []string{"(Pvt) Ltd"},
		[]string{"Colombo", "Kandy", "Kurunegala", "Negombo"}, []string{"SA", "KW", "QA", "AE", "JO", "IL", "CY"},
		[]string{"domestic_work", "care", "construction", "hospitality"}, []string{"si", "ta", "en"}},
	{"MM", "MM-MOL", "", 7, []string{"Golden Land", "Shwe", "Irrawaddy", "Mandalay", "Bagan", "Inle", "Chindwin"},
		[]string{"Overseas Employment Agency", "Services", "Manpower"}, []string{"Co., Ltd."},
		[]string{"Yangon", "Mandalay", "Mawlamyine"}, []string{"TH", "MY", "JP", "SG", "KR"},
		[]string{"fishing", "agriculture", "manufacturing", "construction", "domestic_work"}, []string{"my", "en"}},
	{"KH", "KH-MLVT", "", 7, []string{"Angkor", "Tonle Sap", "Khmer", "Bayon", "Kampot", "Mekong Delta"},
		[]string{"Manpower", "Skills Export", "Recruitment"}, []string{"Co., Ltd."},
		[]string{"Phnom Penh", "Siem Reap", "Battambang"}, []string{"TH", "MY", "KR", "JP"},
		[]string{"construction", "agriculture", "manufacturing", "fishing"}, []string{"km", "en"}},
	{"VN", "VN-DOLAB", "", 7, []string{"Saigon", "Red River", "Halong", "Lotus", "Truong Son", "Hue"},
		[]string{"Labour Export", "Manpower", "Human Resources"}, []string{"JSC"},
		[]string{"Hà Nội", "Hồ Chí Minh City", "Đà Nẵng", "Nghệ An"}, []string{"JP", "TW", "KR", "SA", "DE"},
		[]string{"manufacturing", "construction", "care", "agriculture"}, []string{"vi", "en"}},
	{"TH", "TH-DOE", "", 5, []string{"Siam", "Chao Phraya", "Lanna", "Isan", "Andaman"},
		[]string{"Recruitment", "Manpower", "Overseas Placement"}, []string{"Co., Ltd."},
		[]string{"Bangkok", "Udon Thani", "Khon Kaen", "Chiang Mai"}, []string{"TW", "IL", "KR", "JP", "SE"},
		[]string{"agriculture", "manufacturing", "construction"}, []string{"th", "en"}},
}

// DemoAgencies generates n fictional agencies (deterministic for a seed) across NP, PH, ID,
// BD, LK, MM, KH, VN and TH with a realistic mix: most licensed and in date, some expired,
// suspended, revoked, cancelled or pending, a few fined or warned, a few blacklisted. Every
// name ends in "(Demo)", every licence number starts with "DEMO-", every agency is marked
// fictional; sources are the regulators' real list pages, retrieved "today".
func DemoAgencies(n int, seed uint64, now time.Time) []AgencyInput {
	r := rand.New(rand.NewPCG(seed, 0x6b6177616e))
	total := 0
	for _, o := range demoOrigins {
		total += o.weight
	}
	day := utcDay(now)
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	some := func(s []string, lo, hi int) []string {
		k := lo + r.IntN(hi-lo+1)
		out := []string{}
		for _, i := range r.Perm(len(s))[:min(k, len(s))] {
			out = append(out, s[i])
		}
		slices.Sort(out)
		return out
	}
	seen := map[string]bool{}
	out := make([]AgencyInput, 0, n)
	for len(out) < n {
		w := r.IntN(total)
		var o demoOrigin
		for _, x := range demoOrigins {
			if w < x.weight {
				o = x
				break
			}
			w -= x.weight
		}
		name := o.prefix + pick(o.places) + " " + pick(o.kinds)
		if s := pick(o.suffixes); s != "" {
			name += " " + s
		}
		if seen[kawan.NormalizeName(name)+o.code] {
			name = strings.TrimSpace(o.prefix + pick(o.places) + " " + pick(o.places) + " " + pick(o.kinds) + " " + pick(o.suffixes))
		}
		for k := 2; seen[kawan.NormalizeName(name)+o.code]; k++ {
			// Large sets (benchmarks) run out of combinations: number the branches.
			name = strings.TrimSpace(fmt.Sprintf("%s%s %s %d %s", o.prefix, pick(o.places), pick(o.kinds), k+r.IntN(1000), pick(o.suffixes)))
		}
		seen[kawan.NormalizeName(name)+o.code] = true
		name += " " + DemoNote
		reg := kawan.Regulators[o.regulator]
		city := pick(o.cities)
		in := AgencyInput{
			LegalName: name, Origin: o.code, City: city, Address: fmt.Sprintf("%d Demo Street, %s", 1+r.IntN(400), city),
			Contact:      kawan.Contact{Phone: fmt.Sprintf("+000 %03d %04d", r.IntN(1000), r.IntN(10000)), Email: fmt.Sprintf("office%d@demo.invalid", len(out)+1)},
			Languages:    o.languages,
			Destinations: some(o.destinations, 1, 4), Sectors: some(o.sectors, 1, 3), Fictional: true,
		}
		issued := day.AddDate(-1-r.IntN(8), -r.IntN(12), 0)
		lic := kawan.Licence{Regulator: o.regulator, Number: fmt.Sprintf("DEMO-%s-%04d", o.code, 1000+len(out)), Status: kawan.LicenceActive,
			ValidFrom: issued, ValidTo: day.AddDate(0, 3+r.IntN(30), 0), SourceURL: reg.URL, RetrievedAt: day}
		sanction := func(kind kawan.SanctionKind, when time.Time, summary string) {
			in.Sanctions = append(in.Sanctions, kawan.Sanction{Date: when, Authority: reg.Name, Kind: kind, Summary: summary + " (fictional demo record)",
				SourceURL: reg.URL, RetrievedAt: day, Licence: lic.Number})
		}
		switch x := r.IntN(100); {
		case x < 6:
			lic.ValidTo = day.AddDate(0, -1-r.IntN(18), 0)
			if !lic.ValidTo.After(lic.ValidFrom) {
				lic.ValidFrom = lic.ValidTo.AddDate(-3, 0, 0)
			}
		case x < 11:
			lic.Status, lic.StatusDate = kawan.LicenceSuspended, day.AddDate(0, -r.IntN(10)-1, -r.IntN(28))
			sanction(kawan.SanctionSuspension, lic.StatusDate, "Licence suspended for charging workers more than the legal placement fee")
		case x < 15:
			lic.Status, lic.StatusDate = kawan.LicenceRevoked, day.AddDate(-r.IntN(3), -r.IntN(12), 0)
			sanction(kawan.SanctionRevocation, lic.StatusDate, "Licence revoked for misrepresenting job offers and contract substitution")
			if r.IntN(2) == 0 {
				sanction(kawan.SanctionBlacklist, lic.StatusDate, "Owners and officers blacklisted after illegal recruitment findings")
			}
		case x < 18:
			lic.Status, lic.StatusDate = kawan.LicenceCancelled, day.AddDate(-r.IntN(4), -r.IntN(12), 0)
			sanction(kawan.SanctionRevocation, lic.StatusDate, "Licence cancelled after failure to deploy and refund applicants")
		case x < 21:
			lic.Status, lic.ValidTo = kawan.LicencePending, time.Time{}
		case x < 27:
			sanction(kawan.SanctionFine, day.AddDate(0, -r.IntN(30), 0), "Fined for withholding workers' passports")
		case x < 30:
			sanction(kawan.SanctionWarning, day.AddDate(0, -r.IntN(30), 0), "Warned for advertising jobs without an approved job order")
		}
		in.Licences = []kawan.Licence{lic}
		out = append(out, in)
	}
	return out
}

// LoadDemo creates the given agencies (skipping any that exist) and indexes them in one
// batch. It returns how many it created. Into an empty registry it writes in bulk.
func (s *Service) LoadDemo(ctx context.Context, ins []AgencyInput) (int, error) {
	as := make([]*kawan.Agency, 0, len(ins))
	for _, in := range ins {
		a := in.agency()
		a.Sources = []kawan.Source{{Name: "demo", URL: kawan.Regulators[a.Licences[0].Regulator].URL, RetrievedAt: a.Licences[0].RetrievedAt}}
		if err := validate(a); err != nil {
			return 0, fmt.Errorf("agencies: demo agency %q: %w", a.LegalName, err)
		}
		normalise(a)
		as = append(as, a)
	}
	if n, err := s.st.Count(ctx); err != nil {
		return 0, err
	} else if n == 0 {
		return s.bulkLoad(ctx, as)
	}
	var ids []string
	for _, a := range as {
		if id, err := s.findExisting(ctx, a); err != nil {
			return len(ids), err
		} else if id != "" {
			continue
		}
		if err := s.insert(ctx, a); err != nil {
			return len(ids), err
		}
		ids = append(ids, a.ID)
	}
	if err := s.syncMany(ctx, ids); err != nil {
		s.log.Warn("agencies: indexing demo agencies failed; the reconciler will retry", "err", err)
	}
	return len(ids), nil
}

// bulkLoad writes agencies into an empty registry in a few round trips and indexes them.
func (s *Service) bulkLoad(ctx context.Context, as []*kawan.Agency) (int, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	taken := map[string]bool{}
	var keep []*kawan.Agency
	var keys [][]string
	for _, a := range as {
		ks := keysOf(a)
		if slices.ContainsFunc(ks, func(k string) bool { return taken[k] }) {
			continue // the same agency twice in the input
		}
		base := kawan.Slug(a.LegalName, a.Origin)
		a.ID = base
		for n := 2; taken["id|"+a.ID]; n++ {
			a.ID = fmt.Sprintf("%s-%d", base, n)
		}
		taken["id|"+a.ID] = true
		for _, k := range ks {
			taken[k] = true
		}
		a.CreatedAt, a.UpdatedAt = now, now
		keep = append(keep, a)
		keys = append(keys, ks)
	}
	if err := s.st.InsertNew(ctx, keep, keys); err != nil {
		return 0, err
	}
	docs := make([]search.AgencyDoc, 0, len(keep))
	ids := make([]string, 0, len(keep))
	for _, a := range keep {
		d, err := s.Doc(ctx, a, nil)
		if err != nil {
			return len(keep), err
		}
		docs = append(docs, d)
		ids = append(ids, a.ID)
	}
	if err := s.idx.IndexAgencies(ctx, docs...); err != nil {
		s.log.Warn("agencies: indexing demo agencies failed; the reconciler will retry", "err", err)
		return len(keep), nil
	}
	return len(keep), s.st.MarkIndexedMany(ctx, ids, 1)
}

// DemoDocs is DemoAgencies as search documents, with invented review counts and scores so
// that rating sorts and filters have something to work on (benchmarks).
func DemoDocs(n int, seed uint64, now time.Time) []search.AgencyDoc {
	r := rand.New(rand.NewPCG(seed, 7))
	s := New(nil, nil, Options{Now: func() time.Time { return now }})
	out := make([]search.AgencyDoc, 0, n)
	for i, in := range DemoAgencies(n, seed, now) {
		a := in.agency()
		normalise(a)
		a.ID = fmt.Sprintf("%s-%d", kawan.Slug(a.LegalName, a.Origin), i)
		d, _ := s.Doc(context.Background(), a, nil)
		if r.IntN(3) > 0 {
			d.Reviews = int64(1 + r.IntN(200))
			d.Rating = 1 + float64(r.IntN(400))/100
		}
		out = append(out, d)
	}
	return out
}

// WriteGenericCSV writes agencies as a list in the generic import profile's columns (the
// demo-data generator; tests and benchmarks of the importer).
func WriteGenericCSV(w io.Writer, ins []AgencyInput) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"name", "licence_number", "regulator", "status", "valid_from", "valid_to", "status_date", "address", "city",
		"phone", "email", "destinations", "sectors", "source_url", "sanction_kind", "sanction_date", "remarks"})
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2006-01-02")
	}
	for _, in := range ins {
		l := in.Licences[0]
		var kind, sdate, remarks string
		if len(in.Sanctions) > 0 {
			sn := in.Sanctions[len(in.Sanctions)-1]
			kind, sdate, remarks = string(sn.Kind), date(sn.Date), sn.Summary
		}
		_ = cw.Write([]string{in.LegalName, l.Number, l.Regulator, string(l.Status), date(l.ValidFrom), date(l.ValidTo), date(l.StatusDate),
			in.Address, in.City, in.Contact.Phone, in.Contact.Email, strings.Join(in.Destinations, ";"), strings.Join(in.Sectors, ";"),
			l.SourceURL, kind, sdate, remarks})
	}
	cw.Flush()
	return cw.Error()
}

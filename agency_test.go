package kawan

import (
	"strings"
	"testing"
	"time"
)

func TestNormalizeName(t *testing.T) {
	same := [][]string{
		{"Himalaya Manpower Pvt. Ltd.", "HIMALAYA MANPOWER PRIVATE LIMITED", "himalaya  manpower"},
		{"PT. Karya Mandiri Tbk", "Karya Mandiri", "PT KARYA MANDIRI"},
		{"Ñiño & Sons Corp.", "Nino and Sons Corporation", "nino sons"},
		{"Bayanihan Int'l Placement, Inc.", "Bayanihan Int l Placement"},
	}
	for _, g := range same {
		for _, n := range g[1:] {
			if NormalizeName(n) != NormalizeName(g[0]) {
				t.Errorf("%q → %q, %q → %q", g[0], NormalizeName(g[0]), n, NormalizeName(n))
			}
		}
	}
	if NormalizeName("Everest Manpower") == NormalizeName("Everest Placement") {
		t.Error("different agencies normalise equal")
	}
	if got := Slug("Himalaya Manpower Pvt. Ltd.", "NP"); got != "himalaya-manpower-np" {
		t.Errorf("slug %q", got)
	}
	if got := Slug("नेपाल म्यानपावर", "NP"); got != "agency-np" {
		t.Errorf("non-Latin slug %q", got)
	}
	if NormalizeLicenceNumber("poea-123 lb/0315.21-r") != "POEA123LB031521R" {
		t.Error(NormalizeLicenceNumber("poea-123 lb/0315.21-r"))
	}
}

func TestStanding(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	active := Licence{Regulator: "PH-DMW", Number: "A-1", Status: LicenceActive, ValidTo: day("2027-01-01"), SourceURL: "https://dmw.gov.ph/", RetrievedAt: day("2026-05-01")}
	lapsed := active
	lapsed.ValidTo = day("2026-01-01")
	suspended := Licence{Regulator: "PH-DMW", Number: "A-2", Status: LicenceSuspended, StatusDate: day("2026-03-01"), SourceURL: "https://dmw.gov.ph/x"}
	fine := Sanction{Date: day("2025-01-01"), Authority: "DMW", Kind: SanctionFine, Summary: "overcharging", SourceURL: "https://dmw.gov.ph/f"}
	old := fine
	old.Date = day("2020-01-01")
	black := Sanction{Date: day("2024-01-01"), Authority: "DMW", Kind: SanctionBlacklist, Summary: "illegal recruitment", SourceURL: "https://dmw.gov.ph/b"}
	cases := []struct {
		name string
		a    Agency
		want Standing
		why  string
	}{
		{"nothing", Agency{}, StandingUnknown, "no licence"},
		{"pending", Agency{Licences: []Licence{{Regulator: "NP-DOFE", Number: "9", Status: LicencePending}}}, StandingUnknown, "pending"},
		{"active", Agency{Licences: []Licence{active}}, StandingLicensed, "active until 2027-01-01"},
		{"lapsed", Agency{Licences: []Licence{lapsed}}, StandingLicenceProblem, "expired since 2026-01-01"},
		{"suspended", Agency{Licences: []Licence{suspended}}, StandingLicenceProblem, "A-2 from PH-DMW is suspended since 2026-03-01"},
		{"active+suspended", Agency{Licences: []Licence{active, suspended}}, StandingSanctioned, "licence A-2 from PH-DMW is suspended"},
		{"recent fine", Agency{Licences: []Licence{active}, Sanctions: []Sanction{fine}}, StandingSanctioned, "fined by DMW on 2025-01-01"},
		{"old fine", Agency{Licences: []Licence{active}, Sanctions: []Sanction{old}}, StandingLicensed, "active"},
		{"blacklisted", Agency{Licences: []Licence{active}, Sanctions: []Sanction{fine, black}}, StandingBlacklisted, "blacklisted by DMW on 2024-01-01"},
	}
	for _, c := range cases {
		got := c.a.Standing(now)
		if got.Standing != c.want || !strings.Contains(got.Reason, c.why) {
			t.Errorf("%s: %s (%s), want %s containing %q", c.name, got.Standing, got.Reason, c.want, c.why)
		}
	}
	ex, why := (&Agency{Licences: []Licence{active, {Regulator: "PH-DMW", Number: "B", Status: LicenceRevoked}}}).ExcludedFromTopRated()
	if !ex || !strings.Contains(why, "revoked") {
		t.Errorf("revoked licence not excluded: %v %s", ex, why)
	}
	if ex, _ := (&Agency{Licences: []Licence{active, suspended}}).ExcludedFromTopRated(); ex {
		t.Error("a suspension alone excluded from top rated")
	}
}

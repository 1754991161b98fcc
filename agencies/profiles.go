package agencies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kawan-labs/kawan"
)

// Fields a list column can fill.
const (
	FieldName         = "name"
	FieldLicence      = "licence_number"
	FieldRegulator    = "regulator"
	FieldOrigin       = "origin"
	FieldStatus       = "status"
	FieldValidFrom    = "valid_from"
	FieldValidTo      = "valid_to"
	FieldStatusDate   = "status_date"
	FieldAddress      = "address"
	FieldCity         = "city"
	FieldPhone        = "phone"
	FieldEmail        = "email"
	FieldWebsite      = "website"
	FieldDestinations = "destinations"
	FieldSectors      = "sectors"
	FieldTradeNames   = "trade_names"
	FieldSourceURL    = "source_url"
	FieldSanctionKind = "sanction_kind"
	FieldSanctionDate = "sanction_date"
	FieldRemarks      = "remarks"
)

// fieldOrder is the order header cells are matched in (more specific fields first).
var fieldOrder = []string{FieldLicence, FieldRegulator, FieldOrigin, FieldStatusDate, FieldSanctionDate, FieldSanctionKind, FieldStatus,
	FieldValidFrom, FieldValidTo, FieldName, FieldTradeNames, FieldAddress, FieldCity, FieldPhone, FieldEmail, FieldWebsite,
	FieldDestinations, FieldSectors, FieldSourceURL, FieldRemarks}

// ImportProfile maps one regulator list's columns to agency fields.
type ImportProfile struct {
	Name        string
	Description string
	// Regulator and Origin apply to every row unless the list has regulator/origin columns.
	Regulator string
	Origin    string
	// SourceURL is the page the list is published on (each fact's source_url).
	SourceURL string
	// Columns lists, per field, the header texts that name it (compared on lower-case letters
	// and digits only, so "License No." and "LICENSE NO" are the same).
	Columns  map[string][]string
	Required []string
	// DefaultStatus is every licence's status when the list has no status column (a list of
	// licensed agencies); "" makes the status column required.
	DefaultStatus kawan.LicenceStatus
	// DayFirst reads 03/04/2024 as 3 April (else 4 March, as US-style lists write it).
	DayFirst bool
	// SanctionFromStatus records a sanction for each suspended/revoked/cancelled row (lists
	// of sanctioned agencies).
	SanctionFromStatus bool
	// FullList means the list names every licence of its kind the regulator has issued:
	// the importer reports licences on record that it no longer contains.
	FullList bool

	aliasKeys map[string][]string
}

func (p *ImportProfile) init() *ImportProfile {
	p.aliasKeys = map[string][]string{}
	for f, names := range p.Columns {
		for _, n := range names {
			p.aliasKeys[f] = append(p.aliasKeys[f], headerKey(n))
		}
	}
	return p
}

func (p *ImportProfile) describeRequired() string {
	var parts []string
	for _, f := range p.Required {
		parts = append(parts, fmt.Sprintf("%s (one of: %s)", f, strings.Join(p.Columns[f], ", ")))
	}
	return strings.Join(parts, "; ")
}

var (
	nameCols    = []string{"name of agency", "agency name", "name of the agency", "agency", "name", "company name", "name of company", "company"}
	licenceCols = []string{"license no", "licence no", "license number", "licence number", "lic no", "license", "licence", "registration no"}
	addressCols = []string{"address", "official address", "office address", "business address"}
	phoneCols   = []string{"telephone", "telephone no", "tel no", "contact no", "contact number", "phone", "contact", "mobile"}
	emailCols   = []string{"email", "e-mail", "email address"}
	webCols     = []string{"website", "web site", "url"}
)

// profiles are the built-in column mappings. The regulators publish PDFs and spreadsheets
// whose headers vary a little from year to year; aliases cover the variants seen.
var profiles = map[string]*ImportProfile{
	"ph-dmw-licensed": (&ImportProfile{
		Name:        "ph-dmw-licensed",
		Description: "Philippines DMW (formerly POEA): list of licensed land-based recruitment agencies",
		Regulator:   "PH-DMW", Origin: "PH", SourceURL: "https://dmw.gov.ph/",
		Columns: map[string][]string{
			FieldName: nameCols, FieldLicence: licenceCols, FieldAddress: addressCols, FieldPhone: phoneCols, FieldEmail: emailCols,
			FieldWebsite: webCols, FieldStatus: {"status", "license status"},
			FieldValidFrom: {"date issued", "issued", "valid from", "validity from"},
			FieldValidTo:   {"validity", "valid until", "license validity", "expiry date", "expiration", "valid to", "validity to"},
			FieldCity:      {"city", "city municipality"},
		},
		Required:      []string{FieldName, FieldLicence},
		DefaultStatus: kawan.LicenceActive, FullList: true,
	}).init(),
	"ph-dmw-sanctioned": (&ImportProfile{
		Name:        "ph-dmw-sanctioned",
		Description: "Philippines DMW (formerly POEA): agencies with revoked, cancelled, suspended or banned licences",
		Regulator:   "PH-DMW", Origin: "PH", SourceURL: "https://dmw.gov.ph/",
		Columns: map[string][]string{
			FieldName: nameCols, FieldLicence: licenceCols, FieldAddress: addressCols,
			FieldStatus:     {"status", "action", "sanction", "license status", "action taken"},
			FieldStatusDate: {"date", "date of order", "order date", "effectivity date", "date of effectivity", "date of revocation", "date of cancellation", "date of suspension"},
			FieldRemarks:    {"remarks", "grounds", "reason", "violation", "violations", "ground"},
		},
		Required:           []string{FieldName, FieldLicence, FieldStatus},
		SanctionFromStatus: true,
	}).init(),
	"np-dofe-licensed": (&ImportProfile{
		Name:        "np-dofe-licensed",
		Description: "Nepal Department of Foreign Employment: licensed foreign employment (manpower) companies",
		Regulator:   "NP-DOFE", Origin: "NP", SourceURL: "https://dofe.gov.np/",
		Columns: map[string][]string{
			FieldName:    append([]string{"company name", "name of company", "manpower company", "name of institution", "institution name"}, nameCols...),
			FieldLicence: licenceCols, FieldAddress: addressCols, FieldPhone: phoneCols, FieldEmail: emailCols, FieldWebsite: webCols,
			FieldStatus:  {"status", "license status", "renew status"},
			FieldValidTo: {"valid till", "valid upto", "renewed upto", "renewed up to", "validity", "renew date", "expiry date"},
			FieldCity:    {"district", "city"},
		},
		Required:      []string{FieldName, FieldLicence},
		DefaultStatus: kawan.LicenceActive, DayFirst: true, FullList: true,
	}).init(),
	"id-bp2mi-p3mi": (&ImportProfile{
		Name:        "id-bp2mi-p3mi",
		Description: "Indonesia BP2MI/KP2MI: P3MI (Perusahaan Penempatan Pekerja Migran Indonesia) placement companies",
		Regulator:   "ID-BP2MI", Origin: "ID", SourceURL: "https://bp2mi.go.id/",
		Columns: map[string][]string{
			FieldName:       {"nama p3mi", "nama perusahaan", "nama pptkis", "nama", "company name", "p3mi"},
			FieldLicence:    {"nomor sip3mi", "no sip3mi", "sip3mi", "nomor izin", "no izin", "no sip", "nomor sk", "no sk", "license no"},
			FieldAddress:    {"alamat", "alamat kantor", "address"},
			FieldCity:       {"kota", "kabupaten kota", "kab kota", "kota kabupaten", "provinsi"},
			FieldPhone:      {"telepon", "no telp", "telp", "no telepon", "phone"},
			FieldEmail:      emailCols,
			FieldStatus:     {"status", "status izin", "keterangan status"},
			FieldStatusDate: {"tanggal pencabutan", "tgl pencabutan", "tanggal status", "tanggal sanksi"},
			FieldValidFrom:  {"tanggal terbit", "tgl terbit", "tanggal sk", "tgl sk"},
			FieldValidTo:    {"masa berlaku", "berlaku sampai", "tanggal berakhir", "berlaku hingga", "tgl berakhir"},
			FieldRemarks:    {"keterangan", "catatan"},
		},
		Required:      []string{FieldName, FieldLicence},
		DefaultStatus: kawan.LicenceActive, DayFirst: true, SanctionFromStatus: true, FullList: true,
	}).init(),
	"generic": (&ImportProfile{
		Name: "generic",
		Description: "Any regulator: columns name, licence_number, regulator (code such as MM-MOL), status; optional origin, " +
			"valid_from, valid_to, status_date, address, city, phone, email, website, destinations, sectors, trade_names, " +
			"source_url, sanction_kind, sanction_date, remarks. Dates ISO (YYYY-MM-DD) or day-first. Lists in cells are separated by ';'.",
		Columns: map[string][]string{
			FieldName: {"name", "legal_name", "agency_name"}, FieldLicence: {"licence_number", "license_number", "licence", "license"},
			FieldRegulator: {"regulator"}, FieldOrigin: {"origin"}, FieldStatus: {"status", "licence_status", "license_status"},
			FieldValidFrom: {"valid_from"}, FieldValidTo: {"valid_to"}, FieldStatusDate: {"status_date"},
			FieldAddress: {"address"}, FieldCity: {"city"}, FieldPhone: {"phone"}, FieldEmail: {"email"}, FieldWebsite: {"website"},
			FieldDestinations: {"destinations"}, FieldSectors: {"sectors"}, FieldTradeNames: {"trade_names"},
			FieldSourceURL: {"source_url"}, FieldSanctionKind: {"sanction_kind"}, FieldSanctionDate: {"sanction_date"},
			FieldRemarks: {"remarks", "sanction_summary"},
		},
		Required: []string{FieldName, FieldLicence, FieldRegulator, FieldStatus},
		DayFirst: true,
	}).init(),
}

// LookupProfile returns the named built-in profile.
func LookupProfile(name string) (*ImportProfile, error) {
	p, ok := profiles[name]
	if !ok {
		return nil, kawan.Invalid("profile", "must be one of %s", strings.Join(ProfileNames(), ", "))
	}
	return p, nil
}

// ProfileNames lists the built-in profiles.
func ProfileNames() []string {
	out := make([]string, 0, len(profiles))
	for n := range profiles {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Profiles returns the built-in profiles (for documentation and `kawan import --help`).
func Profiles() []*ImportProfile {
	out := make([]*ImportProfile, 0, len(profiles))
	for _, n := range ProfileNames() {
		out = append(out, profiles[n])
	}
	return out
}

// profileFor is the named profile, given a regulator when it has none of its own (its
// regulator column then becomes optional). A regulator the profile fixes must match it.
func profileFor(name, regulator string) (*ImportProfile, error) {
	p, err := LookupProfile(name)
	if err != nil || regulator == "" {
		return p, err
	}
	code, ok := kawan.NormalizeRegulator(regulator)
	switch {
	case !ok:
		return nil, kawan.Invalid("regulator", "is not a known regulator code")
	case p.Regulator != "" && p.Regulator != code:
		return nil, kawan.Invalid("regulator", "profile %s reads the %s list only", p.Name, p.Regulator)
	case p.Regulator != "":
		return p, nil
	}
	cp := *p
	cp.Regulator = code
	cp.Required = slices.DeleteFunc(slices.Clone(p.Required), func(f string) bool { return f == FieldRegulator })
	return &cp, nil
}

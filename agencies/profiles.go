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
	// FieldClassification is the kind of licence (DMW: Private Employment Agency, Manning Agency, …).
	FieldClassification = "classification"
	// FieldAsOf is the date the regulator says the row's facts were true (DMW data_as_of).
	FieldAsOf = "as_of"
	// FieldMobile is a second phone column (DoFE mobileNo); its numbers join the phones.
	FieldMobile = "mobile"
	// FieldPlace is a second place column (DMW municipality_province), the city when FieldCity is empty.
	FieldPlace = "place"
)

// fieldOrder is the order header cells are matched in (more specific fields first).
var fieldOrder = []string{FieldLicence, FieldRegulator, FieldOrigin, FieldStatusDate, FieldSanctionDate, FieldSanctionKind, FieldStatus,
	FieldValidFrom, FieldValidTo, FieldAsOf, FieldClassification, FieldName, FieldTradeNames, FieldAddress, FieldCity, FieldPlace,
	FieldPhone, FieldMobile, FieldEmail, FieldWebsite, FieldDestinations, FieldSectors, FieldSourceURL, FieldRemarks}

// StatusWord is one status word of a regulator's list and what Kawan makes of it.
type StatusWord struct {
	// Word is the regulator's text, compared on lower-case letters and digits only.
	Word   string
	Status kawan.LicenceStatus
	// Sanction, when set, is recorded as well (Forever Banned → blacklist).
	Sanction kawan.SanctionKind
	// Meaning is what it means for a worker (docs, `kawan import --help`).
	Meaning string
}

// Formats an import profile reads.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

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
	// Formats lists what the profile reads: csv (the default) and/or json (a page of a JSON
	// API {"meta": …, "data": [records]}, several pages concatenated, or a JSON array of
	// records; the record's field names are matched like CSV headers).
	Formats []string
	// NoNumbers: the list has no licence numbers; a row is identified by the normalised
	// name and the classification (kawan.Licence.Key), and the same agency listed twice
	// ("… INC" and "… INC.") is one record with both states in its history.
	NoNumbers bool
	// Statuses is the regulator's own vocabulary, mapped explicitly. A word not in it makes
	// the licence "unknown — check with the regulator" (the row still imports, the word is
	// kept and counted). Profiles without Statuses use the importer's general word list.
	Statuses []StatusWord
	// ListedStatusText is the regulator's words kept for rows of a list with no status
	// column (a directory: "listed in the BMET directory").
	ListedStatusText string
	// SanctionWords maps the words of a sanctions list's "kind" column (Indonesian "Teguran
	// Tertulis") to a sanction kind; the licence status follows for suspensions and revocations.
	SanctionWords map[string]kawan.SanctionKind

	aliasKeys   map[string][]string
	statusKeys  map[string]StatusWord
	sanctionKey map[string]kawan.SanctionKind
}

// Reads reports whether the profile reads format f.
func (p *ImportProfile) Reads(f string) bool {
	if len(p.Formats) == 0 {
		return f == FormatCSV
	}
	return slices.Contains(p.Formats, f)
}

func (p *ImportProfile) init() *ImportProfile {
	p.aliasKeys = map[string][]string{}
	for f, names := range p.Columns {
		for _, n := range names {
			p.aliasKeys[f] = append(p.aliasKeys[f], headerKey(n))
		}
	}
	if len(p.Statuses) > 0 {
		p.statusKeys = map[string]StatusWord{}
		for _, w := range p.Statuses {
			p.statusKeys[headerKey(w.Word)] = w
		}
	}
	p.sanctionKey = map[string]kawan.SanctionKind{}
	for w, k := range p.SanctionWords {
		p.sanctionKey[headerKey(w)] = k
	}
	return p
}

// status maps a status cell to the profile's vocabulary; ok is false for a word it does not know.
func (p *ImportProfile) status(s string) (kawan.LicenceStatus, kawan.SanctionKind, bool) {
	if p.statusKeys != nil {
		w, ok := p.statusKeys[headerKey(s)]
		return w.Status, w.Sanction, ok
	}
	return ParseStatus(s)
}

// dmwStatuses is the PH DMW registry's license_status vocabulary (today's words, then the
// older POEA lists').
var dmwStatuses = []StatusWord{
	{"Valid License", kawan.LicenceActive, "", "licensed: the agency may recruit and deploy workers"},
	{"Valid License - Provisional", kawan.LicenceActive, "", "licensed provisionally (a new agency's first licence, on probation): it may recruit"},
	{"Cancelled", kawan.LicenceCancelled, "", "licence cancelled by DMW: it may not recruit"},
	{"Delisted", kawan.LicenceDelisted, "", "removed from DMW's registry: it may not recruit"},
	{"Expired", kawan.LicenceExpired, "", "licence expired and was not renewed: it may not recruit"},
	{"Denied Renewal", kawan.LicenceDeniedRenewal, "", "DMW refused to renew the licence: it may not recruit"},
	{"Forever Banned", kawan.LicenceCancelled, kawan.SanctionBlacklist, "licence cancelled and the agency and its officers banned for good: a blacklisting"},
	{"Ceased Operations", kawan.LicenceCeased, "", "the agency closed and gave up its licence: it may not recruit; claims against it go to DMW"},
	{"Inactive", kawan.LicenceInactive, "", "the licence is not in force now (not operating, or pending compliance): it may not recruit"},
	{"Suspended (Document Processing)", kawan.LicenceSuspended, "", "DMW stopped processing this agency's workers' documents: it may not deploy anyone until lifted"},
	{"Preventive Suspension", kawan.LicenceSuspended, "", "suspended while a case against it is heard (older POEA lists): it may not recruit"},
	{"Revoked", kawan.LicenceRevoked, "", "licence revoked for violations (older POEA lists): it may not recruit"},
	{"Suspended", kawan.LicenceSuspended, "", "licence suspended (older POEA lists): it may not recruit until lifted"},
}

// dofeStatuses is the DoFE list's statusName vocabulary.
var dofeStatuses = []StatusWord{
	{"Active", kawan.LicenceActive, "", "licensed (permission in force): the company may recruit"},
	{"Renewed", kawan.LicenceActive, "", "permission renewed: the company may recruit"},
	{"Inactive", kawan.LicenceInactive, "", "permission not in force (not renewed in time): it may not recruit"},
	{"Suspended", kawan.LicenceSuspended, "", "permission suspended by DoFE: it may not recruit until lifted"},
	{"Cancelled", kawan.LicenceCancelled, "", "permission cancelled by DoFE: it may not recruit"},
	{"Blacklisted", kawan.LicenceCancelled, kawan.SanctionBlacklist, "permission cancelled and the company blacklisted"},
}

// StatusVocabulary lists each profile's explicit status words (docs and `kawan import --help`).
func (p *ImportProfile) StatusVocabulary() []StatusWord { return p.Statuses }

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

// dmwCols are the PH DMW registry's record fields (JSON API) and the likely headers of its
// "Download CSV" (not published: both spellings are accepted).
var dmwCols = map[string][]string{
	FieldName: {"name", "agency name", "name of agency"}, FieldClassification: {"classification", "type", "agency type"},
	FieldStatus: {"license_status", "license status", "status"}, FieldStatusDate: {"license_status_date", "license status date", "status date"},
	FieldValidTo: {"license_expiration_date", "license expiration date", "expiration date", "validity"},
	FieldAddress: {"address"}, FieldPlace: {"municipality_province", "municipality province", "municipality"},
	FieldCity: {"city_province", "city province", "city"}, FieldPhone: {"contact_number", "contact number", "contact no", "telephone"},
	FieldEmail: {"eMail", "email", "e-mail", "email address"}, FieldAsOf: {"data_as_of", "data as of", "as of"},
}

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
			FieldStatus:     {"status", "status izin", "keterangan status", "status p3mi"},
			FieldStatusDate: {"tanggal pencabutan", "tgl pencabutan", "tanggal status", "tanggal sanksi"},
			FieldValidFrom:  {"tanggal terbit", "tgl terbit", "tanggal sk", "tgl sk"},
			FieldValidTo:    {"masa berlaku", "berlaku sampai", "tanggal berakhir", "berlaku hingga", "tgl berakhir"},
			FieldRemarks:    {"keterangan", "catatan"},
		},
		Required:      []string{FieldName, FieldLicence},
		DefaultStatus: kawan.LicenceActive, DayFirst: true, SanctionFromStatus: true, FullList: true,
	}).init(),
	"ph-dmw": (&ImportProfile{
		Name: "ph-dmw",
		Description: "Philippines DMW registry (dmw.gov.ph Licensed Recruitment Agencies): every agency in every state, land-based, manning " +
			"and contractors; the JSON API (a page {meta, data}, or pages concatenated) or its CSV. No licence numbers: a row is its " +
			"name and classification; data_as_of is the date the facts were true; 1901-01-01 and null mean no date.",
		Regulator: "PH-DMW", Origin: "PH", SourceURL: "https://dmw.gov.ph/",
		Columns: dmwCols, Required: []string{FieldName, FieldStatus},
		Formats: []string{FormatJSON, FormatCSV}, NoNumbers: true, Statuses: dmwStatuses, FullList: true,
	}).init(),
	"np-dofe": (&ImportProfile{
		Name: "np-dofe",
		Description: "Nepal DoFE (foreignjob.dofe.gov.np) JSON list of foreign employment companies: {id, name, permissionNo, district, email, " +
			"mobileNo, telephone, address, website, statusName}; the licence is the Permission No (257/058/059, padding varies); no validity date.",
		Regulator: "NP-DOFE", Origin: "NP", SourceURL: "https://foreignjob.dofe.gov.np/",
		Columns: map[string][]string{
			FieldName: {"name", "company name"}, FieldLicence: {"permissionNo", "permission no", "license no"}, FieldCity: {"district"},
			FieldEmail: {"email"}, FieldMobile: {"mobileNo", "mobile"}, FieldPhone: {"telephone", "phone"}, FieldAddress: {"address"},
			FieldWebsite: {"website"}, FieldStatus: {"statusName", "status"},
		},
		Required: []string{FieldName, FieldLicence}, DefaultStatus: kawan.LicenceActive,
		Formats: []string{FormatJSON, FormatCSV}, Statuses: dofeStatuses, FullList: true,
	}).init(),
	"bd-bmet": (&ImportProfile{
		Name: "bd-bmet",
		Description: "Bangladesh BMET/BAIRA directory of recruiting agencies: RL numbers printed RL-0010, RL No. 10 or 0010 (all the same " +
			"licence); directories carry no status: a listed agency is recorded as active, \"listed in the directory\".",
		Regulator: "BD-BMET", Origin: "BD", SourceURL: "http://www.bmet.gov.bd/",
		Columns: map[string][]string{
			FieldName: nameCols, FieldLicence: {"rl no", "rl", "rl number", "recruiting licence no", "license no", "licence no"},
			FieldAddress: addressCols, FieldPhone: phoneCols, FieldEmail: emailCols, FieldWebsite: webCols, FieldStatus: {"status"},
		},
		Required: []string{FieldName, FieldLicence}, DefaultStatus: kawan.LicenceActive, ListedStatusText: "listed in the directory (it publishes no status)",
		DayFirst: true, FullList: true,
	}).init(),
	"id-bp2mi-sanksi": (&ImportProfile{
		Name:        "id-bp2mi-sanksi",
		Description: "Indonesia BP2MI/KP2MI SISKOP2MI p3mi_sanksi: sanctions on P3MI (Teguran Tertulis = warning, Penghentian Sementara = suspension, Pencabutan = revocation).",
		Regulator:   "ID-BP2MI", Origin: "ID", SourceURL: "https://siskop2mi.bp2mi.go.id/",
		Columns: map[string][]string{
			FieldName:         {"nama p3mi", "nama perusahaan", "nama"},
			FieldLicence:      {"nomor sip3mi", "no sip3mi", "sip3mi", "nomor izin"},
			FieldSanctionKind: {"jenis sanksi", "sanksi"},
			FieldSanctionDate: {"tanggal sanksi", "tgl sanksi", "tanggal"},
			FieldRemarks:      {"pelanggaran", "keterangan", "alasan"},
		},
		Required: []string{FieldName, FieldLicence, FieldSanctionKind},
		DayFirst: true,
		SanctionWords: map[string]kawan.SanctionKind{
			"teguran tertulis": kawan.SanctionWarning, "teguran": kawan.SanctionWarning, "peringatan": kawan.SanctionWarning,
			"penghentian sementara sebagian atau seluruh kegiatan usaha": kawan.SanctionSuspension, "penghentian sementara": kawan.SanctionSuspension,
			"skorsing": kawan.SanctionSuspension, "pencabutan sip3mi": kawan.SanctionRevocation, "pencabutan izin": kawan.SanctionRevocation,
			"pencabutan": kawan.SanctionRevocation, "denda": kawan.SanctionFine,
		},
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

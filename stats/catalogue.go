package stats

// TableInfo describes one published table: what it is, how to select it and its schema.
type TableInfo struct {
	Name        string   `json:"table"`
	Title       string   `json:"title"`
	Path        string   `json:"path"`
	Dimensions  []string `json:"dimensions"`
	Filters     []string `json:"filters"`
	Columns     []Column `json:"columns"`
	KAnonymous  bool     `json:"k_anonymous"`
	Description string   `json:"description"`
}

// Catalogue is the open-data index: the licence, the privacy rule and every table's schema.
type Catalogue struct {
	Licence Licence     `json:"licence"`
	K       int         `json:"k"`
	Method  string      `json:"method"`
	Privacy string      `json:"privacy"`
	Formats []string    `json:"formats"`
	Tables  []TableInfo `json:"tables"`
}

// PrivacyRule is the privacy promise, in one paragraph.
const PrivacyRule = "Statistics about workers come from published reviews and from complaints (never their text, amounts " +
	"or anyone's details) only. Every published cell has at least k " +
	"distinct contributors; a cell with reports but fewer than k releasable contributors is marked suppressed " +
	"and shows no figures. Each finest cell (all dimensions of its table) releases its reports in steps of k, " +
	"oldest first, and every total is built from released finest cells only, so comparing totals with sub-cells, " +
	"or two downloads taken before and after one review or complaint, never isolates a worker. Money is converted to US " +
	"dollars and rounded to whole dollars."

func allCols(dims []string, measures []Column) []Column {
	by := make([]int, len(dims))
	for i := range dims {
		by[i] = i
	}
	return append(dimColumns(dims, by), measures...)
}

// Catalogue returns the open-data index.
func (s *Service) Catalogue() Catalogue {
	return Catalogue{
		Licence: DataLicence, K: s.opt.K, Method: MethodURL, Privacy: PrivacyRule, Formats: []string{"json", "csv"},
		Tables: []TableInfo{
			{Name: TableRecruitmentFees, Title: "Recruitment fees paid by migrant workers (USD)", Path: "/v1/stats/" + TableRecruitmentFees,
				Dimensions: recruitmentDims, Filters: recruitmentDims, Columns: allCols(recruitmentDims, feeColumns), KAnonymous: true,
				Description: "Fees workers report paying to be recruited, by origin, destination, sector and year of departure, converted to USD at mid-market rates."},
			{Name: TableSDG1071, Title: "SDG 10.7.1: recruitment cost as months of income in the destination", Path: "/v1/stats/" + TableSDG1071,
				Dimensions: recruitmentDims, Filters: recruitmentDims, Columns: allCols(recruitmentDims, ratioColumns), KAnonymous: true,
				Description: "For workers who report both the fees they paid and the monthly salary they received: fees ÷ monthly salary, per worker, then summarised."},
			{Name: TableAgencyReviews, Title: "Agency reviews by workers' origin and destination", Path: "/v1/stats/" + TableAgencyReviews,
				Dimensions: agencyDims, Filters: agencyDims, Columns: allCols(agencyDims, agencyColumns), KAnonymous: true,
				Description: "Overall rating distribution, share who would recommend their agency, and share of the reviewed agencies with a sanction on record."},
			{Name: TableComplaints, Title: "Complaints and what became of them", Path: "/v1/stats/" + TableComplaints,
				Dimensions: complaintTableDims, Filters: complaintTableDims,
				Columns:    append(tableShape{dimDesc: complaintDimDesc, noReports: true}.columns(complaintTableDims, []int{0, 1, 2, 3, 4}), complaintColumns...),
				KAnonymous: true,
				Description: "Complaints workers filed, by year received, where it happened, their nationality and what happened, or per registered agency and year: " +
					"how many were received, taken up by a partner organisation and resolved, the outcome mix and the facts named. Each distinct worker counts once per finest cell; " +
					"agency combines with year only, and its figures are those of the agency pages."},
			{Name: TableRemittanceCosts, Title: "Cost of sending money home, per corridor over time", Path: "/v1/stats/" + TableRemittanceCosts,
				Dimensions: []string{"corridor", "period", "amount_usd"}, Filters: []string{"corridor", "amount", "period", "since", "until"},
				Columns: costColumns, KAnonymous: false,
				Description: "From the providers' quote history, at the World Bank Remittance Prices Worldwide reference amounts of 200 and 500 USD-equivalent."},
		},
	}
}

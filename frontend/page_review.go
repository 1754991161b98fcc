package frontend

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/moderation"
	"github.com/kawan-labs/kawan/reviews"
)

func (f *Frontend) registerReviewPages(r *api.Router) {
	if f.has("write") {
		workers := api.Roles(kawan.RoleWorker)
		// Every account reaches the form; a non-worker is told why it may not review
		// (refuseReview) instead of a bare 403.
		r.Page(http.MethodGet, "/agencies/:id/review", f.reviewForm, api.AnyUser)
		r.Page(http.MethodPost, "/agencies/:id/review", f.csrf(f.submitReview), api.AnyUser)
		r.Page(http.MethodGet, "/agencies/:id/review/sent", f.reviewSent, workers)
		r.Page(http.MethodPost, "/reviews/:id/helpful", f.csrf(f.helpful), api.AnyUser)
	}
	if f.has("flag") {
		r.Page(http.MethodGet, "/reviews/:id/flag", f.flagForm, api.AnyUser)
		r.Page(http.MethodPost, "/reviews/:id/flag", f.csrf(f.flag), api.AnyUser)
	}
}

// Currencies offered in the money pickers: where Kawan's users come from and where they work.
var reviewCurrencies = []string{"NPR", "PHP", "IDR", "MMK", "KHR", "VND", "THB", "LKR", "BDT", "MYR", "SGD", "HKD", "TWD",
	"KRW", "JPY", "QAR", "SAR", "AED", "KWD", "OMR", "BHD", "JOD", "ILS", "USD", "EUR", "GBP"}

// countryCurrency is the usual currency of a country (for the fee picker's default).
var countryCurrency = map[string]string{"NP": "NPR", "PH": "PHP", "ID": "IDR", "MM": "MMK", "KH": "KHR", "VN": "VND", "TH": "THB",
	"LK": "LKR", "BD": "BDT", "MY": "MYR", "SG": "SGD", "HK": "HKD", "TW": "TWD", "KR": "KRW", "JP": "JPY", "QA": "QAR",
	"SA": "SAR", "AE": "AED", "KW": "KWD", "OM": "OMR", "BH": "BHD", "JO": "JOD", "IL": "ILS"}

// Countries offered for "from" and "to" in the review form.
var reviewCountries = []string{"NP", "PH", "ID", "MM", "KH", "VN", "TH", "LK", "BD", "MY", "SG", "HK", "TW", "KR", "JP",
	"QA", "SA", "AE", "KW", "OM", "BH", "JO", "IL", "LB"}

type reviewPage struct {
	Agency     string
	AgencyID   string
	Values     map[string]string
	Errors     fieldErrors
	Currencies []string
	Countries  []countryOption
	Sectors    []string
	Dimensions []string
	Years      []int
	// Implausible lists the figures to confirm: far outside the usual range for their currency.
	Implausible []implausibleFigure
}

// countryOption is a country of the review form with its usual currency (the script sets
// the money pickers from it; the server does the same when they are left empty).
type countryOption struct {
	Value, Label, Currency string
}

// implausibleFigure is a typed amount the form asks the worker to confirm.
type implausibleFigure struct {
	Field, Amount, Currency, Low, High string
}

func (p reviewPage) V(name string) string { return p.Values[name] }

// Is reports whether field has value (radio buttons and selects).
func (p reviewPage) Is(name, value string) bool { return p.Values[name] == value }

func (f *Frontend) reviewPageData(v *view, id, name string, values map[string]string) reviewPage {
	d := reviewPage{Agency: name, AgencyID: id, Values: values, Errors: fieldErrors{}, Currencies: reviewCurrencies,
		Sectors: reviews.Sectors, Dimensions: dimensions}
	for _, c := range reviewCountries {
		d.Countries = append(d.Countries, countryOption{Value: c, Label: v.Country(c), Currency: countryCurrency[c]})
	}
	slices.SortFunc(d.Countries, func(a, b countryOption) int { return strings.Compare(a.Label, b.Label) })
	for y := time.Now().Year(); y >= time.Now().Year()-15; y-- {
		d.Years = append(d.Years, y)
	}
	return d
}

func (f *Frontend) reviewForm(c echo.Context) error {
	v := f.newView(c)
	v.Nav = "agencies"
	p, err := f.o.Agencies.Profile(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if refused, err := f.refuseReview(c, v, p.ID, p.LegalName); refused {
		return err
	}
	v.Title = v.T("write.title", "Agency", p.LegalName)
	// Nothing the worker did not choose: no country, no currency (issue 18: an agency's first
	// destination and its currency were recorded as facts of reviews that never gave them).
	values := map[string]string{"idem": kawan.NewID(), "lang": v.Loc.Code}
	return f.render(c, http.StatusOK, "review_form", v, f.reviewPageData(v, p.ID, p.LegalName, values))
}

// reviewFields are the form's fields, named as the review API names them, so its
// validation errors land next to the right field.
var reviewFields = []string{"ratings.overall", "ratings.fees_honesty", "ratings.contract_match", "ratings.treatment", "ratings.support",
	"would_recommend", "origin", "destination", "sector", "departure_year",
	"fees_paid.amount", "fees_paid.currency", "salary_promised.amount", "salary_promised.currency",
	"salary_received.amount", "salary_received.currency", "text", "lang", "idem", "confirm_implausible"}

var reviewFieldMsgs = map[string]string{
	"ratings.overall": "write.err.rating", "ratings.fees_honesty": "write.err.rating", "ratings.contract_match": "write.err.rating",
	"ratings.treatment": "write.err.rating", "ratings.support": "write.err.rating", "would_recommend": "write.err.recommend",
	"origin": "form.err.country", "destination": "form.err.country", "sector": "form.invalid", "departure_year": "write.err.year",
	"fees_paid.amount": "write.err.amount", "salary_promised.amount": "write.err.amount", "salary_received.amount": "write.err.amount",
	"fees_paid.currency": "write.err.currency", "salary_promised.currency": "write.err.currency", "salary_received.currency": "write.err.currency",
	"text": "write.err.text", "lang": "form.invalid",
}

func (f *Frontend) submitReview(c echo.Context) error {
	v := f.newView(c)
	v.Nav = "agencies"
	ctx := c.Request().Context()
	p, err := f.o.Agencies.Profile(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if refused, err := f.refuseReview(c, v, p.ID, p.LegalName); refused {
		return err
	}
	v.Title = v.T("write.title", "Agency", p.LegalName)
	values := map[string]string{}
	for _, k := range reviewFields {
		values[k] = c.FormValue(k)
	}
	in, fe, assumed, odd := f.parseReviewForm(v, values)
	data := f.reviewPageData(v, p.ID, p.LegalName, values)
	if len(fe) > 0 {
		data.Errors, data.Implausible = fe, odd
		return f.render(c, http.StatusBadRequest, "review_form", v, data)
	}
	principal, _ := api.PrincipalFrom(c)
	if err := f.o.Auth.Limit(ctx, auth.LimitReview, f.client(c), principal.UserID); err != nil {
		return err
	}
	author := reviews.Author{UserID: principal.UserID, ClientFP: f.o.Auth.Fingerprint(api.ClientIP(c), c.Request().UserAgent()),
		Since: principal.Since}
	if author.Since.IsZero() { // a token signed before tokens carried the account's creation time
		author.Since = f.o.Auth.AccountCreated(ctx, principal.UserID)
	}
	res, err := f.o.Reviews.Submit(ctx, p.ID, author, in, values["idem"])
	if fe, ok := formErrors(err, reviewFieldMsgs); ok {
		if _, idem := fe["Idempotency-Key"]; idem {
			delete(fe, "Idempotency-Key")
			values["idem"] = kawan.NewID() // the form changed since the first try: a new submission
			if len(fe) == 0 {
				fe["text"] = "write.err.again"
			}
		}
		data.Errors = fe
		return f.render(c, http.StatusBadRequest, "review_form", v, data)
	}
	if err != nil {
		return err
	}
	q := "?status=" + string(res.Status)
	if len(assumed) > 0 {
		q += "&assumed=" + url.QueryEscape(strings.Join(assumed, ","))
	}
	return c.Redirect(http.StatusSeeOther, "/agencies/"+p.ID+"/review/sent"+q+"&review="+res.ID)
}

// moneyFields are the review form's amounts, in form order.
var moneyFields = []string{"fees_paid", "salary_promised", "salary_received"}

// defaultCurrency is the currency an amount typed without one is in: a salary is paid in the
// destination's currency; fees in the origin's (where they are paid), else the destination's.
func defaultCurrency(field string, vals map[string]string) string {
	if field == "fees_paid" && countryCurrency[vals["origin"]] != "" {
		return countryCurrency[vals["origin"]]
	}
	return countryCurrency[vals["destination"]]
}

// parseReviewForm turns the form into a submission; amounts are read as the person writes
// them in their language (local digits and separators), never through a float. An amount
// left without a currency takes the chosen country's (defaultCurrency; vals is updated so a
// re-shown form shows it, and assumed lists "field:CUR" for the confirmation page); with no
// country chosen the form asks. An amount far outside its currency's usual range is
// returned in odd and is an error until the worker ticks confirm_implausible.
func (f *Frontend) parseReviewForm(v *view, vals map[string]string) (in reviews.Submission, fe fieldErrors, assumed []string, odd []implausibleFigure) {
	fe = fieldErrors{}
	rating := func(field string) *int {
		n, err := strconv.Atoi(vals[field])
		if err != nil {
			fe[field] = "write.err.rating"
			return nil
		}
		return &n
	}
	in.Ratings = reviews.RatingsInput{Overall: rating("ratings.overall"), FeesHonesty: rating("ratings.fees_honesty"),
		ContractMatch: rating("ratings.contract_match"), Treatment: rating("ratings.treatment"), Support: rating("ratings.support")}
	switch vals["would_recommend"] {
	case "yes":
		in.WouldRecommend = ptrTo(true)
	case "no":
		in.WouldRecommend = ptrTo(false)
	default:
		fe["would_recommend"] = "write.err.recommend"
	}
	in.Origin, in.Destination, in.Sector, in.Text, in.Lang = vals["origin"], vals["destination"], vals["sector"], vals["text"], vals["lang"]
	if y := vals["departure_year"]; y != "" {
		n, err := strconv.Atoi(y)
		if err != nil {
			fe["departure_year"] = "write.err.year"
		}
		in.DepartureYear = n
	}
	money := func(field string) *kawan.Money {
		amt, cur := strings.TrimSpace(vals[field+".amount"]), vals[field+".currency"]
		if amt == "" {
			return nil
		}
		norm, ok := f.cat.fmts[v.Loc.Code].parseAmount(amt)
		if !ok {
			fe[field+".amount"] = "write.err.amount"
			return nil
		}
		if cur == "" {
			if cur = defaultCurrency(field, vals); cur == "" {
				fe[field+".currency"] = "write.err.currency"
				return nil
			}
			vals[field+".currency"] = cur
			assumed = append(assumed, field+":"+cur)
		}
		m := kawan.Money{Amount: norm, Currency: cur}
		if bad, r := reviews.Implausible(field, m); bad {
			nf := f.cat.fmts[v.Loc.Code]
			odd = append(odd, implausibleFigure{Field: field, Amount: v.Money(norm, cur), Currency: cur,
				Low: nf.Decimal(r.Low, 0), High: nf.Decimal(r.High, 0)})
			if vals["confirm_implausible"] != "yes" {
				fe[field+".amount"] = "write.warn.implausible"
			}
		}
		return &m
	}
	in.FeesPaid, in.SalaryPromised, in.SalaryReceived = money("fees_paid"), money("salary_promised"), money("salary_received")
	if strings.TrimSpace(in.Text) == "" {
		fe["text"] = "write.err.text"
	}
	return in, fe, assumed, odd
}

func ptrTo[T any](v T) *T { return &v }

// digitZeros are the zero digits of the scripts Kawan's languages write numbers in.
var digitZeros = []rune{'0', '\u0966', '\u1040', '\u17e0', '\u0e50', '\u0660', '\u06f0'}

// parseAmount reads an amount as typed in this locale ("1,500.50", "1.500,50", "१,५००")
// and returns it as a plain decimal string ("1500.50"), or false.
func (nf *numberFormat) parseAmount(s string) (string, bool) {
	group := strings.Trim(nf.localDigits("1000"), "0123456789")
	if g := strings.TrimFunc(nf.Int(1000), unicode.IsDigit); g != "" {
		group = g
	}
	var b strings.Builder
	seenDot := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsDigit(r):
			ok := false
			for _, z := range digitZeros {
				if r >= z && r <= z+9 {
					b.WriteRune('0' + (r - z))
					ok = true
					break
				}
			}
			if !ok {
				return "", false
			}
		case string(r) == nf.decimal:
			if seenDot {
				return "", false
			}
			seenDot = true
			b.WriteByte('.')
		case string(r) == group || r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\'':
			// grouping
		default:
			return "", false
		}
		if b.Len() > 20 {
			return "", false
		}
	}
	out := b.String()
	if out == "" || strings.HasPrefix(out, ".") || strings.HasSuffix(out, ".") {
		return "", false
	}
	return out, true
}

type sentPage struct {
	AgencyID, ReviewID string
	Status             string // published or held
	// Assumed are the amounts recorded in the chosen country's currency because the worker
	// left the currency empty.
	Assumed []assumedCurrency
}

type assumedCurrency struct {
	Field, Currency, Country string
}

// parseAssumed reads the sent page's "assumed" parameter ("salary_received:QAR,…"),
// keeping only known fields and currencies.
func parseAssumed(s string) []assumedCurrency {
	var out []assumedCurrency
	for _, part := range strings.SplitN(s, ",", len(moneyFields)+1) {
		field, cur, _ := strings.Cut(part, ":")
		if !slices.Contains(moneyFields, field) || !slices.Contains(reviewCurrencies, cur) || len(out) == len(moneyFields) {
			continue
		}
		a := assumedCurrency{Field: field, Currency: cur}
		for _, c := range reviewCountries {
			if countryCurrency[c] == cur {
				a.Country = c
				break
			}
		}
		out = append(out, a)
	}
	return out
}

func (f *Frontend) reviewSent(c echo.Context) error {
	v := f.newView(c)
	v.Nav = "agencies"
	v.Title = v.T("sent.title")
	st := c.QueryParam("status")
	if st != string(kawan.ReviewPublished) {
		st = string(kawan.ReviewHeld)
	}
	id := c.QueryParam("review")
	if !kawan.ValidID(id) {
		id = ""
	}
	return f.render(c, http.StatusOK, "review_sent", v, sentPage{AgencyID: c.Param("id"), ReviewID: id, Status: st,
		Assumed: parseAssumed(c.QueryParam("assumed"))})
}

// back returns the page the form was on (the Referer is not sent: Referrer-Policy is
// no-referrer), from the form's "back" field, or the fallback.
func back(c echo.Context, fallback string) string {
	b := c.FormValue("back")
	if safeLocalPath(b) {
		return b
	}
	return fallback
}

func (f *Frontend) helpful(c echo.Context) error {
	p, _ := api.PrincipalFrom(c)
	ctx := c.Request().Context()
	if err := f.o.Auth.Limit(ctx, auth.LimitVote, f.client(c), p.UserID); err != nil {
		return err
	}
	_, err := f.o.Reviews.Vote(ctx, c.Param("id"), p.UserID)
	if err != nil && !errors.Is(err, kawan.ErrConflict) { // a second vote changes nothing
		return err
	}
	return c.Redirect(http.StatusSeeOther, back(c, "/")+"#r-"+c.Param("id"))
}

type flagPage struct {
	ReviewID string
	Back     string
	Reasons  []string
	Reason   string
	Note     string
	Errors   fieldErrors
	Done     bool
}

func flagReasons() []string {
	out := make([]string, 0, len(moderation.FlagReasons))
	for _, r := range moderation.FlagReasons {
		out = append(out, string(r))
	}
	return out
}

func (f *Frontend) flagForm(c echo.Context) error {
	v := f.newView(c)
	v.Title = v.T("flag.title")
	if !kawan.ValidID(c.Param("id")) {
		return echo.ErrNotFound
	}
	b := c.QueryParam("back")
	if !safeLocalPath(b) {
		b = "/"
	}
	return f.render(c, http.StatusOK, "flag", v, flagPage{ReviewID: c.Param("id"), Back: b, Reasons: flagReasons(), Errors: fieldErrors{}})
}

func (f *Frontend) flag(c echo.Context) error {
	v := f.newView(c)
	v.Title = v.T("flag.title")
	p, _ := api.PrincipalFrom(c)
	ctx := c.Request().Context()
	data := flagPage{ReviewID: c.Param("id"), Back: back(c, "/"), Reasons: flagReasons(), Reason: c.FormValue("reason"),
		Note: c.FormValue("note"), Errors: fieldErrors{}}
	if err := f.o.Auth.Limit(ctx, auth.LimitFlag, f.client(c), p.UserID); err != nil {
		return err
	}
	_, err := f.o.Moderation.Flag(ctx, p, data.ReviewID, moderation.FlagReason(data.Reason), data.Note)
	if fe, ok := formErrors(err, map[string]string{"reason": "flag.err.reason", "note": "flag.err.note"}); ok {
		data.Errors = fe
		return f.render(c, http.StatusBadRequest, "flag", v, data)
	}
	if err != nil && !errors.Is(err, kawan.ErrConflict) {
		return err
	}
	data.Done = true
	return f.render(c, http.StatusOK, "flag", v, data)
}

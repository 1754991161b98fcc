package textbot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/agencies"
	"github.com/kawan-labs/kawan/fx"
	"github.com/kawan-labs/kawan/help"
	"github.com/kawan-labs/kawan/store"
)

// MaxChoices is how many agencies a numbered reply offers.
const MaxChoices = 3

// answer is a reply before fitting: its variants, longest first (the first that fits one
// segment is sent; else the first, cut to MaxSegments), and its link.
type answer struct {
	text string
	link string
	// in is the language the text is in when it is not the asked one ("en" for a rights
	// text without translation).
	in string
}

func (a answer) lang(asked string) string {
	if a.in != "" {
		return a.in
	}
	return asked
}

// oneOf picks the first variant that fits one segment with the link, else the first.
func oneOf(link string, variants ...string) answer {
	for _, v := range variants {
		if _, _, n := Measure(Fit(v, link)); n == 1 {
			return answer{text: v, link: link}
		}
	}
	return answer{text: variants[0], link: link}
}

func (e *Engine) run(ctx context.Context, s *store.TextSession, m Message, c Command, lang string) answer {
	t := func(id string, kv ...string) string { return e.cat.t(lang, id, kv...) }
	switch c.Kind {
	case CmdMenu:
		return answer{text: t("menu")}
	case CmdUnknown:
		return answer{text: t("unknown") + " " + t("menu")}
	case CmdLang:
		if c.Lang == "" {
			return answer{text: t("lang.usage")}
		}
		s.Lang = c.Lang
		return answer{text: e.cat.t(c.Lang, "lang.set", "native", nativeName[c.Lang])}
	case CmdCheck:
		return e.check(ctx, s, c.Arg, lang)
	case CmdAgency:
		return e.agency(ctx, s, c.Arg, lang)
	case CmdChoice:
		if c.Choice < 1 || c.Choice > len(s.Choices) {
			return answer{text: t("choice.none")}
		}
		id := s.Choices[c.Choice-1]
		return e.agencyAnswer(ctx, id, lang)
	case CmdSend, CmdGets:
		return e.send(ctx, c, lang)
	case CmdHelp:
		return e.help(ctx, s, c, lang)
	case CmdRights:
		return e.rights(ctx, c, lang)
	case CmdFollow:
		return e.follow(ctx, s, m, c.Arg, lang)
	case CmdList:
		return e.list(ctx, s, lang)
	case CmdStop:
		n, err := e.o.Sessions.Unfollow(ctx, s.Key)
		if err != nil {
			return answer{text: t("error")}
		}
		return answer{text: t("stop.ok", "n", strconv.Itoa(n))}
	}
	return answer{text: t("menu")}
}

// dateIn writes a date for a text: "06 Sep 2027" in English, 2027-09-06 elsewhere (short,
// and read the same way in every script).
func dateIn(lang string, d time.Time) string {
	if d.IsZero() {
		return "?"
	}
	if lang == "en" {
		return d.UTC().Format("02 Jan 2006")
	}
	return d.UTC().Format("2006-01-02")
}

// regShort is a regulator's short name as workers know it (DMW, DoFE, BP2MI …).
func regShort(code string) string {
	if s, ok := regulatorShort[code]; ok {
		return s
	}
	if _, after, ok := strings.Cut(code, "-"); ok {
		return after
	}
	return code
}

var regulatorShort = map[string]string{"PH-DMW": "DMW", "NP-DOFE": "DoFE", "ID-BP2MI": "BP2MI", "MM-MOL": "MoL", "KH-MLVT": "MLVT",
	"VN-DOLAB": "DOLAB", "TH-DOE": "DOE", "LK-SLBFE": "SLBFE", "BD-BMET": "BMET"}

func listDate(l kawan.Licence) time.Time {
	if !l.AsOf.IsZero() {
		return l.AsOf
	}
	return l.RetrievedAt
}

func (e *Engine) check(ctx context.Context, s *store.TextSession, arg, lang string) answer {
	t := func(id string, kv ...string) string { return e.cat.t(lang, id, kv...) }
	if strings.TrimSpace(arg) == "" {
		return answer{text: t("check.usage")}
	}
	arg = strings.ToUpper(arg)
	lc, err := e.o.Licences.CheckLicence(ctx, "", arg)
	var ve *kawan.ValidationError
	if errors.As(err, &ve) {
		return answer{text: t("check.usage")}
	}
	if err != nil {
		return answer{text: t("error")}
	}
	if !lc.Found {
		// "ตรวจ DEMO-1000 जाँच", "check my licence 1234-LB": the word that looks like a number
		for _, w := range strings.Fields(arg) {
			if w != arg && strings.ContainsFunc(w, unicode.IsDigit) {
				if l2, err := e.o.Licences.CheckLicence(ctx, "", w); err == nil && l2.Found {
					lc = l2
					break
				}
			}
		}
	}
	if lc.Found && lc.Agency != nil {
		if len(lc.Candidates) > 0 {
			ids := []string{lc.Agency.ID}
			names := []string{lc.Agency.LegalName}
			for _, c := range lc.Candidates {
				if len(ids) < MaxChoices {
					ids, names = append(ids, c.ID), append(names, c.LegalName)
				}
			}
			return e.choices(ctx, s, ids, names, lang)
		}
		return e.verdict(ctx, lc, lang)
	}
	// Not a number on any list: a name on a list with numbers is an agency look-up.
	if strings.ContainsFunc(arg, unicode.IsLetter) && (!strings.ContainsFunc(arg, unicode.IsDigit) || strings.Contains(arg, " ")) {
		if a, ok := e.searchAgencies(ctx, s, arg, lang); ok {
			return a
		}
	}
	return e.notFound(ctx, lc, arg, s.Country, lang)
}

func (e *Engine) notFound(ctx context.Context, lc agencies.LicenceCheck, arg, country, lang string) answer {
	var lists []string
	for _, l := range lc.Searched {
		name := regShort(l.Regulator)
		if !l.RetrievedAt.IsZero() {
			name += " " + dateIn(lang, l.RetrievedAt)
		}
		if !slices.Contains(lists, name) {
			lists = append(lists, name)
		}
	}
	short := strings.Join(lists, ", ")
	if len(lists) > 3 {
		short = e.cat.t(lang, "check.lists", "n", strconv.Itoa(len(lists)))
	}
	if short == "" {
		short = e.cat.t(lang, "check.kawanlists")
	}
	with := e.cat.t(lang, "check.regulator")
	for _, r := range kawan.Regulators {
		if r.Country == country {
			host := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(r.URL, "https://"), "http://"), "/")
			with = regShort(r.Code) + " " + host
		}
	}
	link := e.link(ctx, "/licence")
	if keepable(arg) {
		link = e.link(ctx, "/licence?number="+url.QueryEscape(arg))
	}
	return oneOf(link, e.cat.t(lang, "check.notfound", "lists", short, "reg", with))
}

// verdict is the licence check's answer: the verdict first, then source and date.
func (e *Engine) verdict(ctx context.Context, lc agencies.LicenceCheck, lang string) answer {
	t := func(id string, kv ...string) string { return e.cat.t(lang, id, kv...) }
	l := lc.Licence
	reg := regShort(l.Regulator)
	date := dateIn(lang, listDate(*l))
	name := lc.Agency.LegalName
	link := e.link(ctx, "/agencies/"+lc.Agency.ID)
	switch {
	case !lc.Valid:
		st := t("status." + string(lc.Status))
		return oneOf(link, t("check.problem", "status", st, "reg", reg, "date", date, "name", name),
			t("check.problem.short", "status", st, "reg", reg, "date", date))
	case lc.Agency.Standing.Standing != kawan.StandingLicensed && lc.Agency.Standing.Standing != kawan.StandingUnknown:
		st := t("standing." + string(lc.Agency.Standing.Standing))
		return oneOf(link, t("check.warn", "standing", st, "reg", reg, "date", date, "name", name),
			t("check.warn.short", "standing", st, "reg", reg, "date", date))
	case !l.ValidTo.IsZero():
		until := dateIn(lang, l.ValidTo)
		return oneOf(link, t("check.valid", "until", until, "reg", reg, "date", date, "name", name),
			t("check.valid.short", "until", until, "reg", reg, "date", date))
	default:
		return oneOf(link, t("check.open", "reg", reg, "date", date, "name", name), t("check.open.short", "reg", reg, "date", date))
	}
}

func (e *Engine) choices(ctx context.Context, s *store.TextSession, ids, names []string, lang string) answer {
	s.Choices = ids
	var b strings.Builder
	b.WriteString(e.cat.t(lang, "choose", "n", strconv.Itoa(len(ids))))
	for i, n := range names {
		fmt.Fprintf(&b, " %d %s", i+1, n)
		if i < len(names)-1 {
			b.WriteByte(';')
		}
	}
	return answer{text: b.String(), link: e.link(ctx, "/agencies?q="+url.QueryEscape(names[0]))}
}

func (e *Engine) searchAgencies(ctx context.Context, s *store.TextSession, q, lang string) (answer, bool) {
	res, err := e.o.Licences.Search(ctx, agencies.SearchQuery{Q: q, PerPage: MaxChoices})
	if err != nil || len(res.Hits) == 0 {
		return answer{}, false
	}
	if len(res.Hits) == 1 || strings.EqualFold(res.Hits[0].Name, q) {
		s.Choices = nil
		return e.agencyAnswer(ctx, res.Hits[0].ID, lang), true
	}
	var ids, names []string
	for _, h := range res.Hits {
		ids, names = append(ids, h.ID), append(names, h.Name)
	}
	return e.choices(ctx, s, ids, names, lang), true
}

func (e *Engine) agency(ctx context.Context, s *store.TextSession, q, lang string) answer {
	if strings.TrimSpace(q) == "" {
		return answer{text: e.cat.t(lang, "agency.usage")}
	}
	if a, ok := e.searchAgencies(ctx, s, q, lang); ok {
		return a
	}
	path := "/agencies"
	if keepable(q) {
		path += "?q=" + url.QueryEscape(q)
	}
	return oneOf(e.link(ctx, path), e.cat.t(lang, "agency.none", "q", q))
}

// agencyAnswer is the verdict on an agency's most recent licence.
func (e *Engine) agencyAnswer(ctx context.Context, id, lang string) answer {
	p, err := e.o.Licences.Profile(ctx, id)
	if err != nil {
		return answer{text: e.cat.t(lang, "error")}
	}
	link := e.link(ctx, "/agencies/"+id)
	if len(p.Licences) == 0 {
		return oneOf(link, e.cat.t(lang, "agency.nolicence", "name", p.LegalName))
	}
	l := p.Licences[0]
	for _, x := range p.Licences[1:] {
		if listDate(x).After(listDate(l)) {
			l = x
		}
	}
	now := e.o.Now()
	st := l.StatusOn(now)
	lc := agencies.LicenceCheck{Found: true, Licence: &l, Status: st, Valid: st == kawan.LicenceActive,
		Agency: &agencies.AgencySummary{ID: p.ID, LegalName: p.LegalName, Standing: p.Standing}}
	return e.verdict(ctx, lc, lang)
}

func (e *Engine) send(ctx context.Context, c Command, lang string) answer {
	t := func(id string, kv ...string) string { return e.cat.t(lang, id, kv...) }
	if c.Amount == "" || c.From == "" || c.To == "" {
		return answer{text: t("send.usage")}
	}
	mode := "send"
	if c.Kind == CmdGets {
		mode = "receive"
	}
	cmp, err := e.o.Quotes.Compare(ctx, fx.Request{SendCurrency: c.From, ReceiveCurrency: c.To, Amount: c.Amount, Mode: mode})
	q := url.Values{"from": {c.From}, "to": {c.To}, "amount": {c.Amount}}
	if mode == "receive" {
		q.Set("mode", "receive")
	}
	link := e.link(ctx, "/send?"+q.Encode())
	var ve *kawan.ValidationError
	if errors.As(err, &ve) {
		return oneOf(link, t("send.usage"))
	}
	if err != nil {
		return answer{text: t("error")}
	}
	if len(cmp.Quotes) == 0 {
		return oneOf(link, t("send.none", "from", c.From, "to", c.To))
	}
	best := cmp.Quotes[0]
	args := []string{"provider", best.Provider().Name, "pay", best.TotalToPay(), "from", c.From, "recv", best.ReceiveAmount(), "to", c.To,
		"cost", best.TotalCost(), "pct", best.TotalCostPercent(), "date", dateIn(lang, best.QuotedAt())}
	return oneOf(link, t("send.best", args...), t("send.best.short", args...))
}

func (e *Engine) help(ctx context.Context, s *store.TextSession, c Command, lang string) answer {
	t := func(id string, kv ...string) string { return e.cat.t(lang, id, kv...) }
	if c.Country == "" {
		return answer{text: t("help.usage")}
	}
	link := e.link(ctx, "/help?country="+c.Country)
	var nums []string
	for _, n := range e.o.Help.Emergency(c.Country) {
		if n.Service == "all" {
			nums = append(nums, n.Number)
		} else {
			nums = append(nums, n.Number+" "+t("emergency."+n.Service))
		}
	}
	var b strings.Builder
	if len(nums) > 0 {
		b.WriteString(t("help.emergency", "country", c.Country, "numbers", strings.Join(nums, ", ")))
	} else {
		b.WriteString(t("help.noemergency", "country", c.Country))
	}
	q := help.Query{Country: c.Country, Nationality: s.Country, PerPage: 20}
	if q.Nationality == c.Country {
		q.Nationality = ""
	}
	page, err := e.o.Help.Search(ctx, q)
	if err == nil && len(page.Items) > 0 {
		// the sender's own nationals' help first (embassy, labour attaché), then anyone's
		items := page.Items
		slices.SortStableFunc(items, func(a, b help.Entry) int {
			return boolRank(slices.Contains(b.Nationalities, s.Country)) - boolRank(slices.Contains(a.Nationalities, s.Country))
		})
		for i, en := range items {
			if i >= 2 {
				break
			}
			contact := ""
			for _, ch := range en.Channels {
				if ch.Type == "phone" || ch.Type == "whatsapp" || ch.Type == "sms" {
					contact = ch.Value
					break
				}
			}
			if contact == "" {
				continue
			}
			b.WriteString(" ")
			entry := en.Name + " " + contact
			if en.Sample {
				entry += " " + t("sample")
			}
			b.WriteString(t("help.entry", "entry", entry))
		}
	}
	return answer{text: b.String(), link: link}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (e *Engine) rights(ctx context.Context, c Command, lang string) answer {
	t := func(id string, kv ...string) string { return e.cat.t(lang, id, kv...) }
	if c.Country == "" {
		return answer{text: t("rights.usage")}
	}
	p, err := e.o.Help.Rights(c.Country, lang)
	if err != nil {
		return oneOf(e.link(ctx, "/help?country="+c.Country), t("rights.none", "country", c.Country))
	}
	link := e.link(ctx, "/rights/"+c.Country)
	var b strings.Builder
	b.WriteString(p.Title)
	in := ""
	for _, sec := range p.Sections {
		if sec.Topic == "recruitment_fees" || sec.Topic == "passport" {
			b.WriteString(": ")
			b.WriteString(sec.Text)
			if sec.Lang != lang {
				in = sec.Lang
			}
			break
		}
	}
	return answer{text: b.String(), link: link, in: in}
}

func (e *Engine) follow(ctx context.Context, s *store.TextSession, m Message, arg, lang string) answer {
	t := func(id string, kv ...string) string { return e.cat.t(lang, id, kv...) }
	if m.Address == "" {
		return answer{text: t("follow.cannot")}
	}
	var id string
	if n, ok := choiceNumber(arg); ok && n <= len(s.Choices) {
		id = s.Choices[n-1]
	}
	if id == "" && strings.TrimSpace(arg) != "" {
		lc, err := e.o.Licences.CheckLicence(ctx, "", strings.ToUpper(arg))
		if err == nil && lc.Found && lc.Agency != nil {
			id = lc.Agency.ID
		} else if res, err := e.o.Licences.Search(ctx, agencies.SearchQuery{Q: arg, PerPage: 1}); err == nil && len(res.Hits) > 0 {
			id = res.Hits[0].ID
		}
	}
	if id == "" {
		return answer{text: t("follow.usage")}
	}
	p, err := e.o.Licences.Profile(ctx, id)
	if err != nil {
		return answer{text: t("follow.usage")}
	}
	seen := ""
	if e.o.History != nil {
		seen, _ = e.o.History(ctx, id, 1)
	}
	err = e.o.Sessions.Follow(ctx, store.TextFollow{Sender: s.Key, AgencyID: id, Channel: m.Channel, Address: m.Address, Lang: lang,
		Since: e.o.Now().UTC(), Seen: seen})
	if errors.Is(err, store.ErrTooManyFollows) {
		return answer{text: t("follow.full")}
	}
	if err != nil {
		return answer{text: t("error")}
	}
	return oneOf(e.link(ctx, "/agencies/"+id), t("follow.ok", "name", p.LegalName))
}

// CountryOfNumber is the country of an E.164 number's calling code, for the origin
// countries Kawan serves and the main destinations ("" when unknown).
func CountryOfNumber(n string) string {
	if i := strings.LastIndexByte(n, ':'); i >= 0 {
		n = n[i+1:]
	}
	var d strings.Builder
	for _, r := range n {
		if r >= '0' && r <= '9' {
			d.WriteRune(r)
		}
	}
	digits := d.String()
	if !strings.HasPrefix(strings.TrimSpace(n), "+") && !strings.HasPrefix(digits, "00") {
		return ""
	}
	digits = strings.TrimPrefix(digits, "00")
	for l := 4; l >= 1; l-- {
		if len(digits) > l {
			if c, ok := callingCodes[digits[:l]]; ok {
				return c
			}
		}
	}
	return ""
}

var callingCodes = map[string]string{"63": "PH", "62": "ID", "977": "NP", "95": "MM", "855": "KH", "84": "VN", "66": "TH", "94": "LK",
	"880": "BD", "974": "QA", "966": "SA", "971": "AE", "965": "KW", "968": "OM", "973": "BH", "65": "SG", "60": "MY", "852": "HK",
	"886": "TW", "82": "KR", "81": "JP", "961": "LB", "962": "JO", "972": "IL", "853": "MO", "673": "BN"}

var countryLang = map[string]string{"PH": "fil", "ID": "id", "NP": "ne", "MM": "my", "KH": "km", "VN": "vi", "TH": "th"}

var nativeName = map[string]string{"en": "English", "fil": "Filipino", "id": "Bahasa Indonesia", "ne": "नेपाली", "my": "မြန်မာ",
	"km": "ខ្មែរ", "vi": "Tiếng Việt", "th": "ไทย"}

// CodeTTL is how long a web confirmation code (LIST) is valid.
const CodeTTL = 15 * time.Minute

// CodeHash is what is stored of a web confirmation code: the SHA-256 of its digits (any
// script's digits, separators ignored).
func CodeHash(code string) string {
	var b strings.Builder
	for _, r := range code {
		if r = foldDigits(r); r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() != 8 {
		return ""
	}
	sum := sha256.Sum256([]byte("textcode|" + b.String()))
	return hex.EncodeToString(sum[:])
}

// list answers LIST: the sender's follows and a code to see and end them on the web.
func (e *Engine) list(ctx context.Context, s *store.TextSession, lang string) answer {
	fs, err := e.o.Sessions.FollowsOf(ctx, s.Key)
	if err != nil {
		return answer{text: e.cat.t(lang, "error")}
	}
	if len(fs) == 0 {
		return answer{text: e.cat.t(lang, "list.none")}
	}
	var n [4]byte
	_, _ = rand.Read(n[:])
	digits := fmt.Sprintf("%08d", binary.BigEndian.Uint32(n[:])%100_000_000)
	code := digits[:4] + "-" + digits[4:]
	if err := e.o.Sessions.PutCode(ctx, CodeHash(code), s.Key, e.o.Now().Add(CodeTTL)); err != nil {
		return answer{text: e.cat.t(lang, "error")}
	}
	var names []string
	for _, f := range fs {
		if p, err := e.o.Licences.Profile(ctx, f.AgencyID); err == nil {
			names = append(names, p.LegalName)
		}
	}
	link := e.o.BaseURL + "/text/follows"
	// the code must survive the cut: fewer and shorter names until the whole fits
	short := make([]string, 0, 2)
	for _, n := range names[:min(2, len(names))] {
		if r := []rune(n); len(r) > 30 {
			n = string(r[:29]) + "…"
		}
		short = append(short, n)
	}
	if len(names) > 2 {
		short = append(short, "…")
	}
	for _, items := range []string{strings.Join(names, "; "), strings.Join(short, "; "), strconv.Itoa(len(names))} {
		body := e.cat.t(lang, "list.items", "items", items, "code", code)
		if _, _, n := Measure(body + " " + link); n <= MaxSegments {
			return answer{text: body, link: link}
		}
	}
	return answer{text: e.cat.t(lang, "list.items", "items", strconv.Itoa(len(names)), "code", code), link: link}
}

// keepable reports whether what a sender typed may go into a stored short link: not when it
// could be a phone number (seven digits or more and no letters) and not when it is long.
func keepable(s string) bool {
	if utf8.RuneCountInString(s) > 40 {
		return false
	}
	digits := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			return true
		case unicode.IsDigit(r):
			digits++
		}
	}
	return digits < 7
}

package textbot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxInputRunes is how much of a message the engine reads; the rest is ignored (a command
// is a few words; a 5,000-character message is answered from its first words).
const MaxInputRunes = 300

// Command kinds.
const (
	CmdNone    = ""
	CmdCheck   = "check"
	CmdAgency  = "agency"
	CmdSend    = "send"
	CmdGets    = "gets"
	CmdHelp    = "help"
	CmdRights  = "rights"
	CmdLang    = "lang"
	CmdMenu    = "menu"
	CmdChoice  = "choice"
	CmdFollow  = "follow"
	CmdStop    = "stop"
	CmdList    = "list"
	CmdUnknown = "unknown"
)

// Command is a parsed message.
type Command struct {
	Kind string
	// Arg is what follows the keyword (a licence number or a name), digits folded to ASCII.
	Arg string
	// Amount and currencies for send/gets (amount in ASCII digits, no separators).
	Amount, From, To string
	// Country is the ISO code of help/rights; Lang the language of lang; Choice 1..3.
	Country string
	Lang    string
	Choice  int
	// Script is the language the message's script suggests ("" for Latin).
	Script string
}

// keywords maps what a worker may type, in each language, to a command. Latin keywords are
// matched as whole words and with one typo (four letters and more); others as prefixes,
// since Thai, Khmer and Burmese write no spaces between words.
var keywords = map[string][]string{
	CmdCheck: {"check", "chk", "licence", "license", "lic", "verify", "suriin", "tingnan", "lisensya", "lisensiya", "cek", "periksa", "izin",
		"lisensi", "jaanch", "jach", "kiem", "kiểm tra", "kiem tra", "kiểm", "giấy phép", "giay phep",
		"जाँच", "जाँच्नुहोस्", "जाच", "लाइसेन्स", "इजाजत", "စစ်ဆေး", "စစ်", "လိုင်စင်", "ពិនិត្យ", "អាជ្ញាប័ណ្ណ", "ตรวจสอบ", "ตรวจ", "ใบอนุญาต"},
	CmdAgency: {"agency", "agencies", "recruiter", "agent", "ahensya", "ahensiya", "agensi", "agen", "perusahaan", "manpower",
		"cong ty", "công ty", "đại lý", "एजेन्सी", "म्यानपावर", "အေဂျင်စီ", "ភ្នាក់ងារ", "บริษัท", "เอเจนซี่", "เอเจนซี", "นายหน้า"},
	CmdSend: {"send", "remit", "transfer", "padala", "magpadala", "kirim", "pathau", "gửi", "gui", "chuyển", "chuyen",
		"पठाउनुहोस्", "पठाउ", "ပို့", "ផ្ញើ", "ส่ง", "โอน"},
	CmdGets: {"gets", "get", "receive", "receives", "matanggap", "tanggap", "terima", "nhận", "nhan",
		"पाउने", "प्राप्त", "လက်ခံ", "ទទួល", "ได้รับ", "รับ"},
	CmdHelp: {"help", "sos", "emergency", "tulong", "saklolo", "bantuan", "tolong", "madat", "giúp", "giup", "cứu", "cuu",
		"मद्दत", "सहयोग", "အကူအညီ", "ជំនួយ", "ช่วยเหลือ", "ช่วย"},
	CmdRights: {"rights", "right", "karapatan", "hak", "adhikar", "quyền", "quyen", "अधिकार", "အခွင့်အရေး", "សិទ្ធិ", "สิทธิ"},
	CmdLang:   {"lang", "language", "wika", "bahasa", "bhasa", "ngôn ngữ", "ngon ngu", "भाषा", "ဘာသာ", "ភាសា", "ภาษา"},
	CmdMenu:   {"menu", "start", "/start", "hi", "hello", "info", "?", "मेनु", "မီနူး", "ម៉ឺនុយ", "danh muc", "danh mục", "เมนู"},
	CmdFollow: {"follow", "sundan", "ikuti", "theo doi", "theo dõi", "पछ्याउनुहोस्", "पछ्याउ", "လိုက်ကြည့်", "តាមដាន", "ติดตาม"},
	CmdList:   {"list", "mine", "subscriptions", "listahan", "langganan", "danh sach", "danh sách", "सूची", "စာရင်း", "បញ្ជី", "รายการ"},
	CmdStop:   {"stop", "unsubscribe", "ihinto", "berhenti", "dung", "dừng", "रोक्नुहोस्", "रोक", "ရပ်", "ឈប់", "หยุด"},
}

// filler words dropped from send/gets commands ("SEND 500 SGD TO PHP").
var filler = map[string]bool{"to": true, "from": true, "in": true, "sa": true, "ke": true, "dari": true, "mula": true, "into": true,
	"sang": true, "tu": true, "từ": true, "den": true, "đến": true, "को": true, "बाट": true, "मा": true, "จาก": true, "ไป": true, "ទៅ": true, "ពី": true}

// countries a worker may name instead of a code (help/rights), lower case.
var countryNames = map[string]string{
	"qatar": "QA", "katar": "QA", "saudi": "SA", "ksa": "SA", "uae": "AE", "dubai": "AE", "emirates": "AE", "singapore": "SG",
	"malaysia": "MY", "hongkong": "HK", "hong kong": "HK", "kuwait": "KW", "oman": "OM", "bahrain": "BH", "taiwan": "TW", "korea": "KR",
	"japan": "JP", "thailand": "TH", "कतार": "QA", "साउदी": "SA", "मलेसिया": "MY", "दुबई": "AE", "ကာတာ": "QA", "မလေးရှား": "MY",
	"กาตาร์": "QA", "มาเลเซีย": "MY", "ម៉ាឡេស៊ី": "MY", "កាតា": "QA",
}

// Languages are the engine's languages (the site's), with their scripts' hints.
var Languages = []string{"en", "fil", "id", "ne", "my", "km", "vi", "th"}

var langAliases = map[string]string{"english": "en", "tl": "fil", "tagalog": "fil", "filipino": "fil", "indonesia": "id", "indonesian": "id",
	"nepali": "ne", "nepal": "ne", "नेपाली": "ne", "burmese": "my", "myanmar": "my", "မြန်မာ": "my", "khmer": "km", "ខ្មែរ": "km",
	"vietnamese": "vi", "tiếng việt": "vi", "tieng viet": "vi", "thai": "th", "ไทย": "th"}

// foldDigits writes every decimal digit of any script (Devanagari, Burmese, Khmer, Thai,
// Bengali, Arabic-Indic, full-width …) as an ASCII digit.
func foldDigits(r rune) rune {
	if r >= '0' && r <= '9' || r < 0x80 {
		return r
	}
	if unicode.IsDigit(r) {
		// Unicode decimal digits come in contiguous runs of ten starting at a zero.
		for z := r; z > r-10; z-- {
			if !unicode.IsDigit(z - 1) {
				return '0' + (r - z)
			}
		}
	}
	return r
}

// clean makes a message safe to parse: invalid UTF-8 and control characters dropped,
// digits folded, spaces collapsed, lower case, at most MaxInputRunes.
func clean(s string) (string, string) {
	var b strings.Builder
	b.Grow(min(len(s), MaxInputRunes*3))
	n := 0
	space := true
	script := ""
	for i := 0; i < len(s) && n < MaxInputRunes; {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size <= 1 {
			continue
		}
		if script == "" {
			script = scriptLang(r)
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			if !space {
				b.WriteByte(' ')
				space = true
				n++
			}
			continue
		}
		if unicode.Is(unicode.Cf, r) && r != 0x200C && r != 0x200D { // format characters (bidi marks) but keep joiners
			continue
		}
		r = unicode.ToLower(foldDigits(r))
		b.WriteRune(r)
		space = false
		n++
	}
	return strings.TrimSpace(b.String()), script
}

// scriptLang is the site language a letter's script suggests.
func scriptLang(r rune) string {
	switch {
	case unicode.Is(unicode.Devanagari, r):
		return "ne"
	case unicode.Is(unicode.Myanmar, r):
		return "my"
	case unicode.Is(unicode.Khmer, r):
		return "km"
	case unicode.Is(unicode.Thai, r):
		return "th"
	}
	return ""
}

// Parse reads a message into a command. It never fails: what it cannot read is CmdUnknown
// (and an empty message CmdMenu).
func Parse(text string) Command {
	s, script := clean(text)
	c := parse(s)
	c.Script = script
	return c
}

func parse(s string) Command {
	if s == "" {
		return Command{Kind: CmdMenu}
	}
	if n, ok := choiceNumber(s); ok {
		return Command{Kind: CmdChoice, Choice: n}
	}
	kind, rest := keyword(s)
	switch kind {
	case CmdCheck, CmdAgency, CmdFollow:
		rest = strings.Trim(rest, " :.-#")
		if kind == CmdCheck {
			// "check licence 123", "check no. 123"
			for _, w := range []string{"licence ", "license ", "no. ", "no ", "number ", "#"} {
				rest = strings.TrimPrefix(rest, w)
			}
		}
		return Command{Kind: kind, Arg: strings.TrimSpace(rest)}
	case CmdSend, CmdGets:
		c := Command{Kind: kind}
		money(&c, rest)
		return c
	case CmdHelp, CmdRights:
		return Command{Kind: kind, Country: country(rest), Arg: rest}
	case CmdLang:
		return Command{Kind: kind, Lang: lang(rest), Arg: rest}
	case CmdMenu, CmdStop, CmdList:
		return Command{Kind: kind}
	}
	// No keyword: guess from the shape. "500 SGD PHP" is a send; a lone country code or
	// name is help; a token with digits (a licence number) is a check.
	c := Command{Kind: CmdSend}
	if money(&c, s) {
		return c
	}
	if cc := country(s); cc != "" {
		return Command{Kind: CmdHelp, Country: cc}
	}
	if l := lang(s); l != "" && len(strings.Fields(s)) == 1 && len(s) > 2 {
		return Command{Kind: CmdLang, Lang: l}
	}
	if strings.ContainsFunc(s, unicode.IsDigit) && len(strings.Fields(s)) <= 3 {
		return Command{Kind: CmdCheck, Arg: s}
	}
	return Command{Kind: CmdUnknown, Arg: s}
}

func choiceNumber(s string) (int, bool) {
	s = strings.Trim(s, " .)#")
	if len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
		return int(s[0] - '0'), true
	}
	return 0, false
}

// keyword finds the command word at the start of s and returns the rest.
func keyword(s string) (string, string) {
	best, bestLen := "", 0
	for kind, words := range keywords {
		for _, w := range words {
			if len(w) <= bestLen || !strings.HasPrefix(s, w) {
				continue
			}
			rest := s[len(w):]
			latin := w[0] < 0x80 || strings.ContainsAny(w, "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýđ")
			if latin && rest != "" && !strings.HasPrefix(rest, " ") && !strings.HasPrefix(rest, ":") {
				// "checking" is not "check"; but a Latin keyword glued to digits is ("check123")
				if r, _ := utf8.DecodeRuneInString(rest); unicode.IsLetter(r) {
					continue
				}
			}
			best, bestLen = kind, len(w)
		}
	}
	if best != "" {
		return best, strings.TrimSpace(s[bestLen:])
	}
	// One typo in the first word (four letters and more): "chek", "licnse", "agensy".
	first, rest, _ := strings.Cut(s, " ")
	if utf8.RuneCountInString(first) < 4 || first[0] >= 0x80 {
		return "", s
	}
	for kind, words := range keywords {
		for _, w := range words {
			if len(w) >= 4 && w[0] < 0x80 && !strings.Contains(w, " ") && typo1(first, w) {
				return kind, strings.TrimSpace(rest)
			}
		}
	}
	return "", s
}

// typo1 reports whether a and b differ by exactly one edit (insert, delete, substitute, or
// swap of neighbours).
func typo1(a, b string) bool {
	if a == b {
		return false
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	switch len(rb) - len(ra) {
	case 0:
		diff := -1
		for i := range ra {
			if ra[i] != rb[i] {
				if diff >= 0 {
					// a swap of neighbours
					return diff == i-1 && ra[diff] == rb[i] && ra[i] == rb[diff] && string(ra[i+1:]) == string(rb[i+1:])
				}
				diff = i
			}
		}
		return true
	case 1:
		i := 0
		for i < len(ra) && ra[i] == rb[i] {
			i++
		}
		return string(ra[i:]) == string(rb[i+1:])
	}
	return false
}

// money reads an amount and two currencies in any order ("500 SGD PHP", "SGD 500 to PHP",
// "1,500.50 sgd php"). It reports whether it found the amount and both currencies.
func money(c *Command, s string) bool {
	var curs []string
	for _, w := range strings.Fields(s) {
		w = strings.Trim(w, ".:;!?()")
		if filler[w] || w == "" {
			continue
		}
		if c.Amount == "" && w[0] >= '0' && w[0] <= '9' {
			num, cur := splitAmount(w)
			if num != "" {
				c.Amount = num
				if cur != "" {
					curs = append(curs, cur)
				}
				continue
			}
		}
		if isCurrency(w) {
			curs = append(curs, strings.ToUpper(w))
			continue
		}
		// "sgd500"
		if len(w) > 3 && isCurrency(w[:3]) {
			if num, _ := splitAmount(w[3:]); num != "" && c.Amount == "" {
				curs = append(curs, strings.ToUpper(w[:3]))
				c.Amount = num
			}
		}
	}
	if len(curs) > 0 {
		c.From = curs[0]
	}
	if len(curs) > 1 {
		c.To = curs[1]
	}
	if c.Kind == CmdGets {
		// GETS 20000 PHP FROM SGD: the first currency is the one received
		c.From, c.To = c.To, c.From
	}
	return c.Amount != "" && len(curs) == 2
}

// splitAmount reads "1,500.50" or "500sgd" into the digits of the amount ("1500.50") and a
// glued currency.
func splitAmount(w string) (string, string) {
	i := 0
	for i < len(w) && (w[i] >= '0' && w[i] <= '9' || w[i] == ',' || w[i] == '.' || w[i] == '\'' || w[i] == '_') {
		i++
	}
	num := strings.NewReplacer(",", "", "'", "", "_", "").Replace(strings.TrimRight(w[:i], ".,"))
	if num == "" || strings.Count(num, ".") > 1 || len(num) > 15 {
		return "", ""
	}
	cur := w[i:]
	if cur != "" && !isCurrency(cur) {
		return "", ""
	}
	return num, strings.ToUpper(cur)
}

func isCurrency(w string) bool {
	if len(w) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return knownCurrencies[strings.ToUpper(w)]
}

// knownCurrencies are the codes a worker may type (kawan.LookupCurrency has the full list;
// this keeps words like "the" and "for" from being read as currencies).
var knownCurrencies = map[string]bool{}

func country(s string) string {
	s = strings.Trim(s, " .!?")
	if len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z' {
		cc := strings.ToUpper(s)
		if knownCountries[cc] {
			return cc
		}
	}
	if cc, ok := countryNames[s]; ok {
		return cc
	}
	if f := strings.Fields(s); len(f) > 0 {
		if cc, ok := countryNames[f[0]]; ok {
			return cc
		}
		if len(f[0]) == 2 && knownCountries[strings.ToUpper(f[0])] {
			return strings.ToUpper(f[0])
		}
	}
	return ""
}

// knownCountries are the destinations and origins a help or rights command may name.
var knownCountries = map[string]bool{}

func init() {
	for _, c := range strings.Fields("QA SA AE KW OM BH SG MY HK TW KR JP TH PH ID NP MM KH VN LK BD LB JO IL CY IT US GB CA AU NZ BN MO IN PK") {
		knownCountries[c] = true
	}
	for _, c := range strings.Fields("SGD PHP IDR NPR MMK KHR VND THB LKR BDT QAR SAR AED KWD OMR BHD MYR HKD TWD KRW JPY USD EUR GBP AUD CAD NZD BND MOP INR PKR JOD LBP ILS CNY") {
		knownCurrencies[c] = true
	}
}

func lang(s string) string {
	s = strings.Trim(s, " .!?")
	for _, l := range Languages {
		if s == l {
			return l
		}
	}
	if l, ok := langAliases[s]; ok {
		return l
	}
	return ""
}

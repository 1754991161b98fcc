package moderation

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Personal data written around the digit patterns (issue 21): e-mail addresses written
// out ("sita.kv1030 at gmail dot com", "[at]", "a còng", "แอท"), national identity numbers
// in each origin country's format (Myanmar NRC, Sri Lankan NIC, and any number that follows
// an identity-document keyword), and phone numbers split by words or spelled out in number
// words (redactChains). Licence numbers and dates are protected first.

// Spelled e-mails. The "at" and "dot" words of the supported languages, bare or in
// brackets; the address must end in a known top-level domain or name a mail provider, so
// "we met at the office dot" is left alone.
const (
	atWords  = `@|at|et|arroba|a\s*còng|a\s*móc|แอท|एट|অ্যাট|အက်|អាត់`
	dotWords = `\.|dot|punto|tuldok|titik|chấm|ดอท|จุด|डट|ডট|ဒေါ့|ဒေါ့တ်|ចុច`
	tlds     = `com|net|org|edu|gov|info|biz|co|me|io|xyz|ph|id|np|mm|bd|lk|vn|th|kh|my|sg|hk|tw|jp|kr|qa|ae|sa|kw|om|bh|uk|us|in`
	mailers  = `gmail|googlemail|yahoo|ymail|hotmail|outlook|live|icloud|proton|protonmail|aol|mail|zoho|rocketmail`
)

var (
	bracketed = func(words string) string {
		return `(?:\s*[\[\(\{<]\s*(?:` + words + `)\s*[\]\)\}>]\s*|\s+(?:` + words + `)\s+|\s*@\s*)`
	}
	dotSep = `(?:\s*[\[\(\{<]\s*(?:` + dotWords + `)\s*[\]\)\}>]\s*|\s+(?:` + dotWords + `)\s+|\s*\.\s*)`
	// spelledEmailRE: local part (possibly with spelled dots) + at-word + domain labels
	// joined by dot-words, ending in a TLD; or an at-word followed by a mail provider.
	spelledEmailRE = regexp.MustCompile(`(?i)[\p{L}\p{N}_%+\-]+(?:` + dotSep + `[\p{L}\p{N}_%+\-]+)*` + bracketed(atWords) +
		`(?:(?:[\p{L}\p{N}\-]+` + dotSep + `)+(?:` + tlds + `)\b|(?:` + mailers + `)\b(?:` + dotSep + `[\p{L}]{2,6}\b)?)`)

	// Myanmar NRC: state 1-14 / township code (Latin or Burmese letters) (N|E|P|T|Y|S|
	// Naing|…) 6 digits, in Latin or Burmese digits: 12/OuKaMa(N)246827, ၁၂/ဥကမ(နိုင်)၂၄၆၈၂၇.
	nrcRE = regexp.MustCompile(`[0-9၀-၉]{1,2}\s*/\s*[\p{L}\p{M}]{2,14}\s*[\(（]\s*[\p{L}\p{M}]{1,8}\s*[\)）]\s*[0-9၀-၉]{5,6}`)
	// Sri Lankan NIC, old format: nine digits and V or X (the new format is 12 digits).
	nicRE = regexp.MustCompile(`\b[0-9]{9}[VvXx]\b`)
	// An identity document keyword followed (within a few words: "no.", "number", "#", ":")
	// by a token with at least four digits: short national numbers (Nepali citizenship
	// 12345, "नागरिकता नं. २७-०१-७१-०१२३४"), UMID CRN, SSS, TIN, PhilSys, NIK, CCCD, KTP.
	idKeywordRE = regexp.MustCompile(`(?i)(?:\b(?:nrc|nik|ktp|e-?ktp|nid|nic|cccd|cmnd|psn|pcn|philsys|phil\s?id|umid|crn|sss|gsis|tin|npwp|citizenship|nagarikta|nagarikata|national\s+id|id\s+card|id\s+no|id\s+number|identity\s+card|kartu\s+(?:tanda\s+)?penduduk|căn\s+cước|chứng\s+minh|passport|pasaporte|paspor|hộ\s+chiếu)\b|नागरिकता|राष्ट्रिय\s+परिचय|परिचयपत्र|राहदानी|পরিচয়পত্র|এনআইডি|မှတ်ပုံတင်|နိုင်ငံသားစိစစ်ရေး|บัตรประชาชน|អត្តសញ្ញាណប័ណ្ណ)` +
		`(?:[\s:#.\-]*(?:no|nos|number|num|nomor|no\.|nr|số|नं|नम्बर|নং|အမှတ်|เลขที่|លេខ)?[\s:#.\-]*){0,2}` +
		`([\p{L}\p{N}]*[\p{N}][\p{L}\p{N}/\-.()]*[\p{N}][\p{L}\p{N})]*)`)
	// Licence numbers stay public (they identify the agency, not a person): Philippine
	// POEA/DMW "DMW-103-LB-061525-R", Nepali "1234/070/71" (a number and two consecutive
	// Bikram Sambat years), and whatever follows a licence keyword.
	phLicenceRE = regexp.MustCompile(`(?i)\b(?:POEA|DMW|DOLE)-\d{2,4}-[A-Z]{1,3}-\d{4,8}-[A-Z]{1,3}\b`)
	npLicenceRE = regexp.MustCompile(`\b[0-9०-९]{1,5}/([0-9०-९]{2,3})/([0-9०-९]{2,3})\b`)
	licenceKwRE = regexp.MustCompile(`(?i)(?:\b(?:licen[cs]e|lisensya|lisensi|izin|sip3mi|siup|giấy\s+phép)\b|लाइसेन्स|इजाजतपत्र|লাইসেন্স|လိုင်စင်|ใบอนุญาต|អាជ្ញាប័ណ្ណ)` +
		`(?:[\s:#.\-]*(?:no|number|nomor|no\.|số|नं|নং|အမှတ်|เลขที่|លេខ)?[\s:#.\-]*){0,2}([\p{L}\p{N}][\p{L}\p{N}/\-.]*[\p{N}][\p{L}\p{N}]*)`)
)

// Cheap prefilters: the spelled-e-mail and identity-keyword expressions cost far more than
// a substring search, and most texts contain neither.
var (
	atHints        = []string{"@", " at ", "[at]", "(at)", "{at}", "<at>", " et ", "arroba", "còng", "móc", "แอท", "एट", "অ্যাট", "အက်", "អាត់"}
	mailHints      = strings.Fields(strings.ReplaceAll(mailers, "|", " ") + " dot punto tuldok titik chấm ดอท จุด डट ডট ဒေါ့ ចុច")
	tldRE          = regexp.MustCompile(`(?i)\.\s*(?:` + tlds + `)\b`)
	idKeywordHints = []string{"nrc", "nik", "ktp", "nid", "nic", "cccd", "cmnd", "psn", "pcn", "philsys", "phil", "umid", "crn", "sss", "gsis",
		"tin", "npwp", "citizenship", "nagarik", "national", "id card", "id no", "id number", "identity", "kartu", "căn", "chứng", "passport", "pasaporte", "paspor",
		"hộ", "नागरिकता", "राष्ट्रिय", "परिचय", "राहदानी", "পরিচয়", "এনআইডি", "မှတ်ပုံတင်", "နိုင်ငံသား", "บัตรประชาชน", "អត្តសញ្ញាណ"}
)

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// mayHaveSpelledEmail: an at-word and a mail provider, a dot-word or a top-level domain.
func mayHaveSpelledEmail(lower string) bool {
	return containsAny(lower, atHints) && (containsAny(lower, mailHints) || tldRE.MatchString(lower))
}

// protectedSpans returns the byte ranges of licence numbers, which redaction leaves alone.
func protectedSpans(s string) [][2]int {
	var out [][2]int
	lower := strings.ToLower(s)
	if containsAny(lower, []string{"poea", "dmw", "dole"}) {
		for _, m := range phLicenceRE.FindAllStringIndex(s, -1) {
			out = append(out, [2]int{m[0], m[1]})
		}
	}
	if strings.Count(s, "/") >= 2 {
		for _, m := range npLicenceRE.FindAllStringSubmatchIndex(s, -1) {
			a, b := digitsValue(s[m[2]:m[3]]), digitsValue(s[m[4]:m[5]])
			if a >= 0 && b >= 0 && (a+1)%100 == b%100 {
				out = append(out, [2]int{m[0], m[1]})
			}
		}
	}
	if containsAny(lower, licenceHints) {
		for _, m := range licenceKwRE.FindAllStringSubmatchIndex(s, -1) {
			out = append(out, [2]int{m[2], m[3]})
		}
	}
	return out
}

var licenceHints = []string{"licen", "lisens", "izin", "sip3mi", "siup", "giấy", "लाइसेन्स", "इजाजत", "লাইসেন্স", "လိုင်စင်", "ใบอนุญาต", "អាជ្ញាប័ណ្ណ"}

func digitsValue(s string) int {
	v := 0
	for _, r := range s {
		d := digitValue(r)
		if d < 0 {
			return -1
		}
		v = v*10 + d
	}
	return v
}

// redactIDKeywords removes the number that follows an identity-document keyword.
func redactIDKeywords(s string) string {
	ms := idKeywordRE.FindAllStringSubmatchIndex(s, -1)
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		tok := s[m[2]:m[3]]
		if countDigits(tok) < 4 || isYear(tok) {
			continue
		}
		b.WriteString(s[last:m[2]])
		b.WriteString(Removed)
		last = m[3]
	}
	b.WriteString(s[last:])
	return b.String()
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

func isYear(s string) bool {
	v := digitsValue(s)
	return len([]rune(s)) == 4 && v >= 1900 && v <= 2099
}

// Number words, zero to nine, of the supported languages. Words of languages written with
// spaces are matched as whole words; Thai, Burmese and Khmer (no spaces between words) by
// their longest prefix at any position.
var (
	numberWords = map[string]bool{}
	// scriptWords are the number words of scripts written without spaces, longest first.
	scriptWords []string
	// joinWords may stand between spelled digits ("zero nine tapos two").
	joinWords = map[string]bool{}
	// breakWords end a chain of numbers: what follows or precedes them is an amount, a
	// duration or a date ("1500 pesos", "2 months", "12 March").
	breakWords = map[string]bool{}
)

func init() {
	for _, w := range strings.Fields(`
		zero oh one two three four five six seven eight nine double triple
		sero isa dalawa tatlo apat lima anim pito walo siyam uno dos tres kuwatro kwatro singko sais siyete syete otso nuwebe nueve cero dobol
		nol kosong satu dua tiga empat enam tujuh delapan sembilan lapan
		sunya shunya shunye ek dui tin char panch paanch chha chhe saat aath nau
		không một hai ba bốn tư năm lăm sáu bảy bẩy tám chín
		शून्य सुन्य एक दुई तीन चार पाँच पांच छ सात आठ नौ
		শূন্য এক দুই তিন চার পাঁচ ছয় সাত আট নয়`) {
		numberWords[norm.NFC.String(w)] = true
	}
	scriptWords = strings.Fields(`
		ศูนย์ หนึ่ง สอง สาม สี่ ห้า หก เจ็ด แปด เก้า
		သုည တစ် နှစ် သုံး လေး ငါး ခြောက် ခုနစ် ရှစ် ကိုး
		សូន្យ មួយ ពីរ បី បួន ប្រាំមួយ ប្រាំពីរ ប្រាំបី ប្រាំបួន ប្រាំ`)
	for i := range scriptWords {
		scriptWords[i] = norm.NFC.String(scriptWords[i])
	}
	for i := 1; i < len(scriptWords); i++ {
		for j := i; j > 0 && len(scriptWords[j]) > len(scriptWords[j-1]); j-- {
			scriptWords[j], scriptWords[j-1] = scriptWords[j-1], scriptWords[j]
		}
	}
	for _, w := range strings.Fields(`then and next dash space plus tapos saka pagkatapos at lalu terus kemudian dan habis phir ani ra रा अनि फेरि rồi và tiếp แล้ว ก็ 然后`) {
		joinWords[norm.NFC.String(w)] = true
	}
	for _, w := range strings.Fields(`
		php peso pesos piso usd dollar dollars us$ rs rupee rupees rupiya npr inr idr rp rupiah qar riyal riyals rial aed dirham dirhams
		sar sgd myr rm ringgit hkd twd ntd krw won jpy yen thb baht mmk kyat kyats ks vnd dong đồng khr riel bdt taka tk lkr kwd bhd omr dinar dinars
		percent month months year years yr yrs week weeks day days hour hours hr hrs minute minutes min mins km kg am pm
		buwan taon araw linggo oras bulan tahun hari minggu jam menit mahina mahine barsa barsha din ghanta tháng ngày giờ tuần phút
		thousand thousands hundred hundreds million millions k lakh lakhs crore libo daan milyon ribu ratus juta nghìn ngàn triệu trăm
		jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august september october november december
		enero pebrero marso abril mayo hunyo hulyo agosto setyembre oktubre nobyembre disyembre januari februari maret mei juni juli agustus oktober desember
		महिना वर्ष दिन हजार लाख रुपैयाँ रुपियाँ`) {
		breakWords[norm.NFC.String(w)] = true
	}
}

// isScriptNoSpace: Thai, Myanmar (with its extensions) and Khmer (with its symbols), the
// scripts written without spaces between words.
func isScriptNoSpace(r rune) bool {
	switch {
	case r < 0x0E00:
		return false
	case r <= 0x0E7F, r >= 0x1000 && r <= 0x109F, r >= 0x1780 && r <= 0x17FF, r >= 0x19E0 && r <= 0x19FF,
		r >= 0xA9E0 && r <= 0xA9FF, r >= 0xAA60 && r <= 0xAA7F:
		return true
	}
	return false
}

// item is a number found in the text: a digit run, or one spelled digit.
type item struct {
	start, end int // rune offsets
	digits     int
	word       bool
	run        []rune // a digit run's runes
}

// scanNumbers finds the digit runs and number words of rs.
func scanNumbers(rs []rune) []item {
	var items []item
	for i := 0; i < len(rs); {
		r := rs[i]
		if unicode.IsDigit(r) || (r == '+' && i+1 < len(rs) && unicode.IsDigit(rs[i+1])) {
			j := i
			if rs[j] == '+' {
				j++
			}
			end := j
			for j < len(rs) {
				if unicode.IsDigit(rs[j]) {
					j++
					end = j
					continue
				}
				if isSep(rs[j]) && j+1 < len(rs) && (unicode.IsDigit(rs[j+1]) || isSep(rs[j+1]) && j+2 < len(rs) && unicode.IsDigit(rs[j+2])) {
					j++
					continue
				}
				break
			}
			it := item{start: i, end: end, run: rs[i:end]}
			for _, x := range it.run {
				if unicode.IsDigit(x) {
					it.digits++
				}
			}
			items = append(items, it)
			i = end
			continue
		}
		if isScriptNoSpace(r) {
			if n := scriptWordAt(rs[i:]); n > 0 {
				items = append(items, item{start: i, end: i + n, digits: 1, word: true})
				i += n
				continue
			}
			i++
			continue
		}
		if unicode.IsLetter(r) && (i == 0 || !isWordRune(rs[i-1])) {
			j := i
			for j < len(rs) && isWordRune(rs[j]) && !isScriptNoSpace(rs[j]) {
				j++
			}
			if j-i <= 12 && numberWords[norm.NFC.String(strings.ToLower(string(rs[i:j])))] {
				items = append(items, item{start: i, end: j, digits: 1, word: true})
			}
			i = j
			continue
		}
		i++
	}
	return items
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.Is(unicode.M, r) }

func scriptWordAt(rs []rune) int {
	for _, w := range scriptWords {
		n := 0
		ok := true
		for _, wr := range w {
			if n >= len(rs) || rs[n] != wr {
				ok = false
				break
			}
			n++
		}
		if ok {
			// A word ends where no combining mark follows (တစ် is not the start of တစ်ဆယ်).
			if n < len(rs) && unicode.Is(unicode.M, rs[n]) {
				continue
			}
			return n
		}
	}
	return 0
}

// gapJoins tells whether the text between two numbers keeps them in one chain: separator
// punctuation, or at most two words that are neither units nor currencies (a phone number
// split by words); next to a spelled digit only joining words ("then", "tapos").
func gapJoins(gap []rune, a, b item) bool {
	if len(gap) > 30 {
		return false
	}
	words := 0
	for i := 0; i < len(gap); {
		r := gap[i]
		switch {
		case r == '\n' || r == '\r':
			return false
		case unicode.IsSpace(r) || strings.ContainsRune("-./()_*|:~–—,[]", r):
			if r == ',' && !a.word && !b.word && (i == 0 || i == len(gap)-1) {
				return false // 45,000: a thousands separator, not a phone
			}
			i++
		case isWordRune(r):
			j := i
			for j < len(gap) && isWordRune(gap[j]) {
				j++
			}
			w := norm.NFC.String(strings.ToLower(string(gap[i:j])))
			if breakWords[w] || j-i > 12 {
				return false
			}
			if (a.word || b.word) && !joinWords[w] {
				return false
			}
			words++
			i = j
		default:
			return false // $, %, ?, !, quotes: not part of a number
		}
	}
	return words <= 2
}

// redactChains removes phone-like numbers: digit runs (redactDigitRuns' rule) and chains of
// digit runs and spelled digits joined by separators or a few words ("0955 tapos 727 tapos
// 3851", "zero nine two four …", "၀၉ ခုနစ် …").
func redactChains(s string) string {
	rs := []rune(s)
	items := scanNumbers(rs)
	if len(items) == 0 {
		return s
	}
	type span struct{ start, end int }
	var cut []span
	for i := 0; i < len(items); {
		j := i
		for j+1 < len(items) && items[j+1].start >= items[j].end && gapJoins(rs[items[j].end:items[j+1].start], items[j], items[j+1]) {
			j++
		}
		chain := items[i : j+1]
		if chainIsPII(rs, chain) {
			cut = append(cut, span{chain[0].start, chain[len(chain)-1].end})
		} else {
			for _, it := range chain {
				if !it.word && isPII(it.run) {
					cut = append(cut, span{it.start, it.end})
				}
			}
		}
		i = j + 1
	}
	if len(cut) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, c := range cut {
		b.WriteString(string(rs[last:c.start]))
		b.WriteString(Removed)
		last = c.end
	}
	b.WriteString(string(rs[last:]))
	return b.String()
}

// chainIsPII decides on a chain of two or more numbers (one alone is isPII's).
func chainIsPII(rs []rune, chain []item) bool {
	if len(chain) < 2 {
		return false
	}
	digits, words, wordGaps := 0, 0, false
	for k, it := range chain {
		digits += it.digits
		if it.word {
			words++
		}
		if k > 0 {
			for _, r := range rs[chain[k-1].end:it.start] {
				if isWordRune(r) {
					wordGaps = true
					break
				}
			}
		}
	}
	if words > 0 {
		// Spelled digits: nobody writes an amount digit by digit.
		return digits >= 7 && words >= 2
	}
	need := 7
	if wordGaps {
		need = 9
	}
	first := chain[0].run
	phoneStart := first[0] == '+' || digitValue(first[0]) == 0
	if !phoneStart && trunkFrom(chain) >= need {
		// A number before the phone joined its chain ("2 0973 tapos 105 tapos 5500", "100A
		// 0908 …"): from the group written with its trunk 0 on, it is as long as a phone.
		return true
	}
	if !phoneStart {
		for _, it := range chain {
			if amountShaped(it.run) || yearsOnly(it.run) || dateShaped(it.run) {
				return false
			}
		}
	}
	return digits >= need
}

// trunkFrom counts the digits of chain from its first group (a digit run, or a group of one
// after a separator) that starts with a trunk 0 and is not a thousands group (three digits
// after a separator: "1 050 000") to the chain's end; 0 when there is none.
func trunkFrom(chain []item) int {
	for k, it := range chain {
		if it.word {
			continue
		}
		for i := 0; i < len(it.run); i++ {
			if (i > 0 && !isSep(it.run[i-1])) || digitValue(it.run[i]) != 0 {
				continue
			}
			n := 0
			for j := i; j < len(it.run) && digitValue(it.run[j]) >= 0; j++ {
				n++
			}
			if n < 2 || (i > 0 && n == 3) {
				continue
			}
			digits := 0
			for _, r := range it.run[i:] {
				if digitValue(r) >= 0 {
					digits++
				}
			}
			for _, x := range chain[k+1:] {
				digits += x.digits
			}
			return digits
		}
	}
	return 0
}

// amountShaped: a figure written as money usually is: 1.500.000, 150 000, 45000, 1200.
func amountShaped(run []rune) bool {
	if len(run) == 0 || run[0] == '+' || digitValue(run[0]) == 0 {
		return false
	}
	var ds []int
	for _, r := range run {
		if v := digitValue(r); v >= 0 {
			ds = append(ds, v)
		}
	}
	if len(ds) >= 3 && ds[len(ds)-1] == 0 && ds[len(ds)-2] == 0 {
		return true
	}
	// Thousands groups: 1.500.000, 150 000.
	groups, n := 0, 0
	for _, r := range run {
		if digitValue(r) >= 0 {
			n++
			continue
		}
		if groups > 0 && n != 3 || groups == 0 && n > 3 {
			return false
		}
		groups, n = groups+1, 0
	}
	return groups > 0 && n == 3
}

func yearsOnly(run []rune) bool {
	if len(run) != 4 {
		return false
	}
	return isYear(string(run))
}

// dateShaped: d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd, yyyy/mm/dd (one separator kind),
// and ranges of such dates joined by "-".
func dateShaped(run []rune) bool {
	var groups []int
	var vals []int
	var seps []rune
	n, v := 0, 0
	for _, r := range run {
		if d := digitValue(r); d >= 0 {
			n++
			v = v*10 + d
			continue
		}
		if n > 0 {
			groups, vals = append(groups, n), append(vals, v)
			seps = append(seps, r)
		}
		n, v = 0, 0
	}
	if n > 0 {
		groups, vals = append(groups, n), append(vals, v)
	}
	if len(groups) == 0 || len(groups)%3 != 0 {
		return false
	}
	for k := 0; k < len(groups); k += 3 {
		s1, s2 := seps[k], seps[k+1]
		if s1 != s2 || !strings.ContainsRune("/-.", s1) {
			return false
		}
		g, x := groups[k:k+3], vals[k:k+3]
		switch {
		case g[0] == 4 && g[1] <= 2 && g[2] <= 2: // yyyy-mm-dd
			if x[0] < 1900 || x[0] > 2099 || x[1] < 1 || x[1] > 12 || x[2] < 1 || x[2] > 31 {
				return false
			}
		case g[0] <= 2 && g[1] <= 2 && g[2] == 4: // dd/mm/yyyy or mm/dd/yyyy
			if x[2] < 1900 || x[2] > 2099 || x[0] < 1 || x[1] < 1 || x[0] > 31 || x[1] > 31 || (x[0] > 12 && x[1] > 12) {
				return false
			}
		default:
			return false
		}
		if k+3 < len(groups) && seps[k+2] != '-' && seps[k+2] != ' ' {
			return false
		}
	}
	return true
}

package search

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Search across scripts. Agency names in the registers are written in Latin letters
// ("Gorkha Manpower"), but a worker may type them in their own script ("गोर्खा म्यानपावर",
// "မန်ပါဝါ"). Both backends therefore search a Latin form: at query time QueryText replaces
// the words for manpower, agency and recruitment in Devanagari, Burmese, Khmer and Thai by
// their synonym-group word and romanizes the rest (Romanize); at index time a name written
// in one of those scripts is indexed with its romanization too (nameText). Typo tolerance
// then absorbs what a simple romanization gets wrong ("हिमालय" → "himalay" ≈ "himalaya").

// nativeWords are the words of the synonym groups in the scripts Kawan's users write,
// mapped to the group's Latin word. Burmese, Khmer and Thai are written without spaces
// between words, so these are also found inside a longer run ("ရွှေမန်ပါဝါ").
var nativeWords = map[string]string{
	// Nepali (Devanagari): "manpower" as written on Nepali agencies' signs, "agency",
	// "foreign employment" (वैदेशिक रोजगार, the licence's own words).
	"म्यानपावर": "manpower", "म्यान्पावर": "manpower", "मेनपावर": "manpower", "मनपावर": "manpower",
	"एजेन्सी": "agency", "रोजगार": "recruitment", "वैदेशिक": "overseas",
	// Burmese: "manpower", "agency", "employment".
	"မန်ပါဝါ": "manpower", "အေဂျင်စီ": "agency", "အလုပ်အကိုင်": "recruitment",
	// Khmer: "agency", "recruitment".
	"ភ្នាក់ងារ": "agency", "ជ្រើសរើស": "recruitment",
	// Thai: "manpower", "recruitment (job placement)", "agency".
	"แมนพาวเวอร์": "manpower", "จัดหางาน": "recruitment", "เอเจนซี่": "agency", "เอเจนซี": "agency",
}

// nativeByLength lists nativeWords' keys, longest first (greedy replacement).
var nativeByLength = func() []string {
	out := make([]string, 0, len(nativeWords))
	for w := range nativeWords {
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b string) int {
		if d := utf8.RuneCountInString(b) - utf8.RuneCountInString(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return out
}()

// QueryText is the query both backends search: native-script synonym words replaced by
// their Latin word, other Devanagari, Burmese, Khmer and Thai text romanized; Latin text
// is left as it is. A trailing space (the last word is complete, not a prefix) is kept.
func QueryText(q string) string {
	if !hasNativeScript(q) {
		return q
	}
	fields := strings.Fields(q)
	for i, f := range fields {
		if !hasNativeScript(f) {
			continue
		}
		for _, w := range nativeByLength {
			if strings.Contains(f, w) {
				f = strings.ReplaceAll(f, w, " "+nativeWords[w]+" ")
			}
		}
		fields[i] = strings.Join(strings.Fields(Romanize(f)), " ")
	}
	out := strings.Join(fields, " ")
	if strings.HasSuffix(q, " ") {
		out += " "
	}
	return out
}

// nameText is the name text indexed for d: its names, and the Latin form (QueryText) of
// any written in Devanagari, Burmese, Khmer or Thai.
func nameText(d AgencyDoc) string {
	names := append([]string{d.Name}, d.TradeNames...)
	for _, n := range names[:len(names):len(names)] {
		if hasNativeScript(n) {
			names = append(names, QueryText(n))
		}
	}
	return strings.Join(names, " ")
}

func hasNativeScript(s string) bool {
	for _, r := range s {
		if scriptOf(r) != scriptOther {
			return true
		}
	}
	return false
}

type script int

const (
	scriptOther script = iota
	scriptDevanagari
	scriptMyanmar
	scriptKhmer
	scriptThai
)

func scriptOf(r rune) script {
	switch {
	case r >= 0x0900 && r <= 0x097F:
		return scriptDevanagari
	case r >= 0x1000 && r <= 0x109F:
		return scriptMyanmar
	case r >= 0x1780 && r <= 0x17FF:
		return scriptKhmer
	case r >= 0x0E00 && r <= 0x0E7F:
		return scriptThai
	}
	return scriptOther
}

// Romanize writes Devanagari, Burmese, Khmer and Thai text in plain lower-case Latin
// letters (other text is kept). It is a small, lossy romanization for search, not a
// standard: one Latin spelling per letter (close to the usual spellings of names: Nepali
// by the Nepali government's romanization without diacritics, Burmese by MLCTS, Khmer by
// UNGEGN, Thai by the Royal Thai General System), tone and length marks dropped, native
// digits as ASCII digits, and each script's inherent vowel written where it is spoken in
// most names (not at the end of a Nepali word: "गोर्खा" → "gorkha", "हिमालय" → "himalay").
func Romanize(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); {
		n := 1
		switch scriptOf(rs[i]) {
		case scriptDevanagari:
			n = romanizeRun(&b, rs[i:], scriptDevanagari, devanagari)
		case scriptMyanmar:
			n = romanizeRun(&b, rs[i:], scriptMyanmar, myanmar)
		case scriptKhmer:
			n = romanizeRun(&b, rs[i:], scriptKhmer, khmer)
		case scriptThai:
			n = romanizeThai(&b, rs[i:])
		default:
			b.WriteRune(rs[i])
		}
		i += n
	}
	return b.String()
}

// abugida describes an Indic-type script: consonants with an inherent vowel, dependent
// vowel signs after them, a vowel killer, and marks to drop.
type abugida struct {
	consonants map[rune]string
	vowels     map[rune]string // independent vowels
	signs      map[rune]string // dependent vowel signs and nasal/final signs
	killers    []rune          // virama, asat, coeng: no vowel after the consonant
	drop       []rune          // tone marks, nukta, …
	digit0     rune
	inherent   string
	// finalVowel: the inherent vowel is also written at the end of a word.
	finalVowel bool
	// pairs are two signs written as one vowel (Burmese ေ + ာ = "aw").
	pairs map[[2]rune]string
}

// romanizeRun romanizes the run of script sc at the start of rs and returns its length.
func romanizeRun(b *strings.Builder, rs []rune, sc script, a *abugida) int {
	i := 0
	for i < len(rs) && scriptOf(rs[i]) == sc {
		r := rs[i]
		switch {
		case r >= a.digit0 && r <= a.digit0+9:
			b.WriteRune('0' + r - a.digit0)
			i++
		case hasKey(a.consonants, r):
			b.WriteString(a.consonants[r])
			i++
			// the marks that belong to this consonant
			var marks []rune
			for i < len(rs) && scriptOf(rs[i]) == sc && !hasKey(a.consonants, rs[i]) && !hasKey(a.vowels, rs[i]) &&
				!(rs[i] >= a.digit0 && rs[i] <= a.digit0+9) {
				marks = append(marks, rs[i])
				i++
			}
			b.WriteString(a.syllable(marks, i >= len(rs) || scriptOf(rs[i]) != sc))
		case hasKey(a.vowels, r):
			b.WriteString(a.vowels[r])
			i++
		default:
			if s, ok := a.signs[r]; ok {
				b.WriteString(s)
			} else if r == 0x0964 || r == 0x0965 || r == 0x104A || r == 0x104B || r == 0x17D4 || r == 0x17D5 {
				b.WriteByte(' ') // danda, section marks: sentence ends
			}
			i++
		}
	}
	return max(i, 1)
}

// syllable is what a consonant's marks add: medials, the vowel (inherent when none is
// written and none is killed), final signs.
func (a *abugida) syllable(marks []rune, wordEnd bool) string {
	var pre, vowel, post strings.Builder
	killed, hasVowel := false, false
	for j := 0; j < len(marks); j++ {
		m := marks[j]
		if j+1 < len(marks) {
			if v, ok := a.pairs[[2]rune{m, marks[j+1]}]; ok {
				vowel.WriteString(v)
				hasVowel = true
				j++
				continue
			}
		}
		switch {
		case slices.Contains(a.killers, m):
			killed = true
		case slices.Contains(a.drop, m):
		case isMedial(m):
			pre.WriteString(a.signs[m])
		case isFinalSign(m):
			post.WriteString(a.signs[m])
		default:
			if s, ok := a.signs[m]; ok {
				vowel.WriteString(s)
				hasVowel = true
			}
		}
	}
	if !hasVowel && !killed && (!wordEnd || a.finalVowel || post.Len() > 0) {
		vowel.WriteString(a.inherent)
	}
	return pre.String() + vowel.String() + post.String()
}

// isMedial: Burmese medial consonant signs (ya, ra, wa, ha), written right after the consonant.
func isMedial(r rune) bool { return r >= 0x103B && r <= 0x103E }

// isFinalSign: nasal and final signs written after the vowel (anusvara, candrabindu,
// visarga; Burmese anusvara; Khmer nikahit and reahmuk).
func isFinalSign(r rune) bool {
	switch r {
	case 0x0901, 0x0902, 0x0903, 0x1036, 0x17C6, 0x17C7:
		return true
	}
	return false
}

func hasKey(m map[rune]string, r rune) bool { _, ok := m[r]; return ok }

var devanagari = &abugida{
	consonants: map[rune]string{
		'क': "k", 'ख': "kh", 'ग': "g", 'घ': "gh", 'ङ': "ng", 'च': "ch", 'छ': "chh", 'ज': "j", 'झ': "jh", 'ञ': "ny",
		'ट': "t", 'ठ': "th", 'ड': "d", 'ढ': "dh", 'ण': "n", 'त': "t", 'थ': "th", 'द': "d", 'ध': "dh", 'न': "n",
		'प': "p", 'फ': "ph", 'ब': "b", 'भ': "bh", 'म': "m", 'य': "y", 'र': "r", 'ल': "l", 'व': "w", 'श': "sh",
		'ष': "sh", 'स': "s", 'ह': "h", 'ळ': "l",
	},
	vowels: map[rune]string{'अ': "a", 'आ': "a", 'इ': "i", 'ई': "i", 'उ': "u", 'ऊ': "u", 'ऋ': "ri", 'ए': "e", 'ऐ': "ai",
		'ओ': "o", 'औ': "au", 'ऑ': "o"},
	signs: map[rune]string{'ा': "a", 'ि': "i", 'ी': "i", 'ु': "u", 'ू': "u", 'ृ': "ri", 'े': "e", 'ै': "ai", 'ो': "o", 'ौ': "au",
		'ॉ': "o", 'ँ': "n", 'ं': "n", 'ः': "h"},
	killers:  []rune{'्'},
	drop:     []rune{'़', 'ऽ'},
	digit0:   '०',
	inherent: "a",
}

var myanmar = &abugida{
	consonants: map[rune]string{
		'က': "k", 'ခ': "kh", 'ဂ': "g", 'ဃ': "gh", 'င': "ng", 'စ': "s", 'ဆ': "hs", 'ဇ': "z", 'ဈ': "z", 'ည': "ny", 'ဉ': "ny",
		'ဋ': "t", 'ဌ': "ht", 'ဍ': "d", 'ဎ': "d", 'ဏ': "n", 'တ': "t", 'ထ': "ht", 'ဒ': "d", 'ဓ': "d", 'န': "n",
		'ပ': "p", 'ဖ': "ph", 'ဗ': "b", 'ဘ': "b", 'မ': "m", 'ယ': "y", 'ရ': "r", 'လ': "l", 'ဝ': "w", 'သ': "th",
		'ဟ': "h", 'ဠ': "l", 'အ': "",
	},
	vowels: map[rune]string{'ဣ': "i", 'ဤ': "i", 'ဥ': "u", 'ဦ': "u", 'ဧ': "e", 'ဩ': "aw", 'ဪ': "aw"},
	signs: map[rune]string{'ါ': "a", 'ာ': "a", 'ိ': "i", 'ီ': "i", 'ု': "u", 'ူ': "u", 'ေ': "e", 'ဲ': "ai", 'ံ': "n",
		'ျ': "y", 'ြ': "y", 'ွ': "w", 'ှ': "h"},
	killers:    []rune{'်', '္'},
	drop:       []rune{'့', 'း'},
	digit0:     '၀',
	inherent:   "a",
	finalVowel: true,
	pairs:      map[[2]rune]string{{'ေ', 'ာ'}: "aw", {'ေ', 'ါ'}: "aw", {'ိ', 'ု'}: "o"},
}

var khmer = &abugida{
	consonants: map[rune]string{
		'ក': "k", 'ខ': "kh", 'គ': "k", 'ឃ': "kh", 'ង': "ng", 'ច': "ch", 'ឆ': "chh", 'ជ': "ch", 'ឈ': "chh", 'ញ': "nh",
		'ដ': "d", 'ឋ': "th", 'ឌ': "d", 'ឍ': "th", 'ណ': "n", 'ត': "t", 'ថ': "th", 'ទ': "t", 'ធ': "th", 'ន': "n",
		'ប': "b", 'ផ': "ph", 'ព': "p", 'ភ': "ph", 'ម': "m", 'យ': "y", 'រ': "r", 'ល': "l", 'វ': "v", 'ឝ': "s", 'ឞ': "s",
		'ស': "s", 'ហ': "h", 'ឡ': "l", 'អ': "",
	},
	vowels: map[rune]string{'ឥ': "i", 'ឦ': "i", 'ឧ': "u", 'ឩ': "u", 'ឪ': "ou", 'ឫ': "rue", 'ឬ': "rue", 'ឭ': "lue", 'ឮ': "lue",
		'ឯ': "ae", 'ឰ': "ai", 'ឱ': "ao", 'ឲ': "ao", 'ឳ': "au"},
	signs: map[rune]string{'ា': "a", 'ិ': "i", 'ី': "i", 'ឹ': "oe", 'ឺ': "oe", 'ុ': "o", 'ូ': "ou", 'ួ': "uo", 'ើ': "aeu",
		'ឿ': "oea", 'ៀ': "ie", 'េ': "e", 'ែ': "ae", 'ៃ': "ai", 'ោ': "ao", 'ៅ': "au", 'ំ': "m", 'ះ': "h", 'ៈ': "a"},
	killers:  []rune{'្', '់'},
	drop:     []rune{'៉', '៊', '៌', '៍', '៎', '៏', '័', '៑', '៓', '៝'},
	digit0:   '០',
	inherent: "a",
}

var thaiConsonants = map[rune]string{
	'ก': "k", 'ข': "kh", 'ฃ': "kh", 'ค': "kh", 'ฅ': "kh", 'ฆ': "kh", 'ง': "ng", 'จ': "ch", 'ฉ': "ch", 'ช': "ch",
	'ซ': "s", 'ฌ': "ch", 'ญ': "y", 'ฎ': "d", 'ฏ': "t", 'ฐ': "th", 'ฑ': "th", 'ฒ': "th", 'ณ': "n", 'ด': "d",
	'ต': "t", 'ถ': "th", 'ท': "th", 'ธ': "th", 'น': "n", 'บ': "b", 'ป': "p", 'ผ': "ph", 'ฝ': "f", 'พ': "ph",
	'ฟ': "f", 'ภ': "ph", 'ม': "m", 'ย': "y", 'ร': "r", 'ฤ': "rue", 'ล': "l", 'ฦ': "lue", 'ว': "w", 'ศ': "s",
	'ษ': "s", 'ส': "s", 'ห': "h", 'ฬ': "l", 'อ': "o", 'ฮ': "h",
}

// thaiFinals are the consonants that sound differently at the end of a word (RTGS; ร and
// ล, which RTGS writes n, keep r and l: loanwords and foreign place names use them).
var thaiFinals = map[rune]string{
	'ข': "k", 'ค': "k", 'ฆ': "k", 'จ': "t", 'ช': "t", 'ซ': "t", 'ฎ': "t", 'ฏ': "t", 'ฐ': "t", 'ฑ': "t", 'ฒ': "t",
	'ด': "t", 'ต': "t", 'ถ': "t", 'ท': "t", 'ธ': "t", 'ศ': "t", 'ษ': "t", 'ส': "t", 'บ': "p", 'ป': "p", 'พ': "p",
	'ฟ': "p", 'ภ': "p", 'ญ': "n", 'ณ': "n",
}

var thaiVowels = map[rune]string{'ะ': "a", 'ั': "a", 'า': "a", 'ำ': "am", 'ิ': "i", 'ี': "i", 'ึ': "ue", 'ื': "ue", 'ุ': "u", 'ู': "u"}

// romanizeThai romanizes the Thai run at the start of rs. Thai writes no inherent vowel,
// puts some vowels before the consonant they follow in speech (เ แ โ ใ ไ), silences a
// consonant with ์, and uses อ both as a silent vowel carrier and as the vowel "o".
func romanizeThai(b *strings.Builder, rs []rune) int {
	lead := ""     // a leading vowel waiting for its consonant
	lastCons := -1 // where the last consonant's letters start in out
	var lastRune rune
	var out strings.Builder
	i := 0
	for ; i < len(rs) && scriptOf(rs[i]) == scriptThai; i++ {
		r := rs[i]
		switch {
		case r >= '๐' && r <= '๙':
			out.WriteRune('0' + r - '๐')
		case r >= 'เ' && r <= 'ไ':
			lead = map[rune]string{'เ': "e", 'แ': "ae", 'โ': "o", 'ใ': "ai", 'ไ': "ai"}[r]
		case r == 'อ' && (lead != "" || i+1 < len(rs) && hasKey(thaiVowels, rs[i+1])):
			// silent carrier of a vowel
			lastCons = out.Len()
			out.WriteString(lead)
			lead = ""
		case hasKey(thaiConsonants, r):
			lastCons, lastRune = out.Len(), r
			out.WriteString(thaiConsonants[r])
			if lead != "" {
				out.WriteString(lead)
				lead = ""
			}
		case hasKey(thaiVowels, r):
			out.WriteString(thaiVowels[r])
		case r == '์':
			if lastCons >= 0 {
				s := out.String()[:lastCons]
				out.Reset()
				out.WriteString(s)
				lastCons = -1
			}
		case r == 'ฯ':
			out.WriteByte(' ')
		}
	}
	res := out.String()
	if f, ok := thaiFinals[lastRune]; ok && lastCons >= 0 && lead == "" && res[lastCons:] == thaiConsonants[lastRune] && lastCons > 0 {
		res = res[:lastCons] + f // the word ends with this consonant
	}
	b.WriteString(res + lead)
	return max(i, 1)
}

package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/kawan-labs/kawan"
)

// Usernames: 3–32 characters of one script's letters (with their combining marks), the
// ASCII digits 0–9 and the separators . _ -; NFKC-normalised and lower-cased, so "Ｊｏｈｎ"
// (full-width) is "john". Invisible and format characters, mixed scripts ("pаypal" with a
// Cyrillic а) and non-ASCII digits are refused. Uniqueness is on UsernameKey, a skeleton
// that folds look-alikes together, so two accounts can never look the same on screen.
const (
	MinUsernameRunes = 3
	MaxUsernameRunes = 32
	maxUsernameBytes = 256 // refuse before normalising anything longer
)

// scripts Kawan's users write usernames in. A letter outside all of them is refused.
var scripts = []struct {
	name   string
	tables []*unicode.RangeTable
}{
	{"Latin", []*unicode.RangeTable{unicode.Latin}},
	{"Cyrillic", []*unicode.RangeTable{unicode.Cyrillic}},
	{"Greek", []*unicode.RangeTable{unicode.Greek}},
	{"Arabic", []*unicode.RangeTable{unicode.Arabic}},
	{"Devanagari", []*unicode.RangeTable{unicode.Devanagari}},
	{"Bengali", []*unicode.RangeTable{unicode.Bengali}},
	{"Sinhala", []*unicode.RangeTable{unicode.Sinhala}},
	{"Tamil", []*unicode.RangeTable{unicode.Tamil}},
	{"Thai", []*unicode.RangeTable{unicode.Thai}},
	{"Lao", []*unicode.RangeTable{unicode.Lao}},
	{"Khmer", []*unicode.RangeTable{unicode.Khmer}},
	{"Myanmar", []*unicode.RangeTable{unicode.Myanmar}},
	{"Hangul", []*unicode.RangeTable{unicode.Hangul}},
	{"Japanese/Chinese", []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana}},
	{"Tagalog", []*unicode.RangeTable{unicode.Tagalog}},
}

// NormalizeUsername validates a username and returns its display form and its unique key.
func NormalizeUsername(raw string) (name, key string, err error) {
	if len(raw) > maxUsernameBytes {
		return "", "", kawan.Invalid("username", "must be at most %d characters", MaxUsernameRunes)
	}
	if !utf8.ValidString(raw) {
		return "", "", kawan.Invalid("username", "must be valid UTF-8")
	}
	name = strings.ToLower(norm.NFKC.String(strings.TrimSpace(raw)))
	name = norm.NFC.String(name) // lower-casing can denormalise
	n := utf8.RuneCountInString(name)
	if n < MinUsernameRunes || n > MaxUsernameRunes {
		return "", "", kawan.Invalid("username", "must be %d to %d characters", MinUsernameRunes, MaxUsernameRunes)
	}
	script := -1
	prevSep := true // no separator first
	for _, r := range name {
		switch {
		case r >= '0' && r <= '9':
			prevSep = false
		case r == '.' || r == '_' || r == '-':
			if prevSep {
				return "", "", kawan.Invalid("username", "may not start with or repeat . _ -")
			}
			prevSep = true
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			if script < 0 {
				return "", "", kawan.Invalid("username", "may not start with a combining mark")
			}
			prevSep = false
		case unicode.IsLetter(r):
			s := scriptOf(r)
			if s < 0 {
				return "", "", kawan.Invalid("username", "uses a letter Kawan does not accept in usernames")
			}
			if script >= 0 && s != script {
				return "", "", kawan.Invalid("username", "must use letters of one script only (it mixes %s and %s)", scripts[script].name, scripts[s].name)
			}
			script = s
			prevSep = false
		default:
			return "", "", kawan.Invalid("username", "may contain only letters, the digits 0-9 and . _ -")
		}
	}
	if prevSep {
		return "", "", kawan.Invalid("username", "may not end with . _ -")
	}
	return name, UsernameKey(name), nil
}

func scriptOf(r rune) int {
	for i, s := range scripts {
		for _, t := range s.tables {
			if unicode.Is(t, r) {
				return i
			}
		}
	}
	return -1
}

// confusable maps letters that look like a Latin letter (and digits that look like
// letters) to that letter. Cyrillic and Greek look-alikes are the classic impersonation
// trick; digits cover "paypa1" and "g00gle".
var confusable = map[rune]string{
	// Cyrillic
	'а': "a", 'в': "b", 'с': "c", 'ԁ': "d", 'е': "e", 'ё': "e", 'һ': "h", 'і': "l", 'ї': "l", 'ј': "j", 'к': "k",
	'ӏ': "l", 'м': "m", 'н': "h", 'о': "o", 'р': "p", 'ԛ': "q", 'г': "r", 'ѕ': "s", 'т': "t", 'у': "y", 'ў': "y",
	'х': "x", 'ԝ': "w", 'ь': "b", 'п': "n", 'и': "u", 'л': "n", 'з': "3", 'ч': "4", 'ы': "bl",
	// Greek
	'α': "a", 'β': "b", 'γ': "y", 'ε': "e", 'η': "n", 'ι': "l", 'κ': "k", 'ν': "v", 'ο': "o", 'ρ': "p", 'τ': "t",
	'υ': "u", 'χ': "x", 'ω': "w", 'ϲ': "c", 'ς': "s", 'μ': "u", 'ϳ': "j",
	// Latin look-alikes
	'ı': "l", 'ȷ': "j", 'ɡ': "g", 'ɑ': "a", 'ʀ': "r", 'ɪ': "l", 'ʏ': "y", 'ɴ': "n", 'ᴏ': "o", 'ß': "ss",
	'i': "l", 'ł': "l",
	// digits
	'0': "o", '1': "l", '3': "e", '4': "a", '5': "s", '7': "t", '8': "b", '9': "g",
}

// UsernameKey returns the skeleton that must be unique: accents and separators dropped,
// look-alike letters and digits folded together, "rn" → "m", "vv" → "w", "cl" → "d".
func UsernameKey(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		if r == '.' || r == '_' || r == '-' || unicode.Is(unicode.Mn, r) && r < 0x0900 {
			// accents on Latin, Greek and Cyrillic letters; marks of Indic and Southeast
			// Asian scripts change the letter and are kept
			continue
		}
		if s, ok := confusable[r]; ok {
			b.WriteString(s)
			continue
		}
		b.WriteRune(r)
	}
	k := b.String()
	for _, p := range [][2]string{{"rn", "m"}, {"vv", "w"}, {"cl", "d"}} {
		k = strings.ReplaceAll(k, p[0], p[1])
	}
	return norm.NFC.String(k)
}

package reviews

import (
	"strings"
	"unicode"
)

// scriptLangs maps a script to the language Kawan's users most likely write in it.
var scriptLangs = []struct {
	table *unicode.RangeTable
	lang  string
}{
	{unicode.Devanagari, "ne"}, {unicode.Bengali, "bn"}, {unicode.Myanmar, "my"}, {unicode.Khmer, "km"},
	{unicode.Thai, "th"}, {unicode.Lao, "lo"}, {unicode.Sinhala, "si"}, {unicode.Tamil, "ta"},
	{unicode.Arabic, "ar"}, {unicode.Hangul, "ko"}, {unicode.Hiragana, "ja"}, {unicode.Katakana, "ja"},
	{unicode.Han, "zh"},
}

// latinWords are frequent function words of the Latin-script languages of Kawan's users.
var latinWords = map[string][]string{
	"en":  {"the", "and", "was", "they", "my", "not", "to", "of", "is", "we", "for", "with", "agency", "were"},
	"id":  {"yang", "dan", "tidak", "saya", "di", "ini", "itu", "dengan", "untuk", "ada", "agen", "kami", "sudah", "gaji"},
	"fil": {"ang", "ng", "mga", "sa", "ako", "hindi", "po", "namin", "kami", "pero", "yung", "ahensya", "sila", "naman"},
	"vi":  {"không", "tôi", "và", "của", "là", "có", "được", "công", "ty", "chúng", "những", "một", "lương"},
}

// detectLang guesses the language of text: by script for non-Latin scripts, by frequent
// words for Latin-script languages; "und" (undetermined) when unsure. A declared language
// always wins over this guess.
func detectLang(text string) string {
	counts := map[string]int{}
	letters := 0
	for _, c := range text {
		if !unicode.IsLetter(c) {
			continue
		}
		letters++
		for _, s := range scriptLangs {
			if unicode.Is(s.table, c) {
				counts[s.lang]++
				break
			}
		}
	}
	best, bestN := "", 0
	for l, n := range counts {
		if n > bestN || n == bestN && l < best {
			best, bestN = l, n
		}
	}
	if letters > 0 && bestN*2 >= letters {
		return best
	}
	words := strings.FieldsFunc(strings.ToLower(text), func(c rune) bool { return !unicode.IsLetter(c) })
	set := map[string]bool{}
	for _, w := range words {
		set[w] = true
	}
	best, bestN = "und", 1
	for _, l := range []string{"en", "fil", "id", "vi"} {
		n := 0
		for _, w := range latinWords[l] {
			if set[w] {
				n++
			}
		}
		if n > bestN {
			best, bestN = l, n
		}
	}
	return best
}

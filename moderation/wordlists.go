package moderation

import (
	"bufio"
	"embed"
	"io/fs"
	"path"
	"strings"
	"unicode"
)

//go:embed data/generic.txt data/abuse/*.txt
var dataFS embed.FS

var (
	genericWords = loadWordSet("data/generic.txt")
	abusePhrases = loadAbuse()
)

func readLines(name string) []string {
	f, err := dataFS.Open(name)
	if err != nil {
		panic("moderation: missing data file " + name) // embedded: a build error in practice
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	return out
}

func loadWordSet(name string) map[string]bool {
	m := map[string]bool{}
	for _, w := range readLines(name) {
		m[strings.ToLower(w)] = true
	}
	return m
}

// abusePhrase is one listed phrase, normalised like the text it is matched against.
type abusePhrase struct {
	lang, phrase string
	// spaced: the phrase is in a script written with spaces between words, so it must
	// match whole words; otherwise (Burmese, …) it matches as a substring.
	spaced bool
}

func loadAbuse() []abusePhrase {
	var out []abusePhrase
	files, _ := fs.Glob(dataFS, "data/abuse/*.txt")
	for _, f := range files {
		lang := strings.TrimSuffix(path.Base(f), ".txt")
		if lang == "README" {
			continue
		}
		for _, l := range readLines(f) {
			p := normalizeWords(l)
			if p == "" {
				continue
			}
			spaced := true
			for _, r := range p {
				if unicode.In(r, unicode.Myanmar, unicode.Thai, unicode.Khmer, unicode.Lao) {
					spaced = false
				}
			}
			out = append(out, abusePhrase{lang: lang, phrase: p, spaced: spaced})
		}
	}
	return out
}

// normalizeWords lower-cases text and keeps letters, marks and digits of any script,
// separating words by single spaces.
func normalizeWords(s string) string {
	var b strings.Builder
	space := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) {
			b.WriteRune(unicode.ToLower(r))
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// Abusive reports whether text contains a listed slur or threat, and the language of the
// list that matched (the phrase itself is not returned: it is not logged or shown).
func Abusive(text string) (bool, string) {
	n := " " + normalizeWords(text) + " "
	for _, p := range abusePhrases {
		if p.spaced && strings.Contains(n, " "+p.phrase+" ") || !p.spaced && strings.Contains(n, p.phrase) {
			return true, p.lang
		}
	}
	return false, ""
}

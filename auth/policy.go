package auth

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/kawan-labs/kawan"
)

// Password policy (NIST SP 800-63B style): length and a list of common passwords, no
// composition rules, so a long passphrase of plain words is welcome while "Password2024!"
// is not.
const (
	MinPasswordRunes = 8
	// passphraseRunes: from this length, only the common-password list and a repeated unit
	// can refuse a password.
	passphraseRunes = 20
)

//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(commonPasswordsText, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		m[strings.ToLower(l)] = true
	}
	return m
}()

// NormalizePassword applies the Unicode NFKC normalisation used for every password before
// hashing, so the same passphrase typed on two keyboards (composed or decomposed accents,
// full-width digits) signs in. Inputs over MaxPasswordBytes are returned unchanged, to be
// refused by the caller without doing the work.
func NormalizePassword(pw string) string {
	if len(pw) > MaxPasswordBytes || !utf8.ValidString(pw) {
		return pw
	}
	return norm.NFKC.String(pw)
}

// CheckPassword applies the password policy to a normalised password for the given
// (normalised) username. The error names the field "password" and says what to do.
func CheckPassword(pw, username string) error {
	if len(pw) > MaxPasswordBytes {
		return kawan.Invalid("password", "must be at most %d bytes", MaxPasswordBytes)
	}
	if !utf8.ValidString(pw) {
		return kawan.Invalid("password", "must be valid UTF-8")
	}
	for _, r := range pw {
		if unicode.IsControl(r) {
			return kawan.Invalid("password", "must not contain control characters")
		}
	}
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordRunes {
		return kawan.Invalid("password", "must be at least %d characters; a few plain words make a good passphrase", MinPasswordRunes)
	}
	if isCommonPassword(pw) {
		return kawan.Invalid("password", "is one of the most common passwords; choose another (a few plain words make a good passphrase)")
	}
	if repeatedUnit(strings.ToLower(pw)) {
		return kawan.Invalid("password", "is a short pattern repeated; choose another")
	}
	if n >= passphraseRunes {
		return nil
	}
	lower := strings.ToLower(pw)
	if username != "" && utf8.RuneCountInString(username) >= 3 && strings.Contains(squash(lower), squash(username)) {
		return kawan.Invalid("password", "must not contain your username")
	}
	if strings.Trim(pw, "0123456789") == "" {
		return kawan.Invalid("password", "must not be only digits (dates and PINs are guessed first)")
	}
	distinct := map[rune]bool{}
	for _, r := range lower {
		distinct[r] = true
	}
	if len(distinct) < 4 {
		return kawan.Invalid("password", "uses too few different characters")
	}
	return nil
}

// isCommonPassword compares case-insensitively and without spaces, and also after
// stripping a trailing run of digits and symbols ("Password2024!" → "password").
func isCommonPassword(pw string) bool {
	s := squash(strings.ToLower(pw))
	if commonPasswords[s] {
		return true
	}
	stem := strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
	stem = strings.TrimLeftFunc(stem, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
	return stem != s && (stem == "" || commonPasswords[stem])
}

// squash removes spaces, dots, dashes and underscores.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '.' || r == '-' || r == '_' {
			return -1
		}
		return r
	}, s)
}

// repeatedUnit reports whether s is a unit of at most 4 runes repeated ("abcabcabc").
func repeatedUnit(s string) bool {
	r := []rune(s)
	for u := 1; u <= 4 && u < len(r); u++ {
		if len(r)%u != 0 {
			continue
		}
		same := true
		for i := u; i < len(r) && same; i++ {
			same = r[i] == r[i%u]
		}
		if same {
			return true
		}
	}
	return false
}

package auth

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// NormalizeEmail trims and lower-cases an e-mail address and checks its shape.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 254 || !utf8.ValidString(s) {
		return "", errors.New("must be an e-mail address of at most 254 characters")
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || !strings.Contains(domain, ".") ||
		strings.ContainsAny(s, " \t\r\n<>()[],;:\"\\") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", errors.New("must be an e-mail address like name@example.org")
	}
	return s, nil
}

// NormalizePhone keeps a leading + and the digits of a phone number (spaces, dashes,
// dots and brackets dropped) and checks it has 6 to 15 digits (E.164).
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		return "", errors.New("must be a phone number like +63 917 123 4567")
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", errors.New("must be a phone number like +63 917 123 4567")
		}
	}
	out := b.String()
	digits := strings.TrimPrefix(out, "+")
	if len(digits) < 6 || len(digits) > 15 {
		return "", errors.New("must have 6 to 15 digits")
	}
	return out, nil
}

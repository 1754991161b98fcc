// Package moderation screens reviews before anything is public. This first part holds the
// PII redactor; the lifecycle, fraud signals and moderator API follow (issue 7).
package moderation

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Removed replaces every piece of personal information in public text.
const Removed = "[removed]"

var (
	emailRE = regexp.MustCompile(`(?i)[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}.\-]+\.[\p{L}]{2,}`)
	// passportRE: one or two Latin letters followed by 6–9 digits and an optional letter
	// (PH P1234567A, NP 09123456 with letter prefix, ID A1234567, MM MA123456, BD AB1234567).
	passportRE = regexp.MustCompile(`\b[A-Za-z]{1,2}\d{6,9}[A-Za-z]?\b`)
)

// Redact replaces e-mail addresses, passport-like tokens and long digit runs (phone, national
// ID, bank and wallet numbers, in any script's digits) with "[removed]". Ordinary numbers —
// fees with thousands separators, years, ratings — are kept. It reports whether anything
// was removed. It never panics on any input; invalid UTF-8 is treated byte by byte.
func Redact(text string) (string, bool) {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	out := emailRE.ReplaceAllString(text, Removed)
	out = passportRE.ReplaceAllString(out, Removed)
	out = redactDigitRuns(out)
	return out, out != text
}

// redactDigitRuns scans for runs of digits joined by phone-style separators and removes
// those with at least 7 digits unless they look like an amount or a list of years.
func redactDigitRuns(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(rs); {
		if !(unicode.IsDigit(rs[i]) || (rs[i] == '+' && i+1 < len(rs) && unicode.IsDigit(rs[i+1]))) {
			b.WriteRune(rs[i])
			i++
			continue
		}
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
		run := rs[i:end]
		if isPII(run) {
			b.WriteString(Removed)
		} else {
			b.WriteString(string(run))
		}
		i = end
	}
	return b.String()
}

func isSep(r rune) bool {
	switch r {
	case ' ', '-', '.', '(', ')', '/', '\u00a0':
		return true
	}
	return false
}

// isPII decides whether a digit run is personal data.
func isPII(run []rune) bool {
	var groups []int
	var seps []rune
	n, total := 0, 0
	for _, r := range run {
		if unicode.IsDigit(r) {
			n++
			total++
			continue
		}
		if n > 0 {
			groups = append(groups, n)
			seps = append(seps, r)
		}
		n = 0
	}
	if n > 0 {
		groups = append(groups, n)
	}
	if total < 7 {
		return false
	}
	// Amounts such as 1.500.000 or 150 000: a 1–3 digit head then 3-digit groups, and
	// no leading "+" or "0" (phones start with those).
	if run[0] != '+' && digitValue(run[0]) != 0 && len(groups) > 1 && groups[0] <= 3 {
		amount := true
		for _, g := range groups[1:] {
			if g != 3 {
				amount = false
			}
		}
		for _, sp := range seps {
			if sp != '.' && sp != ' ' && sp != '\u00a0' {
				amount = false
			}
		}
		if amount {
			return false
		}
	}
	// Years: every group is a four-digit year 19xx or 20xx (2019-2021, 2018 2020).
	years := len(groups) > 1
	k := 0
	for _, g := range groups {
		for k < len(run) && !unicode.IsDigit(run[k]) {
			k++
		}
		if g != 4 || k+1 >= len(run) {
			years = false
			break
		}
		hi := digitValue(run[k])*10 + digitValue(run[k+1])
		if hi != 19 && hi != 20 {
			years = false
		}
		k += g
	}
	return !years
}

// digitValue returns the decimal value of a Unicode digit (Nd digits come in runs of ten
// starting at zero), or -1.
func digitValue(r rune) int {
	if !unicode.IsDigit(r) {
		return -1
	}
	for v := 0; v < 10; v++ {
		if !unicode.IsDigit(r-rune(v)-1) || v == 9 {
			return v % 10
		}
	}
	return -1
}

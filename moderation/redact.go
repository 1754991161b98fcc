// Package moderation screens reviews before anything is public. This first part holds the
// PII redactor; the lifecycle, fraud signals and moderator API follow (issue 7).
package moderation

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Removed replaces every piece of personal information in public text.
const Removed = "[removed]"

// RedactionVersion is bumped whenever Redact learns new forms of personal data; the app then
// applies Redact again to reviews stored before (reviews.Service.RedactStored). 2: issue 21.
const RedactionVersion = 3

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
	if len(text) > maxRedactInput {
		// Bounded work: longer texts are cut to the bound (no review or reply is longer).
		text = strings.ToValidUTF8(text[:maxRedactInput], "")
	}
	var b strings.Builder
	last := 0
	for _, p := range mergeSpans(notInEmails(text, protectedSpans(text))) {
		b.WriteString(redactSegment(text[last:p[0]]))
		b.WriteString(text[p[0]:p[1]])
		last = p[1]
	}
	b.WriteString(redactSegment(text[last:]))
	out := b.String()
	return out, out != text
}

// notInEmails drops the protected spans that overlap an e-mail address, written or spelled
// out ("licence u845372 at gmail dot com"): a licence-shaped local part is still an address.
func notInEmails(text string, spans [][2]int) [][2]int {
	near := false // only a span an at-word follows can be an address's local part
	for _, p := range spans {
		after := strings.ToLower(text[p[1]:min(len(text), p[1]+16)])
		if strings.HasPrefix(after, "@") || containsAny(after, atHints) {
			near = true
			break
		}
	}
	if !near {
		return spans
	}
	mails := emailRE.FindAllStringIndex(text, -1)
	if mayHaveSpelledEmail(strings.ToLower(text)) {
		mails = append(mails, spelledEmailRE.FindAllStringIndex(text, -1)...)
	}
	return slices.DeleteFunc(spans, func(p [2]int) bool {
		return slices.ContainsFunc(mails, func(m []int) bool { return p[0] < m[1] && m[0] < p[1] })
	})
}

// maxRedactInput bounds the text Redact reads (reviews and replies are far shorter).
const maxRedactInput = 64 << 10

// redactSegment removes every form of personal data from a text without licence numbers.
func redactSegment(s string) string {
	if s == "" {
		return s
	}
	out := emailRE.ReplaceAllString(s, Removed)
	lower := strings.ToLower(out)
	if mayHaveSpelledEmail(lower) {
		out = spelledEmailRE.ReplaceAllString(out, Removed)
	}
	out = nrcRE.ReplaceAllString(out, Removed)
	out = nicRE.ReplaceAllString(out, Removed)
	if containsAny(lower, idKeywordHints) {
		out = redactIDKeywords(out)
	}
	out = passportRE.ReplaceAllString(out, Removed)
	return redactChains(out)
}

// mergeSpans sorts byte ranges and merges overlapping ones.
func mergeSpans(sp [][2]int) [][2]int {
	for i := 1; i < len(sp); i++ {
		for j := i; j > 0 && sp[j][0] < sp[j-1][0]; j-- {
			sp[j], sp[j-1] = sp[j-1], sp[j]
		}
	}
	var out [][2]int
	for _, x := range sp {
		if n := len(out); n > 0 && x[0] <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], x[1])
			continue
		}
		out = append(out, x)
	}
	return out
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
	if total < 7 || dateShaped(run) {
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
	// Round amounts written without separators: 25000000 (no phone or ID is written so
	// and ends in three zeros without a leading 0).
	if run[0] != '+' && digitValue(run[0]) != 0 && len(groups) == 1 && digitValue(run[len(run)-1]) == 0 &&
		digitValue(run[len(run)-2]) == 0 && digitValue(run[len(run)-3]) == 0 {
		return false
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

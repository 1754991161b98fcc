package textbot

import (
	"strings"
	"unicode/utf8"
)

// SMS segment sizes (3GPP TS 23.038 / 23.040): a single GSM-7 message holds 160 septets, a
// concatenated one 153 per part; UCS-2 holds 70 UTF-16 code units, 67 per part. The GSM-7
// extension table's characters take two septets.
const (
	gsmSingle, gsmPart   = 160, 153
	ucs2Single, ucs2Part = 70, 67
	// MaxSegments is the most an answer may take.
	MaxSegments = 3
)

const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
const gsmExt = "^{}\\[~]|€\f"

var gsmCost = func() map[rune]int {
	m := map[rune]int{}
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExt {
		m[r] = 2
	}
	return m
}()

// Encoding is how a text travels by SMS.
type Encoding string

// Encodings.
const (
	GSM7 Encoding = "GSM-7"
	UCS2 Encoding = "UCS-2"
)

// Measure returns the text's encoding, its length in that encoding's units (septets or
// UTF-16 code units) and how many SMS segments it takes.
func Measure(s string) (Encoding, int, int) {
	units, gsm := 0, true
	for _, r := range s {
		c, ok := gsmCost[r]
		if !ok {
			gsm = false
			break
		}
		units += c
	}
	if gsm {
		return GSM7, units, segments(units, gsmSingle, gsmPart)
	}
	units = 0
	for _, r := range s {
		if r > 0xFFFF {
			units += 2 // a surrogate pair
		} else {
			units++
		}
	}
	return UCS2, units, segments(units, ucs2Single, ucs2Part)
}

func segments(units, single, part int) int {
	if units <= single {
		return 1
	}
	return (units + part - 1) / part
}

// Fit joins body and link so that the whole is at most MaxSegments segments, cutting the
// body (at a word where it can, marked with "…" or "...") rather than the link.
func Fit(body, link string) string {
	join := func(b string) string {
		if link == "" {
			return b
		}
		if b == "" {
			return link
		}
		return b + " " + link
	}
	out := join(body)
	if _, _, n := Measure(out); n <= MaxSegments {
		return out
	}
	enc, _, _ := Measure(out)
	limit, ell := MaxSegments*gsmPart, "..."
	if enc == UCS2 {
		limit, ell = MaxSegments*ucs2Part, "…"
	}
	// cut the body rune by rune from the end until it fits
	_, lu, _ := Measure(" " + link)
	if link == "" {
		lu = 0
	}
	budget := limit - lu - 3
	b := []rune(body)
	units := 0
	cut := 0
	for i, r := range b {
		u := 1
		if enc == GSM7 {
			u = gsmCost[r]
		} else if r > 0xFFFF {
			u = 2
		}
		if units+u > budget {
			break
		}
		units += u
		cut = i + 1
	}
	s := string(b[:cut])
	if i := strings.LastIndexByte(s, ' '); i > len(s)*2/3 {
		s = s[:i]
	}
	s = strings.TrimRight(s, " ,;:-") + ell
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return join(s)
}

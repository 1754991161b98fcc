package moderation

import (
	"math/bits"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Near-duplicate text detection: MinHash signatures over character shingles, with
// locality-sensitive hashing (LSH) bands. Character shingles work for every script,
// including those written without spaces (Burmese, Thai), and survive light edits: two
// texts that share most of their 5-character pieces share most signature values.
//
// With Bands bands of Rows values each, a pair with Jaccard similarity J becomes a
// candidate with probability 1-(1-J^Rows)^Bands: J=0.4: 0.73, J=0.5: 0.93, J=0.6: 0.99,
// while unrelated reviews (J ≈ 0.02 on 5-character shingles) collide with probability
// ~2e-4 per pair. Light edits of a 100-character review (a few words changed, another
// city or agency name) keep J around 0.45-0.6; unrelated reviews stay below 0.1.
const (
	// SigSize is the number of MinHash values in a signature.
	SigSize = Bands * Rows
	// Bands is the number of LSH bands (one stored bucket per band per review).
	Bands = 20
	// Rows is the number of signature values hashed into one band key.
	Rows = 3
	// ShingleRunes is the length of a character shingle.
	ShingleRunes = 5
	// MinShingles is the fewest distinct shingles a text needs to be compared at all
	// (about 70 characters): honest short texts repeat ("good agency, fees as announced"),
	// so short texts are judged by the generic-text signal instead.
	MinShingles = 60
	// maxShingleRunes bounds the work per text (reviews are at most 5 000 characters).
	maxShingleRunes = 5000
)

// Signature is a text's MinHash signature.
type Signature [SigSize]uint64

var (
	seedMul [SigSize]uint64
	seedAdd [SigSize]uint64
)

func init() {
	// Deterministic odd multipliers and offsets from splitmix64.
	x := uint64(0x9E3779B97F4A7C15)
	next := func() uint64 {
		x += 0x9E3779B97F4A7C15
		z := x
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		return z ^ (z >> 31)
	}
	for i := range SigSize {
		seedMul[i] = next() | 1
		seedAdd[i] = next()
	}
}

// normalizeForShingles lower-cases, applies NFKC, maps every digit to '0' (so "paid 5000"
// and "paid 6000" look alike), keeps letters and combining marks of any script, and turns
// everything else into single spaces.
func normalizeForShingles(s string) []rune {
	s = norm.NFKC.String(s)
	out := make([]rune, 0, min(len(s), maxShingleRunes))
	space := true
	for _, r := range s {
		if len(out) >= maxShingleRunes {
			break
		}
		switch {
		case unicode.IsDigit(r):
			out = append(out, '0')
			space = false
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			out = append(out, unicode.ToLower(r))
			space = false
		default:
			if !space {
				out = append(out, ' ')
				space = true
			}
		}
	}
	if n := len(out); n > 0 && out[n-1] == ' ' {
		out = out[:n-1]
	}
	return out
}

// fnvRunes hashes a rune slice (FNV-1a over the runes, then a final mix). It is
// deterministic across processes and restarts: signatures are stored in MongoDB and
// compared by other processes.
func fnvRunes(rs []rune) uint64 {
	h := uint64(14695981039346656037)
	for _, r := range rs {
		h ^= uint64(r)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// MinHash returns the signature of text and the number of distinct shingles it has.
// Texts with fewer than MinShingles shingles should not be compared.
func MinHash(text string) (Signature, int) {
	rs := normalizeForShingles(text)
	var sig Signature
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	if len(rs) < ShingleRunes {
		return sig, 0
	}
	seen := make(map[uint64]struct{}, len(rs))
	for i := 0; i+ShingleRunes <= len(rs); i++ {
		h := fnvRunes(rs[i : i+ShingleRunes])
		if _, dup := seen[h]; dup {
			continue
		}
		seen[h] = struct{}{}
		for j := range sig {
			v := h*seedMul[j] + seedAdd[j]
			v ^= v >> 29
			if v < sig[j] {
				sig[j] = v
			}
		}
	}
	return sig, len(seen)
}

// Similarity estimates the Jaccard similarity of the two texts' shingle sets.
func (s *Signature) Similarity(o *Signature) float64 {
	same := 0
	for i := range s {
		if s[i] == o[i] {
			same++
		}
	}
	return float64(same) / SigSize
}

// BandKeys returns the LSH bucket key of each band: texts whose keys agree in any band
// are candidates for a full comparison.
func (s *Signature) BandKeys() [Bands]string {
	var out [Bands]string
	const hex = "0123456789abcdef"
	for b := range Bands {
		h := uint64(b) * 0x9E3779B97F4A7C15
		for r := range Rows {
			h = bits.RotateLeft64(h^s[b*Rows+r], 23) * 0xff51afd7ed558ccd
		}
		var sb strings.Builder
		sb.Grow(20)
		sb.WriteByte(hex[b/16])
		sb.WriteByte(hex[b%16])
		sb.WriteByte(':')
		for i := 60; i >= 0; i -= 4 {
			sb.WriteByte(hex[(h>>uint(i))&0xf])
		}
		out[b] = sb.String()
	}
	return out
}

// Int64s converts the signature for storage (MongoDB has no unsigned integers).
func (s *Signature) Int64s() []int64 {
	out := make([]int64, SigSize)
	for i, v := range s {
		out[i] = int64(v)
	}
	return out
}

// SignatureFrom converts a stored signature back; false if it has the wrong size.
func SignatureFrom(v []int64) (Signature, bool) {
	var s Signature
	if len(v) != SigSize {
		return s, false
	}
	for i, x := range v {
		s[i] = uint64(x)
	}
	return s, true
}

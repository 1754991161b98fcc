package kawan

import "strings"

// MaxIDLen is the longest ID of any Kawan document (agency, review, help entry, claim …).
const MaxIDLen = 64

// ValidID reports whether id can be the ID of a Kawan document: 1–64 of a–z, A–Z, 0–9, '-',
// '_' and '.', and not only dots ("." and ".." are path segments). Anything else cannot exist,
// so it is answered as not found before any database read.
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDLen || strings.Trim(id, ".") == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// ValidSlug reports whether s is the form new IDs made from names take (agencies, help
// entries): 1–64 of a–z, 0–9 and '-'. Every slug is a ValidID.
func ValidSlug(s string) bool {
	if s == "" || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// MaxPerPage is the largest page of any list.
const MaxPerPage = 100

// CheckPaging sets a list request's defaults (page 1, 20 per page) and adds a field error to
// v for a page below 1, a per_page outside 1–MaxPerPage, or, when window > 0, a page beyond
// page × per_page = window (a search engine's deepest result).
func CheckPaging(v *ValidationError, page, perPage *int, window int) {
	if *page == 0 {
		*page = 1
	}
	if *perPage == 0 {
		*perPage = 20
	}
	okPage, okPer := *page >= 1, *perPage >= 1 && *perPage <= MaxPerPage
	if !okPage {
		v.Add("page", "must be 1 or more")
	}
	if !okPer {
		v.Add("per_page", "must be from 1 to %d", MaxPerPage)
	}
	// no multiplication: it overflows for huge pages
	if okPage && okPer && window > 0 && *page > window / *perPage {
		v.Add("page", "is too deep: page × per_page must be at most %d; narrow the search instead", window)
	}
}

package api

import (
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
)

// queryParams refuses unknown and repeated query parameters, so a typo (?orign=) or a second
// value never silently changes the answer. Every API handler that reads the query calls it
// first, with the parameters it reads.
func queryParams(c echo.Context, allowed ...string) error {
	v := &kawan.ValidationError{}
	for name, vals := range c.QueryParams() {
		switch {
		case !slices.Contains(allowed, name):
			if len(allowed) == 0 {
				v.Add(name, "is not a known query parameter (this resource takes none)")
			} else {
				v.Add(name, "is not a known query parameter (allowed: %s)", strings.Join(allowed, ", "))
			}
		case len(vals) > 1:
			v.Add(name, "must be given once")
		}
	}
	return v.Err()
}

// intParam reads a whole-number query parameter of 1 or more; 0 when it is absent. A bad
// value adds a field error to v and reads as 1. Ranges (per_page at most 100, …) are the
// domain's to check (kawan.CheckPaging).
func intParam(v *kawan.ValidationError, c echo.Context, name string) int {
	s := c.QueryParam(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		v.Add(name, "must be a whole number of 1 or more")
		return 1
	}
	return n
}

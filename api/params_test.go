package api

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
)

// TestQueryParams: one guard for every handler refuses unknown and repeated parameters and
// names each one (the reviews list once accepted ?sort=a&sort=b and read the first).
func TestQueryParams(t *testing.T) {
	e := echo.New()
	cases := []struct {
		query   string
		allowed []string
		bad     []string
	}{
		{"q=a&page=2", []string{"q", "page"}, nil},
		{"", nil, nil},
		{"orign=NP", []string{"origin"}, []string{"orign"}},
		{"sort=a&sort=b", []string{"sort"}, []string{"sort"}},
		{"x=1", nil, []string{"x"}},
	}
	for _, c := range cases {
		ctx := e.NewContext(httptest.NewRequest("GET", "/?"+c.query, nil), httptest.NewRecorder())
		err := queryParams(ctx, c.allowed...)
		var v *kawan.ValidationError
		if len(c.bad) == 0 {
			if err != nil {
				t.Errorf("%q: %v", c.query, err)
			}
			continue
		}
		if !errors.As(err, &v) || len(v.Fields) != len(c.bad) || v.Fields[0].Field != c.bad[0] {
			t.Errorf("%q: %v, want a field error on %v", c.query, err, c.bad)
		}
	}
	ctx := e.NewContext(httptest.NewRequest("GET", "/?page=0&per_page=x&n=7", nil), httptest.NewRecorder())
	v := &kawan.ValidationError{}
	if intParam(v, ctx, "n") != 7 || intParam(v, ctx, "absent") != 0 {
		t.Error("intParam misread a good or absent value")
	}
	intParam(v, ctx, "page")
	intParam(v, ctx, "per_page")
	if len(v.Fields) != 2 || !strings.Contains(v.Error(), "page") {
		t.Errorf("bad page values: %v", v.Fields)
	}
}

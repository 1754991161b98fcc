package kawan

import "testing"

// TestValidIDAndSlug: "." and ".." reach handlers as ids when a client sends
// /reviews/../claim unnormalised; they must be refused like any unknown id.
func TestValidIDAndSlug(t *testing.T) {
	for id, want := range map[string]bool{
		"himalaya-manpower-np": true, "AbC_1.2": true, "r7q2": true,
		"": false, ".": false, "..": false, "...": false, "r-1.2": true, "a/b": false, "a b": false, "ä": false, "$where": false,
		string(make([]byte, 65)): false,
	} {
		if got := ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
	for s, want := range map[string]bool{"gulf-associate-bd": true, "Gulf": false, "a_b": false, "a.b": false, "": false} {
		if got := ValidSlug(s); got != want {
			t.Errorf("ValidSlug(%q) = %v, want %v", s, got, want)
		}
		if ValidSlug(s) && !ValidID(s) {
			t.Errorf("slug %q is not a ValidID", s)
		}
	}
}

func TestCheckPaging(t *testing.T) {
	cases := []struct {
		page, per, window int
		wantPage, wantPer int
		bad               []string
	}{
		{0, 0, 0, 1, 20, nil},
		{3, 100, 1000, 3, 100, nil},
		{11, 100, 1000, 11, 100, []string{"page"}},
		{-1, 101, 1000, -1, 101, []string{"page", "per_page"}},
		{1 << 62, 100, 1000, 1 << 62, 100, []string{"page"}},
		{5000, 10, 0, 5000, 10, nil},
	}
	for _, c := range cases {
		v := &ValidationError{}
		p, pp := c.page, c.per
		CheckPaging(v, &p, &pp, c.window)
		var got []string
		for _, f := range v.Fields {
			got = append(got, f.Field)
		}
		if p != c.wantPage || pp != c.wantPer || len(got) != len(c.bad) {
			t.Errorf("%+v: page %d per %d errors %v", c, p, pp, got)
			continue
		}
		for i := range got {
			if got[i] != c.bad[i] {
				t.Errorf("%+v: errors %v, want %v", c, got, c.bad)
			}
		}
	}
}

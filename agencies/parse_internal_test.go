package agencies

import (
	"slices"
	"testing"
)

func TestSplitName(t *testing.T) {
	for _, c := range []struct {
		in, name string
		former   []string
	}{
		{"SAMPAGUITA HUMAN RESOURCES (FORMERLY SAMPAGUITA MANPOWER  SERVICES)", "SAMPAGUITA HUMAN RESOURCES", []string{"SAMPAGUITA MANPOWER SERVICES"}},
		{"MAYNILA ACCESS PLACEMENT (FOR: MAYNILA ACCESS INTERNATIONAL", "MAYNILA ACCESS PLACEMENT", []string{"MAYNILA ACCESS INTERNATIONAL"}},
		{"ALPHA (FKA BETA) INC.", "ALPHA INC.", []string{"BETA"}},
		{"FORT SANTIAGO (FORT BRANCH) MANPOWER", "FORT SANTIAGO (FORT BRANCH) MANPOWER", nil},
		{"ABC (PHILS.) INC.", "ABC (PHILS.) INC.", nil},
		{"(FORMERLY X)", "(FORMERLY X)", nil},
	} {
		name, former := splitName(c.in)
		if name != c.name || !slices.Equal(former, c.former) {
			t.Errorf("splitName(%q) = %q, %q; want %q, %q", c.in, name, former, c.name, c.former)
		}
	}
}

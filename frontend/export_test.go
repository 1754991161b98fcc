package frontend

import "github.com/kawan-labs/kawan"

// StandingClassForTest is standingClass for the external tests.
func StandingClassForTest(s string) string { return standingClass(kawan.Standing(s)) }

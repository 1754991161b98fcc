package reliability_test

import (
	"testing"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/app"
)

// token returns a real access token for role (bound to agencyID for agency
// representatives), or "" while the product cannot issue tokens.
func token(t testing.TB, a *app.App, role kawan.Role, agencyID string) string {
	return ""
}

func kawanRole(r string) kawan.Role { return kawan.Role(r) }

package reliability_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/auth"
)

// token returns a real access token for role (bound to agencyID for agency
// representatives), creating and signing in a fictional account (callers keep it in
// env.tokens; warmTokens makes one per role before anything is measured). It
// returns "" when the product has no auth service, or agency_rep is asked for without an
// agency to bind it to.
func token(t testing.TB, a *app.App, role kawan.Role, agencyID string) string {
	t.Helper()
	if a == nil || a.Auth == nil || role == "" {
		return ""
	}
	if role != kawan.RoleAgencyRep {
		agencyID = ""
	} else if agencyID == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	user := fmt.Sprintf("rel_%s_%d", role, time.Now().UnixNano()%1_000_000_000)
	pass := "reliability test passphrase for " + user
	if _, err := a.Auth.CreateUser(ctx, auth.Registration{Username: user, Password: pass}, role, agencyID, true); err != nil {
		t.Fatalf("create %s account: %v", role, err)
	}
	tp, err := a.Auth.Login(ctx, user, pass, auth.Client{Addr: "127.0.0.1", UserAgent: "kawan-reliability"})
	if err != nil {
		t.Fatalf("sign %s in: %v", role, err)
	}
	return tp.AccessToken
}

// warmTokens signs one account of every role in before anything is measured, so the
// accounts exist before the first database fingerprint or outage.
func (e *env) warmTokens() {
	if e.a == nil {
		return
	}
	for _, r := range kawan.Roles {
		if _, ok := e.tokens[r]; !ok {
			e.tokens[r] = token(e.t, e.a, r, e.ids["agency"])
		}
	}
}

func kawanRole(r string) kawan.Role { return kawan.Role(r) }

package app

import (
	"context"
	"errors"
	"net"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/auth"
)

// DemoPassword is the password of every demo account. It is public (printed at start in
// demo mode and written in the README): demo accounts are fictional and marked demo.
const DemoPassword = "kawan demo only"

// demoAccounts are one fictional account per role. The agency representative speaks for
// the first agency in the demo data (it is created once there is one).
var demoAccounts = []struct {
	username string
	role     kawan.Role
}{
	{"demo.worker", kawan.RoleWorker},
	{"demo.agency", kawan.RoleAgencyRep},
	{"demo.moderator", kawan.RoleModerator},
	{"demo.admin", kawan.RoleAdmin},
}

// loadDemoAccounts is the demo loader of the accounts area.
func loadDemoAccounts(ctx context.Context, a *App) error { return a.ensureDemoAccounts(ctx) }

// ensureDemoAccounts creates the demo accounts that are missing. The moderator and admin
// demo accounts exist only while Kawan listens on a loopback address: a public server
// started with KAWAN_DEMO left on must not have an admin whose password is in the README,
// so there they are demoted to workers.
func (a *App) ensureDemoAccounts(ctx context.Context) error {
	if a.Auth == nil {
		return nil
	}
	local := loopback(a.Config.Addr)
	for _, d := range demoAccounts {
		privileged := d.role == kawan.RoleModerator || d.role == kawan.RoleAdmin
		_, key, _ := auth.NormalizeUsername(d.username)
		owner, _, err := a.Auth.Store().UsernameOwner(ctx, key)
		if err == nil {
			if privileged && !local {
				if u, err := a.Auth.Store().User(ctx, owner); err == nil && u.Demo && u.Role == d.role {
					_, _ = a.Auth.Store().SetRole(ctx, u.ID, d.role, kawan.RoleWorker, "", time.Now().UTC())
					_ = a.Auth.RevokeUser(ctx, u.ID, "demo")
					a.Log.Warn("demo account demoted to worker: this server is not on a loopback address", "username", d.username)
				}
			}
			continue
		}
		if !errors.Is(err, kawan.ErrNotFound) {
			return err
		}
		if privileged && !local {
			continue
		}
		agencyID := ""
		if d.role == kawan.RoleAgencyRep {
			if agencyID, err = a.firstAgencyID(ctx); err != nil || agencyID == "" {
				continue // no demo agency yet; tried again at the next start
			}
		}
		u, err := a.Auth.CreateUser(ctx, auth.Registration{Username: d.username, Password: DemoPassword}, d.role, agencyID, true)
		if err != nil {
			return err
		}
		if agencyID != "" {
			if err := a.Auth.Store().AddRep(ctx, agencyID, u.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *App) firstAgencyID(ctx context.Context) (string, error) {
	var d struct {
		ID string `bson:"_id"`
	}
	err := a.Store.DB().Collection("agencies").FindOne(ctx, bson.D{},
		options.FindOne().SetSort(bson.D{{Key: "_id", Value: 1}}).SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&d)
	if err != nil {
		return "", nil
	}
	return d.ID, nil
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// announceDemoAccounts prints the demo sign-ins at start, in demo mode only.
func (a *App) announceDemoAccounts() {
	names := []string{}
	for _, d := range demoAccounts {
		names = append(names, d.username+" ("+string(d.role)+")")
	}
	a.Log.Warn("DEMO MODE: fictional demo accounts, for trying Kawan only; set KAWAN_DEMO=false in production",
		"accounts", names, "demo_password", DemoPassword)
}

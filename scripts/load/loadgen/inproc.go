package loadgen

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"

	"github.com/kawan-labs/kawan"

	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/config"
)

// Server is the whole product started in this process on a data directory with the
// embedded store, listening on a random loopback port.
type Server struct {
	App  *app.App
	URL  string
	stop context.CancelFunc
	done chan error
}

// StartServer builds and runs Kawan on dir (demo data on) with loopback trusted as a
// proxy, so load clients can present distinct X-Forwarded-For addresses. mutate may
// adjust the configuration.
func StartServer(ctx context.Context, dir string, log *slog.Logger, mutate func(*config.Config)) (*Server, error) {
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Addr = "127.0.0.1:0"
	cfg.Demo = true
	for _, cidr := range []string{"127.0.0.0/8", "::1/128"} {
		_, n, _ := net.ParseCIDR(cidr)
		cfg.TrustedProxies = append(cfg.TrustedProxies, n)
	}
	if mutate != nil {
		mutate(cfg)
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return nil, fmt.Errorf("loadgen: start kawan: %w", err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	s := &Server{App: a, stop: cancel, done: make(chan error, 1)}
	addr := make(chan net.Addr, 1)
	go func() { s.done <- a.Run(rctx, func(ad net.Addr) { addr <- ad }) }()
	select {
	case ad := <-addr:
		s.URL = "http://" + ad.String()
		return s, nil
	case err := <-s.done:
		cancel()
		_ = a.Close(context.Background())
		return nil, fmt.Errorf("loadgen: run kawan: %w", err)
	case <-time.After(60 * time.Second):
		cancel()
		_ = a.Close(context.Background())
		return nil, fmt.Errorf("loadgen: kawan did not start listening within 60s")
	}
}

// Stop shuts the server down and closes the store.
func (s *Server) Stop() error {
	s.stop()
	err := <-s.done
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if cerr := s.App.Close(ctx); err == nil {
		err = cerr
	}
	return err
}

// ModeratorTokens creates n moderator accounts in a (an in-process server) and signs them
// in, returning their access tokens. The accounts are fictional load-test accounts.
func ModeratorTokens(ctx context.Context, a *app.App, n int) ([]string, error) {
	if a.Auth == nil {
		return nil, nil
	}
	prefix := fmt.Sprintf("loadmod%06x", rand.Uint32()&0xffffff)
	var out []string
	for i := range n {
		user := fmt.Sprintf("%s_%d", prefix, i)
		pass := "load test moderator passphrase " + user
		if _, err := a.Auth.CreateUser(ctx, auth.Registration{Username: user, Password: pass}, kawan.RoleModerator, "", true); err != nil {
			return nil, fmt.Errorf("loadgen: create moderator: %w", err)
		}
		tp, err := a.Auth.Login(ctx, user, pass, auth.Client{Addr: "127.0.0.1", UserAgent: "kawan-load"})
		if err != nil {
			return nil, fmt.Errorf("loadgen: sign moderator in: %w", err)
		}
		out = append(out, tp.AccessToken)
	}
	return out, nil
}

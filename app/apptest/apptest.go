// Package apptest builds the whole product for end-to-end tests: the real wiring of
// package app, on the shared embedded FerretDB (a fresh database per test) and a
// temporary Bleve index, with demo data off unless asked for.
package apptest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/config"
	"github.com/kawan-labs/kawan/store/storetest"
)

// New returns a built (not listening) App. mutate may adjust the configuration first.
// Callers' TestMain should call storetest.Main(m).
func New(t testing.TB, mutate func(*config.Config)) *app.App {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.MongoURI = storetest.EmbeddedURI(t)
	var r [6]byte
	_, _ = rand.Read(r[:])
	cfg.MongoDatabase = "app_" + hex.EncodeToString(r[:])
	cfg.Demo = false
	cfg.Addr = "127.0.0.1:0"
	if mutate != nil {
		mutate(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	a, err := app.New(ctx, cfg, nil)
	if err != nil {
		t.Fatalf("apptest: build app: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = a.Store.DB().Drop(ctx)
		_ = a.Close(ctx)
	})
	return a
}

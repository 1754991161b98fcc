// Package apptest builds the whole product for end-to-end tests: the real wiring of
// package app, on the shared embedded FerretDB (a fresh database per test) and a
// temporary Bleve index, with demo data off unless asked for.
package apptest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"sync"
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
	return NewLogged(t, mutate, nil)
}

// NewLogged is New with every record the product logs, at every level, also written to w
// (tests that check what reaches the log). w nil: as New.
func NewLogged(t testing.TB, mutate func(*config.Config), w io.Writer) *app.App {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.MongoURI = storetest.EmbeddedURI(t)
	var r [6]byte
	_, _ = rand.Read(r[:])
	cfg.MongoDatabase = "app_" + hex.EncodeToString(r[:])
	cfg.Demo = false
	cfg.Addr = "127.0.0.1:0"
	// Tests act and look at once: every queue listing reads the queue (the cache has its
	// own test in moderation/).
	cfg.ModerationQueueCache = 0
	if mutate != nil {
		mutate(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	errs := &tailBuffer{max: 32 << 10}
	log := testLogger(errs)
	if w != nil {
		log = slog.New(slog.NewMultiHandler(log.Handler(), slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		t.Fatalf("apptest: build app: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			if s := errs.String(); s != "" {
				t.Logf("apptest: errors the product logged (last %d KB):\n%s", errs.max>>10, s)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = a.Store.DB().Drop(ctx)
		_ = a.Close(ctx)
	})
	return a
}

// testLogger keeps the product's error records in errs (shown when the test fails) and,
// when KAWAN_TEST_LOG names a level (debug, info, warn, error), also writes records of
// that level to standard error.
func testLogger(errs *tailBuffer) *slog.Logger {
	keep := slog.NewTextHandler(errs, &slog.HandlerOptions{Level: slog.LevelError})
	v := os.Getenv("KAWAN_TEST_LOG")
	if v == "" {
		return slog.New(keep)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(v)); err != nil {
		lvl = slog.LevelError
	}
	return slog.New(slog.NewMultiHandler(keep, slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})))
}

// tailBuffer keeps the last max bytes written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

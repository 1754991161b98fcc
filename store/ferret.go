package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// ErrDataDirInUse: another process runs the embedded database on the data directory.
var ErrDataDirInUse = errors.New("store: data directory in use")

// Embedded is an in-process FerretDB (SQLite backend) listening on a loopback port
// chosen at start. It speaks the MongoDB wire protocol, so the store talks to it through
// the ordinary MongoDB driver exactly as it would to a real MongoDB.
type Embedded struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// StartEmbedded starts FerretDB with its SQLite files in dir (created if missing).
// logger receives FerretDB's own logs; pass one at warn level to keep start-up quiet.
func StartEmbedded(dir string, logger *slog.Logger) (*Embedded, error) {
	return StartEmbeddedAt(dir, "127.0.0.1:0", logger)
}

// StartEmbeddedAt is StartEmbedded on a given listen address (host:port; port 0 picks one).
// Fault tests use it to restart a stopped database on the same address and directory, so
// clients that keep the old URI reconnect by themselves.
func StartEmbeddedAt(dir, addr string, logger *slog.Logger) (*Embedded, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: data directory %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data directory %q: %w", dir, err)
	}
	// Fail early and clearly on an unwritable directory instead of deep inside SQLite.
	probe := filepath.Join(abs, ".write-test")
	if err := os.WriteFile(probe, []byte("ok"), 0o600); err != nil {
		return nil, fmt.Errorf("store: data directory %q is not writable: %w", dir, err)
	}
	_ = os.Remove(probe)
	unlock, err := lockDataDir(abs)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(normal)",
		Logger:    logger,
	})
	if err != nil {
		unlock()
		return nil, fmt.Errorf("store: start embedded FerretDB: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Embedded{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		defer unlock() // before done: once Stop returns, the directory is free
		_ = f.Run(ctx)
	}()
	// MongoDBURI blocks until the listener is bound.
	uriCh := make(chan string, 1)
	go func() { uriCh <- f.MongoDBURI() }()
	select {
	case e.uri = <-uriCh:
	case <-e.done:
		cancel()
		return nil, errors.New("store: embedded FerretDB stopped during start-up")
	case <-time.After(30 * time.Second):
		cancel()
		return nil, errors.New("store: embedded FerretDB did not start listening within 30s")
	}
	return e, nil
}

// URI returns the mongodb:// connection string of the embedded server.
func (e *Embedded) URI() string { return e.uri }

// Stop shuts FerretDB down and waits (up to timeout) for its SQLite files to be closed.
func (e *Embedded) Stop(timeout time.Duration) error {
	e.cancel()
	select {
	case <-e.done:
		return nil
	case <-time.After(timeout):
		return errors.New("store: embedded FerretDB did not stop in time")
	}
}

// Addr returns the host:port the embedded server listens on (for StartEmbeddedAt after a Stop).
func (e *Embedded) Addr() string {
	u, err := url.Parse(e.uri)
	if err != nil {
		return ""
	}
	return u.Host
}

// Package storetest gives tests a real MongoDB-wire database: an embedded FerretDB
// started once per test binary, and, when KAWAN_TEST_MONGODB_URI is set, a real MongoDB
// too. Every test gets its own database name, so tests never see each other's data.
//
// Use it from TestMain so the embedded server is stopped and its files removed:
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
//
// and in tests:
//
//	storetest.ForEach(t, func(t *testing.T, s *store.Store) { ... })
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/store"
)

var (
	once     sync.Once
	embedded *store.Embedded
	tmpDir   string
	startErr error
)

// Main runs the tests and then stops the embedded server and removes its files.
func Main(m *testing.M) {
	code := m.Run()
	if embedded != nil {
		_ = embedded.Stop(10 * time.Second)
	}
	if tmpDir != "" {
		_ = os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

// EmbeddedURI starts (once) the shared embedded FerretDB and returns its URI.
func EmbeddedURI(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		tmpDir, startErr = os.MkdirTemp("", "kawan-storetest-")
		if startErr != nil {
			return
		}
		embedded, startErr = store.StartEmbedded(tmpDir, nil)
	})
	if startErr != nil {
		t.Fatalf("storetest: start embedded FerretDB: %v", startErr)
	}
	return embedded.URI()
}

// Backend is one database server that store tests run against.
type Backend struct {
	Name string // "ferretdb" or "mongodb"
	URI  string
}

// Backends lists the servers to test against: always the embedded FerretDB, plus the
// MongoDB at KAWAN_TEST_MONGODB_URI when that variable is set.
func Backends(t testing.TB) []Backend {
	t.Helper()
	bs := []Backend{{Name: "ferretdb", URI: EmbeddedURI(t)}}
	if uri := os.Getenv("KAWAN_TEST_MONGODB_URI"); uri != "" {
		bs = append(bs, Backend{Name: "mongodb", URI: uri})
	}
	return bs
}

// Open connects to backend b, creates a fresh database for this test, runs the set-up
// steps on it, and drops it when the test ends.
func Open(t testing.TB, b Backend) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := store.Connect(ctx, b.URI, dbName(t))
	if err != nil {
		t.Fatalf("storetest: connect to %s: %v", b.Name, err)
	}
	if err := store.Migrate(ctx, s.DB(), nil); err != nil {
		t.Fatalf("storetest: set up %s: %v", b.Name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.DB().Drop(ctx)
		_ = s.Close(ctx)
	})
	return s
}

// New returns a fresh store on the embedded FerretDB (for tests that need one backend,
// such as API tests).
func New(t testing.TB) *store.Store {
	t.Helper()
	return Open(t, Backend{Name: "ferretdb", URI: EmbeddedURI(t)})
}

// ForEach runs fn as a subtest against every backend, each with a fresh database.
func ForEach(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, Open(t, b)) })
	}
}

func dbName(t testing.TB) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name())
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return "t_" + name + "_" + hex.EncodeToString(r[:])
}

// Concurrently runs fn(i) for i in [0, n) from n goroutines released together (so the calls
// really overlap, as concurrent clients' do) and returns their errors joined.
func Concurrently(n int, fn func(i int) error) error {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errors.Join(errs...)
}

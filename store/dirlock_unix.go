//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockDataDir takes the data directory's lock (an exclusive flock on dir/.kawan.lock, held
// while the embedded database runs, released by the kernel if the process dies). A second
// process on the same directory is refused at once with a clear message, instead of waiting
// on SQLite's locks (issue 21: `kawan stats` on a directory a server uses blocked for good).
func lockDataDir(dir string) (func(), error) {
	path := filepath.Join(dir, ".kawan.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: lock data directory %q: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		_ = f.Close()
		holder := "another process"
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil && pid > 0 {
			holder = fmt.Sprintf("another process (pid %d)", pid)
		}
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %q is in use by %s, most likely a running Kawan server; "+
				"stop it first, or copy the directory and point KAWAN_DATA_DIR at the copy", ErrDataDirInUse, dir, holder)
		}
		return nil, fmt.Errorf("store: lock data directory %q: %w", dir, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

package reliability_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/scripts/load/loadgen"
	"github.com/kawan-labs/kawan/store"
)

var readyLine = regexp.MustCompile(`open (http://[0-9.:]+)/`)

// buildKawan compiles cmd/kawan into a temporary directory.
func buildKawan(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(t.TempDir(), "kawan")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/kawan")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build kawan: %v\n%s", err, b)
	}
	return bin
}

// startKawan runs the binary on dataDir and returns the process and its URL.
func startKawan(t *testing.T, bin, dataDir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"KAWAN_DATA_DIR="+dataDir, "KAWAN_ADDR=127.0.0.1:0", "KAWAN_DEMO=true",
		"KAWAN_LOG_LEVEL=error", "KAWAN_TRUSTED_PROXIES=127.0.0.0/8", "MONGODB_URI=", "MEILI_URL=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	urlCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
				urlCh <- m[1]
			}
		}
		close(urlCh)
	}()
	select {
	case u, ok := <-urlCh:
		if !ok {
			t.Fatal("kawan exited before it was ready")
		}
		return cmd, u
	case <-time.After(2 * time.Minute):
		t.Fatal("kawan did not become ready within 2 minutes")
	}
	return nil, ""
}

// TestSIGKILLDuringReviewBurst kills the real binary with SIGKILL in the middle of a
// burst of review submissions, restarts it on the same data directory, and checks that
// it starts and that every review acknowledged with 201 before the kill is stored.
func TestSIGKILLDuringReviewBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildKawan(t)
	dataDir := t.TempDir()
	cmd, base := startKawan(t, bin, dataDir)

	type out struct {
		res *loadgen.Result
		err error
	}
	done := make(chan out, 1)
	// Strike once the burst has had some reviews acknowledged (signing the accounts in
	// costs an argon2id hash each, so a fixed delay could strike before any review), with
	// a deadline in case none ever is.
	const strikeAfter = 8
	var acks atomic.Int64
	strike := make(chan struct{})
	var once sync.Once
	loadCtx, stopLoad := context.WithCancel(context.Background())
	defer stopLoad()
	go func() {
		res, err := loadgen.Run(loadCtx, loadgen.Config{
			BaseURL: base, Clients: 16, Duration: 60 * time.Second, Seed: 3, ForwardedFor: true,
			Tokens:         &loadgen.HTTPTokens{BaseURL: base, ForwardedFor: true},
			Accounts:       16,
			Weights:        map[string]int{"review": 10, "search": 1, "agency": 0, "agency_reviews": 0, "quote": 0, "vote": 0, "flag": 0, "decision": 0, "browse": 0, "review_search": 0},
			RequestTimeout: 5 * time.Second,
			OnAck: func() {
				if acks.Add(1) == strikeAfter {
					once.Do(func() { close(strike) })
				}
			},
		})
		done <- out{res, err}
	}()
	select {
	case <-strike:
	case <-time.After(45 * time.Second):
		t.Logf("only %d reviews acknowledged after 45 s; striking anyway", acks.Load())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	time.Sleep(500 * time.Millisecond) // in-flight requests fail; then the burst stops
	stopLoad()
	o := <-done
	if o.err != nil && !errors.Is(o.err, loadgen.ErrNothingToLoad) {
		t.Fatalf("burst: %v", o.err)
	}

	// Restart on the same directory: it must come up, then stop cleanly.
	cmd2, base2 := startKawan(t, bin, dataDir)
	t.Logf("restarted after SIGKILL at %s", base2)
	if err := cmd2.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd2.Wait(); err != nil {
		t.Fatalf("clean stop after restart: %v", err)
	}
	if o.res == nil || !slices.Contains(o.res.Enabled, "review") {
		t.Logf("no review route: checked start-up after SIGKILL only (%v)", o.err)
		return
	}
	if len(o.res.Acked) == 0 {
		t.Fatalf("no review was acknowledged before the kill, so the test proves nothing (%v)", o.err)
	}
	// Open the data directory's database directly and look for every acknowledged review.
	emb, err := store.StartEmbedded(filepath.Join(dataDir, "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Stop(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Connect(ctx, emb.URI(), "kawan")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	check, err := loadgen.CheckReviews(ctx, s.DB(), o.res)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SIGKILL after %d acknowledged reviews: %v", len(o.res.Acked), check)
	if len(check.Missing) > 0 || len(check.Duplicates) > 0 {
		t.Errorf("after SIGKILL: %v (missing %v, duplicated %v)", check, check.Missing, check.Duplicates)
	}
}

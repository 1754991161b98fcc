package app_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/app"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/config"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var echoParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestRoutesMatchSpec fails when a route exists without a spec entry or the reverse.
func TestRoutesMatchSpec(t *testing.T) {
	a := apptest.New(t, nil)
	doc, _ := apitest.Spec(t)
	inCode := map[string]bool{}
	for _, r := range a.Server.Routes() {
		if r.Page {
			continue
		}
		inCode[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	inSpec := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inSpec[method+" "+path] = true
		}
	}
	var missing, extra []string
	for k := range inCode {
		if !inSpec[k] {
			missing = append(missing, k)
		}
	}
	for k := range inSpec {
		if !inCode[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes without a spec entry in openapi.yaml:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("spec entries without a route:\n  %s", strings.Join(extra, "\n  "))
	}
}

// TestProtectedRoutesDeclareBearer checks that every non-public route says so in the spec.
func TestProtectedRoutesDeclareBearer(t *testing.T) {
	a := apptest.New(t, nil)
	doc, _ := apitest.Spec(t)
	for _, r := range a.Server.Routes() {
		if r.Page || r.Access.Public {
			continue
		}
		item := doc.Paths.Find(echoParam.ReplaceAllString(r.Path, "{$1}"))
		if item == nil {
			continue // reported by TestRoutesMatchSpec
		}
		op := item.GetOperation(r.Method)
		if op == nil || op.Security == nil || len(*op.Security) == 0 {
			t.Errorf("%s %s needs a role but its spec entry has no `security: [{bearer: []}]`", r.Method, r.Path)
		}
	}
}

// TestRunServesAndStops starts the real listener, checks health, and shuts down cleanly.
func TestRunServesAndStops(t *testing.T) {
	a := apptest.New(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	addrCh := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, func(addr net.Addr) { addrCh <- addr }) }()
	var addr net.Addr
	select {
	case addr = <-addrCh:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	for _, path := range []string{"/healthz", "/readyz", "/openapi.yaml"} {
		res, err := http.Get(fmt.Sprintf("http://%s%s", addr, path))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("shutdown took too long")
	}
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a := apptest.New(t, func(c *config.Config) { c.Addr = ln.Addr().String() })
	err = a.Run(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "KAWAN_ADDR") {
		t.Fatalf("want a listen error naming KAWAN_ADDR, got %v", err)
	}
}

var _ = app.Version

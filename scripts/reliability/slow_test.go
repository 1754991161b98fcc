package reliability_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kawan-labs/kawan/api"
	"github.com/kawan-labs/kawan/scripts/load/loadgen"
)

// listen serves the product on a real loopback listener with the production
// http.Server (Server.HTTPServer), its timeouts scaled down by scale so the test is quick.
func listen(t *testing.T, e *env, scale time.Duration) string {
	t.Helper()
	srv := e.h.(*api.Server).HTTPServer("127.0.0.1:0")
	// The production values must exist and be bounded: they are what stops slowloris.
	if srv.ReadHeaderTimeout <= 0 || srv.ReadHeaderTimeout > 10*time.Second ||
		srv.ReadTimeout <= 0 || srv.ReadTimeout > time.Minute ||
		srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 ||
		srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 64<<10 {
		t.Fatalf("production server limits missing or too loose: header %v, read %v, write %v, idle %v, max header %d bytes",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
	srv.ReadHeaderTimeout /= scale
	srv.ReadTimeout /= scale
	srv.WriteTimeout /= scale
	srv.IdleTimeout /= scale
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// closedWithin reports whether the server closed conn (or answered and closed) within d.
func closedWithin(conn net.Conn, d time.Duration) (bool, string) {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	data, err := io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false, string(data)
	}
	return true, string(data)
}

func TestSlowClientsAndHugeHeaders(t *testing.T) {
	e := newEnv(t, nil)
	const scale = 10 // production timeouts ÷ 10: header 0.5 s, body 3 s with today's values
	addr := listen(t, e, scale)
	srv := e.h.(*api.Server).HTTPServer("")
	headerTO, readTO := srv.ReadHeaderTimeout/scale, srv.ReadTimeout/scale

	t.Run("oversized headers", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: kawan\r\nCookie: %s\r\n\r\n", strings.Repeat("a", srv.MaxHeaderBytes+8192))
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer to an oversized header: %v", err)
		}
		if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("oversized header → %d, want 431", res.StatusCode)
		}
	})

	t.Run("many headers", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var b strings.Builder
		b.WriteString("GET /healthz HTTP/1.1\r\nHost: kawan\r\n")
		for i := range 5000 {
			fmt.Fprintf(&b, "X-H%d: v\r\n", i)
		}
		b.WriteString("\r\n")
		_, _ = io.WriteString(conn, b.String())
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err == nil && res.StatusCode < 400 {
			t.Fatalf("5000 headers → %d, want refusal", res.StatusCode)
		}
	})

	// Slowloris: many connections trickling headers or bodies must each be cut off by
	// the server's timeouts, while a normal client is still served promptly.
	t.Run("slowloris", func(t *testing.T) {
		target := "/healthz"
		method := "GET"
		// Prefer a real write route for the slow body, so the handler's body reading is exercised.
		for _, o := range e.cat.Ops {
			if isWrite(o.Method) && o.Body != nil {
				method, target = o.Method, e.validPath(o)
				break
			}
		}
		const n = 40
		var wg sync.WaitGroup
		errs := make(chan string, 2*n)
		trickle := func(slowBody bool) {
			defer wg.Done()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer conn.Close()
			start := time.Now()
			limit := headerTO
			if slowBody {
				limit = readTO
				fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: kawan\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", method, target)
			} else {
				fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: kawan\r\n")
			}
			// Keep dribbling one byte every 100 ms until the server hangs up.
			stop := time.Now().Add(limit + 5*time.Second)
			for time.Now().Before(stop) {
				if _, err := conn.Write([]byte("a")); err != nil {
					break
				}
				if closed, _ := closedWithin(conn, 100*time.Millisecond); closed {
					break
				}
			}
			took := time.Since(start)
			if took > limit+2*time.Second {
				errs <- fmt.Sprintf("slow %s held for %v (limit %v)", map[bool]string{true: "body", false: "headers"}[slowBody], took.Round(time.Millisecond), limit)
			}
		}
		for i := range 2 * n {
			wg.Add(1)
			go trickle(i%2 == 0)
		}
		// Meanwhile a normal client is served.
		time.Sleep(200 * time.Millisecond)
		c := &http.Client{Timeout: 2 * time.Second}
		t0 := time.Now()
		res, err := c.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Errorf("a normal client was not served during the slowloris attack: %v", err)
		} else {
			res.Body.Close()
			t.Logf("normal request during %d slow connections: %d in %v", 2*n, res.StatusCode, time.Since(t0).Round(time.Microsecond))
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	})
}

var _ = loadgen.DefaultWeights

// Command fxload measures GET /v1/quotes on loopback against a bare Echo handler that
// returns a constant JSON body of the same size, in the same run on the same machine, as
// the remittance issue asks: the quotes route should sustain at least 70% of the bare
// handler's requests per second. Kawan runs in this process on a temporary data directory
// with the bundled demo feeds and every middleware of the product (request IDs, access log,
// metrics, security headers, gzip, body limit, authentication, rate limiting).
//
//	go run ./scripts/fxload                         # 32 clients, 3 rounds of 4 s each per target
//	go run ./scripts/fxload -clients 64 -duration 10s -rounds 3
//
// Rounds alternate bare/quotes so drift in the machine's load hits both alike; the best
// round of each is reported. Clients send no Accept-Encoding (gzip would cost the quotes
// response CPU the constant body never pays); -gzip turns it on for both.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan/scripts/load/loadgen"
)

func main() { os.Exit(run()) }

func run() int {
	clients := flag.Int("clients", 32, "concurrent clients (1-1000)")
	duration := flag.Duration("duration", 4*time.Second, "length of one round (at most 1m)")
	rounds := flag.Int("rounds", 3, "rounds per target (1-10)")
	gzip := flag.Bool("gzip", false, "send Accept-Encoding: gzip")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (server and clients) to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fxload:", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "fxload:", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	if *clients < 1 || *clients > 1000 || *duration <= 0 || *duration > time.Minute || *rounds < 1 || *rounds > 10 {
		fmt.Fprintln(os.Stderr, "fxload: want 1 ≤ -clients ≤ 1000, 0 < -duration ≤ 1m, 1 ≤ -rounds ≤ 10")
		return 2
	}
	dir, err := os.MkdirTemp("", "kawan-fxload-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	srv, err := loadgen.StartServer(ctx, dir, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Stop()

	corridors := srv.App.FX.Corridors()
	var paths []string
	for _, c := range corridors {
		lo := c.MinSend
		for _, mult := range []string{"1", "5", "20"} {
			paths = append(paths, fmt.Sprintf("/v1/quotes?send_currency=%s&receive_currency=%s&amount=%s", c.SendCurrency, c.ReceiveCurrency, scale(lo, mult)))
		}
	}
	// The constant body: a real quotes response, so both targets write the same bytes.
	body, err := fetch(srv.URL + "/v1/quotes?send_currency=SGD&receive_currency=PHP&amount=500")
	if err != nil {
		fmt.Fprintln(os.Stderr, "fxload:", err)
		return 1
	}
	bare, bareURL := bareServer(body)
	defer bare.Close()

	fmt.Printf("fxload: %d clients, %d rounds × %v per target, %d quote URLs over %d corridors, body %d bytes, gzip %v\n",
		*clients, *rounds, *duration, len(paths), len(corridors), len(body), *gzip)
	var bestBare, bestQuotes result
	for r := 0; r < *rounds; r++ {
		b := load(bareURL, []string{"/"}, *clients, *duration, *gzip)
		q := load(srv.URL, paths, *clients, *duration, *gzip)
		fmt.Printf("round %d: bare %8.0f req/s (p50 %v, p99 %v, errors %d)   quotes %8.0f req/s (p50 %v, p99 %v, errors %d)\n",
			r+1, b.rps, b.p50, b.p99, b.errors, q.rps, q.p50, q.p99, q.errors)
		if b.rps > bestBare.rps {
			bestBare = b
		}
		if q.rps > bestQuotes.rps {
			bestQuotes = q
		}
	}
	ratio := bestQuotes.rps / bestBare.rps * 100
	fmt.Printf("best: bare Echo %.0f req/s, GET /v1/quotes %.0f req/s = %.1f%% (goal ≥ 70%%)\n", bestBare.rps, bestQuotes.rps, ratio)
	if bestQuotes.errors > 0 {
		fmt.Println("fxload: some quote requests failed")
		return 1
	}
	return 0
}

// scale multiplies a decimal string by a small whole number, keeping its decimals.
func scale(s, mult string) string {
	var m int
	fmt.Sscan(mult, &m)
	intPart, frac, _ := strings.Cut(s, ".")
	var n int64
	fmt.Sscan(intPart, &n)
	if frac != "" {
		return fmt.Sprintf("%d.%s", n*int64(m), frac)
	}
	return fmt.Sprint(n * int64(m))
}

func fetch(url string) ([]byte, error) {
	res, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d", url, res.StatusCode)
	}
	return io.ReadAll(io.LimitReader(res.Body, 1<<20))
}

// bareServer is an Echo instance with one handler that writes a constant JSON body.
func bareServer(body []byte) (*http.Server, string) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, body) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.Serve(ln) }()
	return s, "http://" + ln.Addr().String()
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int64
}

func load(base string, paths []string, clients int, d time.Duration, gzip bool) result {
	tr := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, DisableCompression: !gzip}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var n, errs atomic.Int64
	lat := make([][]time.Duration, clients)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			xff := fmt.Sprintf("198.18.%d.%d", i/250, 1+i%250)
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest(http.MethodGet, base+paths[r.IntN(len(paths))], nil)
				req.Header.Set("X-Forwarded-For", xff)
				if gzip {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				start := time.Now()
				res, err := cl.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					errs.Add(1)
				}
				lat[i] = append(lat[i], time.Since(start))
				n.Add(1)
			}
		}(i)
	}
	wg.Wait()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	res := result{rps: float64(n.Load()) / d.Seconds(), errors: errs.Load()}
	if len(all) > 0 {
		res.p50, res.p99 = all[len(all)/2], all[len(all)*99/100]
	}
	return res
}

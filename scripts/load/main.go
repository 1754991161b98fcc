// Command load puts a realistic, bounded load on Kawan over loopback: agency search and
// pages, quotes, review submissions (with idempotent retries), helpful votes, flags and
// moderator decisions — each only if its route is in the server's openapi.yaml. It stops
// by itself after -duration or -requests, prints throughput, p50/p95/p99 per operation
// and errors, and checks that every review acknowledged with 201 is stored exactly once.
//
//	go run ./scripts/load                                  # starts Kawan in-process on a temp dir
//	go run ./scripts/load -clients 500 -duration 60s       # the reliability goal
//	go run ./scripts/load -url http://127.0.0.1:8080 -mongodb-uri mongodb://127.0.0.1:27017
//
// It exits 1 if any request got a 5xx or no answer, or a review was lost or duplicated.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kawan-labs/kawan/config"
	"github.com/kawan-labs/kawan/scripts/load/loadgen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		target   = fs.String("url", "", "Kawan to load (loopback only); empty starts Kawan in this process on a temporary data directory")
		clients  = fs.Int("clients", 50, "concurrent clients")
		duration = fs.Duration("duration", 10*time.Second, "stop after this long (at most 10m)")
		requests = fs.Int("requests", 0, "stop after this many requests (0: 2,000,000)")
		accounts = fs.Int("accounts", 0, "worker accounts shared by the clients (0: min(clients, 200))")
		seed     = fs.Uint64("seed", 1, "random seed")
		mix      = fs.String("mix", "", "override weights, e.g. search=30,quote=20,review=0")
		dataDir  = fs.String("data-dir", "", "in-process mode: data directory to use (default: a temporary one, removed after)")
		mongoURI = fs.String("mongodb-uri", "", "with -url: the server's database, to check stored reviews (else the check is skipped)")
		mongoDB  = fs.String("mongodb-database", "kawan", "with -mongodb-uri: database name")
		modToks  = fs.String("moderator-tokens", "", "with -url: comma-separated moderator access tokens for the decision operation")
		xff      = fs.Bool("forwarded-for", true, "give each client its own X-Forwarded-For (the server must trust loopback as a proxy)")
		cpuProf  = fs.String("cpuprofile", "", "write a CPU profile of this process during the run (after the sign-ins; in-process mode: server and clients) to this file")
		blkProf  = fs.String("blockprofile", "", "write a blocking profile (channel, lock and select waits) of this process to this file")
		mtxProf  = fs.String("mutexprofile", "", "write a mutex contention profile of this process to this file")
		dbStats  = fs.Bool("db-stats", false, "in-process mode: print the database time per statement shape (command, collection, filter keys) during the run")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *duration <= 0 || *duration > 10*time.Minute || *clients <= 0 || *clients > 5000 {
		fmt.Fprintln(stderr, "load: want 0 < -duration ≤ 10m and 0 < -clients ≤ 5000")
		return 2
	}
	weights, err := parseMix(*mix)
	if err != nil {
		fmt.Fprintln(stderr, "load:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var db *mongo.Database
	var srv *loadgen.Server
	var stats *loadgen.DBStats
	base := *target
	if base == "" {
		dir := *dataDir
		if dir == "" {
			dir, err = os.MkdirTemp("", "kawan-load-")
			if err != nil {
				fmt.Fprintln(stderr, "load:", err)
				return 1
			}
			defer os.RemoveAll(dir)
		}
		fmt.Fprintf(stdout, "load: starting Kawan in-process on %s (embedded store, demo data)…\n", dir)
		t0 := time.Now()
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
		var mutate func(*config.Config)
		if *dbStats {
			stats = loadgen.NewDBStats()
			mutate = func(c *config.Config) { c.StoreMonitor = stats.Monitor() }
		}
		srv, err = loadgen.StartServer(ctx, dir, log, mutate)
		if err != nil {
			fmt.Fprintln(stderr, "load:", err)
			return 1
		}
		defer srv.Stop()
		fmt.Fprintf(stdout, "load: Kawan is up at %s after %v\n", srv.URL, time.Since(t0).Round(time.Millisecond))
		base = srv.URL
		db = srv.App.Store.DB()
	} else if *mongoURI != "" {
		c, err := mongo.Connect(options.Client().ApplyURI(*mongoURI).SetTimeout(30 * time.Second))
		if err != nil {
			fmt.Fprintln(stderr, "load: -mongodb-uri:", err)
			return 2
		}
		defer c.Disconnect(context.Background())
		db = c.Database(*mongoDB)
	}
	var mods []string
	for _, t := range strings.Split(*modToks, ",") {
		if t = strings.TrimSpace(t); t != "" {
			mods = append(mods, t)
		}
	}
	if srv != nil && len(mods) == 0 {
		// In-process: moderators cannot register through the API, so create a few
		// (fictional) moderator accounts directly, as `kawan users create` would.
		mods, err = loadgen.ModeratorTokens(ctx, srv.App, 4)
		if err != nil {
			fmt.Fprintln(stderr, "load:", err)
			return 1
		}
	}
	stopProfiles := func() error { return nil }
	var profErr error
	cfg := loadgen.Config{
		BaseURL: base, Clients: *clients, Duration: *duration, MaxRequests: *requests, Seed: *seed,
		Weights: weights, Accounts: *accounts, ForwardedFor: *xff, Log: stdout,
		Tokens: loadgen.DefaultTokens(base, db, mods, *xff),
		// Profiles and statement counts cover the run, not the set-up's sign-ins.
		OnStart: func() {
			if stats != nil {
				stats.Reset()
			}
			stopProfiles, profErr = startProfiles(*cpuProf, *blkProf, *mtxProf)
		},
	}
	if *cpuProf != "" {
		// Fail before the set-up, not after it.
		f, err := os.Create(*cpuProf)
		if err != nil {
			fmt.Fprintln(stderr, "load: -cpuprofile:", err)
			return 2
		}
		f.Close()
	}
	res, err := loadgen.Run(ctx, cfg)
	if profErr != nil {
		fmt.Fprintln(stderr, "load:", profErr)
		return 2
	}
	if perr := stopProfiles(); perr != nil {
		fmt.Fprintln(stderr, "load:", perr)
	}
	if errors.Is(err, loadgen.ErrNothingToLoad) {
		fmt.Fprintln(stdout, "SKIP: none of the mix's routes exists on this server yet")
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "load:", err)
		return 1
	}
	res.Summary.Print(stdout)
	if stats != nil {
		stats.Print(stdout, 25)
	}
	ok := res.Summary.Status5xx == 0 && res.Summary.TransportErrs == 0
	if db != nil {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		check, err := loadgen.CheckReviews(cctx, db, res)
		cancel()
		if err != nil {
			fmt.Fprintln(stderr, "load:", err)
			return 1
		}
		fmt.Fprintln(stdout, check)
		ok = ok && check.OK()
	} else {
		fmt.Fprintln(stdout, "reviews: not checked (give -mongodb-uri to check a running server's database)")
	}
	if !ok {
		fmt.Fprintln(stdout, "FAIL: 5xx answers, requests without an answer, or lost/duplicated reviews")
		return 1
	}
	fmt.Fprintln(stdout, "PASS")
	return 0
}

// startProfiles starts the profiles asked for; the function it returns writes them.
func startProfiles(cpu, block, mutex string) (func() error, error) {
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			return nil, fmt.Errorf("-cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("-cpuprofile: %w", err)
		}
	}
	if block != "" {
		runtime.SetBlockProfileRate(int(time.Millisecond))
	}
	if mutex != "" {
		runtime.SetMutexProfileFraction(10)
	}
	return func() error {
		var errs []error
		if cpu != "" {
			pprof.StopCPUProfile()
		}
		for _, p := range []struct{ name, file string }{{"block", block}, {"mutex", mutex}} {
			if p.file == "" {
				continue
			}
			f, err := os.Create(p.file)
			if err == nil {
				err = errors.Join(pprof.Lookup(p.name).WriteTo(f, 0), f.Close())
			}
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}, nil
}

func parseMix(s string) (map[string]int, error) {
	if s == "" {
		return nil, nil
	}
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("-mix: %q: want name=weight", part)
		}
		if _, known := loadgen.DefaultWeights[k]; !known {
			return nil, fmt.Errorf("-mix: unknown operation %q", k)
		}
		out[k] = n
	}
	return out, nil
}

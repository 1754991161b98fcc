package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNothingToLoad means none of the mix's operations exists on the server (yet).
var ErrNothingToLoad = errors.New("loadgen: no operation of the mix is available on this server")

// TokenSource hands out bearer tokens for simulated users: role is a kawan role
// ("worker", "moderator", …), i numbers the user within the role.
type TokenSource interface {
	Token(ctx context.Context, role string, i int) (string, error)
}

// Config is one load run.
type Config struct {
	BaseURL     string        // http://127.0.0.1:PORT, loopback only
	Clients     int           // concurrent simulated clients
	Duration    time.Duration // stop after this long
	MaxRequests int           // and after this many requests (0: 2,000,000)
	Seed        uint64
	// Weights overrides the mix (operation name → relative weight; 0 disables).
	Weights map[string]int
	// Tokens signs simulated users in; nil runs only public operations.
	Tokens TokenSource
	// Accounts is how many distinct worker accounts share the load (0: min(Clients, 200)).
	// More than Clients: each client submits reviews as its share of them in turn, each
	// from the account's own X-Forwarded-For address when ForwardedFor is set.
	Accounts int
	// ForwardedFor sends a distinct X-Forwarded-For per client (198.18.0.0/15, the
	// benchmarking range), as a load balancer would; the server must trust loopback.
	ForwardedFor bool
	// RequestTimeout bounds each request (0: 30 s).
	RequestTimeout time.Duration
	// Log receives progress lines; nil discards.
	Log io.Writer
	// OnAck, when set, is called (from client goroutines) after each review submission
	// acknowledged with 201 is recorded: fault tests use it to strike mid-burst.
	OnAck func()
	// OnStart, when set, is called once after set-up (sign-ins: password hashing is most of
	// its CPU), right before the clients start: profiles and statement counts start there.
	OnStart func()
}

// AckedReview is a review submission the server acknowledged with 201.
type AckedReview struct {
	ID     string
	Nonce  string
	Status string
}

// Result is what a run produced.
type Result struct {
	RunID   string
	Summary Summary
	Acked   []AckedReview
	// AckMismatches counts idempotent retries that were acknowledged with a different id
	// than the first submission (a duplicate the client would never know about).
	AckMismatches int
	// Enabled and Disabled list the mix's operations; Disabled says why (route absent, …).
	Enabled  []string
	Disabled map[string]string
}

// Run executes a load run against cfg.BaseURL and returns its figures. It stops by
// itself after cfg.Duration or cfg.MaxRequests, whichever comes first, or when ctx ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := checkLoopback(cfg.BaseURL); err != nil {
		return nil, err
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 10
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = 2_000_000
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Accounts <= 0 {
		cfg.Accounts = min(cfg.Clients, 200)
	}
	tr := &http.Transport{
		MaxIdleConns:        cfg.Clients + 16,
		MaxIdleConnsPerHost: cfg.Clients + 16,
		IdleConnTimeout:     90 * time.Second,
	}
	defer tr.CloseIdleConnections()
	l := &loader{
		cfg:    cfg,
		hc:     &http.Client{Transport: tr, Timeout: cfg.RequestTimeout},
		stats:  NewStats(),
		runID:  fmt.Sprintf("lr%x", rand.Uint64()&0xffffffffff),
		rng:    rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		agency: newPool(2000), review: newPool(2000),
	}
	spec, err := l.fetch(ctx, "/openapi.yaml")
	if err != nil {
		return nil, fmt.Errorf("loadgen: read the API description: %w", err)
	}
	l.cat, err = LoadCatalog(spec)
	if err != nil {
		return nil, err
	}
	res := &Result{RunID: l.runID, Disabled: map[string]string{}}
	if err := l.setup(ctx, res); err != nil {
		return nil, err
	}
	if len(res.Enabled) == 0 {
		return nil, ErrNothingToLoad
	}
	fmt.Fprintf(cfg.Log, "load: %d clients for %v (at most %d requests); mix: %v\n", cfg.Clients, cfg.Duration, cfg.MaxRequests, res.Enabled)
	for op, why := range res.Disabled {
		fmt.Fprintf(cfg.Log, "load: %s disabled: %s\n", op, why)
	}
	rctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	l.stop = cancel
	if cfg.OnStart != nil {
		cfg.OnStart()
	}
	var wg sync.WaitGroup
	start := time.Now()
	for i := range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.client(rctx, i)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	res.Summary = l.stats.Summarize(elapsed)
	l.mu.Lock()
	res.Acked = append(res.Acked, l.acked...)
	res.AckMismatches = l.ackMismatches
	l.mu.Unlock()
	return res, nil
}

func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("loadgen: target %q: want http://127.0.0.1:PORT", base)
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return nil
	}
	return fmt.Errorf("loadgen: target %q is not loopback; this tool only loads this machine", base)
}

type loader struct {
	cfg   Config
	stop  context.CancelFunc // ends the run when the request budget is spent
	hc    *http.Client
	cat   *Catalog
	stats *Stats
	runID string
	rng   *rand.Rand // setup only

	ops     []mixOp
	total   int
	sent    atomic.Int64
	agency  *pool
	review  *pool
	workers []string // worker tokens
	mods    []string // moderator tokens

	mu            sync.Mutex
	acked         []AckedReview
	ackMismatches int
	seq           atomic.Int64
}

type mixOp struct {
	name   string
	weight int
	do     func(ctx context.Context, c *clientState) // records its own requests
}

type clientState struct {
	i    int
	r    *rand.Rand
	xff  string
	subs int // review submissions so far (which worker submits the next)
}

func (l *loader) client(ctx context.Context, i int) {
	c := &clientState{i: i, r: rand.New(rand.NewPCG(l.cfg.Seed+uint64(i)+1, uint64(i)*7919))}
	if l.cfg.ForwardedFor {
		c.xff = fmt.Sprintf("198.18.%d.%d", (i/250)%256, i%250+1)
	}
	for ctx.Err() == nil {
		n := c.r.IntN(l.total)
		for _, op := range l.ops {
			if n < op.weight {
				op.do(ctx, c)
				break
			}
			n -= op.weight
		}
	}
}

// take reserves one request from the budget; the last one ends the run.
func (l *loader) take() bool {
	n := l.sent.Add(1)
	if n >= int64(l.cfg.MaxRequests) && l.stop != nil {
		l.stop()
	}
	return n <= int64(l.cfg.MaxRequests)
}

// call sends one request and records it as op. The response body (at most 4 MiB) is
// returned for 2xx answers.
func (l *loader) call(ctx context.Context, c *clientState, op, method, path string, body any, token string, hdr map[string]string) (int, []byte) {
	if !l.take() {
		return 0, nil
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.cfg.BaseURL+path, rd)
	if err != nil {
		l.stats.Record(op, 0, 0, err)
		return 0, nil
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if c != nil && c.xff != "" {
		req.Header.Set("X-Forwarded-For", c.xff)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	start := time.Now()
	res, err := l.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return 0, nil // the run ended mid-request: not the server's fault, not counted
		}
		l.stats.Record(op, 0, time.Since(start), err)
		return 0, nil
	}
	data, rerr := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	res.Body.Close()
	took := time.Since(start)
	if rerr != nil && ctx.Err() != nil {
		return 0, nil
	}
	l.stats.Record(op, res.StatusCode, took, rerr)
	if (res.StatusCode == http.StatusServiceUnavailable || res.StatusCode == http.StatusTooManyRequests) && res.Header.Get("Retry-After") == "" {
		l.stats.Record(op, 0, took, fmt.Errorf("%d without Retry-After", res.StatusCode))
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, nil
	}
	return res.StatusCode, data
}

// fetch GETs a path during setup (not recorded).
func (l *loader) fetch(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.cfg.BaseURL+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := l.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", path, res.StatusCode)
	}
	return data, nil
}

// pool is a bounded set of ids (agencies, reviews) shared by all clients.
type pool struct {
	mu  sync.Mutex
	ids []string
	set map[string]bool
	max int
}

func newPool(n int) *pool { return &pool{set: map[string]bool{}, max: n} }

func (p *pool) add(ids ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		if id == "" || p.set[id] {
			continue
		}
		if len(p.ids) >= p.max {
			i := rand.IntN(len(p.ids))
			delete(p.set, p.ids[i])
			p.ids[i] = id
		} else {
			p.ids = append(p.ids, id)
		}
		p.set[id] = true
	}
}

func (p *pool) pick(r *rand.Rand) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ids) == 0 {
		return "", false
	}
	return p.ids[r.IntN(len(p.ids))], true
}

func (p *pool) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ids)
}

// idsIn walks a JSON document and returns the "id" of every object inside the first
// array found under one of keys (or any array when keys is empty).
func idsIn(data []byte, keys ...string) []string {
	var doc any
	if json.Unmarshal(data, &doc) != nil {
		return nil
	}
	var out []string
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 6 {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			for k, sub := range t {
				if arr, ok := sub.([]any); ok && (len(keys) == 0 || contains(keys, k)) {
					for _, e := range arr {
						if m, ok := e.(map[string]any); ok {
							out = append(out, idOf(m))
						}
					}
					continue
				}
				walk(sub, depth+1)
			}
		case []any:
			for _, e := range t {
				if m, ok := e.(map[string]any); ok {
					out = append(out, idOf(m))
				}
			}
		}
	}
	walk(doc, 0)
	return out
}

func idOf(m map[string]any) string {
	for _, k := range []string{"id", "review_id", "_id"} {
		if s, ok := m[k].(string); ok {
			return s
		}
	}
	for _, k := range []string{"review", "agency"} {
		if sub, ok := m[k].(map[string]any); ok {
			if s, ok := sub["id"].(string); ok {
				return s
			}
		}
	}
	return ""
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }

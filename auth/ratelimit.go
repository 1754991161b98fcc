package auth

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rule is the rate limit of one kind of request. The per-client token bucket is local to
// each process (golang.org/x/time/rate), the cheap first line; the per-account window is
// counted in MongoDB, so every process shares it.
type Rule struct {
	// Every and Burst: one request per Every on average, Burst at once, per client network.
	Every time.Duration
	Burst int
	// AccountMax requests per AccountWindow per account (0: no account limit).
	AccountMax    int64
	AccountWindow time.Duration
}

// Kinds of rate-limited requests.
const (
	LimitRegister = "register"
	LimitLogin    = "login"
	LimitRefresh  = "refresh"
	LimitReview   = "review"
	LimitVote     = "vote"
	LimitFlag     = "flag"
	LimitAccount  = "account" // claims, export, erasure, password changes
)

// DefaultRules are the production limits.
var DefaultRules = map[string]Rule{
	LimitRegister: {Every: 2 * time.Minute, Burst: 10},
	LimitLogin:    {Every: 3 * time.Second, Burst: 20},
	LimitRefresh:  {Every: time.Second, Burst: 30, AccountMax: 240, AccountWindow: time.Hour},
	LimitReview:   {Every: 30 * time.Second, Burst: 10, AccountMax: 20, AccountWindow: 24 * time.Hour},
	LimitVote:     {Every: time.Second, Burst: 60, AccountMax: 300, AccountWindow: 24 * time.Hour},
	LimitFlag:     {Every: 5 * time.Second, Burst: 20, AccountMax: 50, AccountWindow: 24 * time.Hour},
	LimitAccount:  {Every: 5 * time.Second, Burst: 20, AccountMax: 60, AccountWindow: time.Hour},
	// per client network, and per contact detail asked about (AccountMax counts the
	// contact's HMAC, whether or not an account has it)
	LimitRecover: {Every: 20 * time.Second, Burst: 5, AccountMax: 3, AccountWindow: time.Hour},
}

// maxBuckets bounds the local bucket table; past it the table is cleared (limits are a
// best-effort first line; the account limits in MongoDB still hold).
const maxBuckets = 200_000

type localLimiter struct {
	mu      sync.Mutex
	rules   map[string]Rule
	buckets map[string]*rate.Limiter
}

func newLocalLimiter(rules map[string]Rule) *localLimiter {
	l := &localLimiter{rules: map[string]Rule{}, buckets: map[string]*rate.Limiter{}}
	for k, r := range DefaultRules {
		l.rules[k] = r
	}
	for k, r := range rules {
		l.rules[k] = r
	}
	return l
}

func (l *localLimiter) rule(kind string) (Rule, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.rules[kind]
	return r, ok
}

func (l *localLimiter) setRule(kind string, r Rule) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rules[kind] = r
	for k := range l.buckets {
		if len(k) > len(kind) && k[:len(kind)+1] == kind+"|" {
			delete(l.buckets, k)
		}
	}
}

// allow takes a token for (kind, client) and returns how long to wait when there is none.
func (l *localLimiter) allow(kind, client string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.rules[kind]
	if !ok || r.Every <= 0 || r.Burst <= 0 {
		return 0
	}
	key := kind + "|" + client
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			clear(l.buckets)
		}
		b = rate.NewLimiter(rate.Every(r.Every), r.Burst)
		l.buckets[key] = b
	}
	res := b.ReserveN(now, 1)
	if !res.OK() {
		return r.Every
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

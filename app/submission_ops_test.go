package app_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/kawan-labs/kawan"
	"github.com/kawan-labs/kawan/api/apitest"
	"github.com/kawan-labs/kawan/app/apptest"
	"github.com/kawan-labs/kawan/auth"
	"github.com/kawan-labs/kawan/config"
)

// opCounter counts the database commands the driver sends while it is on, by command and
// collection ("insert reviews"), through the driver's command monitor.
type opCounter struct {
	on atomic.Bool
	mu sync.Mutex
	by map[string]int
	n  int
}

func (c *opCounter) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		if !c.on.Load() {
			return
		}
		switch e.CommandName {
		case "hello", "isMaster", "ismaster", "ping", "endSessions":
			return // connection housekeeping, not the request's work
		}
		coll, _ := e.Command.Index(0).Value().StringValueOK()
		c.mu.Lock()
		c.by[e.CommandName+" "+coll]++
		c.n++
		c.mu.Unlock()
	}}
}

func (c *opCounter) breakdown() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.by))
	for k := range c.by {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return c.by[keys[i]] > c.by[keys[j]] || c.by[keys[i]] == c.by[keys[j]] && keys[i] < keys[j]
	})
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %5d  %s\n", c.by[k], k)
	}
	return b.String()
}

// maxOpsPerSubmission is the bound TestOpsPerSubmission holds the submission path to
// (issue 17: at most 10, from 23.6).
const maxOpsPerSubmission = 10.0

// TestOpsPerSubmission counts the database operations of a review submission as a worker
// makes it (POST /v1/agencies/{id}/reviews with an Idempotency-Key, as the load tool sends
// it, through the real wiring and the real sign-in), over 20 distinct reviews by 20
// accounts of one agency, and reports the mean and where the operations go.
func TestOpsPerSubmission(t *testing.T) {
	ctr := &opCounter{by: map[string]int{}}
	// Thresholds no review reaches: every review is published, the path with the most
	// writes (it is counted in its agency's aggregates and indexed).
	a := apptest.New(t, func(c *config.Config) {
		c.StoreMonitor = ctr.monitor()
		c.ModerationHoldAt, c.ModerationWatchAt = 1.01, 1.01
	})
	c := apitest.New(t, a.Server)
	ctx := context.Background()
	addAgency(t, a, "agency-ops")
	a.Auth.SetRule(auth.LimitReview, auth.Rule{}) // twenty submissions from one test client
	const n = 20
	toks := make([]string, n)
	for i := range toks {
		u, err := a.Auth.CreateUser(ctx, auth.Registration{Username: fmt.Sprintf("ops_worker_%d", i), Password: "a long test passphrase for ops"}, kawan.RoleWorker, "", false)
		if err != nil {
			t.Fatal(err)
		}
		pair, err := a.Auth.StartSession(ctx, u, auth.Client{Addr: "192.0.2.9", UserAgent: "test"})
		if err != nil {
			t.Fatal(err)
		}
		toks[i] = pair.AccessToken
	}
	words := strings.Fields("salary contract passport dormitory employer overtime deduction airfare medical training " +
		"interview placement visa broker loan receipt agent promise housing transport")
	for i, tok := range toks {
		text := fmt.Sprintf("Review %d (fictional): the %s and the %s were not as the agency said; the %s took %d weeks and the %s cost more.",
			i, words[i%len(words)], words[(i*7+3)%len(words)], words[(i*3+5)%len(words)], i+2, words[(i*11+1)%len(words)])
		body := map[string]any{
			"ratings":         map[string]int{"overall": 1 + i%5, "fees_honesty": 2, "contract_match": 3, "treatment": 3, "support": 2},
			"would_recommend": i%2 == 0, "text": text, "lang": "en",
		}
		ctr.on.Store(true)
		res := c.As(tok).Do(http.MethodPost, "/v1/agencies/agency-ops/reviews", body, "Idempotency-Key", fmt.Sprintf("ops-%d", i))
		ctr.on.Store(false)
		if res.Status != http.StatusCreated || res.Map(t)["status"] != "published" {
			t.Fatalf("submit %d: %d %s", i, res.Status, res.Body)
		}
		if i%4 == 3 {
			// Moderation writes screening outboxes (audit entries, counters) in batches, every
			// quarter second in the running product: here one batch per four submissions.
			ctr.on.Store(true)
			if err := a.Screener.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			ctr.on.Store(false)
		}
	}
	per := float64(ctr.n) / n
	t.Logf("database operations per review submission: %.1f (%d over %d submissions)\n%s", per, ctr.n, n, ctr.breakdown())
	if per > maxOpsPerSubmission {
		t.Errorf("a review submission takes %.1f database operations; want at most %.0f:\n%s", per, maxOpsPerSubmission, ctr.breakdown())
	}
}

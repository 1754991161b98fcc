package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// DefaultWeights is the realistic mix: mostly reads (agency search and pages, quotes),
// some review submissions, helpful votes and flags, and moderators working the queue.
var DefaultWeights = map[string]int{
	"search":         28,
	"agency":         20,
	"agency_reviews": 10,
	"review_search":  3,
	"quote":          20,
	"review":         8,
	"vote":           5,
	"flag":           2,
	"decision":       4,
	"browse":         5,
	// healthz is off by default: a calibration baseline (-mix healthz=1) of the bare HTTP stack.
	"healthz": 0,
}

var (
	reAgency        = regexp.MustCompile(`^/v1/agencies/\{[^}/]+\}$`)
	reAgencyReviews = regexp.MustCompile(`^/v1/agencies/\{[^}/]+\}/reviews$`)
	reVote          = regexp.MustCompile(`^/v1/reviews/\{[^}/]+\}/(votes?|helpful)$`)
	reFlag          = regexp.MustCompile(`^/v1/reviews/\{[^}/]+\}/flags?$`)
	reQueue         = regexp.MustCompile(`^/v1/moderation/queue$`)
	reDecision      = regexp.MustCompile(`^/v1/moderation/reviews/\{[^}/]+\}/decisions?$`)
	reWord          = regexp.MustCompile(`[A-Za-z]{4,}`)
)

var fallbackWords = []string{"manpower", "nepal", "agency", "overseas", "global", "recruitment", "manila", "jakarta", "services", "international"}

func (l *loader) weight(name string) int {
	if w, ok := l.cfg.Weights[name]; ok {
		return w
	}
	return DefaultWeights[name]
}

// setup discovers which operations of the mix the server has, fills the id pools and
// signs the simulated users in. Nothing here is timed.
func (l *loader) setup(ctx context.Context, res *Result) error {
	add := func(name string, op *Operation, why string, do func(ctx context.Context, c *clientState)) {
		if l.weight(name) <= 0 {
			return
		}
		if op == nil {
			res.Disabled[name] = "route not in openapi.yaml yet"
			return
		}
		if why != "" {
			res.Disabled[name] = why
			return
		}
		l.ops = append(l.ops, mixOp{name: name, weight: l.weight(name), do: do})
		l.total += l.weight(name)
		res.Enabled = append(res.Enabled, name)
	}

	healthz := l.cat.Get(http.MethodGet, "/healthz")
	add("healthz", healthz, "", func(ctx context.Context, c *clientState) {
		l.call(ctx, c, "healthz", http.MethodGet, "/healthz", nil, "", nil)
	})
	search := l.cat.Get(http.MethodGet, "/v1/agencies")
	words := l.discoverAgencies(ctx, search)
	add("search", search, "", func(ctx context.Context, c *clientState) {
		q := url.Values{}
		l.setQuery(search, q, "q", words[c.r.IntN(len(words))])
		l.setQuery(search, q, "per_page", "20")
		if c.r.IntN(4) == 0 {
			l.setQuery(search, q, "origin", []string{"NP", "PH", "ID", "BD"}[c.r.IntN(4)])
		}
		_, body := l.call(ctx, c, "search", http.MethodGet, search.Path+"?"+q.Encode(), nil, "", nil)
		if body != nil && l.agency.size() < 500 {
			l.agency.add(idsIn(body, "hits", "items", "agencies")...)
		}
	})
	noAgencies := ""
	if l.agency.size() == 0 {
		noAgencies = "no agencies found through search to address"
	}
	agency := l.cat.Find(http.MethodGet, reAgency)
	add("agency", agency, noAgencies, func(ctx context.Context, c *clientState) {
		id, _ := l.agency.pick(c.r)
		l.call(ctx, c, "agency", http.MethodGet, agency.Expand(url.PathEscape(id)), nil, "", nil)
	})
	agencyReviews := l.cat.Find(http.MethodGet, reAgencyReviews)
	if agencyReviews != nil && noAgencies == "" {
		for range 20 {
			id, _ := l.agency.pick(l.rng)
			if b, err := l.fetch(ctx, agencyReviews.Expand(url.PathEscape(id))); err == nil {
				l.review.add(idsIn(b, "hits", "items", "reviews")...)
			}
		}
	}
	add("agency_reviews", agencyReviews, noAgencies, func(ctx context.Context, c *clientState) {
		id, _ := l.agency.pick(c.r)
		_, body := l.call(ctx, c, "agency_reviews", http.MethodGet, agencyReviews.Expand(url.PathEscape(id)), nil, "", nil)
		if body != nil && l.review.size() < 500 {
			l.review.add(idsIn(body, "hits", "items", "reviews")...)
		}
	})
	reviewSearch := l.cat.Get(http.MethodGet, "/v1/reviews")
	add("review_search", reviewSearch, "", func(ctx context.Context, c *clientState) {
		q := url.Values{}
		l.setQuery(reviewSearch, q, "q", []string{"passport", "fees", "salary", "contract", "agency"}[c.r.IntN(5)])
		l.call(ctx, c, "review_search", http.MethodGet, reviewSearch.Path+"?"+q.Encode(), nil, "", nil)
	})

	quote := l.cat.Get(http.MethodGet, "/v1/quotes")
	corridors := l.discoverCorridors(ctx)
	add("quote", quote, "", func(ctx context.Context, c *clientState) {
		cor := corridors[c.r.IntN(len(corridors))]
		q := url.Values{}
		l.setQuery(quote, q, "send_currency", cor[0])
		l.setQuery(quote, q, "receive_currency", cor[1])
		l.setQuery(quote, q, "amount", fmt.Sprint(100+c.r.IntN(9)*100))
		l.setQuery(quote, q, "mode", "send")
		l.call(ctx, c, "quote", http.MethodGet, quote.Path+"?"+q.Encode(), nil, "", nil)
	})

	review := l.cat.Find(http.MethodPost, reAgencyReviews)
	vote := l.cat.Find(http.MethodPost, reVote)
	flag := l.cat.Find(http.MethodPost, reFlag)
	queue := l.cat.Find(http.MethodGet, reQueue)
	decision := l.cat.Find(http.MethodPost, reDecision)
	noWorkers := l.signIn(ctx, "worker", l.cfg.Accounts, &l.workers, review != nil || vote != nil || flag != nil)
	if noWorkers == "" {
		noWorkers = noAgencies
	}
	add("review", review, noWorkers, func(ctx context.Context, c *clientState) { l.submitReview(ctx, c, review) })
	add("vote", vote, noWorkers, func(ctx context.Context, c *clientState) {
		l.reviewAction(ctx, c, "vote", vote)
	})
	add("flag", flag, noWorkers, func(ctx context.Context, c *clientState) {
		l.reviewAction(ctx, c, "flag", flag)
	})
	noMods := l.signIn(ctx, "moderator", 3, &l.mods, decision != nil && queue != nil)
	if decision != nil && queue == nil {
		noMods = "no moderation queue route to find work"
	}
	add("decision", decision, noMods, func(ctx context.Context, c *clientState) { l.decide(ctx, c, queue, decision) })
	// Every other public GET without path parameters (corridors, providers, feed status,
	// statistics, …) is browsed too, so routes added later are loaded without a change here.
	var browse []*Operation
	taken := map[*Operation]bool{search: true, quote: true, reviewSearch: true}
	for _, o := range l.cat.Ops {
		if o.Method != http.MethodGet || !o.Public || len(o.PathParams) > 0 || taken[o] || !strings.HasPrefix(o.Path, "/v1/") {
			continue
		}
		browse = append(browse, o)
	}
	var browseOp *Operation
	if len(browse) > 0 {
		browseOp = browse[0]
	}
	add("browse", browseOp, "", func(ctx context.Context, c *clientState) {
		o := browse[c.r.IntN(len(browse))]
		q := url.Values{}
		sm := &Sampler{R: c.r}
		for _, p := range o.Query {
			if p.Required && p.Schema != nil {
				q.Set(p.Name, fmt.Sprint(sm.Sample(p.Schema.Value, p.Name)))
			}
		}
		path := o.Path
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
		l.call(ctx, c, "GET "+o.Path, http.MethodGet, path, nil, "", nil)
	})
	sort.Strings(res.Enabled)
	return nil
}

// setQuery sets a query parameter only if the operation declares it.
func (l *loader) setQuery(op *Operation, q url.Values, name, value string) {
	for _, p := range op.Query {
		if p.Name == name {
			q.Set(name, value)
			return
		}
	}
}

// discoverAgencies fills the agency pool from a few searches and returns words from
// agency names to search for.
func (l *loader) discoverAgencies(ctx context.Context, search *Operation) []string {
	words := append([]string(nil), fallbackWords...)
	if search == nil {
		return words
	}
	seen := map[string]bool{}
	for _, w := range append([]string{""}, fallbackWords...) {
		q := url.Values{}
		l.setQuery(search, q, "q", w)
		l.setQuery(search, q, "per_page", "100")
		b, err := l.fetch(ctx, search.Path+"?"+q.Encode())
		if err != nil {
			continue
		}
		l.agency.add(idsIn(b, "hits", "items", "agencies")...)
		var doc map[string]any
		_ = json.Unmarshal(b, &doc)
		for _, h := range anyList(doc, "hits", "items", "agencies") {
			for _, k := range []string{"name", "legal_name"} {
				if s, ok := h[k].(string); ok {
					for _, word := range reWord.FindAllString(s, -1) {
						word = strings.ToLower(word)
						if !seen[word] && len(seen) < 200 {
							seen[word] = true
							words = append(words, word)
						}
					}
				}
			}
		}
		if l.agency.size() >= 300 {
			break
		}
	}
	return words
}

func anyList(doc map[string]any, keys ...string) []map[string]any {
	for _, k := range keys {
		if arr, ok := doc[k].([]any); ok {
			var out []map[string]any
			for _, e := range arr {
				if m, ok := e.(map[string]any); ok {
					out = append(out, m)
				}
			}
			return out
		}
	}
	return nil
}

// discoverCorridors reads the corridors the server serves (GET /v1/corridors), falling
// back to common ones.
func (l *loader) discoverCorridors(ctx context.Context) [][2]string {
	var out [][2]string
	if l.cat.Get(http.MethodGet, "/v1/corridors") != nil {
		if b, err := l.fetch(ctx, "/v1/corridors"); err == nil {
			var doc any
			_ = json.Unmarshal(b, &doc)
			var walk func(v any, depth int)
			walk = func(v any, depth int) {
				if depth > 5 || len(out) > 200 {
					return
				}
				switch t := v.(type) {
				case map[string]any:
					var send, recv string
					for k, sub := range t {
						s, _ := sub.(string)
						if len(s) != 3 {
							continue
						}
						if strings.HasPrefix(k, "send") || k == "from" || k == "source" {
							send = s
						} else if strings.HasPrefix(k, "receiv") || k == "to" || k == "target" {
							recv = s
						}
					}
					if send != "" && recv != "" {
						out = append(out, [2]string{send, recv})
						return
					}
					for _, sub := range t {
						walk(sub, depth+1)
					}
				case []any:
					for _, sub := range t {
						walk(sub, depth+1)
					}
				}
			}
			walk(doc, 0)
		}
	}
	if len(out) == 0 {
		out = [][2]string{{"SGD", "PHP"}, {"MYR", "NPR"}, {"QAR", "IDR"}, {"SGD", "IDR"}, {"HKD", "PHP"}}
	}
	return out
}

// signIn gets n tokens for role; it returns why the operations that need them are disabled.
func (l *loader) signIn(ctx context.Context, role string, n int, dst *[]string, needed bool) string {
	if !needed {
		return ""
	}
	if l.cfg.Tokens == nil {
		return "no way to sign " + role + "s in (give the tool a token source)"
	}
	toks := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4) // password hashing is expensive: few at a time
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			toks[i], errs[i] = l.cfg.Tokens.Token(ctx, role, i)
		}()
	}
	wg.Wait()
	for i, t := range toks {
		if errs[i] == nil && t != "" {
			*dst = append(*dst, t)
		}
	}
	if len(*dst) == 0 {
		return fmt.Sprintf("could not sign in any %s: %v", role, errs[0])
	}
	return ""
}

func (l *loader) submitReview(ctx context.Context, c *clientState, op *Operation) {
	agency, _ := l.agency.pick(c.r)
	nonce := fmt.Sprintf("%sn%d", l.runID, l.seq.Add(1))
	sm := &Sampler{R: c.r, Overrides: map[string]any{
		"text": fmt.Sprintf("Load test review %s (fictional). The agency explained the fees in writing, the job matched the contract and my passport stayed with me.", nonce),
		"lang": "en",
	}}
	body := sm.Sample(op.Body, "")
	// Each client submits as the workers i, i+clients, i+2·clients, … in turn: with more
	// accounts than clients (-accounts) the reviews come from a population of workers, each
	// from its own address, as real traffic does, rather than from a few accounts that the
	// per-account and per-address review limits (10, then 1 per 30 s) throttle.
	a := (c.i + c.subs*l.cfg.Clients) % len(l.workers)
	c.subs++
	token := l.workers[a]
	hdr := map[string]string{"Idempotency-Key": nonce}
	if c.xff != "" && len(l.workers) > l.cfg.Clients {
		hdr["X-Forwarded-For"] = fmt.Sprintf("198.19.%d.%d", (a/250)%256, a%250+1)
	}
	path := op.Expand(url.PathEscape(agency))
	st, data := l.call(ctx, c, "review", http.MethodPost, path, body, token, hdr)
	if st != http.StatusCreated {
		return
	}
	var ack struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	_ = json.Unmarshal(data, &ack)
	l.mu.Lock()
	l.acked = append(l.acked, AckedReview{ID: ack.ID, Nonce: nonce, Status: ack.Status})
	l.mu.Unlock()
	if l.cfg.OnAck != nil {
		l.cfg.OnAck()
	}
	if ack.Status == "published" {
		l.review.add(ack.ID)
	}
	// One submission in ten is retried with the same idempotency key, as a phone on a bad
	// connection would: the answer must name the same review.
	if c.r.IntN(10) == 0 {
		st2, data2 := l.call(ctx, c, "review_retry", http.MethodPost, path, body, token, hdr)
		if st2/100 == 2 {
			var ack2 struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(data2, &ack2)
			if ack2.ID != ack.ID {
				l.mu.Lock()
				l.ackMismatches++
				if ack2.ID != "" {
					l.acked = append(l.acked, AckedReview{ID: ack2.ID, Nonce: nonce, Status: "retry"})
				}
				l.mu.Unlock()
			}
		}
	}
}

func (l *loader) reviewAction(ctx context.Context, c *clientState, name string, op *Operation) {
	id, ok := l.review.pick(c.r)
	if !ok {
		id = "nonexistent-review"
	}
	var body any
	if op.Body != nil {
		body = (&Sampler{R: c.r}).Sample(op.Body, "")
	}
	token := l.workers[c.r.IntN(len(l.workers))]
	l.call(ctx, c, name, http.MethodPost, op.Expand(url.PathEscape(id)), body, token, nil)
}

func (l *loader) decide(ctx context.Context, c *clientState, queue, decision *Operation) {
	token := l.mods[c.i%len(l.mods)]
	_, data := l.call(ctx, c, "mod_queue", http.MethodGet, queue.Path, nil, token, nil)
	ids := idsIn(data, "items", "queue", "reviews", "hits")
	var valid []string
	for _, id := range ids {
		if id != "" {
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return
	}
	id := valid[c.r.IntN(len(valid))]
	body := (&Sampler{R: c.r, Overrides: map[string]any{"note": "load test decision (fictional)"}}).Sample(decision.Body, "")
	l.call(ctx, c, "decision", http.MethodPost, decision.Expand(url.PathEscape(id)), body, token, nil)
}

var _ = rand.IntN

package loadgen_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kawan-labs/kawan/scripts/load/loadgen"
	"github.com/kawan-labs/kawan/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const fakeSpec = `openapi: 3.1.0
info: {title: fake, version: "1"}
paths:
  /v1/agencies:
    get:
      parameters:
        - {name: q, in: query, schema: {type: string}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses: {"200": {description: ok}}
  /v1/agencies/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
  /v1/agencies/{id}/reviews:
    post:
      security: [{bearer: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [ratings, text]
              properties:
                ratings:
                  type: object
                  required: [overall]
                  properties: {overall: {type: integer, minimum: 1, maximum: 5}}
                text: {type: string, minLength: 20, maxLength: 5000}
                fees_paid:
                  type: object
                  properties:
                    amount: {type: string, pattern: '^[0-9]+(\.[0-9]{1,2})?$'}
                    currency: {type: string, pattern: '^[A-Z]{3}$'}
      responses: {"201": {description: created}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
`

// fake is a tiny Kawan-shaped server that stores reviews in a real database and can be
// told to lose or duplicate some, so the exactly-once check is itself tested.
type fake struct {
	c        *mongo.Collection
	loseOne  bool
	dupOne   bool
	lost     atomic.Bool
	duped    atomic.Bool
	mu       sync.Mutex
	idem     map[string]string
	requests atomic.Int64
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	switch {
	case r.URL.Path == "/openapi.yaml":
		_, _ = w.Write([]byte(fakeSpec))
	case r.URL.Path == "/v1/agencies":
		_ = json.NewEncoder(w).Encode(map[string]any{"hits": []map[string]any{{"id": "a1", "name": "Fictional Manpower Nepal"}, {"id": "a2", "name": "Sample Overseas"}}})
	case strings.HasSuffix(r.URL.Path, "/reviews") && r.Method == http.MethodPost:
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			w.WriteHeader(401)
			return
		}
		var in struct {
			Ratings struct {
				Overall int `json:"overall"`
			} `json:"ratings"`
			Text string `json:"text"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Ratings.Overall < 1 || in.Ratings.Overall > 5 || len(in.Text) < 20 {
			w.WriteHeader(400)
			return
		}
		key := r.Header.Get("Idempotency-Key")
		f.mu.Lock()
		id, seen := f.idem[key]
		if !seen {
			id = "r" + key
			f.idem[key] = id
		}
		f.mu.Unlock()
		if !seen {
			if !(f.loseOne && f.lost.CompareAndSwap(false, true)) {
				if _, err := f.c.InsertOne(r.Context(), bson.D{{Key: "_id", Value: id}, {Key: "text", Value: in.Text}}); err != nil {
					w.WriteHeader(503)
					return
				}
			}
			if f.dupOne && f.duped.CompareAndSwap(false, true) {
				_, _ = f.c.InsertOne(r.Context(), bson.D{{Key: "_id", Value: id + "-dup"}, {Key: "text", Value: in.Text}})
			}
		}
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "status": "published"})
	case strings.HasPrefix(r.URL.Path, "/v1/agencies/"):
		_, _ = w.Write([]byte(`{"id":"a1"}`))
	default:
		w.WriteHeader(404)
	}
}

type staticTokens struct{}

func (staticTokens) Token(context.Context, string, int) (string, error) { return "t", nil }

func runFake(t *testing.T, f *fake, cfg loadgen.Config) (*loadgen.Result, loadgen.ReviewCheck) {
	t.Helper()
	s := storetest.New(t)
	f.c = s.DB().Collection("reviews")
	f.idem = map[string]string{}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL
	cfg.Tokens = staticTokens{}
	res, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	check, err := loadgen.CheckReviews(context.Background(), s.DB(), res)
	if err != nil {
		t.Fatal(err)
	}
	return res, check
}

func TestRunMeasuresAndChecksReviews(t *testing.T) {
	f := &fake{}
	start := time.Now()
	res, check := runFake(t, f, loadgen.Config{Clients: 8, Duration: 1500 * time.Millisecond, Seed: 1,
		Weights: map[string]int{"review": 20}})
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("run did not stop by itself in time: %v", took)
	}
	s := res.Summary
	if s.Requests == 0 || s.Status5xx != 0 || s.Status4xx != 0 || s.TransportErrs != 0 {
		var b strings.Builder
		s.Print(&b)
		t.Fatalf("unexpected figures:\n%s", b.String())
	}
	for _, want := range []string{"search", "agency", "review"} {
		found := false
		for _, o := range s.Ops {
			if o.Name == want && o.Count > 0 && o.P50 > 0 && o.P99 >= o.P95 && o.P95 >= o.P50 {
				found = true
			}
		}
		if !found {
			t.Errorf("operation %s missing or without latencies: %+v", want, s.Ops)
		}
	}
	for _, off := range []string{"quote", "vote", "flag", "decision"} {
		if _, ok := res.Disabled[off]; !ok {
			t.Errorf("%s should be disabled on a server without its route", off)
		}
	}
	if !check.OK() || check.Acked == 0 || check.Found != check.Acked {
		t.Fatalf("honest server: %v", check)
	}
}

func TestRunIsBoundedInRequests(t *testing.T) {
	f := &fake{}
	res, _ := runFake(t, f, loadgen.Config{Clients: 4, Duration: 20 * time.Second, MaxRequests: 150, Seed: 2})
	if res.Summary.Requests > 150 || res.Summary.Elapsed > 15*time.Second {
		t.Fatalf("want at most 150 requests and an early stop, got %d in %v", res.Summary.Requests, res.Summary.Elapsed)
	}
}

func TestCheckCatchesLostAndDuplicatedReviews(t *testing.T) {
	cfg := loadgen.Config{Clients: 4, Duration: 700 * time.Millisecond, Seed: 3, Weights: map[string]int{"review": 50}}
	_, lost := runFake(t, &fake{loseOne: true}, cfg)
	if len(lost.Missing) != 1 || lost.OK() {
		t.Errorf("a server that lost one acknowledged review: %v", lost)
	}
	_, dup := runFake(t, &fake{dupOne: true}, cfg)
	if len(dup.Duplicates) != 1 || dup.OK() {
		t.Errorf("a server that stored one review twice: %v", dup)
	}
}

func TestSamplerSatisfiesSchemas(t *testing.T) {
	cat, err := loadgen.LoadCatalog([]byte(fakeSpec))
	if err != nil {
		t.Fatal(err)
	}
	op := cat.Get(http.MethodPost, "/v1/agencies/{id}/reviews")
	if op == nil || op.Body == nil || op.Public {
		t.Fatalf("catalog: %+v", op)
	}
	for i := range 50 {
		sm := &loadgen.Sampler{R: rand.New(rand.NewPCG(uint64(i), 9)), All: i%2 == 0}
		v := sm.Sample(op.Body, "")
		if err := op.Body.VisitJSON(v); err != nil {
			b, _ := json.Marshal(v)
			t.Fatalf("sample %s does not satisfy the schema: %v", b, err)
		}
	}
}

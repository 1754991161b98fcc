package reliability_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kawan-labs/kawan/config"
	"github.com/kawan-labs/kawan/scripts/load/loadgen"
	"github.com/kawan-labs/kawan/scripts/reliability"
	"github.com/kawan-labs/kawan/store"
)

// hostile is one hostile request derived from an operation of openapi.yaml.
type hostile struct {
	kind   string // category, for the summary
	what   string // detail, for failure messages
	method string
	target string // path and query
	body   []byte
	ctype  string
	hdr    map[string]string
	// strict: the request must be refused with a 4xx (a write that must not happen).
	// Otherwise any answer below 500 is acceptable (reads, and text that may be stored escaped).
	strict bool
}

const xssPayload = `<script>alert("kawan-xss")</script><img src=x onerror=alert(1)>`

// refusedMayWrite lists collections that may legitimately change while hostile requests
// are refused: rate-limit windows, failed sign-in counters and revocations (auth), and what
// background jobs write on their own schedule (fx history and saved feeds, stats costs).
var refusedMayWrite = append(append([]string(nil), store.AuthCollections...), store.BackgroundCollections...)

// refusedMayAppend selects, per collection, the documents that refused requests must not
// change: a data export (GET /v1/me/export) is a read that is audited, and the junk query
// parameters it ignores still let it succeed, so its audit entries are left out.
var refusedMayAppend = map[string]bson.D{
	"audit": {{Key: "action", Value: bson.D{{Key: "$ne", Value: "account.export"}}}},
}

var pathValues = []string{
	"..", "../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
	"..%5C..%5Cwindows%5Cwin.ini", "%00", "a%00b", "%ff%fe", strings.Repeat("a", 2000),
	url.PathEscape(`{"$gt":""}`), "%24where", url.PathEscape(xssPayload), "%E2%80%AE", "*",
}

var queryValues = []string{
	url.QueryEscape(`{"$gt":""}`), url.QueryEscape(`{"$where":"sleep(1000)"}`), "%ff%fe", url.QueryEscape(xssPayload),
	strings.Repeat("a", 10000), "-1", "0", "1e309", "NaN", "99999999999999999999999", "", "%00",
	"4611686018427387904", "9223372036854775807", "-9223372036854775808", // overflow when multiplied
}

var bearerJunk = []string{
	"Bearer " + strings.Repeat("A", 8000),
	"Bearer \xff\xfe\xfd",
	"Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJhZG1pbiJ9.",
	"Bearer a.b.c",
}

func isWrite(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch || m == http.MethodDelete
}

// hostileFor builds the hostile requests for one operation, split into those that must
// not change stored data and those (text that may be stored escaped) that may.
func hostileFor(e *env, o *loadgen.Operation) (refused, mayWrite []hostile) {
	write := isWrite(o.Method)
	hdr := e.headers(o)
	path := e.validPath(o)
	add := func(h hostile, may bool) {
		h.method = o.Method
		if h.hdr == nil {
			h.hdr = hdr
		}
		if h.body == nil && o.Body != nil && write && h.ctype == "" {
			h.body = validBody(o)
		}
		if h.body != nil && h.ctype == "" {
			h.ctype = "application/json"
		}
		if may {
			mayWrite = append(mayWrite, h)
		} else {
			refused = append(refused, h)
		}
	}
	// Path traversal and injection in every path parameter.
	for i, p := range o.PathParams {
		for _, v := range pathValues {
			vals := make([]string, len(o.PathParams))
			for j, q := range o.PathParams {
				vals[j] = url.PathEscape(e.paramValue(o.Path, q))
			}
			vals[i] = v
			add(hostile{kind: "path parameter", what: p + "=" + short(v), target: o.Expand(vals...), strict: write}, false)
		}
	}
	// Injection, invalid UTF-8, HTML and absurd values in every query parameter.
	names := []string{}
	for _, q := range o.Query {
		names = append(names, q.Name)
	}
	if len(names) == 0 {
		names = []string{"q"}
	}
	for _, n := range names {
		for _, v := range queryValues {
			add(hostile{kind: "query parameter", what: n + "=" + short(v), target: path + "?" + url.QueryEscape(n) + "=" + v, strict: false}, write)
		}
		for _, suffix := range []string{"[$gt]=", "[$ne]=1", "[$regex]=.*", "[]=a&" + url.QueryEscape(n) + "[]=b"} {
			add(hostile{kind: "query operator", what: n + suffix, target: path + "?" + url.QueryEscape(n) + strings.ReplaceAll(strings.ReplaceAll(suffix, "[", "%5B"), "]", "%5D"), strict: false}, write)
		}
	}
	add(hostile{kind: "query operator", what: "$where", target: path + "?%24where=1&%24gt=", strict: false}, write)
	// Forged and malformed bearer tokens: always 401, even on public routes.
	for _, b := range bearerJunk {
		h := map[string]string{"Authorization": b, "Accept": "application/json"}
		add(hostile{kind: "bearer token", what: short(b), target: path, hdr: h, strict: true}, false)
	}
	if o.Body == nil || !write {
		return refused, mayWrite
	}
	// Bodies: every field gets an operator object, invalid UTF-8, and (in the may-write
	// set) HTML/JS; plus bombs, oversize and malformed documents.
	valid := validBodyValue(o)
	for _, fp := range fieldPaths(valid, nil) {
		name := strings.Join(fp, ".")
		for _, op := range []any{map[string]any{"$gt": ""}, map[string]any{"$ne": nil}, map[string]any{"$where": "sleep(1000)"}, []any{map[string]any{"$regex": ".*"}}} {
			add(hostile{kind: "operator injection", what: name, target: path, body: mustJSON(setAt(valid, fp, op)), strict: true}, false)
		}
		if cur := getAt(valid, fp); isString(cur) {
			bad := bytes.Replace(mustJSON(setAt(valid, fp, "__BAD_UTF8__")), []byte(`"__BAD_UTF8__"`), []byte("\"fees \xff\xfe paid\""), 1)
			add(hostile{kind: "invalid UTF-8", what: name, target: path, body: bad, strict: true}, false)
			add(hostile{kind: "HTML/JS in text", what: name, target: path, body: mustJSON(setAt(valid, fp, xssPayload+" "+fmt.Sprint(cur))), strict: false}, true)
			add(hostile{kind: "NUL and controls", what: name, target: path, body: mustJSON(setAt(valid, fp, fmt.Sprint(cur)+"\x00\u202e\u200b\r\n")), strict: false}, true)
		}
		if isNumber(getAt(valid, fp)) {
			for _, n := range []string{"1e309", "-1e309", "1e-400", "123456789012345678901234567890", "-0.0000000001"} {
				b := bytes.Replace(mustJSON(setAt(valid, fp, "__NUM__")), []byte(`"__NUM__"`), []byte(n), 1)
				add(hostile{kind: "absurd number", what: name + "=" + n, target: path, body: b, strict: false}, true)
			}
		}
		if obj, ok := getAt(valid, fp).(map[string]any); ok {
			withOp := map[string]any{}
			for k, v := range obj {
				withOp[k] = v
			}
			withOp["$set"] = map[string]any{"role": "admin"}
			add(hostile{kind: "operator key", what: name + ".$set", target: path, body: mustJSON(setAt(valid, fp, withOp)), strict: true}, false)
		}
	}
	top := map[string]any{}
	for k, v := range valid {
		top[k] = v
	}
	top["$where"] = "sleep(1000)"
	add(hostile{kind: "operator key", what: "$where at top level", target: path, body: mustJSON(top), strict: true}, false)
	limit := e.limit
	first := "x"
	if fps := fieldPaths(valid, nil); len(fps) > 0 {
		first = fps[0][0]
	}
	for _, b := range []struct {
		what string
		body []byte
	}{
		{"oversized", []byte(`{"` + first + `":"` + strings.Repeat("a", int(limit)+1) + `"}`)},
		{"deep nesting (object)", []byte(strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000))},
		{"deep nesting within limit", []byte(`{"` + first + `":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}")},
		{"huge array", []byte(`{"` + first + `":[` + strings.Repeat("0,", int(limit)/2-20) + "0]}")},
		{"many keys", manyKeys(int(limit) / 12)},
		{"empty", []byte{}},
		{"null", []byte("null")},
		{"array", []byte("[]")},
		{"string", []byte(`"text"`)},
		{"truncated", mustJSON(valid)[:len(mustJSON(valid))/2]},
		{"trailing document", append(mustJSON(valid), []byte(`{"a":1}`)...)},
		{"BOM", append([]byte("\xef\xbb\xbf"), mustJSON(valid)...)},
	} {
		add(hostile{kind: "JSON bomb / malformed", what: b.what, target: path, body: b.body, strict: true}, false)
	}
	if len(o.Body.Required) > 0 {
		add(hostile{kind: "JSON bomb / malformed", what: "missing required fields", target: path, body: []byte("{}"), strict: true}, false)
	}
	add(hostile{kind: "content type", what: "text/plain", target: path, body: mustJSON(valid), ctype: "text/plain", strict: true}, false)
	add(hostile{kind: "content type", what: "form", target: path, body: []byte("a=1&%24gt="), ctype: "application/x-www-form-urlencoded", strict: true}, false)
	return refused, mayWrite
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}

func manyKeys(n int) []byte {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":0`, i)
	}
	b.WriteString("}")
	return []byte(b.String())
}

func validBodyValue(o *loadgen.Operation) map[string]any {
	v := (&loadgen.Sampler{R: rand.New(rand.NewPCG(1, 2)), All: true}).Sample(o.Body, "")
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

func validBody(o *loadgen.Operation) []byte { return mustJSON(validBodyValue(o)) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// fieldPaths lists the path of every field, nested objects included (depth ≤ 4).
func fieldPaths(v map[string]any, prefix []string) [][]string {
	var out [][]string
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := append(append([]string(nil), prefix...), k)
		out = append(out, p)
		if sub, ok := v[k].(map[string]any); ok && len(p) < 4 {
			out = append(out, fieldPaths(sub, p)...)
		}
	}
	return out
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = deepCopy(x)
		}
		return s
	}
	return v
}

func setAt(v map[string]any, path []string, val any) map[string]any {
	out := deepCopy(v).(map[string]any)
	cur := out
	for _, k := range path[:len(path)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return out
		}
		cur = next
	}
	cur[path[len(path)-1]] = val
	return out
}

func getAt(v map[string]any, path []string) any {
	var cur any = v
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func isString(v any) bool { _, ok := v.(string); return ok }

func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64, int:
		return true
	}
	return false
}

var clientSeq atomic.Int64

// send runs one hostile request through the handler and returns what is wrong with the
// answer (nothing when it is acceptable).
func (e *env) send(h hostile, tally map[string]map[int]int) []string {
	hdr := map[string]string{}
	for k, v := range h.hdr {
		hdr[k] = v
	}
	if h.ctype != "" {
		hdr["Content-Type"] = h.ctype
	}
	req, err := http.NewRequest(h.method, "http://kawan.test"+h.target, nil)
	if err != nil {
		return nil // not sendable by any client
	}
	if h.body != nil {
		req, _ = http.NewRequest(h.method, "http://kawan.test"+h.target, bytes.NewReader(h.body))
	}
	n := clientSeq.Add(1)
	req.RemoteAddr = fmt.Sprintf("192.0.2.%d:%d", n%250+1, 40000+n%20000)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := newRecorder()
	e.h.ServeHTTP(rec, req)
	if tally[h.kind] == nil {
		tally[h.kind] = map[int]int{}
	}
	tally[h.kind][rec.Code]++
	desc := fmt.Sprintf("%s %s [%s: %s]", h.method, short(h.target), h.kind, h.what)
	var bad []string
	switch {
	case rec.Code >= 500:
		bad = append(bad, fmt.Sprintf("%s → %d (a hostile request must never cause a 5xx): %.300s", desc, rec.Code, rec.Body))
	case h.strict && rec.Code < 400:
		bad = append(bad, fmt.Sprintf("%s → %d, want a 4xx refusal: %.300s", desc, rec.Code, rec.Body))
	}
	ct := rec.Header().Get("Content-Type")
	if strings.HasPrefix(ct, "text/html") && strings.Contains(rec.Body.String(), xssPayload) {
		bad = append(bad, desc+" → HTML page echoes the script payload unescaped")
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		bad = append(bad, desc+" → missing X-Content-Type-Options: nosniff")
	}
	return bad
}

// hostileRun is the outcome of the whole table against one server.
type hostileRun struct {
	tally     map[string]map[int]int
	failures  []string // per request
	changed   []string // collections changed by refused requests
	ops, auth int
	took      time.Duration
}

// runHostile sends the table to every operation: first the requests that must be
// refused, between two fingerprints of the database; then those that may store text.
func runHostile(t *testing.T, e *env) hostileRun {
	t.Helper()
	ctx := context.Background()
	before, err := reliability.TakeSnapshotWhere(ctx, e.db, refusedMayAppend, refusedMayWrite...)
	if err != nil {
		t.Fatal(err)
	}
	r := hostileRun{tally: map[string]map[int]int{}}
	start := time.Now()
	var mayWrite []hostile
	for _, o := range e.cat.Ops {
		if o.Path == "/metrics" {
			continue
		}
		refused, may := hostileFor(e, o)
		mayWrite = append(mayWrite, may...)
		r.ops++
		if e.role(o) != "" && e.headers(o)["Authorization"] != "" {
			r.auth++
		}
		for _, h := range refused {
			r.failures = append(r.failures, e.send(h, r.tally)...)
		}
	}
	after, err := reliability.TakeSnapshotWhere(ctx, e.db, refusedMayAppend, refusedMayWrite...)
	if err != nil {
		t.Fatal(err)
	}
	r.changed = before.Diff(after)
	for _, h := range mayWrite {
		r.failures = append(r.failures, e.send(h, r.tally)...)
	}
	r.took = time.Since(start)
	return r
}

func (r hostileRun) summary() string {
	var lines []string
	for k, m := range r.tally {
		var parts []string
		for code, n := range m {
			parts = append(parts, fmt.Sprintf("%d×%d", code, n))
		}
		sort.Strings(parts)
		lines = append(lines, fmt.Sprintf("%-24s %s", k, strings.Join(parts, " ")))
	}
	sort.Strings(lines)
	return fmt.Sprintf("%d operations (%d protected ones called with a real token) in %v:\n  %s", r.ops, r.auth,
		r.took.Round(time.Millisecond), strings.Join(lines, "\n  "))
}

// TestHostileInput sends every operation of openapi.yaml a table of hostile requests
// generated from its parameters and body schema: path traversal and injection in every
// path parameter, NoSQL operators and junk in every query parameter and JSON field,
// invalid UTF-8, JSON bombs, oversized bodies, forged tokens, HTML/JS in every text field.
// None may cause a 5xx; the refused ones must be 4xx and leave the database unchanged.
func TestHostileInput(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Demo = true })
	r := runHostile(t, e)
	const show = 40
	for i, f := range r.failures {
		if i == show {
			t.Errorf("… and %d more", len(r.failures)-show)
			break
		}
		t.Error(f)
	}
	if len(r.changed) > 0 {
		t.Errorf("refused hostile requests changed stored data:\n  %s", strings.Join(r.changed, "\n  "))
	}
	t.Log(r.summary())
}

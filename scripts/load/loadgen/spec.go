// Package loadgen drives Kawan's HTTP API the way real clients do: it reads the
// operations from openapi.yaml, builds valid requests from their schemas, runs a
// realistic mix of them at a chosen concurrency for a bounded time and number of
// requests, measures latency per operation, and checks afterwards that every review the
// server acknowledged is stored exactly once. The load tool (scripts/load) and the
// reliability tests (scripts/reliability) are built on it.
package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Operation is one method+path of the API as openapi.yaml describes it.
type Operation struct {
	Method     string
	Path       string // spec form, /v1/agencies/{id}
	ID         string // operationId
	Public     bool   // no security requirement
	PathParams []string
	Query      []*openapi3.Parameter
	Body       *openapi3.Schema // application/json request body schema, nil when none
	// BodyRequired says the request body is required.
	BodyRequired bool
}

// Catalog is every operation of the API.
type Catalog struct {
	Doc *openapi3.T
	Ops []*Operation
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// LoadCatalog parses an OpenAPI document (openapi.yaml as served at /openapi.yaml).
func LoadCatalog(spec []byte) (*Catalog, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("loadgen: parse openapi: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("loadgen: validate openapi: %w", err)
	}
	c := &Catalog{Doc: doc}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := &Operation{Method: method, Path: path, ID: op.OperationID}
			sec := doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			o.Public = len(sec) == 0
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				o.PathParams = append(o.PathParams, m[1])
			}
			params := append(openapi3.Parameters{}, item.Parameters...)
			params = append(params, op.Parameters...)
			for _, p := range params {
				if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
					o.Query = append(o.Query, p.Value)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					o.Body = mt.Schema.Value
					o.BodyRequired = op.RequestBody.Value.Required
				}
			}
			c.Ops = append(c.Ops, o)
		}
	}
	sort.Slice(c.Ops, func(i, j int) bool {
		if c.Ops[i].Path != c.Ops[j].Path {
			return c.Ops[i].Path < c.Ops[j].Path
		}
		return c.Ops[i].Method < c.Ops[j].Method
	})
	return c, nil
}

// Find returns the first operation with this method whose spec path matches re, or nil.
func (c *Catalog) Find(method string, re *regexp.Regexp) *Operation {
	for _, o := range c.Ops {
		if o.Method == method && re.MatchString(o.Path) {
			return o
		}
	}
	return nil
}

// Get returns the operation with exactly this method and spec path, or nil.
func (c *Catalog) Get(method, path string) *Operation {
	for _, o := range c.Ops {
		if o.Method == method && o.Path == path {
			return o
		}
	}
	return nil
}

// Expand fills the path parameters in order.
func (o *Operation) Expand(values ...string) string {
	i := 0
	return pathParam.ReplaceAllStringFunc(o.Path, func(string) string {
		if i >= len(values) {
			return "x"
		}
		v := values[i]
		i++
		return v
	})
}

// Sampler builds values that satisfy a schema: examples when the spec gives them, else
// values chosen from the type, format, bounds and field name.
type Sampler struct {
	R *rand.Rand
	// All includes optional object properties too (hostile tests inject into every field).
	All bool
	// Overrides replaces the value of a named field wherever it appears.
	Overrides map[string]any
}

// Sample returns a JSON-encodable value valid for s; field is the property name (or "").
func (sm *Sampler) Sample(s *openapi3.Schema, field string) any {
	if v, ok := sm.Overrides[field]; ok && field != "" {
		return v
	}
	if s == nil {
		return "sample"
	}
	switch {
	case s.Const != nil:
		return s.Const
	case len(s.Enum) > 0:
		return s.Enum[sm.R.IntN(len(s.Enum))]
	case s.Example != nil:
		return s.Example
	case len(s.Examples) > 0:
		return s.Examples[0]
	case s.Default != nil:
		return s.Default
	}
	if len(s.AllOf) > 0 {
		out := map[string]any{}
		for _, sub := range s.AllOf {
			if m, ok := sm.Sample(sub.Value, field).(map[string]any); ok {
				for k, v := range m {
					out[k] = v
				}
			}
		}
		if obj, ok := sm.object(s).(map[string]any); ok {
			for k, v := range obj {
				out[k] = v
			}
		}
		return out
	}
	if len(s.OneOf) > 0 {
		return sm.Sample(s.OneOf[0].Value, field)
	}
	if len(s.AnyOf) > 0 {
		return sm.Sample(s.AnyOf[0].Value, field)
	}
	typ := ""
	if s.Type != nil {
		for _, t := range s.Type.Slice() {
			if t != "null" {
				typ = t
				break
			}
		}
	}
	if typ == "" && len(s.Properties) > 0 {
		typ = "object"
	}
	switch typ {
	case "object":
		return sm.object(s)
	case "array":
		n := max(int(s.MinItems), 1)
		if s.MaxItems != nil && uint64(n) > *s.MaxItems {
			n = int(*s.MaxItems)
		}
		out := make([]any, 0, n)
		for range n {
			var item *openapi3.Schema
			if s.Items != nil {
				item = s.Items.Value
			}
			out = append(out, sm.Sample(item, field))
		}
		return out
	case "integer":
		return int64(sm.number(s, field))
	case "number":
		return sm.number(s, field)
	case "boolean":
		return true
	}
	return sm.str(s, field)
}

func (sm *Sampler) object(s *openapi3.Schema) any {
	out := map[string]any{}
	req := map[string]bool{}
	for _, r := range s.Required {
		req[r] = true
	}
	for name, p := range s.Properties {
		if p.Value != nil && p.Value.ReadOnly {
			continue
		}
		if req[name] || sm.All {
			out[name] = sm.Sample(p.Value, name)
		}
	}
	return out
}

func (sm *Sampler) number(s *openapi3.Schema, field string) float64 {
	lo, hi := 1.0, 100.0
	if strings.Contains(field, "year") {
		lo, hi = 2018, 2024
	}
	if s.Min != nil {
		lo = *s.Min
		if hi < lo {
			hi = lo + 100
		}
	}
	if s.Max != nil {
		hi = *s.Max
		if lo > hi {
			lo = hi
		}
	}
	return lo + float64(sm.R.IntN(int(hi-lo)+1))
}

// str picks a string from the field name and format that fits the schema's bounds and
// pattern, trying several candidates.
func (sm *Sampler) str(s *openapi3.Schema, field string) string {
	f := strings.ToLower(field)
	var cands []string
	switch s.Format {
	case "date-time":
		cands = append(cands, time.Now().UTC().Add(-24*time.Hour).Format(time.RFC3339))
	case "date":
		cands = append(cands, "2024-01-15")
	case "email":
		cands = append(cands, "worker@example.org")
	case "uri", "url":
		cands = append(cands, "https://example.org/fictional")
	case "uuid":
		cands = append(cands, "00000000-0000-4000-8000-000000000001")
	}
	switch {
	case strings.Contains(f, "amount") || strings.Contains(f, "fee") || strings.Contains(f, "salary") || f == "rate":
		cands = append(cands, "1500.00", "1500", "15000")
	case strings.Contains(f, "currency"):
		cands = append(cands, "PHP", "SGD", "NPR")
	case f == "origin" || strings.Contains(f, "country") || strings.HasSuffix(f, "_country"):
		cands = append(cands, "PH", "NP")
	case f == "destination":
		cands = append(cands, "SG", "QA")
	case f == "lang" || f == "language" || f == "locale":
		cands = append(cands, "en")
	case strings.Contains(f, "password"):
		cands = append(cands, "correct horse battery staple 42")
	case strings.Contains(f, "username") || f == "user" || f == "login":
		cands = append(cands, fmt.Sprintf("load_%08x", sm.R.Uint32()))
	case strings.Contains(f, "sector"):
		cands = append(cands, "domestic_work", "construction")
	case strings.Contains(f, "text") || strings.Contains(f, "body") || strings.Contains(f, "note") ||
		strings.Contains(f, "comment") || strings.Contains(f, "summary") || strings.Contains(f, "reason"):
		cands = append(cands, "The agency explained every fee in writing and the job matched the contract I signed before departure.")
	case strings.Contains(f, "name"):
		cands = append(cands, "Fictional Sample Agency")
	case strings.HasSuffix(f, "id") || strings.HasSuffix(f, "_id"):
		cands = append(cands, "fictional-id")
	}
	cands = append(cands, "sample", "SAMPLE", "a", "1", "sample text for a field that wants a few more characters")
	var re *regexp.Regexp
	if s.Pattern != "" {
		re, _ = regexp.Compile(s.Pattern)
	}
	for _, c := range cands {
		c = fitLength(c, s)
		if re == nil || re.MatchString(c) {
			return c
		}
	}
	return fitLength(cands[0], s)
}

func fitLength(v string, s *openapi3.Schema) string {
	for uint64(len([]rune(v))) < s.MinLength {
		v += " " + v
	}
	if s.MaxLength != nil && uint64(len([]rune(v))) > *s.MaxLength {
		v = string([]rune(v)[:*s.MaxLength])
	}
	return v
}

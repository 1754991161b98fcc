// Package apitest drives an http.Handler the way a client would and checks every response
// against openapi.yaml, so API tests also prove the contract.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/kawan-labs/kawan"
)

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

// Spec returns the parsed, validated openapi.yaml.
func Spec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		// TwiML answers (the SMS/WhatsApp webhook) are XML text: checked as a string.
		openapi3filter.RegisterBodyDecoder("text/xml", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(r)
			return string(b), err
		})
		loader := openapi3.NewLoader()
		specDoc, specErr = loader.LoadFromData(kawan.OpenAPISpec)
		if specErr != nil {
			return
		}
		if specErr = specDoc.Validate(context.Background()); specErr != nil {
			return
		}
		specRouter, specErr = gorillamux.NewRouter(specDoc)
	})
	if specErr != nil {
		t.Fatalf("apitest: openapi.yaml: %v", specErr)
	}
	return specDoc, specRouter
}

// Client sends requests to a handler and validates each response against the spec.
type Client struct {
	t       testing.TB
	h       http.Handler
	Token   string            // bearer token sent when set
	Headers map[string]string // extra headers on every request
}

// New returns a client for h.
func New(t testing.TB, h http.Handler) *Client {
	Spec(t)
	return &Client{t: t, h: h, Headers: map[string]string{}}
}

// As returns a copy of the client that sends token.
func (c *Client) As(token string) *Client {
	cp := *c
	cp.Token = token
	return &cp
}

// Response is a recorded response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("apitest: decode %s: %v", r.Body, err)
	}
}

// Map decodes the body into a generic map.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// Do sends a request. body may be nil, a string or []byte (sent as is), or any other
// value (sent as JSON). The response is validated against the spec when the route is in it.
func (c *Client) Do(method, path string, body any, headers ...string) *Response {
	c.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("apitest: encode body: %v", err)
		}
		rd, ct = bytes.NewReader(buf), "application/json"
	}
	req := httptest.NewRequest(method, path, rd)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	res := &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	Validate(c.t, req, res)
	return res
}

// Validate checks a recorded response against the spec: the route must be documented
// (unless it is an unmatched 404/405), and status, content type and body must match.
func Validate(t testing.TB, req *http.Request, res *Response) {
	t.Helper()
	_, router := Spec(t)
	route, params, err := router.FindRoute(req)
	if err != nil {
		if res.Status == http.StatusNotFound || res.Status == http.StatusMethodNotAllowed {
			return
		}
		t.Errorf("apitest: %s %s answered %d but is not in openapi.yaml: %v", req.Method, req.URL.Path, res.Status, err)
		return
	}
	if ct := res.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/problem+json") {
		var p map[string]any
		if json.Unmarshal(res.Body, &p) != nil || p["status"] == nil || p["title"] == nil {
			t.Errorf("apitest: %s %s: malformed problem body %s", req.Method, req.URL.Path, res.Body)
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: res.Status,
		Header: res.Header,
		Body:   io.NopCloser(bytes.NewReader(res.Body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            false,
		},
	}
	if res.Header.Get("Content-Encoding") != "" {
		return // compressed bodies are checked uncompressed by tests that do not send Accept-Encoding
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("apitest: %s %s → %d does not match openapi.yaml: %v\nbody: %.500s", req.Method, req.URL.Path, res.Status, err, res.Body)
	}
}

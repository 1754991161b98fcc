package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/kawan-labs/kawan"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type     string             `json:"type"`
	Title    string             `json:"title"`
	Status   int                `json:"status"`
	Detail   string             `json:"detail,omitempty"`
	Instance string             `json:"instance,omitempty"`
	Errors   []kawan.FieldError `json:"errors,omitempty"`
	// RequestID lets a user quote the failing request to support without exposing internals.
	RequestID string `json:"request_id,omitempty"`
}

// ProblemContentType is the media type of error responses.
const ProblemContentType = "application/problem+json"

// problemTypeBase prefixes the problem type URIs; they name a documented kind of error.
const problemTypeBase = "https://kawan.example/problems/"

// statusTable maps domain error kinds to statuses; the one place that does so.
var statusTable = []struct {
	err    error
	status int
	kind   string
}{
	{kawan.ErrNotFound, http.StatusNotFound, "not-found"},
	{kawan.ErrConflict, http.StatusConflict, "conflict"},
	{kawan.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{kawan.ErrForbidden, http.StatusForbidden, "forbidden"},
	{kawan.ErrRateLimited, http.StatusTooManyRequests, "rate-limited"},
	{kawan.ErrTooLarge, http.StatusRequestEntityTooLarge, "too-large"},
	{kawan.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
}

// ProblemFor turns any error into the problem the client sees, and reports whether it is
// a server fault (to be logged). Internal error text never reaches the client for 5xx.
func ProblemFor(err error) (Problem, bool) {
	var ve *kawan.ValidationError
	if errors.As(err, &ve) {
		return Problem{Type: problemTypeBase + "invalid-input", Title: "Invalid input", Status: http.StatusBadRequest,
			Detail: summarize(ve), Errors: ve.Fields}, false
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		p := Problem{Type: problemTypeBase + strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "-")),
			Title: http.StatusText(he.Code), Status: he.Code}
		if msg, ok := he.Message.(string); ok && he.Code < 500 {
			p.Detail = msg
		}
		if he.Code == http.StatusRequestEntityTooLarge {
			p.Detail = "the request body is larger than this endpoint accepts"
		}
		return p, he.Code >= 500
	}
	for _, row := range statusTable {
		if errors.Is(err, row.err) {
			p := Problem{Type: problemTypeBase + row.kind, Title: http.StatusText(row.status), Status: row.status}
			if row.status < 500 {
				p.Detail = publicDetail(err)
			} else {
				p.Detail = "a service Kawan depends on is not reachable right now; please retry shortly"
			}
			return p, false
		}
	}
	return Problem{Type: problemTypeBase + "internal", Title: "Internal Server Error", Status: http.StatusInternalServerError,
		Detail: "something went wrong on our side; it has been logged"}, true
}

// publicDetail strips the "package: doing what:" prefixes of a wrapped domain error so the
// client sees only the last, user-facing part.
func publicDetail(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		// keep the final two segments at most: "agency acme: not found"
		if j := strings.LastIndex(msg[:i], ": "); j >= 0 {
			msg = msg[j+2:]
		}
	}
	return msg
}

func summarize(ve *kawan.ValidationError) string {
	if len(ve.Fields) == 1 {
		return ve.Fields[0].Field + ": " + ve.Fields[0].Reason
	}
	return fmt.Sprintf("%d fields are invalid", len(ve.Fields))
}

// StatusClientClosedRequest is recorded when the client disconnected before its answer.
const StatusClientClosedRequest = 499

// HTMLErrorRenderer renders an error as an HTML page for browser routes (set by the frontend).
type HTMLErrorRenderer func(c echo.Context, p Problem) error

func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away before the answer (a phone losing signal, a load client
		// stopping): nobody reads this response, and it is not a server fault. 499 is the
		// conventional "client closed request" status, for the access log and metrics.
		s.log.Debug("client closed request", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "route", c.Path())
		c.Response().WriteHeader(StatusClientClosedRequest)
		return
	}
	p, fault := ProblemFor(err)
	p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
	p.Instance = c.Request().URL.Path
	if fault {
		s.log.Error("request failed", "request_id", p.RequestID, "route", c.Path(), "method", c.Request().Method, "err", err)
	} else if p.Status >= 500 {
		s.log.Warn("dependency unavailable", "request_id", p.RequestID, "route", c.Path(), "err", err)
	}
	var ra *kawan.RetryAfterError
	if errors.As(err, &ra) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(ra.Seconds, 1)))
	} else if p.Status == http.StatusServiceUnavailable || p.Status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", "2")
	}
	if s.htmlErrors != nil && isBrowserRoute(c) {
		if rerr := s.htmlErrors(c, p); rerr == nil {
			return
		}
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	body, _ := json.Marshal(p)
	c.Response().Header().Set(echo.HeaderContentType, ProblemContentType)
	c.Response().WriteHeader(p.Status)
	_, _ = c.Response().Write(body)
}

// isBrowserRoute reports whether the request is for an HTML page rather than the JSON API.
func isBrowserRoute(c echo.Context) bool {
	path := c.Request().URL.Path
	if strings.HasPrefix(path, "/v1/") || path == "/v1" || path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/openapi.yaml" {
		return false
	}
	return strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/html")
}

// logDiscard is used when no logger is configured.
var logDiscard = slog.New(slog.DiscardHandler)

// DecodeJSON reads a JSON request body into v strictly: unknown fields, wrong types,
// trailing data and an empty body are 400s naming the field; an oversized body is 413.
// Every handler that reads a body uses it, so no handler sees partial or ambiguous input.
func DecodeJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return kawan.Invalid("Content-Type", "must be application/json")
	}
	// Read the (already size-bounded) body whole, so invalid UTF-8 is refused instead of
	// being silently replaced with U+FFFD and stored.
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return jsonError(err)
	}
	if !utf8.Valid(data) {
		return kawan.Invalid("body", "must be valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return kawan.Invalid("body", "must contain a single JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var (
		te  *json.UnmarshalTypeError
		se  *json.SyntaxError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return fmt.Errorf("api: request body: %w", kawan.ErrTooLarge)
	case errors.Is(err, io.EOF):
		return kawan.Invalid("body", "a JSON body is required")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return kawan.Invalid(field, "must be %s", jsonKind(te.Type.Kind().String()))
	case errors.As(err, &se):
		return kawan.Invalid("body", "malformed JSON at byte %d", se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return kawan.Invalid("body", "JSON ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return kawan.Invalid(name, "is not a known field")
	case strings.Contains(err.Error(), "http: request body too large"):
		return fmt.Errorf("api: request body: %w", kawan.ErrTooLarge)
	}
	return kawan.Invalid("body", "is not valid JSON")
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "uint32", "float64", "float32":
		return "a number"
	}
	return "of another type"
}

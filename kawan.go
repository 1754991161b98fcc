// Package kawan holds the domain types and errors shared by every Kawan package:
// agencies, licences, reviews, providers, users and the error kinds that the API
// edge maps to HTTP statuses.
package kawan

import (
	"errors"
	"fmt"
	"strings"
)

// Domain error kinds. Packages below the API edge wrap these (fmt.Errorf("...: %w", kawan.ErrNotFound))
// and the API maps them to statuses in one table (api/errors.go).
var (
	// ErrNotFound means the addressed thing does not exist (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the request conflicts with the current state, e.g. a lost compare-and-set (409).
	ErrConflict = errors.New("conflict")
	// ErrUnauthenticated means no valid credentials were presented (401).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden means the caller is known but may not do this (403).
	ErrForbidden = errors.New("forbidden")
	// ErrUnavailable means a dependency (database, search) cannot be reached right now (503).
	ErrUnavailable = errors.New("unavailable")
	// ErrRateLimited means the caller must slow down (429).
	ErrRateLimited = errors.New("rate limited")
	// ErrTooLarge means an input exceeded a size bound (413).
	ErrTooLarge = errors.New("too large")
)

// FieldError names one invalid input field and why it is invalid.
// Field is the JSON field, query parameter or path parameter name as the client sent it.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ValidationError is a bad-input error carrying one entry per invalid field (400).
type ValidationError struct {
	Fields []FieldError
}

// Error implements error.
func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Reason)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add appends a field error.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Err returns e if it holds any field errors, else nil. It lets validators build up
// errors and return `v.Err()` at the end.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Invalid returns a ValidationError for a single field.
func Invalid(field, format string, args ...any) error {
	v := &ValidationError{}
	v.Add(field, format, args...)
	return v
}

// RetryAfterError is an error that tells the client when to retry (429, 503).
type RetryAfterError struct {
	Err     error // ErrRateLimited or ErrUnavailable
	Seconds int
}

// Error implements error.
func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %ds)", e.Err, e.Seconds)
}

// Unwrap returns the wrapped kind.
func (e *RetryAfterError) Unwrap() error { return e.Err }

package kawan

import _ "embed"

// OpenAPISpec is the API contract (openapi.yaml), served at /openapi.yaml and checked
// against the registered routes by tests.
//
//go:embed openapi.yaml
var OpenAPISpec []byte

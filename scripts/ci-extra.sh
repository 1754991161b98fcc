#!/usr/bin/env bash
# Extra CI checks, called by .ci/run after `go test ./...` (which already runs the fault
# and hostile-input tests in their quick form): a fuzz smoke run of every fuzz target and a
# short load run that fails on any 5xx or lost/duplicated review.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

echo "== Kawan's patches to the vendored FerretDB (its own module, not in ./...)"
(cd third_party/ferretdb && go test ./internal/handler/sjson/)

echo "== fuzz smoke"
bash scripts/fuzz-smoke.sh

echo "== short load (50 clients, 10 s, in-process)"
go run ./scripts/load -clients 50 -duration 10s

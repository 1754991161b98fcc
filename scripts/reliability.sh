#!/usr/bin/env bash
# The one command for Kawan's reliability checks (docs/reliability.md):
#   1. fault tests: database stop/restart under load, search outage, hostile feeds,
#      SIGKILL during a review burst;
#   2. hostile-input tests: the table generated from openapi.yaml, slow clients, huge headers;
#   3. a fuzz smoke run of every fuzz target;
#   4. the load run: LOAD_CLIENTS (default 500) clients for LOAD_DURATION (default 60s)
#      against Kawan started in-process on a temporary data directory with the embedded store.
# Quick form: LOAD_CLIENTS=50 LOAD_DURATION=10s FUZZ_BUDGET=60 bash scripts/reliability.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

echo "== fault and hostile-input tests"
# One verbose run: its summary lines are shown, its exit status decides.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
go test -count=1 -v -timeout 10m ./scripts/reliability/ ./store/ ./api/ >"$out" 2>&1 || rc=$?
grep -E '^(--- |PASS|FAIL|ok|\s+\S+_test\.go)' "$out" | grep -v '^--- PASS: .*/' || true
if [ "$rc" -ne 0 ]; then
  echo "fault and hostile-input tests failed (exit $rc); last lines:"
  tail -n 60 "$out"
  exit "$rc"
fi

echo "== fuzz smoke"
bash scripts/fuzz-smoke.sh

echo "== load: ${LOAD_CLIENTS:-500} clients for ${LOAD_DURATION:-60s}"
go run ./scripts/load -clients "${LOAD_CLIENTS:-500}" -duration "${LOAD_DURATION:-60s}"

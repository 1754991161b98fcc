#!/usr/bin/env bash
# Fuzz smoke run: every `func FuzzXxx` in the repository's tests is fuzzed briefly
# (FUZZ_PER_TARGET seconds each, default 10, shrunk so the total stays within
# FUZZ_BUDGET seconds, default 170). Targets are discovered, so new ones run without a
# change here. A crasher is saved by `go test` under the package's testdata/fuzz/ —
# commit it with the fix so it stays a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
budget="${FUZZ_BUDGET:-170}"
per="${FUZZ_PER_TARGET:-10}"

targets=()
while IFS= read -r f; do
  dir=$(dirname "$f")
  while IFS= read -r name; do
    targets+=("$dir $name")
  done < <(grep -oE '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //')
done < <(git ls-files '*_test.go' 2>/dev/null || find . -name '*_test.go' -not -path './.git/*')

n=${#targets[@]}
if [ "$n" -eq 0 ]; then echo "fuzz: no fuzz targets"; exit 0; fi
if [ $((per * n)) -gt "$budget" ]; then per=$((budget / n)); fi
if [ "$per" -lt 2 ]; then per=2; fi
echo "fuzz: $n targets, ${per}s each"
failed=0
for t in "${targets[@]}"; do
  read -r dir name <<<"$t"
  echo "== fuzz $dir $name"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "${per}s" -parallel 2 "./${dir#./}" 2>&1 | tail -n 20; then
    failed=1
  fi
done
exit $failed

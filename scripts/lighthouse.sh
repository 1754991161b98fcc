#!/usr/bin/env bash
# Lighthouse (mobile form factor, default throttling) on Kawan's main pages in English, Nepali
# and Burmese, against a running Kawan (default http://127.0.0.1:8080, e.g. `go run ./cmd/kawan`).
# Prints, per page, the performance, accessibility, best-practices and SEO scores and the ids of
# failing accessibility or best-practices audits. Needs Node.js and npm (Lighthouse 12 is
# installed from the npm registry into $LIGHTHOUSE_DIR the first time) and /usr/bin/chromium.
# Not part of go test: it needs the network once, to install Lighthouse.
set -euo pipefail
base=${1:-http://127.0.0.1:8080}
dir=${LIGHTHOUSE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kawan-lighthouse}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ ! -x "$dir/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund lighthouse@12 >/dev/null)
fi
agency=$(curl -fsS "$base/agencies" | grep -o 'href="/agencies/[a-z0-9-]*"' | head -1 | cut -d'"' -f2)
pages=("/" "/licence" "/agencies?q=manpower" "${agency:-/agencies}" "/send" "/help" "/rights/QA" "/signin" "/transparency" "/open-data")
for lang in ${LANGS:-en ne my}; do
  for p in "${pages[@]}"; do
    sep='?'; [[ $p == *\?* ]] && sep='&'
    json="$out/report.json"
    CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium} timeout 180 "$dir/node_modules/.bin/lighthouse" "$base$p${sep}lang=$lang" \
      --quiet --output=json --output-path="$json" --only-categories=performance,accessibility,best-practices,seo \
      --chrome-flags="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run" \
      >/dev/null 2>&1 || { echo "$lang $p: lighthouse failed"; continue; }
    node -e '
      const r = require(process.argv[1]), c = r.categories, pct = k => Math.round(c[k].score * 100);
      const weighted = new Set(["accessibility", "best-practices"].flatMap(k => c[k].auditRefs.filter(x => x.weight > 0).map(x => x.id)));
      const fails = Object.values(r.audits).filter(a => weighted.has(a.id) && a.score !== null && a.score < 1).map(a => a.id);
      console.log(`${process.argv[2]}  performance ${pct("performance")}  accessibility ${pct("accessibility")}  best-practices ${pct("best-practices")}  seo ${pct("seo")}  ${fails.join(",")}`);
    ' "$json" "$lang $p"
  done
done

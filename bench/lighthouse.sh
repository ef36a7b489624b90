#!/usr/bin/env bash
# Lighthouse (npm, pinned; driven against the system Chromium, never a
# downloaded one) in its default mobile mode on the demo's home page, a
# post, a book and the Pardon page: the four scores of each, and the home
# page's bytes on the wire (compressed, every request; and without images).
# Usage: bench/lighthouse.sh ; 127.0.0.1 only. Target: 100 / 100 / 100 / 100,
# and at most 30 KB for the home page without its images.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-38091}"
tools=target/bench-tools
[ -x "$tools/node_modules/.bin/lighthouse" ] || npm install --silent --no-audit --no-fund --prefix "$tools" lighthouse@13.5.0 >/dev/null
CHROME_PATH="$(command -v chromium)"
export CHROME_PATH

cargo build --release --quiet
work=$(mktemp -d)
cleanup() { [ -n "${PAMPHLET_PID:-}" ] && kill "$PAMPHLET_PID" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
PAMPHLET_LOG=warn target/release/pamphlet serve --addr "127.0.0.1:$PORT" --data "$work/data" >/dev/null &
PAMPHLET_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

printf '%-45s %5s %5s %5s %5s\n' page perf a11y best seo
for path in / /news/new-dna-evidence-july-2016/ /books/one-day-in-the-life-of-179212/ /pardon/; do
  out="$work/report-$(echo "$path" | tr '/' '_').json"
  "$tools/node_modules/.bin/lighthouse" "http://127.0.0.1:$PORT$path" --quiet --output=json --output-path="$out" \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage" >/dev/null 2>&1
  python3 - "$out" "$path" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
c = report["categories"]
score = lambda k: round((c[k]["score"] or 0) * 100)
print(f'{sys.argv[2]:<45} {score("performance"):>5} {score("accessibility"):>5} {score("best-practices"):>5} {score("seo"):>5}')
for k in ["performance", "accessibility", "best-practices", "seo"]:
    for ref in c[k]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
            print(f'    {k}: {ref["id"]} ({audit["score"]}): {audit["title"]}')
if sys.argv[2] == "/":
    items = report["audits"]["network-requests"]["details"]["items"]
    total = sum(i.get("transferSize", 0) for i in items)
    without = sum(i.get("transferSize", 0) for i in items if i.get("resourceType") != "Image")
    print(f'    home page on the wire: {total / 1000:.1f} KB in {len(items)} requests; without images {without / 1000:.1f} KB (target 30)')
PY
done

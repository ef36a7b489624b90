#!/usr/bin/env bash
# Search speed: Pamphlet's index against SQLite FTS5 on the same generated
# archive and the same 1,000 mixed queries, in one run (benches/search.rs).
# Usage: bench/search.sh [documents, default 100000] [queries, default 1000]
# Takes a few minutes at full size; needs about 3 GiB of memory.
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS="${1:-100000}" QUERIES="${2:-1000}" cargo bench --quiet --bench search

#!/usr/bin/env bash
# Durability figures: kill -9 at random moments while editors save (both
# backends, ROUNDS kills each, default 20), and a full disk while saving and
# uploading, each followed by the store's integrity check. The checks are the
# integration tests themselves (tests/it/reliability.rs), which fail on a lost
# acknowledged save; this prints the figures they report.
# Usage: bench/durability.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
export PAMPHLET_KILL_ROUNDS="${1:-20}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! bash scripts/test.sh --no-capture -E 'test(/a_killed_server_loses_no_acknowledged_save|a_full_disk_refuses_saves/)' >"$log" 2>&1; then
  tail -40 "$log" >&2
  echo "durability: a check failed (log above)" >&2
  exit 1
fi
grep -E '^(Sqlite|Postgres): ' "$log" | sort

#!/usr/bin/env bash
# Fuzzes each target in fuzz/ (Markdown, blocks, public forms, CSV import,
# demo loader) for a bounded time, one after the other, then minimises its
# corpus in fuzz/corpus/<target>/ (kept in the repo and replayed by
# tests/it/fuzz_corpora.rs). Prints per target the executions, their rate,
# the corpus size and the faults found; exits 1 if any target found one.
# A fault's input is in fuzz/artifacts/<target>/; `cargo +nightly fuzz run
# <target> -s none <file>` repeats it. Once fixed, the input goes in
# fuzz/found/<target>/, which the replay test tries too (minimising may
# drop it from the corpus).
# Usage: bench/fuzz.sh [SECONDS_PER_TARGET, default 60] [TARGET…]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(markdown blocks forms csv demo)
# The fuzz crate's build is its own; fuzz/target unless CARGO_TARGET_DIR says otherwise.
target_dir="${CARGO_TARGET_DIR:-$PWD/fuzz/target}"

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# Pamphlet forbids unsafe code, so the faults to find are panics, broken
# promises and slowness; without AddressSanitizer each target runs about
# twice as fast.
fuzz=(cargo +nightly fuzz)
flags=(-s none --target-dir "$target_dir")
"${fuzz[@]}" build "${flags[@]}"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
summary=()
failed=0
for target in "${targets[@]}"; do
  artifacts="fuzz/artifacts/$target"
  mkdir -p "$artifacts" "fuzz/corpus/$target"
  before=$(find "$artifacts" -type f | wc -l)
  echo "== $target: ${seconds}s"
  # An input taking over 10 s is a fault too. Inputs of up to 2 KB hold
  # every construct of these formats and keep the corpus in the repo small.
  set +e
  "${fuzz[@]}" run "${flags[@]}" "$target" -- \
    -max_total_time="$seconds" -max_len=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1
  status=$?
  set -e
  grep -E -A1 '^(#[0-9]+[[:space:]]+DONE|thread .* panicked)' "$log" | grep -v '^--$' | tail -n 4 || true
  grep -E '^(==[0-9]+== ERROR|artifact_prefix)' "$log" || true
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  found=$(($(find "$artifacts" -type f | wc -l) - before))
  if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then
    tail -n 30 "$log"
    echo "cargo fuzz stopped (status $status) without writing an input" >&2
    found=1
  fi
  # The corpus kept in the repo is a small set reaching the same code
  # (edges, not hit counts): what the replay test needs.
  "${fuzz[@]}" cmin "${flags[@]}" "$target" -- -set_cover_merge=1 -use_counters=0 >"$log" 2>&1 ||
    { tail -n 5 "$log"; echo "cmin of $target failed; its corpus is kept as it is" >&2; }
  files=$(find "fuzz/corpus/$target" -type f | wc -l)
  size=$(find "fuzz/corpus/$target" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", (s + 1023) / 1024 }')
  summary+=("$(printf '%-9s %12s %8s %7s %6s KB %7s' "$target" "${runs:-?}" "${rate:-?}" "$files" "$size" "$found")")
  [ "$found" -eq 0 ] || failed=1
done

echo
printf '%-9s %12s %8s %7s %9s %7s\n' target executions exec/s corpus size faults
printf '%s\n' "${summary[@]}"
[ "$failed" -eq 0 ] || { echo "faults found: see fuzz/artifacts/" >&2; exit 1; }

#!/usr/bin/env bash
# Static export speed: `pamphlet build` against Hugo on the same 10,000
# generated posts, in one run (benches/build.rs writes both sites).
# Usage: bench/build.sh [posts, default 10000]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v hugo >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq hugo >/dev/null
fi
hugo version
cargo build --release --quiet
POSTS="${1:-10000}" PAMPHLET_BIN="$PWD/target/release/pamphlet" cargo bench --quiet --bench build

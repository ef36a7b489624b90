#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine (README command 2; .ci/run
# calls it). The tests need only the Rust toolchain today; services the tests
# need (PostgreSQL, an SMTP server, Chromium) are installed and started here.
set -euo pipefail
cd "$(dirname "$0")/.."

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --all-targets --no-fail-fast
else
  cargo test --all-targets --no-fail-fast
fi

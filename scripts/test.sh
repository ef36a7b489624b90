#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine (README command 2; .ci/run
# calls it): installs what the tests need, starts a throwaway PostgreSQL on
# 127.0.0.1, runs every test against both backends, and stops it again.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages the tests use, installed only when missing.
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v node >/dev/null || missing+=(nodejs)  # runs the export's search script
command -v chromium >/dev/null || missing+=(chromium)  # the admin's browser tests
command -v chromedriver >/dev/null || missing+=(chromium-driver)
# The newsletter tests' SMTP server; Debian's package is importable from Debian's own Python.
/usr/bin/python3 -c "import aiosmtpd" 2>/dev/null || missing+=(python3-aiosmtpd)
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A throwaway PostgreSQL cluster: trust auth, loopback only, removed on exit.
pg_bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
pg_dir=$(mktemp -d /tmp/pamphlet-pg.XXXXXX)
pg_port=${PAMPHLET_TEST_PG_PORT:-55432}
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust --locale=C.UTF-8 -E UTF8 >/dev/null
# A small filesystem of its own for the disk-full test to fill.
small_disk=$(mktemp -d /tmp/pamphlet-small-disk.XXXXXX)
cleanup() {
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
  as_root umount "$small_disk" 2>/dev/null || true
  rmdir "$small_disk"
}
trap cleanup EXIT
as_root mount -t tmpfs -o size=128m,mode=1777 pamphlet-small-disk "$small_disk"
export PAMPHLET_TEST_SMALL_DISK="$small_disk"
run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c max_connections=400 -c fsync=off" start >/dev/null
export PAMPHLET_TEST_POSTGRES="postgres://postgres@127.0.0.1:$pg_port/postgres"

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --all-targets --no-fail-fast
else
  cargo test --all-targets --no-fail-fast
fi

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
command -v npm >/dev/null || missing+=(npm)  # fetches axe-core, below
command -v java >/dev/null || missing+=(default-jre-headless)  # runs the Nu HTML Checker
# The newsletter tests' SMTP server; Debian's package is importable from Debian's own Python.
/usr/bin/python3 -c "import aiosmtpd" 2>/dev/null || missing+=(python3-aiosmtpd)
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The flood tests open over a thousand connections at once, past a common soft limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# Throwaway PostgreSQL clusters (trust auth, loopback only) and small
# filesystems for the disk-full tests to fill, all removed on exit.
pg_bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
clusters=()
disks=()
cleanup() {
  for data in "${clusters[@]}"; do run_pg "$pg_bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true; done
  for disk in "${disks[@]}"; do as_root umount "$disk" 2>/dev/null || true; done
  as_root rm -rf "${disks[@]}" "${clusters[@]%/data}"
}
trap cleanup EXIT
# A tmpfs of SIZE mounted on a new folder, printed.
small_disk() {
  local disk
  disk=$(mktemp -d /tmp/pamphlet-small-disk.XXXXXX)
  as_root mount -t tmpfs -o "size=$1,mode=1777" pamphlet-small-disk "$disk"
  echo "$disk"
}
# A cluster in folder DIR listening on PORT; extra server settings follow.
start_pg() {
  local dir=$1 port=$2
  shift 2
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  run_pg "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust --locale=C.UTF-8 -E UTF8 >/dev/null
  clusters+=("$dir/data")
  run_pg "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off $*" start >/dev/null
}

# axe-core, run inside Chromium over the admin's pages, from npm (pinned).
tools=target/test-tools
[ -f "$tools/node_modules/axe-core/axe.min.js" ] || npm install --silent --no-audit --no-fund --prefix "$tools" axe-core@4.14.1 >/dev/null
export PAMPHLET_TEST_AXE="$PWD/$tools/node_modules/axe-core/axe.min.js"
# The Nu HTML Checker, from npm (pinned), run with Java over the public pages.
[ -f "$tools/node_modules/vnu-jar/build/dist/vnu.jar" ] || npm install --silent --no-audit --no-fund --prefix "$tools" vnu-jar@26.9.27 >/dev/null
export PAMPHLET_TEST_VNU="$PWD/$tools/node_modules/vnu-jar/build/dist/vnu.jar"

pg_port=${PAMPHLET_TEST_PG_PORT:-55432}
start_pg "$(mktemp -d /tmp/pamphlet-pg.XXXXXX)" "$pg_port" -c max_connections=400
export PAMPHLET_TEST_POSTGRES="postgres://postgres@127.0.0.1:$pg_port/postgres"

sqlite_disk=$(small_disk 128m)
disks+=("$sqlite_disk")
export PAMPHLET_TEST_SMALL_DISK="$sqlite_disk"
pg_disk=$(small_disk 200m)
disks+=("$pg_disk")
mkdir "$pg_disk/cluster"
start_pg "$pg_disk/cluster" $((pg_port + 1)) -c max_connections=50 -c max_wal_size=64MB -c min_wal_size=32MB
export PAMPHLET_TEST_POSTGRES_SMALL_DISK="postgres://postgres@127.0.0.1:$((pg_port + 1))/postgres"
export PAMPHLET_TEST_POSTGRES_SMALL_DISK_DIR="$pg_disk"

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --all-targets --no-fail-fast "$@"
else
  cargo test --all-targets --no-fail-fast "$@"
fi

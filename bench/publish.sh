#!/usr/bin/env bash
# Publish-to-visible: an editor's Update until readers see it, in Pamphlet,
# against Hugo rebuilding the same site, in one run (benches/publish.rs).
# Usage: bench/publish.sh [posts, default 1000] [edits, default 200]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v hugo >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq hugo >/dev/null
fi
hugo version
POSTS="${1:-1000}" EDITS="${2:-200}" cargo bench --quiet --bench publish

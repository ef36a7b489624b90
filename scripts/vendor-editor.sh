#!/usr/bin/env bash
# Copies the admin's writing surface from its npm packages into
# src/admin/static/ (they are built into the binary; nothing runs Node to
# build or serve Pamphlet). Run it only to move to a new version, then test.
# Each file starts with its package's licence.
set -euo pipefail
cd "$(dirname "$0")/.."

squire=squire-rte@2.4.8
turndown=turndown@7.2.5

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$squire" "$turndown" >/dev/null)

vendor() { # package tarball, file inside it, name in static/
  mkdir -p "$work/$1"
  tar xzf "$work/$1"-*.tgz -C "$work/$1"
  {
    echo "/*! $1 $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$work/$1/package/package.json" | head -1), from its npm package."
    sed 's/\*\//* \//g' "$work/$1/package/LICENSE"
    echo "*/"
    grep -v '^//# sourceMappingURL=' "$work/$1/package/$2"
  } > "src/admin/static/$3"
}
vendor squire-rte dist/squire.js squire.js
vendor turndown dist/turndown.js turndown.js

#!/usr/bin/env bash
# Newsletter delivery: Pamphlet sending one issue to 100,000 subscribers
# against Postfix's smtp-source blasting the same smtp-sink, in one run
# (benches/newsletter.rs). Usage: bench/newsletter.sh [people, default 100000] [connections, default 4]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v smtp-sink >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  # Only smtp-sink and smtp-source are needed: no mail system is set up.
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo_cmd debconf-set-selections
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postfix >/dev/null
fi
port=${SINK_PORT:-52525}
user_flag=(); [ "$(id -u)" -eq 0 ] && user_flag=(-u nobody)
# The sink accepts every message and keeps none; 256 is its listen backlog.
smtp-sink "${user_flag[@]}" "127.0.0.1:$port" 256 &
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT
sleep 0.5
SMTP="127.0.0.1:$port" SINK_PID=$sink PEOPLE="${1:-100000}" CONNECTIONS="${2:-4}" cargo bench --quiet --bench newsletter

#!/usr/bin/env bash
# Serving speed: Pamphlet's cached home page against nginx serving the same
# bytes from disk (sendfile), measured with wrk in the same run.
# Usage: bench/serve.sh [seconds per run, default 10] ; 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
P_PORT="${P_PORT:-38081}"
N_PORT="${N_PORT:-38082}"

need=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

cargo build --release --quiet
work=$(mktemp -d); chmod 755 "$work"
cleanup() { [ -n "${PAMPHLET_PID:-}" ] && kill "$PAMPHLET_PID" 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

PAMPHLET_LOG=warn target/release/pamphlet serve --addr "127.0.0.1:$P_PORT" --data "$work/data" >/dev/null &
PAMPHLET_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$P_PORT/healthz" >/dev/null && break; sleep 0.1; done

# The same bytes for nginx: the identity page and its gzip form (for gzip_static).
mkdir -p "$work/www"
curl -sf "http://127.0.0.1:$P_PORT/" -o "$work/www/index.html"
curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:$P_PORT/" -o "$work/www/index.html.gz"
chmod -R a+rX "$work/www"
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 100000;
  types { text/html html; }
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server {
    listen 127.0.0.1:$N_PORT;
    root $work/www;
    gzip_static on;
    etag on;
  }
}
CONF
mkdir -p "$work/tmp"
"$NGINX" -c "$work/nginx.conf" -p "$work" -g 'user root;' 2>/dev/null || "$NGINX" -c "$work/nginx.conf" -p "$work"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$N_PORT/" >/dev/null && break; sleep 0.1; done
cmp -s "$work/www/index.html" <(curl -sf "http://127.0.0.1:$N_PORT/") || { echo "nginx does not serve the same bytes" >&2; exit 1; }

# wrk prints "Requests/sec: N" and, with --latency, "99% Xms".
run() { # name url extra-header
  local out; out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency ${3:+-H "$3"} "$2")
  local rps p99; rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  printf '%-28s %12s req/s   p99 %s\n' "$1" "$rps" "$p99" >&2
  echo "$rps"
}

echo "Home page: $(wc -c <"$work/www/index.html") bytes identity, $(wc -c <"$work/www/index.html.gz") bytes gzip; wrk -t2 -c$CONNECTIONS -d${DURATION}s" >&2
p_plain=$(run "pamphlet (identity)" "http://127.0.0.1:$P_PORT/")
n_plain=$(run "nginx (identity)" "http://127.0.0.1:$N_PORT/")
p_gzip=$(run "pamphlet (gzip)" "http://127.0.0.1:$P_PORT/" "Accept-Encoding: gzip")
n_gzip=$(run "nginx (gzip_static)" "http://127.0.0.1:$N_PORT/" "Accept-Encoding: gzip")
awk -v a="$p_plain" -v b="$n_plain" 'BEGIN { printf "ratio pamphlet/nginx (identity): %.2f\n", a/b }'
awk -v a="$p_gzip" -v b="$n_gzip" 'BEGIN { printf "ratio pamphlet/nginx (gzip):     %.2f\n", a/b }'

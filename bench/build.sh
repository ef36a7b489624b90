#!/usr/bin/env bash
# Static export speed: `pamphlet build` against Hugo on the same 10,000
# generated posts, in one run (benches/build.rs writes both sites). Then the
# full export is served by nginx and compared with the live site on the same
# store: the pages must read the same.
# Usage: bench/build.sh [posts, default 10000]; 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
P_PORT="${P_PORT:-38091}"
N_PORT="${N_PORT:-38092}"
need=()
command -v hugo >/dev/null || need+=(hugo)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
hugo version
cargo build --release --quiet
keep=$(mktemp)
work=""
cleanup() {
  [ -n "${PAMPHLET_PID:-}" ] && kill "$PAMPHLET_PID" 2>/dev/null
  [ -n "$work" ] && [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  [ -n "$work" ] && rm -rf "$work"
  rm -f "$keep"
}
trap cleanup EXIT
KEEP="$keep" POSTS="${1:-10000}" PAMPHLET_BIN="$PWD/target/release/pamphlet" cargo bench --quiet --bench build
work=$(cat "$keep")

# The live site on the same store, and nginx serving the full export.
PAMPHLET_LOG=warn target/release/pamphlet serve --addr "127.0.0.1:$P_PORT" --base-url https://example.org --data "$work/data" >/dev/null &
PAMPHLET_PID=$!
chmod -R a+rX "$work"
mkdir -p "$work/tmp"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  types { text/html html; application/xml xml; application/json json; text/css css; application/javascript js; }
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server {
    listen 127.0.0.1:$N_PORT;
    root $work/p-full;
    try_files \$uri \$uri/index.html =404;
    error_page 404 /404.html;
    gzip_static on;
  }
}
CONF
"$NGINX" -c "$work/nginx.conf" -p "$work" -g 'user root;' 2>/dev/null || "$NGINX" -c "$work/nginx.conf" -p "$work"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$P_PORT/healthz" >/dev/null && curl -sf "http://127.0.0.1:$N_PORT/" >/dev/null && break; sleep 0.1; done

# A post and a tag page, picked from the sitemap (the first of each).
post=$(grep -oE 'https://example.org/news/[a-z0-9-]+/<' "$work/p-full/sitemap.xml" | sed -n '1s#https://example.org\(.*\)<#\1#p')
tag=$(grep -oE 'https://example.org/tags/[a-z0-9-]+/<' "$work/p-full/sitemap.xml" | sed -n '1s#https://example.org\(.*\)<#\1#p')
same=0; paths=(/ /news/ /news/page/2/ /news/page/900/ "$post" "$tag" /about-the-case/ /pardon/ /newsletter/ /books/one-day-in-the-life-of-179212/ /press/ /feed.xml /feed.json /sitemap.xml /robots.txt /no-such-page)
for path in "${paths[@]}"; do
  live=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$P_PORT$path" || true)
  served=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$N_PORT$path" || true)
  if [ "$live" == "$served" ]; then
    same=$((same + 1))
  else
    echo "nginx serves $path differently from the live site:" >&2
    diff <(echo "$live") <(echo "$served") | head -20 >&2
  fi
done
echo "served by nginx, the export matches the live site on $same of ${#paths[@]} pages (status and bytes)"
[ "$same" -eq "${#paths[@]}" ]

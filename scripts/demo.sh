#!/usr/bin/env bash
# The built-in example: a real assetfetch run against nginx on 127.0.0.1,
# started here and stopped on exit. It shows
#   1. a range fetch (HTTP Range requests, BITS layout: ranges back to back),
#   2. a mirror failover (the first URL answers 404, the second serves),
#   3. a cache hit (no request reaches the server).
# Usage: scripts/demo.sh [BUILD_DIR]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
af="$build/plugin/assetfetch"
[ -x "$af" ] || { echo "demo: $af not built; run scripts/quickstart.sh" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/assetfetch-demo.XXXXXX")
nginx_pid=""
cleanup() {
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

chmod 755 "$work"  # nginx workers may run as another user
mkdir -p "$work/www/origin" "$work/www/mirror" "$work/logs" "$work/out"
# 8 MiB of deterministic bytes, served only by the mirror.
head -c $((8 * 1024 * 1024)) \
  < <(openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 0 -in /dev/zero 2>/dev/null) \
  > "$work/www/mirror/sdk-1.0.tar.gz"
sha=$(openssl dgst -sha256 -r "$work/www/mirror/sdk-1.0.tar.gz" | cut -d' ' -f1)

# Each range may carry its own sha256, so it is verified without the whole file.
r1=$(head -c 4096 "$work/www/mirror/sdk-1.0.tar.gz" | openssl dgst -sha256 -r | cut -d' ' -f1)
r2=$(dd if="$work/www/mirror/sdk-1.0.tar.gz" bs=4096 skip=256 count=1 2>/dev/null | openssl dgst -sha256 -r | cut -d' ' -f1)

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 64; }
http {
  access_log $work/logs/access.log;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:$port; root $work/www; }
}
CONF
mkdir -p "$work/tmp"
/usr/sbin/nginx -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
  sleep 0.1
done

export ASSETFETCH_CACHE_DIR="$work/cache"
origin="http://127.0.0.1:$port/origin/sdk-1.0.tar.gz"
mirror="http://127.0.0.1:$port/mirror/sdk-1.0.tar.gz"
requests() { wc -l < "$work/logs/access.log" | tr -d ' '; }
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }

step "1. Two ranges (BITS layout: written back to back)" \
     "assetfetch fetch ORIGIN MIRROR --sha256 $sha --range 0:4096:\$R1 --range 1048576:4096:\$R2 -o out/header+block.bin"
"$af" fetch "$origin" "$mirror" --sha256 "$sha" --range "0:4096:$r1" --range "1048576:4096:$r2" \
  -o "$work/out/header+block.bin"
echo "-> $(stat -c %s "$work/out/header+block.bin") bytes; server saw $(requests) requests:"
sed 's/^/   /' "$work/logs/access.log"

step "2. The whole file: the origin answers 404, the mirror serves (failover)" \
     "assetfetch fetch ORIGIN MIRROR --sha256 $sha -o out/sdk-1.0.tar.gz"
before=$(requests)
"$af" fetch "$origin" "$mirror" --sha256 "$sha" -o "$work/out/sdk-1.0.tar.gz"
echo "-> server saw $(( $(requests) - before )) more requests; sha256 $(openssl dgst -sha256 -r "$work/out/sdk-1.0.tar.gz" | cut -c1-16)..."

step "3. Again, into another place: a cache hit" \
     "assetfetch fetch ORIGIN MIRROR --sha256 $sha -o out/copy/sdk-1.0.tar.gz --json"
before=$(requests)
"$af" fetch "$origin" "$mirror" --sha256 "$sha" -o "$work/out/copy/sdk-1.0.tar.gz" --json
after=$(requests)
echo "-> server saw $((after - before)) requests"
cmp "$work/out/sdk-1.0.tar.gz" "$work/out/copy/sdk-1.0.tar.gz"
[ "$after" -eq "$before" ] || { echo "demo: expected a cache hit with no request" >&2; exit 1; }
printf '\n\033[1mdemo: ok\033[0m (failover, ranges and a cache hit against nginx on 127.0.0.1:%s)\n' "$port"

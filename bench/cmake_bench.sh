#!/usr/bin/env bash
# cmake_bench.sh: fetch_assets() against CMake's own file(DOWNLOAD ... EXPECTED_HASH).
#
# Serves N assets of SIZE bytes (default 200 x 1 MiB) with nginx on 127.0.0.1 and
# times the configure of two projects that fetch all of them:
#   assetfetch:     fetch_assets(MANIFEST ...), one `assetfetch sync` process, parallel;
#   file(DOWNLOAD): a foreach() loop of file(DOWNLOAD url dest EXPECTED_HASH SHA256=...).
# Each is measured
#   cold: a new build directory (and, for assetfetch, an empty cache);
#   warm: configuring the same build directory again, every file in place.
# For assetfetch it also measures "new build dir, warm cache" (a second checkout of the same
# project; file(DOWNLOAD) has no cache, so its figure there is its cold one).
# Prints each median (of RUNS runs) and the ratios assetfetch / file(DOWNLOAD).
# Targets: cold <= 0.3x, warm <= 0.2x.
#
#   bench/cmake_bench.sh [--cli PATH] [--count N] [--size BYTES] [--runs R] [--jobs J]
#                        [--rate RATE]
#
# --rate caps each connection (nginx limit_rate, e.g. 20m for 20 MB/s per connection), so the
# transfer rather than the local disk is the bottleneck, as on a real network. Unlimited
# loopback mostly measures how fast the disk takes the bytes.
#
# PATH defaults to build/plugin/assetfetch under the source tree. Needs /usr/sbin/nginx and
# python3; everything lives in a temporary directory that is removed at exit.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/.." && pwd)"
cli="$src/build/plugin/assetfetch"
count=200
size=$((1024 * 1024))
runs=3
jobs=""
rate=0
nginx=/usr/sbin/nginx
while [ $# -gt 0 ]; do
  case "$1" in
    --cli) cli="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "cmake_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$cli" ] || { echo "cmake_bench.sh: no assetfetch at $cli (build it, or pass --cli)" >&2; exit 2; }
[ -x "$nginx" ] || { echo "cmake_bench.sh: $nginx not found (apt-get install nginx-light)" >&2; exit 2; }
cli="$(cd "$(dirname "$cli")" && pwd)/$(basename "$cli")"
python=$(command -v python3)

tmp="$(mktemp -d /tmp/assetfetch-cmake-bench.XXXXXX)"
chmod 755 "$tmp"   # nginx workers run as an unprivileged user
nginx_pid=""
cleanup() {
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy ASSETFETCH_CONFIG ASSETFETCH_OFFLINE

# --- Assets, manifest and the two projects. ---
echo "making $count assets of $size bytes in $tmp ..."
"$python" - "$tmp" "$count" "$size" <<'EOF'
import hashlib, json, os, sys
tmp, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(f"{tmp}/www/assets")
assets, loop = [], []
for i in range(count):
    name = "asset%03d" % i
    data = os.urandom(size)
    with open(f"{tmp}/www/assets/{name}.bin", "wb") as f:
        f.write(data)
    h = hashlib.sha256(data).hexdigest()
    assets.append({"name": name, "urls": ["@BASE@/assets/%s.bin" % name], "sha256": h})
    loop.append("%s %s" % (name, h))
with open(f"{tmp}/assets.json.in", "w") as f:
    json.dump({"assets": assets}, f, indent=1)
with open(f"{tmp}/assets.txt", "w") as f:
    f.write("\n".join(loop) + "\n")
EOF

port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
sed "s|@BASE@|$base|g" "$tmp/assets.json.in" > "$tmp/assets.json"

mkdir -p "$tmp/p_assetfetch" "$tmp/p_download"
cat > "$tmp/p_assetfetch/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.20)
project(bench_assetfetch NONE)
include("$src/cmake-module/AssetFetch.cmake")
fetch_assets(MANIFEST "$tmp/assets.json" DESTINATION assets QUIET ${jobs:+JOBS $jobs})
EOF
cat > "$tmp/p_download/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.20)
project(bench_download NONE)
file(STRINGS "$tmp/assets.txt" lines)
foreach(line IN LISTS lines)
  string(REPLACE " " ";" fields "\${line}")
  list(GET fields 0 name)
  list(GET fields 1 hash)
  file(DOWNLOAD "$base/assets/\${name}.bin" "\${CMAKE_BINARY_DIR}/assets/\${name}.bin"
    EXPECTED_HASH SHA256=\${hash} STATUS status)
  list(GET status 0 code)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "\${name}: \${status}")
  endif()
endforeach()
EOF

# --- nginx on 127.0.0.1, in the foreground of its own process. ---
mkdir -p "$tmp/nginx"
listen_opts=""
# A small send buffer, or the kernel swallows a whole 1 MiB response at once on loopback.
if [ "$rate" != 0 ]; then listen_opts="sndbuf=64k"; fi
cat > "$tmp/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000;
  limit_rate $rate;
  sendfile_max_chunk 64k;   # so limit_rate applies to 1 MiB files on loopback
  client_body_temp_path $tmp/nginx/client_body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  types { application/octet-stream bin; }
  server {
    listen 127.0.0.1:$port $listen_opts;
    root $tmp/www;
  }
}
EOF
"$nginx" -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" &
nginx_pid=$!
for _ in $(seq 100); do
  curl -fsS -o /dev/null "$base/assets/asset000.bin" 2>/dev/null && break
  sleep 0.05
done
curl -fsS -o /dev/null "$base/assets/asset000.bin" || { echo "nginx did not start:"; cat "$tmp/nginx/error.log"; exit 1; }

# --- Timing. ---
# configure PROJECT BUILD_DIR: prints seconds, fails the script if configure fails.
configure() {
  local t0 t1
  t0=$(date +%s.%N)
  if ! cmake -S "$1" -B "$2" -G Ninja -DASSETFETCH_EXECUTABLE="$cli" > "$tmp/last.log" 2>&1; then
    cat "$tmp/last.log" >&2; exit 1
  fi
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { echo "scale=3; $1 / $2" | bc -l; }

declare -a af_cold af_warm af_cache dl_cold dl_warm
for r in $(seq "$runs"); do
  rm -rf "$tmp/b_af" "$tmp/b_dl" "$tmp/b_af2" "$tmp/cache"
  export ASSETFETCH_CACHE_DIR="$tmp/cache"
  af_cold+=("$(configure "$tmp/p_assetfetch" "$tmp/b_af")")
  af_warm+=("$(configure "$tmp/p_assetfetch" "$tmp/b_af")")
  af_cache+=("$(configure "$tmp/p_assetfetch" "$tmp/b_af2")")
  dl_cold+=("$(configure "$tmp/p_download" "$tmp/b_dl")")
  dl_warm+=("$(configure "$tmp/p_download" "$tmp/b_dl")")
  cmp -s "$tmp/b_af/assets/asset007.bin" "$tmp/www/assets/asset007.bin" || { echo "assetfetch: wrong bytes"; exit 1; }
  cmp -s "$tmp/b_dl/assets/asset007.bin" "$tmp/www/assets/asset007.bin" || { echo "file(DOWNLOAD): wrong bytes"; exit 1; }
  echo "run $r: assetfetch cold ${af_cold[-1]} s, warm ${af_warm[-1]} s, new dir+warm cache ${af_cache[-1]} s;" \
       "file(DOWNLOAD) cold ${dl_cold[-1]} s, warm ${dl_warm[-1]} s"
done

ac=$(median "${af_cold[@]}"); aw=$(median "${af_warm[@]}"); ak=$(median "${af_cache[@]}")
dc=$(median "${dl_cold[@]}"); dw=$(median "${dl_warm[@]}")
echo
echo "$count x $size bytes, nginx on 127.0.0.1 (limit_rate $rate), median of $runs runs (configure wall time, s)"
printf '%-28s %10s %10s %10s\n' "" "assetfetch" "file(DL)" "ratio"
printf '%-28s %10.3f %10.3f %10s   (target <= 0.3)\n' "cold" "$ac" "$dc" "$(ratio "$ac" "$dc")"
printf '%-28s %10.3f %10.3f %10s   (target <= 0.2)\n' "warm (re-configure)" "$aw" "$dw" "$(ratio "$aw" "$dw")"
printf '%-28s %10.3f %10.3f %10s\n' "new build dir, warm cache" "$ak" "$dc" "$(ratio "$ak" "$dc")"

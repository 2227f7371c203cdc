#!/usr/bin/env bash
# Runs a command with a loopback HTTP server for the C ABI tests: nginx
# (/usr/sbin/nginx, foreground, one process, no user switch) on a free
# 127.0.0.1 port serving a new temporary folder, stopped afterwards. The
# command gets
#   AF_C_TEST_HTTP_URL   http://127.0.0.1:PORT
#   AF_C_TEST_HTTP_ROOT  the served folder (files written there are served)
#   AF_C_TEST_HTTP_LOG   nginx's access log: "METHOD URI RANGE STATUS BYTES"
# The two paths are prefixed with $AF_C_TEST_PATH_PREFIX: under Wine the
# program names the folder "Z:/tmp/..." (scripts/windows/test.sh sets "Z:").
# Usage: with_http_server.sh COMMAND [ARGS...]; exits with the command's status.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: with_http_server.sh COMMAND [ARGS...]" >&2; exit 2; }
nginx=${AF_NGINX:-/usr/sbin/nginx}
[ -x "$nginx" ] || { echo "with_http_server.sh: no $nginx" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/af-c-abi-http.XXXXXX")
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/www" "$work/tmp" "$work/logs"
: > "$work/logs/access.log"

started=0
for _ in 1 2 3 4 5; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 256; }
http {
  log_format af '\$request_method \$uri \$http_range \$status \$body_bytes_sent';
  access_log $work/logs/access.log af;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:$port; root $work/www; }
}
CONF
  "$nginx" -p "$work" -c "$work/nginx.conf" -g 'daemon off; master_process off;' 2>>"$work/logs/start.log" &
  pid=$!
  # Bounded: 5 s for nginx to accept connections.
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then started=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ "$started" = 1 ] && break
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""  # the port was taken
done
if [ "$started" != 1 ]; then
  echo "with_http_server.sh: nginx did not start:" >&2
  cat "$work/logs/start.log" "$work/logs/error.log" >&2 2>/dev/null || true
  exit 1
fi

prefix=${AF_C_TEST_PATH_PREFIX:-}
set +e
AF_C_TEST_HTTP_URL="http://127.0.0.1:$port" AF_C_TEST_HTTP_ROOT="$prefix$work/www" \
  AF_C_TEST_HTTP_LOG="$prefix$work/logs/access.log" "$@"
rc=$?
set -e
echo "with_http_server.sh: nginx served $(wc -l < "$work/logs/access.log") requests" \
     "($(grep -c ' 206 ' "$work/logs/access.log" || true) of them ranges)"
exit "$rc"

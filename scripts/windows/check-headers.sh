#!/usr/bin/env bash
# The ratchet on OS headers (tests/layers/check_os_headers.cmake, also the
# ctest layers.os_headers): fails when a source of plugin/ outside
# plugin/src/platform/ includes a POSIX or Windows header and is not on the
# script's shrinking list of files still to migrate, or when a listed file no
# longer includes one. `--list` prints the files that still include one.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
args=(-DPLUGIN="$root/plugin")
[ "${1:-}" = "--list" ] && args+=(-DLIST=ON)
exec cmake "${args[@]}" -P "$root/tests/layers/check_os_headers.cmake"

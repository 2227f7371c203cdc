#!/usr/bin/env bash
# Cross-builds the platform layer and its tests for Windows (mingw-w64) and
# runs them under Wine. Usage: scripts/windows/test.sh [build-dir]
# (default build-windows). Needs scripts/windows/setup.sh once. Exits
# non-zero on a warning, a build error or a failing test.
#
# Wine runs in a prefix of its own ($AF_WINEPREFIX, default
# ~/.cache/assetfetch/wine; created on first use, about 10 s), kept between
# runs. Every compile goes through ccache when it is installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-windows}
[ $# -eq 0 ] || shift  # the rest goes to platform_test.exe (e.g. --gtest_filter=...)
wine=/usr/lib/wine/wine64
for tool in x86_64-w64-mingw32-g++-posix cmake ninja; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/windows/setup.sh" >&2; exit 2; }
done
[ -x "$wine" ] || { echo "$wine is missing: run scripts/windows/setup.sh" >&2; exit 2; }

launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root/tests/windows" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_TOOLCHAIN_FILE="$root/scripts/windows/mingw-w64.cmake" "${launcher[@]}" >/dev/null
fi
# Zero warnings in our sources (GoogleTest's own are not ours).
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cmake --build "$build" -j"${AF_JOBS:-2}" --target platform_test 2>&1 | tee "$log" | grep -v '^\[' || true
if grep -q '^FAILED' "$log"; then echo "== the Windows build failed" >&2; exit 1; fi
if grep -E 'warning:' "$log" | grep -v '/usr/src/googletest' | grep -q .; then
  echo "== warnings in the Windows build (above)" >&2
  exit 1
fi

export WINEPREFIX=${AF_WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/assetfetch/wine}
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINEPREFIX"
echo "== platform_test.exe under Wine ($("$wine" --version 2>/dev/null || echo wine), prefix $WINEPREFIX)"
"$wine" "$build/platform_test.exe" "$@" 2>&1 | tr -d '\r'
exit "${PIPESTATUS[0]}"

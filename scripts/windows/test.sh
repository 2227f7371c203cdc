#!/usr/bin/env bash
# Cross-builds for Windows (mingw-w64) the platform layer and the engine's
# layers below worker/ (base, platform, verify, transfer, cache, config) with
# their unit tests, and runs them under Wine: platform_test.exe and
# engine_test.exe. Usage: scripts/windows/test.sh [build-dir [gtest args]]
# (default build-windows). Needs scripts/windows/setup.sh once. Exits
# non-zero on a warning, a build error or a failing test.
#
# Dependencies (docs/windows.md): RE2 is cross-built once from Debian's
# source package (build-re2.sh, about 35 CPU-seconds, bounded here by
# $AF_DEPS_TIMEOUT seconds, default 600) into ~/.cache/assetfetch/windows-deps
# and reused; curl is used for its headers only (libcurl is loaded at run
# time), taken from Debian's source package without building it.
# AF_WINDOWS_PLATFORM_ONLY=1 builds and runs platform_test.exe alone.
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
targets=(platform_test)
engine=()
if [ "${AF_WINDOWS_PLATFORM_ONLY:-0}" != 1 ]; then
  re2=$(timeout "${AF_DEPS_TIMEOUT:-600}" "$root/scripts/windows/build-re2.sh" | tail -n 1)
  curl_headers=$(. "$root/scripts/windows/deps-common.sh" && debian_version curl && debian_source curl && echo "$src")
  engine=(-DAF_WINDOWS_RE2="$re2" -DAF_WINDOWS_CURL_HEADERS="$curl_headers/include")
  targets+=(engine_test)
fi
if [ ! -f "$build/build.ninja" ] || [ ${#engine[@]} -gt 0 ]; then
  cmake -S "$root/tests/windows" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_TOOLCHAIN_FILE="$root/scripts/windows/mingw-w64.cmake" "${launcher[@]}" "${engine[@]}" >/dev/null
fi
# Zero warnings in our sources (GoogleTest's own are not ours).
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cmake --build "$build" -j"${AF_JOBS:-2}" --target "${targets[@]}" 2>&1 | tee "$log" | grep -v '^\[' || true
if grep -q '^FAILED' "$log"; then echo "== the Windows build failed" >&2; exit 1; fi
if grep -E 'warning:' "$log" | grep -v -e '/usr/src/googletest' -e '/windows-deps/' | grep -q .; then
  echo "== warnings in the Windows build (above)" >&2
  exit 1
fi

export WINEPREFIX=${AF_WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/assetfetch/wine}
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINEPREFIX"
status=0
for t in "${targets[@]}"; do
  echo "== $t.exe under Wine ($("$wine" --version 2>/dev/null || echo wine), prefix $WINEPREFIX)"
  filter=()
  # Tests that check what only POSIX does (docs/windows.md, "Under Wine"):
  # skipped by name here, each with its reason in tests/windows/wine_skips.txt.
  if [ "$t" = engine_test ]; then
    skips=$(grep -v '^#' "$root/tests/windows/wine_skips.txt" | awk 'NF {print $1}' | paste -sd: -)
    [ -n "$skips" ] && filter=(--gtest_filter="-$skips")
  fi
  set +e
  "$wine" "$build/$t.exe" "${filter[@]}" "$@" 2>&1 | tr -d '\r' | grep -vE '^\[ +(OK|RUN) +\]'
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" -eq 0 ] || status=$rc
done
exit "$status"

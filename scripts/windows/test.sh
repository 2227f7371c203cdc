#!/usr/bin/env bash
# Cross-builds assetfetch for Windows (mingw-w64) from the top-level
# CMakeLists.txt -- assetfetch.exe, assetfetch.dll with its import library,
# the static core -- and the tests that build for Windows, checks the DLL's
# export list, and runs under Wine: platform_test.exe, engine_test.exe, the C
# ABI programs against assetfetch.dll (tests/c_abi, fetching from nginx on
# 127.0.0.1), the release zip (scripts/windows/zip-test.sh: unzipped into an
# empty folder, --version and a fetch), then the CLI integration tests against
# assetfetch.exe (scripts/windows/cli-test.sh).
# Usage: scripts/windows/test.sh [build-dir [gtest args]] (default
# build-windows; gtest args go to the two unit test programs). Needs
# scripts/windows/setup.sh once. Exits non-zero on a warning, a build error
# or a failing test.
#
# Dependencies (docs/windows.md), cross-built once from Debian's source
# packages into ~/.cache/assetfetch/windows-deps and reused: RE2 (static,
# build-re2.sh) and libcurl-4.dll (Schannel, build-curl.sh), each bounded by
# $AF_DEPS_TIMEOUT seconds (default 600); nlohmann/json and CLI11 are
# Debian's headers (header-only.sh).
# AF_WINDOWS_PLATFORM_ONLY=1 builds and runs platform_test.exe alone (no
# dependencies); AF_WINDOWS_NO_CLI_TESTS=1 skips the CLI integration tests.
#
# Wine runs in a prefix of its own ($AF_WINEPREFIX, default
# ~/.cache/assetfetch/wine; created on first use, about 10 s), kept between
# runs. Every compile goes through ccache when it is installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-windows}
[ $# -eq 0 ] || shift
build=$(mkdir -p "$build" && cd "$build" && pwd)
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
toolchain=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
           -DCMAKE_TOOLCHAIN_FILE="$root/scripts/windows/mingw-w64.cmake" "${launcher[@]}")

# A build folder configured from the other source (the whole project or
# tests/windows alone) is started afresh.
source_dir=$root
[ "${AF_WINDOWS_PLATFORM_ONLY:-0}" = 1 ] && source_dir=$root/tests/windows
if [ -f "$build/CMakeCache.txt" ] &&
   ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$source_dir" "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi

if [ "${AF_WINDOWS_PLATFORM_ONLY:-0}" = 1 ]; then
  targets=(platform_test)
  [ -f "$build/build.ninja" ] || cmake -S "$source_dir" -B "$build" "${toolchain[@]}" >/dev/null
else
  deps_timeout=${AF_DEPS_TIMEOUT:-600}
  re2=$(timeout "$deps_timeout" "$root/scripts/windows/build-re2.sh" | tail -n 1)
  curl=$(timeout "$deps_timeout" "$root/scripts/windows/build-curl.sh" | tail -n 1)
  headers=$("$root/scripts/windows/header-only.sh" | tail -n 1)
  targets=(assetfetch_cli assetfetch windows_exports windows_curl_dll platform_test engine_test
           c_api_test c_api_0_2_test dlopen_test hold_file)
  if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$source_dir" -B "$build" "${toolchain[@]}" \
      -Dre2_DIR="$re2/lib/cmake/re2" -DCURL_DIR="$curl/lib/cmake/CURL" \
      -Dnlohmann_json_DIR="$headers/share/cmake/nlohmann_json" -DCLI11_DIR="$headers/share/cmake/CLI11" \
      -DAF_WINDOWS_CURL_DLL="$curl/bin/libcurl-4.dll" \
      -DASSETFETCH_BUNDLE_DLLS="$curl/bin/libcurl-4.dll" >/dev/null
  elif ! grep -qx "ASSETFETCH_BUNDLE_DLLS:STRING=$curl/bin/libcurl-4.dll" "$build/CMakeCache.txt"; then
    # A folder configured before the zip was checked here: the zip bundles libcurl-4.dll.
    cmake "$build" -DASSETFETCH_BUNDLE_DLLS="$curl/bin/libcurl-4.dll" >/dev/null
  fi
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
for t in platform_test engine_test; do
  exe=$(find "$build" -name "$t.exe" -print -quit)
  [ -n "$exe" ] || continue
  echo "== $t.exe under Wine ($("$wine" --version 2>/dev/null || echo wine), prefix $WINEPREFIX)"
  filter=()
  # Tests that check what only POSIX does (docs/windows.md, "Under Wine"):
  # skipped by name here, each with its reason in tests/windows/wine_skips.txt.
  if [ "$t" = engine_test ]; then
    skips=$(grep -v '^#' "$root/tests/windows/wine_skips.txt" | awk 'NF {print $1}' | paste -sd: -)
    [ -n "$skips" ] && filter=(--gtest_filter="-$skips")
  fi
  set +e
  "$wine" "$exe" "${filter[@]}" "$@" 2>&1 | tr -d '\r' | grep -vE '^\[ +(OK|RUN) +\]'
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" -eq 0 ] || status=$rc
done
if [ "${AF_WINDOWS_PLATFORM_ONLY:-0}" != 1 ]; then
  # The C ABI programs, beside assetfetch.dll and libcurl-4.dll. nginx (a
  # Linux process) serves what they write into its folder, which they name
  # Z:/... (Wine's drive for /); without nginx they fetch file:// URLs.
  http=()
  [ -x /usr/sbin/nginx ] && http=(env AF_C_TEST_PATH_PREFIX=Z: "$root/tests/c_abi/with_http_server.sh")
  dll=$build/plugin/assetfetch.dll
  for t in c_api_test c_api_0_2_test dlopen_test; do
    echo "== $t.exe under Wine, against assetfetch.dll"
    args=()
    [ "$t" = dlopen_test ] && args=("$(basename "$dll")")
    set +e
    (cd "$(dirname "$dll")" && timeout 300 "${http[@]}" "$wine" "./$t.exe" "${args[@]}") 2>&1 | tr -d '\r'
    rc=${PIPESTATUS[0]}
    set -e
    [ "$rc" -eq 0 ] || { echo "== $t.exe failed ($rc)"; status=$rc; }
  done
  # The release zip (scripts/package.sh), unzipped into an empty folder and run.
  echo "== the Windows zip under Wine"
  "$root/scripts/windows/zip-test.sh" "$build" || { echo "== the zip check failed"; status=1; }
fi
if [ "${AF_WINDOWS_PLATFORM_ONLY:-0}" != 1 ] && [ "${AF_WINDOWS_NO_CLI_TESTS:-0}" != 1 ]; then
  "$root/scripts/windows/cli-test.sh" "$build" || status=$?
fi
exit "$status"

#!/usr/bin/env bash
# Runs the CLI integration tests against assetfetch.exe under Wine. The tests
# are the Linux build's (tests/integration, integration_suite): their servers
# (TestServer with fault injection, nginx) run as Linux processes on
# 127.0.0.1, and only the program under test runs under Wine. They reach it
# through AF_TEST_CLI (tests/support/test_util.h), a wrapper script that execs
# /usr/lib/wine/wine64 assetfetch.exe (same pid: a test's kill reaches the
# Windows process); its CR LF output is read as LF (tests/support/process.cpp).
#
# Usage: scripts/windows/cli-test.sh [windows-build [gtest args]]
# (default build-windows, made by scripts/windows/test.sh). The Linux build is
# $AF_LINUX_BUILD (default build/; configured as .ci/run does if missing).
# Which tests: the suites in tests/windows/wine_cli_tests.txt, less the tests
# in tests/windows/wine_cli_skips.txt (each with its reason).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build-windows}" && pwd)
[ $# -eq 0 ] || shift
linux=${AF_LINUX_BUILD:-$root/build}
wine=/usr/lib/wine/wine64
exe=$build/plugin/assetfetch.exe
for f in "$exe" "$build/plugin/assetfetch.dll" "$build/plugin/libcurl-4.dll" "$build/tests/windows/hold_file.exe"; do
  [ -f "$f" ] || { echo "no $f: run scripts/windows/test.sh first" >&2; exit 2; }
done

if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=1
fi
if [ ! -f "$linux/build.ninja" ]; then
  cmake -S "$root" -B "$linux" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
fi
cmake --build "$linux" -j"${AF_JOBS:-2}" --target integration_suite | grep -v '^\[' || true
suite=$linux/tests/integration/integration_suite
[ -x "$suite" ] || { echo "no $suite" >&2; exit 1; }

export WINEPREFIX=${AF_WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/assetfetch/wine}
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINEPREFIX" "$build/wine-cli"
# One wineserver for the whole run, kept 30 s after its last Wine process:
# each CLI start then costs a process, not a server.
/usr/lib/wine/wineserver -p30 2>/dev/null || true  # fails when one already runs
wrapper=$build/wine-cli/assetfetch
cat > "$wrapper" <<WRAPPER
#!/bin/sh
# assetfetch.exe under Wine (scripts/windows/cli-test.sh). UTF-8 arguments
# and environment reach the program as UTF-16.
LC_ALL=C.UTF-8 exec $wine "$exe" "\$@"
WRAPPER
chmod +x "$wrapper"
# tests/windows/hold_file.c, which holds a file open without delete sharing
# (WindowsHeldDestination.*), through Wine the same way.
holder=$build/wine-cli/hold_file
cat > "$holder" <<WRAPPER
#!/bin/sh
LC_ALL=C.UTF-8 exec $wine "$build/tests/windows/hold_file.exe" "\$@"
WRAPPER
chmod +x "$holder"

suites=$( (grep -v '^#' "$root/tests/windows/wine_cli_tests.txt" || true) | awk 'NF {print $1}' | paste -sd: -)
skips=$( (grep -v '^#' "$root/tests/windows/wine_cli_skips.txt" || true) | awk 'NF {print $1}' | paste -sd: -)
echo "== CLI integration tests against assetfetch.exe under Wine ($("$wine" --version))"
set +e
AF_TEST_CLI=$wrapper AF_TEST_WINDOWS_HOLDER=$holder timeout "${AF_CLI_TEST_TIMEOUT:-1200}" "$suite" \
  --gtest_filter="$suites${skips:+-$skips}" "$@" 2>&1 | grep -vE '^\[ +(OK|RUN) +\]'
rc=${PIPESTATUS[0]}
exit "$rc"

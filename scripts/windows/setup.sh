#!/usr/bin/env bash
# Installs what the Windows cross build and its Wine test run need (Debian 12):
# the mingw-w64 C/C++ cross compilers (posix threads model) and Wine.
# With --curl it also cross-builds libcurl (scripts/windows/build-curl.sh).
# Safe to run again: apt skips what is installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
command -v x86_64-w64-mingw32-g++-posix >/dev/null || need+=(g++-mingw-w64-x86-64-posix)
[ -x /usr/lib/wine/wine64 ] || need+=(wine64)
command -v cmake >/dev/null || need+=(cmake)
command -v ninja >/dev/null || need+=(ninja-build)
[ -d /usr/src/googletest ] || need+=(googletest)
# RE2's Unicode tables are generated from these when it is cross-built (build-re2.sh).
[ -f /usr/share/unicode/UnicodeData.txt ] || need+=(unicode-data)
python3 -c 'import six' 2>/dev/null || need+=(python3-six)
command -v perl >/dev/null || need+=(perl)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if [ "${1:-}" = "--curl" ]; then
  scripts/windows/build-curl.sh
fi

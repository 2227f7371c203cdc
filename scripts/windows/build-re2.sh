#!/usr/bin/env bash
# Cross-builds RE2 for Windows x64 (static) from Debian's own source package,
# like build-curl.sh: the result is a prefix outside the clone, keyed by
# RE2's version, and reused while it exists:
#   ${AF_WINDOWS_DEPS:-~/.cache/assetfetch/windows-deps}/re2-<version>-x64/
#     include/re2/*.h  lib/libre2.a
# Prints the prefix on its last line.
set -euo pipefail
. "$(dirname "$0")/deps-common.sh"
debian_version re2
upstream=${upstream%+dfsg}
prefix=$deps/re2-$upstream-x64
if [ -f "$prefix/lib/libre2.a" ]; then
  echo "$prefix"
  exit 0
fi
debian_source re2
# Debian's tarball drops the generated tables; they are made again from the
# unicode-data package (/usr/share/unicode), as Debian's own build does.
[ -f "$src/re2/perl_groups.cc" ] || perl "$src/re2/make_perl_groups.pl" > "$src/re2/perl_groups.cc"
for t in casefold groups; do
  [ -f "$src/re2/unicode_$t.cc" ] || (cd "$src/re2" && python3 "make_unicode_$t.py" > "unicode_$t.cc")
done

build=$deps/build/re2-$upstream
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/scripts/windows/mingw-w64.cmake" "${launcher[@]}" \
  -DCMAKE_INSTALL_PREFIX="$prefix" -DBUILD_SHARED_LIBS=OFF -DRE2_BUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"${AF_JOBS:-2}" --target re2
cmake --install "$build" >/dev/null
echo "$prefix"

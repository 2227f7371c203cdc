#!/usr/bin/env bash
# Cross-builds libcurl for Windows x64 as a DLL (Schannel TLS, HTTP only) from
# Debian's own source package of curl, fetched with apt from a deb-src entry
# for the archive this machine already uses. The result is a prefix outside
# the clone, keyed by curl's version, and reused while it exists:
#   ${AF_WINDOWS_DEPS:-~/.cache/assetfetch/windows-deps}/curl-<version>-x64-schannel-dll/
#     include/curl/*.h  bin/libcurl-4.dll  lib/libcurl-4.dll.a
# libcurl-4.dll is the name assetfetch loads at run time
# (platform::shared_library_name("curl", 4), transfer/curl_api.cpp) and the
# name curl's own autotools build gives it on Windows. The DLL needs only
# Windows' own DLLs (the GCC runtime is linked in, scripts/windows/mingw-w64.cmake).
# Prints the prefix on its last line.
set -euo pipefail
. "$(dirname "$0")/deps-common.sh"
debian_version curl
prefix=$deps/curl-$upstream-x64-schannel-dll
if [ -f "$prefix/bin/libcurl-4.dll" ]; then
  echo "$prefix"
  exit 0
fi
debian_source curl

build=$deps/build/curl-$upstream-dll
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/scripts/windows/mingw-w64.cmake" "${launcher[@]}" \
  -DCMAKE_INSTALL_PREFIX="$prefix" -DBUILD_SHARED_LIBS=ON -DLIBCURL_OUTPUT_NAME=libcurl-4 \
  -DCURL_USE_SCHANNEL=ON -DHTTP_ONLY=ON -DCURL_DISABLE_LDAP=ON \
  -DCURL_USE_LIBSSH2=OFF -DCURL_ZLIB=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DUSE_NGHTTP2=OFF \
  -DUSE_LIBIDN2=OFF -DCURL_USE_LIBPSL=OFF -DENABLE_MANUAL=OFF \
  -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"${AF_JOBS:-2}"
cmake --install "$build" >/dev/null
echo "$prefix"

#!/usr/bin/env bash
# Cross-builds libcurl for Windows x64 (static, Schannel TLS, HTTP only) from
# Debian's own source package of curl, fetched with apt from a deb-src entry
# for the archive this machine already uses. The result is a prefix outside
# the clone, keyed by curl's version, and reused while it exists:
#   ${AF_WINDOWS_DEPS:-~/.cache/assetfetch/windows-deps}/curl-<version>-x64-schannel/
#     include/curl/*.h  lib/libcurl.a
# A program linking it needs -DCURL_STATICLIB and -lws2_32 -lcrypt32 -lbcrypt -lsecur32.
# Prints the prefix on its last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
deps=${AF_WINDOWS_DEPS:-${XDG_CACHE_HOME:-$HOME/.cache}/assetfetch/windows-deps}
apt_dir=$deps/apt
mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$deps/src"

# deb-src for the same archive and suite as the machine's Debian entries.
cat > "$apt_dir/sources.list.d/debian-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
if ! compgen -G "$apt_dir/lists/*Sources*" >/dev/null; then
  apt-get "${apt_opts[@]}" update -qq
fi
version=$(apt-cache "${apt_opts[@]}" showsrc curl | awk '/^Version:/ {print $2; exit}')
[ -n "$version" ] || { echo "no source package of curl found through apt" >&2; exit 1; }
upstream=${version#*:}
upstream=${upstream%-*}
prefix=$deps/curl-$upstream-x64-schannel
if [ -f "$prefix/lib/libcurl.a" ]; then
  echo "$prefix"
  exit 0
fi

src=$deps/src/curl-$upstream
if [ ! -d "$src" ]; then
  (cd "$deps/src" && apt-get "${apt_opts[@]}" source --download-only -qq "curl=$version" &&
   dpkg-source --no-check -x curl_"${version#*:}".dsc "curl-$upstream" >/dev/null)
fi

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
build=$deps/build/curl-$upstream
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/scripts/windows/mingw-w64.cmake" "${launcher[@]}" \
  -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCURL_USE_SCHANNEL=ON -DBUILD_SHARED_LIBS=OFF -DHTTP_ONLY=ON -DCURL_DISABLE_LDAP=ON \
  -DCURL_USE_LIBSSH2=OFF -DCURL_ZLIB=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DUSE_NGHTTP2=OFF \
  -DUSE_LIBIDN2=OFF -DCURL_USE_LIBPSL=OFF -DENABLE_MANUAL=OFF \
  -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"${AF_JOBS:-2}"
cmake --install "$build" >/dev/null
echo "$prefix"

#!/usr/bin/env bash
# Builds the release archives of a build tree with CPack (cmake/packaging.cmake).
# Usage: scripts/package.sh [build-dir]      (default: build/)
#
#   Linux build:   <build-dir>/packages/assetfetch-<version>-linux-x86_64.tar.gz
#                  <build-dir>/packages/assetfetch_<version>_amd64.deb   (where dpkg-shlibdeps is)
#   Windows build: <build-dir>/packages/assetfetch-<version>-windows-x64.zip
#                  (a tree configured for Windows, e.g. `cmake --preset windows-mingw`)
#
# A build-dir without a CMakeCache.txt is configured first, as scripts/quickstart.sh
# does (Ninja, RelWithDebInfo; CPack strips the binaries). Only the packaged
# targets are built (the CLI and the library), never the tests. AF_JOBS sets
# the parallel jobs (default 2); AF_CONFIG the configuration of a multi-config
# tree (default Release). Prints each package with its size.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
[ $# -le 1 ] || { echo "usage: scripts/package.sh [build-dir]" >&2; exit 2; }
mkdir -p "$build"
build=$(cd "$build" && pwd)

launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
fi
cache=$build/CMakeCache.txt
if [ ! -f "$build/CPackConfig.cmake" ]; then
  echo "$build has no CPackConfig.cmake: it was configured with ASSETFETCH_INSTALL=OFF or as a" \
       "subproject; configure assetfetch itself (cmake -S $root -B <dir>) and package that" >&2
  exit 2
fi

config=()
if grep -q '^CMAKE_CONFIGURATION_TYPES:' "$cache"; then
  config=(--config "${AF_CONFIG:-Release}")
fi
targets=(assetfetch_cli)
grep -q '^ASSETFETCH_BUILD_LIBRARY:BOOL=OFF' "$cache" || targets+=(assetfetch)
cmake --build "$build" -j"${AF_JOBS:-2}" "${config[@]}" --target "${targets[@]}"

cpack_config=()
[ ${#config[@]} -eq 0 ] || cpack_config=(-C "${AF_CONFIG:-Release}")
out=$build/packages
(cd "$build" && cpack --config CPackConfig.cmake -B "$out" "${cpack_config[@]}") >"$build/cpack.log" 2>&1 || {
  cat "$build/cpack.log" >&2
  exit 1
}
# The packages this run made, as CPack reports them.
sed -n 's/^CPack: - package: \(.*\) generated\.$/\1/p' "$build/cpack.log" | while read -r pkg; do
  printf '%s  %s bytes\n' "$pkg" "$(stat -c %s "$pkg")"
done

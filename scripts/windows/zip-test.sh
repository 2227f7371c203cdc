#!/usr/bin/env bash
# Builds the Windows release zip of a Windows build folder (scripts/package.sh;
# cmake/packaging.cmake, with libcurl-4.dll from ASSETFETCH_BUNDLE_DLLS) and
# checks it under Wine the way a user meets it: unzipped into an empty folder,
# `assetfetch.exe --version`, and one fetch from nginx on 127.0.0.1 whose
# bytes are compared; then a C host program (dlopen_test) in a folder of its
# own loading the zip's DLL by path. Nothing from the build folder is on Wine's search path:
# the zip's own bin/ must hold what the program loads.
# Usage: scripts/windows/zip-test.sh [windows-build] (default build-windows,
# configured by scripts/windows/test.sh). Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build-windows}" && pwd)
wine=/usr/lib/wine/wine64
grep -q '^ASSETFETCH_BUNDLE_DLLS:STRING=.*libcurl-4.dll' "$build/CMakeCache.txt" || {
  echo "zip-test.sh: $build bundles no libcurl-4.dll (configure it with -DASSETFETCH_BUNDLE_DLLS=<curl prefix>/bin/libcurl-4.dll)" >&2
  exit 2
}
AF_JOBS=${AF_JOBS:-2} "$root/scripts/package.sh" "$build" | grep -v '^\[' || true
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
zip=$build/packages/assetfetch-$version-windows-x64.zip
[ -f "$zip" ] || { echo "zip-test.sh: no $zip" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/af-zip-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/unzipped"
(cd "$work/unzipped" && python3 -m zipfile -e "$zip" .)
exe=$work/unzipped/assetfetch-$version-windows-x64/bin/assetfetch.exe
for f in assetfetch.exe assetfetch.dll libcurl-4.dll; do
  [ -f "$(dirname "$exe")/$f" ] || { echo "zip-test.sh: the zip has no bin/$f" >&2; exit 1; }
done
export WINEPREFIX=${AF_WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/assetfetch/wine}
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="

got=$(cd "$work" && "$wine" "$exe" --version | tr -d '\r')
case "$got" in
  *"$version"*) echo "zip: assetfetch.exe --version: $got" ;;
  *) echo "zip-test.sh: --version printed '$got', expected $version" >&2; exit 1 ;;
esac

# One fetch over HTTP (libcurl-4.dll from the zip) into a new folder.
export AF_ZIP_EXE=$exe AF_ZIP_WORK=$work AF_WINE=$wine
"$root/tests/c_abi/with_http_server.sh" bash -c '
  set -euo pipefail
  head -c 1000000 /dev/urandom > "$AF_C_TEST_HTTP_ROOT/asset.bin"
  sha=$(sha256sum "$AF_C_TEST_HTTP_ROOT/asset.bin" | cut -d" " -f1)
  cd "$AF_ZIP_WORK"
  "$AF_WINE" "$AF_ZIP_EXE" fetch "$AF_C_TEST_HTTP_URL/asset.bin" --sha256 "$sha" \
    -o "Z:$AF_ZIP_WORK/out/asset.bin" --cache-dir "Z:$AF_ZIP_WORK/cache" 2>&1 | tr -d "\r"
  cmp "$AF_C_TEST_HTTP_ROOT/asset.bin" "$AF_ZIP_WORK/out/asset.bin"
  grep -Eq "^GET /asset.bin .* 20[06] 1000000$" "$AF_C_TEST_HTTP_LOG"
'
# A host program in a folder of its own loads the zip's assetfetch.dll by path
# (dlopen_test: LoadLibraryW) and fetches over HTTP: libcurl-4.dll must come
# from beside the DLL, not from beside the host (platform/windows/library_windows.cpp).
mkdir "$work/host"
cp "$build/plugin/dlopen_test.exe" "$work/host/"
(cd "$work/host" && AF_C_TEST_PATH_PREFIX=Z: "$root/tests/c_abi/with_http_server.sh" \
  "$wine" ./dlopen_test.exe "Z:$(dirname "$exe")/assetfetch.dll") 2>&1 | tr -d '\r'
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "zip-test.sh: a host in another folder could not use the zip's DLL" >&2; exit 1; }
echo "zip: $(basename "$zip") ($(stat -c %s "$zip") bytes): --version, a fetch from 127.0.0.1 and a host in another folder pass"

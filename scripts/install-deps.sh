#!/usr/bin/env bash
# Installs the Debian packages assetfetch needs to build, test and benchmark
# (bench/run installs its own peers, aria2 and time, when it runs).
# Idempotent: skips apt-get when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  libcurl4-openssl-dev libssl-dev openssl ca-certificates
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libcpp-httplib-dev
  nginx-light python3 python3-jsonschema curl
  libre2-dev
  xfsprogs  # .ci/run mounts a small XFS image for the reflink test (tests/unit/install_test.cpp)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Object-storage emulators for the integration tests, from the npm registry,
# into .deps/npm (git-ignored). Pinned: azurite 3.36+ needs Node >= 21, the
# machine has Node 20. s3rver is the maintained fork @20minutes/s3rver: the
# original s3rver 3.7.1 accepts any SigV4 signature (it never computes V4),
# so it could not show that requests are really signed; the fork verifies
# them (4.0.x runs on Node 20, 5.x needs Node 24). The tests look for the
# binaries under .deps/npm/node_modules/.bin.
root="$(cd "$(dirname "$0")/.." && pwd)"
npm_prefix="$root/.deps/npm"
azurite_version=3.35.0
s3rver_version=4.0.4
if ! command -v npm >/dev/null; then
  # The C++ machine image ships Node 20 with npm; elsewhere take Debian's.
  echo "install-deps: npm is missing; installing Debian's nodejs and npm"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
have_version() { # package version
  local pj="$npm_prefix/node_modules/$1/package.json"
  [ -f "$pj" ] && grep -q "\"version\": \"$2\"" "$pj"
}
if ! have_version azurite "$azurite_version" || ! have_version @20minutes/s3rver "$s3rver_version"; then
  echo "install-deps: npm install azurite@$azurite_version @20minutes/s3rver@$s3rver_version into .deps/npm"
  mkdir -p "$npm_prefix"
  npm install --prefix "$npm_prefix" --no-audit --no-fund --loglevel=error \
    "azurite@$azurite_version" "@20minutes/s3rver@$s3rver_version" >/dev/null
fi

#!/usr/bin/env bash
# A prefix holding only Debian's header-only libraries the Windows build uses
# (nlohmann/json, CLI11) and their CMake package files, so the cross build
# finds them with find_package without ever seeing /usr/include itself:
#   ${AF_WINDOWS_DEPS:-~/.cache/assetfetch/windows-deps}/header-only/
#     include/nlohmann -> /usr/include/nlohmann   include/CLI -> /usr/include/CLI
#     share/cmake/{nlohmann_json,CLI11}/*.cmake   (copies: they locate the
#     headers relative to themselves)
# Refreshed on every run (a few file copies). Prints the prefix.
set -euo pipefail
. "$(dirname "$0")/deps-common.sh"
prefix=$deps/header-only
mkdir -p "$prefix/include" "$prefix/share/cmake"
for pkg in nlohmann_json:nlohmann CLI11:CLI; do
  name=${pkg%%:*} dir=${pkg#*:}
  [ -d "/usr/include/$dir" ] && [ -d "/usr/share/cmake/$name" ] ||
    { echo "/usr/include/$dir or /usr/share/cmake/$name is missing: run scripts/install-deps.sh" >&2; exit 2; }
  ln -sfn "/usr/include/$dir" "$prefix/include/$dir"
  mkdir -p "$prefix/share/cmake/$name"
  cp -u /usr/share/cmake/"$name"/*.cmake "$prefix/share/cmake/$name/"
done
echo "$prefix"

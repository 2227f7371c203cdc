#!/usr/bin/env bash
# Lists the sources outside plugin/src/platform/ that still include a POSIX or
# Windows header (the callers left to move onto the platform layer; see
# docs/windows.md). Exits 1 when there is any, so it can gate CI once the
# port is done; `--count` prints the number and exits 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*<(unistd\.h|fcntl\.h|poll\.h|dirent\.h|dlfcn\.h|spawn\.h|signal\.h|termios\.h|pwd\.h|netdb\.h|sys/[a-z_]+\.h|linux/[a-z_]+\.h|netinet/[a-z_]+\.h|arpa/[a-z_]+\.h|windows\.h|winsock2\.h|ws2tcpip\.h|io\.h|direct\.h|bcrypt\.h)>'
files=$(grep -rlE "$pattern" plugin --include='*.cpp' --include='*.h' | grep -v '^plugin/src/platform/' | sort || true)
if [ "${1:-}" = "--count" ]; then
  echo "$files" | grep -c . || true
  exit 0
fi
if [ -n "$files" ]; then
  echo "$files"
  exit 1
fi

# Sourced by scripts/windows/build-*.sh: the dependency cache folder, a
# private apt configuration with a deb-src entry for the archive this
# machine uses (the machine's own apt setup is untouched),
# `debian_version <package>`, which sets $version and $upstream (what apt
# offers), and `debian_source <package>`, which then sets $src (the unpacked
# Debian source package, fetched once).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
deps=${AF_WINDOWS_DEPS:-${XDG_CACHE_HOME:-$HOME/.cache}/assetfetch/windows-deps}
apt_dir=$deps/apt
mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$deps/src"

cat > "$apt_dir/sources.list.d/debian-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

debian_version() {
  local package=$1
  if ! compgen -G "$apt_dir/lists/*Sources*" >/dev/null; then
    apt-get "${apt_opts[@]}" update -qq
  fi
  version=$(apt-cache "${apt_opts[@]}" showsrc "$package" | awk '/^Version:/ {print $2; exit}')
  [ -n "$version" ] || { echo "no source package of $package found through apt" >&2; exit 1; }
  upstream=${version#*:}
  upstream=${upstream%-*}
}

debian_source() {
  local package=$1
  src=$deps/src/$package-$upstream
  if [ ! -d "$src" ]; then
    (cd "$deps/src" && apt-get "${apt_opts[@]}" source --download-only -qq "$package=$version" &&
     dpkg-source --no-check -x "${package}_${version#*:}.dsc" "$package-$upstream" >/dev/null)
  fi
}

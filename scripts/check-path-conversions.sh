#!/usr/bin/env bash
# Lists the implicit std::string <-> std::filesystem::path conversions in
# plugin/ outside plugin/src/platform/ that ctest's layers.path_conversions
# (a grep) cannot see: `dir / name`, a std::string passed for a const path&,
# `path = text`, path += text, streams opened from text. On Windows each reads
# the bytes in the ANSI code page; use platform::path_from_utf8 / utf8_of.
# A string literal is left alone (ASCII names are the same in every code page).
# Needs clang-query (Debian: clang-tools) and a configured build (default build/);
# parses every source once with clang (a few CPU-minutes), so it is not a ctest.
# Usage: scripts/check-path-conversions.sh [build-dir]. Exit 1 when it finds one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
command -v clang-query >/dev/null || { echo "clang-query is missing (apt-get install clang-tools)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ninja -C "$build" -t compdb > "$work/compile_commands.json"
mapfile -t files < <(python3 - "$work/compile_commands.json" "$root" <<'PY'
import json, sys
root = sys.argv[2]
seen = sorted({e["file"] for e in json.load(open(sys.argv[1]))
               if e["file"].startswith(root + "/plugin/") and "/plugin/src/platform/" not in e["file"]
               and e["file"].endswith(".cpp")})
print("\n".join(seen))
PY
)
path='hasName("::std::filesystem::__cxx11::path")'
here="isExpansionInFileMatching(\"$root/plugin/\"), unless(isExpansionInFileMatching(\"plugin/src/platform/\"))"
text='hasType(hasUnqualifiedDesugaredType(anyOf(recordType(hasDeclaration(cxxRecordDecl(hasAnyName("::std::__cxx11::basic_string", "::std::basic_string_view")))), pointerType(pointee(isAnyCharacter())))))'
cat > "$work/query" <<Q
set output diag
set bind-root false
match cxxConstructExpr(hasDeclaration(cxxConstructorDecl(ofClass($path))), hasArgument(0, ignoringParenImpCasts(expr($text))), $here).bind("text_to_path")
match cxxMemberCallExpr(callee(cxxMethodDecl(ofClass($path), anyOf(cxxConversionDecl(), hasAnyName("string", "generic_string", "u8string", "generic_u8string", "native", "c_str")))), $here).bind("path_to_text")
match cxxOperatorCallExpr(hasAnyOverloadedOperatorName("+=", "/=", "="), hasArgument(0, hasType(cxxRecordDecl($path))), hasArgument(1, ignoringParenImpCasts(expr($text))), $here).bind("text_into_path")
match cxxMemberCallExpr(callee(cxxMethodDecl(ofClass($path), hasAnyName("concat", "append", "replace_extension", "replace_filename", "assign"))), hasArgument(0, ignoringParenImpCasts(expr($text))), $here).bind("text_into_path")
Q
status=0
for f in "${files[@]}"; do
  # One file at a time: clang-query holds every AST it was given in memory.
  out=$(clang-query -p "$work" -f "$work/query" "$f" 2>/dev/null | grep 'binds here' || true)
  [ -z "$out" ] && continue
  echo "$out" | sed "s|^$root/||; s|: note: \"\(.*\)\" binds here| \1|"
  status=1
done | sort -u | tee "$work/hits"
[ -s "$work/hits" ] && exit 1
echo "no implicit path <-> text conversions outside plugin/src/platform/"

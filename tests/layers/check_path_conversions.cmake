# Paths are UTF-8 in every interface (DESIGN.md, docs/windows.md). A
# std::filesystem::path <-> std::string conversion of its own reads or writes
# the bytes in the Windows ANSI code page (mingw-w64's libstdc++ converts
# byte by byte: "dépôt" becomes "dÃ©pÃ´t"), so outside plugin/src/platform/
# every one goes through platform::utf8_of / generic_utf8_of / path_from_utf8
# (platform/path.h). Run: cmake -DPLUGIN=<repo>/plugin -P check_path_conversions.cmake
#
# What it flags, outside plugin/src/platform/ (plugin/src and plugin/cli):
#  - path -> string: X.string(), .generic_string(), .u8string(), .native(), ...
#    (JsonNode::string() is JSON text, not a path: a receiver the same file
#    declares as a JsonNode, or a .child(...)/.element(...) call, is left alone);
#  - string -> path by name: fs::path(x), std::filesystem::path{x},
#    fs::path p(x) with anything but a string literal or nothing.
#  - environment reads: getenv(...) gives the ANSI code page on Windows too;
#    platform::environment_value (platform/environment.h) gives UTF-8.
#  - folder listings: std::filesystem's (recursive_)directory_iterator,
#    remove_all and is_empty list the current folder for a folder past 260
#    characters under mingw-w64; platform/directory.h lists at any length.
# Implicit conversions (`dir / name`, a std::string passed for a const path&)
# have no spelling to grep: scripts/check-path-conversions.sh finds those with
# clang-query, and the WindowsCli tests write non-ASCII names under Wine.
cmake_minimum_required(VERSION 3.20)
if(NOT PLUGIN)
  message(FATAL_ERROR "pass -DPLUGIN=<path of plugin/>")
endif()

set(to_string_regex "(\\.|->)(string|generic_string|u8string|generic_u8string|wstring|generic_wstring|native)\\(\\)")
set(getenv_regex "(^|[^A-Za-z0-9_])getenv *\\(")
set(listing_regex "(^|[^A-Za-z0-9_])(directory_iterator|remove_all|is_empty) *[(<{ ]")
set(to_path_regex "(std::filesystem|filesystem|fs)::path *[({] *[^)}\" ]|(std::filesystem|filesystem|fs)::path +[a-z_][A-Za-z0-9_]* *[({] *[A-Za-z_][A-Za-z0-9_.>-]* *[)}] *;")

# Lines allowed anyway: "<file relative to plugin/>|<regex of the line>|<why>".
# Empty: add one only with its reason.
set(allowed)

set(problems "")
file(GLOB_RECURSE sources RELATIVE "${PLUGIN}" "${PLUGIN}/src/*.h" "${PLUGIN}/src/*.cpp" "${PLUGIN}/cli/*.h" "${PLUGIN}/cli/*.cpp")
foreach(rel IN LISTS sources)
  if(rel MATCHES "^src/platform/")
    continue()
  endif()
  file(STRINGS "${PLUGIN}/${rel}" lines REGEX "${to_string_regex}|${to_path_regex}|${getenv_regex}|${listing_regex}")
  if(NOT lines)
    continue()
  endif()
  file(READ "${PLUGIN}/${rel}" text)
  foreach(line IN LISTS lines)
    string(STRIP "${line}" line)
    if(line MATCHES "^//")
      continue()
    endif()
    set(why "")
    if(line MATCHES "${getenv_regex}")
      set(why "reads the environment in the ANSI code page on Windows: use platform::environment_value (platform/environment.h)")
    elseif(line MATCHES "${listing_regex}")
      set(why "lists a folder through std::filesystem (the wrong folder past 260 characters under mingw-w64): use platform::list_directory, list_tree or remove_tree (platform/directory.h)")
    elseif(line MATCHES "${to_path_regex}")
      set(why "builds a path from narrow text: use platform::path_from_utf8 (platform/path.h)")
    else()
      # Every receiver of .string() & co. on the line must be a JsonNode.
      set(rest "${line}")
      while(rest MATCHES "([A-Za-z_][A-Za-z0-9_]*|\\))(\\.|->)(string|generic_string|u8string|generic_u8string|wstring|generic_wstring|native)\\(\\)(.*)$")
        set(receiver "${CMAKE_MATCH_1}")
        set(method "${CMAKE_MATCH_3}")
        set(rest "${CMAKE_MATCH_4}")
        if(method STREQUAL "string")
          if(receiver STREQUAL ")")
            if(line MATCHES "\\.(child|element)\\([^()]*\\)\\.string\\(\\)")
              continue()
            endif()
          elseif(text MATCHES "JsonNode&? +${receiver}[^A-Za-z0-9_]")
            continue()
          endif()
        endif()
        set(why "converts a path to narrow text: use platform::utf8_of (or generic_utf8_of) (platform/path.h)")
        break()
      endwhile()
    endif()
    if(why STREQUAL "")
      continue()
    endif()
    set(ok FALSE)
    foreach(entry IN LISTS allowed)
      string(REPLACE "|" ";" parts "${entry}")
      list(GET parts 0 file)
      list(GET parts 1 pattern)
      if(file STREQUAL rel AND line MATCHES "${pattern}")
        set(ok TRUE)
      endif()
    endforeach()
    if(NOT ok)
      list(APPEND problems "plugin/${rel}: ${line}\n    ${why}")
    endif()
  endforeach()
endforeach()

if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "path <-> string conversions, environment reads or folder listings outside the platform layer:\n  ${text}")
endif()
message(STATUS "path <-> string conversions only through platform/path.h, listings through platform/directory.h")

# No source of plugin/ outside plugin/src/platform/ includes a POSIX or
# Windows header (docs/windows.md): the platform layer makes those calls.
# Run: cmake -DPLUGIN=<repo>/plugin -P check_os_headers.cmake
# (scripts/windows/check-headers.sh runs it too). It fails on a new include
# of an OS header, and on an entry of `not_yet_migrated` that no longer
# includes one: the list only shrinks.
cmake_minimum_required(VERSION 3.20)
if(NOT PLUGIN)
  message(FATAL_ERROR "pass -DPLUGIN=<path of plugin/>")
endif()

# The headers only the platform layer may include.
set(os_header_regex
  "^[ \t]*#[ \t]*include[ \t]*<(unistd|fcntl|poll|dirent|dlfcn|spawn|signal|termios|pwd|grp|netdb|syslog|utime|glob|fnmatch|io|direct|process|windows|winsock2|ws2tcpip|winbase|winternl|bcrypt|shlobj|shellapi)\\.h>"
  "^[ \t]*#[ \t]*include[ \t]*<(sys|linux|netinet|arpa|mach|libkern)/[a-z0-9_]+\\.h>")

# Files still calling the OS themselves, relative to plugin/. Empty: the
# worker and the CLI moved onto platform/ too. Never add one.
set(not_yet_migrated)

set(problems "")
set(offenders "")
file(GLOB_RECURSE sources RELATIVE "${PLUGIN}" "${PLUGIN}/*.h" "${PLUGIN}/*.hpp" "${PLUGIN}/*.cpp" "${PLUGIN}/*.c")
foreach(rel IN LISTS sources)
  if(rel MATCHES "^src/platform/")
    continue()
  endif()
  set(hits "")
  foreach(regex IN LISTS os_header_regex)
    file(STRINGS "${PLUGIN}/${rel}" lines REGEX "${regex}")
    list(APPEND hits ${lines})
  endforeach()
  if(NOT hits)
    continue()
  endif()
  list(APPEND offenders "${rel}")
  if(NOT rel IN_LIST not_yet_migrated)
    list(GET hits 0 first)
    string(STRIP "${first}" first)
    list(APPEND problems "plugin/${rel}: ${first}: only plugin/src/platform/ may include OS headers (add the call to the platform layer)")
  endif()
endforeach()

foreach(rel IN LISTS not_yet_migrated)
  if(NOT rel IN_LIST offenders)
    list(APPEND problems "plugin/${rel} includes no OS header any more: remove it from not_yet_migrated")
  endif()
endforeach()

if(LIST)
  foreach(rel IN LISTS offenders)
    message("plugin/${rel}")
  endforeach()
endif()
list(LENGTH offenders n)
if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "OS headers outside the platform layer:\n  ${text}")
endif()
message(STATUS "OS headers only in platform/ (${n} file(s) left to migrate)")

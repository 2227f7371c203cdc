# The include direction of plugin/ (docs/internals.md "Layers"): every
# `#include "FOLDER/..."` of plugin/src points down a layer or stays in its own
# folder, and the CLI includes only the public headers, its own files and the
# internal headers listed below. Run: cmake -DPLUGIN=<repo>/plugin -P check_includes.cmake
# It prints every include that breaks a rule, and fails when there is one.
cmake_minimum_required(VERSION 3.20)
if(NOT PLUGIN)
  message(FATAL_ERROR "pass -DPLUGIN=<path of plugin/>")
endif()

# Layer of each folder of plugin/src: a folder may include its own folder and
# folders of a lower layer only (two folders of one layer know nothing of each other).
set(layer_base 0)
set(layer_platform 1)  # uses base/ (UTF-8); every layer above calls the OS through it
set(layer_verify 2)
set(layer_transfer 2)
set(layer_cache 3)
set(layer_config 3)
set(layer_writeback 4)
set(layer_worker 5)
set(layer_core 6)
set(layer_service 7)  # the background service: runs core jobs for other processes
set(layer_c_api 8)    # the C ABI: a library job prefetches through the service (service_prefetch.h)

# Known upward includes, each with the reason it is still there. Remove an entry
# once its include is gone (the check fails on a stale entry too).
# (none left: write_back_object() moved from worker/ to writeback/).
set(known_upward)

# What the CLI may include besides "assetfetch/..." and its own headers: base/
# (value types and small utilities) and these. The list only shrinks.
set(cli_allowed
  core/resolve_options.h   # flags > environment > config > defaults
  core/maintenance.h       # the cache and job records; files hash and x-script put in or take out
  core/manifest_jobs.h     # sync's files and mirror's copies (with config/config.h's Manifest)
  config/check.h           # check
  platform/terminal.h      # the progress bar on a terminal
  platform/program_path.h  # argv[0], where the OS cannot name the program (the service's start)
  service/service_client.h # fetch and x-script send their job to the background service
  service/service_paths.h  # ASSETFETCH_SERVICE and the socket's folder
  service/service_server.h # `assetfetch service`
  platform/arguments.h     # main(): the arguments as UTF-8 (Windows: CommandLineToArgvW)
  platform/path.h          # std::filesystem::path <-> UTF-8 (never the Windows ANSI code page)
  platform/environment.h   # x-script's X_VCPKG_ASSET_SOURCES as UTF-8 (Windows' getenv is ANSI)
)

set(problems "")
set(seen_known "")

file(GLOB_RECURSE sources RELATIVE "${PLUGIN}/src" "${PLUGIN}/src/*.h" "${PLUGIN}/src/*.cpp")
foreach(rel IN LISTS sources)
  string(REGEX MATCH "^[^/]+" folder "${rel}")
  if(NOT DEFINED layer_${folder})
    list(APPEND problems "plugin/src/${folder}/ has no layer: add it to check_includes.cmake and docs/internals.md")
    continue()
  endif()
  file(STRINGS "${PLUGIN}/src/${rel}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" inc "${line}")
    if(NOT inc MATCHES "/")
      list(APPEND problems "plugin/src/${rel}: #include \"${inc}\" names no folder; write it from plugin/src/")
      continue()
    endif()
    string(REGEX MATCH "^[^/]+" to "${inc}")
    if(to STREQUAL "assetfetch" OR to STREQUAL folder)
      continue()
    endif()
    if(NOT DEFINED layer_${to})
      continue()  # a third-party header such as <nlohmann/...> written with quotes
    endif()
    if(layer_${to} LESS layer_${folder})
      continue()
    endif()
    string(REGEX REPLACE "^[^/]+/" "" file_in_folder "${rel}")
    set(edge "${folder}/${file_in_folder} -> ${inc}")
    if(edge IN_LIST known_upward)
      list(APPEND seen_known "${edge}")
      continue()
    endif()
    list(APPEND problems
      "plugin/src/${rel}: #include \"${inc}\" points from ${folder}/ (layer ${layer_${folder}}) to ${to}/ (layer ${layer_${to}})")
  endforeach()
endforeach()

foreach(edge IN LISTS known_upward)
  if(NOT edge IN_LIST seen_known)
    list(APPEND problems "known upward include \"${edge}\" is gone: remove it from known_upward")
  endif()
endforeach()

file(GLOB_RECURSE cli_sources RELATIVE "${PLUGIN}/cli" "${PLUGIN}/cli/*.h" "${PLUGIN}/cli/*.cpp")
foreach(rel IN LISTS cli_sources)
  file(STRINGS "${PLUGIN}/cli/${rel}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" inc "${line}")
    if(inc MATCHES "^assetfetch/" OR inc MATCHES "^base/" OR NOT inc MATCHES "/" OR inc IN_LIST cli_allowed)
      continue()
    endif()
    list(APPEND problems "plugin/cli/${rel}: #include \"${inc}\" is not one the CLI may include (cli_allowed)")
  endforeach()
endforeach()

list(LENGTH known_upward n_known)
if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "include direction broken:\n  ${text}")
endif()
message(STATUS "include direction holds (${n_known} known upward include(s) left)")

# Symbol-visibility policy of libassetfetch (docs/ABI.md): the shared library
# exports exactly the af_* functions declared with AF_API in assetfetch.h.
#
#   cmake -DLIB=libassetfetch.so -DHEADER=assetfetch.h -DNM=nm -P check_exports.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var LIB HEADER NM)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_exports.cmake: pass -D${var}=...")
  endif()
endforeach()

execute_process(COMMAND "${NM}" -D --defined-only "${LIB}"
  OUTPUT_VARIABLE nm_out ERROR_VARIABLE nm_err RESULT_VARIABLE nm_rc)
if(NOT nm_rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIB} failed (${nm_rc}): ${nm_err}")
endif()

# Declared: "AF_API <return type> af_name(" in the header.
include(${CMAKE_CURRENT_LIST_DIR}/../../plugin/src/c_api/af_api_names.cmake)
af_api_names("${HEADER}" declared)
list(LENGTH declared n_declared)

# Exported: "<address> <type> <name>[@@VERSION]" per line.
string(REPLACE "\n" ";" lines "${nm_out}")
set(exported "")
set(errors "")
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  if(NOT line MATCHES "^[0-9a-fA-F]* *([A-Za-z]) ([^ @]+)(@.*)?$")
    string(APPEND errors "  cannot parse nm line: ${line}\n")
    continue()
  endif()
  set(type "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  if(type STREQUAL "A" AND name MATCHES "^ASSETFETCH_[0-9]+$")
    continue()  # the version node of libassetfetch.map
  endif()
  if(NOT name MATCHES "^af_")
    string(APPEND errors "  exported symbol outside the C ABI: ${name} (${type})\n")
    continue()
  endif()
  if(NOT line MATCHES "@@?ASSETFETCH_1$")
    string(APPEND errors "  ${name} is not in the ASSETFETCH_1 version node: ${line}\n")
  endif()
  list(APPEND exported "${name}")
  if(NOT name IN_LIST declared)
    string(APPEND errors "  ${name} is exported but not declared AF_API in assetfetch.h\n")
  endif()
endforeach()
foreach(name IN LISTS declared)
  if(NOT name IN_LIST exported)
    string(APPEND errors "  ${name} is declared in assetfetch.h but not exported\n")
  endif()
endforeach()

if(errors)
  message(FATAL_ERROR "symbol-visibility check of ${LIB} failed:\n${errors}")
endif()
list(LENGTH exported n_exported)
message(STATUS "${LIB}: ${n_exported} symbols exported, all af_* and declared in assetfetch.h")

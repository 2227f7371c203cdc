# package.presets: CMakePresets.json parses (every preset, the Windows ones
# included), and its Linux configure presets configure this source tree (into
# WORK, not into build-<preset>/) with the settings they promise.
#
# cmake -DSOURCE_DIR=... -DWORK=... -P check_presets.cmake
cmake_minimum_required(VERSION 3.20)

function(fail)
  string(JOIN "" _msg ${ARGN})
  message(FATAL_ERROR "package.presets: ${_msg}")
endfunction()

execute_process(COMMAND "${CMAKE_COMMAND}" --list-presets=all
  WORKING_DIRECTORY "${SOURCE_DIR}" RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  fail("cmake --list-presets=all failed:\n${_out}${_err}")
endif()
foreach(_preset IN ITEMS linux linux-asan windows-mingw windows-msvc windows-clang-cl)
  if(NOT _out MATCHES "\"${_preset}\"")
    fail("CMakePresets.json has no preset ${_preset}:\n${_out}")
  endif()
endforeach()

# preset -> the cache entries it must set
set(_linux "CMAKE_BUILD_TYPE:STRING=RelWithDebInfo" "CMAKE_GENERATOR:INTERNAL=Ninja")
set(_linux-asan "CMAKE_BUILD_TYPE:STRING=Debug" "ASSETFETCH_SANITIZE:STRING=address" "CMAKE_GENERATOR:INTERNAL=Ninja")
file(REMOVE_RECURSE "${WORK}")
foreach(_preset IN ITEMS linux linux-asan)
  set(_bin "${WORK}/${_preset}")
  execute_process(COMMAND "${CMAKE_COMMAND}" --preset ${_preset} -B "${_bin}"
    WORKING_DIRECTORY "${SOURCE_DIR}" RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0)
    fail("cmake --preset ${_preset} failed:\n${_out}${_err}")
  endif()
  file(STRINGS "${_bin}/CMakeCache.txt" _cache)
  foreach(_entry IN LISTS _${_preset})
    if(NOT _entry IN_LIST _cache)
      fail("cmake --preset ${_preset}: CMakeCache.txt lacks ${_entry}")
    endif()
  endforeach()
endforeach()
file(REMOVE_RECURSE "${WORK}")

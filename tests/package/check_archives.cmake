# package.linux: the release archives of this build tree, made and used as a
# user would (cmake/packaging.cmake, scripts/package.sh).
#
#   1. cpack with the build tree's CPackConfig.cmake into WORK/packages (the
#      targets are already built: CPack only installs, strips and archives);
#   2. the tar.gz: its name, its files and soname links, its CLI's --version,
#      and a C project that find_package(AssetFetch)s the unpacked prefix and
#      runs a program on the C ABI;
#   3. the .deb (when the tree makes one): dpkg-deb -c lists the same files
#      under /usr, dpkg-deb -I shows the Depends.
#
# cmake -DBUILD_DIR=... -DWORK=... -DCPACK=... -DCONSUMER=... -DVERSION=...
#       -DARCH=... -DGENERATOR=... -DMAKE_PROGRAM=... -DC_COMPILER=... -P check_archives.cmake
cmake_minimum_required(VERSION 3.20)

function(fail)
  string(JOIN "" _msg ${ARGN})
  message(FATAL_ERROR "package.linux: ${_msg}")
endfunction()

function(run)  # run(<what> <command...>): the command must succeed; OUTPUT in _out
  list(POP_FRONT ARGN _what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc OUTPUT_VARIABLE _o ERROR_VARIABLE _e)
  if(NOT _rc EQUAL 0)
    fail("${_what} failed (${_rc}):\n${_o}${_e}")
  endif()
  set(_out "${_o}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# --- 1. the packages ---------------------------------------------------------
include("${BUILD_DIR}/CPackConfig.cmake")  # CPACK_GENERATOR, CPACK_PACKAGE_FILE_NAME
set(_pkgs "${WORK}/packages")
run("cpack" "${CPACK}" --config "${BUILD_DIR}/CPackConfig.cmake" -B "${_pkgs}")
set(_name "assetfetch-${VERSION}-linux-${ARCH}")
set(_tgz "${_pkgs}/${_name}.tar.gz")
if(NOT EXISTS "${_tgz}")
  file(GLOB _made "${_pkgs}/*")
  fail("cpack did not make ${_name}.tar.gz; it made: ${_made}")
endif()

# --- 2. the tar.gz -----------------------------------------------------------
file(ARCHIVE_EXTRACT INPUT "${_tgz}" DESTINATION "${WORK}/unpacked")
set(_prefix "${WORK}/unpacked/${_name}")  # one top-level folder named like the archive
# What every archive holds (README "Packages"), relative to the prefix.
set(_expected
  bin/assetfetch
  lib/libassetfetch.so.${VERSION}
  include/assetfetch/assetfetch.h
  lib/cmake/AssetFetch/AssetFetchConfig.cmake
  lib/cmake/AssetFetch/AssetFetchConfigVersion.cmake
  lib/cmake/AssetFetch/AssetFetchTargets.cmake
  lib/cmake/AssetFetch/AssetFetch.cmake
  lib/pkgconfig/assetfetch.pc
  share/assetfetch/schemas/assetfetch-manifest.schema.json
  share/assetfetch/schemas/assetfetch-config.schema.json
  share/doc/AssetFetch/LICENSE)
foreach(_f IN LISTS _expected)
  if(NOT EXISTS "${_prefix}/${_f}" OR IS_SYMLINK "${_prefix}/${_f}")
    fail("${_name}.tar.gz has no file ${_f}")
  endif()
endforeach()
# The soname links: libassetfetch.so -> .so.1 -> .so.<version>.
foreach(_link_target IN ITEMS "libassetfetch.so:libassetfetch.so.1" "libassetfetch.so.1:libassetfetch.so.${VERSION}")
  string(REPLACE ":" ";" _pair "${_link_target}")
  list(GET _pair 0 _link)
  list(GET _pair 1 _target)
  if(NOT IS_SYMLINK "${_prefix}/lib/${_link}")
    fail("${_name}.tar.gz: lib/${_link} is not a symbolic link")
  endif()
  file(READ_SYMLINK "${_prefix}/lib/${_link}" _points_to)
  if(NOT _points_to STREQUAL _target)
    fail("${_name}.tar.gz: lib/${_link} points to ${_points_to}, not ${_target}")
  endif()
endforeach()
# The binaries are stripped (CPACK_STRIP_FILES): no .debug_info section name in them.
foreach(_bin IN ITEMS bin/assetfetch lib/libassetfetch.so.${VERSION})
  file(STRINGS "${_prefix}/${_bin}" _debug REGEX "^\\.debug_info$" LIMIT_COUNT 1)
  if(_debug)
    fail("${_name}.tar.gz: ${_bin} is not stripped")
  endif()
endforeach()

# The CLI from the unpacked tree.
run("${_prefix}/bin/assetfetch --version" "${_prefix}/bin/assetfetch" --version)
if(NOT _out MATCHES "${VERSION}")
  fail("the unpacked assetfetch --version printed '${_out}', without ${VERSION}")
endif()

# A consumer project against the unpacked prefix.
set(_consumer_build "${WORK}/consumer-build")
run("configuring the consumer project" "${CMAKE_COMMAND}" -S "${CONSUMER}" -B "${_consumer_build}"
  -G "${GENERATOR}" "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}" "-DCMAKE_C_COMPILER=${C_COMPILER}"
  "-DCMAKE_PREFIX_PATH=${_prefix}" "-DEXPECT_PREFIX=${_prefix}" "-DEXPECT_VERSION=${VERSION}"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
run("building the consumer project" "${CMAKE_COMMAND}" --build "${_consumer_build}")
file(MAKE_DIRECTORY "${WORK}/consumer-cache")
run("the consumer program" "${_consumer_build}/consumer" "${WORK}/consumer-cache")
if(NOT _out STREQUAL "${VERSION}\n")
  fail("the consumer program printed '${_out}', not ${VERSION}")
endif()

# --- 3. the .deb -------------------------------------------------------------
if(NOT "DEB" IN_LIST CPACK_GENERATOR)
  message(STATUS "package.linux: this tree makes no .deb (no dpkg-shlibdeps at configure time)")
  return()
endif()
file(GLOB _debs "${_pkgs}/assetfetch_${VERSION}_*.deb")
list(LENGTH _debs _n)
if(NOT _n EQUAL 1)
  fail("expected one assetfetch_${VERSION}_<arch>.deb in ${_pkgs}, found: ${_debs}")
endif()
find_program(_dpkg_deb dpkg-deb REQUIRED)
run("dpkg-deb -c" "${_dpkg_deb}" -c "${_debs}")
set(_listing "${_out}")
foreach(_f IN LISTS _expected)
  string(REGEX REPLACE "([.+])" "\\\\\\1" _re "${_f}")
  if(NOT _listing MATCHES " \\./usr/${_re}\n")
    fail("dpkg-deb -c ${_debs} does not list ./usr/${_f}:\n${_listing}")
  endif()
endforeach()
if(NOT _listing MATCHES " \\./usr/lib/libassetfetch\\.so -> libassetfetch\\.so\\.1\n"
   OR NOT _listing MATCHES " \\./usr/lib/libassetfetch\\.so\\.1 -> libassetfetch\\.so\\.${VERSION}\n")
  fail("dpkg-deb -c ${_debs} lacks the soname links:\n${_listing}")
endif()
run("dpkg-deb -I" "${_dpkg_deb}" -I "${_debs}")
if(NOT _out MATCHES "\n Depends: ([^\n]*)\n")
  fail("dpkg-deb -I ${_debs} shows no Depends:\n${_out}")
endif()
set(_depends "${CMAKE_MATCH_1}")
# libcurl is dlopen()ed (listed by hand); the rest comes from dpkg-shlibdeps.
foreach(_dep IN ITEMS "libcurl4 \\(>= 7\\.85\\)" "libc6 \\(" "libstdc\\+\\+6 \\(" "libre2-[0-9]+" "libssl3")
  if(NOT _depends MATCHES "(^|, )${_dep}")
    fail("the .deb's Depends lacks ${_dep}: ${_depends}")
  endif()
endforeach()
message(STATUS "package.linux: ${_name}.tar.gz and ${_debs}; Depends: ${_depends}")

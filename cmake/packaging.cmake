# Release archives with CPack (scripts/package.sh builds them; README "Packages").
#
#   Linux:   assetfetch-<version>-linux-<arch>.tar.gz and assetfetch_<version>_<debarch>.deb
#   Windows: assetfetch-<version>-windows-x64.zip (WIN32 builds: mingw-w64 or MSVC)
#
# Every archive holds what `cmake --install` installs (plugin/, cmake-module/
# and the top-level CMakeLists.txt): the CLI, the library (soname links, or the
# DLL and its import library), assetfetch.h, the find_package(AssetFetch)
# files with AssetFetch.cmake, assetfetch.pc, the JSON Schemas and LICENSE.
# Only a top-level build with install rules packages anything: a consumer that
# add_subdirectory()s assetfetch keeps its own CPack settings.
if(NOT ASSETFETCH_INSTALL OR NOT CMAKE_SOURCE_DIR STREQUAL PROJECT_SOURCE_DIR)
  return()
endif()

set(CPACK_PACKAGE_NAME assetfetch)
set(CPACK_PACKAGE_VENDOR "the assetfetch authors")
set(CPACK_PACKAGE_CONTACT "the assetfetch authors"
    CACHE STRING "Maintainer of the .deb: set 'Name <email>' for a release")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
# Release archives carry no debug sections (a RelWithDebInfo build's are ~10x the code).
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
# Packages of the source tree are not made here (git archive does that).
set(CPACK_SOURCE_GENERATOR "")

string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _af_arch)
if(_af_arch MATCHES "^(x86_64|amd64|x64)$")
  set(_af_arch_x86_64 x86_64)
  set(_af_arch_x64 x64)
elseif(_af_arch MATCHES "^(aarch64|arm64)$")
  set(_af_arch_x86_64 aarch64)
  set(_af_arch_x64 arm64)
else()
  set(_af_arch_x86_64 "${_af_arch}")
  set(_af_arch_x64 "${_af_arch}")
endif()

if(WIN32)
  # Not yet run on assetfetch's own Windows build (it did not link when this
  # was written); checked on a stand-in project with the mingw-w64 toolchain.
  # The install rules put assetfetch.exe and the DLL in bin/, the import
  # library in lib/. libcurl is loaded at run time (transfer/curl_api.cpp),
  # so its DLL goes beside the exe when the build names it.
  set(ASSETFETCH_BUNDLE_DLLS "" CACHE STRING
      "DLLs to ship in bin/ of the Windows zip, e.g. <curl prefix>/bin/libcurl-4.dll (a ;-list)")
  foreach(_af_dll IN LISTS ASSETFETCH_BUNDLE_DLLS)
    if(NOT EXISTS "${_af_dll}")
      message(FATAL_ERROR "ASSETFETCH_BUNDLE_DLLS names ${_af_dll}, which does not exist: "
                          "give the full path of the DLL (e.g. the bin/ folder of scripts/windows/build-curl.sh's prefix)")
    endif()
  endforeach()
  if(ASSETFETCH_BUNDLE_DLLS)
    install(FILES ${ASSETFETCH_BUNDLE_DLLS} DESTINATION "${CMAKE_INSTALL_BINDIR}")
  else()
    message(STATUS "assetfetch: the Windows zip holds no libcurl-4.dll (set ASSETFETCH_BUNDLE_DLLS to add it)")
  endif()
  set(CPACK_GENERATOR ZIP)
  set(CPACK_PACKAGE_FILE_NAME "assetfetch-${PROJECT_VERSION}-windows-${_af_arch_x64}")
else()
  set(CPACK_GENERATOR TGZ)
  string(TOLOWER "${CMAKE_SYSTEM_NAME}" _af_system)
  set(CPACK_PACKAGE_FILE_NAME "assetfetch-${PROJECT_VERSION}-${_af_system}-${_af_arch_x86_64}")

  # The .deb: where dpkg is (Debian and its derivatives).
  find_program(ASSETFETCH_DPKG_SHLIBDEPS dpkg-shlibdeps)
  mark_as_advanced(ASSETFETCH_DPKG_SHLIBDEPS)
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND ASSETFETCH_DPKG_SHLIBDEPS)
    list(APPEND CPACK_GENERATOR DEB)
    set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # assetfetch_<version>_<arch>.deb
    set(CPACK_DEBIAN_PACKAGE_SECTION utils)
    # dpkg-shlibdeps reads the ELF files' NEEDED entries: libc, libstdc++,
    # libgcc, RE2, OpenSSL's libcrypto. libcurl is dlopen()ed on the first
    # transfer, so no NEEDED entry names it: it is listed here (7.85: the
    # oldest libcurl with CURLOPT_PROTOCOLS_STR, which limits every transfer
    # to http and https; curl_api.cpp's symbols need 7.84).
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "libcurl4 (>= 7.85)")
  endif()
endif()

include(CPack)

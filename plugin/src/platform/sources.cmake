# The platform layer's sources, for the core (CMakeLists.txt here) and for
# the Windows cross build of its tests (tests/windows/CMakeLists.txt).
set(_af_platform_dir ${CMAKE_CURRENT_LIST_DIR})
set(ASSETFETCH_PLATFORM_SOURCES
  ${_af_platform_dir}/environment.cpp
  ${_af_platform_dir}/error.cpp
  ${_af_platform_dir}/path.cpp
  ${_af_platform_dir}/directory.cpp
  ${_af_platform_dir}/fs_copy.cpp
  ${_af_platform_dir}/program_path.cpp
  ${_af_platform_dir}/thread_name.cpp)
if(WIN32)
  list(APPEND ASSETFETCH_PLATFORM_SOURCES
    ${_af_platform_dir}/windows/win_util.cpp
    ${_af_platform_dir}/windows/arguments_windows.cpp
    ${_af_platform_dir}/windows/error_windows.cpp
    ${_af_platform_dir}/windows/file_windows.cpp
    ${_af_platform_dir}/windows/lock_windows.cpp
    ${_af_platform_dir}/windows/fs_ops_windows.cpp
    ${_af_platform_dir}/windows/directory_windows.cpp
    ${_af_platform_dir}/windows/process_windows.cpp
    ${_af_platform_dir}/windows/child_process_output_windows.cpp
    ${_af_platform_dir}/windows/terminal_windows.cpp
    ${_af_platform_dir}/windows/library_windows.cpp
    ${_af_platform_dir}/windows/sha_windows.cpp
    ${_af_platform_dir}/windows/user_security.cpp
    ${_af_platform_dir}/windows/local_socket_windows.cpp
    ${_af_platform_dir}/windows/detached_process_windows.cpp)
  # Windows 10 headers (FileRenameInfoEx), UTF-16 W functions only.
  set(ASSETFETCH_PLATFORM_DEFINITIONS _WIN32_WINNT=0x0A00 WIN32_LEAN_AND_MEAN NOMINMAX UNICODE _UNICODE)
  set(ASSETFETCH_PLATFORM_LIBS bcrypt shell32 advapi32)
else()
  list(APPEND ASSETFETCH_PLATFORM_SOURCES
    ${_af_platform_dir}/posix/error_posix.cpp
    ${_af_platform_dir}/posix/arguments_posix.cpp
    ${_af_platform_dir}/posix/file_posix.cpp
    ${_af_platform_dir}/posix/lock_posix.cpp
    ${_af_platform_dir}/posix/classic_locks.cpp
    ${_af_platform_dir}/posix/mechanisms_posix.cpp
    ${_af_platform_dir}/posix/fs_ops_posix.cpp
    ${_af_platform_dir}/posix/directory_posix.cpp
    ${_af_platform_dir}/posix/process_posix.cpp
    ${_af_platform_dir}/posix/child_process_output_posix.cpp
    ${_af_platform_dir}/posix/terminal_posix.cpp
    ${_af_platform_dir}/posix/library_posix.cpp
    ${_af_platform_dir}/posix/local_socket_posix.cpp
    ${_af_platform_dir}/posix/detached_process_posix.cpp)
  set(ASSETFETCH_PLATFORM_DEFINITIONS)
  # Linux built with only the calls macOS and the BSDs have (posix/features.h).
  if(ASSETFETCH_PORTABLE_POSIX)
    list(APPEND ASSETFETCH_PLATFORM_DEFINITIONS AF_PORTABLE_POSIX)
  endif()
  set(ASSETFETCH_PLATFORM_LIBS ${CMAKE_DL_LIBS})
endif()

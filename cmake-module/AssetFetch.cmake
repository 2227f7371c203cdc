# Distributed under the same licence as assetfetch; see the LICENSE file at the top of its source tree.

#[=======================================================================[.rst:
AssetFetch
----------

.. versionadded:: 0.1

Fetch remote assets (source tarballs, SDKs, data files, tools) by URL list and
hash, with assetfetch's content-addressed cache, team mirrors, mirror failover,
byte ranges and offline mode.

.. only:: html

  .. contents::

Overview
^^^^^^^^

This module provides two commands:

* :command:`fetch_asset` declares one asset: its candidate URLs (the origin
  first), its ``SHA256`` or ``SHA512``, where it goes, and optionally byte
  ranges.  By default the asset is fetched while CMake configures the project
  and ``<name>_PATH`` is set in the caller's scope.  With ``AT_BUILD_TIME`` it
  is fetched by the build instead (a custom command plus a target
  ``asset_<name>`` in ``ALL``), so configuring makes no network connection and
  parallel build tools fetch several assets at once.

* :command:`fetch_assets` reads a manifest (the JSON file ``assetfetch sync``
  and ``assetfetch mirror`` read) and fetches every asset of it in parallel in
  one ``assetfetch sync`` process, setting ``<asset>_PATH`` for each.

Both run the ``assetfetch`` command-line tool (see
:variable:`ASSETFETCH_EXECUTABLE`).  Every fetch is verified against its hash
before it is put in place; a file with the wrong bytes never reaches the
destination.

Re-configuring is cheap.  After a configure-time fetch the module records a
stamp in the build tree: the hash, the URLs and options, and the destination's
size and modification time.  When the stamp still matches, the next configure
neither hashes the file again nor starts a process; it costs a few
``file()`` calls per asset.  A destination that was edited, replaced or
removed no longer matches and is fetched again (from the cache when it is
there).  ``VERIFY ALWAYS`` (or :variable:`ASSETFETCH_VERIFY`) runs the tool
on every configure, which re-verifies the file.

The module can be used in three ways:

* ``find_package(AssetFetch)`` from an installed assetfetch: the package
  defines the commands, the imported targets ``AssetFetch::assetfetch`` (the
  library) and ``AssetFetch::cli`` (the executable), and sets
  :variable:`ASSETFETCH_EXECUTABLE` to the installed tool.

* ``add_subdirectory()`` or ``FetchContent_MakeAvailable()`` of the assetfetch
  source tree: the commands are defined as soon as assetfetch's directory has
  been added.  Build-time fetches run the ``AssetFetch::cli`` built by the
  same build (the build builds it first).  Configure-time fetches need an
  executable that already exists: :variable:`ASSETFETCH_EXECUTABLE` or an
  ``assetfetch`` on ``PATH``; without one, configure stops with an error that
  says so (use ``AT_BUILD_TIME`` instead, or install assetfetch).

* ``include(AssetFetch)`` (or ``include(<path>/AssetFetch.cmake)``) on its own:
  the tool is found through :variable:`ASSETFETCH_EXECUTABLE`, then ``PATH``.

Commands
^^^^^^^^

.. command:: fetch_asset

  .. code-block:: cmake

    fetch_asset(<name>
      URLS <url>...
      SHA256 <hex> | SHA512 <hex> | ALLOW_UNVERIFIED
      [DESTINATION <file>]
      [RANGES <offset>:<length>[:<sha256>]...] [SPARSE]
      [CONFIG <mirrors.json>]
      [OFFLINE] [QUIET]
      [VERIFY STAMP|ALWAYS]
      [AT_BUILD_TIME]
    )

  Fetches one asset and sets ``<name>_PATH`` in the caller's scope to the
  absolute path of its destination.  ``<name>`` may contain letters, digits,
  ``_``, ``.`` and ``-``.

  Arguments are checked before anything else happens: an unknown keyword, a
  missing ``URLS``, a missing hash, or ``SHA256`` together with ``SHA512`` is a
  fatal error that names the keyword.

  ``URLS <url>...``
    The candidate URLs, the origin first, then fallbacks.  assetfetch tries the
    local cache and the content-addressed sources of the mirror configuration
    before these, and fails over from one URL to the next (404, connection
    errors, wrong bytes).

  ``SHA256 <hex>``, ``SHA512 <hex>``
    The hash of the whole remote file: the asset's identity and its cache key.
    Exactly one is required.  Upper- or lower-case hex.

  ``ALLOW_UNVERIFIED``
    Opt out of the hash: the asset is fetched without verification (and never
    stored in the cache).  Only valid without ``SHA256``/``SHA512``.

  ``DESTINATION <file>``
    Where the asset is written.  A relative path is relative to
    :variable:`CMAKE_CURRENT_BINARY_DIR`.  Missing parent directories are
    created.  The default is
    ``${CMAKE_BINARY_DIR}/_assets/<name>/<file name>``, where ``<file name>``
    is the last path segment of the first URL with any query stripped.

  ``RANGES <offset>:<length>[:<sha256>]...``
    Fetch only these byte ranges of the remote file.  ``<length>`` may be
    ``EOF`` (to the end of the file).  The optional third field is the range's
    own SHA-256.  Without ``SPARSE`` the ranges are written one after the
    other in the order given (Microsoft BITS' layout).

  ``SPARSE``
    With ``RANGES``: write each range at its own offset of a file of the remote
    size; the bytes outside the ranges are holes (read as zeros).

  ``CONFIG <mirrors.json>``
    The mirror configuration (cache sources, rewrites, fallback mirrors,
    retries); see assetfetch's documentation.  A relative path is relative to
    :variable:`CMAKE_CURRENT_SOURCE_DIR`.  Without it assetfetch reads
    ``$ASSETFETCH_CONFIG`` when that is set.

  ``OFFLINE``
    Make no network connection: only the local cache and ``file://`` sources
    are used.  A miss is an error that says what to run on a connected
    machine.  See also :variable:`ASSETFETCH_OFFLINE`.

  ``QUIET``
    No progress output, errors only.

  ``VERIFY STAMP|ALWAYS``
    ``STAMP`` (the default): when the stamp recorded by the last fetch still
    matches the destination, do nothing.  ``ALWAYS``: run assetfetch on every
    configure, which verifies the destination again.

  ``AT_BUILD_TIME``
    Do not fetch while configuring.  Instead add a custom command whose
    ``OUTPUT`` is the destination and a target ``asset_<name>`` that is part of
    ``ALL`` and depends on it.  Targets that use the file should depend on
    ``asset_<name>`` (or list ``${<name>_PATH}`` among their sources or
    ``DEPENDS``).  Configuring makes no network connection, and the build
    fetches independent assets in parallel.

.. command:: fetch_assets

  .. code-block:: cmake

    fetch_assets(MANIFEST <assets.json>
      [DESTINATION <dir>]
      [CONFIG <mirrors.json>]
      [JOBS <n>]
      [OFFLINE] [QUIET]
      [VERIFY STAMP|ALWAYS]
    )

  Fetches every asset of a manifest in parallel in one ``assetfetch sync``
  process and sets ``<asset>_PATH`` in the caller's scope for each asset of
  the manifest.  The manifest is the JSON file described by assetfetch's
  ``assetfetch-manifest.schema.json``::

    {"assets": [{"name": "zlib", "urls": ["https://..."], "sha256": "...",
                 "destination": "zlib/zlib-1.3.tar.gz"}]}

  Editing the manifest makes the build re-run CMake.

  ``MANIFEST <assets.json>``
    The manifest.  A relative path is relative to
    :variable:`CMAKE_CURRENT_SOURCE_DIR`.  Required.

  ``DESTINATION <dir>``
    The directory the manifest's ``destination`` entries are relative to.  An
    asset without a ``destination`` goes to ``<dir>/<file name>``, the last
    path segment of its first URL, query stripped.  A relative ``<dir>`` is
    relative to :variable:`CMAKE_CURRENT_BINARY_DIR`; the default is
    ``${CMAKE_BINARY_DIR}/_assets``.

  ``JOBS <n>``
    How many assets are fetched at once (``assetfetch sync -j``).  The default
    is :variable:`ASSETFETCH_JOBS`, else assetfetch's own default.

  ``CONFIG``, ``OFFLINE``, ``QUIET``, ``VERIFY``
    As for :command:`fetch_asset`.  The stamp covers the whole manifest: the
    manifest's content and every destination's size and modification time.

Variables
^^^^^^^^^

.. variable:: ASSETFETCH_EXECUTABLE

  The ``assetfetch`` tool the commands run.  ``find_package(AssetFetch)`` sets
  it to the installed tool unless it is already set.  When it is not set, the
  module uses the ``AssetFetch::cli`` target when there is one (an imported
  one always; an in-tree one for ``AT_BUILD_TIME``), then the environment
  variable of the same name, then an ``assetfetch`` found on ``PATH``.

.. variable:: ASSETFETCH_CACHE_DIR

  When set, passed to every run as ``--cache-dir``.  Otherwise assetfetch uses
  ``$ASSETFETCH_CACHE_DIR``, the configuration's ``cache_dir``, then
  ``$XDG_CACHE_HOME/assetfetch`` or ``~/.cache/assetfetch``.

.. variable:: ASSETFETCH_OFFLINE

  When true, every fetch behaves as if ``OFFLINE`` were given (like
  :variable:`FETCHCONTENT_FULLY_DISCONNECTED` for FetchContent).  The
  environment variable ``ASSETFETCH_OFFLINE=1`` has the same effect on the
  tool itself.

.. variable:: ASSETFETCH_VERIFY

  ``STAMP`` (the default) or ``ALWAYS``: the default for ``VERIFY``.  Set it to
  ``ALWAYS`` on the command line (``-DASSETFETCH_VERIFY=ALWAYS``) to re-verify
  every asset once.

.. variable:: ASSETFETCH_JOBS

  The default for ``fetch_assets(... JOBS)``.

Examples
^^^^^^^^

Fetch a tarball while configuring, from the origin or a mirror, and use it:

.. code-block:: cmake

  find_package(AssetFetch 0.1 REQUIRED)
  fetch_asset(zlib
    URLS https://zlib.net/zlib-1.3.1.tar.gz
         https://mirror.example.org/zlib/zlib-1.3.1.tar.gz
    SHA256 9a93b2b7dfdac77ceba5a558a580e74667dd6fede4585b91eefb60f03b72df23
  )
  file(ARCHIVE_EXTRACT INPUT "${zlib_PATH}" DESTINATION "${CMAKE_BINARY_DIR}/zlib")

Fetch a large data set only when the build needs it, and only its header and
its last part:

.. code-block:: cmake

  fetch_asset(model_header
    URLS https://data.example.org/model.bin
    SHA256 <whole-file sha256>
    RANGES 0:4096 1048576:EOF
    AT_BUILD_TIME
  )
  add_custom_command(OUTPUT model.idx
    COMMAND make_index "${model_header_PATH}" model.idx
    DEPENDS asset_model_header "${model_header_PATH}")

Fetch everything a project needs in one parallel run, through the team's
mirrors:

.. code-block:: cmake

  fetch_assets(MANIFEST assets.json
    DESTINATION "${CMAKE_BINARY_DIR}/third_party"
    CONFIG ci/mirrors.json
    JOBS 16)
  message(STATUS "zlib is at ${zlib_PATH}")

Use the module from an assetfetch source tree pulled in with FetchContent:

.. code-block:: cmake

  include(FetchContent)
  FetchContent_Declare(assetfetch GIT_REPOSITORY <url> GIT_TAG v0.1.0)
  FetchContent_MakeAvailable(assetfetch)
  fetch_asset(sdk URLS https://example.org/sdk.tar.xz SHA256 <hex> AT_BUILD_TIME)
#]=======================================================================]

include_guard(GLOBAL)

cmake_policy(PUSH)
cmake_policy(VERSION 3.20...3.25)

# Exit codes of the assetfetch tool (DESIGN.md "Command line").
set_property(GLOBAL PROPERTY _AssetFetch_exit_code_1 "error")
set_property(GLOBAL PROPERTY _AssetFetch_exit_code_2 "bad input")
set_property(GLOBAL PROPERTY _AssetFetch_exit_code_3 "hash mismatch on every candidate")
set_property(GLOBAL PROPERTY _AssetFetch_exit_code_4 "not found or unreachable on every candidate")
set_property(GLOBAL PROPERTY _AssetFetch_exit_code_5 "offline (or origin blocked) and not available locally")

#=============================================================================
# Internal use, do not call these functions directly: their names, arguments
# and behaviour may change at any time.

# The stamp format; bump it when what a stamp records changes.
set_property(GLOBAL PROPERTY _AssetFetch_stamp_version 1)

# Internal use, do not call directly.
# The file name assetfetch gives an asset by default: the last path segment of
# its first URL, query and fragment stripped.
function(__AssetFetch_default_file_name out_var url)
  string(REGEX REPLACE "[?#].*$" "" path "${url}")
  string(REGEX REPLACE "/+$" "" path "${path}")
  string(REGEX REPLACE "^.*/" "" file "${path}")
  set(${out_var} "${file}" PARENT_SCOPE)
endfunction()

# Internal use, do not call directly.
# Finds the assetfetch tool. MODE is CONFIGURE (a file that exists now) or
# BUILD (may be a generator expression for a target the build makes; then
# out_depends names that target). WHERE prefixes error messages.
function(__AssetFetch_executable out_var out_depends mode where)
  set(${out_depends} "" PARENT_SCOPE)
  set(hint "Set ASSETFETCH_EXECUTABLE to an assetfetch executable, put assetfetch on PATH, or use find_package(AssetFetch) with an installed assetfetch (build and install it from assetfetch's source tree: cmake -S <src> -B <build> && cmake --build <build> && cmake --install <build> --prefix <prefix>).")

  if(ASSETFETCH_EXECUTABLE)
    if(NOT EXISTS "${ASSETFETCH_EXECUTABLE}" OR IS_DIRECTORY "${ASSETFETCH_EXECUTABLE}")
      message(FATAL_ERROR "${where}: ASSETFETCH_EXECUTABLE is \"${ASSETFETCH_EXECUTABLE}\", which is not an existing file. ${hint}")
    endif()
    set(${out_var} "${ASSETFETCH_EXECUTABLE}" PARENT_SCOPE)
    return()
  endif()

  if(TARGET AssetFetch::cli)
    get_target_property(imported AssetFetch::cli IMPORTED)
    if(imported)
      if(mode STREQUAL "BUILD")
        set(${out_var} "$<TARGET_FILE:AssetFetch::cli>" PARENT_SCOPE)
      else()
        get_target_property(location AssetFetch::cli LOCATION)
        set(${out_var} "${location}" PARENT_SCOPE)
      endif()
      return()
    endif()
    if(mode STREQUAL "BUILD")
      # Built by this build: the build makes the tool before it fetches.
      get_target_property(real AssetFetch::cli ALIASED_TARGET)
      if(NOT real)
        set(real AssetFetch::cli)
      endif()
      set(${out_var} "$<TARGET_FILE:${real}>" PARENT_SCOPE)
      set(${out_depends} "${real}" PARENT_SCOPE)
      return()
    endif()
  endif()

  if(DEFINED ENV{ASSETFETCH_EXECUTABLE} AND NOT "$ENV{ASSETFETCH_EXECUTABLE}" STREQUAL "")
    if(NOT EXISTS "$ENV{ASSETFETCH_EXECUTABLE}")
      message(FATAL_ERROR "${where}: the environment variable ASSETFETCH_EXECUTABLE is \"$ENV{ASSETFETCH_EXECUTABLE}\", which is not an existing file. ${hint}")
    endif()
    set(${out_var} "$ENV{ASSETFETCH_EXECUTABLE}" PARENT_SCOPE)
    return()
  endif()

  find_program(_AssetFetch_PROGRAM NAMES assetfetch DOC "The assetfetch tool found on PATH (internal)")
  mark_as_advanced(_AssetFetch_PROGRAM)
  if(_AssetFetch_PROGRAM)
    set(${out_var} "${_AssetFetch_PROGRAM}" PARENT_SCOPE)
    return()
  endif()

  if(TARGET AssetFetch::cli)
    message(FATAL_ERROR "${where}: a configure-time fetch needs an assetfetch executable that exists while CMake configures, "
      "but AssetFetch::cli is built by this build and does not exist yet. Either add AT_BUILD_TIME "
      "(the build then builds assetfetch and fetches with it), or set ASSETFETCH_EXECUTABLE to an "
      "installed assetfetch, or put one on PATH.")
  endif()
  message(FATAL_ERROR "${where}: no assetfetch executable found. ${hint}")
endfunction()

# Internal use, do not call directly.
# Options every run of the tool takes: CONFIG, OFFLINE, QUIET and the
# ASSETFETCH_* variables. Reads arg_* from the caller.
macro(__AssetFetch_common_options out_list)
  if(arg_CONFIG)
    get_filename_component(_AssetFetch_config "${arg_CONFIG}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND ${out_list} --config "${_AssetFetch_config}")
  endif()
  if(arg_OFFLINE OR ASSETFETCH_OFFLINE)
    list(APPEND ${out_list} --offline)
  endif()
  if(arg_QUIET)
    list(APPEND ${out_list} --quiet)
  endif()
  if(ASSETFETCH_CACHE_DIR)
    list(APPEND ${out_list} --cache-dir "${ASSETFETCH_CACHE_DIR}")
  endif()
endmacro()

# Internal use, do not call directly.
# Checks VERIFY and stores the effective mode in verify_mode. Reads arg_VERIFY.
macro(__AssetFetch_verify_mode where)
  if(DEFINED arg_VERIFY)
    set(verify_mode "${arg_VERIFY}")
  elseif(ASSETFETCH_VERIFY)
    set(verify_mode "${ASSETFETCH_VERIFY}")
  else()
    set(verify_mode STAMP)
  endif()
  if(NOT verify_mode MATCHES "^(STAMP|ALWAYS)$")
    message(FATAL_ERROR "${where}: VERIFY must be STAMP or ALWAYS, not \"${verify_mode}\".")
  endif()
endmacro()

# Internal use, do not call directly.
# Runs the tool at configure time; on failure stops with its error verbatim.
function(__AssetFetch_run where quiet)
  __AssetFetch_executable(exe unused CONFIGURE "${where}")
  execute_process(COMMAND "${exe}" ${ARGN}
    RESULT_VARIABLE rc
    ERROR_VARIABLE err)
  string(STRIP "${err}" err)
  if(NOT rc STREQUAL "0")
    get_property(meaning GLOBAL PROPERTY _AssetFetch_exit_code_${rc})
    if(meaning)
      set(rc "${rc}, ${meaning}")
    endif()
    list(GET ARGN 0 command)
    # Indented lines are printed as they are, not re-wrapped: the tool's
    # message stays verbatim (URLs and hashes unbroken).
    string(REPLACE "\n" "\n  " err "  ${err}")
    message(FATAL_ERROR "${where}: assetfetch ${command} failed (exit code ${rc}):\n${err}")
  endif()
  if(err AND NOT quiet)
    message(STATUS "${where}: ${err}")
  endif()
endfunction()

# Internal use, do not call directly.
# What a stamp compares for one file: "<size> <mtime>" or "" when it is missing.
function(__AssetFetch_file_state out_var path)
  if(EXISTS "${path}" AND NOT IS_DIRECTORY "${path}")
    file(SIZE "${path}" size)
    file(TIMESTAMP "${path}" mtime "%s.%f" UTC)
    set(${out_var} "${size} ${mtime}" PARENT_SCOPE)
  else()
    set(${out_var} "" PARENT_SCOPE)
  endif()
endfunction()

#=============================================================================
# Public commands.

function(fetch_asset name)
  set(where "fetch_asset(${name})")
  cmake_parse_arguments(PARSE_ARGV 1 arg
    "SPARSE;OFFLINE;QUIET;AT_BUILD_TIME;ALLOW_UNVERIFIED"
    "SHA256;SHA512;DESTINATION;CONFIG;VERIFY"
    "URLS;RANGES")

  # --- Check every argument before any side effect. ---
  if(DEFINED arg_UNPARSED_ARGUMENTS)
    list(JOIN arg_UNPARSED_ARGUMENTS "\" \"" unknown)
    message(FATAL_ERROR "${where}: unknown keyword or unexpected argument \"${unknown}\". "
      "Known keywords: URLS SHA256 SHA512 ALLOW_UNVERIFIED DESTINATION RANGES SPARSE CONFIG OFFLINE QUIET VERIFY AT_BUILD_TIME.")
  endif()
  if(NOT name MATCHES "^[A-Za-z0-9_.-]+$")
    message(FATAL_ERROR "${where}: the asset name may contain only letters, digits, '_', '.' and '-'.")
  endif()
  if(DEFINED arg_KEYWORDS_MISSING_VALUES)
    list(JOIN arg_KEYWORDS_MISSING_VALUES ", " missing)
    message(FATAL_ERROR "${where}: keyword ${missing} given without a value.")
  endif()
  if(NOT DEFINED arg_URLS)
    message(FATAL_ERROR "${where}: URLS is required (the candidate URLs, origin first).")
  endif()
  # URLS and RANGES take several values, so a misspelt keyword after them
  # lands among their values: catch it there.
  foreach(url IN LISTS arg_URLS)
    if(url MATCHES "^[A-Z][A-Z0-9_]*$")
      message(FATAL_ERROR "${where}: unknown keyword \"${url}\" (after URLS). "
        "Known keywords: URLS SHA256 SHA512 ALLOW_UNVERIFIED DESTINATION RANGES SPARSE CONFIG OFFLINE QUIET VERIFY AT_BUILD_TIME.")
    elseif(NOT url MATCHES "^[A-Za-z][A-Za-z0-9+.-]*:")
      message(FATAL_ERROR "${where}: URLS entry \"${url}\" is not a URL.")
    endif()
  endforeach()
  if(DEFINED arg_SHA256 AND DEFINED arg_SHA512)
    message(FATAL_ERROR "${where}: SHA256 and SHA512 are exclusive; give one of them.")
  endif()
  if(DEFINED arg_SHA256)
    string(LENGTH "${arg_SHA256}" len)
    if(NOT arg_SHA256 MATCHES "^[0-9A-Fa-f]+$" OR NOT len EQUAL 64)
      message(FATAL_ERROR "${where}: SHA256 must be 64 hex digits, not \"${arg_SHA256}\".")
    endif()
    set(hash_option --sha256 ${arg_SHA256})
  elseif(DEFINED arg_SHA512)
    string(LENGTH "${arg_SHA512}" len)
    if(NOT arg_SHA512 MATCHES "^[0-9A-Fa-f]+$" OR NOT len EQUAL 128)
      message(FATAL_ERROR "${where}: SHA512 must be 128 hex digits, not \"${arg_SHA512}\".")
    endif()
    set(hash_option --sha512 ${arg_SHA512})
  elseif(arg_ALLOW_UNVERIFIED)
    set(hash_option --no-verify)
  else()
    message(FATAL_ERROR "${where}: SHA256 or SHA512 is required (the hash of the whole file); "
      "ALLOW_UNVERIFIED opts out of verification explicitly.")
  endif()
  if(arg_ALLOW_UNVERIFIED AND (DEFINED arg_SHA256 OR DEFINED arg_SHA512))
    message(FATAL_ERROR "${where}: ALLOW_UNVERIFIED may not be combined with SHA256 or SHA512.")
  endif()
  foreach(range IN LISTS arg_RANGES)
    if(range MATCHES "^[A-Z][A-Z0-9_]*$")
      message(FATAL_ERROR "${where}: unknown keyword \"${range}\" (after RANGES). "
        "Known keywords: URLS SHA256 SHA512 ALLOW_UNVERIFIED DESTINATION RANGES SPARSE CONFIG OFFLINE QUIET VERIFY AT_BUILD_TIME.")
    elseif(NOT range MATCHES "^[0-9]+:([0-9]+|EOF)(:[0-9A-Fa-f]+)?$")
      message(FATAL_ERROR "${where}: RANGES entry \"${range}\" is not <offset>:<length>[:<sha256>] (length may be EOF).")
    endif()
  endforeach()
  if(arg_SPARSE AND NOT DEFINED arg_RANGES)
    message(FATAL_ERROR "${where}: SPARSE needs RANGES.")
  endif()
  __AssetFetch_verify_mode("${where}")
  if(arg_AT_BUILD_TIME AND TARGET asset_${name})
    message(FATAL_ERROR "${where}: a target asset_${name} already exists (asset names must be unique).")
  endif()

  # --- Destination and the tool's arguments. ---
  if(DEFINED arg_DESTINATION)
    get_filename_component(dest "${arg_DESTINATION}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  else()
    list(GET arg_URLS 0 first_url)
    __AssetFetch_default_file_name(file_name "${first_url}")
    if(file_name STREQUAL "")
      set(file_name "${name}")
    endif()
    set(dest "${CMAKE_BINARY_DIR}/_assets/${name}/${file_name}")
  endif()

  set(args fetch ${arg_URLS} ${hash_option} -o "${dest}")
  foreach(range IN LISTS arg_RANGES)
    list(APPEND args --range "${range}")
  endforeach()
  if(arg_SPARSE)
    list(APPEND args --sparse)
  endif()
  __AssetFetch_common_options(args)
  set(${name}_PATH "${dest}" PARENT_SCOPE)

  # --- Build time: a custom command the build runs when it needs the file. ---
  if(arg_AT_BUILD_TIME)
    __AssetFetch_executable(exe exe_target BUILD "${where}")
    add_custom_command(OUTPUT "${dest}"
      COMMAND "${exe}" ${args}
      DEPENDS ${exe_target}
      COMMENT "Fetching asset ${name}"
      VERBATIM)
    add_custom_target(asset_${name} ALL DEPENDS "${dest}")
    return()
  endif()

  # --- Configure time, skipped when the stamp still matches. ---
  # The stamp holds what decides the bytes (hash, URLs, ranges, layout,
  # destination) and the destination's size and mtime after the last fetch.
  get_property(stamp_version GLOBAL PROPERTY _AssetFetch_stamp_version)
  string(JOIN "|" key "assetfetch-stamp ${stamp_version}" "${hash_option}" "${arg_URLS}"
    "${arg_RANGES}" "sparse=${arg_SPARSE}" "${dest}")
  set(stamp "${CMAKE_BINARY_DIR}/CMakeFiles/AssetFetch/${name}.stamp")
  if(verify_mode STREQUAL "STAMP" AND EXISTS "${stamp}")
    __AssetFetch_file_state(state "${dest}")
    if(NOT state STREQUAL "")
      file(READ "${stamp}" recorded)
      if(recorded STREQUAL "${key}\n${state}\n")
        return()
      endif()
    endif()
  endif()

  file(REMOVE "${stamp}")
  __AssetFetch_run("${where}" "${arg_QUIET}" ${args})
  __AssetFetch_file_state(state "${dest}")
  if(state STREQUAL "")
    message(FATAL_ERROR "${where}: assetfetch succeeded but \"${dest}\" does not exist.")
  endif()
  file(WRITE "${stamp}" "${key}\n${state}\n")
endfunction()

function(fetch_assets)
  cmake_parse_arguments(PARSE_ARGV 0 arg
    "OFFLINE;QUIET"
    "MANIFEST;DESTINATION;CONFIG;JOBS;VERIFY"
    "")
  set(where "fetch_assets(MANIFEST ${arg_MANIFEST})")

  # --- Check every argument before any side effect. ---
  if(DEFINED arg_UNPARSED_ARGUMENTS)
    list(JOIN arg_UNPARSED_ARGUMENTS "\" \"" unknown)
    message(FATAL_ERROR "${where}: unknown keyword or unexpected argument \"${unknown}\". "
      "Known keywords: MANIFEST DESTINATION CONFIG JOBS OFFLINE QUIET VERIFY.")
  endif()
  if(DEFINED arg_KEYWORDS_MISSING_VALUES)
    list(JOIN arg_KEYWORDS_MISSING_VALUES ", " missing)
    message(FATAL_ERROR "${where}: keyword ${missing} given without a value.")
  endif()
  if(NOT DEFINED arg_MANIFEST)
    message(FATAL_ERROR "fetch_assets(): MANIFEST is required (the assets JSON file).")
  endif()
  if(NOT DEFINED arg_JOBS AND ASSETFETCH_JOBS)
    set(arg_JOBS "${ASSETFETCH_JOBS}")
  endif()
  if(DEFINED arg_JOBS AND NOT arg_JOBS MATCHES "^[1-9][0-9]*$")
    message(FATAL_ERROR "${where}: JOBS must be a positive number, not \"${arg_JOBS}\".")
  endif()
  __AssetFetch_verify_mode("${where}")
  get_filename_component(manifest "${arg_MANIFEST}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${manifest}")
    message(FATAL_ERROR "${where}: the manifest \"${manifest}\" does not exist.")
  endif()
  if(DEFINED arg_DESTINATION)
    get_filename_component(dest_dir "${arg_DESTINATION}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  else()
    set(dest_dir "${CMAKE_BINARY_DIR}/_assets")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${manifest}")

  # --- Fast path: the stamp lists every asset's path, size and mtime. ---
  file(READ "${manifest}" json)
  string(SHA256 manifest_hash "${json}")
  string(SHA256 manifest_id "${manifest}|${dest_dir}")
  string(SUBSTRING "${manifest_id}" 0 16 manifest_id)
  get_filename_component(stem "${manifest}" NAME_WE)
  set(stamp "${CMAKE_BINARY_DIR}/CMakeFiles/AssetFetch/manifest-${stem}-${manifest_id}.cmake")
  get_property(stamp_version GLOBAL PROPERTY _AssetFetch_stamp_version)
  set(key "assetfetch-stamp ${stamp_version}|${manifest_hash}|${dest_dir}")
  if(verify_mode STREQUAL "STAMP" AND EXISTS "${stamp}")
    set(_af_key "")
    set(_af_count 0)
    include("${stamp}")
    if(_af_key STREQUAL key)
      set(in_place TRUE)
      set(i 0)
      while(i LESS _af_count)
        __AssetFetch_file_state(state "${_af_path_${i}}")
        if(NOT state STREQUAL _af_state_${i})
          set(in_place FALSE)
          break()
        endif()
        math(EXPR i "${i} + 1")
      endwhile()
      if(in_place)
        set(i 0)
        while(i LESS _af_count)
          set(${_af_name_${i}}_PATH "${_af_path_${i}}" PARENT_SCOPE)
          math(EXPR i "${i} + 1")
        endwhile()
        return()
      endif()
    endif()
  endif()

  # --- Read the manifest for the names and destinations. ---
  string(JSON count ERROR_VARIABLE err LENGTH "${json}" assets)
  if(err)
    message(FATAL_ERROR "${where}: cannot read the manifest's \"assets\" array: ${err}\n"
      "Run \"assetfetch check ${manifest}\" for a precise diagnosis.")
  endif()
  set(names "")
  set(i 0)
  while(i LESS count)
    string(JSON asset GET "${json}" assets ${i})
    string(JSON asset_name ERROR_VARIABLE err GET "${asset}" name)
    if(err OR NOT asset_name MATCHES "^[A-Za-z0-9_.-]+$")
      message(FATAL_ERROR "${where}: /assets/${i}/name is missing or not [A-Za-z0-9_.-]+.")
    endif()
    if(asset_name IN_LIST names)
      message(FATAL_ERROR "${where}: /assets/${i}/name: the name \"${asset_name}\" is used twice.")
    endif()
    list(APPEND names "${asset_name}")
    string(JSON asset_dest ERROR_VARIABLE err GET "${asset}" destination)
    if(err)
      string(JSON first_url ERROR_VARIABLE err GET "${asset}" urls 0)
      if(err)
        message(FATAL_ERROR "${where}: /assets/${i}/urls: asset \"${asset_name}\" needs at least one URL.")
      endif()
      __AssetFetch_default_file_name(asset_dest "${first_url}")
    endif()
    if(asset_dest STREQUAL "" OR IS_ABSOLUTE "${asset_dest}" OR asset_dest MATCHES "(^|[/\\])\\.\\.([/\\]|$)")
      message(FATAL_ERROR "${where}: /assets/${i}/destination: \"${asset_dest}\" of asset \"${asset_name}\" must be a relative path inside the destination directory.")
    endif()
    set(path_${i} "${dest_dir}/${asset_dest}")
    math(EXPR i "${i} + 1")
  endwhile()

  # --- One sync process fetches them all in parallel. ---
  set(args sync "${manifest}" --dest "${dest_dir}")
  if(DEFINED arg_JOBS)
    list(APPEND args -j ${arg_JOBS})
  endif()
  __AssetFetch_common_options(args)
  file(REMOVE "${stamp}")
  __AssetFetch_run("${where}" "${arg_QUIET}" ${args})

  set(content "set(_af_key [==[${key}]==])\nset(_af_count ${count})\n")
  set(i 0)
  while(i LESS count)
    list(GET names ${i} asset_name)
    __AssetFetch_file_state(state "${path_${i}}")
    if(state STREQUAL "")
      message(FATAL_ERROR "${where}: assetfetch sync succeeded but \"${path_${i}}\" (asset ${asset_name}) does not exist.")
    endif()
    string(APPEND content "set(_af_name_${i} [==[${asset_name}]==])\nset(_af_path_${i} [==[${path_${i}}]==])\nset(_af_state_${i} \"${state}\")\n")
    set(${asset_name}_PATH "${path_${i}}" PARENT_SCOPE)
    math(EXPR i "${i} + 1")
  endwhile()
  file(WRITE "${stamp}" "${content}")
endfunction()

cmake_policy(POP)

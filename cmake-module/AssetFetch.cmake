# SPDX-License-Identifier: MIT
# Copyright (c) the assetfetch authors. Distributed under the MIT licence, as
# is all of assetfetch; see the LICENSE file at the top of its source tree.

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
  ``asset_<name>`` in ``ALL``), so configuring makes no network connection.

* :command:`fetch_assets` reads a manifest (the JSON file ``assetfetch sync``
  and ``assetfetch mirror`` read) and fetches every asset of it in parallel in
  one ``assetfetch sync`` process, setting ``<asset>_PATH`` for each.

Both run the ``assetfetch`` command-line tool (see
:variable:`ASSETFETCH_EXECUTABLE`).  Every fetch is verified against its hash
before it is put in place; a file with the wrong bytes never reaches the
destination.

While a configure-time fetch runs, the tool's lines are shown as it prints
them: a progress line about every 2 seconds for a transfer that lasts longer
than a second (``assetfetch: progress: <asset> 12.0 MiB/200.0 MiB (6%)
3.1 MiB/s``), then one line per asset.  ``QUIET`` leaves only errors.
Build-time fetches run in the terminal (``USES_TERMINAL``: Ninja's console
pool), so the tool's progress bar is shown.

When a fetch fails, the tool's message is shown once, word for word, as it
prints it (for a manifest, the same text ``assetfetch check`` prints), and
configure stops with an error that starts with the caller's file and line
(``CMakeLists.txt:12: fetch_asset(zlib): ...``), also with several calls in
one file.  Two assets that would write the same file in one configure (for
example two manifests whose URLs end in the same name) are an error naming
both, before either is fetched.  (CMake's own ``CMake Error at`` headline names
this module's line; no CMake function can change that.)

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
  same build (the build builds it first).  Configure-time fetches use
  :variable:`ASSETFETCH_EXECUTABLE` or an ``assetfetch`` on ``PATH``; without
  one, the module configures and builds the in-tree CLI on its own while the
  consumer configures (once per build tree, in
  ``<assetfetch binary dir>/_configure_tool``, the CLI only), and reuses it.

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
      [EXTRACT_TO <dir>]
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
    is the last path segment of the first URL with any query stripped,
    percent-decoded as the tool does (``a%20b.bin`` gives ``a b.bin``); the
    asset's name when that is empty or unsafe.

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

  ``EXTRACT_TO <dir>``
    After the archive is verified, extract it into ``<dir>`` with
    ``file(ARCHIVE_EXTRACT)`` (build time: ``cmake -E tar xf``) and set
    ``<name>_EXTRACT_DIR``.  A relative ``<dir>`` is relative to
    :variable:`CMAKE_CURRENT_BINARY_DIR`.  It runs once per hash: a stamp
    records the hash, so re-configuring does not extract again; a new hash
    removes ``<dir>`` and extracts the new archive.  Needs ``SHA256`` or
    ``SHA512``; not with ``RANGES``.

  ``AT_BUILD_TIME``
    Do not fetch while configuring.  Instead add a custom command whose
    ``OUTPUT`` is the destination and a target ``asset_<name>`` that is part of
    ``ALL`` and depends on it.  Targets that use the file should depend on
    ``asset_<name>`` (or list ``${<name>_PATH}`` among their sources or
    ``DEPENDS``).  Configuring makes no network connection.  The command
    uses the terminal (``USES_TERMINAL``), so the tool's progress bar is
    shown; Ninja then runs such commands one at a time.  To fetch many assets
    in parallel at build time, list them in a manifest and use
    ``fetch_assets(... AT_BUILD_TIME)``: one process fetches them all at once.

.. command:: fetch_assets

  .. code-block:: cmake

    fetch_assets(MANIFEST <assets.json>
      [DESTINATION <dir>]
      [CONFIG <mirrors.json>]
      [JOBS <n>]
      [OFFLINE] [QUIET]
      [VERIFY STAMP|ALWAYS]
      [AT_BUILD_TIME]
    )

  Fetches every asset of a manifest in parallel in one ``assetfetch sync``
  process and sets ``<asset>_PATH`` in the caller's scope for each asset of
  the manifest.  The module does not read the manifest itself: the tool
  checks it (the same errors as ``assetfetch check``) and reports where each
  asset went (``sync --json``), so ``<asset>_PATH`` is always the tool's
  destination, e.g. ``a b.bin`` for a URL ending in ``a%20b.bin``.  The manifest is the JSON file described by assetfetch's
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

  ``AT_BUILD_TIME``
    Do not fetch while configuring.  The tool lists the manifest's
    destinations (``assetfetch sync --list-outputs``, which fetches nothing),
    and one custom command, whose outputs they are, runs ``assetfetch sync``
    when the build needs them or the manifest changed; the target
    ``assets_<manifest stem>`` in ``ALL`` depends on them.  Listing the
    outputs runs an ``assetfetch`` while configuring (in a source-tree
    consumer with none installed, the in-tree one built at configure time).

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
    EXTRACT_TO zlib-src
  )
  add_subdirectory("${zlib_EXTRACT_DIR}/zlib-1.3.1" zlib)

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

# Exit codes of the assetfetch tool (`assetfetch --help`, README "Exit codes").
set_property(GLOBAL PROPERTY _AssetFetch_exit_code_1 "error")
set_property(GLOBAL PROPERTY _AssetFetch_exit_code_2 "bad input")
set_property(GLOBAL PROPERTY _AssetFetch_exit_code_3 "no candidate delivered the right bytes, and at least one delivered wrong ones")
set_property(GLOBAL PROPERTY _AssetFetch_exit_code_4 "not found or unreachable on every candidate")
set_property(GLOBAL PROPERTY _AssetFetch_exit_code_5 "offline (or origin blocked) and not available locally")

#=============================================================================
# Internal use, do not call these functions directly: their names, arguments
# and behaviour may change at any time.

# The stamp format; bump it when what a stamp records changes.
set_property(GLOBAL PROPERTY _AssetFetch_stamp_version 1)

# Internal use, do not call directly.
# The file name assetfetch gives an asset by default, by the tool's own rule
# (default_file_name in plugin/src/config/paths.cpp): query and fragment
# stripped, the host never counts, the last path segment, percent-decoded.
# Sets "" when that name is empty or unsafe ("", ".", "..", a '/', '\' or a
# control character), where the tool would ask for a destination.
function(__AssetFetch_default_file_name out_var url)
  set(${out_var} "" PARENT_SCOPE)
  string(REGEX REPLACE "[?#].*$" "" path "${url}")
  if(path MATCHES "^[^/]*://([^/]*)(.*)$")
    set(path "${CMAKE_MATCH_2}")
  endif()
  string(REGEX REPLACE "^.*/" "" rest "${path}")
  set(file "")
  while(TRUE)
    string(FIND "${rest}" "%" i)
    if(i EQUAL -1)
      break()
    endif()
    string(SUBSTRING "${rest}" 0 ${i} head)
    string(APPEND file "${head}")
    math(EXPR j "${i} + 1")
    string(SUBSTRING "${rest}" ${j} 2 hex)
    if(hex MATCHES "^[0-9A-Fa-f][0-9A-Fa-f]$")
      math(EXPR code "0x${hex}")
      if(code LESS 32 OR code EQUAL 47 OR code EQUAL 92)
        return()  # a control character, '/' or '\'
      endif()
      string(ASCII ${code} char)
      string(APPEND file "${char}")
      math(EXPR j "${i} + 3")
    else()
      string(APPEND file "%")
    endif()
    string(SUBSTRING "${rest}" ${j} -1 rest)
  endwhile()
  string(APPEND file "${rest}")
  string(FIND "${file}" "\\" backslash)
  if(file MATCHES "^\\.?\\.?$" OR NOT backslash EQUAL -1)
    return()
  endif()
  set(${out_var} "${file}" PARENT_SCOPE)
endfunction()

# Internal use, do not call directly.
# Records that `owner` (e.g. "asset zlib of manifest /src/assets.json")
# writes `path` in this configure, and stops with an error naming both when
# another asset already writes it: two assets never silently overwrite each
# other's file (two manifests whose URLs end in the same file name, or two
# assets of one manifest).
function(__AssetFetch_claim where path owner)
  string(MD5 key "${path}")
  get_property(other GLOBAL PROPERTY _AssetFetch_dest_${key})
  if(other AND NOT other STREQUAL owner)
    __AssetFetch_fail("${where}" "\"${path}\" is the destination of both ${other} and ${owner}; "
      "each would overwrite the other's file. Give one of them its own place: "
      "fetch_assets(... DESTINATION <dir>) for a whole manifest, a \"destination\" in the manifest "
      "for one asset, or fetch_asset(... DESTINATION <file>).")
  endif()
  set_property(GLOBAL PROPERTY _AssetFetch_dest_${key} "${owner}")
endfunction()

# Internal use, do not call directly.
# The in-tree tool for configure-time fetches after add_subdirectory() or
# FetchContent_MakeAvailable() of assetfetch's source tree, when no
# assetfetch exists yet: a nested configure and build of just the CLI in
# assetfetch's binary directory (`_configure_tool`), made once per build
# tree. Later configures run `cmake --build` on it once (a no-op when
# nothing changed, so it follows edits of the source tree).
function(__AssetFetch_in_tree_tool out_var where)
  set(${out_var} "" PARENT_SCOPE)
  get_property(src GLOBAL PROPERTY _AssetFetch_in_tree_source_dir)
  if(NOT src)
    return()
  endif()
  get_property(dir GLOBAL PROPERTY _AssetFetch_in_tree_tool_dir)
  set(exe "${dir}/plugin/assetfetch${CMAKE_EXECUTABLE_SUFFIX}")
  get_property(ready GLOBAL PROPERTY _AssetFetch_in_tree_tool_ready)
  if(ready)
    set(${out_var} "${exe}" PARENT_SCOPE)
    return()
  endif()
  get_property(settings GLOBAL PROPERTY _AssetFetch_in_tree_tool_settings)
  if(NOT EXISTS "${dir}/CMakeCache.txt")
    message(STATUS "AssetFetch: no assetfetch tool yet; building the in-tree one for configure-time fetches "
      "(once per build tree, in ${dir}; set ASSETFETCH_EXECUTABLE to skip this)")
    execute_process(COMMAND "${CMAKE_COMMAND}" -S "${src}" -B "${dir}" ${settings}
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc STREQUAL "0")
      file(REMOVE "${dir}/CMakeCache.txt")
      __AssetFetch_fail("${where}" "configuring the in-tree assetfetch tool in ${dir} failed:\n${out}")
    endif()
  endif()
  include(ProcessorCount)
  ProcessorCount(jobs)
  if(jobs EQUAL 0)
    set(jobs 2)
  endif()
  # Not captured: the build's progress lines ([12/40] ...) show as it runs.
  execute_process(COMMAND "${CMAKE_COMMAND}" --build "${dir}" --target assetfetch_cli --parallel ${jobs}
    RESULT_VARIABLE rc)
  if(NOT rc STREQUAL "0" OR NOT EXISTS "${exe}")
    __AssetFetch_fail("${where}" "building the in-tree assetfetch tool in ${dir} failed (its output is above). "
      "Set ASSETFETCH_EXECUTABLE to an installed assetfetch instead.")
  endif()
  set_property(GLOBAL PROPERTY _AssetFetch_in_tree_tool_ready TRUE)
  set(${out_var} "${exe}" PARENT_SCOPE)
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
      __AssetFetch_fail("${where}" "ASSETFETCH_EXECUTABLE is \"${ASSETFETCH_EXECUTABLE}\", which is not an existing file. ${hint}")
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
      __AssetFetch_fail("${where}" "the environment variable ASSETFETCH_EXECUTABLE is \"$ENV{ASSETFETCH_EXECUTABLE}\", which is not an existing file. ${hint}")
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

  __AssetFetch_in_tree_tool(in_tree "${where}")
  if(in_tree)
    set(${out_var} "${in_tree}" PARENT_SCOPE)
    return()
  endif()
  __AssetFetch_fail("${where}" "no assetfetch executable found. ${hint}")
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
    __AssetFetch_fail("${where}" "VERIFY must be STAMP or ALWAYS, not \"${verify_mode}\".")
  endif()
endmacro()

# Internal use, do not call directly.
# A call's arguments as one comparable string: quotes, list separators and
# runs of white space dropped.
function(__AssetFetch_normalize_args out_var text)
  string(REPLACE "\"" "" text "${text}")
  string(REPLACE ";" " " text "${text}")
  string(REGEX REPLACE "[ \t\r\n]+" " " text "${text}")
  string(STRIP "${text}" text)
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

# Internal use, do not call directly.
# Records one call of a public command, so an error can tell apart several
# calls with the same arguments in one file: sets _AssetFetch_site_command,
# _AssetFetch_site_args and _AssetFetch_site_ordinal in the caller (the
# public command). Costs a hash and a property per call.
macro(__AssetFetch_note_call command call_args)
  set(_AssetFetch_site_command ${command})
  __AssetFetch_normalize_args(_AssetFetch_site_args "${call_args}")
  string(MD5 _AssetFetch_site_key "${CMAKE_CURRENT_LIST_FILE}|${command}|${_AssetFetch_site_args}")
  get_property(_AssetFetch_site_ordinal GLOBAL PROPERTY _AssetFetch_calls_${_AssetFetch_site_key})
  if(NOT _AssetFetch_site_ordinal)
    set(_AssetFetch_site_ordinal 0)
  endif()
  math(EXPR _AssetFetch_site_ordinal "${_AssetFetch_site_ordinal} + 1")
  set_property(GLOBAL PROPERTY _AssetFetch_calls_${_AssetFetch_site_key} ${_AssetFetch_site_ordinal})
endmacro()

# Internal use, do not call directly.
# Where the public command was called, for error messages: "<file>:<line>"
# (relative to the top source directory when inside it). CMake names the
# module's own line in its "CMake Error at" headline and gives no function a
# way to change that (CMake 3.20 exposes no caller line), so the message
# itself leads with the caller's place. The calls of `command` in the
# calling file are read, their variable references expanded in the caller's
# scope, and compared with the arguments this call received; the n-th call
# with those arguments (a loop, a macro) picks the n-th match. When nothing
# matches and the file has several calls, only the file is named.
function(__AssetFetch_call_site out_var command args ordinal)
  set(file "${CMAKE_CURRENT_LIST_FILE}")
  set(site "${file}")
  if(EXISTS "${file}")
    file(READ "${file}" rest)
    set(line_base 1)
    set(all_lines "")
    set(matched_lines "")
    while(TRUE)
      # A call starts its line (so a comment that names it does not count).
      string(REGEX MATCH "(^|\n)[ \t]*${command}[ \t]*\\(([^)]*)\\)" m "${rest}")
      if(m STREQUAL "")
        break()
      endif()
      set(call_args "${CMAKE_MATCH_2}")
      string(FIND "${rest}" "${m}" at)
      string(SUBSTRING "${rest}" 0 ${at} before)
      string(REGEX MATCHALL "\n" nl "${before}")
      list(LENGTH nl n_before)
      string(REGEX MATCHALL "\n" nl "${m}")
      list(LENGTH nl n_in)
      set(line ${n_before})
      if(m MATCHES "^\n")
        math(EXPR line "${line} + 1")
      endif()
      math(EXPR line "${line_base} + ${line}")
      list(APPEND all_lines ${line})
      string(REGEX REPLACE "(^|[ \t\r\n])#[^\n]*" " " call_args "${call_args}")
      string(CONFIGURE "${call_args}" call_args)
      __AssetFetch_normalize_args(call_args "${call_args}")
      if(call_args STREQUAL args)
        list(APPEND matched_lines ${line})
      endif()
      string(LENGTH "${m}" len)
      math(EXPR at "${at} + ${len}")
      string(SUBSTRING "${rest}" ${at} -1 rest)
      math(EXPR line_base "${line_base} + ${n_before} + ${n_in}")
    endwhile()
    list(LENGTH matched_lines n_matched)
    list(LENGTH all_lines n_all)
    if(n_matched GREATER 0)
      math(EXPR i "(${ordinal} - 1) % ${n_matched}")
      list(GET matched_lines ${i} line)
      set(site "${file}:${line}")
    elseif(n_all EQUAL 1)
      set(site "${file}:${all_lines}")
    endif()
  endif()
  file(RELATIVE_PATH rel "${CMAKE_SOURCE_DIR}" "${site}")
  if(NOT rel MATCHES "^\\.\\./")
    set(site "${rel}")
  endif()
  set(${out_var} "${site}" PARENT_SCOPE)
endfunction()

# Internal use, do not call directly.
# Stops configure with `where` (e.g. "fetch_asset(zlib)") prefixed by the
# caller's file and line; the rest of the arguments are joined into the
# message. Reads the _AssetFetch_site_* variables __AssetFetch_note_call set
# in the public command.
function(__AssetFetch_fail where)
  __AssetFetch_call_site(site "${_AssetFetch_site_command}" "${_AssetFetch_site_args}" "${_AssetFetch_site_ordinal}")
  # ARGV<n>, not ARGN: a message may hold a ';'.
  set(text "")
  math(EXPR last "${ARGC} - 1")
  foreach(i RANGE 1 ${last})
    string(APPEND text "${ARGV${i}}")
  endforeach()
  message(FATAL_ERROR "${site}: ${where}: ${text}")
endfunction()

# Internal use, do not call directly.
# message(STATUS) once per line, so every line keeps CMake's "-- " prefix.
function(__AssetFetch_status text)
  string(REPLACE "\n" ";" lines "${text}")
  foreach(line IN LISTS lines)
    message(STATUS "${line}")
  endforeach()
endfunction()

# Internal use, do not call directly.
# Runs the tool at configure time. Its stderr (progress lines, each asset's
# result, warnings, errors) is shown while it runs, so a failure's message is
# already on screen: configure then stops with the caller's place, the exit
# code and its meaning, and points at that message rather than printing it a
# second time. OUTPUT names a variable to receive stdout (the --json events).
function(__AssetFetch_run where)
  cmake_parse_arguments(PARSE_ARGV 1 run "" "OUTPUT" "COMMAND")
  __AssetFetch_executable(exe unused CONFIGURE "${where}")
  execute_process(COMMAND "${exe}" ${run_COMMAND}
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err
    ECHO_ERROR_VARIABLE)
  if(NOT rc STREQUAL "0")
    list(GET run_COMMAND 0 command)
    # Which assets failed, from the tool's own error lines (the rest of the
    # line is on screen above, word for word).
    string(REGEX MATCHALL "assetfetch: error: [^:\n]+:" failed "${err}")
    list(TRANSFORM failed REPLACE "^assetfetch: error: (.*):$" "\\1")
    list(REMOVE_DUPLICATES failed)
    list(LENGTH failed n_failed)
    if(NOT rc MATCHES "^[345]$")
      set(n_failed 0)  # bad input: the "asset" would be a file name
    endif()
    set(which "")
    if(n_failed GREATER 0 AND command STREQUAL "sync")
      list(JOIN failed ", " which)
      set(which " for ${which}")
    endif()
    get_property(meaning GLOBAL PROPERTY _AssetFetch_exit_code_${rc})
    if(n_failed GREATER 1)
      # sync exits with its first failure's code; the others may differ.
      set(rc "${rc}, the first failure's; each asset's reason is its own line")
    elseif(meaning)
      set(rc "${rc}, ${meaning}")
    endif()
    __AssetFetch_fail("${where}" "assetfetch ${command} failed${which} (exit code ${rc}); "
      "its message is printed just above, starting with \"assetfetch: error:\".")
  endif()
  if(run_OUTPUT)
    set(${run_OUTPUT} "${out}" PARENT_SCOPE)
  endif()
endfunction()

# Internal use, do not call directly.
# Reads the `event` JSON lines of `text` (assetfetch --json) and sets, in the
# caller's scope, <prefix>_names (the assets in order) and <prefix>_path_<asset>
# for every event of that kind that has a path.
function(__AssetFetch_read_events prefix event text)
  set(names "")
  set(rest "${text}")
  while(NOT rest STREQUAL "")
    string(FIND "${rest}" "\n" nl)
    if(nl EQUAL -1)
      set(line "${rest}")
      set(rest "")
    else()
      string(SUBSTRING "${rest}" 0 ${nl} line)
      math(EXPR nl "${nl} + 1")
      string(SUBSTRING "${rest}" ${nl} -1 rest)
    endif()
    if(NOT line MATCHES "^{")
      continue()
    endif()
    string(JSON kind ERROR_VARIABLE err GET "${line}" event)
    if(err OR NOT kind STREQUAL event)
      continue()
    endif()
    string(JSON asset ERROR_VARIABLE err GET "${line}" asset)
    string(JSON path ERROR_VARIABLE err2 GET "${line}" path)
    if(err OR err2)
      continue()
    endif()
    list(APPEND names "${asset}")
    set(${prefix}_path_${asset} "${path}" PARENT_SCOPE)
  endwhile()
  set(${prefix}_names "${names}" PARENT_SCOPE)
endfunction()

# Internal use, do not call directly.
# EXTRACT_TO: unpacks the verified archive `archive` into `dir` with
# file(ARCHIVE_EXTRACT), once per hash: a stamp records the hash and the
# directory. When the stamp names another hash, the directory's previous
# contents (extracted by this module) are removed first.
function(__AssetFetch_extract where name archive dir hash)
  set(stamp "${CMAKE_BINARY_DIR}/CMakeFiles/AssetFetch/${name}.extracted")
  set(key "${hash}|${dir}")
  if(EXISTS "${stamp}")
    file(READ "${stamp}" recorded)
    if(recorded STREQUAL key AND IS_DIRECTORY "${dir}")
      return()
    endif()
    string(REGEX REPLACE "^[^|]*\\|" "" old_dir "${recorded}")
    if(old_dir STREQUAL dir)
      file(REMOVE_RECURSE "${dir}")
    endif()
  endif()
  file(REMOVE "${stamp}")
  file(MAKE_DIRECTORY "${dir}")
  file(ARCHIVE_EXTRACT INPUT "${archive}" DESTINATION "${dir}")
  file(WRITE "${stamp}" "${key}")
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
  __AssetFetch_note_call(fetch_asset "${ARGV}")
  cmake_parse_arguments(PARSE_ARGV 1 arg
    "SPARSE;OFFLINE;QUIET;AT_BUILD_TIME;ALLOW_UNVERIFIED"
    "SHA256;SHA512;DESTINATION;CONFIG;VERIFY;EXTRACT_TO"
    "URLS;RANGES")

  # --- Check every argument before any side effect. ---
  if(DEFINED arg_UNPARSED_ARGUMENTS)
    list(JOIN arg_UNPARSED_ARGUMENTS "\" \"" unknown)
    __AssetFetch_fail("${where}" "unknown keyword or unexpected argument \"${unknown}\". "
      "Known keywords: URLS SHA256 SHA512 ALLOW_UNVERIFIED DESTINATION RANGES SPARSE CONFIG OFFLINE QUIET VERIFY EXTRACT_TO AT_BUILD_TIME.")
  endif()
  if(NOT name MATCHES "^[A-Za-z0-9_.-]+$")
    __AssetFetch_fail("${where}" "the asset name may contain only letters, digits, '_', '.' and '-'.")
  endif()
  if(DEFINED arg_KEYWORDS_MISSING_VALUES)
    list(JOIN arg_KEYWORDS_MISSING_VALUES ", " missing)
    __AssetFetch_fail("${where}" "keyword ${missing} given without a value.")
  endif()
  if(NOT DEFINED arg_URLS)
    __AssetFetch_fail("${where}" "URLS is required (the candidate URLs, origin first).")
  endif()
  # URLS and RANGES take several values, so a misspelt keyword after them
  # lands among their values: catch it there.
  foreach(url IN LISTS arg_URLS)
    if(url MATCHES "^[A-Z][A-Z0-9_]*$")
      __AssetFetch_fail("${where}" "unknown keyword \"${url}\" (after URLS). "
        "Known keywords: URLS SHA256 SHA512 ALLOW_UNVERIFIED DESTINATION RANGES SPARSE CONFIG OFFLINE QUIET VERIFY EXTRACT_TO AT_BUILD_TIME.")
    elseif(NOT url MATCHES "^[A-Za-z][A-Za-z0-9+.-]*:")
      __AssetFetch_fail("${where}" "URLS entry \"${url}\" is not a URL.")
    endif()
  endforeach()
  if(DEFINED arg_SHA256 AND DEFINED arg_SHA512)
    __AssetFetch_fail("${where}" "SHA256 and SHA512 are exclusive; give one of them.")
  endif()
  if(DEFINED arg_SHA256)
    string(LENGTH "${arg_SHA256}" len)
    if(NOT arg_SHA256 MATCHES "^[0-9A-Fa-f]+$" OR NOT len EQUAL 64)
      __AssetFetch_fail("${where}" "SHA256 must be 64 hex digits, not \"${arg_SHA256}\".")
    endif()
    set(hash_option --sha256 ${arg_SHA256})
  elseif(DEFINED arg_SHA512)
    string(LENGTH "${arg_SHA512}" len)
    if(NOT arg_SHA512 MATCHES "^[0-9A-Fa-f]+$" OR NOT len EQUAL 128)
      __AssetFetch_fail("${where}" "SHA512 must be 128 hex digits, not \"${arg_SHA512}\".")
    endif()
    set(hash_option --sha512 ${arg_SHA512})
  elseif(arg_ALLOW_UNVERIFIED)
    set(hash_option --no-verify)
  else()
    __AssetFetch_fail("${where}" "SHA256 or SHA512 is required (the hash of the whole file); "
      "ALLOW_UNVERIFIED opts out of verification explicitly.")
  endif()
  if(arg_ALLOW_UNVERIFIED AND (DEFINED arg_SHA256 OR DEFINED arg_SHA512))
    __AssetFetch_fail("${where}" "ALLOW_UNVERIFIED may not be combined with SHA256 or SHA512.")
  endif()
  foreach(range IN LISTS arg_RANGES)
    if(range MATCHES "^[A-Z][A-Z0-9_]*$")
      __AssetFetch_fail("${where}" "unknown keyword \"${range}\" (after RANGES). "
        "Known keywords: URLS SHA256 SHA512 ALLOW_UNVERIFIED DESTINATION RANGES SPARSE CONFIG OFFLINE QUIET VERIFY EXTRACT_TO AT_BUILD_TIME.")
    elseif(NOT range MATCHES "^[0-9]+:([0-9]+|EOF)(:[0-9A-Fa-f]+)?$")
      __AssetFetch_fail("${where}" "RANGES entry \"${range}\" is not <offset>:<length>[:<sha256>] (length may be EOF).")
    endif()
  endforeach()
  if(arg_SPARSE AND NOT DEFINED arg_RANGES)
    __AssetFetch_fail("${where}" "SPARSE needs RANGES.")
  endif()
  __AssetFetch_verify_mode("${where}")
  if(arg_AT_BUILD_TIME AND TARGET asset_${name})
    __AssetFetch_fail("${where}" "a target asset_${name} already exists (asset names must be unique).")
  endif()
  if(DEFINED arg_EXTRACT_TO)
    if(NOT DEFINED arg_SHA256 AND NOT DEFINED arg_SHA512)
      __AssetFetch_fail("${where}" "EXTRACT_TO needs SHA256 or SHA512 (an archive is extracted once per hash).")
    endif()
    if(DEFINED arg_RANGES)
      __AssetFetch_fail("${where}" "EXTRACT_TO extracts a whole archive; it cannot be combined with RANGES.")
    endif()
    get_filename_component(extract_dir "${arg_EXTRACT_TO}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    string(TOLOWER "${arg_SHA256}${arg_SHA512}" extract_hash)
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
  __AssetFetch_claim("${where}" "${dest}" "fetch_asset(${name})")

  set(args fetch ${arg_URLS} ${hash_option} -o "${dest}")
  foreach(range IN LISTS arg_RANGES)
    list(APPEND args --range "${range}")
  endforeach()
  if(arg_SPARSE)
    list(APPEND args --sparse)
  endif()
  __AssetFetch_common_options(args)
  set(${name}_PATH "${dest}" PARENT_SCOPE)
  if(DEFINED arg_EXTRACT_TO)
    set(${name}_EXTRACT_DIR "${extract_dir}" PARENT_SCOPE)
  endif()

  # --- Build time: a custom command the build runs when it needs the file. ---
  if(arg_AT_BUILD_TIME)
    __AssetFetch_executable(exe exe_target BUILD "${where}")
    # USES_TERMINAL: ninja runs it in its console pool, so the tool's
    # progress bar reaches the terminal instead of "[0/1] Fetching ...".
    add_custom_command(OUTPUT "${dest}"
      COMMAND "${exe}" ${args}
      DEPENDS ${exe_target}
      COMMENT "Fetching asset ${name}"
      USES_TERMINAL
      VERBATIM)
    set(target_depends "${dest}")
    if(DEFINED arg_EXTRACT_TO)
      # Once per hash: the stamp's name holds it.
      set(extracted "${CMAKE_BINARY_DIR}/CMakeFiles/AssetFetch/${name}-${extract_hash}.extracted")
      add_custom_command(OUTPUT "${extracted}"
        COMMAND "${CMAKE_COMMAND}" -E rm -rf "${extract_dir}"
        COMMAND "${CMAKE_COMMAND}" -E make_directory "${extract_dir}"
        COMMAND "${CMAKE_COMMAND}" -E chdir "${extract_dir}" "${CMAKE_COMMAND}" -E tar xf "${dest}"
        COMMAND "${CMAKE_COMMAND}" -E touch "${extracted}"
        DEPENDS "${dest}"
        COMMENT "Extracting asset ${name} into ${extract_dir}"
        VERBATIM)
      list(APPEND target_depends "${extracted}")
    endif()
    add_custom_target(asset_${name} ALL DEPENDS ${target_depends})
    return()
  endif()

  # --- Configure time, skipped when the stamp still matches. ---
  # The stamp holds what decides the bytes (hash, URLs, ranges, layout,
  # destination) and the destination's size and mtime after the last fetch.
  get_property(stamp_version GLOBAL PROPERTY _AssetFetch_stamp_version)
  string(JOIN "|" key "assetfetch-stamp ${stamp_version}" "${hash_option}" "${arg_URLS}"
    "${arg_RANGES}" "sparse=${arg_SPARSE}" "${dest}")
  set(stamp "${CMAKE_BINARY_DIR}/CMakeFiles/AssetFetch/${name}.stamp")
  set(in_place FALSE)
  if(verify_mode STREQUAL "STAMP" AND EXISTS "${stamp}")
    __AssetFetch_file_state(state "${dest}")
    if(NOT state STREQUAL "")
      file(READ "${stamp}" recorded)
      if(recorded STREQUAL "${key}\n${state}\n")
        set(in_place TRUE)
      endif()
    endif()
  endif()

  if(NOT in_place)
    file(REMOVE "${stamp}")
    __AssetFetch_run("${where}" COMMAND ${args})
    __AssetFetch_file_state(state "${dest}")
    if(state STREQUAL "")
      __AssetFetch_fail("${where}" "assetfetch succeeded but \"${dest}\" does not exist.")
    endif()
    file(WRITE "${stamp}" "${key}\n${state}\n")
  endif()
  if(DEFINED arg_EXTRACT_TO)
    __AssetFetch_extract("${where}" "${name}" "${dest}" "${extract_dir}" "${extract_hash}")
  endif()
endfunction()

function(fetch_assets)
  __AssetFetch_note_call(fetch_assets "${ARGV}")
  cmake_parse_arguments(PARSE_ARGV 0 arg
    "OFFLINE;QUIET;AT_BUILD_TIME"
    "MANIFEST;DESTINATION;CONFIG;JOBS;VERIFY"
    "")
  set(where "fetch_assets(MANIFEST ${arg_MANIFEST})")

  # --- Check every argument before any side effect. ---
  if(DEFINED arg_UNPARSED_ARGUMENTS)
    list(JOIN arg_UNPARSED_ARGUMENTS "\" \"" unknown)
    __AssetFetch_fail("${where}" "unknown keyword or unexpected argument \"${unknown}\". "
      "Known keywords: MANIFEST DESTINATION CONFIG JOBS OFFLINE QUIET VERIFY AT_BUILD_TIME.")
  endif()
  if(DEFINED arg_KEYWORDS_MISSING_VALUES)
    list(JOIN arg_KEYWORDS_MISSING_VALUES ", " missing)
    __AssetFetch_fail("${where}" "keyword ${missing} given without a value.")
  endif()
  if(NOT DEFINED arg_MANIFEST)
    __AssetFetch_fail("fetch_assets()" "MANIFEST is required (the assets JSON file).")
  endif()
  if(NOT DEFINED arg_JOBS AND ASSETFETCH_JOBS)
    set(arg_JOBS "${ASSETFETCH_JOBS}")
  endif()
  if(DEFINED arg_JOBS AND NOT arg_JOBS MATCHES "^[1-9][0-9]*$")
    __AssetFetch_fail("${where}" "JOBS must be a positive number, not \"${arg_JOBS}\".")
  endif()
  __AssetFetch_verify_mode("${where}")
  get_filename_component(manifest "${arg_MANIFEST}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${manifest}")
    __AssetFetch_fail("${where}" "the manifest \"${manifest}\" does not exist.")
  endif()
  get_filename_component(stem "${manifest}" NAME_WE)
  string(MAKE_C_IDENTIFIER "assets_${stem}" target)
  if(arg_AT_BUILD_TIME AND TARGET ${target})
    __AssetFetch_fail("${where}" "a target ${target} already exists (one fetch_assets(... AT_BUILD_TIME) per manifest name).")
  endif()
  if(DEFINED arg_DESTINATION)
    get_filename_component(dest_dir "${arg_DESTINATION}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  else()
    set(dest_dir "${CMAKE_BINARY_DIR}/_assets")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${manifest}")

  # The manifest is read by the tool only: its checks, its error messages
  # (the same as `assetfetch check`), its destinations.
  set(args sync "${manifest}" --dest "${dest_dir}")
  if(DEFINED arg_JOBS)
    list(APPEND args -j ${arg_JOBS})
  endif()
  __AssetFetch_common_options(args)

  # --- Build time: one custom command whose outputs the tool lists. ---
  if(arg_AT_BUILD_TIME)
    __AssetFetch_run("${where}" COMMAND ${args} --list-outputs --json OUTPUT listed)
    __AssetFetch_read_events(out output "${listed}")
    set(outputs "")
    foreach(asset IN LISTS out_names)
      __AssetFetch_claim("${where}" "${out_path_${asset}}" "asset ${asset} of manifest ${manifest}")
      list(APPEND outputs "${out_path_${asset}}")
      set(${asset}_PATH "${out_path_${asset}}" PARENT_SCOPE)
    endforeach()
    __AssetFetch_executable(exe exe_target BUILD "${where}")
    # sync leaves a destination that is already right untouched; touching
    # the outputs keeps them newer than the manifest, so the build does not
    # run the command again.
    add_custom_command(OUTPUT ${outputs}
      COMMAND "${exe}" ${args}
      COMMAND "${CMAKE_COMMAND}" -E touch_nocreate ${outputs}
      DEPENDS "${manifest}" ${exe_target}
      COMMENT "Fetching the assets of ${stem}"
      USES_TERMINAL
      VERBATIM)
    add_custom_target(${target} ALL DEPENDS ${outputs})
    return()
  endif()

  # --- Fast path: the stamp lists every asset's path, size and mtime. ---
  file(READ "${manifest}" json)
  string(SHA256 manifest_hash "${json}")
  string(SHA256 manifest_id "${manifest}|${dest_dir}")
  string(SUBSTRING "${manifest_id}" 0 16 manifest_id)
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
          __AssetFetch_claim("${where}" "${_af_path_${i}}" "asset ${_af_name_${i}} of manifest ${manifest}")
          set(${_af_name_${i}}_PATH "${_af_path_${i}}" PARENT_SCOPE)
          math(EXPR i "${i} + 1")
        endwhile()
        return()
      endif()
    endif()
  endif()

  # --- One sync process fetches them all in parallel; the destinations are
  # the paths of its `done` events. ---
  # The destinations first (fetching nothing), so a clash with another
  # manifest's asset stops configure before either file is touched.
  __AssetFetch_run("${where}" COMMAND ${args} --list-outputs --json OUTPUT listed)
  __AssetFetch_read_events(out output "${listed}")
  foreach(asset IN LISTS out_names)
    __AssetFetch_claim("${where}" "${out_path_${asset}}" "asset ${asset} of manifest ${manifest}")
  endforeach()
  file(REMOVE "${stamp}")
  __AssetFetch_run("${where}" COMMAND ${args} --json --progress lines OUTPUT events)
  __AssetFetch_read_events(done done "${events}")

  set(content "set(_af_key [==[${key}]==])\n")
  set(i 0)
  foreach(asset IN LISTS done_names)
    set(path "${done_path_${asset}}")
    __AssetFetch_file_state(state "${path}")
    if(state STREQUAL "")
      __AssetFetch_fail("${where}" "assetfetch sync succeeded but \"${path}\" (asset ${asset}) does not exist.")
    endif()
    string(APPEND content "set(_af_name_${i} [==[${asset}]==])\nset(_af_path_${i} [==[${path}]==])\nset(_af_state_${i} \"${state}\")\n")
    set(${asset}_PATH "${path}" PARENT_SCOPE)
    math(EXPR i "${i} + 1")
  endforeach()
  string(APPEND content "set(_af_count ${i})\n")
  file(WRITE "${stamp}" "${content}")
  if(NOT arg_QUIET AND events MATCHES "\"fetched\":([0-9]+)")
    set(fetched "${CMAKE_MATCH_1}")
    __AssetFetch_status("${where}: ${i} asset(s) in place, ${fetched} fetched now")
  endif()
endfunction()

cmake_policy(POP)

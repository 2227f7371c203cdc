# Writes assetfetch.def, the export list of assetfetch.dll: every function
# assetfetch.h declares with AF_API ("AF_API <type> af_name("), and nothing
# else. Sets ASSETFETCH_DEF_FILE. Reconfigures when the header changes.
set(_af_header ${CMAKE_CURRENT_LIST_DIR}/../../include/assetfetch/assetfetch.h)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_af_header})
file(READ ${_af_header} _af_header_text)
string(REGEX MATCHALL "AF_API[^;(]*[ *]af_[a-z0-9_]+\\(" _af_decls "${_af_header_text}")
set(_af_def "LIBRARY assetfetch.dll\nEXPORTS\n")
foreach(_af_decl IN LISTS _af_decls)
  string(REGEX MATCH "(af_[a-z0-9_]+)\\($" _af_unused "${_af_decl}")
  string(APPEND _af_def "  ${CMAKE_MATCH_1}\n")
endforeach()
list(LENGTH _af_decls _af_count)
if(_af_count LESS 10)
  message(FATAL_ERROR "found only ${_af_count} AF_API declarations in ${_af_header}")
endif()
set(ASSETFETCH_DEF_FILE ${CMAKE_CURRENT_BINARY_DIR}/assetfetch.def)
file(CONFIGURE OUTPUT ${ASSETFETCH_DEF_FILE} CONTENT "${_af_def}")

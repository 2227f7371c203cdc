# Writes assetfetch.def, the export list of assetfetch.dll: every function
# assetfetch.h declares with AF_API ("AF_API <type> af_name("), and nothing
# else. Sets ASSETFETCH_DEF_FILE. Reconfigures when the header changes.
set(_af_header ${CMAKE_CURRENT_LIST_DIR}/../../include/assetfetch/assetfetch.h)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_af_header})
include(${CMAKE_CURRENT_LIST_DIR}/af_api_names.cmake)
af_api_names(${_af_header} _af_names)
set(_af_def "LIBRARY assetfetch.dll\nEXPORTS\n")
foreach(_af_name IN LISTS _af_names)
  string(APPEND _af_def "  ${_af_name}\n")
endforeach()
set(ASSETFETCH_DEF_FILE ${CMAKE_CURRENT_BINARY_DIR}/assetfetch.def)
file(CONFIGURE OUTPUT ${ASSETFETCH_DEF_FILE} CONTENT "${_af_def}")

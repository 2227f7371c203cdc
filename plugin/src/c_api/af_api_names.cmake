# af_api_names(<header> <out-var>): the af_* functions assetfetch.h declares
# with AF_API ("AF_API <type> af_name("), in header order. The one reader of
# that list: the Windows .def (windows_def.cmake) and the export checks of the
# .so and the DLL (tests/c_abi, tests/windows). Fails below 10 names, so a
# changed declaration style cannot make the list, or a check, empty.
function(af_api_names header out_var)
  file(READ "${header}" text)
  string(REGEX MATCHALL "AF_API[^;(]*[ *]af_[a-z0-9_]+\\(" decls "${text}")
  set(names "")
  foreach(decl IN LISTS decls)
    string(REGEX MATCH "(af_[a-z0-9_]+)\\($" unused "${decl}")
    list(APPEND names "${CMAKE_MATCH_1}")
  endforeach()
  list(LENGTH names count)
  if(count LESS 10)
    message(FATAL_ERROR "found only ${count} AF_API declarations in ${header}")
  endif()
  set(${out_var} "${names}" PARENT_SCOPE)
endfunction()

# cmake -DDIR=<dir> -DMODE=reset|check -P sanitizer_reports.cmake
# reset: an empty directory for the reports; check: fail, printing them, if
# the sanitizers wrote any.
if(MODE STREQUAL "reset")
  file(REMOVE_RECURSE ${DIR})
  file(MAKE_DIRECTORY ${DIR})
  return()
endif()
file(GLOB _reports ${DIR}/*)
if(NOT _reports)
  message(STATUS "no sanitizer reports in ${DIR}")
  return()
endif()
foreach(_report IN LISTS _reports)
  file(READ ${_report} _text LIMIT 20000)
  message("== ${_report}\n${_text}")
endforeach()
list(LENGTH _reports _count)
message(FATAL_ERROR "the server wrote ${_count} sanitizer report(s) during the integration tests")

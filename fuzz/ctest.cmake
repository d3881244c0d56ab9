# Registers a short run of every fuzz target as a ctest test (label `fuzz`) in
# the gcc tree; included by tests/CMakeLists.txt. The targets themselves live
# in the clang tree scripts/fuzz builds (build-fuzz/): the fixture test
# fuzz_build builds it, a quick no-op when scripts/test already has.
find_program(CHAT_CLANGXX clang++)
if(NOT CHAT_CLANGXX)
  message(STATUS "clang++ not found: the fuzz tests are not registered (scripts/install-deps --test)")
  return()
endif()
set(SIMPLE_CHAT_FUZZ_SECONDS 20 CACHE STRING "Seconds each fuzz target runs in the test suite")

add_test(NAME fuzz_build COMMAND ${PROJECT_SOURCE_DIR}/scripts/fuzz --build-only)
set_tests_properties(fuzz_build PROPERTIES FIXTURES_SETUP fuzz_tree LABELS fuzz TIMEOUT 3600)

function(chat_fuzz_target name)
  add_test(NAME fuzz_${name}
           COMMAND ${PROJECT_SOURCE_DIR}/scripts/fuzz --no-build --jobs 1
                   --seconds ${SIMPLE_CHAT_FUZZ_SECONDS} ${name})
  math(EXPR _timeout "${SIMPLE_CHAT_FUZZ_SECONDS} + 120")
  set_tests_properties(fuzz_${name} PROPERTIES FIXTURES_REQUIRED fuzz_tree LABELS fuzz
                       TIMEOUT ${_timeout})
endfunction()
include(${CMAKE_CURRENT_LIST_DIR}/targets.cmake)

# The whole suite again in the ASan+UBSan tree (CMakePresets.json
# `asan-ubsan`, build-asan/), as two tests of this tree: its unit tests and
# its integration tests, each a nested `ctest --preset asan-ubsan`. They run
# alone (RUN_SERIAL) with both cores, after the rest. The fixture test
# asan_build configures and builds the tree, a quick no-op when scripts/test
# already has.
add_test(NAME asan_build
         COMMAND sh -c "cmake --preset asan-ubsan >/dev/null && cmake --build --preset asan-ubsan"
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(asan_build PROPERTIES FIXTURES_SETUP asan_tree LABELS asan TIMEOUT 3600)

cmake_host_system_information(RESULT _cores QUERY NUMBER_OF_LOGICAL_CORES)
foreach(_suite unit integration)
  add_test(NAME asan_${_suite}
           COMMAND ${CMAKE_CTEST_COMMAND} --preset asan-ubsan -L ${_suite} -j${_cores}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(asan_${_suite} PROPERTIES FIXTURES_REQUIRED asan_tree LABELS asan
                       RUN_SERIAL TRUE TIMEOUT 1800)
endforeach()

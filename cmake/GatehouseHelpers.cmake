# Helpers shared by every module's CMakeLists.txt.

# gatehouse_module(NAME SOURCES ... DEPS ...): a static library gatehouse_NAME with
# alias gatehouse::NAME; include root is src/, so code includes "core/result.hpp".
function(gatehouse_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(gatehouse_${name} STATIC ${ARG_SOURCES})
  add_library(gatehouse::${name} ALIAS gatehouse_${name})
  target_include_directories(gatehouse_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(gatehouse_${name} PUBLIC ${ARG_DEPS})
endfunction()

# gatehouse_unit_test(NAME SOURCES ... DEPS ...): a GoogleTest binary registered
# with CTest as one test named NAME (labels: unit).
function(gatehouse_unit_test name)
  if(NOT GATEHOUSE_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()

# gatehouse_fuzz_target(NAME SOURCE ... CORPUS dir DEPS ...): with GATEHOUSE_FUZZ and
# clang, a libFuzzer binary; otherwise a replay binary (tests/fuzz/replay_main.cpp) that
# runs every corpus file through the target, registered with CTest so the corpus is a
# regression suite on every build.
function(gatehouse_fuzz_target name)
  cmake_parse_arguments(ARG "" "CORPUS" "SOURCES;DEPS" ${ARGN})
  if(GATEHOUSE_FUZZ)
    add_executable(${name} ${ARG_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  elseif(GATEHOUSE_TESTS)
    add_executable(${name} ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    target_link_libraries(${name} PRIVATE ${ARG_DEPS})
    add_test(NAME ${name} COMMAND ${name} ${ARG_CORPUS})
    set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT 300)
  endif()
endfunction()

# gatehouse_benchmark(NAME SOURCES ... DEPS ...): a Google Benchmark binary (not a test).
function(gatehouse_benchmark name)
  if(NOT GATEHOUSE_BENCH)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark benchmark::benchmark_main)
endfunction()

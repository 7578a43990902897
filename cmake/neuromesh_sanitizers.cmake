# Sanitizer and fuzzing builds (docs/reliability.md, "Standing guards"). Both apply to every target
# of the build, so the libraries under test are instrumented, not only the test executables.
#
#   NEUROMESH_SANITIZE="address,undefined"  ASan + UBSan; any UB report aborts the test
#                                           (-fno-sanitize-recover), so ctest sees a failure.
#   NEUROMESH_FUZZ=ON                       libFuzzer targets tests/fuzz/fuzz_* (clang only). The
#                                           libraries get coverage feedback (fuzzer-no-link);
#                                           only the fuzz executables link libFuzzer's main.
set(NEUROMESH_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address,undefined (empty: none)")
option(NEUROMESH_FUZZ "Build the libFuzzer targets under tests/fuzz (clang only)" OFF)

if(NEUROMESH_SANITIZE)
  add_compile_options(-fsanitize=${NEUROMESH_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${NEUROMESH_SANITIZE})
  if(NEUROMESH_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
  message(STATUS "neuromesh: NEUROMESH_SANITIZE = ${NEUROMESH_SANITIZE}")
endif()

if(NEUROMESH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "neuromesh: NEUROMESH_FUZZ=ON needs clang (libFuzzer); configure with "
                        "-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
  message(STATUS "neuromesh: NEUROMESH_FUZZ = ON")
endif()

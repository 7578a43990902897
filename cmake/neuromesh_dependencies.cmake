# Required dependencies, wrapped where they need it. find_package only: CI has no internet.
find_package(Threads REQUIRED)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Boost 1.74 REQUIRED)  # header-only Boost.Graph (used by core/routing later)

add_library(neuromesh_hdf5 INTERFACE)
target_include_directories(neuromesh_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
target_link_libraries(neuromesh_hdf5 INTERFACE ${HDF5_C_LIBRARIES} ${HDF5_LIBRARIES})
target_compile_definitions(neuromesh_hdf5 INTERFACE ${HDF5_DEFINITIONS})
set_target_properties(neuromesh_hdf5 PROPERTIES EXPORT_NAME hdf5)

# Optional parts.
find_package(GTest QUIET)
neuromesh_resolve_option(NEUROMESH_BUILD_TESTS "${GTest_FOUND}" "GoogleTest (libgtest-dev)")
find_package(benchmark QUIET)
neuromesh_resolve_option(NEUROMESH_BUILD_BENCHMARKS "${benchmark_FOUND}" "Google Benchmark (libbenchmark-dev)")
# Parts whose code is not written yet (their issues are open): the option is accepted so build
# scripts can already pass it, and the message says why the part stays off.
function(neuromesh_pending_option name what)
  set(${name}_ENABLED OFF PARENT_SCOPE)
  if(NOT "${${name}}" STREQUAL "OFF")
    message(STATUS "neuromesh: ${name} = OFF (not implemented yet in this version: ${what})")
  endif()
endfunction()
# MPI backend (backends/mpi): AUTO is on when an MPI C library is found (Debian: libopenmpi-dev).
if(NOT NEUROMESH_WITH_MPI STREQUAL "OFF")
  find_package(MPI QUIET COMPONENTS C)
endif()
neuromesh_resolve_option(NEUROMESH_WITH_MPI "${MPI_C_FOUND}" "MPI (apt install libopenmpi-dev openmpi-bin)")
neuromesh_pending_option(NEUROMESH_WITH_CUDA "the CUDA backend")
find_package(Python3 QUIET COMPONENTS Interpreter Development.Module)
if(Python3_FOUND AND NOT pybind11_DIR)
  # pybind11 from PyPI ships its CMake package inside the Python package.
  execute_process(COMMAND ${Python3_EXECUTABLE} -c "import pybind11; print(pybind11.get_cmake_dir())"
                  OUTPUT_VARIABLE _pybind11_dir OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_pybind11_dir)
    set(pybind11_DIR ${_pybind11_dir} CACHE PATH "pybind11 CMake package" FORCE)
  endif()
endif()
find_package(pybind11 CONFIG QUIET)
neuromesh_resolve_option(NEUROMESH_WITH_PYTHON "${pybind11_FOUND}" "pybind11 (pip install pybind11)")

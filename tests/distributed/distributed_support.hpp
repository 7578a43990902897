#pragma once
// Shared by the distributed tests, which ctest runs under `mpirun -n R` (R = 1..4) with
// NEUROMESH_TEST_THREADS threads per rank: every rank runs the same tests in the same order.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <neuromesh/api.hpp>

namespace neuromesh::test_support {

inline int threads_per_rank() {
  const char* v = std::getenv("NEUROMESH_TEST_THREADS");
  return v ? std::atoi(v) : 1;
}

// A path every rank of this job computes identically, distinct per ctest configuration.
inline std::string shared_temp_path(const std::string& name) {
  const int ranks = std::max(1, launcher_process_count());
  return (std::filesystem::temp_directory_path() /
          ("neuromesh_dist_" + name + "_r" + std::to_string(ranks) + "_t" + std::to_string(threads_per_rank()) + ".h5"))
      .string();
}

}  // namespace neuromesh::test_support

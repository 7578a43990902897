#pragma once
// Shared by the distributed tests, which ctest runs under `mpirun -n R` (R = 1..4) with
// NEUROMESH_TEST_THREADS threads per rank: every rank runs the same tests in the same order.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <neuromesh/api.hpp>

namespace neuromesh::test_support {

inline int threads_per_rank() {
  const char* v = std::getenv("NEUROMESH_TEST_THREADS");
  return v ? std::atoi(v) : 1;
}

// A path every rank of this job computes identically and no other job uses: in the working
// directory (ctest runs in the build tree, so two build trees never collide), named by the MPI
// job (PMIx namespace) or, without a launcher, by the process id.
inline std::string shared_temp_path(const std::string& name) {
  std::string job = std::to_string(::getpid());
  for (const char* var : {"PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid"})
    if (const char* v = std::getenv(var)) {
      job = v;
      break;
    }
  const int ranks = std::max(1, launcher_process_count());
  return (std::filesystem::current_path() / ("neuromesh_dist_" + name + "_" + job + "_r" + std::to_string(ranks) +
                                             "_t" + std::to_string(threads_per_rank()) + ".h5"))
      .string();
}

}  // namespace neuromesh::test_support

// Which communicator a simulation gets: MPI when the program was started by an MPI launcher
// (mpirun/mpiexec set their size in the environment) and this build has the MPI backend, one
// process otherwise. So C++ programs and Python scripts run under mpirun without code changes.
#include <cstdlib>
#include <string>

#include <neuromesh/api.hpp>
#include <neuromesh/core/config.hpp>
#include <neuromesh/core/errors.hpp>
#if NEUROMESH_WITH_MPI_ENABLED
#include <neuromesh/mpi/mpi_backend.hpp>
#endif

namespace neuromesh {

int launcher_process_count() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"})
    if (const char* v = std::getenv(var)) return std::atoi(v);
  return 0;
}

namespace detail {

void check_distribution_options(const simulation_options& opt) {
  if (opt.exchange != "targeted" && opt.exchange != "allgather")
    throw config_error("exchange", "unknown spike exchange '" + opt.exchange + "' (known: targeted, allgather)");
}

std::unique_ptr<communicator> make_communicator(const simulation_options& opt) {
  if (opt.communicator == "local") return std::make_unique<local_communicator>();
  if (opt.communicator != "auto")
    throw config_error("communicator", "unknown communicator '" + opt.communicator + "' (known: auto, local)");
  const int launched = launcher_process_count();
#if NEUROMESH_WITH_MPI_ENABLED
  // A bad exchange name is reported after the ranks agree (check_distribution_options).
  if (launched > 0) return mpi::make_communicator(opt.exchange == "allgather" ? "allgather" : "targeted");
#else
  if (launched > 1)
    throw backend_unavailable("this neuromesh was built without MPI, but mpirun started " + std::to_string(launched) +
                              " processes: each would simulate the whole network alone. Install OpenMPI "
                              "(apt install libopenmpi-dev openmpi-bin) and rebuild with -DNEUROMESH_WITH_MPI=ON, "
                              "or run without mpirun");
#endif
  return std::make_unique<local_communicator>();
}

}  // namespace detail
}  // namespace neuromesh

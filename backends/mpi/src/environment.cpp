#include <mpi.h>

#include <neuromesh/core/errors.hpp>

#include "environment.hpp"

namespace neuromesh::mpi {

environment& environment::process() {
  static environment env;
  return env;
}

environment::environment() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (initialised) return;
  // Only the simulation driver's thread calls MPI (the engine's worker threads never do).
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    throw backend_unavailable("MPI_Init_thread failed: is this program started by mpirun, and is OpenMPI installed?");
  owns_ = true;
}

environment::~environment() {
  if (!owns_) return;
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (!finalised) MPI_Finalize();
}

}  // namespace neuromesh::mpi

#pragma once
// MPI_Init / MPI_Finalize as an RAII guard. MPI allows exactly one initialisation per process, so
// this is the one process-wide object in neuromesh (DESIGN: no global singletons -- MPI's own
// state is per process whatever we do): created on first use, destroyed at exit.
namespace neuromesh::mpi {

class environment {
 public:
  static environment& process();
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;

 private:
  environment();
  ~environment();
  bool owns_ = false;  // false when the program initialised MPI itself
};

}  // namespace neuromesh::mpi

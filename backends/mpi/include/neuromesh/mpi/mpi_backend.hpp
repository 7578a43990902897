#pragma once
// The MPI backend's entry point: a communicator over MPI_COMM_WORLD for the simulation driver.
// The header is free of mpi.h, so users of neuromesh need no MPI compiler wrapper.
#include <memory>
#include <string>

#include <neuromesh/core/communicator.hpp>

namespace neuromesh::mpi {

// A communicator over all processes of this MPI job. MPI is initialised on first use (unless the
// program already did, e.g. through mpi4py) and finalised when the process exits. `exchange`:
// "targeted" (a spike goes only to the ranks hosting one of its targets) or "allgather".
std::unique_ptr<communicator> make_communicator(const std::string& exchange);

}  // namespace neuromesh::mpi

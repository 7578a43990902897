#pragma once
// How the spikes of an epoch reach every process that needs them. The local implementation
// (one process) returns the process's own spikes; the MPI backend implements the same interface.
#include <span>
#include <vector>

#include <neuromesh/core/spike.hpp>

namespace neuromesh {

class communicator {
 public:
  virtual ~communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Phase exchange: `local` are this process's spikes of the epoch; on return `global` holds the
  // spikes this process must deliver, sorted by (step, gid).
  virtual void exchange(std::span<const spike> local, std::vector<spike>& global) = 0;
};

class local_communicator final : public communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void exchange(std::span<const spike> local, std::vector<spike>& global) override;
};

}  // namespace neuromesh

#pragma once
// Things that watch a running simulation without changing it: the neuromorphic hardware model
// (core/routing) accounts energy and traffic from the spikes of every chunk. Observers are called
// by the simulation driver after each chunk's exchange, in the order they were added.
#include <span>
#include <string>

#include <neuromesh/core/spike.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh {

class simulation;  // simulation.hpp

class epoch_observer {
 public:
  virtual ~epoch_observer() = default;
  // Steps [t0, t1) are done; `spikes` are the spikes fired in them, sorted by (step, gid). In one
  // process these are all spikes; under MPI the rank that writes the output sees all spikes,
  // other ranks their own.
  virtual void on_chunk(const simulation& sim, step_t t0, step_t t1, std::span<const spike> spikes) = 0;
  // The run is finished and the output file (path, may be empty) is closed: an observer may
  // add its own groups to it now. Under MPI only rank 0 gets the path (it alone writes the file).
  virtual void on_finish(const simulation& /*sim*/, const std::string& /*output_path*/) {}
};

}  // namespace neuromesh

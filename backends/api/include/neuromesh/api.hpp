#pragma once
// The C++ facade of neuromesh: what C++ programs and the Python bindings use. Build a `network`
// (network.hpp), check it, make a simulation on a backend, run or step it, read its spikes.
//
//   neuromesh::network net = neuromesh::builtin_network("brunel");
//   auto sim = neuromesh::make_simulation(net, {.threads = 2, .output = "run.h5"});
//   sim->run(1000.0);
//   sim->finish();
#include <memory>
#include <string>
#include <vector>

#include <neuromesh/core/network.hpp>
#include <neuromesh/core/network_json.hpp>
#include <neuromesh/core/simulation.hpp>

namespace neuromesh {

// Checks a network against the model registry and the rules of every connector; throws
// config_error / parameter_error naming the population, parameter or key path at fault.
void validate(const network& net);

// Validates `net` and builds a simulation on opt.backend ("cpu"); backend_unavailable names the
// backends this build has when another is requested.
std::unique_ptr<simulation> make_simulation(network net, simulation_options opt = {});

// Processes started by an MPI launcher (mpirun/mpiexec), from its environment; 0 when none.
// make_simulation uses MPI exactly when this is > 0 (and refuses when > 1 in a build without MPI).
int launcher_process_count();

// What this build contains: backends and optional features.
struct build_features {
  std::vector<std::string> backends;
  bool cuda = false, mpi = false, python = false;
  std::string version;
};
build_features features();

// Built-in reference networks (networks/*.json, embedded at build time).
std::vector<std::string> builtin_network_names();
network builtin_network(const std::string& name);
// A built-in name or a path to a JSON network file.
network load_network(const std::string& name_or_path);

}  // namespace neuromesh

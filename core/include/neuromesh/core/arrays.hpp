#pragma once
// (time, n) arrays in and out of a simulation: the C++ side of what nm.nir's model.run does in
// Python (docs/nir.md, "Arrays in and out; batches"). A sample is a (steps, n) row-major array of
// spike counts fed into a spike_source_array population; the output is another population's spikes
// as a (steps, n) array of counts, or a state variable after every step as (steps, n) values.
// Samples run one after another in one simulation, reset between them (simulation::reset): the
// synapses are built once and memory does not grow with the number of samples.
//
//   auto sim = neuromesh::make_simulation(net, {.threads = 2});
//   for (const auto& x : samples)   // x: steps * n_in counts
//     std::vector<std::uint32_t> y = neuromesh::run_spike_sample(*sim, "input", x, steps, "output");
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <neuromesh/core/simulation.hpp>

namespace neuromesh {

// Spike trains [ms] of n spike sources from a (steps, n) array of counts: a count c at [t][i] is
// c spikes of neuron i fired in step t, recorded at (t + 1) dt (NEST's convention; they reach
// their targets after the synaptic delay). config_error when counts.size() != steps * n.
simulation::spike_trains spike_trains_from_counts(std::span<const std::uint32_t> counts, std::size_t steps, index_t n,
                                                  double dt);

// The spikes population `label` fired in steps [first, first + steps) as a (steps, n) array of
// counts, from simulation::spikes() -- so the population must record spikes (a recorder) and the
// simulation keep them in memory (rank 0 has them under MPI; other ranks get zeros). config_error
// naming the population otherwise.
std::vector<std::uint32_t> spike_counts(const simulation& sim, const std::string& label, step_t first,
                                        std::size_t steps);

// One sample: reset the simulation to time 0 with `input`'s trains from `counts` ((steps, n_in)),
// run `steps` steps, and return `output`'s spikes as (steps, n_out) counts.
std::vector<std::uint32_t> run_spike_sample(simulation& sim, const std::string& input,
                                            std::span<const std::uint32_t> counts, std::size_t steps,
                                            const std::string& output);

// One sample read as a state: as run_spike_sample, but steps one step at a time and returns
// `variable` of every neuron of `output` after each step, (steps, n_out) values in user units
// (e.g. the membrane potential of a non-spiking readout layer).
std::vector<double> run_state_sample(simulation& sim, const std::string& input, std::span<const std::uint32_t> counts,
                                     std::size_t steps, const std::string& output, const std::string& variable);

}  // namespace neuromesh

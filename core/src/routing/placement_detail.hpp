#pragma once
// Internals of the energy-aware placement (placement_refine.cpp): partition refinement by
// gain-driven moves and placement of the parts on the mesh.
#include <cstdint>
#include <string>
#include <vector>

#include <neuromesh/core/routing/placement.hpp>

namespace neuromesh::routing::detail {

// Mean fan-out above 1000 (the microcircuit): a spike already reaches nearly every core of its
// target populations, so graph growing and single moves barely change the cut; both are skipped.
inline bool dense_network(const connectivity& conn) { return conn.n > 0 && conn.n_synapses() / conn.n > 1000; }

// Rates used as weights: r + 1 % of the mean rate, so silent neurons still keep their structural
// neighbours together (a profile run rarely sees every neuron fire).
std::vector<double> placement_weights(const std::vector<double>& rates);

// sum over sources of w x (distinct destination parts other than the source's own part).
double part_cut(const std::vector<std::uint32_t>& part_of, const connectivity& conn, const std::vector<double>& w,
                std::uint32_t n_parts);

// Moves single neurons between parts while that lowers part_cut and keeps every part within the
// neuron, fan-in and input-axon limits. Deterministic: neurons are visited in a seeded order.
void refine_moves(std::vector<std::uint32_t>& part_of, std::uint32_t n_parts, const connectivity& conn,
                  const hardware& hw, const std::vector<double>& w, const placement_options& opt,
                  std::vector<std::string>& notes);

// Core slot per part: pairwise swaps minimising sum of traffic x route energy between parts, then
// swaps that lower J = hop energy + beta x n_links x max link load x mean link energy.
std::vector<std::uint32_t> place_parts(const std::vector<std::uint32_t>& part_of, std::uint32_t n_parts,
                                       const connectivity& conn, const hardware& hw, const topology& topo,
                                       const std::vector<double>& w, const placement_options& opt,
                                       std::vector<std::string>& notes);

}  // namespace neuromesh::routing::detail

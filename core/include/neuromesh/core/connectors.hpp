#pragma once
// Connectivity generation. Every connector generates the synapses of one target (fixed_outdegree:
// of one source) from that entity's own keyed stream, so whoever builds a target's synapses --
// any thread, any rank -- gets exactly the same ones (determinism contract rule 2). Weights and
// delays are drawn from separate keyed streams in the order the synapses are generated.
#include <cstdint>
#include <vector>

#include <neuromesh/core/network.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh {

// One synapse as generated, before it is stored in the target shard's compressed rows.
struct generated_synapse {
  index_t source;  // index in the pre population
  index_t target;  // index in the post population
  float weight;    // target model's unit
  delay_t delay;   // steps
};

// Appends the synapses of projection `proj_id` whose targets lie in [post_begin, post_end).
// The union over any split of [0, n_post) into ranges is the same set of synapses.
// With values = false only sources and targets are generated (weight 0, delay 1): enough to
// count synapses per row, at a fraction of the cost (weights and delays have their own streams,
// so skipping them changes nothing else).
// `total_split`: for fixed_total_number, the per-target counts of split_total_number for this
// projection, when the caller generates in many blocks (else they are recomputed per call).
void generate_projection(const network& net, std::size_t proj_id, index_t post_begin, index_t post_end,
                         const time_grid& grid, std::vector<generated_synapse>& out, bool values = true,
                         const std::vector<std::uint64_t>* total_split = nullptr);

// Synapses a target of projection `proj_id` gets on average (the caller's block size: bounded
// memory for generated blocks).
double expected_synapses_per_target(const network& net, std::size_t proj_id);

// Synapse counts per target for fixed_total_number: a multinomial split of n over the targets
// from one keyed stream (every builder computes the same split without communication).
std::vector<std::uint64_t> split_total_number(std::uint64_t n, index_t n_post, std::uint64_t seed,
                                              std::uint32_t proj_id);

}  // namespace neuromesh

#pragma once
// Connectivity generation. Every connector generates the synapses of one target (fixed_outdegree:
// of one source) from that entity's own keyed stream, so whoever builds a target's synapses --
// any thread, any rank -- gets exactly the same ones (determinism contract rule 2). Weights and
// delays are drawn from separate keyed streams in the order the synapses are generated.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include <neuromesh/core/connector_kernels.hpp>
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

// Projection `proj_id` as plain data for the generation kernels (connector_kernels.hpp), e.g. to
// copy to a device. Arrays of array-valued weights/delays and `total_split` (the
// fixed_total_number split, may be null or empty) are pointed to, not copied.
kernels::projection_params projection_parameters(const network& net, std::size_t proj_id,
                                                 const std::vector<std::uint64_t>* total_split);

// Synapses a target of projection `proj_id` gets on average.
double expected_synapses_per_target(const network& net, std::size_t proj_id);
// Targets per generated block: about 2^20 synapses (16 MB of entries), 64 to 4096 targets.
index_t generation_block(const network& net, std::size_t proj_id);
// Whether the connector walks all its sources whatever targets are asked for (fixed_outdegree,
// explicit lists): such projections are generated in one call.
bool generates_whole(const connector& c);
// split_total_number for projection `proj_id` over its post view (empty unless fixed_total_number).
std::vector<std::uint64_t> projection_total_split(const network& net, std::size_t proj_id);

// fn(g) for every synapse of a `sonata` connector onto targets [post_begin, post_end), streamed
// from its file in bounded chunks (io/sonata_edges.hpp) instead of one buffer.
void for_each_streamed_synapse(const network& net, std::size_t proj_id, index_t post_begin, index_t post_end,
                               bool values, const std::function<void(const generated_synapse&)>& fn);

// Calls fn(const generated_synapse&) for every synapse of projection `proj_id` onto targets
// [post_begin, post_end), generating in bounded blocks (the total number's split computed once):
// the one way construction, routing and the communication model walk a projection.
template <class Fn>
void for_each_generated_synapse(const network& net, std::size_t proj_id, index_t post_begin, index_t post_end,
                                bool values, Fn&& fn) {
  if (net.projections[proj_id].conn.type == connector::kind::sonata)
    return for_each_streamed_synapse(net, proj_id, post_begin, post_end, values, fn);
  const time_grid grid(net.dt);
  const std::vector<std::uint64_t> split = projection_total_split(net, proj_id);
  const bool whole = generates_whole(net.projections[proj_id].conn);
  const index_t block = generation_block(net, proj_id);
  std::vector<generated_synapse> out;
  for (index_t b = post_begin; b < post_end;) {
    const index_t e = whole ? post_end : std::min<index_t>(post_end, b + block);
    out.clear();
    generate_projection(net, proj_id, b, e, grid, out, values, split.empty() ? nullptr : &split);
    for (const generated_synapse& g : out) fn(g);
    b = e;
  }
}

// Synapse counts per target for fixed_total_number: a multinomial split of n over the targets
// from one keyed stream (every builder computes the same split without communication).
std::vector<std::uint64_t> split_total_number(std::uint64_t n, index_t n_post, std::uint64_t seed,
                                              std::uint32_t proj_id);

}  // namespace neuromesh

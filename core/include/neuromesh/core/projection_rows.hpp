#pragma once
// The synapse half of lowering a network once for every backend: the stored rows of one projection
// onto the targets one shard owns (cpu: a thread's shard; CUDA: the whole post population of an
// explicit list, which is built on the host). Same synapses, same order, whoever calls it -- the
// keyed generators of core/connectors.hpp decide everything.
#include <cstdint>
#include <functional>

#include <neuromesh/core/network.hpp>
#include <neuromesh/core/partition.hpp>
#include <neuromesh/core/synapse_store.hpp>

namespace neuromesh {

// Projection k's synapses onto the neurons `owned` holds of its post population, as rows by source
// index (within the pre population); a synapse onto post neuron j is stored with target index
// owned.local_offset + owned.index_of(j), below n_indices (the engine's index space, for packing).
// Two passes over the generators (count, then place), so no list of all synapses is held.
// `on_block(pass)` is called after every ~2^20 synapses of pass 0 (counting) or 1 (placing); it
// may throw to abandon the build. `layout`: row_layout::packed where the caller's delivery decodes
// packed words (the cpu backend, static synapses); the walkers of synapse_store read either.
synapse_store build_projection_rows(const network& net, std::size_t k, const shard_slice& owned,
                                    std::uint32_t n_indices, weight_storage storage,
                                    const std::function<void(int pass)>& on_block = {},
                                    row_layout layout = row_layout::segments);

}  // namespace neuromesh

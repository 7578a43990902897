#pragma once
// Streamed SONATA edges: the reader behind connector kind `sonata` (network.hpp, sonata_edges).
// A shard reads only the edges of the targets it asks for -- through the population's
// indices/target_to_source when the file has them, else by one scan of the file in chunks -- so
// memory stays bounded by the chunk size whatever the edge count (docs/network-format.md,
// "Streamed SONATA edges"; layout in shared/specs/sonata.md §5).
#include <cstdint>
#include <functional>
#include <string>

#include <neuromesh/core/network.hpp>

namespace neuromesh::io {

// One edge as read: view-local source and target, the file's weight and delay (ms).
struct sonata_edge {
  index_t source, target;
  double weight, delay;
};

// Checks what `e` needs before anything is built: the file, /edges/<population>, its
// source_node_id / target_node_id / edge_type_id, a syn_weight and delay column or a value per
// kept type, views inside the node populations. config_error naming `where` + ".file",
// ".population", ".syn_weight", ... ; n_pre / n_post: the projection's views' sizes.
void check_sonata_edges(const sonata_edges& e, index_t n_pre, index_t n_post, const std::string& where);

// Calls fn for every edge of `e` whose view-local target lies in [first, last), each target's
// edges in the file's order (the order does not depend on how [0, n_post) is split), at most
// e.chunk edges in memory. values == false: weight and delay are not read (returned as 0) unless
// the sign filter needs the weight. An edge whose node id lies outside its node population, a
// non-finite weight or delay, or an edge group index other than the edge's own id throws
// config_error naming `where`.
void for_each_sonata_edge(const sonata_edges& e, index_t n_pre, index_t n_post, index_t first, index_t last,
                          bool values, const std::string& where, const std::function<void(const sonata_edge&)>& fn);

}  // namespace neuromesh::io

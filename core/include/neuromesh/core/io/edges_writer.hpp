#pragma once
// One projection's synapses as a SONATA edge population in the output file (shared/specs/sonata.md
// §5), written at the end of a run (simulation_edges.cpp; docs/plasticity.md, "Weights in the
// output file"):
//
//   /edges/<name>/source_node_id    uint64 [E]  attribute node_population = pre population
//   /edges/<name>/target_node_id    uint64 [E]  attribute node_population = post population
//   /edges/<name>/edge_type_id      int64  [E]  the projection's index in the network
//   /edges/<name>/edge_group_id     int64  [E]  0 (one group)
//   /edges/<name>/edge_group_index  uint64 [E]  0 .. E-1
//   /edges/<name>/0/syn_weight      double [E]  NEST's convention: negative = inhibitory
//   /edges/<name>/0/delay           double [E]  ms
//   /edges/<name>/indices/target_to_source/{node_id_to_ranges (+ link node_id_to_range), range_to_edge_id}
//
// Edges are ordered by target, then source, delay and the order the connector made them. So the
// place of each synapse follows from the number of synapses onto each target (`first`), and the
// owners of the targets write their own pieces where they belong (hyperslabs), in any order, with
// nothing gathered: the file is the same for any number of threads and processes.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <neuromesh/core/io/sonata_writer.hpp>

namespace neuromesh::io {

class edges_writer {
 public:
  // first[t], t = 0..n_post: the position of target t's first synapse; first[n_post] = E. An
  // existing /edges/<name> (the weights of an earlier run of a continued simulation) is replaced.
  edges_writer(output_file& file, const std::string& name, const std::string& source_population,
               const std::string& target_population, std::span<const std::uint64_t> first, std::int64_t edge_type_id,
               const std::vector<std::pair<std::string, std::string>>& attributes);
  ~edges_writer();
  edges_writer(const edges_writer&) = delete;
  edges_writer& operator=(const edges_writer&) = delete;

  // Synapse i goes to position[i]; runs of consecutive positions are written as one hyperslab.
  void write(std::span<const std::uint64_t> position, std::span<const std::uint64_t> source,
             std::span<const std::uint64_t> target, std::span<const double> weight, std::span<const double> delay_ms);
  // internal_error unless every edge was written once.
  void finish();

 private:
  struct datasets;
  std::string path_, where_;
  std::shared_ptr<detail::file_state> state_;
  std::unique_ptr<datasets> d_;
  std::uint64_t size_ = 0, written_ = 0;
};

}  // namespace neuromesh::io

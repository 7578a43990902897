// Which conv2d projections the cpu backend keeps as plans (conv_delivery.hpp), and how many bytes a
// plan holds: one rule for the shards that build plans and for estimate_memory, which must count
// what the engine allocates (a plan per shard, not bytes per synapse).
#include <neuromesh/cpu/cpu_engine.hpp>
#include <neuromesh/synapses/registry.hpp>

#include "conv_delivery.hpp"

namespace neuromesh::cpu {

bool plan_capable(const projection& proj) {
  const synapse_info* model = find_synapse_model(proj.synapse);
  return proj.conn.type == connector::kind::conv2d && model != nullptr && !model->plastic && !model->short_term;
}

std::size_t conv2d_plan_bytes(const network& net, std::size_t k) {
  const projection& proj = net.projections[k];
  if (!plan_capable(proj)) return 0;
  const std::string where = "projections[" + std::to_string(k) + "]";
  const index_t pre_size = net.populations[net.population_index(proj.pre, where + ".pre")].size;
  const index_t post_size = net.populations[net.population_index(proj.post, where + ".post")].size;
  // The plan's tables depend on the kernel and the input's height and width only, not on the
  // slice it delivers to (nor on the synapse model's input, whose values fill them): an empty one.
  return conv_plan(proj, shard_slice{}, pre_size, post_size, net.dt, [](float) { return fixed_t{0}; }).bytes();
}

}  // namespace neuromesh::cpu

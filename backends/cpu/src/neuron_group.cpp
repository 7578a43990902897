// Instantiates neuron groups for every registered model in both precisions.
#include "neuron_group.hpp"
#include "port_group.hpp"

namespace neuromesh::cpu {

template <class Real>
std::unique_ptr<population_group> make_group(const engine_config& cfg, const lowered_population& low, shard_arrays& a) {
  if (low.is_source()) return std::make_unique<source_group>(low.spike_schedule());
  return low.with_neuron_model([&](auto tag) -> std::unique_ptr<population_group> {
    using Model = typename decltype(tag)::type;
    if constexpr (has_ports<Model>)  // multisynapse: one input per receptor port (port_group.hpp)
      return make_port_group<Model, Real>(low);
    else
      return std::make_unique<neuron_group<Model, Real>>(cfg, low, a);
  });
}

template std::unique_ptr<population_group> make_group<float>(const engine_config&, const lowered_population&,
                                                             shard_arrays&);
template std::unique_ptr<population_group> make_group<double>(const engine_config&, const lowered_population&,
                                                              shard_arrays&);

}  // namespace neuromesh::cpu

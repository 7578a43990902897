// Instantiates neuron groups for every registered model in both precisions.
#include <neuromesh/neurons/registry.hpp>

#include "neuron_group.hpp"

namespace neuromesh::cpu {

namespace {
template <class Real, class... Models>
std::unique_ptr<population_group> make_for(model_list<Models...>, const engine_config& cfg, const shard_slice& slice,
                                           gid_t first_gid, group_drives& drives, shard_arrays& a) {
  const std::string& name = cfg.net->populations[slice.population].model;
  std::unique_ptr<population_group> out;
  ((name == Models::name
        ? (void)(out = std::make_unique<neuron_group<Models, Real>>(cfg, slice, first_gid, std::move(drives), a))
        : void()),
   ...);
  if (!out)
    throw config_error("populations[" + cfg.net->populations[slice.population].label + "].model",
                       "unknown model '" + name + "' (known: " + model_names() + ")");
  return out;
}
}  // namespace

template <class Real>
std::unique_ptr<population_group> make_group(const engine_config& cfg, const shard_slice& slice, gid_t first_gid,
                                             group_drives drives, shard_arrays& a) {
  return make_for<Real>(neuron_models{}, cfg, slice, first_gid, drives, a);
}

template std::unique_ptr<population_group> make_group<float>(const engine_config&, const shard_slice&, gid_t,
                                                             group_drives, shard_arrays&);
template std::unique_ptr<population_group> make_group<double>(const engine_config&, const shard_slice&, gid_t,
                                                              group_drives, shard_arrays&);

}  // namespace neuromesh::cpu

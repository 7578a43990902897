// Facade of the neuromorphic hardware model: presets, profiling runs, mapping and accounting.
#include <filesystem>
#include <string_view>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/synapses/registry.hpp>

namespace neuromesh {
namespace detail {
const std::vector<std::pair<std::string_view, std::string_view>>& hardware_preset_sources();
}

std::vector<std::string> hardware_preset_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : detail::hardware_preset_sources()) names.emplace_back(name);
  return names;
}

routing::hardware load_hardware(const std::string& name_or_path) {
  for (const auto& [n, text] : detail::hardware_preset_sources())
    if (n == name_or_path) return routing::parse_hardware(std::string(text), name_or_path);
  if (std::filesystem::is_regular_file(name_or_path)) return routing::load_hardware_file(name_or_path);
  std::string known;
  for (const auto& n : hardware_preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw config_error("hardware", "'" + name_or_path + "' is neither a preset (" + known + ") nor a JSON file");
}

std::vector<double> profile_rates(const network& net, double duration_ms, int threads) {
  if (!(duration_ms > 0)) throw config_error("profile", "the profiling run needs a duration > 0 ms");
  simulation_options opt;
  opt.threads = threads;
  opt.keep_spikes_in_memory = true;
  opt.communicator = "local";  // under mpirun every rank profiles alone: the same rates, the same placement
  network all = net;
  all.recorders.clear();  // every neuron's spikes (spikes() holds only the recorded ones)
  auto sim = make_simulation(std::move(all), opt);
  sim->run(duration_ms);
  std::vector<double> rates(net.offsets().back(), 0.0);
  for (const spike& s : sim->spikes()) rates[s.gid] += 1.0;
  const double seconds = sim->time_ms() * 1e-3;
  for (double& r : rates) r /= seconds;
  return rates;
}

std::shared_ptr<const routing::hardware_mapping> map_to_hardware(const network& net, const hardware_options& opt) {
  validate(net);
  routing::hardware hw = load_hardware(opt.hardware);
  if (opt.chips_x || opt.chips_y) hw = routing::with_chips(std::move(hw), opt.chips_x, opt.chips_y);
  routing::mapping_options mo;
  mo.placement.algorithm = routing::placement_algorithm_from_name(opt.placement, "placement");
  mo.placement.seed = opt.seed;
  mo.placement.objective = routing::placement_objective_from_name(opt.objective, "objective");
  if (mo.placement.objective != routing::placement_objective::energy &&
      mo.placement.algorithm != routing::placement_algorithm::energy_aware)
    throw config_error("objective", "'" + opt.objective + "' only applies to energy-aware placement (" + opt.placement +
                                        " has no choice to make)");
  if (opt.profile_ms < 0) throw config_error("profile", "must be >= 0 ms");
  if (mo.placement.algorithm == routing::placement_algorithm::energy_aware && opt.profile_ms > 0)
    mo.placement.rates = profile_rates(net, opt.profile_ms, opt.threads);
  if (!opt.routing.empty()) {
    mo.mode = routing::routing_mode_from_name(opt.routing, "routing");
    mo.mode_from_hardware = false;
    if (hw.limits.router_entries > 0 && mo.mode != routing::routing_mode::multicast)
      hw.limits.router_entries = 0;  // tables describe multicast routes only
  }
  mo.splitters = opt.splitters;
  // Learning synapses (weights that change) cost a learning-engine update per delivered spike;
  // short-term plasticity (tsodyks) keeps its weights, so it is not counted as learning.
  for (const auto& pr : net.projections) {
    const synapse_info* s = find_synapse_model(pr.synapse);
    mo.plastic_projections.push_back(s && s->plastic);
  }
  return routing::map_network(net, hw, mo);
}

namespace {
void check_mapping_fits(const simulation& sim, const std::shared_ptr<const routing::hardware_mapping>& mapping) {
  if (!mapping) throw config_error("hardware", "no mapping given");
  if (mapping->n_neurons != sim.description().offsets().back())
    throw config_error("hardware", "the mapping was made for a network of " + std::to_string(mapping->n_neurons) +
                                       " neurons, not this one");
}
}  // namespace

std::shared_ptr<routing::energy_accountant> attach_hardware(simulation& sim,
                                                            std::shared_ptr<const routing::hardware_mapping> mapping,
                                                            double bin_ms, bool detail) {
  check_mapping_fits(sim, mapping);
  auto acc = std::make_shared<routing::energy_accountant>(std::move(mapping), bin_ms, detail);
  sim.add_observer(acc);
  return acc;
}

std::shared_ptr<routing::link_timing_filter> attach_timing(simulation& sim,
                                                           std::shared_ptr<const routing::hardware_mapping> mapping,
                                                           const routing::timing_options& opt) {
  check_mapping_fits(sim, mapping);
  auto filter = std::make_shared<routing::link_timing_filter>(std::move(mapping), opt);
  sim.set_delivery_filter(filter);
  sim.add_observer(filter);  // writes /timing at finish()
  return filter;
}

}  // namespace neuromesh

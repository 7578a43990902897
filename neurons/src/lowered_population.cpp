#include <algorithm>
#include <cmath>
#include <limits>

#include <neuromesh/core/time.hpp>
#include <neuromesh/neurons/lowered_population.hpp>

namespace neuromesh {
namespace {

// The one place an unknown model name becomes an error for an engine (validate() reports it
// first, with the same words, for networks that go through the facade).
const model_info& model_of(const population& pop) {
  const model_info* m = find_model(pop.model);
  if (!m)
    throw config_error("populations[" + pop.label + "].model",
                       "unknown model '" + pop.model + "' (known: " + model_names() + ")");
  return *m;
}

shard_slice whole(const network& net, std::size_t population) {
  shard_slice s;
  s.population = population;
  s.end = net.populations.at(population).size;
  return s;
}

}  // namespace

lowered_population::lowered_population(const network& net, shard_slice slice, gid_t first_gid)
    : net_(&net), slice_(std::move(slice)), first_gid_(first_gid), model_(&model_of(pop())) {}

lowered_population::lowered_population(const network& net, std::size_t population, gid_t first_gid)
    : lowered_population(net, whole(net, population), first_gid) {}

stimulus_drives lowered_population::drives() const {
  const network& net = *net_;
  const time_grid grid(net.dt);
  stimulus_drives d;
  for (std::size_t k = 0; k < net.stimuli.size(); ++k) {
    const stimulus& st = net.stimuli[k];
    if (net.population_index(st.target, "stimuli[" + std::to_string(k) + "].target") != slice_.population) continue;
    if (st.type == stimulus::kind::poisson_generator) {
      const auto purpose = static_cast<std::uint32_t>(rng_purpose::stimulus) | static_cast<std::uint32_t>(k << 8);
      const fixed_t weight = to_fixed(static_cast<float>(st.weight));
      d.poisson.push_back({random::poisson_table(st.rate * net.dt * 1e-3), weight,
                           static_cast<std::uint32_t>(st.target_receptor), purpose, max_count_for(weight)});
    } else {
      const step_t stop =
          std::isfinite(st.stop) ? grid.on_grid_steps(st.stop, "stop") : std::numeric_limits<step_t>::max();
      d.dc.push_back({st.amplitude, grid.on_grid_steps(st.start, "start"), stop});
    }
  }
  return d;
}

std::vector<spike> lowered_population::spike_schedule() const {
  const population& p = pop();
  const time_grid grid(net_->dt);
  std::vector<spike> schedule;
  for (std::uint32_t k = 0; k < size(); ++k) {
    const index_t i = id(k);
    if (i >= p.spike_times.size()) continue;
    // A spike at t is fired in the step ending at t (see spike.hpp); t > 0, so s >= 0.
    for (double t : p.spike_times[i]) schedule.push_back({grid.spike_step(t, p.allow_offgrid_times, p.label), gid(k)});
  }
  std::sort(schedule.begin(), schedule.end());  // duplicates stay: delivered and recorded twice
  return schedule;
}

std::pair<int, std::string> find_state_variable(const network& net, std::size_t population,
                                                const std::string& variable) {
  const model_info* m = find_model(net.populations.at(population).model);
  const int var = m ? m->state_variable(variable) : -1;
  if (var < 0) return {-1, ""};
  return {var, std::string(m->state[var].unit)};
}

}  // namespace neuromesh

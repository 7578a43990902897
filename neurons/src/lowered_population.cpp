#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include <neuromesh/core/time.hpp>
#include <neuromesh/neurons/lowered_population.hpp>
#include <neuromesh/neurons/spike_source_array.hpp>

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

namespace {

// Device times in steps: on the grid (validate() names a time that is not), or rounded up where
// the device allows off-grid times.
step_t device_steps(const time_grid& grid, double t, bool allow_offgrid, const std::string& where) {
  return allow_offgrid ? grid.duration_steps(t) : grid.on_grid_steps(t, where);
}

}  // namespace

stimulus_drives lowered_population::drives() const {
  const network& net = *net_;
  const time_grid grid(net.dt);
  const double omega_h = 2.0 * 3.14159265358979323846 * net.dt * 1e-3;  // x frequency [Hz]: rad per step
  const double deg = 3.14159265358979323846 / 180.0;
  stimulus_drives d;
  for (std::size_t k = 0; k < net.stimuli.size(); ++k) {
    const stimulus& st = net.stimuli[k];
    const std::string where = "stimuli[" + std::to_string(k) + "]";
    if (net.population_index(st.target, where + ".target") != slice_.population) continue;
    const auto purpose = static_cast<std::uint32_t>(rng_purpose::stimulus) | static_cast<std::uint32_t>(k << 8);
    const step_t start = grid.on_grid_steps(st.start, where + ".start");
    const step_t stop =
        std::isfinite(st.stop) ? grid.on_grid_steps(st.stop, where + ".stop") : std::numeric_limits<step_t>::max() / 4;
    const bool own_timing = st.type == stimulus::kind::poisson_generator || st.type == stimulus::kind::dc_source;
    const step_t delay = std::isnan(st.delay) ? (own_timing ? 0 : 1) : grid.on_grid_steps(st.delay, where + ".delay");
    std::vector<step_t> times;
    for (std::size_t i = 0; i < st.times.size(); ++i)
      times.push_back(
          device_steps(grid, st.times[i], st.allow_offgrid_times, where + ".times[" + std::to_string(i) + "]"));
    const fixed_t weight = to_fixed(static_cast<float>(st.weight));
    switch (st.type) {
      case stimulus::kind::poisson_generator: {
        poisson_drive p{random::poisson_table(st.rate * net.dt * 1e-3), weight,
                        static_cast<std::uint32_t>(st.target_receptor), purpose, max_count_for(weight)};
        p.start = start;
        p.stop = stop;
        p.delay = delay;
        d.poisson.push_back(p);
        break;
      }
      case stimulus::kind::dc_source:
      case stimulus::kind::step_current_generator:
      case stimulus::kind::ac_generator: {
        current_drive c;
        c.type = st.type == stimulus::kind::dc_source                ? current_drive::kind::dc
                 : st.type == stimulus::kind::step_current_generator ? current_drive::kind::step
                                                                     : current_drive::kind::ac;
        c.amplitude = st.amplitude;
        c.start = start;
        c.stop = stop;
        c.delay = delay;
        c.offset = st.offset;
        c.omega_h = omega_h * st.frequency;
        c.phase = st.phase * deg;
        c.times = std::move(times);
        c.values = st.values;
        d.dc.push_back(std::move(c));
        break;
      }
      case stimulus::kind::noise_generator: {
        noise_drive n;
        n.mean = st.mean;
        n.std_dev = st.std_dev;
        n.std_mod = st.std_mod;
        n.omega_h = omega_h * st.frequency;
        n.phase = st.phase * deg;
        n.start = start;
        n.stop = stop;
        n.delay = delay;
        n.interval = std::isnan(st.dt) ? 10 : grid.on_grid_steps(st.dt, where + ".dt");
        n.purpose = purpose;
        d.noise.push_back(n);
        break;
      }
      case stimulus::kind::inhomogeneous_poisson_generator:
      case stimulus::kind::sinusoidal_poisson_generator: {
        rate_drive r;
        r.type = st.type == stimulus::kind::inhomogeneous_poisson_generator ? rate_drive::kind::inhomogeneous
                                                                            : rate_drive::kind::sinusoidal;
        r.weight = weight;
        r.max_count = max_count_for(weight);
        r.receptor = static_cast<std::uint32_t>(st.target_receptor);
        r.purpose = purpose;
        r.individual = st.individual_spike_trains;
        r.h_s = net.dt * 1e-3;
        r.start = start;
        r.stop = stop;
        r.delay = delay;
        r.times = std::move(times);
        r.values = st.values;
        r.rate = st.rate;
        r.amplitude = st.amplitude;
        r.omega_h = omega_h * st.frequency;
        r.phase = st.phase * deg;
        d.rates.push_back(std::move(r));
        break;
      }
    }
  }
  return d;
}

// A spike source's origin and window (origin + start, origin + stop], in steps: stop infinite -> no bound.
std::tuple<step_t, step_t, step_t> source_window(const population& p, index_t i, gid_t gid, std::uint64_t seed,
                                                 const time_grid& grid) {
  double v[spike_source_array::n_params];
  for (int j = 0; j < spike_source_array::n_params; ++j) {
    const auto& spec = spike_source_array::parameters[j];
    auto it = p.params.find(std::string(spec.name));
    v[j] = it == p.params.end() ? spec.default_value
                                : evaluate(it->second, i, seed, static_cast<std::uint32_t>(rng_purpose::parameter), gid,
                                           name_key(spec.name));
  }
  const std::string where = "populations[" + p.label + "].params.";
  const step_t origin = grid.on_grid_steps(v[spike_source_array::origin], where + "origin");
  const step_t lo = origin + grid.on_grid_steps(v[spike_source_array::start], where + "start");
  const step_t hi = std::isfinite(v[spike_source_array::stop])
                        ? origin + grid.on_grid_steps(v[spike_source_array::stop], where + "stop")
                        : std::numeric_limits<step_t>::max();
  return {origin, lo, hi};
}

std::vector<spike> lowered_population::spike_schedule() const {
  const population& p = pop();
  const time_grid grid(net_->dt);
  std::vector<spike> schedule;
  for (std::uint32_t k = 0; k < size(); ++k) {
    const index_t i = id(k);
    if (i >= p.spike_times.size()) continue;
    // The emission window (spike_source_array.hpp): time stamps (steps) in (origin + start, origin + stop].
    const auto [origin, lo, hi] = source_window(p, i, gid(k), net_->seed, grid);
    // A spike at t is fired in the step ending at origin + t (see spike.hpp); t > 0, so s >= 0.
    for (double t : p.spike_times[i]) {
      const step_t s = origin + grid.spike_step(t, p.allow_offgrid_times, p.label);
      if (s + 1 > lo && s + 1 <= hi) schedule.push_back({s, gid(k)});
    }
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

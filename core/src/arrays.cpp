#include <numeric>

#include <neuromesh/core/arrays.hpp>
#include <neuromesh/core/errors.hpp>

namespace neuromesh {
namespace {

index_t population_size(const simulation& sim, const std::string& label, const std::string& where) {
  const network& net = sim.description();
  return net.populations[net.population_index(label, where)].size;
}

void reset_with(simulation& sim, const std::string& input, std::span<const std::uint32_t> counts, std::size_t steps) {
  const index_t n = population_size(sim, input, "run_spike_sample: input");
  if (counts.size() != steps * n)
    throw config_error("run_spike_sample: input", "population '" + input + "' has " + std::to_string(n) +
                                                      " neurons; the counts hold " + std::to_string(counts.size()) +
                                                      " values for " + std::to_string(steps) + " steps");
  std::vector<std::pair<std::string, simulation::spike_trains>> trains;
  trains.emplace_back(input, spike_trains_from_counts(counts, steps, n, sim.description().dt));
  sim.reset(std::move(trains));
}

}  // namespace

simulation::spike_trains spike_trains_from_counts(std::span<const std::uint32_t> counts, std::size_t steps, index_t n,
                                                  double dt) {
  if (counts.size() != steps * n)
    throw config_error("spike_trains_from_counts", std::to_string(counts.size()) + " counts are not " +
                                                       std::to_string(steps) + " steps x " + std::to_string(n) +
                                                       " neurons");
  simulation::spike_trains trains(n);
  for (std::size_t t = 0; t < steps; ++t)
    for (index_t i = 0; i < n; ++i)
      trains[i].insert(trains[i].end(), counts[t * n + i], static_cast<double>(t + 1) * dt);
  return trains;
}

std::vector<std::uint32_t> spike_counts(const simulation& sim, const std::string& label, step_t first,
                                        std::size_t steps) {
  const network& net = sim.description();
  const std::size_t p = net.population_index(label, "spike_counts");
  const bool recorded = std::any_of(net.recorders.begin(), net.recorders.end(),
                                    [&](const recorder& r) { return r.population == label && r.variable == "spikes"; });
  if (!recorded)
    throw config_error("spike_counts", "population '" + label + "' records no spikes: add a spikes recorder");
  const index_t n = net.populations[p].size;
  std::vector<std::uint32_t> out(steps * n, 0);
  for (const spike& s : sim.spikes()) {
    if (s.step < first || s.step >= first + static_cast<step_t>(steps)) continue;
    const auto [pop, id] = sim.locate(s.gid);
    if (pop == p) ++out[static_cast<std::size_t>(s.step - first) * n + id];
  }
  return out;
}

std::vector<std::uint32_t> run_spike_sample(simulation& sim, const std::string& input,
                                            std::span<const std::uint32_t> counts, std::size_t steps,
                                            const std::string& output) {
  population_size(sim, output, "run_spike_sample: output");
  reset_with(sim, input, counts, steps);
  sim.advance_steps(static_cast<step_t>(steps));
  return spike_counts(sim, output, 0, steps);
}

std::vector<double> run_state_sample(simulation& sim, const std::string& input, std::span<const std::uint32_t> counts,
                                     std::size_t steps, const std::string& output, const std::string& variable) {
  const index_t n = population_size(sim, output, "run_state_sample: output");
  std::vector<index_t> ids(n);
  std::iota(ids.begin(), ids.end(), index_t{0});
  reset_with(sim, input, counts, steps);
  std::vector<double> out;
  out.reserve(steps * n);
  for (std::size_t t = 0; t < steps; ++t) {
    sim.step();
    const std::vector<double> v = sim.state(output, variable, ids);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

}  // namespace neuromesh

// Reading a projection's synapses back (simulation::synapses), on one process or many: every rank
// holds the synapses onto its own neurons, so all of one target's synapses live on one rank. The
// global order is by target, then (pre, delay, row order): per-target counts, combined over ranks,
// give each rank the positions of its records, and four combine_values calls assemble the whole
// projection on every rank -- the same list for any number of ranks and threads.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/simulation.hpp>

namespace neuromesh {

std::vector<synapse_record> simulation::synapses(std::size_t k) const {
  if (k >= net_.projections.size())
    throw config_error("synapses", "no projection " + std::to_string(k) + " (the network has " +
                                       std::to_string(net_.projections.size()) + ")");
  std::vector<synapse_record> local;
  if (!engine_->read_synapses(k, local))
    throw config_error("projections[" + std::to_string(k) + "]",
                       "the " + engine_->name() + " backend cannot read synapses back yet; use backend \"cpu\"");
  std::stable_sort(local.begin(), local.end(), [](const synapse_record& a, const synapse_record& b) {
    return std::tie(a.post, a.pre, a.delay) < std::tie(b.post, b.pre, b.delay);
  });
  const index_t n_post = net_.populations[net_.population_index(net_.projections[k].post, "synapses")].size;
  // Synapses per target: each target's count comes from the one rank that owns it.
  std::vector<std::uint32_t> owned;
  std::vector<double> counts;
  for (const synapse_record& r : local) {
    if (owned.empty() || owned.back() != r.post) {
      owned.push_back(r.post);
      counts.push_back(0);
    }
    ++counts.back();
  }
  std::vector<double> per_target(n_post, 0.0);
  comm_->combine_values(owned, counts, per_target);
  std::vector<std::uint64_t> first(n_post + 1, 0);
  for (index_t j = 0; j < n_post; ++j) first[j + 1] = first[j] + static_cast<std::uint64_t>(per_target[j]);
  const std::uint64_t total = first.back();
  if (total > 0xFFFFFFFFull)
    throw config_error("projections[" + std::to_string(k) + "]", "more than 2^32 synapses to read back at once");
  std::vector<std::uint32_t> position(local.size());
  for (std::size_t i = 0, j = 0; i < local.size(); ++i) {
    j = (i > 0 && local[i].post == local[i - 1].post) ? j + 1 : 0;
    position[i] = static_cast<std::uint32_t>(first[local[i].post] + j);
  }
  // Four columns through the same positions (ids and delays are exact in double).
  std::vector<double> column(local.size());
  std::vector<std::vector<double>> all(4, std::vector<double>(total));
  auto combine = [&](int c, auto field) {
    for (std::size_t i = 0; i < local.size(); ++i) column[i] = field(local[i]);
    comm_->combine_values(position, column, all[c]);
  };
  combine(0, [](const synapse_record& r) { return static_cast<double>(r.pre); });
  combine(1, [](const synapse_record& r) { return static_cast<double>(r.post); });
  combine(2, [](const synapse_record& r) { return r.weight; });
  combine(3, [](const synapse_record& r) { return static_cast<double>(r.delay); });
  // Weights in NEST's convention whatever the model: negative inhibits (engines keep conductances
  // positive and currents signed; the projection's resolved receptor says which it is).
  const bool inhibitory = net_.projections[k].target == receptor::inhibitory;
  std::vector<synapse_record> out(total);
  for (std::size_t i = 0; i < total; ++i)
    out[i] = {static_cast<index_t>(all[0][i]), static_cast<index_t>(all[1][i]),
              inhibitory ? -std::abs(all[2][i]) : std::abs(all[2][i]), static_cast<delay_t>(all[3][i])};
  std::stable_sort(out.begin(), out.end(), [](const synapse_record& a, const synapse_record& b) {
    return std::tie(a.pre, a.post, a.delay) < std::tie(b.pre, b.post, b.delay);
  });
  return out;
}

}  // namespace neuromesh

// Whole-network connectivity for placement and routing: two passes over the keyed generators
// (count, then place), targets generated in blocks so no list of all synapses is held twice.
#include <neuromesh/core/routing/connectivity.hpp>

#include <algorithm>
#include <functional>

#include <neuromesh/core/connectors.hpp>

namespace neuromesh::routing {
namespace {

// Calls f(source gid, target gid) for every synapse of the network.
void for_each_synapse(const network& net, const std::vector<gid_t>& offsets,
                      const std::function<void(gid_t, gid_t)>& f) {
  for (std::size_t k = 0; k < net.projections.size(); ++k) {
    const auto& pr = net.projections[k];
    const std::size_t pre = net.population_index(pr.pre, "projections[" + std::to_string(k) + "].pre");
    const std::size_t post = net.population_index(pr.post, "projections[" + std::to_string(k) + "].post");
    for_each_generated_synapse(net, k, 0, net.populations[post].size, false, [&](const generated_synapse& s) {
      f(offsets[pre] + s.source, offsets[post] + s.target);
    });
  }
}

}  // namespace

connectivity build_connectivity(const network& net) {
  const std::vector<gid_t> offsets = net.offsets();
  connectivity c;
  c.n = offsets.back();
  c.population_of.resize(c.n);
  for (std::size_t p = 0; p + 1 < offsets.size(); ++p)
    std::fill(c.population_of.begin() + offsets[p], c.population_of.begin() + offsets[p + 1],
              static_cast<std::uint32_t>(p));
  c.out_offsets.assign(c.n + 1, 0);
  c.in_offsets.assign(c.n + 1, 0);
  for_each_synapse(net, offsets, [&](gid_t s, gid_t t) {
    ++c.out_offsets[s + 1];
    ++c.in_offsets[t + 1];
  });
  for (std::uint32_t i = 0; i < c.n; ++i) {
    c.out_offsets[i + 1] += c.out_offsets[i];
    c.in_offsets[i + 1] += c.in_offsets[i];
  }
  c.out_targets.resize(c.out_offsets.back());
  c.in_sources.resize(c.in_offsets.back());
  std::vector<std::uint64_t> out_cur(c.out_offsets.begin(), c.out_offsets.end() - 1);
  std::vector<std::uint64_t> in_cur(c.in_offsets.begin(), c.in_offsets.end() - 1);
  for_each_synapse(net, offsets, [&](gid_t s, gid_t t) {
    c.out_targets[out_cur[s]++] = t;
    c.in_sources[in_cur[t]++] = s;
  });
  for (std::uint32_t i = 0; i < c.n; ++i) {
    std::sort(c.out_targets.begin() + c.out_offsets[i], c.out_targets.begin() + c.out_offsets[i + 1]);
    std::sort(c.in_sources.begin() + c.in_offsets[i], c.in_sources.begin() + c.in_offsets[i + 1]);
  }
  return c;
}

}  // namespace neuromesh::routing

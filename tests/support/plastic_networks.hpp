#pragma once
// Networks for the plasticity tests: presynaptic spike_source_arrays onto iaf_psc_delta neurons that
// a driver makes fire at chosen times (one driver spike, weight 100 mV, delay 0.1 ms: the neuron
// fires in the step it arrives), and an integrating neuron that shows what a spike transmits.
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <neuromesh/api.hpp>

namespace neuromesh::test_support {

// n fixed pseudo-random trains on the 0.1 ms grid in (1, t_end) ms, gaps 1..61 ms (xorshift: not
// the simulator's streams).
inline std::vector<std::vector<double>> pseudo_random_trains(int n, double t_end, std::uint64_t& x) {
  auto next = [&x] {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
  };
  std::vector<std::vector<double>> out(n);
  for (auto& train : out) {
    double t = 1.0;
    while ((t += 1.0 + static_cast<double>(next() % 600) * 0.1) < t_end) train.push_back(std::round(t * 10) / 10);
  }
  return out;
}

// Populations "pre" (the trains `pre`), "drive" and "post" (iaf_psc_delta, firing at about the
// times `post` + 0.1 ms); projection 0 drive -> post (static, one_to_one), projection 1 pre -> post
// with `synapse` (its parameters, weight w0, delay) and connector `conn`. Spikes of pre and post
// are recorded.
inline network driven_network(const std::vector<std::vector<double>>& pre, const std::vector<std::vector<double>>& post,
                              const std::string& synapse, std::map<std::string, double> params, double w0, double delay,
                              connector::kind conn = connector::kind::all_to_all) {
  network net;
  net.dt = 0.1;
  net.populations.push_back({"pre", static_cast<index_t>(pre.size()), "spike_source_array", {}, {}, pre});
  net.populations.push_back({"drive", static_cast<index_t>(post.size()), "spike_source_array", {}, {}, post});
  net.populations.push_back({"post", static_cast<index_t>(post.size()), "iaf_psc_delta", {}, {}, {}});
  projection drive;
  drive.pre = "drive";
  drive.post = "post";
  drive.conn.type = connector::kind::one_to_one;
  drive.weight = 100.0;  // one driver spike makes its neuron fire
  drive.delay = 0.1;
  net.projections.push_back(drive);
  projection plastic;
  plastic.pre = "pre";
  plastic.post = "post";
  plastic.conn.type = conn;
  plastic.synapse = synapse;
  plastic.synapse_parameters = std::move(params);
  plastic.weight = w0;
  plastic.delay = delay;
  net.projections.push_back(plastic);
  net.recorders.push_back({"post", "spikes", 1.0, {}});
  net.recorders.push_back({"pre", "spikes", 1.0, {}});
  return net;
}

// Spike times [ms] of the neuron with gid `gid`.
inline std::vector<double> spike_times_of(const std::vector<spike>& spikes, gid_t gid, double h) {
  std::vector<double> out;
  for (const spike& s : spikes)
    if (s.gid == gid) out.push_back(static_cast<double>(s.step + 1) * h);
  return out;
}

}  // namespace neuromesh::test_support

#pragma once
// Small networks and helpers shared by the engine tests.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include <neuromesh/api.hpp>

namespace neuromesh::test_support {

// A directory for this test process's files ("/tmp/neuromesh_<pid>/"): test runs of two build
// trees on one machine (or ctest -j) never share a file name.
inline std::string unique_temp_dir() {
  const std::string dir = ::testing::TempDir() + "neuromesh_" + std::to_string(::getpid()) + "/";
  std::filesystem::create_directories(dir);
  return dir;
}

// One neuron of `model` with parameters `params` (scalars).
inline network single_neuron(const std::string& model, std::map<std::string, value_spec> params, double dt = 0.1) {
  network net;
  net.dt = dt;
  net.populations.push_back({"N", 1, model, std::move(params), {}, {}});
  return net;
}

// Brunel scaled down to 800 + 200 neurons with delays drawn from 0.5-3 ms (input waits in the
// ring buffers several steps ahead).
inline network brunel_with_delay_distribution() {
  network net = builtin_network("brunel");
  net.populations[0].size = 800;
  net.populations[1].size = 200;
  for (auto& p : net.projections) {
    p.conn.n = p.conn.n / 10;
    p.delay = distribution{distribution::kind::uniform, 0.5, 3.0, 0.5, 3.0};
  }
  return net;
}

// A synfire-like chain started by spike sources S (one per entry of `source_times`): `groups`
// groups of `size` iaf_psc_exp neurons, each driven by the one before (fixed in-degree: all
// sources, then 20), with 5 ms delays -- a slow wave, the groups ahead of it at rest.
inline network synfire_chain(std::vector<std::vector<double>> source_times, int groups, index_t size) {
  network net;
  const auto n_sources = static_cast<index_t>(source_times.size());
  net.populations.push_back({"S", n_sources, "spike_source_array", {}, {}, std::move(source_times)});
  std::string prev = "S";
  for (int g = 0; g < groups; ++g) {
    const std::string label = "G" + std::to_string(g);
    net.populations.push_back({label, size, "iaf_psc_exp", {{"tau_syn_ex", 0.5}}, {}, {}});
    projection p;
    p.pre = prev;
    p.post = label;
    p.conn.type = connector::kind::fixed_indegree;
    p.conn.n = prev == "S" ? n_sources : 20;
    p.weight = 1200.0;
    p.delay = 5.0;
    net.projections.push_back(p);
    prev = label;
  }
  return net;
}

// FNV-1a over the sorted (gid, step) list: a fingerprint of a whole spike raster.
inline std::uint64_t spike_hash(const std::vector<spike>& spikes) {
  std::vector<spike> s = spikes;
  std::sort(s.begin(), s.end(),
            [](const spike& a, const spike& b) { return std::tie(a.gid, a.step) < std::tie(b.gid, b.step); });
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) h = (h ^ ((v >> (8 * i)) & 0xff)) * 1099511628211ull;
  };
  for (const spike& x : s) {
    mix(x.gid);
    mix(static_cast<std::uint64_t>(x.step));
  }
  return h;
}

// Runs `net` for `ms` and returns all spikes.
inline std::vector<spike> run_spikes(const network& net, double ms, int threads, precision prec = precision::single,
                                     bool active_set = true) {
  simulation_options opt;
  opt.threads = threads;
  opt.prec = prec;
  opt.active_set = active_set;
  auto sim = make_simulation(net, opt);
  sim->run(ms);
  return sim->spikes();
}

}  // namespace neuromesh::test_support

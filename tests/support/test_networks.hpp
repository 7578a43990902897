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

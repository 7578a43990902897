#pragma once
// Small networks and helpers shared by the engine tests.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
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

// A multisynapse neuron "N" of `model` with `params`, after a spike source "S" that fires once at
// 1 ms; one one-to-one projection S -> N (delay 1 ms) per (receptor_type, weight) of `inputs`.
inline network single_neuron_with_ports(const std::string& model, std::map<std::string, value_spec> params,
                                        const std::vector<std::pair<int, double>>& inputs) {
  network net = single_neuron(model, std::move(params));
  net.populations.insert(net.populations.begin(), {"S", 1, "spike_source_array", {}, {}, {{1.0}}});
  for (const auto& [port, w] : inputs) {
    projection p;
    p.pre = "S";
    p.post = "N";
    p.conn.type = connector::kind::one_to_one;
    p.weight = w;
    p.delay = 1.0;
    p.receptor_type = port;
    net.projections.push_back(p);
  }
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

// Every stimulus device NEST has and neuromesh lowers (step, ac, noise, inhomogeneous and
// sinusoidal Poisson -- shared and individual trains --, Poisson and dc windows) on two
// populations of different input types, each device in a window of its own.
inline network stimulus_zoo() {
  network net;
  net.populations.push_back({"cur", 300, "iaf_psc_exp", {{"V_th", -60.0}}, {}, {}});
  net.populations.push_back({"cond", 200, "iaf_cond_exp", {}, {}, {}});
  using k = stimulus::kind;
  stimulus step{.type = k::step_current_generator, .target = "cur", .start = 5.0, .stop = 80.0};
  step.times = {0.0, 10.0, 30.5, 50.0};
  step.values = {100.0, 180.0, -40.0, 120.0};
  net.stimuli.push_back(step);
  net.stimuli.push_back({.type = k::ac_generator, .target = "cur", .amplitude = 150.0, .start = 20.0});
  net.stimuli.back().offset = 60.0;
  net.stimuli.back().frequency = 40.0;
  net.stimuli.back().phase = 30.0;
  stimulus noise{.type = k::noise_generator, .target = "cur", .start = 10.0, .stop = 90.0};
  noise.mean = 50.0;
  noise.std_dev = 200.0;
  noise.std_mod = 100.0;
  noise.frequency = 25.0;
  noise.dt = 0.5;
  net.stimuli.push_back(noise);
  stimulus inh{.type = k::inhomogeneous_poisson_generator, .target = "cur", .weight = 40.0, .start = 1.0};
  inh.times = {0.0, 25.0, 60.0};
  inh.values = {3000.0, 0.0, 8000.0};
  net.stimuli.push_back(inh);
  for (const bool individual : {true, false}) {
    stimulus sin{.type = k::sinusoidal_poisson_generator, .target = "cond", .rate = 4000.0, .weight = 3.0};
    sin.amplitude = 5000.0;  // above rate: the rate is cut at 0
    sin.frequency = 30.0;
    sin.individual_spike_trains = individual;
    net.stimuli.push_back(sin);
  }
  net.stimuli.push_back(
      {.type = k::poisson_generator, .target = "cond", .rate = 6000.0, .weight = -4.0, .start = 30.0, .stop = 70.0});
  stimulus cond_noise{.type = k::noise_generator, .target = "cond", .delay = 1.0};
  cond_noise.mean = 300.0;
  cond_noise.std_dev = 400.0;
  net.stimuli.push_back(cond_noise);
  return net;
}

}  // namespace neuromesh::test_support

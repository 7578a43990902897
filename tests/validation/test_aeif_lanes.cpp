// The cpu backend runs the aeif models' deferred neurons (the upswing toward V_peak, the short
// internal steps around a spike) in lanes: one branch-free internal step per pass for many
// neurons at once, each in its own form (V or u), with its own step size and count
// (backends/cpu/src/neuron_group.hpp: evolve_deferred; aeif_integrator.hpp: evolve_*). Here every
// neuron of a run must match the model's scalar `step` applied to it alone (what the CUDA backend
// and the sparse path run): the same spike steps and the same state to the bit.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <neuromesh/neurons/aeif_cond_alpha.hpp>
#include <neuromesh/neurons/aeif_cond_exp.hpp>

#include "test_networks.hpp"

using namespace neuromesh;

namespace {

constexpr int n_neurons = 320;
constexpr double duration_ms = 300.0;
constexpr double delay_ms = 1.0;
constexpr double t_ref_u = 2.0;  // population U is refractory after a spike (the lock), H is not

// Population "U": uniform parameters (t_ref 2 ms), initial V_m spread (the lanes' uniform-constant
// path); "H": I_e spread over neurons (per-neuron constants). Each gets spikes from its own
// sources ("SU", "SH") one to one on both receptors, so the lanes also carry synaptic input. Gids:
// SU, U, SH, H.
std::vector<double> source_times(int i) {
  std::vector<double> times;
  for (double t = 3.0 + 0.7 * (i % 11); t < duration_ms; t += 4.0 + i % 7) times.push_back(t);
  return times;
}

network aeif_network(const std::string& model, double i_lo, double i_hi, double w_ex, double w_in) {
  network net;
  std::vector<double> v0, ie;
  for (int i = 0; i < n_neurons; ++i) {
    v0.push_back(-75.0 + 30.0 * i / n_neurons);
    ie.push_back(i_lo + (i_hi - i_lo) * i / n_neurons);
  }
  for (const char* label : {"U", "H"}) {
    population src{std::string("S") + label, n_neurons, "spike_source_array", {}, {}, {}};
    for (int i = 0; i < n_neurons; ++i) src.spike_times.push_back(source_times(i));
    net.populations.push_back(src);
    population pop{label, n_neurons, model, {}, {}, {}};
    if (label[0] == 'U') {
      pop.params["I_e"] = 0.5 * (i_lo + i_hi);
      pop.params["t_ref"] = t_ref_u;
      pop.initial["V_m"] = v0;
    } else {
      pop.params["I_e"] = ie;
    }
    net.populations.push_back(pop);
    for (const receptor target : {receptor::excitatory, receptor::inhibitory}) {
      projection in;
      in.pre = src.label;
      in.post = label;
      in.conn.type = connector::kind::one_to_one;
      in.weight = target == receptor::excitatory ? w_ex : w_in;
      in.delay = delay_ms;
      in.target = target;
      net.projections.push_back(in);
    }
  }
  return net;
}

// Runs the network and, for every neuron of U and H, the scalar `step` alone from the same
// start with the same input; expects identical spike steps and final state.
template <class M, class Real>
void expect_lanes_are_step(double i_lo, double i_hi, double w_ex, double w_in, int threads) {
  const network net = aeif_network(std::string(M::name), i_lo, i_hi, w_ex, w_in);
  simulation_options opt;
  opt.threads = threads;
  opt.prec = std::is_same_v<Real, float> ? precision::single : precision::double_precision;
  auto sim = make_simulation(net, opt);
  sim->run(duration_ms);
  const double dt = net.dt;
  const auto steps = static_cast<step_t>(duration_ms / dt + 0.5);
  const auto delay_steps = static_cast<step_t>(delay_ms / dt + 0.5);
  std::map<gid_t, std::vector<step_t>> fired;
  for (const spike& s : sim->spikes()) fired[s.gid].push_back(s.step);
  std::size_t total = 0;
  for (int pop = 0; pop < 2; ++pop) {
    const gid_t src0 = static_cast<gid_t>(2 * pop * n_neurons), first = src0 + n_neurons;
    const std::string label = pop == 0 ? "U" : "H";
    std::vector<index_t> ids(n_neurons);
    for (int i = 0; i < n_neurons; ++i) ids[i] = static_cast<index_t>(i);
    std::vector<std::vector<double>> end_state;
    for (const auto& st : M::state) end_state.push_back(sim->state(label, std::string(st.name), ids));
    for (int i = 0; i < n_neurons; ++i) {
      std::array<double, M::n_params> p;
      for (std::size_t j = 0; j < M::n_params; ++j) p[j] = M::parameters[j].default_value;
      p[M::I_e] = pop == 0 ? 0.5 * (i_lo + i_hi) : i_lo + (i_hi - i_lo) * i / n_neurons;
      if (pop == 0) p[M::t_ref] = t_ref_u;
      std::array<double, M::n_constants> kd;
      std::array<double, M::n_state> xd;
      M::derive(p.data(), dt, kd.data());
      M::initial_state(p.data(), xd.data());
      if (pop == 0) xd[M::V_m] = -75.0 + 30.0 * i / n_neurons - p[M::E_L];  // stored relative to E_L
      std::array<Real, M::n_constants> k;
      std::array<Real, M::n_state> x;
      for (std::size_t j = 0; j < k.size(); ++j) k[j] = static_cast<Real>(kd[j]);
      for (std::size_t j = 0; j < x.size(); ++j) x[j] = static_cast<Real>(xd[j]);
      std::vector<step_t> input(steps + delay_steps + 1, 0);
      for (step_t s : fired[src0 + static_cast<gid_t>(i)]) input[s + delay_steps] = 1;
      std::vector<step_t> mine;
      for (step_t s = 0; s < steps; ++s) {
        const Real in_ex = input[s] ? Real(w_ex) : Real(0), in_in = input[s] ? Real(w_in) : Real(0);
        if (M::template step<Real, false>(k.data(), x.data(), in_ex, in_in, Real(0)) & step_flags::spiked)
          mine.push_back(s);
      }
      const std::vector<step_t>& theirs = fired[first + static_cast<gid_t>(i)];
      ASSERT_EQ(mine, theirs) << M::name << " " << label << "[" << i << "]";
      total += mine.size();
      std::vector<double> x_out(M::n_state);
      for (std::size_t j = 0; j < M::n_state; ++j) x_out[j] = static_cast<double>(x[j]);
      x_out[M::V_m] += p[M::E_L];
      for (std::size_t j = 0; j < M::n_state; ++j)
        ASSERT_EQ(end_state[j][i], x_out[j]) << M::name << " " << label << "[" << i << "] " << M::state[j].name;
    }
  }
  std::printf("%s: %zu spikes\n", std::string(M::name).c_str(), total);
  EXPECT_GT(total, 5u * n_neurons) << M::name << ": the neurons should fire throughout";
}

}  // namespace

TEST(AeifLanes, EvolveInLanesIsStep) {
  expect_lanes_are_step<aeif_cond_exp, float>(500.0, 2000.0, 6.0, 3.0, 1);
  expect_lanes_are_step<aeif_cond_exp, double>(500.0, 2000.0, 6.0, 3.0, 2);
  expect_lanes_are_step<aeif_cond_alpha, float>(500.0, 2000.0, 6.0, 3.0, 2);
  expect_lanes_are_step<aeif_cond_alpha, double>(500.0, 2000.0, 6.0, 3.0, 1);
}

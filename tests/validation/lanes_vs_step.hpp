#pragma once
// The check behind the lane tests (test_hh_lanes.cpp, test_aeif_lanes.cpp): the cpu backend runs
// an adaptive model's deferred neurons in lanes (backends/cpu/src/deferred_lanes.hpp, for
// neuron_group.hpp and the multisynapse models' port_group.cpp), and every neuron of a run must match the model's
// scalar `step` applied to it alone (what the CUDA backend and the sparse path run): the same spike steps and the same
// state to the bit.
#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <neuromesh/neurons/multisynapse.hpp>

#include "test_networks.hpp"

namespace neuromesh::lanes_test {

// Population "U": uniform parameters (I_e and `u_params`), initial V_m spread over [v_lo, v_lo +
// v_span) (the lanes' uniform-constant path); "H": I_e spread over [i_lo, i_hi) (per-neuron
// constants). Each gets spikes from its own sources ("SU", "SH") one to one, weight w_ex on the
// excitatory receptor and, when w_in > 0, w_in on the inhibitory one, so the lanes also carry
// synaptic input. Gids: SU, U, SH, H.
struct setup {
  int n = 160;
  double duration_ms = 300.0, delay_ms = 1.0;
  double i_lo = 0, i_hi = 0, w_ex = 0, w_in = 0;
  double v_lo = -75.0, v_span = 20.0;
  double period_ms = 9.0;  // source i fires every period_ms + i % 7 ms from 3 + 0.7 (i % 11) ms
  std::map<std::string, double> u_params;
  // Multisynapse models: NEST's per-port lists for both populations (e.g. tau_syn, E_rev), and the
  // excitatory input on port 1, the inhibitory on port 2 (what `step`'s in_ex and in_in are).
  std::map<std::string, std::vector<double>> port_lists;

  double v0(int i) const { return v_lo + v_span * i / n; }
  double i_e(int pop, int i) const { return pop == 0 ? 0.5 * (i_lo + i_hi) : i_lo + (i_hi - i_lo) * i / n; }
};

inline network make_network(const std::string& model, const setup& c) {
  network net;
  std::vector<double> v0, ie;
  for (int i = 0; i < c.n; ++i) {
    v0.push_back(c.v0(i));
    ie.push_back(c.i_e(1, i));
  }
  for (const char* label : {"U", "H"}) {
    population src{std::string("S") + label, static_cast<index_t>(c.n), "spike_source_array", {}, {}, {}};
    for (int i = 0; i < c.n; ++i) {
      std::vector<double> times;
      for (double t = 3.0 + 0.7 * (i % 11); t < c.duration_ms; t += c.period_ms + i % 7) times.push_back(t);
      src.spike_times.push_back(times);
    }
    net.populations.push_back(src);
    population pop{label, static_cast<index_t>(c.n), model, {}, {}, {}};
    for (const auto& [name, list] : c.port_lists) pop.params[name] = list;
    if (label[0] == 'U') {
      pop.params["I_e"] = c.i_e(0, 0);
      for (const auto& [name, value] : c.u_params) pop.params[name] = value;
      pop.initial["V_m"] = v0;
    } else {
      pop.params["I_e"] = ie;
    }
    net.populations.push_back(pop);
    for (const receptor target : {receptor::excitatory, receptor::inhibitory}) {
      const double w = target == receptor::excitatory ? c.w_ex : c.w_in;
      if (w == 0) continue;
      projection in;
      in.pre = src.label;
      in.post = label;
      in.conn.type = connector::kind::one_to_one;
      in.weight = w;
      in.delay = c.delay_ms;
      if (c.port_lists.empty())
        in.target = target;
      else
        in.receptor_type = target == receptor::excitatory ? 1 : 2;
      net.projections.push_back(in);
    }
  }
  return net;
}

// Runs the network and, for every neuron of U and H, the scalar `step` alone from the same start
// with the same input; expects identical spike steps and final state, and at least
// min_spikes_per_neuron spikes per neuron on average.
template <class M, class Real>
void expect_lanes_are_step(const setup& c, int threads, double min_spikes_per_neuron) {
  const network net = make_network(std::string(M::name), c);
  simulation_options opt;
  opt.threads = threads;
  opt.prec = std::is_same_v<Real, float> ? precision::single : precision::double_precision;
  auto sim = make_simulation(net, opt);
  sim->run(c.duration_ms);
  const double dt = net.dt;
  const auto steps = static_cast<step_t>(c.duration_ms / dt + 0.5);
  const auto delay_steps = static_cast<step_t>(c.delay_ms / dt + 0.5);
  std::map<gid_t, std::vector<step_t>> fired;
  for (const spike& s : sim->spikes()) fired[s.gid].push_back(s.step);
  std::size_t total = 0;
  for (int pop = 0; pop < 2; ++pop) {
    const gid_t src0 = static_cast<gid_t>(2 * pop * c.n), first = src0 + static_cast<gid_t>(c.n);
    const std::string label = pop == 0 ? "U" : "H";
    std::vector<index_t> ids(c.n);
    for (int i = 0; i < c.n; ++i) ids[i] = static_cast<index_t>(i);
    std::vector<std::vector<double>> end_state;
    for (const auto& st : M::state) end_state.push_back(sim->state(label, std::string(st.name), ids));
    for (int i = 0; i < c.n; ++i) {
      std::array<double, M::n_params> p;
      for (std::size_t j = 0; j < M::n_params; ++j) p[j] = M::parameters[j].default_value;
      p[M::I_e] = c.i_e(pop, i);
      if constexpr (requires { M::max_ports; })
        for (const auto& [name, list] : c.port_lists) {  // the slots as the lowering fills them
          const int first = parameter_index(M::parameters, multisynapse::slot_name(name, 1));
          for (int r = 0; r < M::max_ports; ++r)
            p[first + r] = r < static_cast<int>(list.size()) ? list[r] : std::numeric_limits<double>::quiet_NaN();
        }
      if (pop == 0)
        for (const auto& [name, value] : c.u_params) p[parameter_index(M::parameters, name)] = value;
      // A state stored relative to a parameter (aeif: V_m - E_L) is reported with it added.
      const auto offset = [&](std::size_t j) {
        const int o = M::state[j].offset_parameter;
        return o >= 0 ? p[o] : 0.0;
      };
      std::array<double, M::n_constants> kd;
      std::array<double, M::n_state> xd;
      M::derive(p.data(), dt, kd.data());
      M::initial_state(p.data(), xd.data());
      if (pop == 0) xd[M::V_m] = c.v0(i) - offset(M::V_m);
      std::array<Real, M::n_constants> k;
      std::array<Real, M::n_state> x;
      for (std::size_t j = 0; j < k.size(); ++j) k[j] = static_cast<Real>(kd[j]);
      for (std::size_t j = 0; j < x.size(); ++j) x[j] = static_cast<Real>(xd[j]);
      std::vector<step_t> input(steps + delay_steps + 1, 0);
      for (step_t s : fired[src0 + static_cast<gid_t>(i)]) input[s + delay_steps] = 1;
      std::vector<step_t> mine;
      for (step_t s = 0; s < steps; ++s) {
        const Real in_ex = input[s] ? Real(c.w_ex) : Real(0), in_in = input[s] ? Real(c.w_in) : Real(0);
        if (M::template step<Real, false>(k.data(), x.data(), in_ex, in_in, Real(0)) & step_flags::spiked)
          mine.push_back(s);
      }
      const std::vector<step_t>& theirs = fired[first + static_cast<gid_t>(i)];
      ASSERT_EQ(mine, theirs) << M::name << " " << label << "[" << i << "]";
      total += mine.size();
      for (std::size_t j = 0; j < M::n_state; ++j)
        ASSERT_EQ(end_state[j][i], static_cast<double>(x[j]) + offset(j))
            << M::name << " " << label << "[" << i << "] " << M::state[j].name;
    }
  }
  EXPECT_GT(static_cast<double>(total), min_spikes_per_neuron * 2 * c.n)
      << M::name << ": the neurons should fire throughout";
}

}  // namespace neuromesh::lanes_test

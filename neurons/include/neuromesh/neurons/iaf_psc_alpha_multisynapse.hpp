#pragma once
// iaf_psc_alpha_multisynapse — leaky integrate-and-fire neuron with alpha-shaped synaptic currents
// on any number of receptor ports, each with its own rise time (NEST model of the same name,
// models/iaf_psc_alpha_multisynapse.{h,cpp} in NEST 3.10: iaf_psc_alpha with ports; exact
// integration after Rotter & Diesmann 1999, Biol. Cybern. 81:381). Ports and receptor_type:
// multisynapse.hpp.
//
//   C_m dV/dt = -(C_m/tau_m)(V - E_L) + sum_r I_syn_r + I_e + I_stim
//   d(dI_r)/dt = -dI_r / tau_syn[r],   dI_syn_r/dt = dI_r - I_syn_r / tau_syn[r]
//   spike of weight w [pA] on port r: dI_r += (e / tau_syn[r]) w, so the current peaks at w after
//   tau_syn[r].
//
// Units: V_m, E_L, V_th, V_reset, V_min [mV]; C_m [pF]; tau_m, tau_syn[r], t_ref [ms];
// I_syn_r, I_e [pA]; dI_syn_r [pA/ms]. Parameters, defaults (tau_syn = [2.0]: one port; V_min =
// -inf: no bound) and the recordables V_m, I_syn_1 .. I_syn_n as NEST's.
//
// With V relative to E_L, over one step h, in NEST's order of operations:
//   V <- P30 (I_e + I_stim) + P33 V, then V += P31_r dI_r + P32_r I_syn_r for r = 1..n,
//   then V <- max(V, V_min)                                                  (when not refractory)
//   I_syn_r <- P21_r dI_r + P22_r I_syn_r,  dI_r <- P11_r dI_r + (e / tau_syn[r]) in_r
//   P33 = exp(-h/tau_m), P30 = tau_m/C_m (1 - P33), P11_r = P22_r = exp(-h/tau_syn[r]),
//   P21_r = h P11_r, P31_r and P32_r as iaf_psc_alpha.hpp (cancellation-free forms).
// Spike when V >= V_th; then V = V_reset, clamped for t_ref (rounded up to whole steps).
// Measured against NEST 3.10: tests/crosscheck (3 ports, mixed signs; the table states the V_m
// tolerance).
#include <cmath>
#include <limits>
#include <numbers>

#include <neuromesh/neurons/iaf_psc_alpha.hpp>
#include <neuromesh/neurons/model.hpp>
#include <neuromesh/neurons/multisynapse.hpp>

namespace neuromesh {

struct iaf_psc_alpha_multisynapse {
  static constexpr std::string_view name = "iaf_psc_alpha_multisynapse";
  static constexpr receptor_kind input = receptor_kind::current;
  static constexpr int max_ports = multisynapse::max_ports;

  enum param : int { E_L, C_m, tau_m, t_ref, V_th, V_reset, I_e, V_min, tau_syn_1, n_params = tau_syn_1 + max_ports };
  static constexpr std::array<parameter_spec, n_params> parameters =
      detail::concat(iaf::leak, iaf::threshold, iaf::v_min,
                     multisynapse::port_slots(multisynapse::tau_syn_name, 2.0, "ms",
                                              "rise time of port r (tau_syn[r - 1] in NEST's list; NaN: no port)"));

  enum var : int { V_m, I_syn_1, dI_syn_1 = I_syn_1 + max_ports, refr = dI_syn_1 + max_ports, n_state };
  static constexpr std::array<state_spec, n_state> state = detail::concat(
      std::array<state_spec, 1>{{{"V_m", "mV", E_L}}}, multisynapse::port_states(multisynapse::I_syn_name, "pA"),
      multisynapse::port_states(multisynapse::dI_syn_name, "pA/ms"),
      std::array<state_spec, 1>{{{"refractory_steps", "steps", -1}}});

  enum constant : int {
    P33,
    P30,
    h_,
    theta,
    v_reset,
    i_e,
    ref_steps,
    v_min,
    P11_1,
    P31_1 = P11_1 + max_ports,
    P32_1 = P31_1 + max_ports,
    psc_1 = P32_1 + max_ports,
    n_constants_ = psc_1 + max_ports
  };
  static constexpr std::size_t n_constants = n_constants_;

  static std::string check(const double* p, double /*h*/) {
    // Every value is finite here (V_min may be -inf: no bound): the shared rule (allowed_number,
    // core/network.hpp) refuses others in validate() and, drawn ones included, in initial_values.
    if (std::string e = iaf::check_leak(p, C_m, tau_m); !e.empty()) return e;
    if (std::string e = iaf::check_threshold(p, t_ref, V_th, V_reset); !e.empty()) return e;
    if (std::string e = iaf::check_v_min(p, V_min, V_reset); !e.empty()) return e;
    return multisynapse::check_ports(p, tau_syn_1);
  }

  static void derive(const double* p, double h, double* k) {
    k[P33] = std::exp(-h / p[tau_m]);
    k[P30] = -p[tau_m] / p[C_m] * std::expm1(-h / p[tau_m]);
    k[h_] = h;
    k[theta] = p[V_th] - p[E_L];
    k[v_reset] = p[V_reset] - p[E_L];
    k[i_e] = p[I_e];
    k[ref_steps] = refractory_steps(p[t_ref], h);
    k[v_min] = p[V_min] - p[E_L];
    for (int r = 0; r < max_ports; ++r) {
      const double tau = p[tau_syn_1 + r];
      const bool present = !std::isnan(tau);  // an absent port contributes nothing
      k[P11_1 + r] = present ? std::exp(-h / tau) : 0.0;
      k[P31_1 + r] = present ? detail::alpha_derivative_to_membrane(tau, p[tau_m], p[C_m], h) : 0.0;
      k[P32_1 + r] = present ? detail::current_to_membrane(tau, p[tau_m], p[C_m], h) : 0.0;
      k[psc_1 + r] = present ? std::numbers::e / tau : 0.0;
    }
  }

  static void initial_state(const double* /*p*/, double* x) {
    for (int i = 0; i < n_state; ++i) x[i] = 0.0;
  }

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step_ports(const Real* k, Real* x, const Real* in, Real i_stim) {
    const Real v = x[V_m], r = x[refr];
    const bool free = r <= Real(0);
    Real v_new = k[P30] * (k[i_e] + i_stim) + k[P33] * v;
    bool changed = false;
    for (int p = 0; p < max_ports; ++p) {
      const Real di = x[dI_syn_1 + p], i = x[I_syn_1 + p];
      v_new += k[P31_1 + p] * di + k[P32_1 + p] * i;
      const Real i_new = k[h_] * k[P11_1 + p] * di + k[P11_1 + p] * i;  // P21 = h P11, as NEST
      const Real di_new = k[P11_1 + p] * di + k[psc_1 + p] * in[p];
      changed = changed | (i_new != i) | (di_new != di);
      x[I_syn_1 + p] = i_new;
      x[dI_syn_1 + p] = di_new;
    }
    v_new = detail::max(v_new, k[v_min]);
    v_new = detail::select(free, v_new, v);
    Real r_new = detail::select(free, Real(0), r - Real(1));
    const bool fire = v_new >= k[theta];
    v_new = detail::select(fire, k[v_reset], v_new);
    r_new = detail::select(fire, k[ref_steps], r_new);
    changed = changed | (v_new != v) | (r_new != r);
    x[V_m] = v_new;
    x[refr] = r_new;
    return step_result<DetectChange>(fire, changed);
  }

  // Ports 1 and 2 from in_ex and in_in (generic tools; the engines call step_ports).
  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    Real in[max_ports] = {in_ex, in_in};
    return step_ports<Real, DetectChange>(k, x, in, i_stim);
  }
};

}  // namespace neuromesh

#pragma once
// iaf_psc_exp_multisynapse — leaky integrate-and-fire neuron with exponentially decaying synaptic
// currents on any number of receptor ports, each with its own time constant (NEST model of the
// same name, models/iaf_psc_exp_multisynapse.{h,cpp} in NEST 3.10: iaf_psc_exp with ports; exact
// integration after Rotter & Diesmann 1999, Biol. Cybern. 81:381). Ports and receptor_type:
// multisynapse.hpp.
//
//   C_m dV/dt = -(C_m/tau_m)(V - E_L) + sum_r I_syn_r + I_e + I_stim
//   dI_syn_r/dt = -I_syn_r / tau_syn[r],   spike of weight w [pA] on port r: I_syn_r += w
//
// Units: V_m, E_L, V_th, V_reset [mV]; C_m [pF]; tau_m, tau_syn[r], t_ref [ms]; I_syn_r, I_e [pA].
// Parameters, defaults (tau_syn = [2.0]: one port) and the recordables V_m, I_syn_1 .. I_syn_n as
// NEST's.
//
// With V relative to E_L, over one step h, in NEST's order of operations (so double precision
// rounds as NEST does):
//   V     <- P22 V + P20 (I_e + I_stim), then V += P21_r I_syn_r for r = 1..n   (when not refractory)
//   I_syn_r <- P11_r I_syn_r + (input of this step on port r)
//   P22 = exp(-h/tau_m), P20 = tau_m/C_m (1 - P22), P11_r = exp(-h/tau_syn[r]),
//   P21_r = NEST's propagator_32 (iaf_psc_exp.hpp: current_to_membrane, stable for tau_syn close to
//   tau_m; equal ones are refused, as NEST refuses them for this model).
// Spike when V >= V_th; then V = V_reset, clamped for t_ref (rounded up to whole steps).
// Measured against NEST 3.10: tests/crosscheck (3 ports, mixed signs; the table states the V_m
// tolerance).
#include <cmath>

#include <neuromesh/neurons/iaf_psc_exp.hpp>
#include <neuromesh/neurons/model.hpp>
#include <neuromesh/neurons/multisynapse.hpp>

namespace neuromesh {

struct iaf_psc_exp_multisynapse {
  static constexpr std::string_view name = "iaf_psc_exp_multisynapse";
  static constexpr receptor_kind input = receptor_kind::current;
  static constexpr int max_ports = multisynapse::max_ports;

  enum param : int { E_L, C_m, tau_m, t_ref, V_th, V_reset, I_e, tau_syn_1, n_params = tau_syn_1 + max_ports };
  static constexpr std::array<parameter_spec, n_params> parameters =
      detail::concat(iaf::leak, iaf::threshold,
                     multisynapse::port_slots(multisynapse::tau_syn_name, 2.0, "ms",
                                              "time constant of port r (tau_syn[r - 1] in NEST's list; NaN: no port)"));

  enum var : int { V_m, I_syn_1, refr = I_syn_1 + max_ports, n_state };
  static constexpr std::array<state_spec, n_state> state = detail::concat(
      std::array<state_spec, 1>{{{"V_m", "mV", E_L}}}, multisynapse::port_states(multisynapse::I_syn_name, "pA"),
      std::array<state_spec, 1>{{{"refractory_steps", "steps", -1}}});

  enum constant : int {
    P22,
    P20,
    theta,
    v_reset,
    i_e,
    ref_steps,
    P11_1,
    P21_1 = P11_1 + max_ports,
    n_constants_ = P21_1 + max_ports
  };
  static constexpr std::size_t n_constants = n_constants_;

  static std::string check(const double* p, double /*h*/) {
    // Every value is finite here (V_min may be -inf: no bound): the shared rule (allowed_number,
    // core/network.hpp) refuses others in validate() and, drawn ones included, in initial_values.
    if (std::string e = iaf::check_leak(p, C_m, tau_m); !e.empty()) return e;
    if (std::string e = iaf::check_threshold(p, t_ref, V_th, V_reset); !e.empty()) return e;
    // NEST 3.10 refuses a port whose tau_syn equals tau_m ("Membrane and synapse time constant(s)
    // must differ"; iaf_psc_alpha_multisynapse accepts it), and so does this model.
    for (int r = 0; r < max_ports; ++r)
      if (p[tau_syn_1 + r] == p[tau_m])
        return std::string(multisynapse::tau_syn_name[r]) + ": must differ from tau_m (as NEST requires)";
    return multisynapse::check_ports(p, tau_syn_1);
  }

  static void derive(const double* p, double h, double* k) {
    k[P22] = std::exp(-h / p[tau_m]);
    k[P20] = -p[tau_m] / p[C_m] * std::expm1(-h / p[tau_m]);
    k[theta] = p[V_th] - p[E_L];
    k[v_reset] = p[V_reset] - p[E_L];
    k[i_e] = p[I_e];
    k[ref_steps] = refractory_steps(p[t_ref], h);
    for (int r = 0; r < max_ports; ++r) {
      const double tau = p[tau_syn_1 + r];
      const bool present = !std::isnan(tau);  // an absent port contributes nothing
      k[P11_1 + r] = present ? std::exp(-h / tau) : 0.0;
      k[P21_1 + r] = present ? detail::current_to_membrane(tau, p[tau_m], p[C_m], h) : 0.0;
    }
  }

  static void initial_state(const double* /*p*/, double* x) {
    for (int i = 0; i < n_state; ++i) x[i] = 0.0;
  }

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step_ports(const Real* k, Real* x, const Real* in, Real i_stim) {
    const Real v = x[V_m], r = x[refr];
    const bool free = r <= Real(0);
    Real v_new = k[P22] * v + k[P20] * (k[i_e] + i_stim);
    bool changed = false;
    for (int p = 0; p < max_ports; ++p) {
      const Real i = x[I_syn_1 + p];
      v_new += k[P21_1 + p] * i;
      const Real i_new = k[P11_1 + p] * i + in[p];
      changed = changed | (i_new != i);
      x[I_syn_1 + p] = i_new;
    }
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

#pragma once
// aeif_cond_beta_multisynapse — adaptive exponential integrate-and-fire neuron (AdEx) with
// beta-function synaptic conductances on any number of receptor ports, each with its own rise and
// decay time and reversal potential (NEST model of the same name,
// models/aeif_cond_beta_multisynapse.{h,cpp} in NEST 3.10; Brette & Gerstner 2005,
// J. Neurophysiol. 94:3637; the beta function as Roth & van Rossum 2013, ch. 6 of Computational
// Modeling Methods for Neuroscientists). PyNN's PointNeuron(AdExp, name=CondBetaPostSynapticResponse(...), ...)
// maps to it, as on pyNN.nest. Ports, receptor_type 1..n and the lists: multisynapse.hpp.
//
//   C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T) - w
//               - sum_r g_r (V - E_rev[r]) + I_e + I_stim
//   tau_w dw/dt = a (V - E_L) - w
//   dg_r/dt = dg'_r - g_r / tau_decay[r],   d(dg'_r)/dt = -dg'_r / tau_rise[r]
//   spike of weight w >= 0 [nS] on port r: dg'_r += w g0_r, with NEST's normalisation
//   g0_r = (1/tau_rise - 1/tau_decay) / (e^(-t_p/tau_decay) - e^(-t_p/tau_rise)) at the peak time
//   t_p = tau_decay tau_rise ln(tau_decay/tau_rise) / (tau_decay - tau_rise), so that
//   g_r(t) = w g0_r (e^(-t/tau_decay) - e^(-t/tau_rise)) / (1/tau_rise - 1/tau_decay) peaks at w.
//   tau_rise[r] == tau_decay[r] (allowed, as in NEST; also a difference or denominator below the
//   double epsilon): g0_r = e / tau_decay, the alpha function g_r(t) = w (t/tau) e^(1 - t/tau) --
//   the same arithmetic as aeif_cond_alpha_multisynapse's port with tau_syn = tau_decay.
//   V >= V_peak (V_th when Delta_T = 0): V <- V_reset, w <- w + b, V clamped for t_ref.
//
// Units: V, E_rev[r], V_th, V_peak, V_reset, Delta_T [mV]; C_m [pF]; g_L, a, g_r [nS]; dg'_r [nS/ms];
// w, b, I_e [pA]; tau_w, tau_rise[r], tau_decay[r], t_ref [ms]. Parameters and defaults as NEST's
// (tau_rise = [2.0], tau_decay = [20.0], E_rev = [0.0]: one port; the three lists of equal length;
// 0 < tau_rise[r] <= tau_decay[r]); recordables V_m, w, g_1 .. g_n as NEST's (NEST's state lists g
// and dg are the variables g_r and dg_r here). Weights must be >= 0 (NEST: "Synaptic weights for
// conductance-based multisynapse models must be positive").
// Integration: the aeif family's (aeif_cond_exp.hpp: NEST's GSL RKF45 with its step-size control,
// the upswing in u, the branch-free lane path), shared through aeif_integrator.hpp on
// y = (V - E_L, w, g_1 .. g_8, dg_1 .. dg_8); the error control covers every component, as NEST's
// (an absent port stays 0 and adds no error). Spike input is added to dg_r after the step.
// Measured against NEST 3.10: tests/crosscheck/test_crosscheck_aeif_multisynapse.py (3 ports of
// different rise/decay times and E_rev, one of them tau_rise == tau_decay; the test states the
// tolerances).
#include <neuromesh/neurons/aeif_integrator.hpp>

namespace neuromesh {

struct aeif_cond_beta_multisynapse : detail::aeif_integrator<detail::aeif_beta_ports> {
  static constexpr std::string_view name = "aeif_cond_beta_multisynapse";
  static constexpr std::array<state_spec, n_state> state = detail::concat(
      std::array<state_spec, 2>{{{"V_m", "mV", E_L}, {"w", "pA", -1}}},
      multisynapse::port_states(multisynapse::g_name, "nS"), multisynapse::port_states(multisynapse::dg_name, "nS/ms"),
      std::array<state_spec, 2>{{
          {"refractory_steps", "steps", -1},
          {"integration_step", "ms", -1},  // last internal step size; <= 0: start at min(0.01 ms, h)
      }});

  // The engines' call (multisynapse.hpp): one summed input [nS] per port slot.
  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step_ports(const Real* k, Real* x, const Real* in, Real i_stim) {
    return step_inputs<Real, DetectChange>(k, x, in, i_stim);
  }
  // Branch-free common case (aeif_cond_exp.hpp), or step_flags::deferred with x untouched.
  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned lane_step_ports(const Real* k, Real* x, const Real* in, Real i_stim) {
    return lane_step_inputs<Real, DetectChange>(k, x, in, i_stim);
  }
};

}  // namespace neuromesh

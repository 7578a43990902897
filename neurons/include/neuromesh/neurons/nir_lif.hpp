#pragma once
// nir_lif — the single-compartment neurons of NIR 1.0 (Pedersen et al. 2024, Nat. Commun. 15:8122;
// neuromorphs/NIR docs/source/primitives.md): LIF, IF, LI, I (Integrator) and Threshold, written once
// for every backend (docs/nir.md). Parameters are NIR's, with time constants in ms (the importer
// converts NIR's time unit with an explicit time_scale; it never guesses). By `kind`:
//
//   kind 0 (LIF, LI):      tau dv/dt = (v_leak - v) + r (I + bias)
//   kind 1 (IF, I):            dv/dt = r (I + bias)
//   kind 2 (Threshold):            v = r (I + bias)          (no memory)
//
// I is this step's summed synaptic input (sum of w * s over the step's spikes s in {0,1}) plus the
// injected current, held constant over the step of width h (zero-order hold: a spike is a pulse of
// value 1 lasting one step, as the deep-learning frameworks that export NIR treat it). Over one
// step, with v stored relative to v_leak:
//   exact (euler = 0):  v <- A v + C (I + bias),  A = exp(-h/tau), C = r (1 - A)   [exact for kind 0]
//   euler (euler = 1):  A = 1 - h/tau, C = r h/tau (forward Euler, what snnTorch/Norse step)
//   kind 1:             A = 1, C = r h (exact);  kind 2: A = 0, C = r.
// Spike when v > v_threshold (strict, NIR's Heaviside(v - v_threshold)) and spiking = 1; then
// v <- v_reset (reset to value; no refractory period). spiking = 0 gives NIR's LI and I, whose
// output is the graded state v.
#include <cmath>
#include <limits>

#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

namespace detail {
inline std::string nir_flag(const char* name, double v) {
  return (v == 0.0 || v == 1.0) ? std::string{} : std::string(name) + ": must be 0 or 1";
}
}  // namespace detail

struct nir_lif {
  static constexpr std::string_view name = "nir_lif";
  static constexpr receptor_kind input = receptor_kind::current;

  enum param : int { tau, r, v_leak, v_threshold, v_reset, bias, kind, spiking, euler, n_params };
  static constexpr std::array<parameter_spec, n_params> parameters{{
      {"tau", 10.0, "ms", "membrane time constant (kind 0)"},
      {"r", 1.0, "nir", "input resistance"},
      {"v_leak", 0.0, "nir", "leak (rest) potential (kind 0)"},
      {"v_threshold", 1.0, "nir", "spike when v > v_threshold"},
      {"v_reset", 0.0, "nir", "v after a spike"},
      {"bias", 0.0, "nir", "constant input current (an Affine's bias)"},
      {"kind", 0.0, "", "0 leaky (LIF/LI), 1 integrator (IF/I), 2 memoryless (Threshold)"},
      {"spiking", 1.0, "", "1 spikes and resets (LIF/IF/Threshold), 0 graded only (LI/I)"},
      {"euler", 0.0, "", "0 exact exponential integration, 1 forward Euler"},
  }};

  enum var : int { V_m, n_state };
  static constexpr std::array<state_spec, n_state> state{{{"V_m", "nir", v_leak}}};

  enum constant : int { A, C, B, theta, reset, n_constants_ };
  static constexpr std::size_t n_constants = n_constants_;

  // Every parameter is a finite number here: the shared validation refuses NaN and +-inf in
  // scalars, arrays (core/src/network.cpp validate_value) and drawn values (initial_values.hpp).
  static std::string check(const double* p, double /*h*/) {
    if (!(p[kind] == 0 || p[kind] == 1 || p[kind] == 2)) return "kind: must be 0, 1 or 2";
    if (p[kind] == 0 && !(p[tau] > 0)) return "tau: must be > 0 ms";
    if (auto e = detail::nir_flag("spiking", p[spiking]); !e.empty()) return e;
    return detail::nir_flag("euler", p[euler]);
  }

  static void derive(const double* p, double h, double* k) {
    if (p[kind] == 0) {
      k[A] = p[euler] != 0 ? 1.0 - h / p[tau] : std::exp(-h / p[tau]);
      k[C] = p[euler] != 0 ? p[r] * h / p[tau] : -p[r] * std::expm1(-h / p[tau]);
    } else if (p[kind] == 1) {
      k[A] = 1.0;
      k[C] = p[r] * h;
    } else {
      k[A] = 0.0;
      k[C] = p[r];
    }
    // v is stored relative to v_leak; kind 2 forgets v, so its stored value needs -v_leak (A - 1 = -1).
    k[B] = k[C] * p[bias] + (p[kind] == 0 ? 0.0 : (k[A] - 1.0) * p[v_leak]);
    k[theta] = p[spiking] != 0 ? p[v_threshold] - p[v_leak] : std::numeric_limits<double>::infinity();
    k[reset] = p[v_reset] - p[v_leak];
  }

  static void initial_state(const double* /*p*/, double* x) { x[V_m] = 0.0; }  // v = v_leak

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    const Real v = x[V_m];
    Real v_new = k[A] * v + k[C] * ((in_ex + in_in) + i_stim) + k[B];
    const bool fire = v_new > k[theta];
    v_new = detail::select(fire, k[reset], v_new);
    x[V_m] = v_new;
    // A spike is a change even when v returns to the same value (firing every step): otherwise the
    // engines' active set would park the neuron and lose its spikes.
    return step_result<DetectChange>(fire, fire | (v_new != v));
  }
};

}  // namespace neuromesh

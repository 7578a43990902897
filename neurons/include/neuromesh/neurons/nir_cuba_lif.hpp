#pragma once
// nir_cuba_lif — NIR 1.0's current-based LIF (CubaLIF) and its non-spiking twin CubaLI (Pedersen
// et al. 2024, Nat. Commun. 15:8122; neuromorphs/NIR docs/source/primitives.md), for every backend
// (docs/nir.md). Parameters are NIR's, time constants in ms (converted by the importer):
//
//   tau_syn dI/dt = -I + w_in (S + bias)
//   tau_mem dv/dt = (v_leak - v) + r I
//
// S is this step's summed synaptic input (sum of w * s over the step's spikes s in {0,1}) plus the
// injected current, held constant over the step of width h (zero-order hold, see nir_lif.hpp).
// Exact integration of the linear pair (euler = 0), with x = v - v_leak and u = w_in (S + bias):
//   x <- P22 x + r K I + r Q u,      I <- P11 I + (1 - P11) u
//   P22 = exp(-h/tau_mem), P11 = exp(-h/tau_syn),
//   K = exp(-h/tau_mem) (exp(a h) - 1) / (a tau_mem),  a = 1/tau_mem - 1/tau_syn  [-> h/tau_mem exp(-h/tau_mem)]
//   Q = (1 - P22) - K   (the response of x to u switched on at the step's start, I(0) = 0).
// Forward Euler (euler = 1): P22 = 1 - h/tau_mem, K = h/tau_mem, Q = 0, P11 = 1 - h/tau_syn, and
// h/tau_syn in place of 1 - P11 (v uses the I of the step's start, as Norse and snnTorch do).
// Spike when v > v_threshold (strict) and spiking = 1; then v <- v_reset; I is kept. spiking = 0
// is NIR's CubaLI (graded output v).
#include <cmath>
#include <limits>

#include <neuromesh/neurons/nir_lif.hpp>

namespace neuromesh {

struct nir_cuba_lif {
  static constexpr std::string_view name = "nir_cuba_lif";
  static constexpr receptor_kind input = receptor_kind::current;

  enum param : int { tau_syn, tau_mem, r, v_leak, v_threshold, v_reset, w_in, bias, spiking, euler, n_params };
  static constexpr std::array<parameter_spec, n_params> parameters{{
      {"tau_syn", 5.0, "ms", "synaptic time constant"},
      {"tau_mem", 10.0, "ms", "membrane time constant"},
      {"r", 1.0, "nir", "input resistance"},
      {"v_leak", 0.0, "nir", "leak (rest) potential"},
      {"v_threshold", 1.0, "nir", "spike when v > v_threshold"},
      {"v_reset", 0.0, "nir", "v after a spike"},
      {"w_in", 1.0, "nir", "input weight"},
      {"bias", 0.0, "nir", "constant input (an Affine's bias)"},
      {"spiking", 1.0, "", "1 spikes and resets (CubaLIF), 0 graded only (CubaLI)"},
      {"euler", 0.0, "", "0 exact exponential integration, 1 forward Euler"},
  }};

  enum var : int { V_m, I_syn, n_state };
  static constexpr std::array<state_spec, n_state> state{{{"V_m", "nir", v_leak}, {"I_syn", "nir", -1}}};

  enum constant : int { P22, rK, rQw, P11, Gw, Bv, BI, theta, reset, n_constants_ };
  static constexpr std::size_t n_constants = n_constants_;

  // Every parameter is a finite number here (the shared validation, as nir_lif.hpp).
  static std::string check(const double* p, double /*h*/) {
    if (!(p[tau_syn] > 0)) return "tau_syn: must be > 0 ms";
    if (!(p[tau_mem] > 0)) return "tau_mem: must be > 0 ms";
    if (auto e = detail::nir_flag("spiking", p[spiking]); !e.empty()) return e;
    return detail::nir_flag("euler", p[euler]);
  }

  static void derive(const double* p, double h, double* k) {
    const double tm = p[tau_mem], ts = p[tau_syn];
    double p22, kk, q, p11, g;
    if (p[euler] != 0) {
      p22 = 1.0 - h / tm;
      kk = h / tm;
      q = 0.0;
      p11 = 1.0 - h / ts;
      g = h / ts;
    } else {
      p22 = std::exp(-h / tm);
      p11 = std::exp(-h / ts);
      const double a = 1.0 / tm - 1.0 / ts;
      kk = std::fabs(a * h) < 1e-8 ? h / tm * p22 : p22 * std::expm1(a * h) / (a * tm);
      q = -std::expm1(-h / tm) - kk;
      g = -std::expm1(-h / ts);
    }
    k[P22] = p22;
    k[rK] = p[r] * kk;
    k[rQw] = p[r] * q * p[w_in];
    k[P11] = p11;
    k[Gw] = g * p[w_in];
    k[Bv] = k[rQw] * p[bias];
    k[BI] = k[Gw] * p[bias];
    k[theta] = p[spiking] != 0 ? p[v_threshold] - p[v_leak] : std::numeric_limits<double>::infinity();
    k[reset] = p[v_reset] - p[v_leak];
  }

  static void initial_state(const double* /*p*/, double* x) { x[V_m] = x[I_syn] = 0.0; }  // v = v_leak, I = 0

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    const Real v = x[V_m], i = x[I_syn];
    const Real s = (in_ex + in_in) + i_stim;
    Real v_new = k[P22] * v + k[rK] * i + k[rQw] * s + k[Bv];
    const Real i_new = k[P11] * i + k[Gw] * s + k[BI];
    const bool fire = v_new > k[theta];
    v_new = detail::select(fire, k[reset], v_new);
    x[V_m] = v_new;
    x[I_syn] = i_new;
    return step_result<DetectChange>(fire, fire | (v_new != v) | (i_new != i));  // a spike is a change (nir_lif.hpp)
  }
};

}  // namespace neuromesh

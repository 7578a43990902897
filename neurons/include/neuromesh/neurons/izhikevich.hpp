#pragma once
// izhikevich — the simple spiking neuron of Izhikevich 2003 (IEEE Trans. Neural Netw. 14:1569),
// as NEST's model of the same name.
//
//   dv/dt = 0.04 v² + 5 v + 140 - u + I_e + I_stim,   du/dt = a (b v - u)
//   v >= V_th:  v <- c,  u <- u + d;   each input spike: v += w [mV]
//
// v is in mV and t in ms by the model's own scaling; the current terms are in mV/ms (NEST calls
// them pA). Integration is NEST's default (`consistent_integration = true`): forward Euler over
// one step h from the old values of both variables, with the same operation order as NEST:
//   v <- v + (h (0.04 v² + 5 v + 140 - u + I_stim + I_e) + input),   u <- u + (h a)(b v_old - u)
// then v is bounded below by V_min and the threshold is checked. NEST's alternative
// (`consistent_integration = false`, two half steps as in the 2003 paper) is not provided. The
// model has no refractory period. State variables are absolute (v is not relative to a
// parameter). Initial values as NEST 3.10: V_m = -65 mV and U_m = b V_m = 0.2 * -65 = -13 mV/ms,
// computed once from NEST's *default* b and V_m: NEST keeps U_m = -13 when the user sets b or
// the initial V_m (checked: nest.Create("izhikevich", params={"b": 0.3, "V_m": -70.0}) has
// U_m = -13.0), so neuromesh does the same; give U_m explicitly for u = b v at another start.
// (With U_m = 0 instead, the first spike at I_e = 10 came at 43.5 ms instead of NEST's 3.4 ms.)
// The resting state is not an exact floating-point fixed point in general, so a resting neuron
// simply stays in the active set.
#include <cmath>
#include <limits>

#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

struct izhikevich {
  static constexpr std::string_view name = "izhikevich";
  static constexpr receptor_kind input = receptor_kind::voltage;

  enum param : int { a, b, c, d, I_e, V_th, V_min, n_params };
  static constexpr std::array<parameter_spec, n_params> parameters{{
      {"a", 0.02, "1/ms", "time scale of the recovery variable u"},
      {"b", 0.2, "1", "sensitivity of u to v"},
      {"c", -65.0, "mV", "after-spike reset value of v"},
      {"d", 8.0, "mV/ms", "after-spike increment of u"},
      {"I_e", 0.0, "pA", "constant external input (in the model's mV/ms scaling)"},
      {"V_th", 30.0, "mV", "spike cut-off"},
      {"V_min", -std::numeric_limits<double>::infinity(), "mV", "lower bound of V_m"},
  }};

  enum var : int { V_m, U_m, n_state };
  static constexpr std::array<state_spec, n_state> state{{
      {"V_m", "mV", -1},
      {"U_m", "mV/ms", -1},
  }};

  enum constant : int { h_, ha, b_, c_, d_, i_e, theta, v_min, n_constants_ };
  static constexpr std::size_t n_constants = n_constants_;

  // Every parameter is a finite number here except V_min, which may be -inf (no bound, the
  // default): the shared validation refuses NaN and +-inf in scalars, arrays (core/src/network.cpp
  // validate_value) and drawn values (initial_values.hpp).
  static std::string check(const double* p, double /*h*/) {
    if (!(p[c] < p[V_th])) return "c: must be below V_th";
    if (!(p[V_min] <= p[c])) return "V_min: must not exceed c (-inf: no bound)";
    return {};
  }

  static void derive(const double* p, double h, double* k) {
    k[h_] = h;
    k[ha] = h * p[a];
    k[b_] = p[b];
    k[c_] = p[c];
    k[d_] = p[d];
    k[i_e] = p[I_e];
    k[theta] = p[V_th];
    k[v_min] = p[V_min];
  }

  // NEST's defaults of V_m and b, from which its U_m starts (see the header comment).
  static constexpr double nest_initial_v = -65.0, nest_default_b = 0.2;

  static void initial_state(const double* /*p*/, double* x) {
    x[V_m] = nest_initial_v;
    x[U_m] = nest_default_b * nest_initial_v;  // -13, whatever b is (as NEST)
  }

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    const Real v = x[V_m], u = x[U_m];
    // NEST: v += h * (...) + input, i.e. v + (h * (...) + input).
    Real v_new = v + (k[h_] * (Real(0.04) * v * v + Real(5) * v + Real(140) - u + i_stim + k[i_e]) + (in_ex + in_in));
    Real u_new = u + k[ha] * (k[b_] * v - u);
    v_new = detail::max(v_new, k[v_min]);
    const bool fire = v_new >= k[theta];
    v_new = detail::select(fire, k[c_], v_new);
    u_new = detail::select(fire, u_new + k[d_], u_new);
    const bool changed = (v_new != v) | (u_new != u);
    x[V_m] = v_new;
    x[U_m] = u_new;
    return step_result<DetectChange>(fire, changed);
  }
};

}  // namespace neuromesh

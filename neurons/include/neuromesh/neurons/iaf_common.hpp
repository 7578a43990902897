#pragma once
// What NEST's iaf_psc_* models share (iaf_psc_delta, iaf_psc_exp, iaf_psc_alpha and their
// multisynapse variants): the membrane parameters with NEST 3.10's names, units and defaults, and
// their checks -- one table, so the models cannot drift apart. Each model concatenates the pieces
// in its own NEST order (detail::concat) and passes its enum positions to the checks.
#include <array>
#include <limits>
#include <string>

#include <neuromesh/neurons/model.hpp>

namespace neuromesh::iaf {

// E_L, C_m, tau_m: every model's first three parameters.
inline constexpr std::array<parameter_spec, 3> leak{{
    {"E_L", -70.0, "mV", "resting potential"},
    {"C_m", 250.0, "pF", "membrane capacitance"},
    {"tau_m", 10.0, "ms", "membrane time constant"},
}};
// t_ref, V_th, V_reset, I_e: after the leak (and the synaptic time constants where a model has two).
inline constexpr std::array<parameter_spec, 4> threshold{{
    {"t_ref", 2.0, "ms", "refractory period"},
    {"V_th", -55.0, "mV", "spike threshold"},
    {"V_reset", -70.0, "mV", "reset potential"},
    {"I_e", 0.0, "pA", "constant external current"},
}};
// V_min, where the model bounds V_m from below (NEST's default: no bound).
inline constexpr std::array<parameter_spec, 1> v_min{{
    {"V_min", -std::numeric_limits<double>::infinity(), "mV", "lower bound of V_m"},
}};

// The checks of those pieces, given the model's positions; "" when the values are valid.
inline std::string check_leak(const double* p, int C_m, int tau_m) {
  if (!(p[C_m] > 0)) return "C_m: must be > 0 pF";
  if (!(p[tau_m] > 0)) return "tau_m: must be > 0 ms";
  return {};
}
inline std::string check_threshold(const double* p, int t_ref, int V_th, int V_reset) {
  if (!(p[t_ref] >= 0)) return "t_ref: must be >= 0 ms";
  if (!(p[V_reset] < p[V_th])) return "V_reset: must be below V_th";
  return {};
}
inline std::string check_v_min(const double* p, int V_min, int V_reset) {
  if (!(p[V_min] <= p[V_reset])) return "V_min: must not exceed V_reset (-inf: no bound)";
  return {};
}

}  // namespace neuromesh::iaf

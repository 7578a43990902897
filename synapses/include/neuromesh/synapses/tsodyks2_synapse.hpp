#pragma once
// tsodyks2_synapse -- short-term depression and facilitation (Tsodyks & Markram 1997; Maass &
// Markram 2002), as NEST 3.10's tsodyks2_synapse. A spike transmits w u x, where x is the fraction
// of resources available and u the release probability. The first spike of a source transmits
// with the initial u and x; each later one, h ms after the previous, first updates
//   x <- 1 + (x - x u - 1) exp(-h / tau_rec)
//   u <- U + u (1 - U) exp(-h / tau_fac)          (tau_fac = 0: no facilitation, u = U)
// (the order and the first-spike rule measured against NEST 3.10; tests/crosscheck).
//
// u and x depend only on the presynaptic spike train and the projection's parameters, so they are
// kept per (source, projection) -- NEST keeps them per synapse, with the same values -- and the
// stored weights never change (they may be one shared weight, as for static synapses).
#include <array>
#include <string>
#include <string_view>

#include <neuromesh/core/math.hpp>
#include <neuromesh/synapses/model.hpp>

namespace neuromesh {

struct tsodyks2_synapse {
  static constexpr std::string_view name = "tsodyks2";
  static constexpr std::string_view nest_name = "tsodyks2_synapse";
  static constexpr bool plastic = false;    // the weights stay as stored
  static constexpr bool short_term = true;  // state per source: u, x, last spike
  enum : int { U, u0, x0, tau_rec, tau_fac, n_parameters };
  static constexpr std::array<synapse_parameter_spec, n_parameters> parameters{{
      {"U", 0.5, "1", "increment of the release probability per spike"},
      {"u", 0.5, "1", "release probability before the first spike"},
      {"x", 1.0, "1", "fraction of resources available before the first spike"},
      {"tau_rec", 800.0, "ms", "recovery time constant of the resources"},
      {"tau_fac", 0.0, "ms", "facilitation time constant (0: none)"},
  }};
  static constexpr std::array<synapse_state_spec, 0> state{};

  static std::string check(const double* p) {
    if (!(p[U] >= 0 && p[U] <= 1)) return "U: must be in [0, 1]";
    if (!(p[u0] >= 0 && p[u0] <= 1)) return "u: must be in [0, 1]";
    if (!(p[x0] >= 0 && p[x0] <= 1)) return "x: must be in [0, 1]";
    if (!(p[tau_rec] > 0)) return "tau_rec: must be > 0 ms";
    if (!(p[tau_fac] >= 0)) return "tau_fac: must be >= 0 ms";
    return "";
  }

  using source_state = short_term_state;  // u, x (y unused)
  NEUROMESH_INLINE_HOST_DEVICE static source_state initial(const double* p) { return {p[u0], p[x0], 0.0, false}; }
  // The factor u x a spike h ms after the previous one transmits, after updating u and x.
  NEUROMESH_INLINE_HOST_DEVICE static double on_spike(const double* p, source_state& s, double h) {
    if (s.spiked) {
      s.x = 1.0 + (s.x - s.x * s.u - 1.0) * math::exp(-h / p[tau_rec]);
      const double u_decay = p[tau_fac] < 1.0e-10 ? 0.0 : math::exp(-h / p[tau_fac]);
      s.u = p[U] + s.u * (1.0 - p[U]) * u_decay;
    }
    s.spiked = true;
    return s.u * s.x;
  }
  NEUROMESH_INLINE_HOST_DEVICE static fixed_t input(float weight) { return to_fixed(weight); }
};

}  // namespace neuromesh

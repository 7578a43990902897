#pragma once
// tsodyks_synapse -- short-term depression and facilitation with a synaptic current of its own
// (Tsodyks, Uziel & Markram 2000, J Neurosci 20:RC50; Tsodyks, Pawelzik & Markram 1998), as NEST
// 3.10's tsodyks_synapse. The resources are split into recovered (x), active (y) and inactive
// (z = 1 - x - y) fractions; u is the release probability. Between spikes (h ms apart):
//   u' = -u / tau_fac            (tau_fac = 0: u decays at once, u = 0 before the jump)
//   y' = -y / tau_psc            (active -> inactive)
//   x' =  z / tau_rec            (inactive -> recovered)
// solved exactly from the previous spike to this one, in NEST's order:
//   Puu = exp(-h/tau_fac), Pyy = exp(-h/tau_psc), Pzz = expm1(-h/tau_rec),
//   Pxy = (Pzz tau_rec - (Pyy - 1) tau_psc) / (tau_psc - tau_rec)
//   z = 1 - x - y;  u <- u Puu;  x <- x + Pxy y - Pzz z;  y <- y Pyy
// then the spike:
//   u <- u + U (1 - u);  dy = u x;  x <- x - dy;  y <- y + dy
// and the spike transmits w dy. The first spike is propagated from t = 0 (NEST's t_lastspike
// starts at 0), so initial x != 1 or y != 0 relax before it.
//
// Like tsodyks2_synapse, u, x and y depend only on the presynaptic spike train and the
// projection's parameters, so they are kept per (source, projection, shard) -- NEST keeps the same
// values per synapse -- and the stored weights never change (4 bytes per synapse with one shared
// weight). tau_psc = tau_rec is refused (NEST divides by zero there).
#include <array>
#include <string>
#include <string_view>

#include <neuromesh/core/math.hpp>
#include <neuromesh/synapses/model.hpp>

namespace neuromesh {

struct tsodyks_synapse {
  static constexpr std::string_view name = "tsodyks";
  static constexpr std::string_view nest_name = "tsodyks_synapse";
  static constexpr bool plastic = false;    // the weights stay as stored
  static constexpr bool short_term = true;  // state per source: u, x, y, last spike
  enum : int { U, tau_psc, tau_rec, tau_fac, x0, y0, u0, n_parameters };
  static constexpr std::array<synapse_parameter_spec, n_parameters> parameters{{
      {"U", 0.5, "1", "increment of the release probability per spike"},
      {"tau_psc", 3.0, "ms", "decay time constant of the active resources (the synaptic current)"},
      {"tau_rec", 800.0, "ms", "recovery time constant of the resources"},
      {"tau_fac", 0.0, "ms", "facilitation time constant (0: none)"},
      {"x", 1.0, "1", "recovered resources at t = 0"},
      {"y", 0.0, "1", "active resources at t = 0"},
      {"u", 0.0, "1", "release probability at t = 0"},
  }};
  static constexpr std::array<synapse_state_spec, 0> state{};

  static std::string check(const double* p) {
    if (!(p[U] >= 0 && p[U] <= 1)) return "U: must be in [0, 1]";
    if (!(p[tau_psc] > 0)) return "tau_psc: must be > 0 ms";
    if (!(p[tau_rec] > 0)) return "tau_rec: must be > 0 ms";
    if (p[tau_psc] == p[tau_rec])
      return "tau_psc: must differ from tau_rec (the propagator divides by their difference)";
    if (!(p[tau_fac] >= 0)) return "tau_fac: must be >= 0 ms";
    if (!(p[x0] >= 0 && p[x0] <= 1)) return "x: must be in [0, 1]";
    if (!(p[y0] >= 0 && p[y0] <= 1)) return "y: must be in [0, 1]";
    if (!(p[x0] + p[y0] <= 1)) return "y: x + y must be <= 1";
    if (!(p[u0] >= 0 && p[u0] <= 1)) return "u: must be in [0, 1]";
    return "";
  }

  using source_state = short_term_state;
  NEUROMESH_INLINE_HOST_DEVICE static source_state initial(const double* p) { return {p[u0], p[x0], p[y0], false}; }
  // The factor dy = u x that a spike h ms after the previous one (after t = 0 for the first)
  // transmits, after propagating and updating u, x and y.
  NEUROMESH_INLINE_HOST_DEVICE static double on_spike(const double* p, source_state& s, double h) {
    const double Puu = p[tau_fac] == 0.0 ? 0.0 : math::exp(-h / p[tau_fac]);
    const double Pyy = math::exp(-h / p[tau_psc]);
    const double Pzz = math::expm1(-h / p[tau_rec]);
    const double Pxy = (Pzz * p[tau_rec] - (Pyy - 1.0) * p[tau_psc]) / (p[tau_psc] - p[tau_rec]);
    const double z = 1.0 - s.x - s.y;
    s.u *= Puu;
    s.x += Pxy * s.y - Pzz * z;
    s.y *= Pyy;
    s.u += p[U] * (1.0 - s.u);
    const double dy = s.u * s.x;
    s.x -= dy;
    s.y += dy;
    s.spiked = true;
    return dy;
  }
  NEUROMESH_INLINE_HOST_DEVICE static fixed_t input(float weight) { return to_fixed(weight); }
};

}  // namespace neuromesh

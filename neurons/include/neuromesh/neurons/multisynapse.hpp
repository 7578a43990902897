#pragma once
// Receptor ports of NEST's *_multisynapse models (iaf_psc_exp_multisynapse,
// iaf_psc_alpha_multisynapse): a neuron with n ports has one synaptic current per port, each with
// its own time constant tau_syn[r] (NEST's array parameter `tau_syn`, default [2.0]: one port).
// A connection names its port with receptor_type r in 1..n; NEST refuses 0 and r > n
// (IncompatibleReceptorType), and so does validate() (sign_rule.cpp), naming the projection. A
// port's weight is a current [pA] of either sign: the sign chooses nothing, as in NEST.
//
// Representation: the models have `max_ports` port slots with parameters "tau_syn[1]" ..
// "tau_syn[max_ports]" (NaN: no such port). The description gives NEST's list, `tau_syn`:
// [t1, t2, ...] (one list for the whole population), which the one lowering (initial_values.hpp)
// and validate() expand into the slots; a single slot may also be given by its name (scalar,
// per-neuron array or distribution). A population's ports are the leading slots that are set
// (receptor_ports); a set slot after an unset one is an error naming it.
// The engines give port r's input the ring-buffer row r - 1 (receptor_rows: as many rows as the
// largest population's ports, at least the two of excitatory / inhibitory) and call the model's
// `step_ports(k, x, in, i_stim)` with in[max_ports], one summed input per port.
#include <cmath>
#include <cstdint>
#include <string>

#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

namespace multisynapse {
// Port slots per neuron: the models compute every slot each step (an absent port's propagators are
// 0), so this bounds the cost; 8 covers AMPA, NMDA, GABA_A, GABA_B with room to spare.
inline constexpr int max_ports = 8;

// "tau_syn[r]" for r = 1..max_ports, as constexpr strings for the parameter tables.
inline constexpr std::string_view tau_syn_name[max_ports] = {"tau_syn[1]", "tau_syn[2]", "tau_syn[3]", "tau_syn[4]",
                                                             "tau_syn[5]", "tau_syn[6]", "tau_syn[7]", "tau_syn[8]"};

// Checks the slots p[first .. first + max_ports): the set ones (not NaN) lead, each > 0 and
// finite; "" or "<parameter>: problem".
inline std::string check_ports(const double* p, int first) {
  bool gap = false;
  for (int r = 0; r < max_ports; ++r) {
    const double t = p[first + r];
    if (std::isnan(t)) {
      if (r == 0) return std::string(tau_syn_name[r]) + ": a neuron needs at least one port (tau_syn: [..])";
      gap = true;
      continue;
    }
    if (gap) return std::string(tau_syn_name[r]) + ": set after an unset port (ports are tau_syn[1] .. tau_syn[n])";
    if (!(t > 0) || !std::isfinite(t)) return std::string(tau_syn_name[r]) + ": must be > 0 ms and finite";
  }
  return {};
}
}  // namespace multisynapse

// Models with receptor ports provide, besides `step` (ports 1 and 2 from in_ex and in_in, for
// generic tools), `step_ports` over all `max_ports` inputs; the engines call that.
template <class Model>
concept has_ports = requires {
  Model::max_ports;
};

}  // namespace neuromesh

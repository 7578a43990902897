#pragma once
// Receptor ports of NEST's *_multisynapse models (iaf_psc_exp_multisynapse,
// iaf_psc_alpha_multisynapse, aeif_cond_alpha_multisynapse, aeif_cond_beta_multisynapse): a neuron
// with n ports has one synaptic input per port, each with its own time constant tau_syn[r] (NEST's
// array parameter `tau_syn`, default [2.0]: one port; aeif_cond_beta_multisynapse has the two
// lists tau_rise and tau_decay instead, and its ports are tau_decay's entries: `port_list`).
// A connection names its port with receptor_type r in 1..n; NEST refuses 0 and r > n
// (IncompatibleReceptorType), and so does validate() (sign_rule.cpp), naming the projection. A
// port's weight is a current [pA] of either sign: the sign chooses nothing, as in NEST. A
// conductance-based model's (receptor_kind::conductance) port weight is a conductance [nS] and
// must be >= 0 (NEST: "Synaptic weights for conductance-based multisynapse models must be
// positive", thrown at delivery; validate() refuses it before the run, naming the projection);
// E_rev[r] chooses whether the port excites or inhibits.
//
// Representation: the models have `max_ports` port slots with parameters "tau_syn[1]" ..
// "tau_syn[max_ports]" (NaN: no such port). The description gives NEST's list, `tau_syn`:
// [t1, t2, ...] (one list for the whole population), which the one lowering (initial_values.hpp)
// and validate() expand into the slots; a single slot may also be given by its name (scalar,
// per-neuron array or distribution). A population's ports are the leading slots that are set
// (receptor_ports); a set slot after an unset one is an error naming it. The NaN stays the mark
// of an absent port (not a separate port count) because the model contract hands check() and
// derive() the parameter values only (model.hpp), the same arrays on every backend; validate() and
// the engines take the count from receptor_ports. The per-port state variables name their port
// (state_spec::port, from port_states).
// The engines give port r's input the ring-buffer row r - 1 (receptor_rows: as many rows as the
// largest population's ports, at least the two of excitatory / inhibitory) and call the model's
// `step_ports(k, x, in, i_stim)` with in[max_ports], one summed input per port.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

namespace multisynapse {
// Port slots per neuron: the models compute every slot each step (an absent port's propagators are
// 0), so this bounds the cost; 8 covers AMPA, NMDA, GABA_A, GABA_B with room to spare.
inline constexpr int max_ports = 8;

// The names "<prefix>r<suffix>" of one per-port list for r = 1..max_ports, generated (a
// hand-written list would silently get empty names if max_ports grew), in static storage: the
// models' constexpr tables hold string_views into it.
template <std::size_t P, std::size_t S>
struct slot_names {
  static_assert(max_ports <= 99, "port numbers have at most two digits");
  char text[max_ports][P + S + 1]{};  // prefix, up to two digits, suffix (P and S count their '\0')
  std::size_t length[max_ports]{};
  constexpr slot_names(const char (&prefix)[P], const char (&suffix)[S]) {
    for (int r = 0; r < max_ports; ++r) {
      std::size_t n = 0;
      for (std::size_t i = 0; i + 1 < P; ++i) text[r][n++] = prefix[i];
      if (r + 1 >= 10) text[r][n++] = static_cast<char>('0' + (r + 1) / 10);
      text[r][n++] = static_cast<char>('0' + (r + 1) % 10);
      for (std::size_t i = 0; i + 1 < S; ++i) text[r][n++] = suffix[i];
      length[r] = n;
    }
  }
  // Slot r = 0..max_ports - 1 (port r + 1).
  constexpr std::string_view operator[](int r) const { return {text[r], length[r]}; }
};

// "tau_syn[r]": the ports' time constants (parameters).
inline constexpr slot_names tau_syn_name("tau_syn[", "]");
// "E_rev[r]": the reversal potentials of a conductance-based multisynapse model's ports (parameters).
inline constexpr slot_names E_rev_name("E_rev[", "]");
// "tau_rise[r]", "tau_decay[r]": the beta-function ports' time constants (aeif_cond_beta_multisynapse).
inline constexpr slot_names tau_rise_name("tau_rise[", "]");
inline constexpr slot_names tau_decay_name("tau_decay[", "]");
// The per-port state variables, named as NEST's recordables: currents I_syn_r (and their
// derivatives dI_syn_r) of the current-based models, conductances g_r and dg_r of the
// conductance-based ones.
inline constexpr slot_names I_syn_name("I_syn_", "");
inline constexpr slot_names dI_syn_name("dI_syn_", "");
inline constexpr slot_names g_name("g_", "");
inline constexpr slot_names dg_name("dg_", "");

// The parameter table entries of one per-port list: slot 1 defaults to `first` (NEST's default list
// [first]), the others to NaN (no port).
template <std::size_t P, std::size_t S>
constexpr std::array<parameter_spec, max_ports> port_slots(const slot_names<P, S>& names, double first,
                                                           std::string_view unit, std::string_view doc) {
  std::array<parameter_spec, max_ports> out{};
  for (int r = 0; r < max_ports; ++r)
    out[r] = {names[r], r == 0 ? first : std::numeric_limits<double>::quiet_NaN(), unit, doc};
  return out;
}

// The state table entries of one per-port variable: its slots 1..max_ports, in `unit`, stored as
// the user sees them (no offset parameter), each naming its port (validate() refuses a non-zero
// initial value for a port the population does not have).
template <std::size_t P, std::size_t S>
constexpr std::array<state_spec, max_ports> port_states(const slot_names<P, S>& names, std::string_view unit) {
  std::array<state_spec, max_ports> out{};
  for (int r = 0; r < max_ports; ++r) out[r] = {names[r], unit, -1, r + 1};
  return out;
}

// A per-port list parameter of NEST's (tau_syn, E_rev) is given as one list [v1, v2, ...] for the
// population; slot r of list `list` is the parameter "<list>[r]" (r = 1..max_ports). The one
// lowering (initial_values.hpp) and validate() expand a list into its slots: a list name is any
// name whose slot "<list>[1]" is a parameter of the model.
inline std::string slot_name(std::string_view list, int r) { return std::string(list) + "[" + std::to_string(r) + "]"; }

// Checks the slots p[first .. first + max_ports) of the list that defines the ports (`list`, slot
// names `names`): the set ones (not NaN) lead, each > 0 and finite; "" or "<parameter>: problem".
template <std::size_t P, std::size_t S>
std::string check_ports(const double* p, int first, const slot_names<P, S>& names, std::string_view list) {
  bool gap = false;
  for (int r = 0; r < max_ports; ++r) {
    const double t = p[first + r];
    if (std::isnan(t)) {
      if (r == 0) return std::string(names[r]) + ": a neuron needs at least one port (" + std::string(list) + ": [..])";
      gap = true;
      continue;
    }
    if (gap)
      return std::string(names[r]) + ": set after an unset port (ports are " + std::string(names[0]) + " .. " +
             std::string(list) + "[n])";
    if (!(t > 0) || !std::isfinite(t)) return std::string(names[r]) + ": must be > 0 ms and finite";
  }
  return {};
}
inline std::string check_ports(const double* p, int first) { return check_ports(p, first, tau_syn_name, "tau_syn"); }

// Checks a second per-port list p[first .. first + max_ports) (slot names `names`, NEST's list
// `list`) against the ports p[port_first ..] of the list `port_list`: a port has both or neither
// (NEST: the lists have the same length).
template <std::size_t P, std::size_t S>
std::string check_same_ports(const double* p, int first, const slot_names<P, S>& names, std::string_view list,
                             int port_first, std::string_view port_list) {
  const std::string lists =
      " (give " + std::string(list) + " and " + std::string(port_list) + " as lists of equal length, as NEST)";
  for (int r = 0; r < max_ports; ++r) {
    const bool port = !std::isnan(p[port_first + r]), set = !std::isnan(p[first + r]);
    if (port && !set)
      return std::string(names[r]) + ": port " + std::to_string(r + 1) + " has " + std::string(port_list) + " but no " +
             std::string(list) + lists;
    if (set && !port)
      return std::string(names[r]) + ": set for port " + std::to_string(r + 1) + ", which has no " +
             std::string(port_list) + lists;
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

// The list whose set slots are a model's ports: `Model::port_list` where the model names one
// (aeif_cond_beta_multisynapse: "tau_decay"), else "tau_syn".
template <class Model>
constexpr std::string_view port_list_of() {
  if constexpr (requires { Model::port_list; })
    return Model::port_list;
  else
    return "tau_syn";
}

}  // namespace neuromesh

#pragma once
// stdp_nn_symm_synapse and stdp_nn_restr_synapse -- nearest-neighbour STDP as NEST 3.10's models of
// these names (Morrison, Diesmann & Gerstner 2008, Biol Cybern 98:459, fig. 7B and 7C). Weights,
// traces, delays and parameters are stdp_synapse's (stdp_synapse.hpp: facilitate and depress with
// lambda, alpha, mu_plus, mu_minus, Wmax; the whole delay dendritic); only the pairing differs --
// each spike pairs with the nearest spike of the other side, so the traces are reset to 1 at a
// spike instead of growing by 1. On a presynaptic spike at t_pre (previous one at t_last; 0 before
// the first -- NEST pairs the first spike's window with a presynaptic spike at t = 0):
//
// stdp_nn_symm_synapse (symmetric nearest-neighbour; fig. 7B):
//   for every postsynaptic spike t_post with t_last - d < t_post <= t_pre - d, in time order:
//     w <- facilitate(w, exp((t_last - (t_post + d)) / tau_plus))
//   w <- depress(w, exp((t_near - (t_pre - d)) / tau_minus))
//        (t_near: the last postsynaptic spike strictly before t_pre - d; no such spike: 0)
//
// stdp_nn_restr_synapse (presynaptic-centred, restricted symmetric; fig. 7C): only when some
// postsynaptic spike lies in (t_last - d, t_pre - d]:
//   w <- facilitate(w, exp((t_last - (t_first + d)) / tau_plus))   (t_first: the first of them)
//   w <- depress(w, exp((t_near - (t_pre - d)) / tau_minus))
// and nothing otherwise.
//
// The presynaptic trace is therefore always 1 at the last presynaptic spike, and the postsynaptic
// one is the distance to the nearest spike: the backend keeps stdp_synapse's state and reads the
// spike times (backends/cpu/src/stdp_rows.hpp).
#include <string_view>

#include <neuromesh/synapses/stdp_synapse.hpp>

namespace neuromesh {

struct stdp_nn_symm_synapse : stdp_synapse {
  static constexpr std::string_view name = "stdp_nn_symm";
  static constexpr std::string_view nest_name = "stdp_nn_symm_synapse";
  static constexpr stdp_pairing pairing = stdp_pairing::nearest_symmetric;
};

struct stdp_nn_restr_synapse : stdp_synapse {
  static constexpr std::string_view name = "stdp_nn_restr";
  static constexpr std::string_view nest_name = "stdp_nn_restr_synapse";
  static constexpr stdp_pairing pairing = stdp_pairing::nearest_restricted;
};

}  // namespace neuromesh

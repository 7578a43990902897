#pragma once
// parrot_neuron — repeats every incoming spike (NEST model of the same name,
// models/parrot_neuron.{h,cpp} in NEST 3.10): a spike source whose spikes are the spikes it
// receives, e.g. to turn a Poisson generator's independent streams into recordable, reusable
// spike trains, or to give a generator's spikes to plastic synapses.
//
// Semantics, as NEST's:
//   * n spikes arriving in a step (after their delays) make the parrot fire n spikes in that
//     same step (NEST: one event of multiplicity n, recorded n times and delivered with weight
//     times n); nothing else happens, there is no state besides that count.
//   * Weights are ignored: each synapse (and each spike of a poisson_generator) counts once,
//     whatever its weight or sign. The sign rule (backends/api sign_rule.cpp) gives every
//     projection and Poisson drive onto a parrot weight 1 on receptor 0; a projection given the
//     inhibitory receptor (NEST's port 1, whose spikes NEST ignores) and current stimuli are
//     refused, as is a plastic synapse onto a parrot (its learnt weight would be meaningless).
// The count reaches `step` as in_ex (receptor_kind::count: fixed-point sums of ones, exact); state
// `multiplicity` holds the last step's count, and the backends emit that many spikes
// (has_multiplicity in model.hpp), at most 2^24 - 1 per step.
#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

struct parrot_neuron {
  static constexpr std::string_view name = "parrot_neuron";
  static constexpr receptor_kind input = receptor_kind::count;
  static constexpr std::array<parameter_spec, 0> parameters{};
  enum var : int { multiplicity, n_state };
  static constexpr int multiplicity_state = multiplicity;
  static constexpr std::array<state_spec, n_state> state{{
      {"multiplicity", "spikes", -1},  // spikes emitted in the last step
  }};
  static constexpr std::size_t n_constants = 0;

  static std::string check(const double* /*p*/, double /*h*/) { return {}; }
  static void derive(const double* /*p*/, double /*h*/, double* /*k*/) {}
  static void initial_state(const double* /*p*/, double* x) { x[multiplicity] = 0.0; }

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* /*k*/, Real* x, Real in_ex, Real /*in_in*/,
                                                    Real /*i_stim*/) {
    const Real count = in_ex > Real(16777215) ? Real(16777215) : in_ex;
    const bool fire = count >= Real(1);
    const bool changed = count != x[multiplicity];
    x[multiplicity] = count;
    return step_result<DetectChange>(fire, changed);
  }
};

}  // namespace neuromesh

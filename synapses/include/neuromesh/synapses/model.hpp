#pragma once
// The synapse-model plug-in contract, the counterpart of neurons/model.hpp. A synapse model is a
// struct with static members only: descriptions of its parameters and per-synapse state, and
// NEUROMESH_INLINE_HOST_DEVICE functions the backends call while delivering a spike. Backends own
// all memory (core/synapse_store.hpp holds targets and weights per (projection, shard); plastic
// rules add their state columns beside them) and call one delivery function for every path --
// cpu rows, CUDA presynaptic / load-balanced / procedural / timing-mode launches:
//
//   deliver_segment<Synapse>(columns, begin, end, add)
//
// walks the synapses [begin, end) of one row segment (one source, one receptor, one delay) in row
// order and calls add(target, input) with the fixed-point input each synapse contributes. `add`
// is the backend's: a plain or saturating add into a ring-buffer slot on the cpu, an atomic add
// on a GPU. Row order is the defined order of per-synapse updates that plastic rules need
// (weights do not commute): one thread walks a segment, so the order is the same on every backend.
//
// Required members of a synapse model S (static_synapse.hpp is the complete example):
//   static constexpr std::string_view name;        // the name in JSON/CLI ("static")
//   static constexpr std::string_view nest_name;   // NEST's model name ("static_synapse")
//   static constexpr bool plastic;                 // weights change at run time
//   static constexpr std::array<synapse_parameter_spec, P> parameters;  // besides weight and delay
//   static constexpr std::array<synapse_state_spec, S> state;           // per-synapse state
//   static std::string check(const double* p);     // "" or "<parameter>: problem"
//   NEUROMESH_INLINE_HOST_DEVICE static fixed_t input(float weight);    // what a spike adds
// Plastic models (plastic = true) also give the update rules their backends call in row order
// (stdp_synapse.hpp); models with `short_term = true` keep state per source and scale the stored
// weights (tsodyks2_synapse.hpp, tsodyks_synapse.hpp: short_term_state, initial, on_spike);
// deliver_segment is the static path.
#include <array>
#include <cstdint>
#include <string_view>

#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/macros.hpp>
#include <neuromesh/core/synapse_store.hpp>

namespace neuromesh {

// A parameter of a synapse model other than weight and delay (e.g. tau_plus of STDP).
struct synapse_parameter_spec {
  std::string_view name;
  double default_value;
  std::string_view unit;
  std::string_view doc;
};

// A per-synapse state variable (stored in a column beside the weights).
struct synapse_state_spec {
  std::string_view name;
  std::string_view unit;
};

// The state per source of a short-term plasticity model (short_term = true): release probability
// u, recovered resources x, active resources y (tsodyks_synapse only), and whether the source has
// spiked yet.
struct short_term_state {
  double u = 0.0, x = 0.0, y = 0.0;
  bool spiked = false;
};

// What a spike transmits through a synapse of stored weight w when its source's short-term state
// gives the factor u x (tsodyks2_synapse, tsodyks_synapse; every backend).
NEUROMESH_INLINE_HOST_DEVICE fixed_t short_term_input(float weight, double factor) {
  return to_fixed(static_cast<double>(weight) * factor);
}

// The stored synapses of one projection as delivery reads them, in either backend's memory.
struct synapse_columns {
  const std::uint32_t* targets;  // per synapse: the engine's index of the target neuron
  const float* weights;          // per synapse; null when weights are shared (weight_storage::shared)
  float shared_weight;           // the one weight of every synapse when `weights` is null
};

// Delivers synapses [begin, end) of one row segment in row order: add(target, fixed-point input).
// The shared-weight case is a loop of its own, so the compiler keeps its input in a register.
template <class Synapse, class Add>
NEUROMESH_INLINE_HOST_DEVICE void deliver_segment(const synapse_columns& c, std::uint32_t begin, std::uint32_t end,
                                                  Add&& add) {
  const std::uint32_t* targets = c.targets;
  if (c.weights == nullptr) {
    const fixed_t w = Synapse::input(c.shared_weight);
    for (std::uint32_t k = begin; k < end; ++k) add(targets[k], w);
  } else {
    const float* weights = c.weights;
    for (std::uint32_t k = begin; k < end; ++k) add(targets[k], Synapse::input(weights[k]));
  }
}

}  // namespace neuromesh

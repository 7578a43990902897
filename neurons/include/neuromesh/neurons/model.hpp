#pragma once
// The neuron-model plug-in contract. A model is a struct with static members only (no state of its
// own): descriptions of its parameters and state variables, host-side validation and derivation of
// per-neuron constants (exact-integration propagators, computed once in double precision), and one
// NEUROMESH_INLINE_HOST_DEVICE `step` that advances one neuron by one time step using only
// +, -, *, / and in-project math (determinism contract rule 4). Backends own all memory: `step`
// receives a neuron's constants and state as small arrays and never allocates.
//
// Required members of a model M (see iaf_psc_exp.hpp for a complete example):
//   static constexpr std::string_view name;                 // NEST's model name
//   static constexpr receptor_kind input;                   // unit of synaptic weights
//   static constexpr std::array<parameter_spec, P> parameters;
//   static constexpr std::array<state_spec, S> state;       // internal representation
//   static constexpr std::size_t n_constants;               // per-neuron derived constants
//   static std::string check(const double* p, double h);    // "" or "<param>: problem"
//   static void derive(const double* p, double h, double* k);        // k[n_constants]
//   static void initial_state(const double* p, double* x);           // x[S], internal units
//   template <class Real, bool DetectChange = true> NEUROMESH_INLINE_HOST_DEVICE
//   static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim);
// `step` returns step_flags, built by step_result<DetectChange>(fire, changed). in_ex/in_in are this step's summed
// synaptic input per receptor (weights in the unit of `input`); i_stim is injected current [pA] (dc_source, closed
// loop).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <neuromesh/core/macros.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh {

// What a synaptic weight means to a model: a current jump [pA], a conductance jump [nS], a
// direct membrane potential jump [mV], or nothing: `count` models (parrot_neuron) count spikes,
// every synapse's weight is 1 (sign_rule.cpp).
enum class receptor_kind : std::uint8_t { current, conductance, voltage, count };

// One user-visible parameter: NEST's name, default value and unit.
struct parameter_spec {
  std::string_view name;
  double default_value;
  std::string_view unit;
  std::string_view doc;
};

// One state variable. Models may store a variable relative to a parameter (NEST stores V_m
// relative to E_L so that rest is exactly 0 and a resting neuron is an exact fixed point); the
// user-visible value is internal + parameters[offset_parameter] (no offset when -1). A variable of
// one receptor port (multisynapse.hpp: I_syn_3, g_3, dg_3) names its port, 1..max_ports; 0: none.
struct state_spec {
  std::string_view name;
  std::string_view unit;
  int offset_parameter = -1;
  int port = 0;
};

// Bits returned by step(): the neuron spiked; its state changed (used by the active set: a neuron
// whose state did not change with zero input is at its fixed point and can be skipped exactly).
// `deferred` comes only from an adaptive model's optional branch-free `lane_step` (see
// aeif_cond_exp.hpp): it did not take this step (state untouched), the caller runs `step`.
enum step_flags : unsigned { spiked = 1u, changed = 2u, deferred = 4u };

// Models with an adaptive integrator may offer, besides `step`, a branch-free
//   template <class Real, bool DetectChange> static unsigned lane_step(k, x, in_ex, in_in, i_stim);
// that takes the common case exactly as `step` would, so a vectorised loop can run it over all
// neurons and call `step` only for the deferred ones.
template <class Model, class Real>
concept has_lane_step = requires(const Real* k, Real* x, Real v) {
  {Model::template lane_step<Real, true>(k, x, v, v, v)};
};

// Models whose `step` is the branch-free pieces (hh_common.hpp: evolve_*) of an adaptive loop
// over a record of n_evolve() values, so a caller can run the tries of the neurons `lane_step`
// deferred side by side in lanes, with the same results as `step`.
template <class Model, class Real>
concept has_lane_evolve = has_lane_step<Model, Real> && requires(const Real* k, Real* x, Real* e, Real v) {
  {Model::template evolve_begin<Real>(k, x, v, e)};
  {Model::template evolve_try<Real>(k, e)};
  {Model::template evolve_done<Real>(k, e)};
  {Model::template evolve_finish<Real, true>(k, x, e, v, v)};
  {Model::n_evolve()};
};

// Models whose spikes carry a multiplicity (parrot_neuron): state variable
// `Model::multiplicity_state` holds how many spikes the neuron fired in its last step (>= 1 when
// `step` returned `spiked`), and the backends emit that many.
template <class Model>
concept has_multiplicity = requires {
  Model::multiplicity_state;
};

// The flags a step returns. With DetectChange = false (the backends' hot loop on steps that do
// not look for resting neurons) `changed` is dead code the compiler removes: measured 30 % of
// an iaf_cond_exp update in float.
template <bool DetectChange>
NEUROMESH_INLINE_HOST_DEVICE unsigned step_result(bool fire, bool changed) {
  return (fire ? spiked : 0u) | (DetectChange && changed ? step_flags::changed : 0u);
}

// Index of a parameter by name within a model's table, or -1.
template <std::size_t N>
constexpr int parameter_index(const std::array<parameter_spec, N>& table, std::string_view name) {
  for (std::size_t i = 0; i < N; ++i)
    if (table[i].name == name) return static_cast<int>(i);
  return -1;
}

// Number of whole steps in a refractory period, rounded up as NEST's Time(ms(t_ref)).get_steps()
// (t_ref = 2.04 ms at dt 0.1 -> 21 steps): the one time layer of core/time.hpp.
inline double refractory_steps(double t_ref_ms, double h) {
  return static_cast<double>(time_grid(h).duration_steps(t_ref_ms));
}

namespace detail {
// The tables `parts` one after the other (a model's parameter or state table from shared pieces).
template <class T, std::size_t... N>
constexpr std::array<T, (N + ...)> concat(const std::array<T, N>&... parts) {
  std::array<T, (N + ...)> out{};
  std::size_t i = 0;
  const auto append = [&](const auto& part) {
    for (const T& x : part) out[i++] = x;
  };
  (append(parts), ...);
  return out;
}

// Branch-free helpers the compiler turns into vector blends.
template <class Real>
NEUROMESH_INLINE_HOST_DEVICE Real select(bool c, Real a, Real b) {
  return c ? a : b;
}
template <class Real>
NEUROMESH_INLINE_HOST_DEVICE Real max(Real a, Real b) {
  return a > b ? a : b;
}
}  // namespace detail

}  // namespace neuromesh

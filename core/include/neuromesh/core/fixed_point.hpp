#pragma once
// Determinism contract rule 3: synaptic input is summed in 64-bit fixed point, so the sum does not
// depend on delivery order. One unit of the fixed-point scale is 2^-32 of the receptor's unit (pA,
// nS or mV): resolution 2.3e-10, range +-2^31 = +-2.1e9 receptor units per ring-buffer slot.
//
// Weights are stored as float32 (4 bytes per synapse); their fixed-point value is w * 2^32
// truncated toward zero. Multiplying by a power of two is exact, so this conversion is a pure
// function of the stored weight and identical on every backend.
//
// Range (issue 17 item 5; docs/architecture.md "The determinism contract"):
// - validate() refuses any synapse weight or Poisson weight whose magnitude can exceed
//   fixed_max_input (2^30 receptor units, 1.07e9: far beyond any biological weight), and a
//   Poisson generator whose expected per-step drive (mean + 10 sd of its count) x |weight| exceeds
//   it. So one input's fixed value stays below 2^62 and its conversion cannot overflow.
// - Many inputs in one slot can still add up beyond +-2^63 (huge fan-in, many Poisson events):
//   the ring buffer accumulates with add_saturating / scaled_saturating, which stop at the int64
//   limits instead of wrapping around (a wrapped sum flipped the sign: 3e9 mV drove V_m to
//   -2.1e9 mV). The cpu backend uses plain adds where a bound proves the sum stays below 2^63
//   (backends/cpu/src/shard.cpp: deliver_rows; neuron_group.hpp: add_poisson). Within one
//   receptor row all inputs have the same sign (the sign rule: inhibitory currents negative,
//   conductances and excitatory currents positive), and a saturating sum of same-signed terms is
//   min(limit, exact sum) in any order, so saturation keeps rule 3.
#include <cstdint>

#include <neuromesh/core/macros.hpp>

namespace neuromesh {

using fixed_t = std::int64_t;
inline constexpr double fixed_scale = 4294967296.0;            // 2^32
inline constexpr double fixed_resolution = 1.0 / fixed_scale;  // 2^-32

// Scaling a float by 2^32 in float is exact (no rounding), so this equals the double-precision
// conversion while avoiding a float -> double conversion per delivered synapse.
NEUROMESH_INLINE_HOST_DEVICE fixed_t to_fixed(float w) { return static_cast<fixed_t>(w * 4294967296.0f); }
NEUROMESH_INLINE_HOST_DEVICE fixed_t to_fixed(double w) { return static_cast<fixed_t>(w * fixed_scale); }
NEUROMESH_INLINE_HOST_DEVICE double from_fixed(fixed_t x) { return static_cast<double>(x) * fixed_resolution; }

// A slot's input in the state precision: one correctly rounded int64 -> Real conversion, then an
// exact scaling by 2^-32. (Not via double for float: that would round twice.) Same-width
// conversions also keep the cpu backend's vector loops free of mixed-width shuffles.
template <class Real>
NEUROMESH_INLINE_HOST_DEVICE Real fixed_to(fixed_t x) {
  return static_cast<Real>(x) * static_cast<Real>(fixed_resolution);
}

// The largest magnitude, in receptor units, validate() accepts for one input (a synapse weight
// or a Poisson generator's weight, and its expected drive per step).
inline constexpr double fixed_max_input = 1073741824.0;  // 2^30

inline constexpr fixed_t fixed_max = INT64_MAX;
inline constexpr fixed_t fixed_min = INT64_MIN;

// a + b, stopping at fixed_min / fixed_max instead of wrapping. Branch-free (the compiler emits a
// select), identical on host and device: the sum in unsigned arithmetic, an overflow exactly when
// both operands' signs differ from the result's.
NEUROMESH_INLINE_HOST_DEVICE fixed_t add_saturating(fixed_t a, fixed_t b) {
  const fixed_t s = static_cast<fixed_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
  const fixed_t limit = a < 0 ? fixed_min : fixed_max;
  return ((a ^ s) & (b ^ s)) < 0 ? limit : s;
}

// count * w (a Poisson count times a weight's fixed value), stopping at the int64 limits.
// `max_count` is max_count_for(w), computed once per generator, so no division per neuron.
NEUROMESH_INLINE_HOST_DEVICE std::uint64_t max_count_for(fixed_t w) {
  if (w == 0) return ~std::uint64_t{0};
  const std::uint64_t m = w < 0 ? static_cast<std::uint64_t>(-(w + 1)) + 1u : static_cast<std::uint64_t>(w);
  return static_cast<std::uint64_t>(fixed_max) / m;
}
NEUROMESH_INLINE_HOST_DEVICE fixed_t scaled_saturating(std::uint64_t count, fixed_t w, std::uint64_t max_count) {
  const fixed_t limit = w < 0 ? fixed_min : fixed_max;
  return count <= max_count ? static_cast<fixed_t>(count) * w : limit;
}

}  // namespace neuromesh

#pragma once
// Determinism contract rule 3: synaptic input is summed in 64-bit fixed point, so the sum does not
// depend on delivery order. One unit of the fixed-point scale is 2^-32 of the receptor's unit (pA,
// nS or mV): resolution 2.3e-10, range +-2.1e9 per ring-buffer slot.
//
// Weights are stored as float32 (4 bytes per synapse); their fixed-point value is w * 2^32
// truncated toward zero. Multiplying by a power of two is exact, so this conversion is a pure
// function of the stored weight and identical on every backend.
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

}  // namespace neuromesh

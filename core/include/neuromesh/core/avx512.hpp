#pragma once
// Hand-written AVX-512 kernels (host only): where GCC's vectoriser picks slow instructions for a
// hot loop (philox_lanes.hpp: vpmullq for a 32x32->64 multiply), a kernel is written with
// intrinsics under a target attribute -- compiled for AVX-512 in every translation unit whatever
// its -march, so all of them see one definition -- and taken only where the CPU has AVX-512
// (`cpu_has_avx512`). Each kernel has a portable twin giving the same bits, and tests compare them.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__)
#define NEUROMESH_AVX512_KERNELS 1
#include <immintrin.h>
#define NEUROMESH_AVX512_TARGET __attribute__((target("avx512f")))
#endif

namespace neuromesh {

// Whether this CPU runs AVX-512F (false where the kernels are not compiled).
inline bool cpu_has_avx512() {
#ifdef NEUROMESH_AVX512_KERNELS
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

}  // namespace neuromesh

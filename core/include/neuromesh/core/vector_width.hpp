#pragma once
// NEUROMESH_WIDE_VECTORS: a function vectorised at the CPU's full width.
// GCC on x86 picks 256-bit vectors even where the CPU has AVX-512 (-mprefer-vector-width=256 is
// its default for Intel): compute-bound loops (the neuron updates) ask for the full width
// (aeif_cond_exp's lane path, float: ~1.7x measured; the Poisson drive's Philox is written with
// intrinsics instead, core/avx512.hpp). Rounding does not
// depend on the width. noinline: inlined into its caller the loop is vectorised with the caller's
// preference (256 bits: iaf_cond_exp's update stayed on ymm registers). Where the build's -march
// has no AVX-512 the preference changes nothing; nvcc's host passes do not get it.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__CUDACC__)
#define NEUROMESH_WIDE_VECTORS __attribute__((noinline, target("prefer-vector-width=512")))
#else
#define NEUROMESH_WIDE_VECTORS
#endif

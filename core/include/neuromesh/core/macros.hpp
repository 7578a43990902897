#pragma once
// The one host/device annotation of the project (Kokkos style): shared neuron and synapse math is
// written once and compiled by g++ for the cpu backend and by nvcc for the CUDA backend.

#if defined(__CUDACC__) || defined(__HIPCC__)
#define NEUROMESH_HOST_DEVICE __host__ __device__
#else
#define NEUROMESH_HOST_DEVICE
#endif
// Always inlined: a model's step must be inlined into the backend's loop to vectorise, and GCC's
// heuristics otherwise give up on the larger models (measured: iaf_cond_exp<float> was called,
// not inlined, and ran 7x slower than double).
#if defined(__CUDACC__) || defined(__HIPCC__)
#define NEUROMESH_INLINE_HOST_DEVICE __forceinline__ NEUROMESH_HOST_DEVICE
#elif defined(__GNUC__) || defined(__clang__)
#define NEUROMESH_INLINE_HOST_DEVICE inline __attribute__((always_inline)) NEUROMESH_HOST_DEVICE
#else
#define NEUROMESH_INLINE_HOST_DEVICE inline NEUROMESH_HOST_DEVICE
#endif

#if defined(__GNUC__) || defined(__clang__)
#define NEUROMESH_RESTRICT __restrict__
#else
#define NEUROMESH_RESTRICT
#endif

// Fully unrolls a short loop over a model's constants, state components or receptor ports (a
// compile-time bound), so that the backend's loop over neurons around it stays one simple loop:
// GCC otherwise vectorises a model's loops of 16+ components on their own, and a loop nest with
// inner loops is not vectorised over neurons (measured: aeif_cond_alpha_multisynapse, 18
// components, ran scalar at 1.9 M updates/s). Unrolling reorders no arithmetic (no -ffast-math):
// the same bits. nvcc: `#pragma unroll` in device code (registers instead of local memory),
// nothing in its host pass.
#if defined(__CUDA_ARCH__)
#define NEUROMESH_UNROLL _Pragma("unroll")
#elif defined(__CUDACC__)
#define NEUROMESH_UNROLL
#else
#define NEUROMESH_UNROLL _Pragma("GCC unroll 32")
#endif

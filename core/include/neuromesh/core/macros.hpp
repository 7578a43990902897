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

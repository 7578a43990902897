#pragma once
// The one host/device annotation of the project (Kokkos style): shared neuron and synapse math is
// written once and compiled by g++ for the cpu backend and by nvcc for the CUDA backend.

#if defined(__CUDACC__) || defined(__HIPCC__)
#define NEUROMESH_HOST_DEVICE __host__ __device__
#else
#define NEUROMESH_HOST_DEVICE
#endif
#define NEUROMESH_INLINE_HOST_DEVICE inline NEUROMESH_HOST_DEVICE

#if defined(__GNUC__) || defined(__clang__)
#define NEUROMESH_RESTRICT __restrict__
#else
#define NEUROMESH_RESTRICT
#endif

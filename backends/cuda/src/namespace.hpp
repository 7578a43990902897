#pragma once
// The two builds of these sources live in different namespaces (neuromesh::cuda for nvcc,
// neuromesh::cuda_omp for Thrust-OMP), so one program can link both. CMake defines
// NEUROMESH_GPU_NS and NEUROMESH_GPU_BACKEND (the backend's name) per target.
#ifndef NEUROMESH_GPU_NS
#error "NEUROMESH_GPU_NS must be defined by the build (cuda or cuda_omp)"
#endif

#if !defined(__CUDACC__)
#include <omp.h>
#endif

#include <neuromesh/core/errors.hpp>
#include <neuromesh/cuda/cuda_engine.hpp>

#include <cstring>

#include "plasticity.hpp"
#include "runtime.hpp"

namespace neuromesh::NEUROMESH_GPU_NS {

void throw_api_error(const char* error, const char* call, const char* file, int line) {
  throw internal_error(std::string("CUDA error '") + error + "' in " + call + " at " + file + ":" +
                       std::to_string(line));
}

unsigned device_words::collect(const char* phase) {
  unsigned host[2] = {0u, 0u};
  copy_bytes(host, error(), sizeof host);
  if (host[0] == 0 && host[1] == 0) return 0;
  const unsigned zero[2] = {0u, 0u};
  copy_bytes(error(), zero, sizeof zero);
  if (host[0] & late_input)
    throw internal_error(std::string(NEUROMESH_GPU_BACKEND) + " backend: during " + phase +
                         ", device code reported input for a step already simulated (a delay shorter than the "
                         "chunk)");
  if (host[0] & plastic_order)
    throw internal_error(std::string(NEUROMESH_GPU_BACKEND) + " backend: during " + phase +
                         ", a spike reached plastic synapses after a later spike of its source (the update order "
                         "would depend on delivery order)");
  return host[1];
}

#if defined(__CUDACC__)

int device_count() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}

std::string device_problem(int device) {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess)
    return std::string("no usable CUDA driver or GPU (cudaGetDeviceCount: ") + cudaGetErrorString(e) +
           "); install the NVIDIA driver or use backend=\"cpu\"";
  if (n == 0) return "no CUDA GPU found; use backend=\"cpu\"";
  if (device < 0 || device >= n)
    return "CUDA device " + std::to_string(device) + " does not exist (this machine has " + std::to_string(n) + ")";
  return {};
}

std::string select_device(int device) {
  if (std::string problem = device_problem(device); !problem.empty()) throw backend_unavailable(problem);
  NEUROMESH_CUDA_CHECK(cudaSetDevice(device));
  cudaDeviceProp prop{};
  NEUROMESH_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return std::string(prop.name) + ", sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ", " +
         std::to_string(prop.totalGlobalMem >> 20) + " MiB";
}

void synchronize() { NEUROMESH_CUDA_CHECK(cudaDeviceSynchronize()); }
void use_host_threads(int) {}
std::size_t device_fill() { return 1024; }
void copy_bytes(void* dst, const void* src, std::size_t bytes) {
  if (bytes > 0) NEUROMESH_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDefault));
}

#else  // Thrust-OMP: the host is the device.

int device_count() { return 1; }
std::string device_problem(int) { return {}; }
std::string select_device(int) { return "host CPU (Thrust OpenMP device system)"; }
void synchronize() {}
void copy_bytes(void* dst, const void* src, std::size_t bytes) {
  if (bytes > 0) std::memcpy(dst, src, bytes);
}
std::size_t device_fill() { return static_cast<std::size_t>(omp_get_max_threads()); }
void use_host_threads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
}

#endif

}  // namespace neuromesh::NEUROMESH_GPU_NS

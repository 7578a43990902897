#pragma once
// The backend's contact with the CUDA runtime: device selection, the API error macro and the
// device error flag. This is the only part that differs between the two builds of the backend
// (nvcc: the CUDA runtime; Thrust-OMP: the host is the device and there is no runtime to call).
#include <cstdint>
#include <string>

#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform_scan.h>
#include <cuda/atomic>
#include <cuda/std/atomic>

#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/macros.hpp>

#include "namespace.hpp"

namespace neuromesh::NEUROMESH_GPU_NS {

// Throws internal_error naming the failed CUDA call, its error, file and line.
[[noreturn]] void throw_api_error(const char* error, const char* call, const char* file, int line);

#if defined(__CUDACC__)
// Every CUDA runtime call goes through this: a failure names the call, file and line.
#define NEUROMESH_CUDA_CHECK(call)                                                                           \
  do {                                                                                                       \
    const cudaError_t neuromesh_status_ = (call);                                                            \
    if (neuromesh_status_ != cudaSuccess)                                                                    \
      ::neuromesh::NEUROMESH_GPU_NS::throw_api_error(cudaGetErrorString(neuromesh_status_), #call, __FILE__, \
                                                     __LINE__);                                              \
  } while (0)
#endif

// Runs f(i) for i in [0, n) on the device. In the Thrust-OMP build the indices go in blocks of
// 256 to each thread, and each block is a plain loop the host compiler can vectorise (every
// launch here is free of loop-carried dependences, or uses atomics); a launch smaller than
// `serial_below` runs on the calling thread: an OpenMP parallel region costs microseconds, and
// milliseconds on an oversubscribed machine (libgomp's threads then sleep at once between
// regions; measured: Brunel with 2 OMP threads at load 7 on 2 cores ran 15x slower with a region
// per launch). Same results either way: every launch is order-independent.
struct launch_policy {
  std::uint64_t serial_below = 65536;  // OMP build only (gpu_preferences::host_serial_below)
  bool fuse_poisson = true;            // Poisson drive inside the update launch
};
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
// One block of a launch as a plain loop, kept out of line so that GCC vectorises it once per
// functor, with the functor's members as loop invariants.
template <class F>
__attribute__((noinline)) void run_block(const F f, std::uint64_t begin, std::uint64_t end) {
#pragma GCC ivdep
  for (std::uint64_t i = begin; i < end; ++i) f(i);
}
#endif

// Poisson drive fused into the update launch by default on a GPU (one launch fewer per step and
// population), separate in the OMP build (the update loop then vectorises).
constexpr bool default_fuse_poisson() {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
  return false;
#else
  return true;
#endif
}

// Rows in flight that keep the device busy (choose_delivery): 1024 on a GPU, the thread count in
// the OMP build.
std::size_t device_fill();

// Whether for_each_index(n, ...) runs on one thread only (never on a GPU). With one OpenMP thread
// a parallel launch would only add atomics (serial_below 0 still forces it, for tests).
inline bool runs_serially(const launch_policy& p, std::uint64_t n) {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
  return n < p.serial_below || (p.serial_below > 0 && device_fill() == 1);
#else
  (void)p;
  (void)n;
  return false;
#endif
}

template <class F>
void for_each_index(const launch_policy& p, std::uint64_t n, const F& f) {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
  constexpr std::uint64_t block = 256;
  if (runs_serially(p, n)) {
    run_block(f, 0, n);
    return;
  }
  thrust::for_each(thrust::device, thrust::counting_iterator<std::uint64_t>(0),
                   thrust::counting_iterator<std::uint64_t>((n + block - 1) / block), [&f, n](std::uint64_t b) {
                     run_block(f, b * block, b * block + block < n ? b * block + block : n);
                   });
#else
  (void)p;
  thrust::for_each(thrust::device, thrust::counting_iterator<std::uint64_t>(0),
                   thrust::counting_iterator<std::uint64_t>(n), f);
#endif
}

// out[i] = f(0) + ... + f(i) for i in [0, n) (an inclusive scan), on the calling thread when the
// launch policy says so (OMP build), else as one Thrust scan on the device.
template <class F>
void inclusive_scan_index(const launch_policy& p, std::uint64_t n, const F& f, std::uint64_t* out) {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
  if (runs_serially(p, n)) {
    std::uint64_t sum = 0;
    for (std::uint64_t i = 0; i < n; ++i) out[i] = sum += f(i);
    return;
  }
#endif
  (void)p;
  thrust::transform_inclusive_scan(thrust::device, thrust::counting_iterator<std::uint64_t>(0),
                                   thrust::counting_iterator<std::uint64_t>(n), thrust::device_pointer_cast(out), f,
                                   thrust::plus<std::uint64_t>());
}

// Plain copies between host and device memory (cudaMemcpy; memcpy in the OMP build, where the
// device's memory is the host's): the per-chunk transfers, without a Thrust algorithm (and, in the
// OMP build, an OpenMP parallel region) for a handful of bytes.
void copy_bytes(void* dst, const void* src, std::size_t bytes);

// A device vector's memory as a plain pointer (for kernels and copy_bytes).
template <class T>
T* raw(thrust::device_vector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}
template <class T>
const T* raw(const thrust::device_vector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}

// Makes `device` current; returns its description ("NVIDIA H100 80GB HBM3, sm_90, 79.1 GiB").
// Throws backend_unavailable when it cannot be used.
std::string select_device(int device);
// Thrust-OMP: the number of host threads the "device" uses (the simulation's thread count);
// nothing for a GPU.
void use_host_threads(int threads);
// Waits for the device's queued work (after kernels, before reading results).
void synchronize();

// Bits device code sets in the error flag (device code never throws; the host checks the flag
// after every epoch and throws internal_error naming what went wrong).
enum device_error : unsigned {
  late_input = 1u,  // input would land in a ring-buffer slot already consumed (delay < chunk)
};

// Two device words the host reads in one copy per chunk: the error flag (device code ORs bits
// in) and the chunk's spike counter (spike_sink).
class device_words {
 public:
  device_words() : words_(2, 0u) {}
  unsigned* error() { return thrust::raw_pointer_cast(words_.data()); }
  unsigned* count() { return thrust::raw_pointer_cast(words_.data()) + 1; }
  // Reads and clears both; throws internal_error when device code reported a problem during
  // `phase`. Returns the spike count.
  unsigned collect(const char* phase);

 private:
  thrust::device_vector<unsigned> words_;
};

// Sets bits in the error flag (from device code).
NEUROMESH_INLINE_HOST_DEVICE void raise(unsigned* flag, unsigned bits) {
  ::cuda::atomic_ref<unsigned, ::cuda::thread_scope_device>(*flag).fetch_or(bits, ::cuda::std::memory_order_relaxed);
}

// Adds v to a ring-buffer slot. Fixed point makes the sum independent of the order in which
// threads add (determinism contract rule 3), so a relaxed atomic is all that is needed.
// Adds v to a ring-buffer slot, saturating as add_saturating does (fixed_point.hpp) at the cost
// of one compare: the add that carries the sum past the int64 range sees the wrap and stores the
// limit. Every later add to the saturated slot wraps again and stores it again, so the final value
// is the limit whatever the order -- the cpu backend's min(limit, exact sum) for the same-signed
// inputs of one receptor row. In range, one plain atomic add as before.
NEUROMESH_INLINE_HOST_DEVICE void atomic_add(std::int64_t* slot, std::int64_t v) {
  ::cuda::atomic_ref<std::int64_t, ::cuda::thread_scope_device> ref(*slot);
  const std::int64_t old = ref.fetch_add(v, ::cuda::std::memory_order_relaxed);
  const auto sum = static_cast<std::int64_t>(static_cast<std::uint64_t>(old) + static_cast<std::uint64_t>(v));
  if (((old ^ sum) & (v ^ sum)) < 0) ref.store(v < 0 ? fixed_min : fixed_max, ::cuda::std::memory_order_relaxed);
}

}  // namespace neuromesh::NEUROMESH_GPU_NS

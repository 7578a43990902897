#pragma once
// The CUDA backend: the whole engine on one device, written once over Thrust and libcu++ and
// compiled twice (docs/cuda.md):
//   neuromesh::cuda      -- by nvcc, for NVIDIA GPUs (backend "cuda");
//   neuromesh::cuda_omp  -- by the host compiler against Thrust's OpenMP device system (backend
//                           "cuda-omp"): the same code run on the CPU, to test it without a GPU.
// Both give spike trains bit-identical to the cpu backend.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/synapse_store.hpp>

namespace neuromesh {

// How a projection's spikes reach their synapses (GeNN's PreSpan / load-balanced span).
enum class delivery_strategy {
  automatic,      // chosen per projection and epoch from row lengths and spike count (docs/cuda.md)
  presynaptic,    // one thread per spiking source row: cheap for short, even rows
  load_balanced,  // one thread per synapse of the epoch's spikes (scan + search): long/uneven rows
};

// Whether a projection's rows are kept in device memory or regenerated from the keyed streams
// for every spike (GeNN's procedural connectivity): ~0 bytes per synapse, more work per spike.
// Only connectors whose row of one source comes from that source's own streams can be
// regenerated: fixed_outdegree and one_to_one.
enum class connectivity_mode {
  stored,
  procedural,                 // config_error naming the projection if its connector cannot be
  procedural_if_regenerable,  // procedural where possible, stored elsewhere
};

// "stored", "procedural" or "procedural_if_regenerable"; config_error naming `where` otherwise.
inline connectivity_mode connectivity_mode_from_name(const std::string& name,
                                                     const std::string& where = "connectivity") {
  if (name == "stored") return connectivity_mode::stored;
  if (name == "procedural") return connectivity_mode::procedural;
  if (name == "procedural_if_regenerable") return connectivity_mode::procedural_if_regenerable;
  throw config_error(where,
                     "unknown connectivity '" + name + "' (known: stored, procedural, procedural_if_regenerable)");
}

// Backend preferences (GeNN's Preferences): not part of the network, they change speed only.
struct gpu_preferences {
  int device = 0;  // CUDA device index (ignored by cuda-omp)
  delivery_strategy delivery = delivery_strategy::automatic;
  std::vector<delivery_strategy> per_projection;  // overrides `delivery` for projection k when set
  // Unset: the environment variable NEUROMESH_CUDA_CONNECTIVITY (stored, procedural,
  // procedural_if_regenerable) when set, else stored. simulation_options::connectivity (CLI
  // --connectivity, Python connectivity=) sets it.
  std::optional<connectivity_mode> connectivity;
  std::vector<connectivity_mode> per_projection_connectivity;  // overrides `connectivity` when set
  // cuda-omp only: launches of fewer items run on the calling thread, not in an OpenMP parallel
  // region (whose cost dwarfs small launches, above all on a loaded machine); 0: always parallel.
  std::uint64_t host_serial_below = 65536;
  // Poisson drive inside the neuron update launch (unset: yes on a GPU, no in the OMP build,
  // whose update loop then vectorises). Same spikes either way.
  std::optional<bool> fuse_poisson;
};

// What a projection's automatic choice looks at (exposed for tests and benchmarks).
struct row_shape {
  double mean_length = 0;  // synapses per source row
  std::uint32_t max_length = 0;
};
// The automatic rule: load-balanced when rows are uneven (max > 4 mean + 32), or when the spikes
// of an epoch are too few to fill the device with rows that are long (spikes < fill and
// mean >= 64); presynaptic otherwise. `fill`: rows in flight that keep the device busy -- 1024 on
// a GPU, the number of threads in the OMP build (there, a thread per row is already balanced).
inline delivery_strategy choose_delivery(const row_shape& rows, std::size_t spikes_in_epoch, std::size_t fill = 1024) {
  const bool uneven = rows.max_length > 4.0 * rows.mean_length + 32.0;
  const bool few_long_rows = spikes_in_epoch < fill && rows.mean_length >= 64.0;
  return uneven || few_long_rows ? delivery_strategy::load_balanced : delivery_strategy::presynaptic;
}

namespace cuda {
// "" when `device` can run the engine, else why not (no driver, no GPU, no such device).
std::string device_problem(int device);
// Number of CUDA devices (0 when there is no usable driver).
int device_count();
// The engine on GPU prefs.device; backend_unavailable (naming the driver problem and suggesting
// backend="cpu") when there is none.
std::unique_ptr<engine> make_engine(engine_config cfg, const gpu_preferences& prefs = {});
// Projection k's synapses built as the engine builds them (on the device but for explicit lists),
// in row order (source, then delay, then target), copied back: for tests that compare them with
// the host builder's.
std::vector<synapse_store::entry> built_synapses(const network& net, std::size_t k);
}  // namespace cuda

namespace cuda_omp {
std::string device_problem(int device);  // always "" (the host is the device)
int device_count();                      // 1
std::unique_ptr<engine> make_engine(engine_config cfg, const gpu_preferences& prefs = {});
std::vector<synapse_store::entry> built_synapses(const network& net, std::size_t k);
}  // namespace cuda_omp

}  // namespace neuromesh

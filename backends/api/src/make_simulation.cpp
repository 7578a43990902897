#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>

#include <neuromesh/api.hpp>
#include <neuromesh/core/config.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/cpu/cpu_engine.hpp>
#include <neuromesh/synapses/registry.hpp>
#if NEUROMESH_WITH_CUDA_ENABLED
#include <neuromesh/cuda/cuda_engine.hpp>
#endif

namespace neuromesh {
namespace detail {
const std::vector<std::pair<std::string_view, std::string_view>>& builtin_network_sources();
std::unique_ptr<communicator> make_communicator(const simulation_options& opt);  // choose_communicator.cpp
void check_distribution_options(const simulation_options& opt);
}  // namespace detail

namespace {

// Issue 17 item 6: `--threads 100000` used to abort while starting the workers. A thread count is
// bounded by 4 x the cores (oversubscription beyond that only slows a run down) and by 1024.
void check_threads(const simulation_options& opt) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int limit = static_cast<int>(std::clamp(4u * cores, 4u, 1024u));
  if (opt.threads > limit)
    throw config_error("threads", std::to_string(opt.threads) + " threads is more than the limit of " +
                                      std::to_string(limit) + " (4 x the " + std::to_string(cores) +
                                      " cores of this machine, at most 1024); use threads=0 for one per core");
}

// The engine factory of a backend this build has (backend registry: add new backends here and in
// features()).
engine_factory factory_for(const simulation_options& opt) {
  const std::string& backend = opt.backend;
  if (backend == "cpu") {
    // The cpu backend regenerates conv2d projections only (procedural_if_regenerable, the default)
    // or stores every projection ("stored").
    const std::string& c = opt.connectivity;
    if (!c.empty() && c != "stored" && c != "procedural_if_regenerable")
      throw config_error("connectivity", "'" + c +
                                             "' is not a cpu backend choice: the cpu backend regenerates only "
                                             "conv2d projections and stores the others "
                                             "(procedural_if_regenerable, the default), or stores every "
                                             "projection (stored); 'procedural' applies to the cuda backends");
    const cpu::engine_options o{.stored_rows = c == "stored"};
    return [o](engine_config cfg) { return cpu::make_engine(std::move(cfg), o); };
  }
#if NEUROMESH_WITH_CUDA_ENABLED
  gpu_preferences prefs;
  prefs.device = opt.device;
  if (!opt.connectivity.empty()) prefs.connectivity = connectivity_mode_from_name(opt.connectivity);
  // "cuda" throws backend_unavailable naming the driver problem when there is no usable GPU.
  if (backend == "cuda") return [prefs](engine_config cfg) { return cuda::make_engine(std::move(cfg), prefs); };
  if (backend == "cuda-omp") return [prefs](engine_config cfg) { return cuda_omp::make_engine(std::move(cfg), prefs); };
#endif
  std::string known;
  for (const auto& b : features().backends) known += (known.empty() ? "" : ", ") + b;
  throw backend_unavailable("backend '" + backend + "' is not available in this build (available: " + known + ")");
}

}  // namespace

std::unique_ptr<simulation> make_simulation(network net, simulation_options opt) {
  std::unique_ptr<communicator> comm = detail::make_communicator(opt);
  // Under MPI every rank validates the same input: agree, so the error is reported once.
  std::exception_ptr failure;
  engine_factory factory;
  try {
    detail::check_distribution_options(opt);
    check_threads(opt);
    validate(net);
    // Refuse before building what cannot fit in host memory (the cuda backend stores its
    // synapses on the device). The cpu backend keeps static conv2d projections as plans unless
    // rows are asked for, where a rank's slices are contiguous (one rank, or block decomposition).
    const bool conv2d_plans = opt.backend == "cpu" && opt.connectivity != "stored" &&
                              (comm->size() == 1 || (opt.rank_of_gid.empty() && opt.decomposition == "block"));
    if (opt.backend != "cuda")
      check_memory(net, comm->size(),
                   opt.threads > 0 ? opt.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())),
                   conv2d_plans);
    net = resolve_receptors(std::move(net));
    factory = factory_for(opt);
  } catch (...) {
    failure = std::current_exception();
  }
  comm->agree(failure);
  // Construction ends within a block of synapses once the stop flag is set (SIGINT/SIGTERM in the
  // CLI, Ctrl-C in Python): the engines report progress per generated block, and this check
  // turns a set flag into `interrupted` (the cpu backend then abandons every shard's build).
  if (opt.stop)
    opt.build_progress = [stop = opt.stop, progress = std::move(opt.build_progress)](double f) {
      if (stop->load(std::memory_order_relaxed)) throw interrupted("interrupted while building the network");
      if (progress) progress(f);
    };
  return std::make_unique<simulation>(std::move(net), std::move(opt), factory, std::move(comm));
}

build_features features() {
  build_features f;
  f.backends = {"cpu"};
#if NEUROMESH_WITH_CUDA_ENABLED
  // Backends that can run here: "cuda" needs a GPU and driver (f.cuda says it is built).
  if (cuda::device_count() > 0) f.backends.push_back("cuda");
  f.backends.push_back("cuda-omp");
#endif
  f.cuda = config::with_cuda;
  f.mpi = config::with_mpi;
  f.python = config::with_python;
  f.version = config::version;
  return f;
}

std::vector<std::string> builtin_network_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : detail::builtin_network_sources()) names.emplace_back(name);
  return names;
}

network builtin_network(const std::string& name) {
  for (const auto& [n, text] : detail::builtin_network_sources())
    if (n == name) return parse_network_json(std::string(text), "builtin:" + name);
  std::string known;
  for (const auto& n : builtin_network_names()) known += (known.empty() ? "" : ", ") + n;
  throw config_error("network",
                     "no built-in network '" + name + "' (built-in: " + known + "; or give a path to a JSON file)");
}

network load_network(const std::string& name_or_path) {
  for (const auto& [n, text] : detail::builtin_network_sources())
    if (n == name_or_path) return builtin_network(name_or_path);
  if (name_or_path.ends_with(".nir"))  // HDF5, not JSON: the Python package reads it (docs/nir.md)
    throw config_error("network", "'" + name_or_path +
                                      "' is a NIR graph: the neuromesh command of the Python package runs it "
                                      "(pip install 'neuromesh[nir]'; neuromesh run " +
                                      name_or_path + " --dt MS --time-scale MS), or nm.nir.read (docs/nir.md)");
  if (std::filesystem::exists(name_or_path)) return load_network_file(name_or_path);
  std::string known;
  for (const auto& n : builtin_network_names()) known += (known.empty() ? "" : ", ") + n;
  throw config_error("network",
                     "'" + name_or_path + "' is neither a built-in network (" + known + ") nor an existing JSON file");
}

}  // namespace neuromesh

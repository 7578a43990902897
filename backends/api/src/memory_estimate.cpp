// Refuse before building (issue 17 item 3): a cheap estimate of the memory a network needs per
// rank, from the connectors' expected synapse counts (no synapse is generated), against the memory
// this process may use. make_simulation refuses what certainly cannot fit, with the estimate and
// advice in the error, instead of building for minutes and then failing (or being OOM-killed).
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <neuromesh/api.hpp>
#include <neuromesh/core/connectors.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/cpu/cpu_engine.hpp>
#include <neuromesh/synapses/registry.hpp>

namespace neuromesh {
namespace {

std::string bytes_text(double b) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (b >= 1024.0 && u < 6) b /= 1024.0, ++u;
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

// The first number of a file (cgroup limits), or -1 ("max", missing, unreadable).
double number_in_file(const char* path) {
  std::ifstream f(path);
  std::string word;
  if (!(f >> word) || word == "max") return -1;
  try {
    return std::stod(word);
  } catch (...) {
    return -1;
  }
}

// MemAvailable of /proc/meminfo in bytes, or -1.
double mem_available() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  double kib = 0;
  std::string unit;
  while (f >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024.0;
  return -1;
}

// Largest value a delay spec can take, in steps (for the ring buffer's depth).
double max_delay_steps(const value_spec& v, double dt) {
  double ms = 0;
  if (const double* x = std::get_if<double>(&v)) ms = *x;
  if (const auto* a = std::get_if<std::vector<double>>(&v))
    for (double x : *a) ms = std::max(ms, x);
  if (const auto* d = std::get_if<distribution>(&v))
    ms = std::isfinite(d->high) ? d->high : (d->type == distribution::kind::uniform ? d->b : d->a);
  return std::max(1.0, ms / dt + 1.0);
}

}  // namespace

memory_estimate estimate_memory(const network& net, int ranks, int threads, bool conv2d_plans) {
  memory_estimate e;
  ranks = std::max(1, ranks);
  threads = std::max(1, threads);
  double delay_steps = 1;
  for (std::size_t k = 0; k < net.projections.size(); ++k) {
    const projection& p = net.projections[k];
    const auto& post = net.populations[net.population_index(p.post, "projections[" + std::to_string(k) + "].post")];
    const auto [qb, qe] = view_of(p.post_view, post.size);
    const double n = expected_synapses_per_target(net, k) * static_cast<double>(qe - qb);
    e.synapses += n;
    // A conv2d plan (cpu backend, backends/cpu/src/conv_delivery.hpp): the bytes the engine
    // allocates and counts, once per shard (threads on every rank), none per synapse.
    if (const std::size_t plan = conv2d_plans ? cpu::conv2d_plan_bytes(net, k) : 0; plan > 0)
      e.synapse_bytes += static_cast<double>(plan) * threads * ranks;
    else  // 8 bytes per synapse (uint32 target + float weight); 4 when one weight is shared, by the
      // engines' rule (a conv2d kernel or sonata file gives each synapse its own weight;
      // docs/architecture.md "Synapse storage"; construction peaks at the same size).
      e.synapse_bytes += n * (weight_storage_of(p) == weight_storage::shared ? 4.0 : 8.0);
    delay_steps = std::max(delay_steps, max_delay_steps(p.delay, net.dt));
  }
  const double neurons = static_cast<double>(net.offsets().back());
  // Per neuron on its rank: state and parameters (about 64 bytes), two receptor rows of 8-byte
  // fixed-point ring-buffer slots per delay step; per shard, one uint32 row offset per source.
  e.neuron_bytes = neurons / ranks * (64.0 + 16.0 * delay_steps) + neurons * 4.0 * threads;
  e.per_rank_bytes = e.synapse_bytes / ranks + e.neuron_bytes;
  return e;
}

memory_limit available_memory() {
  memory_limit m;
  const auto consider = [&](double bytes, const char* source) {
    if (bytes > 0 && (m.bytes < 0 || bytes < m.bytes)) m.bytes = bytes, m.source = source;
  };
  consider(number_in_file("/sys/fs/cgroup/memory.max"), "cgroup memory.max");
  const double v1 = number_in_file("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  if (v1 < 9e18) consider(v1, "cgroup memory.limit_in_bytes");
  rlimit rl{};
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    consider(static_cast<double>(rl.rlim_cur), "RLIMIT_AS (ulimit -v)");
  consider(mem_available(), "MemAvailable in /proc/meminfo");
  return m;
}

void check_memory(const network& net, int ranks, int threads, bool conv2d_plans) {
  const memory_limit avail = available_memory();
  if (avail.bytes < 0) return;  // nothing known: build and see
  const memory_estimate e = estimate_memory(net, ranks, threads, conv2d_plans);
  if (e.per_rank_bytes <= avail.bytes) return;
  std::ostringstream msg;
  msg.precision(3);
  msg << "the network needs about " << bytes_text(e.per_rank_bytes) << " per process (" << e.synapses
      << " synapses: " << bytes_text(e.synapse_bytes) << " in all, over " << ranks << (ranks == 1 ? " rank" : " ranks")
      << "; neurons and input buffers: " << bytes_text(e.neuron_bytes) << "), but only " << bytes_text(avail.bytes)
      << " is available (" << avail.source
      << "); refused before building. Use fewer synapses (smaller populations, lower p or n), "
         "more MPI ranks on more machines (mpirun -n N, docs/mpi.md), or a machine with more memory";
  throw config_error("memory", msg.str());
}

}  // namespace neuromesh

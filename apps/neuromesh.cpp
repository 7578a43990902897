// neuromesh — command-line front end.
//   neuromesh run NETWORK [--duration MS] [--dt MS] [--threads N] [--seed S] [-o OUT.h5] [--double]
//   mpirun -n 4 neuromesh run NETWORK [--exchange targeted|allgather] [--decomposition block|round-robin]
//   neuromesh run NETWORK ... [--checkpoint-every MS [--checkpoint PATH]] [--resume CHECKPOINT]
//   neuromesh info OUT.h5
//   neuromesh list
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_reader.hpp>
#include <neuromesh/neurons/registry.hpp>
#include <neuromesh/run.hpp>
#include <neuromesh/synapses/registry.hpp>

#include "progress_bar.hpp"

namespace {

std::atomic<bool> stop_requested{false};
// Set once make_simulation has agreed on errors across ranks: from then on a rank that throws is
// the only one that does, and prints its message itself.
bool agreed_error = false;
extern "C" void on_signal(int) { stop_requested.store(true); }

const char* usage =
    "usage:\n"
    "  neuromesh run NETWORK [--duration MS] [--dt MS] [--threads N] [--seed S] [-o OUT.h5] [--double] [--quiet]\n"
    "      NETWORK: a JSON network file (docs/network-format.md) or a built-in name\n"
    "      [--backend cpu|cuda|cuda-omp] [--device N]: engine (see 'neuromesh list'; cuda: GPU N, docs/cuda.md)\n"
    "      [--connectivity stored|procedural|procedural_if_regenerable]: cuda backends: synapse rows kept\n"
    "       in device memory or regenerated per spike (fixed_outdegree, one_to_one); cpu: conv2d\n"
    "       projections regenerated (procedural_if_regenerable, the default) or stored too (stored)\n"
    "      under mpirun: [--exchange targeted|allgather] [--decomposition block|round-robin] (docs/mpi.md)\n"
    "      [--hardware HW [--placement sequential|random|energy-aware] [--objective energy|traffic]\n"
    "       [--placement-seed S] [--profile MS]\n"
    "       [--chips XxY] [--routing multicast|unicast|single_destination] [--splitters] [--energy-json PATH]\n"
    "       [--energy-detail]]  (detail: link serialisation in the step time, per-link packets per time bin)\n"
    "      HW: a hardware preset (loihi, loihi-measured, spinnaker, spinnaker2, truenorth) or a JSON file;\n"
    "      prints the energy table and adds /energy to OUT.h5 (docs/routing.md)\n"
    "      [--write-synapses plastic|all|none]: synapses written to OUT.h5 as SONATA edges when the run ends\n"
    "       (default plastic: the projections that learn; docs/plasticity.md)\n"
    "      [--record-weights K[,K...]]: NEST's weight_recorder on every synapse of plastic projection K (index\n"
    "       in the network file) into OUT.h5 /weights/<pre>_to_<post> (docs/plasticity.md)\n"
    "      [--checkpoint-every MS [--checkpoint PATH]]: save the state every MS ms of simulated time to PATH\n"
    "       (default OUT.h5.ckpt, else neuromesh.ckpt), atomically; [--resume CHECKPOINT]: continue from it\n"
    "       with the same command line (network, dt, seed, --double; any --threads or mpirun -n): runs on to\n"
    "       --duration and continues OUT.h5 (docs/reliability.md)\n"
    "      [--timing delay|drop [--link-capacity PACKETS_PER_STEP] [--step-time-us US] [--no-reference]]\n"
    "       timing mode: links forward a limited number of packets per step; late (delay) or lost (drop)\n"
    "       packets change what the network receives; compared with an ideal run made first; adds /timing\n"
    "  neuromesh map NETWORK --hardware HW [--placement ...] [--objective energy|traffic] [--placement-seed S]\n"
    "      [--profile MS] [--chips XxY]\n"
    "      [--routing MODE] [--splitters] [--json PATH]   place and route without simulating\n"
    "  neuromesh info OUT.h5     summarise an output file\n"
    "  neuromesh list            list built-in networks, neuron and synapse models\n";

struct run_args {
  std::string network;
  std::map<std::string, std::string> opts;
  bool dbl = false, quiet = false;
};

run_args parse_run_args(int argc, char** argv) {
  run_args a;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--double")
      a.dbl = true;
    else if (arg == "--splitters" || arg == "--energy-detail" || arg == "--no-reference")
      a.opts[arg] = "1";
    else if (arg == "--hardware" || arg == "--placement" || arg == "--objective" || arg == "--placement-seed" ||
             arg == "--profile" || arg == "--chips" || arg == "--routing" || arg == "--energy-json" ||
             arg == "--json" || arg == "--timing" || arg == "--link-capacity" || arg == "--step-time-us") {
      if (i + 1 >= argc) throw neuromesh::config_error(arg, "needs a value");
      a.opts[arg] = argv[++i];
    } else if (arg == "--quiet")
      a.quiet = true;
    else if (arg == "-o" || arg == "--output" || arg == "--duration" || arg == "--dt" || arg == "--threads" ||
             arg == "--seed" || arg == "--exchange" || arg == "--decomposition" || arg == "--backend" ||
             arg == "--device" || arg == "--connectivity" || arg == "--checkpoint-every" || arg == "--checkpoint" ||
             arg == "--resume" || arg == "--write-synapses" || arg == "--record-weights") {
      if (i + 1 >= argc) throw neuromesh::config_error(arg, "needs a value");
      a.opts[arg == "-o" ? "--output" : arg] = argv[++i];
    } else if (!arg.empty() && arg[0] == '-') {
      throw neuromesh::config_error(arg, "unknown option (see 'neuromesh --help')");
    } else if (a.network.empty()) {
      a.network = arg;
    } else {
      throw neuromesh::config_error(arg, "unexpected argument; give one NETWORK");
    }
  }
  if (a.network.empty())
    throw neuromesh::config_error("NETWORK", "missing; give a JSON file or a built-in name (see 'neuromesh list')");
  return a;
}

// --record-weights K[,K...]: a weight recorder on every synapse of projection K (the network's
// own "weight_recorders" choose pre and post ids).
std::vector<std::size_t> weight_recorder_args(const std::string& list) {
  std::vector<std::size_t> out;
  std::size_t at = 0;
  while (at <= list.size()) {
    const std::size_t end = std::min(list.find(',', at), list.size());
    const std::string item = list.substr(at, end - at);
    std::size_t used = 0;
    unsigned long k = 0;
    try {
      k = std::stoul(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size())
      throw neuromesh::config_error("--record-weights", "'" + item + "' is not a projection index (0, 1, ...)");
    out.push_back(k);
    at = end + 1;
  }
  return out;
}

double number_option(const run_args& a, const std::string& key, double fallback) {
  auto it = a.opts.find(key);
  if (it == a.opts.end()) return fallback;
  try {
    std::size_t used = 0;
    const double v = std::stod(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    throw neuromesh::config_error(key, "'" + it->second + "' is not a number");
  }
}

void print_summary(const neuromesh::simulation& sim, const std::string& output) {
  const auto& s = sim.summary();
  const auto& net = sim.description();
  std::printf("\nnetwork %s: %llu neurons, %llu synapses (%.2f bytes/synapse)\n", net.name.c_str(),
              static_cast<unsigned long long>(s.neurons), static_cast<unsigned long long>(s.synapses),
              s.bytes_per_synapse);
  std::printf("%-16s %10s %12s\n", "population", "spikes", "rate [Hz]");
  for (std::size_t p = 0; p < net.populations.size(); ++p) {
    const auto label = net.populations[p].label.c_str();
    const auto spikes = static_cast<unsigned long long>(s.spikes_per_population[p]);
    const auto recorded = static_cast<unsigned long long>(s.recorded_neurons[p]);
    if (recorded == 0)
      std::printf("%-16s %10s %12s  (spikes not recorded)\n", label, "-", "-");
    else if (recorded < net.populations[p].size)  // rate over the recorded neurons, as `neuromesh info`
      std::printf("%-16s %10llu %12.3f  (%llu of %llu neurons recorded)\n", label, spikes, s.rate_hz(p), recorded,
                  static_cast<unsigned long long>(net.populations[p].size));
    else
      std::printf("%-16s %10llu %12.3f\n", label, spikes, s.rate_hz(p));
  }
  std::printf("construction %.3f s, simulation %.3f s for %.1f ms (real-time factor %.3f)\n", s.build_seconds,
              s.simulate_seconds, s.simulated_ms, s.real_time_factor());
  if (sim.ranks() > 1)
    std::printf(
        "MPI: %d ranks, %s decomposition, %s exchange: %.1f kB of spikes sent in all (%.1f kB/rank/s); "
        "rank 0 spent %.3f s in exchange\n",
        sim.ranks(), sim.decomposition().name().c_str(), sim.communication_strategy().c_str(), s.exchange_bytes / 1e3,
        s.simulated_ms > 0 ? s.exchange_bytes / 1e3 / sim.ranks() / (s.simulated_ms * 1e-3) : 0.0, s.exchange_seconds);
  if (!output.empty()) std::printf("output: %s  (inspect with: neuromesh info %s)\n", output.c_str(), output.c_str());
}

// A non-negative integer option (--seed, --placement-seed), if given.
std::optional<std::uint64_t> count_option(const run_args& a, const std::string& key) {
  if (!a.opts.count(key)) return std::nullopt;
  const double v = number_option(a, key, 0);
  if (v < 0 || v != static_cast<double>(static_cast<std::uint64_t>(v)))
    throw neuromesh::config_error(key, "must be a non-negative integer");
  return static_cast<std::uint64_t>(v);
}

// --hardware and friends (docs/routing.md); the placement seed is --placement-seed's.
neuromesh::hardware_options hardware_args(const run_args& a) {
  neuromesh::hardware_options h;
  h.hardware = a.opts.at("--hardware");
  if (a.opts.count("--placement")) h.placement = a.opts.at("--placement");
  if (a.opts.count("--objective")) h.objective = a.opts.at("--objective");
  h.profile_ms = number_option(a, "--profile", h.profile_ms);
  if (a.opts.count("--routing")) h.routing = a.opts.at("--routing");
  h.splitters = a.opts.count("--splitters") > 0;
  h.threads = static_cast<int>(number_option(a, "--threads", 0));
  if (a.opts.count("--chips")) {
    const std::string c = a.opts.at("--chips");
    unsigned x = 0, y = 0;
    char sep = 0, extra = 0;
    if (std::sscanf(c.c_str(), "%u%c%u%c", &x, &sep, &y, &extra) != 3 || sep != 'x' || !x || !y)
      throw neuromesh::config_error("--chips", "'" + c + "' is not XxY with positive X and Y (e.g. 2x2)");
    h.chips_x = x, h.chips_y = y;
  }
  return h;
}

int command_map(int argc, char** argv) {
  const run_args a = parse_run_args(argc, argv);
  if (!a.opts.count("--hardware")) throw neuromesh::config_error("--hardware", "map needs a hardware preset or file");
  const neuromesh::network net = neuromesh::load_network(a.network);
  neuromesh::hardware_options h = hardware_args(a);
  h.seed = count_option(a, "--placement-seed").value_or(net.seed);  // default: the network's seed
  const auto m = neuromesh::map_to_hardware(net, h);
  if (!a.quiet) std::printf("%s", neuromesh::routing::describe(*m).c_str());
  if (a.opts.count("--json")) {
    std::FILE* f = std::fopen(a.opts.at("--json").c_str(), "w");
    if (!f) throw neuromesh::io_error(a.opts.at("--json"), "cannot write");
    const std::string text = neuromesh::routing::mapping_json(*m);
    std::fwrite(text.data(), 1, text.size(), f);
    if (std::fclose(f) != 0) throw neuromesh::io_error(a.opts.at("--json"), "writing failed");
  }
  return 0;
}

// The command line as typed run options; run() checks them against each other.
neuromesh::run_options run_options_of(const run_args& a) {
  neuromesh::run_options o;
  o.names = neuromesh::option_names::cli;
  auto text = [&](const char* key, std::string& field) {
    if (a.opts.count(key)) field = a.opts.at(key);
  };
  auto optional_number = [&](const char* key) -> std::optional<double> {
    if (!a.opts.count(key)) return std::nullopt;
    return number_option(a, key, 0);
  };
  o.duration_ms = optional_number("--duration");
  o.dt = optional_number("--dt");
  o.seed = count_option(a, "--seed");
  text("--backend", o.backend);
  o.threads = static_cast<int>(number_option(a, "--threads", 0));
  o.prec = a.dbl ? neuromesh::precision::double_precision : neuromesh::precision::single;
  o.device = static_cast<int>(number_option(a, "--device", 0));
  text("--connectivity", o.connectivity);
  text("--exchange", o.exchange);
  text("--decomposition", o.decomposition);
  text("--output", o.output);
  text("--write-synapses", o.write_synapses);
  if (a.opts.count("--record-weights")) o.record_weights = weight_recorder_args(a.opts.at("--record-weights"));
  o.checkpoint_every_ms = optional_number("--checkpoint-every");
  text("--checkpoint", o.checkpoint);
  text("--resume", o.resume);
  if (a.opts.count("--hardware")) {
    o.hardware = hardware_args(a);
    o.placement_seed = count_option(a, "--placement-seed");
  }
  o.energy_detail = a.opts.count("--energy-detail") > 0;
  text("--energy-json", o.energy_json);
  text("--timing", o.timing);
  o.link_capacity = optional_number("--link-capacity");
  o.step_time_us = optional_number("--step-time-us");
  o.timing_reference = a.opts.count("--no-reference") == 0;
  return o;
}

int command_run(int argc, char** argv) {
  const run_args a = parse_run_args(argc, argv);
  neuromesh::network net = neuromesh::load_network(a.network);
  neuromesh::run_options o = run_options_of(a);
  o.stop = &stop_requested;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const bool root = neuromesh::launcher_rank() == 0;  // under mpirun only rank 0 talks
  const std::string name = net.name;
  std::unique_ptr<neuromesh::cli::progress_bar> bar;
  neuromesh::run_callbacks cb;
  cb.begin = [&](neuromesh::run_stage s, double) {
    if (s == neuromesh::run_stage::build) {
      agreed_error = true;  // make_simulation reports a failure on exactly one rank
      if (!a.quiet && root) std::fprintf(stderr, "building %s ...\n", name.c_str());
      bar = std::make_unique<neuromesh::cli::progress_bar>("building  ");
    } else if (s == neuromesh::run_stage::reference) {
      if (!a.quiet && root) std::fprintf(stderr, "ideal reference run (no link limits) ...\n");
      bar = std::make_unique<neuromesh::cli::progress_bar>("reference ");
    } else {
      bar = std::make_unique<neuromesh::cli::progress_bar>("simulating");  // same width as "building  "
    }
  };
  cb.progress = [&](neuromesh::run_stage s, double f) {
    if (bar && (root || s == neuromesh::run_stage::build)) bar->update(f);
  };
  cb.end = [&](neuromesh::run_stage) {
    if (bar) bar->finish();
    bar.reset();
  };
  const neuromesh::run_result r = neuromesh::run(std::move(net), o, cb);
  if (a.quiet || r.sim->rank() != 0) return 0;
  print_summary(*r.sim, o.output);
  if (r.energy) std::printf("%s", r.energy->report().table().c_str());
  if (r.timing) std::printf("%s", r.timing->report().table().c_str());
  return 0;
}

int command_list() {
  std::printf("backends:");
  for (const auto& b : neuromesh::features().backends) std::printf(" %s", b.c_str());
  std::printf("\n");
  std::printf("built-in networks:\n");
  for (const auto& n : neuromesh::builtin_network_names()) std::printf("  %s\n", n.c_str());
  std::printf("hardware presets (--hardware):");
  for (const auto& n : neuromesh::hardware_preset_names()) std::printf(" %s", n.c_str());
  std::printf("\n");
  std::printf("models:\n");
  for (const auto& m : neuromesh::all_models()) {
    std::printf("  %s:", std::string(m.name).c_str());
    for (const auto& p : m.parameters) std::printf(" %s[%s]", std::string(p.name).c_str(), std::string(p.unit).c_str());
    std::printf("\n");
  }
  std::printf("synapse models (JSON \"model\", or NEST's name; parameters beside weight and delay):\n");
  for (const auto& s : neuromesh::all_synapse_models()) {
    std::printf("  %s (%s):", std::string(s.name).c_str(), std::string(s.nest_name).c_str());
    for (const auto& p : s.parameters)
      std::printf(" %s=%g[%s]", std::string(p.name).c_str(), p.default_value, std::string(p.unit).c_str());
    std::printf("\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  try {
    if (cmd == "run") return command_run(argc, argv);
    if (cmd == "map") return command_map(argc, argv);
    if (cmd == "info") {
      if (argc != 3) throw neuromesh::config_error("info", "give exactly one output file: neuromesh info OUT.h5");
      std::cout << neuromesh::io::describe_file(argv[2]);
      return 0;
    }
    if (cmd == "list") return command_list();
    if (cmd == "--version") return std::printf("neuromesh %s\n", neuromesh::features().version.c_str()), 0;
    if (cmd == "-h" || cmd == "--help" || cmd == "help") return std::printf("%s", usage), 0;
    std::fprintf(stderr, "neuromesh: unknown command '%s'\n%s", cmd.c_str(), usage);
    return 2;
  } catch (const neuromesh::peer_failure&) {
    return 1;  // another rank failed and printed why
  } catch (const neuromesh::interrupted& e) {
    if (neuromesh::launcher_rank() == 0)
      std::fprintf(stderr, "\nneuromesh: %s\n", e.what());  // every rank stops at once
    return 130;
  } catch (const neuromesh::error& e) {
    if (neuromesh::launcher_rank() == 0 || neuromesh::launcher_process_count() <= 1 || agreed_error)
      std::fprintf(stderr, "neuromesh: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "neuromesh: out of memory; try fewer neurons or synapses, or more machines\n");
    return 1;
  }
}

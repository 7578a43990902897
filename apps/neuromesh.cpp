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
#include <string>
#include <vector>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_reader.hpp>
#include <neuromesh/core/routing/rank_mapping.hpp>
#include <neuromesh/neurons/registry.hpp>

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
    "       in device memory or regenerated per spike (fixed_outdegree, one_to_one)\n"
    "      under mpirun: [--exchange targeted|allgather] [--decomposition block|round-robin] (docs/mpi.md)\n"
    "      [--hardware HW [--placement sequential|random|energy-aware] [--objective energy|traffic]\n"
    "       [--placement-seed S] [--profile MS]\n"
    "       [--chips XxY] [--routing multicast|unicast|single_destination] [--splitters] [--energy-json PATH]\n"
    "       [--energy-detail]]  (detail: link serialisation in the step time, per-link packets per time bin)\n"
    "      HW: a hardware preset (loihi, loihi-measured, spinnaker, spinnaker2, truenorth) or a JSON file;\n"
    "      prints the energy table and adds /energy to OUT.h5 (docs/routing.md)\n"
    "      [--write-synapses plastic|all|none]: synapses written to OUT.h5 as SONATA edges when the run ends\n"
    "       (default plastic: the projections that learn; docs/plasticity.md)\n"
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
    "  neuromesh list            list built-in networks and neuron models\n";

// This process's rank as the MPI launcher numbered it (0 without a launcher): before a simulation
// exists, every rank sees the same input, so only rank 0 reports.
int launcher_rank() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"})
    if (const char* v = std::getenv(var)) return std::atoi(v);
  return 0;
}

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
             arg == "--resume" || arg == "--write-synapses") {
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

// --hardware and friends (docs/routing.md); placement seed defaults to the network's seed.
neuromesh::hardware_options hardware_args(const run_args& a, const neuromesh::network& net) {
  neuromesh::hardware_options h;
  h.hardware = a.opts.at("--hardware");
  if (a.opts.count("--placement")) h.placement = a.opts.at("--placement");
  if (a.opts.count("--objective")) h.objective = a.opts.at("--objective");
  const double seed = number_option(a, "--placement-seed", static_cast<double>(net.seed));
  if (seed < 0 || seed != static_cast<double>(static_cast<std::uint64_t>(seed)))
    throw neuromesh::config_error("--placement-seed", "must be a non-negative integer");
  h.seed = static_cast<std::uint64_t>(seed);
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
  const auto m = neuromesh::map_to_hardware(net, hardware_args(a, net));
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

// --timing and friends (docs/routing.md, "Timing mode").
neuromesh::routing::timing_options timing_args(const run_args& a) {
  neuromesh::routing::timing_options t;
  if (!a.opts.count("--timing")) {
    for (const char* k : {"--link-capacity", "--step-time-us", "--no-reference"})
      if (a.opts.count(k)) throw neuromesh::config_error(k, "only applies with --timing delay|drop");
    return t;
  }
  if (!a.opts.count("--hardware"))
    throw neuromesh::config_error("--timing", "needs --hardware HW: the chip whose links are modelled");
  t.mode = neuromesh::routing::timing_mode_from_name(a.opts.at("--timing"), "--timing");
  t.packets_per_step = number_option(a, "--link-capacity", 0);
  t.step_seconds = number_option(a, "--step-time-us", 0) * 1e-6;
  return t;
}

// --checkpoint-every, --checkpoint, --resume (docs/reliability.md, "Checkpoint and restart").
void checkpoint_args(const run_args& a, neuromesh::simulation_options& opt) {
  const bool any = a.opts.count("--checkpoint-every") || a.opts.count("--resume");
  if (a.opts.count("--checkpoint") && !a.opts.count("--checkpoint-every"))
    throw neuromesh::config_error("--checkpoint", "only applies with --checkpoint-every MS");
  if (any && a.opts.count("--hardware"))
    throw neuromesh::config_error(a.opts.count("--resume") ? "--resume" : "--checkpoint-every",
                                  "checkpoints do not save the hardware model's accounting (--hardware); run "
                                  "without --hardware (map the network with 'neuromesh map')");
  if (a.opts.count("--checkpoint-every")) {
    opt.checkpoint_every_ms = number_option(a, "--checkpoint-every", 0);
    if (!(opt.checkpoint_every_ms > 0))
      throw neuromesh::config_error("--checkpoint-every", "must be a time > 0 ms on the dt grid");
  }
  if (a.opts.count("--checkpoint")) opt.checkpoint = a.opts.at("--checkpoint");
  if (a.opts.count("--resume")) opt.resume = a.opts.at("--resume");
}

// The ideal run the timing mode is compared with: the same network without the timing model.
std::vector<neuromesh::spike> ideal_spikes(const neuromesh::network& net, neuromesh::simulation_options opt,
                                           double duration, bool root, bool quiet) {
  opt.output.clear();
  opt.keep_spikes_in_memory = true;
  opt.build_progress = {};
  if (!quiet && root) std::fprintf(stderr, "ideal reference run (no link limits) ...\n");
  auto ref = neuromesh::make_simulation(net, opt);
  neuromesh::cli::progress_bar bar("reference ");
  ref->run(duration, root ? neuromesh::progress_callback([&](double f) { bar.update(f); }) : nullptr);
  bar.finish();
  return ref->spikes();
}

int command_run(int argc, char** argv) {
  const run_args a = parse_run_args(argc, argv);
  neuromesh::network net = neuromesh::load_network(a.network);
  net.dt = number_option(a, "--dt", net.dt);
  const double seed = number_option(a, "--seed", static_cast<double>(net.seed));
  if (seed < 0 || seed != static_cast<double>(static_cast<std::uint64_t>(seed)))
    throw neuromesh::config_error("--seed", "must be a non-negative integer");
  net.seed = static_cast<std::uint64_t>(seed);
  const double duration = number_option(a, "--duration", net.duration);
  neuromesh::simulation_options opt;
  opt.threads = static_cast<int>(number_option(a, "--threads", 0));
  opt.prec = a.dbl ? neuromesh::precision::double_precision : neuromesh::precision::single;
  opt.output = a.opts.count("--output") ? a.opts.at("--output") : "";
  opt.keep_spikes_in_memory = false;
  if (a.opts.count("--exchange")) opt.exchange = a.opts.at("--exchange");
  if (a.opts.count("--backend")) opt.backend = a.opts.at("--backend");
  if (a.opts.count("--connectivity")) opt.connectivity = a.opts.at("--connectivity");
  opt.device = static_cast<int>(number_option(a, "--device", 0));
  if (a.opts.count("--decomposition")) opt.decomposition = a.opts.at("--decomposition");
  if (a.opts.count("--write-synapses")) opt.write_synapses = a.opts.at("--write-synapses");
  checkpoint_args(a, opt);
  opt.stop = &stop_requested;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const bool root = launcher_rank() == 0;  // under mpirun only rank 0 talks
  std::shared_ptr<const neuromesh::routing::hardware_mapping> hw_map;
  if (a.opts.count("--hardware")) hw_map = neuromesh::map_to_hardware(net, hardware_args(a, net));
  // Under mpirun the hardware placement also decides which rank owns which neuron (chips -> ranks,
  // then cores), unless --decomposition says otherwise.
  if (hw_map && neuromesh::launcher_process_count() > 1 && !a.opts.count("--decomposition"))
    opt.rank_of_gid = neuromesh::routing::two_level_rank_map(*hw_map, neuromesh::launcher_process_count());
  const neuromesh::routing::timing_options timing = timing_args(a);
  const bool timed = a.opts.count("--timing") > 0, reference = timed && !a.opts.count("--no-reference");
  // Every rank runs the timing model on every spike: ranks must see them all.
  if (timed && neuromesh::launcher_process_count() > 1 && !a.opts.count("--exchange")) opt.exchange = "allgather";
  std::vector<neuromesh::spike> ideal;
  if (reference) ideal = ideal_spikes(net, opt, duration, root, a.quiet);
  opt.keep_spikes_in_memory = reference;
  const std::uint32_t n_neurons = static_cast<std::uint32_t>(net.offsets().back());
  const double dt = net.dt;
  if (!a.quiet && root) std::fprintf(stderr, "building %s ...\n", net.name.c_str());
  neuromesh::cli::progress_bar build_bar("building  ");
  opt.build_progress = [&](double f) { build_bar.update(f); };
  agreed_error = true;  // make_simulation reports a failure on exactly one rank
  auto sim = neuromesh::make_simulation(std::move(net), opt);
  build_bar.finish();
  std::shared_ptr<neuromesh::routing::energy_accountant> energy;
  if (hw_map) {
    energy = neuromesh::attach_hardware(*sim, hw_map, 10.0, a.opts.count("--energy-detail") > 0);
    if (a.opts.count("--energy-json")) energy->set_json_path(a.opts.at("--energy-json"));
  }
  std::shared_ptr<neuromesh::routing::link_timing_filter> timing_filter;
  if (timed) timing_filter = neuromesh::attach_timing(*sim, hw_map, timing);
  neuromesh::cli::progress_bar bar("simulating");  // same width as "building  "
  neuromesh::progress_callback show;
  if (root) show = [&](double f) { bar.update(f); };
  if (duration < sim->time_ms())
    throw neuromesh::config_error("--duration", "the checkpoint is at t = " + std::to_string(sim->time_ms()) +
                                                    " ms, after the end of the run; give a longer --duration");
  sim->run(duration - sim->time_ms(), show);  // a resumed run goes on from the checkpoint's time
  bar.finish();
  if (reference && sim->rank() == 0)  // rank 0 holds every spike of both runs
    timing_filter->set_reference(
        neuromesh::routing::compare_spike_trains(ideal, sim->spikes(), n_neurons, dt, sim->time_ms()));
  sim->finish();
  if (!a.quiet && sim->rank() == 0) print_summary(*sim, opt.output);
  if (energy && !a.quiet && sim->rank() == 0) std::printf("%s", energy->report().table().c_str());
  if (timing_filter && !a.quiet && sim->rank() == 0) std::printf("%s", timing_filter->report().table().c_str());
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
    if (launcher_rank() == 0) std::fprintf(stderr, "\nneuromesh: %s\n", e.what());  // every rank stops at once
    return 130;
  } catch (const neuromesh::error& e) {
    if (launcher_rank() == 0 || neuromesh::launcher_process_count() <= 1 || agreed_error)
      std::fprintf(stderr, "neuromesh: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "neuromesh: out of memory; try fewer neurons or synapses, or more machines\n");
    return 1;
  }
}

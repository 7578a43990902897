// One run of a network, shared by the CLI and Python (run.hpp): options checked against each
// other, hardware mapping, the timing mode's ideal reference run, build, run, finish.
#include <cstdio>
#include <cstdlib>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/routing/rank_mapping.hpp>
#include <neuromesh/run.hpp>

namespace neuromesh {
namespace {

// An option as the caller spells it.
struct namer {
  option_names style;
  std::string operator()(const char* cli, const char* python) const {
    return style == option_names::cli ? cli : python;
  }
  // "--timing 'late'" / "timing = 'late'": the option and the value at fault.
  std::string with_value(const char* cli, const char* python, const std::string& value) const {
    return style == option_names::cli ? std::string(cli) + " " + value : std::string(python) + " = " + value;
  }
};

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

bool any_hardware(const run_options& o) { return o.hardware.has_value() || o.mapping != nullptr; }

void call(const std::function<void(run_stage, double)>& f, run_stage s, double v) {
  if (f) f(s, v);
}

}  // namespace

int launcher_rank() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"})
    if (const char* v = std::getenv(var)) return std::atoi(v);
  return 0;
}

void check_run_options(const run_options& o) {
  const namer name{o.names};
  const std::string hw = name("--hardware", "hardware"), timing = name("--timing", "timing");
  if (o.device < 0)
    throw config_error(name("--device", "device"), "GPU index must be >= 0, not " + std::to_string(o.device));
  if (o.hardware && o.mapping) throw config_error(hw, "give hardware options or a mapping, not both");
  // Checkpoints (docs/reliability.md, "Checkpoint and restart").
  if (!o.checkpoint.empty() && !o.checkpoint_every_ms)
    throw config_error(name("--checkpoint", "checkpoint"),
                       "only applies with " + name("--checkpoint-every MS", "checkpoint_every"));
  if (o.checkpoint_every_ms && !(*o.checkpoint_every_ms > 0))
    throw config_error(name("--checkpoint-every", "checkpoint_every"), "must be a time > 0 ms on the dt grid");
  if (any_hardware(o) && (o.checkpoint_every_ms || !o.resume.empty()))
    throw config_error(o.resume.empty() ? name("--checkpoint-every", "checkpoint_every") : name("--resume", "resume"),
                       "checkpoints do not save the hardware model's accounting (" + hw + "); run without " + hw +
                           " to checkpoint or resume (map the network alone with " +
                           name("'neuromesh map'", "nm.hardware.map_network") + ")");
  // The hardware model's reports (docs/routing.md).
  if (!any_hardware(o) && (o.energy_detail || !o.energy_json.empty()))
    throw config_error(
        o.energy_json.empty() ? name("--energy-detail", "energy_detail") : name("--energy-json", "energy_json"),
        "only applies with " + hw);
  // Timing mode (docs/routing.md, "Timing mode").
  if (o.timing.empty()) {
    if (o.link_capacity) throw config_error(name("--link-capacity", "link_capacity"), "only applies with " + timing);
    if (o.step_time_us) throw config_error(name("--step-time-us", "step_time_us"), "only applies with " + timing);
    if (!o.timing_reference)
      throw config_error(name("--no-reference", "timing_reference"), "only applies with " + timing);
  } else {
    if (o.timing != "delay" && o.timing != "drop")
      throw config_error(name.with_value("--timing", "timing", "'" + o.timing + "'"),
                         "not a timing mode; use delay (lossless: late packets) or drop (lossy)");
    if (!any_hardware(o))
      throw config_error(timing, "needs " + name("--hardware HW", "hardware") + ": the chip whose links are modelled");
    if (o.link_capacity && !(*o.link_capacity > 0))
      throw config_error(name.with_value("--link-capacity", "link_capacity", number(*o.link_capacity)),
                         "must be > 0 packets per step");
    if (o.step_time_us && !(*o.step_time_us > 0))
      throw config_error(name.with_value("--step-time-us", "step_time_us", number(*o.step_time_us)), "must be > 0 us");
    // Every rank runs the link model on every spike: the ranks must see them all.
    if (launcher_process_count() > 1 && !o.exchange.empty() && o.exchange != "allgather")
      throw config_error(
          name.with_value("--exchange", "exchange", "'" + o.exchange + "'"),
          "the timing mode needs every spike on every rank; use allgather (the default with " + timing + ")");
  }
  if (o.keep_open && (any_hardware(o) || !o.timing.empty()))
    throw config_error(hw, "a run with the hardware model cannot be continued (its reports cover one run)");
}

run_result run(network net, run_options o, const run_callbacks& cb) {
  check_run_options(o);
  const namer name{o.names};
  if (o.dt) net.dt = *o.dt;
  if (o.seed) net.seed = *o.seed;
  for (std::size_t k : o.record_weights) net.weight_recorders.push_back({k, {}, {}, ""});
  const double duration = o.duration_ms.value_or(net.duration);

  simulation_options so;
  so.backend = o.backend;
  so.threads = o.threads;
  so.prec = o.prec;
  so.device = o.device;
  so.connectivity = o.connectivity;
  so.output = o.output;
  so.write_synapses = o.write_synapses;
  so.stop = o.stop;
  if (!o.exchange.empty()) so.exchange = o.exchange;
  if (!o.decomposition.empty()) so.decomposition = o.decomposition;
  so.checkpoint_every_ms = o.checkpoint_every_ms.value_or(0.0);
  so.checkpoint = o.checkpoint;
  so.resume = o.resume;

  run_result r;
  r.mapping = o.mapping;
  if (o.hardware) {
    hardware_options h = *o.hardware;
    h.seed = o.placement_seed.value_or(net.seed);  // after the seed override
    r.mapping = map_to_hardware(net, h);
  }
  const int ranks = launcher_process_count();
  // Under mpirun the placement also decides which rank owns which neuron (chips -> ranks, then
  // cores), unless a decomposition is named.
  if (r.mapping && ranks > 1 && o.decomposition.empty())
    so.rank_of_gid = routing::two_level_rank_map(*r.mapping, ranks);
  const bool timed = !o.timing.empty(), reference = timed && o.timing_reference;
  routing::timing_options t;
  if (timed) {
    t.mode = routing::timing_mode_from_name(o.timing, name("--timing", "timing"));
    t.packets_per_step = o.link_capacity.value_or(0.0);  // 0: the preset's link rate x the step time
    t.step_seconds = o.step_time_us.value_or(0.0) * 1e-6;
    if (ranks > 1) so.exchange = "allgather";
  }
  auto progress_of = [&](run_stage s) -> progress_callback {
    if (!cb.progress) return nullptr;
    return [&cb, s](double f) { cb.progress(s, f); };
  };
  auto end = [&](run_stage s) {
    if (cb.end) cb.end(s);
  };

  // The ideal run the timing mode is compared with: the same network without the link model.
  std::vector<spike> ideal;
  if (reference) {
    simulation_options ro = so;
    ro.output.clear();
    ro.keep_spikes_in_memory = true;
    if (cb.progress)  // lets the front end see Ctrl-C while the reference is built
      ro.build_progress = [&cb](double) { cb.progress(run_stage::reference, 0.0); };
    call(cb.begin, run_stage::reference, duration);
    auto ref = make_simulation(net, ro);
    ref->run(duration, progress_of(run_stage::reference));
    end(run_stage::reference);
    ideal = ref->spikes();
  }

  so.keep_spikes_in_memory = o.keep_spikes_in_memory || reference;
  so.build_progress = progress_of(run_stage::build);
  call(cb.begin, run_stage::build, 1.0);
  r.sim = make_simulation(std::move(net), so);
  end(run_stage::build);
  if (r.mapping) {
    r.energy = attach_hardware(*r.sim, r.mapping, 10.0, o.energy_detail);
    if (!o.energy_json.empty()) r.energy->set_json_path(o.energy_json);
  }
  if (timed) r.timing = attach_timing(*r.sim, r.mapping, t);

  // `duration` is the whole run's: a resumed run goes on from the checkpoint's time.
  const double start = r.sim->time_ms();
  if (!o.resume.empty() && duration < start)
    throw config_error(name("--duration", "duration"), "the checkpoint '" + o.resume + "' is at t = " + number(start) +
                                                           " ms, after the end of the run (" + number(duration) +
                                                           " ms); give a longer " + name("--duration", "duration"));
  call(cb.begin, run_stage::simulate, duration - start);
  r.sim->run(duration - start, progress_of(run_stage::simulate));
  end(run_stage::simulate);
  if (reference && r.sim->rank() == 0) {  // rank 0 holds every spike of both runs
    const simulation& s = *r.sim;
    r.timing->set_reference(routing::compare_spike_trains(ideal, s.spikes(),
                                                          static_cast<std::uint32_t>(s.description().offsets().back()),
                                                          s.description().dt, s.time_ms()));
  }
  if (o.keep_open)
    r.sim->suspend_output();
  else
    r.sim->finish();
  return r;
}

}  // namespace neuromesh

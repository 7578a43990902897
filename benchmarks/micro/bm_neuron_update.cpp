// Question: how many neuron updates per second does the cpu backend do, per model and precision?
// A population driven by a constant current (so every neuron stays active, no synapses) is
// advanced step by step; the counter is updates/s on one thread.
#include <benchmark/benchmark.h>

#include <neuromesh/api.hpp>

namespace nm = neuromesh;

static void run_model(benchmark::State& state, const char* model, const char* drive, double value, nm::precision prec) {
  const auto n = static_cast<nm::index_t>(state.range(0));
  nm::network net;
  net.populations.push_back({"P", n, model, {{drive, value}}, {}, {}});
  auto sim = nm::make_simulation(net, {.threads = 1, .prec = prec, .keep_spikes_in_memory = false});
  sim->advance_steps(100);  // warm up
  for (auto _ : state) sim->advance_steps(100);
  state.counters["updates/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 100.0 * n, benchmark::Counter::kIsRate);
}

// `drive`: the parameter that keeps the neurons firing (NEST models: I_e in pA; NIR models: bias).
#define NEUROMESH_MODEL_BENCH_DRIVE(model, drive, value)                                                             \
  static void BM_##model##_float(benchmark::State& s) { run_model(s, #model, drive, value, nm::precision::single); } \
  static void BM_##model##_double(benchmark::State& s) {                                                             \
    run_model(s, #model, drive, value, nm::precision::double_precision);                                             \
  }                                                                                                                  \
  BENCHMARK(BM_##model##_float)->Arg(10000);                                                                         \
  BENCHMARK(BM_##model##_double)->Arg(10000);
#define NEUROMESH_MODEL_BENCH(model, ie) NEUROMESH_MODEL_BENCH_DRIVE(model, "I_e", ie)

NEUROMESH_MODEL_BENCH(iaf_psc_delta, 400.0)
NEUROMESH_MODEL_BENCH(iaf_psc_exp, 400.0)
NEUROMESH_MODEL_BENCH(iaf_psc_alpha, 400.0)
NEUROMESH_MODEL_BENCH(iaf_cond_exp, 400.0)
NEUROMESH_MODEL_BENCH(iaf_cond_alpha, 400.0)
NEUROMESH_MODEL_BENCH(izhikevich, 10.0)
NEUROMESH_MODEL_BENCH(aeif_cond_exp, 800.0)
NEUROMESH_MODEL_BENCH(aeif_cond_alpha, 800.0)
// Hodgkin-Huxley, firing at these currents: the lane path between action potentials, the
// adaptive step's tries in lanes during them (hh_common.hpp, neuron_group.hpp evolve_deferred).
NEUROMESH_MODEL_BENCH(hh_psc_alpha, 800.0)
NEUROMESH_MODEL_BENCH(hh_cond_exp_traub, 200.0)
NEUROMESH_MODEL_BENCH(iaf_psc_exp_multisynapse, 400.0)  // one port (NEST default tau_syn); all 8 slots computed
NEUROMESH_MODEL_BENCH(iaf_psc_alpha_multisynapse, 400.0)
NEUROMESH_MODEL_BENCH(aeif_cond_alpha_multisynapse, 800.0)  // one port; the lane path over all 8 slots
NEUROMESH_MODEL_BENCH(aeif_cond_beta_multisynapse, 800.0)   // one port (NEST default 2 / 20 ms)
// NIR's neurons (networks imported from NIR, docs/nir.md), defaults (tau 10 ms; CubaLIF tau_syn 5 ms):
// a bias of 1.5 drives v toward 1.5 r past v_threshold = 1, so they fire regularly.
NEUROMESH_MODEL_BENCH_DRIVE(nir_lif, "bias", 1.5)
NEUROMESH_MODEL_BENCH_DRIVE(nir_cuba_lif, "bias", 1.5)
// parrot_neuron is not benchmarked: it has no dynamics (it repeats its input spikes), and its
// update (a copy of the step's input count) is the one update loop GCC leaves scalar.

BENCHMARK_MAIN();

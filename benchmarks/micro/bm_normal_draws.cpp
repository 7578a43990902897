// Question: what do normal draws cost on a keyed stream, alone, clipped (a delay redrawn below
// its lower bound) and inside a per-target connector that draws a normal weight and a normal
// delay for every synapse (the Potjans-Diesmann microcircuit's construction, issue 16)?
#include <benchmark/benchmark.h>

#include <neuromesh/core/connector_kernels.hpp>
#include <neuromesh/core/random/distributions.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>

namespace nm = neuromesh;

namespace {

constexpr int draws_per_iteration = 4096;

nm::distribution normal_dist(double mean, double sd, double low) {
  nm::distribution d;
  d.type = nm::distribution::kind::normal;
  d.a = mean;
  d.b = sd;
  d.low = low;
  return d;
}

void set_rate(benchmark::State& state, double per_iteration) {
  state.counters["draws/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * per_iteration, benchmark::Counter::kIsRate);
}

}  // namespace

static void BM_normal(benchmark::State& state) {
  nm::keyed_stream s(1, nm::rng_purpose::weight, 7);
  for (auto _ : state) {
    double sum = 0.0;
    for (int i = 0; i < draws_per_iteration; ++i) sum += nm::random::normal(s, 0.0, 1.0);
    benchmark::DoNotOptimize(sum);
  }
  set_rate(state, draws_per_iteration);
}
BENCHMARK(BM_normal);

// PD14's delay: Normal(1.5, 0.75) ms redrawn below 0.1 ms (about 3 % of draws).
static void BM_clipped_normal_delay(benchmark::State& state) {
  const nm::distribution d = normal_dist(1.5, 0.75, 0.1);
  nm::keyed_stream s(1, nm::rng_purpose::delay, 7);
  for (auto _ : state) {
    double sum = 0.0;
    for (int i = 0; i < draws_per_iteration; ++i) {
      double x = 0.0;
      nm::kernels::draw_within(d, s, x);
      sum += x;
    }
    benchmark::DoNotOptimize(sum);
  }
  set_rate(state, draws_per_iteration);
}
BENCHMARK(BM_clipped_normal_delay);

// One fixed_total_number projection of PD14's shape (L2/3E -> L2/3E at full scale: 20,683
// sources, about 1,100 synapses per target), normal weights (87.8 +- 8.78 pA, >= 0) and delays.
// Arg: 0 = sources only (the builder's counting pass), 1 = with weights and delays.
static void BM_synapses_of_target(benchmark::State& state) {
  const bool values = state.range(0) != 0;
  constexpr nm::index_t n_targets = 256;
  std::vector<std::uint64_t> split(n_targets, 1100);
  nm::kernels::projection_params p;
  p.conn.type = nm::connector::kind::fixed_total_number;
  p.conn.multapses = true;
  p.weight.type = nm::kernels::value_source::kind::draw;
  p.weight.dist = normal_dist(87.8, 8.78, 0.0);
  p.delay.type = nm::kernels::value_source::kind::draw;
  p.delay.dist = normal_dist(1.5, 0.75, 0.1);
  p.seed = 55;
  p.n_pre = 20683;
  p.n_post = n_targets;
  p.split = split.data();
  for (auto _ : state) {
    double sum = 0.0;
    for (nm::index_t j = 0; j < n_targets; ++j)
      nm::kernels::synapses_of_target(p, j, values, [&](const nm::kernels::synapse_draw& g) {
        sum += g.weight + static_cast<double>(g.delay) + g.source;
      });
    benchmark::DoNotOptimize(sum);
  }
  state.counters["synapses/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n_targets * 1100.0, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_synapses_of_target)->Arg(0)->Arg(1);

BENCHMARK_MAIN();

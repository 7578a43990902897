// Question: what does the plastic rules' power w^mu cost (stdp_pl_synapse_hom facilitates with
// w + lambda w^mu K+ once per pairing; stdp_synapse with mu_plus / mu_minus not 0 or 1)? On the
// weight's dependency chain -- each facilitation needs the last one's weight, so latency counts --
// and as independent calls, for math::pow_positive (math_pow.hpp, what the rules use), the
// exp(mu log w) of math.hpp it replaced, and glibc's pow (faster to write, but its last bits
// differ from CUDA's, so the determinism contract rules it out).
#include <cmath>

#include <benchmark/benchmark.h>

#include <neuromesh/core/math.hpp>
#include <neuromesh/core/math_pow.hpp>

namespace nm = neuromesh::math;

namespace {

constexpr int calls_per_iteration = 4096;

struct pow_positive_fn {
  double operator()(double x, double y) const { return nm::pow_positive(x, y); }
};
struct exp_log_fn {
  double operator()(double x, double y) const { return nm::exp(y * nm::log(x)); }
};
struct glibc_fn {
  double operator()(double x, double y) const { return std::pow(x, y); }
};

void set_rate(benchmark::State& state) {
  state.counters["calls/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * calls_per_iteration, benchmark::Counter::kIsRate);
}

}  // namespace

// hpc_benchmark's facilitation chain: w (pA, ~45) grows by lambda w^0.4 K+ per pairing.
template <class Pow>
static void BM_power_chain(benchmark::State& state) {
  const Pow pw;
  double w = 45.6;
  for (auto _ : state) {
    for (int i = 0; i < calls_per_iteration; ++i) w = w + 1e-9 * pw(w, 0.4);
    benchmark::DoNotOptimize(w);
  }
  set_rate(state);
}
BENCHMARK(BM_power_chain<pow_positive_fn>);
BENCHMARK(BM_power_chain<exp_log_fn>);
BENCHMARK(BM_power_chain<glibc_fn>);

// Independent calls (throughput): weights 1 .. 42 pA.
template <class Pow>
static void BM_power_independent(benchmark::State& state) {
  const Pow pw;
  for (auto _ : state) {
    double sum = 0.0;
    for (int i = 0; i < calls_per_iteration; ++i) sum += pw(1.0 + i * 0.01, 0.4);
    benchmark::DoNotOptimize(sum);
  }
  set_rate(state);
}
BENCHMARK(BM_power_independent<pow_positive_fn>);
BENCHMARK(BM_power_independent<exp_log_fn>);
BENCHMARK(BM_power_independent<glibc_fn>);

BENCHMARK_MAIN();

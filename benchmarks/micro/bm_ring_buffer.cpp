// Question: what does the fixed-point ring buffer cost per added input, and per slot drain?
// Random-target additions into the slot of a future step, then a drain that converts a slot
// to float and clears it (what the staging loop does each step).
#include <random>

#include <benchmark/benchmark.h>

#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/ring_buffer.hpp>

namespace nm = neuromesh;

static void BM_ring_add(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  nm::ring_buffer ring(n, 32);
  std::vector<std::uint32_t> targets(4096);
  std::mt19937 gen(1);  // benchmark input only; simulation randomness is keyed Philox
  for (auto& t : targets) t = gen() % n;
  nm::step_t s = 0;
  for (auto _ : state) {
    nm::fixed_t* row = ring.row(0, s++ + 15);
    for (std::uint32_t t : targets) row[t] += nm::to_fixed(0.5f);
    benchmark::ClobberMemory();
  }
  state.counters["adds/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * targets.size(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ring_add)->Arg(4000)->Arg(100000)->Arg(1000000);

static void BM_ring_drain(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  nm::ring_buffer ring(n, 32);
  std::vector<float> staged(n);
  nm::step_t s = 0;
  for (auto _ : state) {
    nm::fixed_t* row = ring.row(0, s++);
    for (std::uint32_t i = 0; i < n; ++i) {
      staged[i] = static_cast<float>(nm::from_fixed(row[i]));
      row[i] = 0;
    }
    benchmark::DoNotOptimize(staged.data());
  }
  state.counters["neurons/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ring_drain)->Arg(4000)->Arg(100000);

BENCHMARK_MAIN();

// Question: how many synaptic events per second does delivery achieve? The engine's deliver
// phase is fed one epoch of spikes from sources with 1000 targets each (fixed in-degree,
// random delays 1-3 ms), on one thread.
#include <benchmark/benchmark.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/partition.hpp>
#include <neuromesh/cpu/cpu_engine.hpp>

namespace nm = neuromesh;

static void BM_deliver(benchmark::State& state) {
  nm::network net;
  net.populations.push_back({"S", 2000, "spike_source_array", {}, {}, {}});
  net.populations.push_back({"T", 20000, "iaf_psc_exp", {}, {}, {}});
  nm::projection p;
  p.pre = "S";
  p.post = "T";
  p.conn.type = nm::connector::kind::fixed_outdegree;
  p.conn.n = 1000;
  p.weight = 1.0;
  p.delay = nm::distribution{nm::distribution::kind::uniform, 1.0, 3.0, 1.0, 3.0};
  net.projections.push_back(p);
  nm::validate(net);
  net = nm::resolve_receptors(std::move(net));  // as make_simulation: engines see definite receptors
  nm::engine_config cfg;
  cfg.net = &net;
  cfg.part = nm::make_block_partition(net, 1);
  auto eng = nm::cpu::make_engine(std::move(cfg));
  std::vector<nm::spike> spikes;
  for (nm::gid_t g = 0; g < static_cast<nm::gid_t>(state.range(0)); ++g) spikes.push_back({0, g * 7 % 2000});
  std::vector<nm::spike> fired;
  nm::step_t t = 0;
  for (auto _ : state) {
    for (auto& s : spikes) s.step = t;
    eng->deliver(spikes);
    state.PauseTiming();
    fired.clear();
    eng->advance(t, 10, {}, fired);  // consume the ring-buffer slots
    t += 10;
    state.ResumeTiming();
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * state.range(0) * 1000.0,
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_deliver)->Arg(10)->Arg(100)->Arg(1000);

BENCHMARK_MAIN();

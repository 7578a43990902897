// Question: what does energy accounting cost per emitted spike, compared with the synaptic events
// the same spike delivers? A locally connected 64x64 sheet (explicit Chebyshev-radius-3 lists,
// 48 targets per neuron) placed sequentially on Loihi (unicast, step-time: per-destination work)
// and on SpiNNaker (multicast tables, real time: per-source count only); detail mode (per-step
// link loads and per-link series) as the third case.
#include <random>

#include <benchmark/benchmark.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/routing/energy.hpp>

namespace nm = neuromesh;

namespace {

nm::network sheet(int side, int radius) {
  nm::network net;
  net.populations.push_back({"sheet", static_cast<nm::index_t>(side * side), "iaf_psc_exp", {}, {}, {}});
  nm::projection p;
  p.pre = p.post = "sheet";
  p.conn.type = nm::connector::kind::explicit_list;
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      for (int dy = -radius; dy <= radius; ++dy)
        for (int dx = -radius; dx <= radius; ++dx)
          if ((dx || dy) && x + dx >= 0 && y + dy >= 0 && x + dx < side && y + dy < side) {
            p.conn.sources.push_back(static_cast<nm::index_t>(y * side + x));
            p.conn.targets.push_back(static_cast<nm::index_t>((y + dy) * side + x + dx));
          }
  net.projections.push_back(p);
  return net;
}

// Spikes of 10,000 steps at ~20 Hz per neuron (dt 0.1 ms), sorted by step.
std::vector<nm::spike> spikes_of(std::uint32_t n) {
  std::vector<nm::spike> s;
  std::mt19937 gen(1);  // benchmark input only
  for (nm::step_t t = 0; t < 10000; ++t)
    for (std::uint32_t k = 0; k < n / 500; ++k) s.push_back({t, static_cast<nm::gid_t>(gen() % n)});
  std::sort(s.begin(), s.end());
  return s;
}

void run(benchmark::State& state, const std::string& hw, bool detail) {
  const nm::network net = sheet(64, 3);
  nm::routing::mapping_options mo;
  const auto mapping = nm::routing::map_network(net, nm::load_hardware(hw), mo);
  const auto spikes = spikes_of(64 * 64);
  std::uint64_t events = 0;
  for (auto _ : state) {
    nm::routing::energy_accountant acc(mapping, 10.0, detail);
    acc.add_spikes(0, 10000, spikes);
    benchmark::DoNotOptimize(acc.finish(10000, std::nullopt).total_j);
  }
  for (const auto& s : spikes) events += mapping->routes.sources[s.gid].synapses;
  state.counters["spikes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * spikes.size(), benchmark::Counter::kIsRate);
  state.counters["events/spike"] = static_cast<double>(events) / spikes.size();
}

}  // namespace

static void BM_account_loihi(benchmark::State& state) { run(state, "loihi", false); }
static void BM_account_spinnaker(benchmark::State& state) { run(state, "spinnaker", false); }
static void BM_account_loihi_detail(benchmark::State& state) { run(state, "loihi", true); }
BENCHMARK(BM_account_loihi);
BENCHMARK(BM_account_spinnaker);
BENCHMARK(BM_account_loihi_detail);
BENCHMARK_MAIN();

// The determinism contract across processes: the same network on R ranks x T threads (under
// mpirun) gives spike trains and an output file identical to one process, for both spike
// exchanges and both decompositions; closed-loop calls behave as in one process.
#include <gtest/gtest.h>

#include <neuromesh/core/communication_model.hpp>
#include <neuromesh/core/io/sonata_reader.hpp>
#include <neuromesh/core/routing/rank_mapping.hpp>

#include "../unit/test_routing_support.hpp"
#include "distributed_support.hpp"
#include "test_networks.hpp"

using namespace neuromesh;
using test_support::shared_temp_path;
using test_support::threads_per_rank;

namespace {

network brunel() { return builtin_network("brunel"); }

network vogels_abbott_coba() { return builtin_network("vogels_abbott_coba"); }

// Brunel scaled down, delays drawn from 0.5-3 ms, with a state report of a few neurons.
network heterogeneous_delays() {
  network net = test_support::brunel_with_delay_distribution();
  net.name = "heterogeneous_delays";
  net.recorders.push_back({"E", "spikes", 1.0, {}});
  net.recorders.push_back({"I", "spikes", 1.0, {}});
  net.recorders.push_back({"E", "V_m", 0.5, {0, 3, 401, 799}});
  net.recorders.push_back({"I", "V_m", 1.0, {}});
  return net;
}

// Fewer neurons than ranks: most ranks own nothing of a population, some nothing at all.
network tiny() {
  network net;
  net.name = "tiny";
  net.dt = 0.1;
  net.populations.push_back({"stim", 2, "spike_source_array", {}, {}, {{1.0, 5.0, 9.0}, {2.0, 7.0}}});
  net.populations.push_back({"N", 2, "iaf_psc_delta", {{"V_th", 1.0}}, {}, {}});
  projection pr;
  pr.pre = "stim";
  pr.post = "N";
  pr.conn.type = connector::kind::all_to_all;
  pr.weight = 2.0;
  pr.delay = 1.0;
  net.projections.push_back(pr);
  return net;
}

struct run_case {
  std::string name;
  network (*make)();
  double ms;
  std::string exchange, decomposition;
};

std::ostream& operator<<(std::ostream& os, const run_case& c) { return os << c.name; }

std::vector<spike> run(const network& net, double ms, simulation_options opt, int* rank = nullptr,
                       int* ranks = nullptr) {
  auto sim = make_simulation(net, opt);
  sim->run(ms);
  sim->finish();
  if (rank) *rank = sim->rank();
  if (ranks) *ranks = sim->ranks();
  return sim->spikes();
}

template <class T>
void expect_same_tables(const std::map<std::string, T>& a, const std::map<std::string, T>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, ta] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    EXPECT_EQ(ta.node_ids, b.at(name).node_ids) << name;
    if constexpr (std::is_same_v<T, io::spike_table>)
      EXPECT_EQ(ta.timestamps_ms, b.at(name).timestamps_ms) << name;
    else
      EXPECT_EQ(ta.data, b.at(name).data) << name;
  }
}

}  // namespace

class DistributedRun : public ::testing::TestWithParam<run_case> {};

TEST_P(DistributedRun, SpikesAndFileIdenticalToOneProcess) {
  const run_case& c = GetParam();
  const network net = c.make();
  simulation_options opt;
  opt.threads = threads_per_rank();
  opt.exchange = c.exchange;
  opt.decomposition = c.decomposition;
  opt.output = shared_temp_path(c.name);
  int rank = 0, ranks = 0;
  const std::vector<spike> distributed = run(net, c.ms, opt, &rank, &ranks);
  EXPECT_EQ(ranks, std::max(1, launcher_process_count()));
  if (rank != 0) return;  // rank 0 holds every spike and the file; it compares
  simulation_options ref;
  ref.communicator = "local";
  ref.threads = 1;
  ref.output = shared_temp_path(c.name + "_reference");
  const std::vector<spike> single = run(net, c.ms, ref);
  ASSERT_FALSE(single.empty());
  EXPECT_EQ(distributed, single);
  expect_same_tables(io::read_spikes(opt.output), io::read_spikes(ref.output));
  expect_same_tables(io::read_reports(opt.output), io::read_reports(ref.output));
  const auto prov = io::read_provenance(opt.output);
  EXPECT_EQ(prov.numbers.at("ranks"), ranks);
  EXPECT_EQ(prov.text.at("exchange"), ranks == 1 && launcher_process_count() == 0 ? "local" : c.exchange);
  std::filesystem::remove(opt.output);
  std::filesystem::remove(ref.output);
}

INSTANTIATE_TEST_SUITE_P(
    Networks, DistributedRun,
    ::testing::Values(run_case{"brunel_targeted_block", brunel, 100.0, "targeted", "block"},
                      run_case{"brunel_allgather_roundrobin", brunel, 100.0, "allgather", "round-robin"},
                      run_case{"coba_targeted_block", vogels_abbott_coba, 200.0, "targeted", "block"},
                      run_case{"coba_allgather_block", vogels_abbott_coba, 200.0, "allgather", "block"},
                      run_case{"coba_targeted_roundrobin", vogels_abbott_coba, 200.0, "targeted", "round-robin"},
                      run_case{"delays_targeted_block", heterogeneous_delays, 200.0, "targeted", "block"},
                      run_case{"delays_allgather_block", heterogeneous_delays, 200.0, "allgather", "block"},
                      run_case{"delays_targeted_roundrobin", heterogeneous_delays, 200.0, "targeted", "round-robin"},
                      run_case{"delays_allgather_roundrobin", heterogeneous_delays, 200.0, "allgather", "round-robin"},
                      run_case{"tiny_targeted_block", tiny, 20.0, "targeted", "block"},
                      run_case{"tiny_allgather_roundrobin", tiny, 20.0, "allgather", "round-robin"}),
    [](const auto& info) { return info.param.name; });

// Closed loop under MPI: currents set and spikes injected by every rank (SPMD), state read back
// from whichever rank owns the neuron, spikes of the last step -- all as in one process.
TEST(DistributedClosedLoop, StepInjectReadStateAsInOneProcess) {
  const network net = heterogeneous_delays();
  auto drive = [&](simulation& sim) {
    std::vector<std::vector<double>> trace;
    const std::vector<index_t> ids{0, 1, 2, 400, 799};
    for (int k = 0; k < 30; ++k) {
      if (k == 5) sim.set_current("E", std::vector<index_t>{1, 400}, std::vector<double>{300.0, 150.0});
      if (k == 10) sim.inject_spikes("I", std::vector<index_t>{0, 7, 199});
      sim.step_epoch();
      trace.push_back(sim.state("E", "V_m", ids));
      const auto last = sim.last_spikes("E");
      trace.back().push_back(static_cast<double>(last.size()));
    }
    return trace;
  };
  simulation_options opt;
  opt.threads = threads_per_rank();
  auto sim = make_simulation(net, opt);
  const auto distributed = drive(*sim);
  opt.communicator = "local";
  opt.threads = 1;
  auto single = make_simulation(net, opt);
  const auto expected = drive(*single);
  for (std::size_t k = 0; k < expected.size(); ++k) {
    // State is read collectively, so every rank sees every value; last_spikes is complete at rank 0.
    for (std::size_t i = 0; i + 1 < expected[k].size(); ++i) EXPECT_EQ(distributed[k][i], expected[k][i]) << k;
    if (sim->rank() == 0) EXPECT_EQ(distributed[k].back(), expected[k].back()) << k;
  }
}

// The communication-volume model (one process) predicts exactly the bytes MPI sent.
TEST(CommunicationModel, PredictsTheMeasuredBytes) {
  const network net = heterogeneous_delays();
  for (const std::string exchange : {"targeted", "allgather"}) {
    simulation_options opt;
    opt.threads = threads_per_rank();
    opt.exchange = exchange;
    auto sim = make_simulation(net, opt);
    sim->run(100.0);
    if (sim->rank() != 0) continue;
    opt.communicator = "local";
    auto single = make_simulation(net, opt);
    single->run(100.0);
    const auto model = estimate_communication(net, single->spikes(), single->min_delay(), single->time_ms(),
                                              {rank_map::block(net, static_cast<std::uint32_t>(sim->ranks()))});
    const std::uint64_t predicted = exchange == "targeted" ? model[0].targeted_total() : model[0].allgather_total();
    EXPECT_EQ(sim->summary().exchange_bytes, predicted) << exchange;
    if (sim->ranks() > 1) EXPECT_GT(predicted, 0u);
    EXPECT_LE(model[0].targeted_total(), model[0].allgather_total());
  }
}

// Any neuron -> rank map, here the one the neuromorphic hardware placement gives (chips, then
// cores, to ranks; scattered ownership): the spikes are those of one process.
TEST(DistributedPlacement, HardwarePlacementAsRankMapGivesTheSameSpikes) {
  const network net = heterogeneous_delays();
  hardware_options hw;
  hw.hardware = "loihi";
  hw.placement = "random";
  hw.profile_ms = 0;
  const auto mapping = map_to_hardware(net, hw);
  simulation_options opt;
  opt.threads = threads_per_rank();
  const int ranks = std::max(1, launcher_process_count());
  opt.rank_of_gid = routing::two_level_rank_map(*mapping, ranks);  // as the CLI and Python do
  auto sim = make_simulation(net, opt);
  sim->run(100.0);
  EXPECT_EQ(sim->decomposition().name(), "explicit");
  if (sim->rank() != 0) return;
  opt.communicator = "local";
  opt.rank_of_gid.clear();
  auto single = make_simulation(net, opt);
  single->run(100.0);
  EXPECT_EQ(sim->spikes(), single->spikes());
  EXPECT_FALSE(single->spikes().empty());
}

// The hardware timing mode under MPI: every rank runs the link model on every spike (all-gather
// exchange) and delivers late packets to its own neurons; the congested run is that of one
// process, and a targeted exchange is refused with a message that says what to use.
TEST(DistributedTiming, CongestedRunAsInOneProcess) {
  const network net = heterogeneous_delays();
  // 16 cores of 100 neurons, one per router of a 4x4 mesh: spikes cross links.
  const auto mapping =
      routing::map_network(net, test_support::tiny_hardware(test_support::tiny_hardware_json(4, 4, 1, 100)), {});
  routing::timing_options timing;
  timing.mode = routing::timing_mode::delay;
  timing.packets_per_step = 2;
  simulation_options opt;
  opt.threads = threads_per_rank();
  auto targeted = make_simulation(net, opt);
  if (targeted->ranks() > 1) EXPECT_THROW(attach_timing(*targeted, mapping, timing), config_error);
  targeted.reset();
  opt.exchange = "allgather";
  auto sim = make_simulation(net, opt);
  auto filter = attach_timing(*sim, mapping, timing);
  sim->run(100.0);
  EXPECT_GT(filter->report().late, 0u);
  if (sim->rank() != 0) return;
  opt.communicator = "local";
  auto single = make_simulation(net, opt);
  auto single_filter = attach_timing(*single, mapping, timing);
  single->run(100.0);
  EXPECT_EQ(sim->spikes(), single->spikes());
  EXPECT_EQ(filter->report().late, single_filter->report().late);
}

// Timing mode of the hardware model: hand-counted late, dropped and disordered packets on a tiny
// mesh; a late packet acts exactly as if its source had fired in the arrival step, a dropped one
// as if it had not fired (membrane traces bit-identical to those rewired networks); ample
// capacity changes nothing; threads do not change the timed run; /timing is written.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include <hdf5.h>
#include <nlohmann/json.hpp>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/routing/timing.hpp>

#include "../support/test_networks.hpp"
#include "../unit/test_routing_support.hpp"

using namespace neuromesh;
using namespace neuromesh::routing;
using test_support::tiny_hardware;
using test_support::tiny_hardware_json;

namespace {

// Spike sources `src` (one per core, src i firing at times[i] ms) projecting onto `n_dst`
// iaf_psc_exp neurons by the explicit pairs (sources[k], targets[k]).
network sources_onto(const std::string& name, const std::vector<std::vector<double>>& times, index_t n_dst,
                     std::vector<index_t> sources, std::vector<index_t> targets) {
  network net;
  net.name = name;
  net.dt = 0.1;
  net.populations.push_back({"src", static_cast<index_t>(times.size()), "spike_source_array", {}, {}, {}});
  net.populations[0].spike_times = times;
  net.populations.push_back({"dst", n_dst, "iaf_psc_exp", {}, {}, {}});
  projection p;
  p.pre = "src";
  p.post = "dst";
  p.conn.type = connector::kind::explicit_list;
  p.conn.sources = std::move(sources);
  p.conn.targets = std::move(targets);
  p.weight = 80.0;  // pA: a visible but subthreshold step in V_m
  p.delay = 1.0;
  net.projections.push_back(p);
  return net;
}

// Six spike sources (one per core) all projecting onto one neuron. On a 2x2 mesh with two cores
// per router and one neuron per core, sequential placement puts src0,1 on router (0,0), src2,3 on
// (1,0), src4,5 on (0,1) and dst on (1,1). X-Y routes to (1,1): from (0,0) E then N; from (1,0)
// N; from (0,1) E. `times[i]` are src i's spike times [ms].
network converging_network(const std::vector<std::vector<double>>& times) {
  return sources_onto("converging", times, 1, {0, 1, 2, 3, 4, 5}, {0, 0, 0, 0, 0, 0});
}

// What dropped packets did not use, priced with the tiny preset (E 10^4 pJ, N 10^5 pJ per hop).
void expect_not_spent(const timing_report& t, std::uint64_t links, std::uint64_t synapses, double picojoules) {
  EXPECT_EQ(t.links_not_crossed, links);
  EXPECT_EQ(t.synaptic_events_not_delivered, synapses);
  EXPECT_NEAR(t.energy_not_spent_j, picojoules * 1e-12, 1e-20);
}

// Brunel (2000) at 1000 neurons, in-degrees / 10: a recurrent network whose spikes cross cores.
network small_brunel() {
  network net = builtin_network("brunel");
  net.populations[0].size = 800;
  net.populations[1].size = 200;
  for (auto& p : net.projections) p.conn.n /= 10;
  return net;
}

// src0, src1, src2 fire in step 9 (t = 1.0 ms), src4 in step 10.
const std::vector<std::vector<double>> burst = {{1.0}, {1.0}, {1.0}, {}, {1.1}, {}};

std::shared_ptr<const hardware_mapping> tiny_mapping(const network& net, const std::string& routing = "multicast") {
  mapping_options mo;
  mo.mode = routing_mode_from_name(routing, "routing");
  mo.mode_from_hardware = false;
  return map_network(net, tiny_hardware(tiny_hardware_json(2, 2, 2, 1, routing)), mo);
}

struct timed_run {
  std::vector<double> v;  // dst's V_m after every step
  std::vector<spike> spikes;
  timing_report report;
};

timed_run run_network(const network& net, std::shared_ptr<const hardware_mapping> mapping, const timing_options* t,
                      int threads = 1, double ms = 5.0, const std::string& backend = "cpu") {
  simulation_options opt;
  opt.backend = backend;
  opt.threads = threads;
  opt.prec = precision::double_precision;
  auto sim = make_simulation(net, opt);
  std::shared_ptr<link_timing_filter> f;
  if (t) f = attach_timing(*sim, mapping, *t);
  timed_run r;
  const index_t dst = 0;
  const auto steps = static_cast<int>(std::lround(ms / net.dt));
  const bool trace = net.populations.back().label == "dst";
  for (int s = 0; s < steps; ++s) {
    sim->step();
    if (trace) r.v.push_back(sim->state("dst", "V_m", {&dst, 1})[0]);
  }
  sim->finish();
  r.spikes = sim->spikes();
  if (f) r.report = f->report();
  return r;
}

timing_options capacity(double packets_per_step, timing_mode mode) {
  timing_options t;
  t.mode = mode;
  t.packets_per_step = packets_per_step;
  return t;
}

}  // namespace

// One packet per link and step, packets served oldest first then by gid. Step 9: src0 takes E
// (0,0)->(1,0) and N (1,0)->(1,1); src1 finds E full and crosses in step 10, then N in step 10;
// src2 finds N full in steps 9 and 10 and crosses in step 11 (two packets ahead of it). Step 10:
// src4 crosses E (0,1)->(1,1) at once -- emitted after src2, it reaches dst's core before it.
TEST(TimingMode, DelayModeCountsLatePacketsByHand) {
  const network net = converging_network(burst);
  const auto opt = capacity(1, timing_mode::delay);
  const timed_run r = run_network(net, tiny_mapping(net), &opt);
  const timing_report& t = r.report;
  EXPECT_EQ(t.packets_per_step, 1u);
  EXPECT_EQ(t.packets, 4u);
  EXPECT_EQ(t.link_traversals, 6u);
  EXPECT_EQ(t.deliveries, 4u);
  EXPECT_EQ(t.on_time, 2u);
  EXPECT_EQ(t.late, 2u);
  EXPECT_EQ(t.dropped, 0u);
  ASSERT_EQ(t.lateness_steps.size(), 3u);
  EXPECT_EQ(t.lateness_steps[1], 1u);
  EXPECT_EQ(t.lateness_steps[2], 1u);
  EXPECT_EQ(t.max_late_steps, 2u);
  EXPECT_NEAR(t.mean_late_ms(), 0.15, 1e-12);
  EXPECT_EQ(t.max_link_backlog, 2u);
  EXPECT_EQ(t.congested_steps, 1u);  // in step 9 src1 and src2 found links full
  EXPECT_EQ(t.spike_disorder, 1u);   // src4 overtook src2
  expect_not_spent(t, 0, 0, 0.0);    // lossless
}

TEST(TimingMode, DropModeLosesThePacketsThatFindTheLinkFull) {
  const network net = converging_network(burst);
  const auto opt = capacity(1, timing_mode::drop);
  const timing_report t = run_network(net, tiny_mapping(net), &opt).report;
  EXPECT_EQ(t.deliveries, 4u);
  EXPECT_EQ(t.on_time, 2u);  // src0 (step 9), src4 (step 10)
  EXPECT_EQ(t.dropped, 2u);  // src1 at E, src2 at N
  EXPECT_EQ(t.packets_dropped, 2u);
  EXPECT_EQ(t.late, 0u);
  EXPECT_EQ(t.link_traversals, 3u);
  // Not crossed: src1's E and N, src2's N (the energy report counts all 6 hops); their 2 synapses
  // are not reached. Priced with the tiny preset: E 10^4 pJ, N 10^5 pJ, router 7 pJ, synop 1 pJ.
  expect_not_spent(t, 3, 2, 1e4 + 2e5 + 3 * 7 + 2 * 1);
}

// A multicast tree that loses its trunk loses every branch behind it, each link counted once:
// src0 and src1 on router (0,0) both reach dst0 on (1,0) (E) and dst4 on (1,1) (E then N). At
// one packet per link and step src0 takes E and N; src1's tree finds E full.
TEST(TimingMode, ADroppedTrunkLosesTheWholeTreeOnce) {
  const network net = sources_onto("tree", {{1.0}, {1.0}}, 6, {0, 0, 1, 1}, {0, 4, 0, 4});
  const auto opt = capacity(1, timing_mode::drop);
  const timing_report t = run_network(net, tiny_mapping(net), &opt).report;
  EXPECT_EQ(t.packets_dropped, 1u);
  EXPECT_EQ(t.dropped, 2u);
  EXPECT_EQ(t.link_traversals, 2u);
  expect_not_spent(t, 2, 2, 1e4 + 1e5 + 2 * 7 + 2 * 1);
}

// What the network receives: late by k steps == fired k steps later; dropped == never fired.
TEST(TimingMode, LatePacketsActAsIfFiredWhenTheyArrive) {
  const network net = converging_network(burst);
  const auto opt = capacity(1, timing_mode::delay);
  const timed_run timed = run_network(net, tiny_mapping(net), &opt);
  const timed_run ideal = run_network(net, nullptr, nullptr);
  const network shifted = converging_network({{1.0}, {1.1}, {1.2}, {}, {1.1}, {}});
  const timed_run expected = run_network(shifted, nullptr, nullptr);
  EXPECT_EQ(timed.v, expected.v);
  EXPECT_NE(timed.v, ideal.v);
  EXPECT_EQ(timed.spikes, ideal.spikes);  // recorded spikes are the emitted ones
}

TEST(TimingMode, DroppedPacketsNeverArrive) {
  const network net = converging_network(burst);
  const auto opt = capacity(1, timing_mode::drop);
  const timed_run timed = run_network(net, tiny_mapping(net), &opt);
  const timed_run expected = run_network(converging_network({{1.0}, {}, {}, {}, {1.1}, {}}), nullptr, nullptr);
  EXPECT_EQ(timed.v, expected.v);
}

// Unicast sends one packet per destination core: they queue behind each other where multicast
// sends one packet along the shared link.
TEST(TimingMode, UnicastPacketsQueueWhereMulticastSharesTheLink) {
  network net = test_support::explicit_network(2, 2, {0, 0}, {0, 1}, {1.0});
  net.populations[0].spike_times = {{1.0}, {}};
  // src0, src1 (silent) on router (0,0); dst0, dst1 on the two cores of router (1,0): one link E
  // between them.
  for (const char* routing : {"multicast", "unicast"}) {
    SCOPED_TRACE(routing);
    mapping_options mo;
    mo.mode = routing_mode_from_name(routing, "routing");
    mo.mode_from_hardware = false;
    const auto m = map_network(net, tiny_hardware(tiny_hardware_json(2, 1, 2, 1, routing)), mo);
    ASSERT_EQ(m->topo.router_of_core(m->place.core_of[2]), 1u);
    ASSERT_EQ(m->topo.router_of_core(m->place.core_of[3]), 1u);
    ASSERT_NE(m->place.core_of[2], m->place.core_of[3]);
    const auto opt = capacity(1, timing_mode::delay);
    const timing_report t = run_network(net, m, &opt).report;
    const bool unicast = std::string(routing) == "unicast";
    EXPECT_EQ(t.packets, unicast ? 2u : 1u);
    EXPECT_EQ(t.late, unicast ? 1u : 0u);
    EXPECT_EQ(t.on_time, unicast ? 1u : 2u);
  }
}

// Received trains: src1 is late by one step at its first spike only, so its one received ISI is
// one step (0.1 ms) shorter than the emitted one.
TEST(TimingMode, IsiDistortionOfReceivedTrains) {
  const network net = converging_network({{1.0}, {1.0, 3.0}, {}, {}, {}, {}});
  const auto opt = capacity(1, timing_mode::delay);
  const timing_report t = run_network(net, tiny_mapping(net), &opt).report;
  EXPECT_EQ(t.late, 1u);
  EXPECT_EQ(t.isi_pairs, 1u);
  EXPECT_NEAR(t.isi_distortion_ms, 0.1, 1e-12);
  EXPECT_NEAR(t.isi_distortion_max_ms, 0.1, 1e-12);
}

// A recurrent network with ample capacity: nothing is late, and the run is the ideal one.
TEST(TimingMode, AmpleCapacityChangesNothing) {
  const network net = small_brunel();
  const auto m = map_network(net, tiny_hardware(tiny_hardware_json(4, 4, 4, 64)), {});
  const auto opt = capacity(1e6, timing_mode::drop);
  const timed_run timed = run_network(net, m, &opt, 2, 100.0);
  const timed_run ideal = run_network(net, nullptr, nullptr, 2, 100.0);
  ASSERT_GT(ideal.spikes.size(), 100u);
  EXPECT_EQ(timed.spikes, ideal.spikes);
  EXPECT_EQ(timed.report.on_time, timed.report.deliveries);
  EXPECT_GT(timed.report.packets, 0u);
}

// Congestion changes the network's spikes, the same way for any number of threads.
TEST(TimingMode, CongestedRunIsTheSameForAnyThreadCount) {
  const network net = small_brunel();
  const auto m = map_network(net, tiny_hardware(tiny_hardware_json(4, 4, 4, 64)), {});
  for (timing_mode mode : {timing_mode::delay, timing_mode::drop}) {
    const auto opt = capacity(2, mode);
    const timed_run one = run_network(net, m, &opt, 1, 100.0);
    const timed_run two = run_network(net, m, &opt, 2, 100.0);
    const timed_run ideal = run_network(net, nullptr, nullptr, 1, 100.0);
    EXPECT_EQ(one.spikes, two.spikes);
    EXPECT_NE(one.spikes, ideal.spikes);
    EXPECT_GT(one.report.late + one.report.dropped, 0u);
    const spike_train_comparison c =
        compare_spike_trains(ideal.spikes, one.spikes, static_cast<std::uint32_t>(net.offsets().back()), net.dt, 100.0);
    EXPECT_LT(c.spikes_identical, c.spikes_ideal);
    EXPECT_GT(c.isi_ks_distance, 0.0);
  }
}

TEST(TimingMode, CompareSpikeTrainsByHand) {
  // Neuron 0: ISIs 1.0, 1.0 ms ideal; 1.0, 2.0 ms timed. Neuron 1 silent in both.
  const std::vector<spike> ideal = {{9, 0}, {19, 0}, {29, 0}};
  const std::vector<spike> timed = {{9, 0}, {19, 0}, {39, 0}};
  const spike_train_comparison c = compare_spike_trains(ideal, timed, 2, 0.1, 10.0);
  EXPECT_EQ(c.spikes_identical, 2u);
  EXPECT_NEAR(c.mean_isi_ideal_ms, 1.0, 1e-12);
  EXPECT_NEAR(c.mean_isi_timed_ms, 1.5, 1e-12);
  EXPECT_NEAR(c.cv_isi_ideal, 0.0, 1e-12);
  EXPECT_NEAR(c.cv_isi_timed, 0.5 / 1.5, 1e-12);
  EXPECT_NEAR(c.isi_ks_distance, 0.5, 1e-12);
  EXPECT_NEAR(c.mean_abs_rate_change_hz, 0.0, 1e-12);
  const spike_train_comparison same = compare_spike_trains(ideal, ideal, 2, 0.1, 10.0);
  EXPECT_EQ(same.spikes_identical, 3u);
  EXPECT_EQ(same.isi_ks_distance, 0.0);
}

TEST(TimingMode, BadCapacitiesAreNamed) {
  const network net = converging_network(burst);
  const auto m = tiny_mapping(net);
  EXPECT_THROW(link_timing_filter(m, capacity(0.5, timing_mode::delay)), config_error);
  EXPECT_THROW(link_timing_filter(m, capacity(-1, timing_mode::delay)), config_error);
  // The tiny preset's links carry 1 Mpackets/s: 100 per 0.1 ms step, 0.1 per 100 ns step.
  EXPECT_EQ(link_timing_filter(m, {}).report().packets_per_step, 100u);
  timing_options fast;
  fast.step_seconds = 1e-7;
  try {
    link_timing_filter f(m, fast);
    FAIL() << "a capacity below one packet per step was accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("at least 1"), std::string::npos) << e.what();
  }
  auto j = tiny_hardware_json(2, 2, 2, 1);
  j["constants"]["link_capacity"]["value"] = 0;
  j["constants"]["link_capacity"]["status"] = "unpublished";
  const auto unpublished = map_network(net, tiny_hardware(j), {});
  try {
    link_timing_filter f(unpublished, {});
    FAIL() << "an unpublished capacity was accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("publishes no link capacity"), std::string::npos) << e.what();
  }
  EXPECT_THROW(timing_mode_from_name("late", "timing"), config_error);
}

bool has_cuda_omp() {
  const std::vector<std::string> backends = features().backends;
  return std::find(backends.begin(), backends.end(), "cuda-omp") != backends.end();
}

// The CUDA backends deliver per group too (a row walk per (projection, delivery), fixed-point
// sums): congested runs are bit-identical to the cpu backend's, in both modes.
TEST(TimingMode, CudaOmpCongestedRunIsBitIdenticalToCpu) {
  if (!has_cuda_omp()) GTEST_SKIP() << "the cuda-omp backend is not built here (NEUROMESH_WITH_CUDA off)";
  const network net = small_brunel();
  const auto m = map_network(net, tiny_hardware(tiny_hardware_json(4, 4, 4, 64)), {});
  for (timing_mode mode : {timing_mode::delay, timing_mode::drop}) {
    const auto opt = capacity(2, mode);
    const timed_run cpu = run_network(net, m, &opt, 2, 100.0);
    const timed_run gpu = run_network(net, m, &opt, 2, 100.0, "cuda-omp");
    EXPECT_GT(cpu.report.late + cpu.report.dropped, 0u);
    EXPECT_EQ(gpu.spikes, cpu.spikes);
    EXPECT_EQ(gpu.report.late, cpu.report.late);
    EXPECT_EQ(gpu.report.dropped, cpu.report.dropped);
  }
  // The hand-counted case, with V_m: late inputs land in the same steps.
  const network conv = converging_network(burst);
  const auto opt = capacity(1, timing_mode::delay);
  EXPECT_EQ(run_network(conv, tiny_mapping(conv), &opt, 1, 5.0, "cuda-omp").v,
            run_network(conv, tiny_mapping(conv), &opt, 1, 5.0).v);
}

TEST(TimingMode, ProceduralRowsAreRefused) {
  if (!has_cuda_omp()) GTEST_SKIP() << "the cuda-omp backend is not built here (NEUROMESH_WITH_CUDA off)";
  network net = small_brunel();
  for (auto& p : net.projections) p.conn.type = connector::kind::fixed_outdegree;  // regenerable rows
  simulation_options opt;
  opt.backend = "cuda-omp";
  opt.threads = 1;
  opt.connectivity = "procedural";
  auto sim = make_simulation(net, opt);
  const auto m = map_network(net, tiny_hardware(tiny_hardware_json(4, 4, 4, 64)), {});
  try {
    attach_timing(*sim, m, capacity(1, timing_mode::delay));
    FAIL() << "procedural rows took the timing filter";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("stored (not procedural)"), std::string::npos) << e.what();
  }
}

TEST(TimingMode, WritesTimingGroup) {
  const std::filesystem::path dir = test_support::unique_temp_dir();
  const std::string out = (dir / "timed.h5").string();
  const network net = converging_network(burst);
  simulation_options opt;
  opt.threads = 1;
  opt.output = out;
  auto sim = make_simulation(net, opt);
  auto f = attach_timing(*sim, tiny_mapping(net), capacity(1, timing_mode::delay));
  sim->run(5.0);
  sim->finish();
  hid_t file = H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  hid_t d = H5Dopen2(file, "/timing/delivery_counts", H5P_DEFAULT);
  ASSERT_GE(d, 0);
  // Sized from the dataset (it has one entry per delivery outcome; a fixed array overflowed the
  // stack when the dataset grew, issue 17 item 9).
  hid_t space = H5Dget_space(d);
  ASSERT_GE(space, 0);
  const hssize_t n_counts = H5Sget_simple_extent_npoints(space);
  H5Sclose(space);
  ASSERT_GE(n_counts, 3);
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(n_counts));
  ASSERT_GE(H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, counts.data()), 0);
  EXPECT_EQ(counts[0], 4u);
  EXPECT_EQ(counts[2], 2u);
  H5Dclose(d);
  H5Fclose(file);
  const auto j = nlohmann::json::parse(f->report().to_json());
  EXPECT_EQ(j["deliveries"]["late"], 2);
  EXPECT_EQ(j["late"]["histogram_steps"].size(), 3u);
  std::filesystem::remove_all(dir);
}

namespace {
// Delivers every spike twice, as two partial deliveries to the one group all neurons are in.
class twice_filter : public delivery_filter {
 public:
  explicit twice_filter(std::size_t n) : groups_(n, 0) {}
  std::span<const std::uint32_t> group_of_gid() const override { return groups_; }
  void filter(step_t, step_t, std::span<const spike> spikes, std::vector<spike>&,
              std::vector<partial_delivery>& partial) override {
    for (const spike& s : spikes) partial.push_back({s, 0}), partial.push_back({s, 0});
  }

 private:
  std::vector<std::uint32_t> groups_;
};

std::vector<double> dst_trace(const network& net, std::shared_ptr<delivery_filter> f) {
  simulation_options opt;
  opt.threads = 1;
  opt.prec = precision::double_precision;
  auto sim = make_simulation(net, opt);
  if (f) sim->set_delivery_filter(f);
  std::vector<double> v;
  const index_t dst = 0;
  for (int s = 0; s < 50; ++s) {
    sim->step();
    v.push_back(sim->state("dst", "V_m", {&dst, 1})[0]);
  }
  return v;
}
}  // namespace

// The delivery_filter contract: every partial delivery counts, also two of one spike to one group
// (a late packet arriving in the step its source fires again) -- as two synapses would.
TEST(DeliveryFilter, RepeatedPartialDeliveriesEachCount) {
  const network net = converging_network(burst);
  network doubled = net;
  doubled.projections.push_back(doubled.projections[0]);
  const auto expected = dst_trace(doubled, nullptr);
  EXPECT_EQ(dst_trace(net, std::make_shared<twice_filter>(7)), expected);
  EXPECT_NE(dst_trace(net, nullptr), expected);
}

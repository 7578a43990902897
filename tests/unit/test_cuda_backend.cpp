// The CUDA backend's own parts, run through its Thrust-OMP build: both delivery strategies give
// the cpu backend's spikes, the automatic choice follows its documented rule, and errors are
// reported (device error flag, bad spikes, no GPU).
#include <gtest/gtest.h>

#include <neuromesh/core/config.hpp>
#include <neuromesh/core/errors.hpp>

#include "test_networks.hpp"

#if NEUROMESH_WITH_CUDA_ENABLED
#include <neuromesh/cuda/cuda_engine.hpp>

using namespace neuromesh;

namespace {

// Brunel with heterogeneous delays and one projection of very uneven rows (a few hubs).
network mixed_rows() {
  network net = builtin_network("brunel");
  net.populations[0].size = 800;
  net.populations[1].size = 200;
  for (auto& p : net.projections) {
    p.conn.n /= 10;
    p.delay = distribution{distribution::kind::uniform, 0.5, 3.0, 0.5, 3.0};
  }
  projection hubs;
  hubs.pre = net.populations[0].label;
  hubs.post = net.populations[0].label;
  hubs.pre_view = {0, 8};  // 8 hubs, 300 targets each
  hubs.conn.type = connector::kind::fixed_outdegree;
  hubs.conn.n = 300;
  hubs.weight = 0.05;
  hubs.delay = 2.0;
  net.projections.push_back(hubs);
  return resolve_receptors(std::move(net));  // what make_simulation does; engines are built directly here
}

std::vector<spike> run_with(const network& net, const engine_factory& factory, double ms) {
  simulation sim(net, {}, factory);
  sim.run(ms);
  return sim.spikes();
}

engine_factory omp_with(delivery_strategy s) {
  return [s](engine_config cfg) {
    gpu_preferences prefs;
    prefs.delivery = s;
    return cuda_omp::make_engine(std::move(cfg), prefs);
  };
}

}  // namespace

class DeliveryStrategy : public ::testing::TestWithParam<delivery_strategy> {};

TEST_P(DeliveryStrategy, SpikesBitIdenticalToCpu) {
  const network net = mixed_rows();
  const auto cpu = test_support::run_spikes(net, 200.0, 2);
  ASSERT_GT(cpu.size(), 1000u);
  EXPECT_TRUE(run_with(net, omp_with(GetParam()), 200.0) == cpu);
}

INSTANTIATE_TEST_SUITE_P(Cuda, DeliveryStrategy,
                         ::testing::Values(delivery_strategy::presynaptic, delivery_strategy::load_balanced,
                                           delivery_strategy::automatic));

// Every launch in OpenMP parallel regions (threads adding into the ring buffers at once, with
// atomics), both strategies, Poisson drive fused into the update launch (a GPU's default) or
// not: still the cpu backend's spikes.
TEST(CudaOmp, ParallelLaunchesGiveTheSameSpikes) {
  const network net = mixed_rows();
  const auto cpu = test_support::run_spikes(net, 100.0, 2);
  for (delivery_strategy s : {delivery_strategy::presynaptic, delivery_strategy::load_balanced}) {
    simulation_options opt;
    opt.threads = 2;
    simulation sim(net, opt, [s](engine_config cfg) {
      gpu_preferences prefs;
      prefs.delivery = s;
      prefs.host_serial_below = 0;
      prefs.fuse_poisson = s == delivery_strategy::presynaptic;  // the GPU's fused launch, and not
      return cuda_omp::make_engine(std::move(cfg), prefs);
    });
    sim.run(100.0);
    EXPECT_TRUE(sim.spikes() == cpu);
  }
}

TEST(CudaDelivery, AutomaticChoiceFollowsRowShapeAndSpikeCount) {
  EXPECT_EQ(choose_delivery({100.0, 130}, 5000), delivery_strategy::presynaptic);    // long, even, many spikes
  EXPECT_EQ(choose_delivery({100.0, 130}, 50), delivery_strategy::load_balanced);    // long rows, few spikes
  EXPECT_EQ(choose_delivery({10.0, 20}, 50), delivery_strategy::presynaptic);        // short rows
  EXPECT_EQ(choose_delivery({10.0, 3000}, 5000), delivery_strategy::load_balanced);  // uneven rows (hubs)
}

// Input that arrives after its step was simulated is a broken invariant: device code flags it
// and the host throws after the chunk.
TEST(CudaErrors, DeviceFlagReportsLateInput) {
  const network net = mixed_rows();
  engine_config cfg;
  cfg.net = &net;
  cfg.part = make_block_partition(net, 1);
  auto e = cuda_omp::make_engine(std::move(cfg));
  std::vector<spike> fired;
  e->advance(0, 1, {}, fired);
  const std::vector<spike> late = {{0, 3}};  // fired at step 0, delays >= 5 steps: due at step >= 5
  EXPECT_NO_THROW(e->advance(1, 1, late, fired));
  try {
    e->advance(100, 1, late, fired);
    FAIL() << "late input should be reported";
  } catch (const internal_error& err) {
    EXPECT_NE(std::string(err.what()).find("already simulated"), std::string::npos) << err.what();
  }
  const std::vector<spike> unknown = {{200, 123456}};
  EXPECT_THROW(e->deliver(unknown), config_error);
}

TEST(CudaErrors, NoGpuIsReportedWithTheDriverProblem) {
  if (cuda::device_count() > 0) GTEST_SKIP() << "a CUDA GPU is present";
  EXPECT_NE(cuda::device_problem(0).find("backend=\"cpu\""), std::string::npos) << cuda::device_problem(0);
  EXPECT_EQ(cuda_omp::device_problem(0), "");
}

TEST(CudaGpu, RunsOnTheDeviceBitIdenticalToCpu) {
  if (const std::string why = cuda::device_problem(0); !why.empty()) GTEST_SKIP() << why;
  const network net = mixed_rows();
  const auto cpu = test_support::run_spikes(net, 200.0, 2);
  for (delivery_strategy s : {delivery_strategy::presynaptic, delivery_strategy::load_balanced})
    EXPECT_TRUE(run_with(
                    net,
                    [s](engine_config cfg) {
                      gpu_preferences prefs;
                      prefs.delivery = s;
                      return cuda::make_engine(std::move(cfg), prefs);
                    },
                    200.0) == cpu);
}

#else
TEST(CudaBackend, NotBuilt) { GTEST_SKIP() << "this build has no CUDA backend (NEUROMESH_WITH_CUDA off)"; }
#endif

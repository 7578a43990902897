// Time grid, fixed point, partition, ring buffer: the small pieces everything relies on.
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/partition.hpp>
#include <neuromesh/core/ring_buffer.hpp>
#include <neuromesh/core/time.hpp>

using namespace neuromesh;

TEST(TimeGrid, StepsAndDelays) {
  const time_grid g(0.1);
  EXPECT_EQ(g.on_grid_steps(1.5, "t"), 15);
  EXPECT_DOUBLE_EQ(g.ms(15), 1.5);
  EXPECT_EQ(g.delay_steps(0.1, "d"), 1);
  EXPECT_EQ(g.delay_steps(1.5, "d"), 15);
  EXPECT_THROW(g.delay_steps(0.04, "d"), config_error);
  EXPECT_THROW(g.delay_steps(1e9, "d"), config_error);
  EXPECT_THROW(time_grid(0.0), config_error);
  EXPECT_THROW(time_grid(-0.1), config_error);
}

// NEST 3.10's conversions, measured with the nest-simulator wheel at resolution 0.1 (tests/crosscheck
// repeats them end to end): delays round half up in steps (0.15 ms arrives after 2 steps, not 1 as
// llround(0.15 / 0.1) = llround(1.4999999999999998) gave), 1.4496 -> 14 (no tics for delays);
// refractory periods round UP from integer tics (2.04 and 2.05 -> 21 steps, 2.0004 -> 20, 2.0006 -> 21).
TEST(TimeGrid, ConvertsLikeNest) {
  const time_grid g(0.1);
  for (const auto& [d, steps] :
       {std::pair{0.15, 2}, {0.35, 4}, {1.45, 15}, {2.05, 21}, {0.14, 1}, {1.4496, 14}, {1.4504, 15}, {0.05, 1}})
    EXPECT_EQ(g.delay_steps(d, "d"), steps) << d;
  EXPECT_THROW(g.delay_steps(0.0499, "d"), config_error);
  for (const auto& [t, steps] : {std::pair{2.0, 20},
                                 {2.04, 21},
                                 {2.05, 21},
                                 {2.1, 21},
                                 {2.15, 22},
                                 {2.0004, 20},
                                 {2.0006, 21},
                                 {0.04, 1},
                                 {0.0, 0}})
    EXPECT_EQ(g.duration_steps(t), steps) << t;
}

TEST(TimeGrid, TimesOffTheGridAreErrorsUnlessRoundedUpOnRequest) {
  const time_grid g(0.1);
  EXPECT_EQ(g.on_grid_steps(0.3, "t"), 3);
  EXPECT_EQ(g.on_grid_steps(1000.0, "t"), 10000);
  EXPECT_THROW(g.on_grid_steps(0.25, "duration"), config_error);
  EXPECT_THROW(g.on_grid_steps(-1.0, "duration"), config_error);
  EXPECT_THROW(g.on_grid_steps(std::numeric_limits<double>::infinity(), "duration"), config_error);
  // Spike times: fired in the step that ends at t; 1.0000001 is 1.0 to the tic (as NEST).
  EXPECT_EQ(g.spike_step(1.0, false, "s"), 9);
  EXPECT_EQ(g.spike_step(1.0000001, false, "s"), 9);
  EXPECT_THROW(g.spike_step(1.05, false, "s"), config_error);
  EXPECT_EQ(g.spike_step(1.05, true, "s"), 10);  // rounded up to 1.1 ms
  EXPECT_EQ(g.spike_step(1.01, true, "s"), 10);
  EXPECT_THROW(g.spike_step(0.0, true, "s"), config_error);
  EXPECT_THROW(g.spike_step(1e300, true, "s"), config_error);  // no overflow of the tic count
  // Steps finer than NEST's default tic get finer tics; steps that are no whole number of ns do not.
  EXPECT_EQ(time_grid(0.0001).on_grid_steps(0.001, "t"), 10);
  EXPECT_THROW(time_grid(1e-10), config_error);
  try {
    g.on_grid_steps(0.25, "duration");
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("0.2 or 0.3 ms"), std::string::npos) << e.what();
  }
}

TEST(FixedPoint, ResolutionIsTwoToMinus32AndSumsAreOrderIndependent) {
  EXPECT_EQ(to_fixed(1.0f), fixed_t{1} << 32);
  EXPECT_EQ(to_fixed(-0.5f), -(fixed_t{1} << 31));
  EXPECT_DOUBLE_EQ(from_fixed(1), std::ldexp(1.0, -32));
  // Weights that do not add associatively in float sum to the same value in any order here.
  const float w[] = {1e8f, 1.0f, -1e8f, 3.25e-3f, 7.0f};
  fixed_t forward = 0, backward = 0;
  for (int i = 0; i < 5; ++i) forward += to_fixed(w[i]);
  for (int i = 4; i >= 0; --i) backward += to_fixed(w[i]);
  EXPECT_EQ(forward, backward);
  EXPECT_NEAR(from_fixed(forward), 8.00325, 1e-6);
}

TEST(Partition, BlocksCoverEveryNeuronOnce) {
  network net;
  net.populations.push_back({"A", 10, "iaf_psc_exp", {}, {}, {}});
  net.populations.push_back({"B", 3, "iaf_psc_exp", {}, {}, {}});
  for (std::size_t shards : {1u, 2u, 3u, 5u}) {
    const partition p = make_block_partition(net, shards);
    ASSERT_EQ(p.n_shards(), shards);
    std::uint32_t total = 0;
    for (std::size_t s = 0; s < shards; ++s) {
      std::uint32_t offset = 0;
      for (const auto& sl : p.shards[s]) {
        EXPECT_EQ(sl.local_offset, offset);
        offset += sl.size();
      }
      total += p.local_size(s);
    }
    EXPECT_EQ(total, 13u);
    EXPECT_EQ(p.shards[shards - 1][0].end, 10u);
  }
  EXPECT_THROW(make_block_partition(net, 0), config_error);
}

TEST(RingBuffer, SlotsWrapAndReceptorsAreSeparate) {
  ring_buffer r(4, 3);
  r.row(0, 5)[2] += 7;
  r.row(1, 5)[2] += 9;
  EXPECT_EQ(r.row(0, 2)[2], 7);  // 5 mod 3 == 2 mod 3
  EXPECT_EQ(r.row(1, 8)[2], 9);
  EXPECT_EQ(r.row(0, 6)[2], 0);
}

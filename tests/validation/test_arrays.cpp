// (time, n) arrays in and out of a simulation in C++ (core/arrays.hpp, issue 14): spike counts fed
// into a spike source come out of parrot neurons one step later, count for count; samples run one
// after another in one simulation equal fresh simulations; a state read after every step equals
// stepping a fresh simulation by hand; wrong shapes and unrecorded outputs are errors naming them.
#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/arrays.hpp>
#include <neuromesh/core/errors.hpp>

using namespace neuromesh;

namespace {

constexpr std::size_t steps = 30;
constexpr index_t n = 5;

network parrots() {
  network net;
  net.dt = 0.5;
  net.populations.push_back({"input", n, "spike_source_array", {}, {}, {}});
  net.populations.push_back({"output", n, "parrot_neuron", {}, {}, {}});
  net.populations.push_back({"leaky", n, "iaf_psc_exp", {{"V_th", 1000.0}}, {}, {}});
  projection one;
  one.pre = "input";
  one.post = "output";
  one.conn.type = connector::kind::one_to_one;
  one.weight = 1.0;
  one.delay = 0.5;  // one step
  net.projections.push_back(one);
  one.post = "leaky";
  one.weight = 300.0;
  net.projections.push_back(one);
  net.recorders.push_back({"output", "spikes", 1.0, {}});
  return net;
}

std::vector<std::uint32_t> sample(unsigned seed) {
  std::vector<std::uint32_t> x(steps * n);
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = ((k * 7 + seed * 3) % 11 == 0) ? 1 + (k + seed) % 3 : 0;
  return x;
}

}  // namespace

TEST(Arrays, CountsInComeOutOfParrotsOneStepLater) {
  for (int threads : {1, 2}) {
    auto sim = make_simulation(parrots(), {.threads = threads});
    for (unsigned seed : {1u, 2u, 3u}) {
      const std::vector<std::uint32_t> x = sample(seed), y = run_spike_sample(*sim, "input", x, steps, "output");
      ASSERT_EQ(y.size(), steps * n);
      for (std::size_t t = 0; t + 1 < steps; ++t)
        for (index_t i = 0; i < n; ++i) EXPECT_EQ(y[(t + 1) * n + i], x[t * n + i]) << "step " << t << " neuron " << i;
      for (index_t i = 0; i < n; ++i) EXPECT_EQ(y[i], 0u);
      // the same sample in a fresh simulation with the trains in its description
      network net = parrots();
      net.populations[0].spike_times = spike_trains_from_counts(x, steps, n, net.dt);
      auto fresh = make_simulation(net, {.threads = threads});
      fresh->run(steps * net.dt);
      EXPECT_EQ(spike_counts(*fresh, "output", 0, steps), y);
    }
  }
}

TEST(Arrays, StateAfterEveryStepEqualsSteppingByHand) {
  auto sim = make_simulation(parrots(), {.threads = 1, .prec = precision::double_precision});
  const std::vector<std::uint32_t> x = sample(4);
  run_spike_sample(*sim, "input", sample(5), steps, "output");  // an earlier sample: reset must undo it
  const std::vector<double> v = run_state_sample(*sim, "input", x, steps, "leaky", "V_m");
  network net = parrots();
  net.populations[0].spike_times = spike_trains_from_counts(x, steps, n, net.dt);
  auto fresh = make_simulation(net, {.threads = 1, .prec = precision::double_precision});
  const std::vector<index_t> ids{0, 1, 2, 3, 4};
  bool moved = false;
  for (std::size_t t = 0; t < steps; ++t) {
    fresh->step();
    const std::vector<double> ref = fresh->state("leaky", "V_m", ids);
    for (index_t i = 0; i < n; ++i) {
      EXPECT_EQ(v[t * n + i], ref[i]) << "step " << t << " neuron " << i;
      moved |= ref[i] != ref[0] || ref[i] > -70.0;
    }
  }
  EXPECT_TRUE(moved);  // the input reached the readout
}

TEST(Arrays, WrongShapesAndUnrecordedOutputsAreNamed) {
  auto sim = make_simulation(parrots(), {.threads = 1});
  const std::vector<std::uint32_t> x(steps * n - 1, 0);
  EXPECT_THROW(run_spike_sample(*sim, "input", x, steps, "output"), config_error);
  try {
    run_spike_sample(*sim, "input", sample(1), steps, "leaky");
    FAIL() << "no error for an output without a spikes recorder";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("'leaky' records no spikes"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run_spike_sample(*sim, "nope", sample(1), steps, "output"), config_error);
}

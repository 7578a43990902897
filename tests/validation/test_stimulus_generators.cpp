// NEST's stimulation devices (stimulus_drives.hpp): the steps they act in (NEST 3.10's timing,
// measured; tests/crosscheck/test_crosscheck_stimuli.py compares V_m with NEST itself), the
// statistics of the noise and Poisson draws against the analytic values, bit-identical spikes for
// 1 and 2 threads, and validation errors that name the generator and the parameter.
#include <cmath>
#include <filesystem>
#include <numeric>

#include <gtest/gtest.h>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/network_json.hpp>
#include <neuromesh/neurons/lowered_population.hpp>

#include "test_networks.hpp"

using namespace neuromesh;

namespace {

constexpr double pi = 3.14159265358979323846;

network one_population(const std::string& stimuli, index_t n = 1) {
  return parse_network_json(R"({"dt": 0.1, "populations": [{"label": "N", "size": )" + std::to_string(n) +
                            R"(, "model": "iaf_psc_delta"}], "stimuli": [)" + stimuli + "]}");
}

stimulus_drives drives_of(const network& net) { return lowered_population(net, 0, 0).drives(); }

void expect_config_error(const std::string& stimuli, const std::string& expected) {
  const network net = one_population(stimuli, 3);
  try {
    validate(net);
    ADD_FAILURE() << "no error for " << stimuli;
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
}

}  // namespace

// step_current_generator connected with NEST's smallest delay (the default): amplitude_times[i]
// = 10 ms acts from the update (10.1, 10.2] on (NEST 3.10 measured), windowed by start/stop.
TEST(StimulusGenerators, StepCurrentActsOneStepAfterItsTimesLikeNest) {
  const auto d = drives_of(one_population(
      R"({"type": "step_current_generator", "target": "N", "amplitude_times": [10.0, 12.5],
          "amplitude_values": [100.0, -30.0], "start": 11.0, "stop": 20.0})"));
  ASSERT_EQ(d.dc.size(), 1u);
  EXPECT_EQ(current_amplitude(d.dc, 110), 0.0) << "before start (device step 109)";
  EXPECT_EQ(current_amplitude(d.dc, 111), 100.0);
  EXPECT_EQ(current_amplitude(d.dc, 125), 100.0);
  EXPECT_EQ(current_amplitude(d.dc, 126), -30.0);
  EXPECT_EQ(current_amplitude(d.dc, 200), -30.0);
  EXPECT_EQ(current_amplitude(d.dc, 201), 0.0) << "stop: the last device step is 199";
  // delay 0: the times mean the update that starts there (PyNN's convention, dc_source's).
  const auto z = drives_of(one_population(
      R"({"type": "step_current_generator", "target": "N", "amplitude_times": [10.0], "amplitude_values": [5.0],
          "delay": 0.0})"));
  EXPECT_EQ(current_amplitude(z.dc, 99), 0.0);
  EXPECT_EQ(current_amplitude(z.dc, 100), 5.0);
}

// ac_generator: offset + amplitude sin(2 pi f t + phase) with t the device time (u - 1) h.
TEST(StimulusGenerators, AcGeneratorIsNestsSine) {
  const auto d = drives_of(one_population(
      R"({"type": "ac_generator", "target": "N", "amplitude": 100.0, "offset": 50.0, "frequency": 100.0,
          "phase": 30.0, "start": 10.0, "stop": 20.0})"));
  EXPECT_EQ(current_amplitude(d.dc, 100), 0.0);
  EXPECT_EQ(current_amplitude(d.dc, 201), 0.0);
  for (step_t u = 101; u <= 200; ++u)
    EXPECT_NEAR(current_amplitude(d.dc, u), 50.0 + 100.0 * std::sin(2 * pi * 0.1 * 0.1 * (u - 1) + pi / 6), 1e-9);
}

// noise_generator: a new draw every dt after start, per neuron; mean and standard deviation per
// interval against mean and sqrt(std^2 + std_mod^2 sin(omega t + phase)), over 20000 neurons.
// Each check is at 5 standard errors (a false failure about once in 1.7 million per check).
TEST(StimulusGenerators, NoiseHasNestsMeanAndModulatedVariancePerInterval) {
  const network net = one_population(
      R"({"type": "noise_generator", "target": "N", "mean": 30.0, "std": 50.0, "std_mod": 40.0, "frequency": 20.0,
          "phase": 45.0, "dt": 0.5, "start": 2.0})");
  const auto d = drives_of(net);
  ASSERT_EQ(d.noise.size(), 1u);
  EXPECT_TRUE(d.at(20).noise.empty()) << "inactive before start + delay";
  const int n = 20000;
  for (step_t u = 21; u < 21 + 40; u += 3) {
    const drive_step now = d.at(u);
    ASSERT_EQ(now.noise.size(), 1u);
    const step_t j = (u - 1 - 20) / 5;  // the interval of dt = 5 steps
    EXPECT_EQ(now.noise[0].interval, static_cast<std::uint32_t>(j));
    const double var = 50.0 * 50.0 + 40.0 * 40.0 * std::sin(2 * pi * 20.0 * 1e-4 * (j * 5 + 1) + pi / 4);
    double sum = 0, sum2 = 0;
    for (gid_t g = 0; g < n; ++g) {
      const double x = now.noise[0].value(net.seed, g);
      sum += x;
      sum2 += x * x;
    }
    const double mean = sum / n, sample_var = sum2 / n - mean * mean;
    EXPECT_NEAR(mean, 30.0, 5 * std::sqrt(var / n)) << "update " << u;
    EXPECT_NEAR(sample_var, var, 5 * var * std::sqrt(2.0 / n)) << "update " << u;
  }
  // Constant within an interval, new in the next one.
  EXPECT_EQ(d.at(21).noise[0].value(net.seed, 7), d.at(25).noise[0].value(net.seed, 7));
  EXPECT_NE(d.at(25).noise[0].value(net.seed, 7), d.at(26).noise[0].value(net.seed, 7));
}

// Poisson generators: the count per neuron and step against rate x h in time bins; the counts of
// 4000 neurons x 10 steps per bin are Poisson, checked at 5 standard errors.
TEST(StimulusGenerators, InhomogeneousAndSinusoidalPoissonRatesPerBin) {
  const network net = one_population(
      R"({"type": "inhomogeneous_poisson_generator", "target": "N", "rate_times": [10.0, 20.0, 30.0],
          "rate_values": [800.0, 0.0, 2500.0], "weight": 1.0},
         {"type": "sinusoidal_poisson_generator", "target": "N", "rate": 1000.0, "amplitude": 1500.0,
          "frequency": 50.0, "phase": 90.0, "weight": 1.0})");
  const auto d = drives_of(net);
  ASSERT_EQ(d.rates.size(), 2u);
  const int n = 4000;
  const double h = 1e-4;  // s
  for (int which = 0; which < 2; ++which)
    for (step_t bin = 0; bin < 40; bin += 3) {
      double expected = 0, count = 0;
      for (step_t u = bin * 10; u < bin * 10 + 10; ++u) {
        const step_t c = u - 1;  // device step (delay one step)
        double rate = 0;
        if (which == 0) {
          const step_t t = c + 1;  // the rate changes one step ahead (NEST)
          if (c > 0) rate = t >= 300 ? 2500.0 : t >= 200 ? 0.0 : t >= 100 ? 800.0 : 0.0;
        } else if (c >= 0) {
          rate = std::max(0.0, 1000.0 + 1500.0 * std::sin(2 * pi * 50.0 * h * (c + 1) + pi / 2));
        }
        expected += n * rate * h;
        rate_now r;
        ASSERT_EQ(d.rates[which].at(u, r), rate > 0) << "update " << u;
        if (rate > 0) {
          EXPECT_NEAR(r.mean, rate * h, 1e-12);
          for (gid_t g = 0; g < n; ++g)
            count += static_cast<double>(r.input(net.seed, g, static_cast<std::uint32_t>(u)));
        }
      }
      count /= static_cast<double>(to_fixed(1.0f));
      EXPECT_NEAR(count, expected, 5 * std::sqrt(expected) + 1e-9)
          << (which ? "sinusoidal" : "inhomogeneous") << " bin " << bin;
    }
}

TEST(StimulusGenerators, SharedSinusoidalTrainIsTheSameForAllNeurons) {
  const network net = one_population(
      R"({"type": "sinusoidal_poisson_generator", "target": "N", "rate": 5000.0, "weight": 1.0,
          "individual_spike_trains": false},
         {"type": "sinusoidal_poisson_generator", "target": "N", "rate": 5000.0, "weight": 1.0})");
  const auto d = drives_of(net);
  int differ_shared = 0, differ_individual = 0;
  for (step_t u = 1; u < 200; ++u) {
    rate_now shared, individual;
    ASSERT_TRUE(d.rates[0].at(u, shared) && d.rates[1].at(u, individual));
    const auto step = static_cast<std::uint32_t>(u);
    differ_shared += shared.input(net.seed, 3, step) != shared.input(net.seed, 11, step);
    differ_individual += individual.input(net.seed, 3, step) != individual.input(net.seed, 11, step);
  }
  EXPECT_EQ(differ_shared, 0);
  EXPECT_GT(differ_individual, 20);
}

// The determinism contract for every generator: 1 and 2 threads give the same spikes, in float
// and double (cuda-omp against cpu: test_backend_equivalence, stimulus_zoo).
TEST(StimulusGenerators, SpikesBitIdenticalForOneAndTwoThreads) {
  const network net = test_support::stimulus_zoo();
  const auto one = test_support::run_spikes(net, 100.0, 1);
  ASSERT_GT(one.size(), 500u) << "the devices should make the populations fire";
  EXPECT_TRUE(one == test_support::run_spikes(net, 100.0, 2));
  const auto dbl = test_support::run_spikes(net, 100.0, 1, precision::double_precision);
  EXPECT_TRUE(dbl == test_support::run_spikes(net, 100.0, 2, precision::double_precision));
}

// Each device changes the spikes (none is silently dropped on the way to the engine).
TEST(StimulusGenerators, EveryDeviceActs) {
  const network net = test_support::stimulus_zoo();
  const auto all = test_support::run_spikes(net, 100.0, 1);
  for (std::size_t k = 0; k < net.stimuli.size(); ++k) {
    network without = net;
    without.stimuli[k].stop = without.stimuli[k].start;  // silenced; the others keep their keys
    EXPECT_FALSE(test_support::run_spikes(without, 100.0, 1) == all) << "stimuli[" << k << "] has no effect";
  }
}

TEST(StimulusGenerators, ValidationNamesTheGeneratorAndParameter) {
  expect_config_error(R"({"type": "step_current_generator", "target": "N", "amplitude_times": [1.0, 2.05],
                          "amplitude_values": [1.0, 2.0]})",
                      "stimuli[0].amplitude_times[1]: step_current_generator: 2.05 ms is not a multiple");
  expect_config_error(R"({"type": "step_current_generator", "target": "N", "amplitude_times": [1.0, 1.0],
                          "amplitude_values": [1.0, 2.0]})",
                      "stimuli[0].amplitude_times[1]: step_current_generator: amplitude_times must be strictly "
                      "increasing");
  expect_config_error(R"({"type": "step_current_generator", "target": "N", "amplitude_times": [1.0, 2.0],
                          "amplitude_values": [1.0]})",
                      "stimuli[0].amplitude_values: step_current_generator: amplitude_times has 2 entries and "
                      "amplitude_values 1");
  expect_config_error(R"({"type": "inhomogeneous_poisson_generator", "target": "N", "rate_times": [1.0],
                          "rate_values": [-5.0], "weight": 1.0})",
                      "stimuli[0].rate_values[0]: inhomogeneous_poisson_generator: rates must be >= 0 Hz");
  expect_config_error(R"({"type": "inhomogeneous_poisson_generator", "target": "N", "rate_times": [1.0, 0.5],
                          "rate_values": [5.0, 1.0], "weight": 1.0})",
                      "stimuli[0].rate_times[1]: inhomogeneous_poisson_generator: rate_times must be strictly");
  expect_config_error(R"({"type": "sinusoidal_poisson_generator", "target": "N", "rate": -1.0, "weight": 1.0})",
                      "stimuli[0].rate: sinusoidal_poisson_generator: rate must be");
  expect_config_error(R"({"type": "noise_generator", "target": "N", "std": 1.0, "std_mod": 2.0})",
                      "stimuli[0].std_mod: noise_generator: std_mod must lie in [0, std]");
  expect_config_error(R"({"type": "noise_generator", "target": "N", "std": 1.0, "dt": 0.25})",
                      "stimuli[0].dt: 0.25 ms is not a multiple");
  expect_config_error(R"({"type": "ac_generator", "target": "N", "amplitude": 1.0, "frequency": -3.0})",
                      "stimuli[0].frequency: ac_generator: frequency must be");
  expect_config_error(R"({"type": "ac_generator", "target": "N", "start": 0.05})", "stimuli[0].start: 0.05 ms");
  expect_config_error(R"({"type": "dc_source", "target": "N", "amplitude": 1.0, "delay": 0.15})",
                      "stimuli[0].delay: 0.15 ms is not a multiple");
  // Off-grid times are rounded up when allowed (NEST's allow_offgrid_times).
  const auto d = drives_of(one_population(
      R"({"type": "step_current_generator", "target": "N", "amplitude_times": [1.03], "amplitude_values": [4.0],
          "allow_offgrid_times": true})"));
  EXPECT_EQ(d.dc[0].times, std::vector<step_t>{11});
  // Unknown devices and keys are named.
  EXPECT_THROW(one_population(R"({"type": "gamma_sup_generator", "target": "N"})"), config_error);
  EXPECT_THROW(one_population(R"({"type": "ac_generator", "target": "N", "amplitudes": 1.0})"), config_error);
}

// The devices keep no state (each step's currents and counts are functions of the step): a run
// saved mid-window and resumed gives the uninterrupted run's spikes; a changed device parameter
// makes the checkpoint another network's.
TEST(StimulusGenerators, CheckpointResumesBitIdenticallyAndKnowsTheDevices) {
  const network net = test_support::stimulus_zoo();
  const std::string dir = test_support::unique_temp_dir(), path = dir + "/c.ckpt";
  simulation_options opt;
  opt.threads = 2;
  const auto ref = test_support::run_spikes(net, 60.0, 2);
  std::vector<spike> got;
  {
    auto sim = make_simulation(net, opt);
    sim->run(23.7);
    sim->save_checkpoint(path);
    got = sim->spikes();
  }
  opt.resume = path;
  auto sim = make_simulation(net, opt);
  sim->run(60.0 - 23.7);
  got.insert(got.end(), sim->spikes().begin(), sim->spikes().end());
  EXPECT_TRUE(got == ref);
  network changed = net;
  changed.stimuli[2].std_mod = 90.0;  // the noise_generator
  EXPECT_THROW(make_simulation(changed, opt), config_error);
  std::filesystem::remove_all(dir);
}

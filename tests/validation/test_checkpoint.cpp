// Checkpoint and restart (issue 17): a run saved at step k and resumed by a new simulation --
// with the same or another thread count -- gives the spikes, the final state and the output file
// of the uninterrupted run, bit for bit; a checkpoint of another network, or a damaged one, is
// refused with an error naming what is wrong.
#include <algorithm>
#include <bit>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <neuromesh/core/io/sonata_reader.hpp>

#include "test_networks.hpp"

using namespace neuromesh;

namespace {

// Brunel scaled down with delays of 0.5-3 ms, so ring buffers hold input several steps ahead,
// a DC current on I, and a state report.
network small_brunel() {
  network net = test_support::brunel_with_delay_distribution();
  stimulus dc;
  dc.type = stimulus::kind::dc_source;
  dc.target = "I";
  dc.amplitude = 30.0;
  dc.start = 10.0;
  dc.stop = 40.0;
  net.stimuli.push_back(dc);
  net.recorders.push_back({"E", "spikes", 1.0, {}});
  net.recorders.push_back({"I", "spikes", 1.0, {}});
  net.recorders.push_back({"E", "V_m", 0.5, {0, 3, 401, 799}});
  return net;
}

// A mostly silent chain (the active set puts it to sleep) started by spike sources on both sides
// of the checkpoint.
network chain() {
  std::vector<std::vector<double>> times(10, {5.0});
  for (auto& t : times) t.push_back(31.0);  // a second wave, after the checkpoint
  return test_support::synfire_chain(times, 6, 50);
}

struct outcome {
  std::vector<spike> spikes;
  std::vector<double> v;
};

std::vector<index_t> all_ids(const network& net, const std::string& pop) {
  std::vector<index_t> ids(net.populations[net.population_index(pop, "test")].size);
  for (index_t i = 0; i < ids.size(); ++i) ids[i] = i;
  return ids;
}

void closed_loop_input(simulation& sim) {
  const std::vector<index_t> ids{1, 2, 3};
  const std::vector<double> pA{150.0, -80.0, 20.0};
  sim.set_current(sim.description().populations[0].label, ids, pA);
}

outcome finish(simulation& sim, std::vector<spike> before) {
  outcome o;
  o.spikes = std::move(before);
  o.spikes.insert(o.spikes.end(), sim.spikes().begin(), sim.spikes().end());
  const network& net = sim.description();
  const std::string last = net.populations.back().label;
  o.v = sim.state(last, "V_m", all_ids(net, last));
  return o;
}

outcome uninterrupted(const network& net, simulation_options opt, double ms) {
  auto sim = make_simulation(net, opt);
  sim->step();
  closed_loop_input(*sim);
  sim->run(ms - net.dt);
  return finish(*sim, {});
}

// Runs `k_ms` with `threads_before`, saves, and resumes in a new simulation with `threads_after`
// (on `backend_after` if given).
outcome resumed_run(const network& net, simulation_options opt, double k_ms, double ms, int threads_before,
                    int threads_after, const std::string& path, const std::string& backend_after = "") {
  std::vector<spike> before;
  {
    opt.threads = threads_before;
    auto sim = make_simulation(net, opt);
    sim->step();
    closed_loop_input(*sim);
    sim->run(k_ms - net.dt);
    sim->save_checkpoint(path);
    before = sim->spikes();
  }
  opt.threads = threads_after;
  opt.resume = path;
  if (!backend_after.empty()) opt.backend = backend_after;
  auto sim = make_simulation(net, opt);
  EXPECT_DOUBLE_EQ(sim->time_ms(), k_ms);
  sim->run(ms - k_ms);
  return finish(*sim, before);
}

struct split {
  precision prec;
  int before, after;
};

std::ostream& operator<<(std::ostream& os, const split& s) {
  return os << (s.prec == precision::single ? "float" : "double") << "_" << s.before << "_to_" << s.after;
}

}  // namespace

class Checkpoint : public ::testing::TestWithParam<split> {};

TEST_P(Checkpoint, ResumedRunIsBitIdenticalToUninterrupted) {
  const split c = GetParam();
  const std::string dir = test_support::unique_temp_dir();
  for (const network& net : {small_brunel(), chain()}) {
    simulation_options opt;
    opt.prec = c.prec;
    opt.threads = c.before;
    const outcome ref = uninterrupted(net, opt, 60.0);
    ASSERT_GT(ref.spikes.size(), 200u) << net.populations.size() << " populations";
    // 23.7 ms: mid-epoch for every minimum delay used here, input pending in the ring buffers.
    const outcome got = resumed_run(net, opt, 23.7, 60.0, c.before, c.after, dir + "/c.ckpt");
    EXPECT_EQ(got.spikes, ref.spikes) << net.populations.size() << " populations";
    ASSERT_EQ(got.v.size(), ref.v.size());
    for (std::size_t i = 0; i < ref.v.size(); ++i)
      ASSERT_EQ(std::bit_cast<std::uint64_t>(got.v[i]), std::bit_cast<std::uint64_t>(ref.v[i])) << "neuron " << i;
  }
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(ThreadsAndPrecision, Checkpoint,
                         ::testing::Values(split{precision::single, 1, 1}, split{precision::single, 2, 2},
                                           split{precision::single, 3, 3}, split{precision::single, 2, 1},
                                           split{precision::single, 2, 3}, split{precision::double_precision, 1, 1},
                                           split{precision::double_precision, 2, 3},
                                           split{precision::double_precision, 2, 1}),
                         [](const auto& info) {
                           std::ostringstream os;
                           os << info.param;
                           return os.str();
                         });

// The cuda backends (where built): saved and resumed on the backend itself, and across backends
// (written on the device, resumed on cpu, and the other way), as the uninterrupted cpu run.
class CheckpointBackend : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckpointBackend, ResumesBitIdenticallyOnAndAcrossBackends) {
  const std::string backend = GetParam();
  const auto& built = features().backends;
  if (std::find(built.begin(), built.end(), backend) == built.end())
    GTEST_SKIP() << "backend " << backend << " is not built";
  const std::string dir = test_support::unique_temp_dir();
  const network net = small_brunel();
  simulation_options cpu;
  cpu.threads = 2;
  simulation_options dev = cpu;
  dev.backend = backend;
  try {
    make_simulation(net, dev);
  } catch (const backend_unavailable& e) {
    GTEST_SKIP() << "backend " << backend << " cannot run here: " << e.what();
  }
  const outcome ref = uninterrupted(net, cpu, 40.0);
  for (const auto& [before, after] : {std::pair{dev, dev}, std::pair{dev, cpu}, std::pair{cpu, dev}}) {
    const outcome got = resumed_run(net, before, 17.3, 40.0, 2, 3, dir + "/b.ckpt", after.backend);
    EXPECT_EQ(got.spikes, ref.spikes) << before.backend << " -> " << after.backend;
    EXPECT_EQ(got.v, ref.v) << before.backend << " -> " << after.backend;
  }
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Backends, CheckpointBackend, ::testing::Values("cuda-omp", "cuda"), [](const auto& info) {
  return info.param == "cuda-omp" ? std::string("cuda_omp") : info.param;
});

// Periodic checkpoints during run() with an output file: the run goes on past the last checkpoint
// (as a killed run would have), and the resumed run's file -- the same path, continued -- equals
// the uninterrupted run's file.
TEST(CheckpointOutput, ResumeContinuesTheOutputFile) {
  const std::string dir = test_support::unique_temp_dir();
  const network net = small_brunel();
  simulation_options opt;
  opt.threads = 2;
  opt.output = dir + "/ref.h5";
  {
    auto sim = make_simulation(net, opt);
    sim->run(50.0);
  }
  opt.output = dir + "/out.h5";
  opt.checkpoint_every_ms = 20.0;
  {
    auto sim = make_simulation(net, opt);
    sim->run(50.0);  // checkpoints at 20 and 40 ms; the file goes on to 50 ms
  }
  ASSERT_TRUE(std::filesystem::exists(dir + "/out.h5.ckpt"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.h5.ckpt.tmp"));
  opt.checkpoint_every_ms = 0;
  opt.threads = 3;
  opt.resume = dir + "/out.h5.ckpt";
  {
    auto sim = make_simulation(net, opt);
    EXPECT_DOUBLE_EQ(sim->time_ms(), 40.0);
    sim->run(10.0);
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.h5.before-resume"));
  const auto ref = io::read_spikes(dir + "/ref.h5");
  const auto got = io::read_spikes(dir + "/out.h5");
  ASSERT_EQ(ref.size(), got.size());
  for (const auto& [pop, t] : ref) {
    EXPECT_EQ(got.at(pop).node_ids, t.node_ids) << pop;
    EXPECT_EQ(got.at(pop).timestamps_ms, t.timestamps_ms) << pop;
  }
  const auto ref_reports = io::read_reports(dir + "/ref.h5");
  const auto got_reports = io::read_reports(dir + "/out.h5");
  ASSERT_EQ(ref_reports.size(), 1u);
  for (const auto& [group, r] : ref_reports) {
    EXPECT_EQ(got_reports.at(group).frames, r.frames) << group;
    EXPECT_EQ(got_reports.at(group).data, r.data) << group;
  }
  const auto prov = io::read_provenance(dir + "/out.h5");
  EXPECT_EQ(prov.text.at("status"), "complete");
  EXPECT_EQ(prov.text.at("resumed_from"), dir + "/out.h5.ckpt");
  EXPECT_DOUBLE_EQ(prov.numbers.at("duration_ms"), 50.0);
  std::filesystem::remove_all(dir);
}

TEST(CheckpointErrors, AnotherNetworkIsRefusedSayingWhatDiffers) {
  const std::string dir = test_support::unique_temp_dir();
  const network net = chain();
  {
    auto sim = make_simulation(net, {});
    sim->run(10.0);
    sim->save_checkpoint(dir + "/c.ckpt");
  }
  simulation_options opt;
  opt.resume = dir + "/c.ckpt";
  network other = net;
  other.seed += 1;
  try {
    make_simulation(other, opt);
    ADD_FAILURE() << "a checkpoint of another seed was accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("seed"), std::string::npos) << e.what();
  }
  other = net;
  other.projections[1].weight = 1000.0;
  try {
    make_simulation(other, opt);
    ADD_FAILURE() << "a checkpoint of other projections was accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("projections"), std::string::npos) << e.what();
  }
  opt.prec = precision::double_precision;
  EXPECT_THROW(make_simulation(net, opt), config_error);
  std::filesystem::remove_all(dir);
}

TEST(CheckpointErrors, DamagedOrMissingCheckpointIsAnIoErrorNamingTheFile) {
  const std::string dir = test_support::unique_temp_dir();
  simulation_options opt;
  opt.resume = dir + "/missing.ckpt";
  try {
    make_simulation(chain(), opt);
    ADD_FAILURE() << "a missing checkpoint was accepted";
  } catch (const io_error& e) {
    EXPECT_EQ(e.path(), opt.resume);
  }
  std::ofstream(dir + "/junk.ckpt") << "not hdf5";
  opt.resume = dir + "/junk.ckpt";
  EXPECT_THROW(make_simulation(chain(), opt), io_error);
  std::filesystem::remove_all(dir);
}

TEST(CheckpointErrors, IntervalMustBePositiveAndOnTheGrid) {
  for (double t : {-1.0, 0.05, std::numeric_limits<double>::infinity()}) {
    simulation_options opt;
    opt.checkpoint_every_ms = t;
    EXPECT_THROW(make_simulation(chain(), opt), config_error) << t;
  }
}

// neuromesh::run, the one run orchestration of the CLI and Python (run.hpp): options are refused
// by the name the caller uses; a run gives the spikes of the simulation it describes; a resumed
// run goes on to the whole run's duration and refuses a checkpoint after it; the timing mode's
// reference is the ideal run; keep_open leaves a run that can be continued.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/run.hpp>

using namespace neuromesh;

namespace {

std::string temp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("neuromesh_test_run_" + name)).string();
}

// The message of the config_error check_run_options throws for `o` ("" if none).
std::string refusal(const run_options& o) {
  try {
    check_run_options(o);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

network small_network() {
  network net = builtin_network("vogels_abbott_cuba");
  net.recorders.clear();  // every neuron's spikes
  return net;
}

}  // namespace

TEST(Run, OptionsAreRefusedByTheNameTheCallerUses) {
  struct case_t {
    std::function<void(run_options&)> set;
    std::string cli, python;
  };
  const std::vector<case_t> cases = {
      {[](run_options& o) { o.link_capacity = 2; }, "--link-capacity: only applies with --timing",
       "link_capacity: only applies with timing"},
      {[](run_options& o) { o.step_time_us = 2; }, "--step-time-us: only applies", "step_time_us: only applies"},
      {[](run_options& o) { o.timing_reference = false; }, "--no-reference: only applies",
       "timing_reference: only applies"},
      {[](run_options& o) { o.timing = "delay"; }, "--timing: needs --hardware", "timing: needs hardware"},
      {[](run_options& o) { o.hardware = hardware_options{}, o.timing = "late"; }, "--timing 'late': not a timing mode",
       "timing = 'late': not a timing mode"},
      {[](run_options& o) { o.hardware = hardware_options{}, o.timing = "drop", o.link_capacity = 0; },
       "--link-capacity 0: must be > 0", "link_capacity = 0: must be > 0"},
      {[](run_options& o) { o.checkpoint = "x.ckpt"; }, "--checkpoint: only applies with --checkpoint-every",
       "checkpoint: only applies with checkpoint_every"},
      {[](run_options& o) { o.checkpoint_every_ms = 0; }, "--checkpoint-every: must be a time > 0",
       "checkpoint_every: must be a time > 0"},
      {[](run_options& o) { o.hardware = hardware_options{}, o.resume = "x.ckpt"; },
       "--resume: checkpoints do not save the hardware model's accounting (--hardware)",
       "resume: checkpoints do not save the hardware model's accounting (hardware)"},
      {[](run_options& o) { o.energy_json = "e.json"; }, "--energy-json: only applies with --hardware",
       "energy_json: only applies with hardware"},
      {[](run_options& o) { o.device = -1; }, "--device: GPU index must be >= 0", "device: GPU index must be >= 0"},
      {[](run_options& o) { o.hardware = hardware_options{}, o.keep_open = true; }, "cannot be continued",
       "cannot be continued"},
  };
  for (const auto& c : cases) {
    run_options o;
    c.set(o);
    EXPECT_NE(refusal(o).find(c.cli), std::string::npos) << refusal(o);
    o.names = option_names::python;
    EXPECT_NE(refusal(o).find(c.python), std::string::npos) << refusal(o);
  }
  EXPECT_EQ(refusal(run_options{}), "");
}

TEST(Run, GivesTheSpikesOfTheSimulationItDescribes) {
  const network net = small_network();
  auto direct = make_simulation(net, {.threads = 1});
  direct->run(50.0);
  run_options o;
  o.duration_ms = 50.0;
  o.threads = 2;
  o.keep_spikes_in_memory = true;
  std::vector<run_stage> begun;
  run_callbacks cb;
  cb.begin = [&](run_stage s, double) { begun.push_back(s); };
  const run_result r = run(net, o, cb);
  ASSERT_GT(direct->spikes().size(), 0u);
  EXPECT_EQ(r.sim->spikes(), direct->spikes());
  EXPECT_EQ(begun, (std::vector<run_stage>{run_stage::build, run_stage::simulate}));
  EXPECT_FALSE(r.energy || r.timing || r.mapping);
  // The overrides reach the network: another seed, other spikes.
  o.seed = net.seed + 1;
  EXPECT_NE(run(net, o).sim->spikes(), direct->spikes());
}

TEST(Run, ResumeGoesOnToTheWholeDurationAndRefusesACheckpointAfterIt) {
  const network net = small_network();
  const std::string out = temp("resume.h5"), ckpt = out + ".ckpt";
  run_options whole;
  whole.duration_ms = 60.0;
  whole.threads = 1;
  whole.keep_spikes_in_memory = true;
  const std::vector<spike> want = run(net, whole).sim->spikes();

  run_options first = whole;
  first.duration_ms = 40.0;
  first.output = out;
  first.checkpoint_every_ms = 20.0;
  run(net, first);
  run_options resumed = whole;
  resumed.output = out;
  resumed.resume = ckpt;
  resumed.threads = 3;
  const run_result r = run(net, resumed);
  EXPECT_DOUBLE_EQ(r.sim->time_ms(), 60.0);
  std::vector<spike> after;  // the uninterrupted run's spikes after the checkpoint at 40 ms
  for (const spike& s : want)
    if (static_cast<double>(s.step) * net.dt >= 40.0 - 1e-9) after.push_back(s);
  ASSERT_GT(after.size(), 0u);
  EXPECT_EQ(r.sim->spikes(), after);

  resumed.duration_ms = 30.0;  // the checkpoint is at 40 ms
  resumed.names = option_names::python;
  try {
    run(net, resumed);
    ADD_FAILURE() << "a checkpoint after the end of the run was accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("duration: the checkpoint"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("after the end of the run (30 ms)"), std::string::npos) << e.what();
  }
  std::filesystem::remove(out);
  std::filesystem::remove(ckpt);
}

TEST(Run, TimingModeIsComparedWithTheIdealRunAndKeepOpenContinues) {
  const network net = small_network();
  run_options o;
  o.duration_ms = 20.0;
  o.threads = 1;
  o.hardware = hardware_options{.hardware = "loihi"};
  o.timing = "delay";
  o.link_capacity = 1;
  std::vector<run_stage> begun;
  run_callbacks cb;
  cb.begin = [&](run_stage s, double) { begun.push_back(s); };
  const run_result timed = run(net, o, cb);
  EXPECT_EQ(begun, (std::vector<run_stage>{run_stage::reference, run_stage::build, run_stage::simulate}));
  ASSERT_TRUE(timed.timing && timed.energy && timed.mapping);
  const auto& ref = timed.timing->report().reference;
  ASSERT_TRUE(timed.timing->report().has_reference);
  run_options plain;
  plain.duration_ms = 20.0;
  plain.keep_spikes_in_memory = true;
  plain.keep_open = true;  // a plain run that Python continues
  const run_result ideal = run(net, plain);
  EXPECT_EQ(ref.spikes_ideal, ideal.sim->spikes().size());
  EXPECT_LT(ref.spikes_identical, ref.spikes_ideal);  // one packet per link and step: late deliveries
  EXPECT_GT(timed.energy->report().total_j, 0.0);
  ideal.sim->run(10.0);
  EXPECT_DOUBLE_EQ(ideal.sim->time_ms(), 30.0);
}

// The optional capabilities of the engine interface (core/engine.hpp): an engine that does not run
// weight recorders, keep synapses' run-time state, save its neurons' state or reset says so through
// the interface's defaults, and the simulation refuses such runs up front, naming the backend --
// never a recorder that stays empty, a checkpoint whose learnt weights restart from their initial
// values, or a resume that silently starts from scratch. Every engine built here (cpu, cuda,
// cuda-omp) has these capabilities, so the refusals are checked on a minimal engine written
// against the interface, as anyone adding a backend would start.
#include <algorithm>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/network_json.hpp>
#include <neuromesh/core/simulation.hpp>

#include "test_networks.hpp"

namespace neuromesh {
namespace {

// Neurons without dynamics (they never fire, their state reads 0) and none of the optional
// capabilities: only what engine.hpp requires is implemented.
class bare_engine final : public engine {
 public:
  explicit bare_engine(const engine_config& cfg) {
    for (const population& p : cfg.net->populations) neurons_ += p.size;
  }
  std::string name() const override { return "bare"; }
  void advance(step_t, int, std::span<const spike>, std::vector<spike>&) override {}
  void deliver(std::span<const spike>) override {}
  void set_current(std::size_t, std::span<const index_t>, std::span<const double>) override {}
  void read_state(std::size_t, int, std::span<const index_t>, std::span<double> out) const override {
    std::fill(out.begin(), out.end(), 0.0);
  }
  std::pair<int, std::string> find_state(std::size_t, const std::string&) const override { return {-1, ""}; }
  engine_statistics statistics() const override { return {.neurons = neurons_}; }

 private:
  std::uint64_t neurons_ = 0;
};

std::unique_ptr<engine> make_bare(engine_config cfg) { return std::make_unique<bare_engine>(cfg); }

// docs/network-format.md's weight-recorder example: a learning projection and a recorder on it.
network plastic(bool with_recorder) {
  network net = parse_network_json(R"({
    "populations": [
      {"label": "in", "size": 3, "model": "spike_source_array", "spike_times": [[1.0, 3.0], [1.2], [2.5]]},
      {"label": "out", "size": 10, "model": "iaf_psc_exp"}],
    "projections": [{"pre": "in", "post": "out", "connector": {"type": "all_to_all"},
                     "synapse": {"model": "stdp_synapse", "weight": 50.0, "delay": 1.0, "Wmax": 100.0}}],
    "weight_recorders": [{"projection": 0, "pre": [0, 1, 2], "post": [5]}]})");
  if (!with_recorder) net.weight_recorders.clear();
  validate(net);
  return net;
}

network static_synapses() {
  network net = plastic(false);
  net.projections[0].synapse = "static";
  net.projections[0].synapse_parameters.clear();
  validate(net);
  return net;
}

simulation_options one_thread() {
  simulation_options opt;
  opt.threads = 1;
  return opt;
}

// Runs f, which must throw backend_unavailable whose message has `said` and names the backend.
template <class F>
void expect_refusal(F&& f, const std::string& said) {
  try {
    f();
    ADD_FAILURE() << "accepted; expected a refusal saying '" << said << "'";
  } catch (const backend_unavailable& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(said), std::string::npos) << msg;
    EXPECT_NE(msg.find("the bare backend"), std::string::npos) << msg;
  }
}

TEST(EngineCapabilities, WeightRecordersRefusedWhereTheEngineDoesNotRunThem) {
  expect_refusal([] { simulation(resolve_receptors(plastic(true)), one_thread(), make_bare); }, "weight_recorders:");
  // Without the recorder the same network runs (on this engine, without learning: no spikes).
  simulation sim(resolve_receptors(plastic(false)), one_thread(), make_bare);
  sim.run(5.0);
  EXPECT_TRUE(sim.spikes().empty());
}

TEST(EngineCapabilities, CheckpointsOfPlasticSynapsesRefusedWhereTheEngineCannotKeepThem) {
  simulation_options every = one_thread();
  every.checkpoint_every_ms = 1.0;
  every.checkpoint = test_support::unique_temp_dir() + "capabilities_every.ckpt";
  expect_refusal([&] { simulation(resolve_receptors(plastic(false)), every, make_bare); },
                 "checkpoint_every: the bare backend cannot save or restore the state of plastic");
  simulation sim(resolve_receptors(plastic(false)), one_thread(), make_bare);
  sim.run(2.0);
  expect_refusal([&] { sim.save_checkpoint(test_support::unique_temp_dir() + "capabilities_plastic.ckpt"); },
                 "checkpoints: the bare backend cannot save or restore the state of plastic");
  EXPECT_FALSE(std::filesystem::exists(test_support::unique_temp_dir() + "capabilities_plastic.ckpt"));
}

TEST(EngineCapabilities, CheckpointsRefusedWhereTheEngineCannotSaveItsNeurons) {
  simulation sim(resolve_receptors(static_synapses()), one_thread(), make_bare);
  sim.run(2.0);
  const std::string path = test_support::unique_temp_dir() + "capabilities_static.ckpt";
  expect_refusal([&] { sim.save_checkpoint(path); }, "checkpoints: the bare backend cannot save its state");
  EXPECT_FALSE(std::filesystem::exists(path));
  expect_refusal([&] { sim.reset(); }, "reset: the bare backend cannot reset its state");
}

// A checkpoint written by the cpu engine cannot be resumed on one that cannot restore it: the
// plastic synapses' state (refused first), or the neurons' state.
TEST(EngineCapabilities, ResumeRefusedWhereTheEngineCannotRestore) {
  for (const bool learning : {true, false}) {
    const network net = learning ? plastic(false) : static_synapses();
    const std::string path =
        test_support::unique_temp_dir() + "capabilities_resume_" + std::to_string(learning) + ".ckpt";
    {
      auto sim = make_simulation(net, one_thread());
      sim->run(2.0);
      sim->save_checkpoint(path);
    }
    simulation_options resume = one_thread();
    resume.resume = path;
    ASSERT_NO_THROW(make_simulation(net, resume)) << "the cpu engine resumes it";
    expect_refusal([&] { simulation(resolve_receptors(net), resume, make_bare); },
                   learning ? "resume: the bare backend cannot save or restore the state of plastic"
                            : "resume: the bare backend cannot restore a checkpoint");
  }
}

}  // namespace
}  // namespace neuromesh

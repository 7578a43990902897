// The one lowering every backend calls (neurons/lowered_population.hpp): columns that do not
// depend on who owns which neurons, the model dispatch and its error, the stimulus drives, the
// spike schedule, and the identity the batched Poisson draw of both backends rests on.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/network_json.hpp>
#include <neuromesh/neurons/lowered_population.hpp>

using namespace neuromesh;

namespace {

const char* text = R"({"dt": 0.1, "seed": 7, "populations": [
  {"label": "E", "size": 9, "model": "iaf_psc_exp",
   "params": {"tau_m": {"distribution": "uniform", "low": 10, "high": 30}, "I_e": [0, 1, 2, 3, 4, 5, 6, 7, 8]},
   "initial": {"V_m": {"distribution": "normal", "mean": -65, "std": 5}}},
  {"label": "S", "size": 2, "model": "spike_source_array", "spike_times": [[2.0, 1.0, 1.0], [0.5]]}],
  "stimuli": [
    {"type": "dc_source", "target": "E", "amplitude": 5.0, "start": 1.0, "stop": 2.0},
    {"type": "poisson_generator", "target": "S", "rate": 100.0, "weight": 1.0, "receptor": "excitatory"},
    {"type": "poisson_generator", "target": "E", "rate": 8000.0, "weight": -2.5, "receptor": "inhibitory"},
    {"type": "dc_source", "target": "E", "amplitude": 7.0, "start": 1.5}]})";

shard_slice slice_of(std::size_t population, std::vector<index_t> ids) {
  shard_slice s;
  s.population = population;
  s.ids = std::move(ids);
  return s;
}

}  // namespace

TEST(LoweredPopulation, AnySliceGetsTheWholePopulationsValuesForItsNeurons) {
  const network net = parse_network_json(text);
  const lowered_population whole(net, 0, 100);
  const auto all = whole.columns<iaf_psc_exp, float>();
  EXPECT_FALSE(all.uniform_constants) << "tau_m is drawn per neuron";
  shard_slice block;
  block.begin = 3;
  block.end = 7;
  for (const shard_slice& sl : {block, slice_of(0, {1, 4, 8})}) {
    const lowered_population part(net, sl, 100);
    const auto mine = part.columns<iaf_psc_exp, float>();
    ASSERT_EQ(mine.n, sl.size());
    for (std::uint32_t i = 0; i < mine.n; ++i) {
      const index_t id = sl.id(i);
      EXPECT_EQ(part.gid(i), 100 + id);
      for (std::size_t j = 0; j < iaf_psc_exp::parameters.size(); ++j)
        EXPECT_EQ(mine.params[j * mine.n + i], all.params[j * all.n + id]);
      for (std::size_t j = 0; j < iaf_psc_exp::n_constants; ++j)
        EXPECT_EQ(mine.k[j * mine.n + i], all.k[j * all.n + id]);
      for (std::size_t j = 0; j < iaf_psc_exp::state.size(); ++j)
        EXPECT_EQ(mine.x[j * mine.n + i], all.x[j * all.n + id]);
    }
  }
}

TEST(LoweredPopulation, UnknownModelIsOneConfigErrorNamingThePopulation) {
  network net = parse_network_json(text);
  net.populations[0].model = "iaf_nope";
  try {
    const lowered_population low(net, 0, 0);
    ADD_FAILURE() << "no error for an unknown model";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("populations[E].model"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unknown model 'iaf_nope'"), std::string::npos) << e.what();
  }
}

TEST(LoweredPopulation, DispatchesOnTheModelNameAndNeverOnASource) {
  const network net = parse_network_json(text);
  const auto name = [](auto tag) { return std::string(decltype(tag)::type::name); };
  EXPECT_EQ(lowered_population(net, 0, 0).with_neuron_model(name), "iaf_psc_exp");
  const lowered_population source(net, 1, 9);
  EXPECT_TRUE(source.is_source());
  EXPECT_THROW(source.with_neuron_model(name), internal_error);
}

TEST(LoweredPopulation, SpikeScheduleIsSortedKeepsDuplicatesAndUsesGids) {
  const network net = parse_network_json(text);
  // A spike at t is fired in the step ending at t: 0.5 ms -> step 4 at dt 0.1.
  const std::vector<spike> expected{{4, 10}, {9, 9}, {9, 9}, {19, 9}};
  EXPECT_EQ(lowered_population(net, 1, 9).spike_schedule(), expected);
  EXPECT_EQ(lowered_population(net, slice_of(1, {1}), 9).spike_schedule(), std::vector<spike>({{4, 10}}));
}

TEST(LoweredPopulation, DrivesAreThePopulationsStimuliInNetworkOrder) {
  const network net = parse_network_json(text);
  const stimulus_drives d = lowered_population(net, 0, 0).drives();
  ASSERT_EQ(d.poisson.size(), 1u);
  const poisson_drive& p = d.poisson[0];
  EXPECT_EQ(p.receptor, 1u);
  EXPECT_EQ(p.weight, to_fixed(-2.5f));
  EXPECT_EQ(p.max_count, max_count_for(p.weight));
  EXPECT_EQ(p.purpose, static_cast<std::uint32_t>(rng_purpose::stimulus) | (2u << 8)) << "keyed by the stimulus index";
  ASSERT_EQ(d.dc.size(), 2u);
  EXPECT_EQ(d.dc[0].start, 10);
  EXPECT_EQ(d.dc[0].stop, 20);
  EXPECT_EQ(dc_amplitude(d.dc, 9), 0.0);
  EXPECT_EQ(dc_amplitude(d.dc, 15), 12.0);
  EXPECT_EQ(dc_amplitude(d.dc, 20), 7.0);
  EXPECT_EQ(dc_amplitude(d.dc, 1000000), 7.0) << "no stop: on to the end";
}

// Both backends batch the Poisson drive: the keyed streams' bits first (drive_u64, one Philox
// block per pair of steps), then the counts. That must be exactly the per-neuron draw, for even
// and odd steps.
TEST(LoweredPopulation, BatchedPoissonCountsAreThePerNeuronDraws) {
  const network net = parse_network_json(text);
  const poisson_drive p = lowered_population(net, 0, 0).drives().poisson[0];
  ASSERT_TRUE(p.counts.tabulated());
  for (gid_t gid = 0; gid < 200; ++gid)
    for (std::uint32_t step = 0; step < 50; step += 7) {
      const std::uint64_t bits = keyed_stream::drive_u64(net.seed, p.purpose, gid, step);
      ASSERT_EQ(p.input(net.seed, gid, step), static_cast<fixed_t>(p.count_from(bits)) * p.weight);
    }
}

TEST(LoweredPopulation, FindsStateVariablesByName) {
  const network net = parse_network_json(text);
  const auto [var, unit] = find_state_variable(net, 0, "V_m");
  ASSERT_GE(var, 0);
  EXPECT_EQ(iaf_psc_exp::state[var].name, "V_m");
  EXPECT_EQ(unit, "mV");
  EXPECT_EQ(find_state_variable(net, 0, "w").first, -1);
  EXPECT_EQ(find_state_variable(net, 1, "V_m").first, -1) << "a spike source has no state";
}

// Bad input gives a typed error that names what is at fault -- never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>

using namespace neuromesh;

namespace {

// Expects `f` to throw E whose message contains `needle`.
template <class E, class F>
void expect_error(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

const char* good = R"({"populations": [{"label": "E", "size": 10, "model": "iaf_psc_exp"}],
  "projections": [{"pre": "E", "post": "E", "connector": {"type": "fixed_probability", "p": 0.1},
                   "synapse": {"weight": 1.0, "delay": 1.0}}]})";

std::string with(const std::string& from, const std::string& to) {
  std::string s = good;
  s.replace(s.find(from), from.size(), to);
  return s;
}

}  // namespace

TEST(InputErrors, GoodNetworkParsesAndValidates) { EXPECT_NO_THROW(validate(parse_network_json(good))); }

TEST(InputErrors, MalformedJson) {
  expect_error<config_error>([] { parse_network_json("{\"populations\": [", "net.json"); }, "malformed JSON");
}

TEST(InputErrors, UnknownKeyNamesItsPath) {
  expect_error<config_error>([] { parse_network_json(with("\"size\": 10", "\"size\": 10, \"sise\": 3")); },
                             "populations[0].sise");
}

TEST(InputErrors, UnknownModel) {
  expect_error<config_error>([] { validate(parse_network_json(with("iaf_psc_exp", "iaf_psc_nope"))); },
                             "unknown model 'iaf_psc_nope'");
}

TEST(InputErrors, NegativeTauNamesPopulationAndParameter) {
  try {
    validate(parse_network_json(
        with("\"model\": \"iaf_psc_exp\"", "\"model\": \"iaf_psc_exp\", \"params\": {\"tau_m\": -5}")));
    ADD_FAILURE() << "negative tau accepted";
  } catch (const parameter_error& e) {
    EXPECT_EQ(e.population(), "E");
    EXPECT_EQ(e.parameter(), "tau_m");
  }
}

TEST(InputErrors, UnknownParameter) {
  expect_error<config_error>(
      [] {
        validate(parse_network_json(
            with("\"model\": \"iaf_psc_exp\"", "\"model\": \"iaf_psc_exp\", \"params\": {\"tau\": 5}")));
      },
      "populations[E].params.tau");
}

TEST(InputErrors, DelayBelowOneStep) {
  expect_error<config_error>([] { validate(parse_network_json(with("\"delay\": 1.0", "\"delay\": 0.01"))); },
                             "below one time step");
}

TEST(InputErrors, ProbabilityOutOfRange) {
  expect_error<config_error>([] { validate(parse_network_json(with("\"p\": 0.1", "\"p\": 1.5"))); }, "connector.p");
}

TEST(InputErrors, UnknownPopulationInProjection) {
  expect_error<config_error>([] { validate(parse_network_json(with("\"post\": \"E\"", "\"post\": \"X\""))); },
                             "no population labelled 'X'");
}

TEST(InputErrors, WrongTypes) {
  expect_error<config_error>([] { parse_network_json(with("\"size\": 10", "\"size\": \"ten\"")); },
                             "populations[0].size");
  expect_error<config_error>([] { parse_network_json(with("\"p\": 0.1", "\"p\": \"high\"")); }, "connector.p");
}

TEST(InputErrors, UnknownBackendAndMissingFile) {
  expect_error<backend_unavailable>([] { make_simulation(parse_network_json(good), {.backend = "quantum"}); },
                                    "available: cpu");
  expect_error<io_error>([] { load_network_file("/nonexistent/net.json"); }, "cannot open");
  expect_error<config_error>([] { load_network("not_a_network"); }, "neither a built-in network");
}

TEST(InputErrors, PerNeuronDistributionCheckedAtBuild) {
  network net = parse_network_json(good);
  net.populations[0].params["tau_m"] = distribution{distribution::kind::normal, 1.0, 5.0};  // some draws < 0
  expect_error<parameter_error>([&] { make_simulation(net, {}); }, "tau_m");
}

TEST(InputErrors, FixedTotalNumberNeedsMultapses) {
  expect_error<config_error>(
      [] {
        validate(parse_network_json(with("\"type\": \"fixed_probability\", \"p\": 0.1",
                                         "\"type\": \"fixed_total_number\", \"n\": 5, \"multapses\": false")));
      },
      "needs multapses");
}

TEST(InputErrors, SliceOutsidePopulation) {
  expect_error<config_error>(
      [] { validate(parse_network_json(with("\"post\": \"E\"", "\"post\": \"E\", \"post_slice\": [5, 20]"))); },
      "post_slice");
  expect_error<config_error>([] { parse_network_json(with("\"post\": \"E\"", "\"post\": \"E\", \"pre_slice\": [5]")); },
                             "expected [begin, end]");
}

// Issue "No silent wrong results": numbers JSON can write but a double or an index cannot hold,
// and duplicate keys, are errors naming the key path (were: SIGABRT, a wrapped size, the last
// duplicate silently kept).
TEST(InputErrors, OutOfRangeNumbersAndDuplicateKeysNameTheirPath) {
  expect_error<config_error>([] { parse_network_json(with("\"p\": 0.1", "\"p\": 1e400"), "net.json"); },
                             "net.json: projections[0].connector.p: number out of range");
  expect_error<config_error>([] { parse_network_json(with("\"size\": 10", "\"size\": 4294967297")); },
                             "populations[0].size: 4294967297 exceeds");
  expect_error<config_error>([] { parse_network_json(with("\"size\": 10", "\"size\": 10, \"size\": 20")); },
                             "populations[0].size: duplicate key");
  expect_error<config_error>([] { parse_network_json(with("\"size\": 10", "\"size\": -3")); }, "non-negative integer");
}

// Times that are not on the grid are refused where NEST refuses them, naming the key.
TEST(InputErrors, OffGridTimesNameTheirKey) {
  network net = parse_network_json(good);
  net.recorders.push_back({"E", "V_m", 0.25, {}});
  expect_error<config_error>([&] { validate(net); }, "recorders[0].interval: 0.25 ms is not a multiple");
  net.recorders.clear();
  net.populations.push_back({"S", 1, "spike_source_array", {}, {}, {{1.05}}});
  expect_error<config_error>([&] { validate(net); }, "populations[S].spike_times[0]: spike time 1.05 ms");
  net.populations.back().allow_offgrid_times = true;
  EXPECT_NO_THROW(validate(net));
  net.stimuli.push_back({.type = stimulus::kind::dc_source, .target = "E", .amplitude = 1.0, .start = 0.05});
  expect_error<config_error>([&] { validate(net); }, "stimuli[0].start: 0.05 ms is not a multiple");
}

// Recorder windows (issue 15): on the grid, 0 <= start < stop, one spike window per population;
// the errors name the recorder, its population and the key. JSON carries "start" and "stop".
TEST(InputErrors, RecorderWindowsNameRecorderPopulationAndKey) {
  network net = parse_network_json(good);
  const auto window = [&](const std::string& variable, double start, double stop) {
    net.recorders.push_back({.population = "E", .variable = variable, .start = start, .stop = stop});
  };
  window("V_m", 0.25, 10.0);
  expect_error<config_error>([&] { validate(net); }, "recorders[0] (population 'E', V_m).start: 0.25 ms is not a");
  net.recorders.clear();
  window("spikes", -1.0, 10.0);
  expect_error<config_error>([&] { validate(net); }, "recorders[0] (population 'E', spikes).start: start = -1");
  net.recorders.clear();
  window("spikes", 5.0, 5.0);
  expect_error<config_error>([&] { validate(net); }, "(population 'E', spikes).stop: stop = 5 ms must be after");
  net.recorders.clear();
  window("spikes", 5.0, 10.0);
  window("spikes", 0.0, 10.0);
  expect_error<config_error>([&] { validate(net); }, "spike recorders of population 'E' have different windows");
  net.recorders.pop_back();
  window("V_m", 0.0, 10.0);  // state recorders have their own windows
  EXPECT_NO_THROW(validate(net));
  const network parsed = parse_network_json(
      with("\"projections\"", R"("recorders": [{"population": "E", "start": 2.5, "stop": 7.5}], "projections")"));
  ASSERT_EQ(parsed.recorders.size(), 1u);
  EXPECT_EQ(parsed.recorders[0].start, 2.5);
  EXPECT_EQ(parsed.recorders[0].stop, 7.5);
}

// JSON cannot write -inf; "-inf" is NEST's default V_min of iaf_psc_alpha, refused elsewhere.
// Non-finite parameters never reach a model's check (whose checks assume finite numbers): a NaN
// or infinite value is refused by validation naming the parameter, a draw that overflows (exp of
// a lognormal) when the neurons are built, naming the population and parameter.
TEST(InputErrors, NonFiniteParametersAreRefusedBeforeTheModelCheck) {
  for (const char* model :
       {"hh_cond_exp_traub", "hh_psc_alpha", "iaf_psc_exp", "iaf_psc_exp_multisynapse", "iaf_psc_alpha_multisynapse"}) {
    network net = parse_network_json(good);
    net.populations[0].model = model;
    net.projections.clear();
    net.populations[0].params["C_m"] = std::nan("");
    expect_error<config_error>([&] { validate(net); }, "params.C_m");
    net.populations[0].params["C_m"] = std::vector<double>(10, HUGE_VAL);
    expect_error<config_error>([&] { validate(net); }, "params.C_m");
    net.populations[0].params["C_m"] = distribution{distribution::kind::lognormal, 800.0, 1.0};  // e^800 = inf
    expect_error<parameter_error>([&] { make_simulation(net, {}); }, "C_m");
  }
}

TEST(InputErrors, MinusInfinityOnlyWhereAModelAllowsIt) {
  const std::string alpha = R"({"populations": [{"label": "A", "size": 1, "model": "iaf_psc_alpha",
                                 "params": {"V_min": "-inf"}}]})";
  EXPECT_NO_THROW(validate(parse_network_json(alpha)));
  std::string bad = alpha;
  bad.replace(bad.find("V_min"), 5, "E_L");
  expect_error<config_error>([&] { validate(parse_network_json(bad)); }, "E_L");
}

// The JSON entry point for the models whose checks judge finite numbers only (izhikevich,
// iaf_psc_alpha, iaf_cond_alpha, the multisynapse models): JSON cannot write NaN or +inf, a number beyond a double is
// refused by the parser, "-inf" only where the default is -inf, and a drawn +inf (lognormal) when
// the neurons are built -- each naming population and parameter (or state variable).
TEST(InputErrors, NonFiniteJsonValuesNamePopulationAndParameter) {
  for (const std::string model : {"izhikevich", "iaf_psc_alpha", "iaf_cond_alpha", "iaf_psc_exp_multisynapse",
                                  "iaf_psc_alpha_multisynapse", "aeif_cond_alpha_multisynapse"}) {
    const std::string param = model == "izhikevich" ? "d" : "I_e", state = model == "izhikevich" ? "U_m" : "V_m";
    const auto pop = [&](const std::string& values) {
      return R"({"populations": [{"label": "B", "size": 3, "model": ")" + model + "\", " + values + "}]}";
    };
    EXPECT_NO_THROW(validate(parse_network_json(pop(R"("params": {")" + param + R"(": 1.0})"))));
    expect_error<config_error>([&] { parse_network_json(pop(R"("params": {")" + param + R"(": 1e400})"), "n.json"); },
                               "n.json: populations[0].params." + param + ": number out of range");
    expect_error<config_error>([&] { validate(parse_network_json(pop(R"("params": {")" + param + R"(": "-inf"})"))); },
                               "populations[B].params." + param + ": is -inf");
    expect_error<config_error>([&] { validate(parse_network_json(pop(R"("initial": {")" + state + R"(": "-inf"})"))); },
                               "populations[B].initial." + state + ": is -inf");
    const std::string huge = R"({"distribution": "lognormal", "mu": 800.0, "sigma": 1.0})";
    expect_error<parameter_error>(
        [&] { make_simulation(parse_network_json(pop(R"("params": {")" + param + "\": " + huge + "}")), {}); },
        "population 'B', parameter '" + param + "': must be a finite number");
    expect_error<parameter_error>(
        [&] { make_simulation(parse_network_json(pop(R"("initial": {")" + state + "\": " + huge + "}")), {}); },
        "population 'B', parameter '" + state + "': initial value must be a finite number");
  }
}

#include <neuromesh/core/fixed_point.hpp>

// Issue 17 item 5: the fixed-point input holds +-2^31 receptor units per slot. A weight or Poisson
// drive that can exceed 2^30 per input is refused at validation, naming the projection/stimulus.
TEST(InputErrors, InputsBeyondTheFixedPointRangeAreRefused) {
  expect_error<config_error>([] { validate(parse_network_json(with("\"weight\": 1.0", "\"weight\": 3e9"))); },
                             "projections[0] (E->E).synapse.weight: |weight| up to 3e+09 exceeds the largest input");
  expect_error<config_error>(
      [] {
        validate(parse_network_json(
            with("\"weight\": 1.0", R"("weight": {"distribution": "normal", "mean": 1.0, "std": 2e8})")));
      },
      "synapse.weight: |weight| up to 2e+09");
  expect_error<config_error>(
      [] {
        validate(parse_network_json(
            with("\"weight\": 1.0", R"("weight": {"distribution": "uniform", "low": 0.0, "high": 2e9})")));
      },
      "synapse.weight: |weight| up to 2e+09");
  // Bounded by min/max: accepted.
  EXPECT_NO_THROW(validate(parse_network_json(with(
      "\"weight\": 1.0", R"("weight": {"distribution": "normal", "mean": 1.0, "std": 2e8, "min": 0.5, "max": 5.0})"))));
  EXPECT_NO_THROW(validate(parse_network_json(with("\"weight\": 1.0", "\"weight\": 1e9"))));
  network net = parse_network_json(good);
  net.stimuli.push_back({.type = stimulus::kind::poisson_generator, .target = "E", .rate = 1000.0, .weight = -3e9});
  expect_error<config_error>([&] { validate(net); }, "stimuli[0].weight: |weight| 3e+09 exceeds");
  net.stimuli.back().weight = 1000.0;
  net.stimuli.back().rate = 1e12;  // 1e8 events per step x 1000
  expect_error<config_error>([&] { validate(net); }, "stimuli[0]: rate 1e+12 Hz x |weight| 1000 gives up to");
  net.stimuli.back().rate = 1e6;
  EXPECT_NO_THROW(validate(net));
}

TEST(InputErrors, FixedPointAccumulationSaturatesInsteadOfWrapping) {
  EXPECT_EQ(add_saturating(fixed_max - 1, 5), fixed_max);
  EXPECT_EQ(add_saturating(fixed_min + 1, -5), fixed_min);
  EXPECT_EQ(add_saturating(fixed_max, fixed_min), -1);
  EXPECT_EQ(add_saturating(7, -9), -2);
  const fixed_t w = to_fixed(1e9f);
  EXPECT_EQ(scaled_saturating(2, w, max_count_for(w)), 2 * w);
  EXPECT_EQ(scaled_saturating(3, w, max_count_for(w)), fixed_max);
  EXPECT_EQ(scaled_saturating(3, -w, max_count_for(-w)), fixed_min);
  EXPECT_EQ(scaled_saturating(1u << 20, 0, max_count_for(0)), 0);
  EXPECT_EQ(max_count_for(fixed_min), 0u);
}

// Four inputs of 1e9 mV in one step (each within the bound) used to wrap to about -2.1e9 mV:
// now the slot saturates at +2^31 mV and V_m goes up, never down.
TEST(InputErrors, HugeFanInSaturatesAndNeverFlipsTheSign) {
  network net;
  net.dt = 0.1;
  net.populations.push_back({"S", 4, "spike_source_array", {}, {}, {{1.0}, {1.0}, {1.0}, {1.0}}});
  net.populations.push_back({"T", 1, "iaf_psc_delta", {{"V_th", 1e15}, {"V_reset", 0.0}}, {}, {}});
  projection p;
  p.pre = "S";
  p.post = "T";
  p.conn.type = connector::kind::all_to_all;
  p.weight = 1e9;
  p.delay = 0.1;
  net.projections.push_back(p);
  for (const std::string& backend : features().backends) {  // cpu, and the cuda backends where built
    auto sim = make_simulation(net, {.backend = backend, .threads = 1});
    sim->run(2.0);
    const std::vector<index_t> ids{0};
    const double v = sim->state("T", "V_m", ids).at(0);
    EXPECT_GT(v, 1e9) << backend << ": " << v;
    EXPECT_LT(v, 2.2e9) << backend << ": " << v;
  }
}

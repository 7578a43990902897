// Accuracy of neuron models against NEST 3.10, the oracle: each model's step called directly
// (no engine), in double at h = 0.1 ms, on protocols whose NEST results are hard-coded below.
//
// Reference values: produced by scripts/reference/nest_model_references.py with NEST 3.10.0
// (`python3 scripts/reference/nest_model_references.py`; the block between the markers is its
// output, unchanged but for formatting). The protocols are described in that script:
//   aeif_cond_exp  1000 ms; DC 800 pA, DC 2000 pA, DC 1000 pA with t_ref = 2 ms, and two
//                  excitatory+inhibitory spike-input protocols (input steps from `train`, a hash
//                  duplicated here and in the script). NEST's own h = 0.001 ms runs put every
//                  spike of the t_ref = 0 protocols in the same 0.1 ms step (`--fine`).
//   izhikevich     defaults with I_e = 10 for 200 ms (NEST starts at V_m = -65, U_m = -13).
//   iaf_psc_alpha  default V_min = -inf, I_e = 400 pA, one -20000 pA input at t = 50 ms + 0.1 ms.
// Spike steps are step indices s (spike time (s + 1) h); V_m samples are after step call s.
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/neurons/registry.hpp>

namespace neuromesh {
namespace {

// clang-format off
// ---- begin: output of scripts/reference/nest_model_references.py ----
// NEST 3.10.0, scripts/reference/nest_model_references.py
// aeif_cond_exp dc800 {'params': {'I_e': 800.0}}: 17 spikes
const std::vector<int> aeif_dc800_spike_steps = {
    177, 351, 606, 1016, 1614, 2283, 2962, 3642, 4323, 5003, 5683, 6363, 7043, 7724, 8404, 9084,
    9764};
const std::vector<double> aeif_dc800_v = {
    -50.941417432971569, -46.5488514961391, -49.679273687156069, -51.439143145841896,
    -53.269418719145214, -57.841031155338918, -50.01696727862187, -51.776871114324116,
    -53.860067031039677, -43.554818092542526, -50.472677786243118, -52.157753445067357,
    -54.622091072950852, -48.102071192467371, -50.874402738925262, -52.56913026618097,
    -55.636699479026433, -49.14584957200038, -51.249477740730889, -53.033437783229012};
// aeif_cond_exp dc2000 {'params': {'I_e': 2000.0}}: 102 spikes
const std::vector<int> aeif_dc2000_spike_steps = {
    47, 79, 113, 149, 188, 228, 271, 316, 364, 415, 470, 528, 590, 656, 726, 801,
    879, 962, 1048, 1138, 1232, 1328, 1426, 1527, 1630, 1733, 1838, 1944, 2051, 2158, 2265, 2373,
    2481, 2590, 2698, 2807, 2915, 3024, 3133, 3241, 3350, 3459, 3568, 3677, 3786, 3895, 4003, 4112,
    4221, 4330, 4439, 4548, 4657, 4766, 4875, 4984, 5093, 5201, 5310, 5419, 5528, 5637, 5746, 5855,
    5964, 6073, 6182, 6291, 6400, 6508, 6617, 6726, 6835, 6944, 7053, 7162, 7271, 7380, 7489, 7598,
    7707, 7815, 7924, 8033, 8142, 8251, 8360, 8469, 8578, 8687, 8796, 8905, 9013, 9122, 9231, 9340,
    9449, 9558, 9667, 9776, 9885, 9994};
const std::vector<double> aeif_dc2000_v = {
    -51.738139053493612, -52.898517208381527, -49.170802887798082, -51.894950437049154,
    -56.968458890787112, -48.568369884459543, -53.882971681347044, -44.135404060550094,
    -51.458126961083181, -57.354249601390329, -49.124491429807783, -54.513930745216562,
    -45.905275972215783, -52.047871931810704, -58.155417533147734, -49.737328425291729,
    -55.1959435973545, -46.984199364545908, -52.650838054782753, -58.993488239667904};
// aeif_cond_exp dc1000_ref2 {'params': {'I_e': 1000.0, 't_ref': 2.0}}: 31 spikes
const std::vector<int> aeif_dc1000_ref2_spike_steps = {
    117, 234, 369, 529, 721, 953, 1228, 1539, 1874, 2221, 2573, 2927, 3282, 3638, 3993, 4349,
    4705, 5060, 5416, 5772, 6127, 6483, 6838, 7194, 7550, 7905, 8261, 8617, 8972, 9328, 9684};
const std::vector<double> aeif_dc1000_ref2_v = {
    -48.481250483583274, -57.570568058093549, -48.350261959047714, -53.878683666992806,
    -49.55067232578385, -56.35611655049032, -51.269499440839219, -60,
    -53.127151885535547, -49.126571346870506, -55.779770673750342, -51.010757408211695,
    -60, -52.792961370576016, -48.726012671822375, -55.253595932651741,
    -50.735487202498369, -59.403018125614715, -52.496419404679273, -48.273478362139649};
// aeif_cond_exp syn {'params': {'I_e': 800.0}, 'ex': (1, 0.04, 40.0), 'inh': (2, 0.02, 15.0)}: 19 spikes
const std::vector<int> aeif_syn_spike_steps = {
    150, 539, 729, 872, 1210, 2281, 2929, 3939, 4127, 4648, 5437, 5754, 6160, 6333, 7092, 7544,
    7787, 8656, 9593};
const std::vector<double> aeif_syn_v = {
    -48.367948430440286, -51.811227361896215, -56.90218730928202, -55.608633999315806,
    -53.812552062689555, -51.581357539676716, -51.26939403072268, -55.779759053032194,
    -52.561691319819602, -57.293188847770651, -58.217088550183995, -46.737980862063694,
    -55.457687492090827, -50.375206939522762, -49.668329381706407, -56.560000067675766,
    -57.674231170298505, -56.185606202149124, -53.620355125622638, -53.885878012397455};
// aeif_cond_exp syn_strong {'params': {'I_e': 0.0}, 'ex': (3, 0.15, 120.0), 'inh': (4, 0.03, 25.0)}: 78 spikes
const std::vector<int> aeif_syn_strong_spike_steps = {
    47, 107, 210, 223, 297, 355, 457, 555, 792, 839, 884, 955, 982, 1017, 1055, 1116,
    1177, 1213, 1278, 1355, 1420, 1625, 1740, 2166, 2205, 2393, 2610, 2797, 3008, 3207, 3328, 3506,
    3627, 3759, 4245, 4299, 4498, 4543, 4715, 4952, 5121, 5141, 5206, 5553, 5573, 5620, 5687, 5806,
    5914, 6118, 6248, 6530, 6627, 6667, 6691, 6705, 6741, 6805, 6864, 6898, 7641, 7804, 7867, 7938,
    8176, 8235, 8324, 8471, 8771, 8820, 8952, 9020, 9364, 9433, 9488, 9552, 9839, 9950};
const std::vector<double> aeif_syn_strong_v = {
    -51.84413866116877, -53.269114907089595, -63.28171829388981, -57.150281465303571,
    -61.326325151104271, -46.976728706127503, -46.240865949619419, -56.170472969972685,
    -60.375547061851236, -54.374247375252544, -50.928181665487003, -66.883644386445454,
    -54.527364228924114, -56.944028526416709, -63.38852520717208, -67.164718426565983,
    -59.484042446564821, -54.51978639173182, -64.58958788683023, -54.079630005367633};
// izhikevich initial U_m = -13.0
const std::vector<int> izhikevich_spike_steps = {
    33, 270, 721, 1172, 1623};
// iaf_psc_alpha default V_min = -inf
const std::vector<int> iaf_psc_alpha_spike_steps = {
    277};
// iaf_psc_alpha min V_m = -315.08744488309543 at step 566
const std::vector<double> iaf_psc_alpha_v = {
    -59.886071058743077, -56.165364531785805, -69.683178772908079, -59.769519042769254,
    -56.122487441281947, -283.41753106335466, -146.8908089560411, -88.276696503499466,
    -66.610708920572648, -58.63922952988105};
// ---- end of generated block ----
// clang-format on

constexpr double h = 0.1;

// Same as train() in the script: true when step s carries an input spike (probability p).
bool train(std::uint32_t s, std::uint32_t seed, double p) {
  std::uint32_t x = s * 0x9E3779B9u + seed * 0x85EBCA6Bu;
  x ^= x >> 16;
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  x *= 0xC2B2AE35u;
  x ^= x >> 16;
  return x < static_cast<std::uint32_t>(p * 4294967296.0);
}

// One neuron of model M in precision Real: defaults with overrides, checked and derived in double.
template <class M, class Real = double>
struct cell {
  std::array<double, M::n_params> p{};
  std::array<Real, M::n_constants> k{};
  std::array<Real, M::n_state> x{};
  explicit cell(const std::vector<std::pair<std::string_view, double>>& overrides = {}) {
    for (std::size_t i = 0; i < M::n_params; ++i) p[i] = M::parameters[i].default_value;
    for (const auto& [name, value] : overrides) p[parameter_index(M::parameters, name)] = value;
    EXPECT_EQ(M::check(p.data(), h), "");
    std::array<double, M::n_constants> kd{};
    std::array<double, M::n_state> xd{};
    M::derive(p.data(), h, kd.data());
    M::initial_state(p.data(), xd.data());
    for (std::size_t i = 0; i < M::n_constants; ++i) k[i] = static_cast<Real>(kd[i]);
    for (std::size_t i = 0; i < M::n_state; ++i) x[i] = static_cast<Real>(xd[i]);
  }
  double v() const {  // user-visible V_m
    const int off = M::state[0].offset_parameter;
    return static_cast<double>(x[0]) + (off >= 0 ? p[off] : 0.0);
  }
  bool step(double ex = 0, double in = 0) {
    return (M::template step<Real>(k.data(), x.data(), Real(ex), Real(in), Real(0)) & spiked) != 0;
  }
};

struct input_train {
  std::uint32_t seed = 0;  // 0: none
  double p = 0, weight = 0;
  double at(int s) const { return seed != 0 && s >= 1 && train(s, seed, p) ? weight : 0.0; }
};

struct aeif_protocol {
  std::string_view name;
  std::vector<std::pair<std::string_view, double>> params;
  input_train ex, in;
  const std::vector<int>& spikes;
  const std::vector<double>& v;  // every 500th step
};

std::vector<aeif_protocol> aeif_protocols() {
  return {{"dc800", {{"I_e", 800.0}}, {}, {}, aeif_dc800_spike_steps, aeif_dc800_v},
          {"dc2000", {{"I_e", 2000.0}}, {}, {}, aeif_dc2000_spike_steps, aeif_dc2000_v},
          {"dc1000_ref2", {{"I_e", 1000.0}, {"t_ref", 2.0}}, {}, {}, aeif_dc1000_ref2_spike_steps, aeif_dc1000_ref2_v},
          {"syn", {{"I_e", 800.0}}, {1, 0.04, 40.0}, {2, 0.02, 15.0}, aeif_syn_spike_steps, aeif_syn_v},
          {"syn_strong",
           {{"I_e", 0.0}},
           {3, 0.15, 120.0},
           {4, 0.03, 25.0},
           aeif_syn_strong_spike_steps,
           aeif_syn_strong_v}};
}

template <class Real>
std::pair<std::vector<int>, std::vector<double>> run_aeif(const aeif_protocol& pr) {
  cell<aeif_cond_exp, Real> n(pr.params);
  std::vector<int> spikes;
  std::vector<double> v;
  for (int s = 0; s < 10000; ++s) {
    if (n.step(pr.ex.at(s), pr.in.at(s))) spikes.push_back(s);
    if (s % 500 == 499) v.push_back(n.v());
  }
  return {spikes, v};
}

// Every spike in NEST's step, over 1 s of DC and of synaptic input; V_m within 1e-3 mV of NEST's
// at the samples. Measured (this implementation, double): all 247 spikes of the five protocols in
// NEST's step; max |V - V_NEST| at the samples 1.7e-4 mV (dc800), 4.1e-5 (dc2000), 2.0e-5
// (syn_strong): the upswing is integrated in u = exp(-(V - V_th)/Delta_T), not in V as NEST does,
// so the reset happens at a crossing time a few 1e-6 ms from NEST's. (Integrating the upswing in
// V as NEST does gave 2e-10 mV at ~4x the time per spike at 2000 pA.) The former fixed 8-substep RK4 had
// 4/17, 5/102, 13/31, 18/19 and 69/78 spikes in NEST's step.
TEST(ModelAccuracy, AeifCondExpSpikesInNestsStep) {
  for (const aeif_protocol& pr : aeif_protocols()) {
    const auto [spikes, v] = run_aeif<double>(pr);
    EXPECT_EQ(spikes, pr.spikes) << pr.name;
    ASSERT_EQ(v.size(), pr.v.size()) << pr.name;
    for (std::size_t j = 0; j < v.size(); ++j) EXPECT_NEAR(v[j], pr.v[j], 1e-3) << pr.name << " sample " << j;
  }
}

// In float the same integrator keeps every spike within one step of NEST's (measured: one spike of
// 102 one step late at 2000 pA, none in syn_strong).
TEST(ModelAccuracy, AeifCondExpFloatWithinOneStepOfNest) {
  for (const aeif_protocol& pr : aeif_protocols()) {
    const auto spikes = run_aeif<float>(pr).first;
    ASSERT_EQ(spikes.size(), pr.spikes.size()) << pr.name;
    for (std::size_t j = 0; j < spikes.size(); ++j)
      EXPECT_LE(std::abs(spikes[j] - pr.spikes[j]), 1) << pr.name << " " << j;
  }
}

// The internal step size is per-neuron state that carries over (NEST's IntegrationStep): it
// starts at min(0.01 ms, h), grows while the neuron is quiet (to at most h, which acts as any
// larger value would) and shrinks where the error control or the spike's crossing needs it.
TEST(ModelAccuracy, AeifCondExpAdaptiveStepIsState) {
  cell<aeif_cond_exp> n({{"I_e", 800.0}});
  EXPECT_EQ(n.x[aeif_cond_exp::h_int], 0.0);  // not started: the first step uses min(0.01, h)
  n.step();
  const double after_one = n.x[aeif_cond_exp::h_int];
  EXPECT_GT(after_one, 0.01);
  double smallest = after_one;
  for (int s = 1; s < 200; ++s) {  // through the first spike (step 177)
    n.step();
    smallest = std::min(smallest, double(n.x[aeif_cond_exp::h_int]));
    ASSERT_LE(n.x[aeif_cond_exp::h_int], h) << s;
  }
  EXPECT_LT(smallest, h);  // shortened around the upswing and the reset
  // Deterministic: the same run gives the same bits.
  cell<aeif_cond_exp> m({{"I_e", 800.0}});
  for (int s = 0; s < 200; ++s) m.step();
  EXPECT_EQ(m.x, n.x);
}

// izhikevich starts from NEST's U_m = b V_m = -13 (NEST's default b and V_m, kept when b is set):
// every spike of the first 200 ms in NEST's step. With U_m = 0 the first spike came at step 434,
// not 33.
TEST(ModelAccuracy, IzhikevichStartsAsNest) {
  cell<izhikevich> n({{"I_e", 10.0}});
  EXPECT_EQ(n.x[izhikevich::U_m], -13.0);
  EXPECT_EQ(cell<izhikevich>({{"b", 0.3}}).x[izhikevich::U_m], -13.0);  // NEST: U_m stays -13
  std::vector<int> spikes;
  for (int s = 0; s < 2000; ++s)
    if (n.step()) spikes.push_back(s);
  EXPECT_EQ(spikes, izhikevich_spike_steps);
}

// iaf_psc_alpha with NEST's default V_min = -inf: a strong inhibitory input drives V far below
// any bound (-315 mV), as in NEST.
TEST(ModelAccuracy, IafPscAlphaUnboundedAsNest) {
  cell<iaf_psc_alpha> n({{"I_e", 400.0}});
  EXPECT_TRUE(std::isinf(n.p[iaf_psc_alpha::V_min]) && n.p[iaf_psc_alpha::V_min] < 0);
  std::vector<int> spikes;
  std::vector<double> v;
  for (int s = 0; s < 1000; ++s) {
    if (n.step(0.0, s == 500 ? -20000.0 : 0.0)) spikes.push_back(s);
    if (s % 100 == 99) v.push_back(n.v());
  }
  EXPECT_EQ(spikes, iaf_psc_alpha_spike_steps);
  ASSERT_EQ(v.size(), iaf_psc_alpha_v.size());
  for (std::size_t j = 0; j < v.size(); ++j) EXPECT_NEAR(v[j], iaf_psc_alpha_v[j], 1e-9) << j;
}

// V_min = -inf is accepted from C++ (and so from Python's float("-inf")); NaN and +inf are not,
// nor -inf for any other value.
TEST(ModelAccuracy, MinusInfinityVminAcceptedEverywhere) {
  const double inf = std::numeric_limits<double>::infinity();
  auto net_with = [](std::map<std::string, value_spec> params, std::map<std::string, value_spec> initial = {}) {
    network net;
    net.dt = h;
    net.populations.push_back({"P", 3, "iaf_psc_alpha", std::move(params), std::move(initial), {}});
    return net;
  };
  // Starting at -300 mV with no bound, V relaxes from there exactly (V_min = -inf explicitly).
  for (const value_spec& v_min : {value_spec{-inf}, value_spec{std::vector<double>{-inf, -inf, -inf}}}) {
    auto sim = make_simulation(net_with({{"V_min", v_min}}, {{"V_m", -300.0}}),
                               {.threads = 1, .prec = precision::double_precision});
    sim->advance_steps(100);
    const std::vector<index_t> ids{0, 1, 2};
    for (double v : sim->state("P", "V_m", ids)) EXPECT_NEAR(v, -70.0 - 230.0 * std::exp(-1.0), 1e-9);
  }
  EXPECT_NO_THROW(validate(net_with({{"V_min", -inf}})));
  EXPECT_NO_THROW(validate(net_with({{"V_min", -80.0}})));
  EXPECT_THROW(validate(net_with({{"V_min", std::nan("")}})), config_error);
  EXPECT_THROW(validate(net_with({{"V_min", inf}})), config_error);
  EXPECT_THROW(validate(net_with({{"E_L", -inf}})), config_error);
  EXPECT_THROW(validate(net_with({{"I_e", value_spec{std::vector<double>{0.0, inf, 0.0}}}})), config_error);
  EXPECT_THROW(validate(net_with({}, {{"V_m", -inf}})), config_error);
  // -inf only where it means "no bound": V_reset = -inf passes the model's own check (V_min <=
  // V_reset holds at -inf), so the shared validation refuses it (NonFiniteParametersRefusedBySharedValidation).
  EXPECT_THROW(validate(net_with({{"V_reset", -inf}})), config_error);
}

// These models' check() has no finiteness loop of its own: NaN and +-inf parameters and initial
// values are refused by the shared validation (scalars and arrays: validate_value) and, for values
// drawn from a distribution (a lognormal overflows to +inf here), by initial_values -- typed errors
// that name the population and the parameter (or state variable). The cases are those the models'
// loops used to refuse: each value below passes the model's check (no comparison judges it).
struct non_finite_case {
  const char* model;
  std::vector<std::pair<const char*, double>> params;  // parameter, non-finite value
  const char* drawn;                                   // parameter drawn as +inf (nullptr: none)
  const char* state;                                   // initial value given NaN / +-inf / drawn +inf
};

TEST(ModelAccuracy, NonFiniteParametersRefusedBySharedValidation) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  const std::vector<non_finite_case> cases = {
      {"aeif_cond_exp", {{"a", nan}, {"tau_w", inf}, {"E_L", -inf}}, "b", "w"},
      {"aeif_cond_alpha", {{"a", nan}, {"tau_w", inf}, {"E_L", -inf}}, "b", "w"},
      {"izhikevich", {{"a", nan}, {"b", nan}, {"d", inf}, {"I_e", -inf}}, "d", "U_m"},
      {"iaf_psc_alpha", {{"E_L", -inf}, {"I_e", nan}, {"V_th", inf}, {"V_reset", -inf}}, "I_e", "V_m"},
      {"iaf_cond_alpha", {{"E_ex", inf}, {"E_in", -inf}, {"I_e", nan}, {"E_L", -inf}}, "E_in", "g_ex"},
      {"nir_lif", {{"r", nan}, {"v_leak", inf}, {"bias", -inf}}, "v_threshold", "V_m"},
      {"nir_cuba_lif", {{"w_in", inf}, {"r", nan}, {"v_reset", -inf}}, "bias", "I_syn"},
      {"spike_source_array", {{"start", inf}, {"origin", inf}}, nullptr, nullptr},  // drawn: on the dt grid
  };
  distribution huge;
  huge.type = distribution::kind::lognormal;
  huge.a = 800.0;  // exp(800 + sigma z) is +inf in double
  huge.b = 1.0;
  for (const non_finite_case& c : cases) {
    auto net_with = [&c](std::map<std::string, value_spec> params, std::map<std::string, value_spec> initial = {}) {
      network net;
      net.dt = h;
      net.populations.push_back({"P", 3, c.model, std::move(params), std::move(initial), {}});
      return net;
    };
    const model_info* m = find_model(c.model);
    ASSERT_NE(m, nullptr) << c.model;
    EXPECT_NO_THROW(validate(net_with({})));
    for (const auto& [name, value] : c.params) {
      // The model's check alone lets it through: only the shared validation refuses it.
      std::vector<double> p;
      for (const auto& spec : m->parameters) p.push_back(spec.default_value);
      const int k = m->parameter(name);
      ASSERT_GE(k, 0) << c.model << "." << name;
      p[static_cast<std::size_t>(k)] = value;
      EXPECT_EQ(m->check(p.data(), h), "") << c.model << "." << name;
      const std::string where = std::string("populations[P].params.") + name;
      for (const value_spec& v : {value_spec{value}, value_spec{std::vector<double>{0.5, value, 0.5}}}) {
        try {
          validate(net_with({{name, v}}));
          ADD_FAILURE() << c.model << ": " << name << " = " << value << " was accepted";
        } catch (const config_error& e) {
          EXPECT_EQ(e.where(), where) << c.model << ": " << e.what();
        }
      }
    }
    if (c.drawn) {
      try {
        auto sim = make_simulation(net_with({{c.drawn, huge}}), {.threads = 1, .prec = precision::double_precision});
        ADD_FAILURE() << c.model << ": an infinite drawn " << c.drawn << " was accepted";
      } catch (const parameter_error& e) {
        EXPECT_EQ(e.population(), "P") << c.model;
        EXPECT_EQ(e.parameter(), c.drawn) << c.model;
      }
    }
    if (!c.state) continue;
    // Initial values: NaN and +-inf refused by validation, a drawn +inf when the neurons are built.
    for (const double value : {nan, inf, -inf}) {
      try {
        validate(net_with({}, {{c.state, value}}));
        ADD_FAILURE() << c.model << ": initial " << c.state << " = " << value << " was accepted";
      } catch (const config_error& e) {
        EXPECT_EQ(e.where(), std::string("populations[P].initial.") + c.state) << c.model << ": " << e.what();
      }
    }
    try {
      auto sim = make_simulation(net_with({}, {{c.state, huge}}), {.threads = 1, .prec = precision::double_precision});
      ADD_FAILURE() << c.model << ": an infinite drawn initial " << c.state << " was accepted";
    } catch (const parameter_error& e) {
      EXPECT_EQ(e.population(), "P") << c.model;
      EXPECT_EQ(e.parameter(), c.state) << c.model;
    }
  }
}

}  // namespace
}  // namespace neuromesh

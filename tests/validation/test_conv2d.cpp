// The conv2d connector (core/conv2d.hpp): its synapses against loops over the definition (every
// output position and kernel tap, as PyTorch's Conv2d documents it), the same set for any split of
// the targets, the cpu backend's procedural delivery against the same synapses as an explicit list
// (bit-identical spikes for 1-3 threads and every backend this build runs), and the validation
// errors naming the projection and key.
#include <algorithm>
#include <set>
#include <tuple>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/connectors.hpp>
#include <neuromesh/core/errors.hpp>

using namespace neuromesh;

namespace {

conv2d_geometry geometry(std::uint32_t stride, std::uint32_t pad, std::uint32_t dil, std::uint32_t groups) {
  conv2d_geometry g;
  g.input = {4, 7, 6};
  g.kernel_shape = {8, 4 / groups, 3, 2};
  g.stride = {stride, 1};
  g.padding = {pad, pad + 1};
  g.dilation = {dil, 1};
  g.groups = groups;
  for (std::size_t k = 0; k < 8u * (4 / groups) * 3 * 2; ++k)  // both signs, some zeros, exact in float
    g.kernel.push_back(k % 7 == 3 ? 0.0 : (static_cast<double>(k % 11) - 5.0) / 8.0);
  return g;
}

network conv_network(const conv2d_geometry& g, double sign, std::vector<std::vector<double>> trains = {}) {
  network net;
  net.dt = 1.0;
  net.populations.push_back({"in", static_cast<index_t>(g.in_size()), "spike_source_array", {}, {}, std::move(trains)});
  net.populations.push_back(
      {"out", static_cast<index_t>(g.out_size()), "iaf_psc_exp", {{"V_th", -69.0}, {"tau_m", 5.0}}, {}});
  projection pr;
  pr.pre = "in";
  pr.post = "out";
  pr.conn.type = connector::kind::conv2d;
  pr.conn.conv = g;
  for (double& k : pr.conn.conv.kernel) k = sign * k > 0 ? k : 0.0;  // one sign per projection
  pr.weight = 400.0;
  pr.delay = 1.0;
  net.projections.push_back(pr);
  return net;
}

using synapse_set = std::set<std::tuple<index_t, index_t, float>>;

// Loops over the definition: output (o, y, x), tap (cl, ky, kx) -> input (g cin + cl, iy, ix).
synapse_set reference(const conv2d_geometry& g, double w) {
  synapse_set out;
  const std::int64_t ho =
      (g.input[1] + 2 * g.padding[0] - g.dilation[0] * (g.kernel_shape[2] - 1) - 1) / g.stride[0] + 1;
  const std::int64_t wo =
      (g.input[2] + 2 * g.padding[1] - g.dilation[1] * (g.kernel_shape[3] - 1) - 1) / g.stride[1] + 1;
  const std::uint32_t cin = g.kernel_shape[1], per_group = g.kernel_shape[0] / g.groups;
  for (std::uint32_t o = 0; o < g.kernel_shape[0]; ++o)
    for (std::int64_t y = 0; y < ho; ++y)
      for (std::int64_t x = 0; x < wo; ++x)
        for (std::uint32_t cl = 0; cl < cin; ++cl)
          for (std::uint32_t ky = 0; ky < g.kernel_shape[2]; ++ky)
            for (std::uint32_t kx = 0; kx < g.kernel_shape[3]; ++kx) {
              const std::int64_t iy = y * g.stride[0] + ky * g.dilation[0] - g.padding[0];
              const std::int64_t ix = x * g.stride[1] + kx * g.dilation[1] - g.padding[1];
              const double k = g.kernel[((o * cin + cl) * g.kernel_shape[2] + ky) * g.kernel_shape[3] + kx];
              if (iy < 0 || ix < 0 || iy >= g.input[1] || ix >= g.input[2] || k == 0.0) continue;
              const std::uint32_t c = (o / per_group) * cin + cl;
              out.insert({static_cast<index_t>((c * g.input[1] + iy) * g.input[2] + ix),
                          static_cast<index_t>((o * ho + y) * wo + x), static_cast<float>(w * k)});
            }
  return out;
}

synapse_set generated(const network& net, index_t begin, index_t end) {
  synapse_set out;
  for_each_generated_synapse(net, 0, begin, end, true, [&](const generated_synapse& s) {
    EXPECT_TRUE(out.insert({s.source, s.target, s.weight}).second) << "a synapse generated twice";
    EXPECT_EQ(s.delay, 1);
  });
  return out;
}

}  // namespace

TEST(Conv2d, SynapsesAreTheDefinitionForEveryStridePaddingDilationAndGroups) {
  for (std::uint32_t stride : {1u, 2u, 3u})
    for (std::uint32_t pad : {0u, 1u, 2u})
      for (std::uint32_t dil : {1u, 2u})
        for (std::uint32_t groups : {1u, 2u, 4u}) {
          const conv2d_geometry g = geometry(stride, pad, dil, groups);
          const network net = conv_network(g, 1.0);
          ASSERT_NO_THROW(validate(net));
          const synapse_set ref = reference(net.projections[0].conn.conv, 400.0);
          ASSERT_FALSE(ref.empty());
          const auto n = static_cast<index_t>(g.out_size());
          EXPECT_EQ(generated(net, 0, n), ref) << stride << pad << dil << groups;
          synapse_set split = generated(net, 0, n / 3);  // any split of the targets: the same synapses
          for (const auto& s : generated(net, n / 3, n)) split.insert(s);
          EXPECT_EQ(split, ref);
        }
}

TEST(Conv2d, ProceduralDeliveryGivesTheSpikesOfTheStoredSynapses) {
  const conv2d_geometry g = geometry(1, 1, 1, 2);
  std::vector<std::vector<double>> trains(g.in_size());
  for (std::size_t i = 0; i < trains.size(); ++i)
    for (double t = 1.0 + static_cast<double>(i % 5); t < 60.0; t += 3.0 + static_cast<double>(i % 7))
      trains[i].push_back(t);
  // conv: two projections (one per sign); list: the same synapses as explicit lists
  network conv = conv_network(g, 1.0, trains);
  network neg = conv_network(g, -1.0, trains);
  conv.projections.push_back(neg.projections[0]);
  network list = conv;
  for (projection& pr : list.projections) {
    const network one = [&] {
      network n = conv;
      n.projections = {pr};
      return n;
    }();
    pr.conn.type = connector::kind::explicit_list;
    std::vector<double> weights;
    for_each_generated_synapse(one, 0, 0, static_cast<index_t>(g.out_size()), true, [&](const generated_synapse& s) {
      pr.conn.sources.push_back(s.source);
      pr.conn.targets.push_back(s.target);
      weights.push_back(s.weight);
    });
    pr.weight = weights;
    pr.conn.conv = {};
  }
  conv.recorders.push_back({"out", "spikes", 1.0, {}});
  list.recorders = conv.recorders;
  auto ref_sim = make_simulation(list, {.threads = 1});
  ref_sim->run(60.0);
  const std::vector<spike> ref = ref_sim->spikes();
  ASSERT_GT(ref.size(), 100u);
  for (const std::string& backend : features().backends)
    for (int threads : {1, 2, 3}) {
      if (backend == "cuda" && threads > 1) continue;
      simulation_options opt{.backend = backend, .threads = threads};
      std::unique_ptr<simulation> sim;
      try {
        sim = make_simulation(conv, opt);
      } catch (const backend_unavailable&) {
        continue;  // listed but not runnable here (no device)
      }
      sim->run(60.0);
      EXPECT_TRUE(sim->spikes() == ref) << backend << " with " << threads << " threads: " << sim->spikes().size()
                                        << " vs " << ref.size() << " spikes";
    }
}

TEST(Conv2d, ErrorsNameTheProjectionAndKey) {
  const auto expect_error = [](network net, const std::string& key) {
    try {
      validate(net);
      check_sign_rule(net);
      FAIL() << "no error for " << key;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find("projections[0]"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  };
  const conv2d_geometry g = geometry(1, 0, 1, 1);
  network net = conv_network(g, 1.0);
  net.projections[0].conn.conv.input = {4, 7, 7};
  expect_error(net, ".connector.input_shape");
  net = conv_network(g, 1.0);
  net.projections[0].conn.conv.groups = 3;  // 8 output channels
  expect_error(net, ".connector.groups");
  net = conv_network(g, 1.0);
  net.projections[0].conn.conv.kernel.pop_back();
  expect_error(net, ".connector.kernel");
  net = conv_network(g, 1.0);
  net.projections[0].conn.conv.stride = {0, 1};
  expect_error(net, ".connector.stride");
  net = conv_network(g, 1.0);
  net.projections[0].conn.conv.kernel_shape[2] = 9;
  net.projections[0].conn.conv.kernel.resize(8 * 4 * 9 * 2, 1.0);
  expect_error(net, ".connector.kernel_shape");
  net = conv_network(g, 1.0);
  net.populations[1].size += 1;
  expect_error(net, ".connector");
  net = conv_network(g, 1.0);
  net.projections[0].weight = std::vector<double>{1.0};
  expect_error(net, ".synapse.weight");
  net = conv_network(g, 1.0);
  net.projections[0].conn.conv.kernel = geometry(1, 0, 1, 1).kernel;  // both signs
  expect_error(net, "both signs");
}

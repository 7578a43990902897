// Connectors: exact degrees where promised, binomial statistics for fixed probability, autapses
// and multapses honoured, and the same synapses whatever split of targets builds them.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include <neuromesh/core/connectors.hpp>

using namespace neuromesh;

namespace {

network two_pops(connector c, index_t n_pre = 200, index_t n_post = 150, bool same = false) {
  network net;
  net.populations.push_back({"A", n_pre, "iaf_psc_delta", {}, {}, {}});
  if (!same) net.populations.push_back({"B", n_post, "iaf_psc_delta", {}, {}, {}});
  projection p;
  p.pre = "A";
  p.post = same ? "A" : "B";
  p.conn = c;
  p.weight = distribution{distribution::kind::normal, 1.0, 0.2};
  p.delay = 1.0;
  net.projections.push_back(p);
  return net;
}

std::vector<generated_synapse> all(const network& net, index_t n_post) {
  std::vector<generated_synapse> out;
  generate_projection(net, 0, 0, n_post, time_grid(net.dt), out);
  return out;
}

connector make(connector::kind k, double p = 0, std::uint64_t n = 0, bool autapses = true, bool multapses = true) {
  connector c;
  c.type = k;
  c.p = p;
  c.n = n;
  c.autapses = autapses;
  c.multapses = multapses;
  return c;
}

}  // namespace

TEST(Connectors, FixedIndegreeGivesExactInDegrees) {
  for (bool multapses : {true, false}) {
    const auto syn = all(two_pops(make(connector::kind::fixed_indegree, 0, 37, true, multapses)), 150);
    std::map<index_t, int> indeg;
    std::set<std::pair<index_t, index_t>> pairs;
    for (const auto& s : syn) {
      ++indeg[s.target];
      pairs.insert({s.source, s.target});
    }
    ASSERT_EQ(indeg.size(), 150u);
    for (const auto& [t, d] : indeg) EXPECT_EQ(d, 37);
    if (!multapses) EXPECT_EQ(pairs.size(), syn.size());
  }
}

TEST(Connectors, FixedOutdegreeGivesExactOutDegrees) {
  const auto syn = all(two_pops(make(connector::kind::fixed_outdegree, 0, 12, true, false)), 150);
  std::map<index_t, int> outdeg;
  for (const auto& s : syn) ++outdeg[s.source];
  ASSERT_EQ(outdeg.size(), 200u);
  for (const auto& [src, d] : outdeg) EXPECT_EQ(d, 12);
}

TEST(Connectors, FixedTotalNumberIsExact) {
  const auto syn = all(two_pops(make(connector::kind::fixed_total_number, 0, 4321)), 150);
  EXPECT_EQ(syn.size(), 4321u);
}

TEST(Connectors, FixedProbabilityWithinBinomialInterval) {
  const double p = 0.1;
  const auto syn = all(two_pops(make(connector::kind::fixed_probability, p)), 150);
  const double n = 200.0 * 150.0, mean = n * p, sd = std::sqrt(n * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(syn.size()), mean, 4 * sd);
  std::set<std::pair<index_t, index_t>> pairs;
  for (const auto& s : syn) pairs.insert({s.source, s.target});
  EXPECT_EQ(pairs.size(), syn.size()) << "fixed probability never makes multapses";
}

TEST(Connectors, NoAutapsesWhenExcluded) {
  for (auto k : {connector::kind::all_to_all, connector::kind::fixed_probability, connector::kind::fixed_indegree,
                 connector::kind::fixed_outdegree, connector::kind::fixed_total_number}) {
    const auto syn = all(two_pops(make(k, 0.3, 20, false, false), 50, 50, true), 50);
    ASSERT_FALSE(syn.empty());
    for (const auto& s : syn) ASSERT_NE(s.source, s.target) << "connector kind " << static_cast<int>(k);
  }
  const auto with = all(two_pops(make(connector::kind::all_to_all), 50, 50, true), 50);
  EXPECT_EQ(with.size(), 2500u);
}

TEST(Connectors, OneToOneAndAllToAll) {
  const auto one = all(two_pops(make(connector::kind::one_to_one), 150, 150), 150);
  ASSERT_EQ(one.size(), 150u);
  for (const auto& s : one) EXPECT_EQ(s.source, s.target);
  EXPECT_EQ(all(two_pops(make(connector::kind::all_to_all)), 150).size(), 200u * 150u);
}

TEST(Connectors, ExplicitListKeepsPairsWeightsAndDelays) {
  connector c = make(connector::kind::explicit_list);
  c.sources = {0, 5, 7};
  c.targets = {3, 3, 9};
  network net = two_pops(c);
  net.projections[0].weight = std::vector<double>{1.5, 2.5, 3.5};
  net.projections[0].delay = std::vector<double>{0.1, 0.5, 2.0};
  const auto syn = all(net, 150);
  ASSERT_EQ(syn.size(), 3u);
  EXPECT_EQ(syn[1].source, 5u);
  EXPECT_FLOAT_EQ(syn[2].weight, 3.5f);
  EXPECT_EQ(syn[2].delay, 20);
}

// Any split of the targets into ranges (threads, ranks) builds exactly the same synapses.
TEST(Connectors, ResultIndependentOfWhoBuildsWhichTargets) {
  for (auto k : {connector::kind::fixed_probability, connector::kind::fixed_indegree, connector::kind::fixed_outdegree,
                 connector::kind::fixed_total_number}) {
    const network net = two_pops(make(k, 0.1, 25));
    auto whole = all(net, 150);
    std::vector<generated_synapse> parts;
    for (index_t b : {0u, 17u, 80u, 81u})
      generate_projection(net, 0, b, b == 0 ? 17 : b == 17 ? 80 : b == 80 ? 81 : 150, time_grid(0.1), parts);
    auto key = [](const generated_synapse& s) { return std::tuple(s.target, s.source, s.weight, s.delay); };
    auto less = [&](const auto& a, const auto& b) { return key(a) < key(b); };
    std::sort(whole.begin(), whole.end(), less);
    std::sort(parts.begin(), parts.end(), less);
    ASSERT_EQ(whole.size(), parts.size());
    for (std::size_t i = 0; i < whole.size(); ++i) ASSERT_EQ(key(whole[i]), key(parts[i]));
  }
}

// Population slices (PyNN's pop[a:b]): synapses stay inside the slices, degrees are exact within
// them, and autapses are excluded where the slices of one population overlap.
TEST(Connectors, SlicesRestrictSourcesAndTargets) {
  network net = two_pops(make(connector::kind::fixed_indegree, 0, 7, false, false), 100, 100, true);
  net.projections[0].pre_view = {10, 40};
  net.projections[0].post_view = {30, 60};
  const auto syn = all(net, 100);
  std::map<index_t, int> indeg;
  for (const auto& s : syn) {
    ASSERT_GE(s.source, 10u);
    ASSERT_LT(s.source, 40u);
    ASSERT_GE(s.target, 30u);
    ASSERT_LT(s.target, 60u);
    ASSERT_NE(s.source, s.target);
    ++indeg[s.target];
  }
  EXPECT_EQ(indeg.size(), 30u);
  for (const auto& [t, d] : indeg) EXPECT_EQ(d, 7);
  // The same synapses whichever way the targets are split (a shard boundary inside the slice).
  std::vector<generated_synapse> parts;
  generate_projection(net, 0, 0, 45, time_grid(0.1), parts);
  generate_projection(net, 0, 45, 100, time_grid(0.1), parts);
  ASSERT_EQ(parts.size(), syn.size());
}

TEST(Connectors, OneToOneBetweenSlices) {
  network net = two_pops(make(connector::kind::one_to_one), 50, 80);
  net.projections[0].pre_view = {0, 10};
  net.projections[0].post_view = {70, 80};
  const auto syn = all(net, 80);
  ASSERT_EQ(syn.size(), 10u);
  for (const auto& s : syn) EXPECT_EQ(s.target, s.source + 70);
}

// Procedural connectivity regenerates a source's row from that source's streams alone
// (kernels::row_of_source): for fixed_outdegree and one_to_one it must be exactly the synapses
// the builder generates from that source, weights and delays included; the other connectors
// generate by target and are not regenerable.
TEST(Connectors, RegeneratedRowsEqualTheBuiltSynapsesOfTheirSource) {
  for (const connector& c : {make(connector::kind::fixed_outdegree, 0, 40, false, false),
                             make(connector::kind::fixed_outdegree, 0, 60), make(connector::kind::one_to_one)}) {
    network net = two_pops(c, 200, 150, c.type == connector::kind::fixed_outdegree && !c.autapses);
    net.projections[0].delay = distribution{distribution::kind::uniform, 0.1, 2.0, 0.1, 2.0};
    const index_t n_post = net.populations.back().size;
    std::map<index_t, std::vector<generated_synapse>> built;
    for (const generated_synapse& g : all(net, n_post)) built[g.source].push_back(g);
    const std::vector<std::uint64_t> none;
    const kernels::projection_params p = projection_parameters(net, 0, &none);
    ASSERT_TRUE(kernels::regenerable_by_source(c.type));
    for (index_t i = 0; i < p.n_pre; ++i) {
      std::vector<generated_synapse> row;
      kernels::row_of_source(p, i, true, [&](const kernels::synapse_draw& g) {
        row.push_back({g.source, g.target, g.weight, g.delay});
      });
      const auto& expected = built[i];
      ASSERT_EQ(row.size(), expected.size()) << "source " << i;
      for (std::size_t k = 0; k < row.size(); ++k) {
        EXPECT_EQ(row[k].target, expected[k].target);
        EXPECT_EQ(row[k].weight, expected[k].weight);
        EXPECT_EQ(row[k].delay, expected[k].delay);
      }
    }
  }
  for (auto k :
       {connector::kind::fixed_indegree, connector::kind::fixed_probability, connector::kind::all_to_all,
        connector::kind::fixed_total_number, connector::kind::explicit_list, connector::kind::distance_probability})
    EXPECT_FALSE(kernels::regenerable_by_source(k));
}

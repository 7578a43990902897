// Pieces of the distributed run that need no MPI: compact spike records, neuron -> rank maps and
// the partitions built from them, and the locally connected (distance-dependent) connector.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include <neuromesh/api.hpp>
#include <neuromesh/core/connectors.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/spike_codec.hpp>

using namespace neuromesh;

namespace {

network sizes(std::vector<index_t> n) {
  network net;
  for (std::size_t p = 0; p < n.size(); ++p)
    net.populations.push_back({"P" + std::to_string(p), n[p], "iaf_psc_delta", {}, {}, {}});
  return net;
}

}  // namespace

TEST(SpikeCodec, RoundTripAndSize) {
  std::vector<spike> spikes{{0, 0}, {0, 5}, {0, 300}, {3, 2}, {3, 1000000}, {70000, 4}};
  std::vector<std::uint8_t> buf;
  encode_spikes(spikes, buf);
  EXPECT_EQ(buf.size(), encoded_size(spikes));
  EXPECT_LT(buf.size(), spikes.size() * 4);  // compact: a raw record is 12 bytes
  std::vector<spike> back;
  decode_spikes(buf, back);
  EXPECT_EQ(back, spikes);
  std::vector<std::uint8_t> empty;
  encode_spikes({}, empty);
  EXPECT_TRUE(empty.empty());
  buf.pop_back();  // a truncated record is a bug, reported as such
  back.clear();
  EXPECT_THROW(decode_spikes(buf, back), internal_error);
}

// Deltas that would carry a step past 2^63 - 1 or a gid past 2^32 - 1 are malformed buffers, not
// wrap-arounds (tests/fuzz/regressions/spike_codec: the step overflow was UB, the gid one wrapped).
TEST(SpikeCodec, OverflowingDeltasAreMalformed) {
  std::vector<spike> back;
  const std::vector<std::uint8_t> step_overflow = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                   0xff, 0xff, 0x7f, 0x00, 0x01, 0x00};
  EXPECT_THROW(decode_spikes(step_overflow, back), internal_error);
  const std::vector<std::uint8_t> gid_overflow = {0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01};
  EXPECT_THROW(decode_spikes(gid_overflow, back), internal_error);
  back.clear();
  const std::vector<std::uint8_t> largest = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                             0x7f, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f};
  decode_spikes(largest, back);
  EXPECT_EQ(back, (std::vector<spike>{{std::numeric_limits<step_t>::max(), std::numeric_limits<gid_t>::max()}}));
}

TEST(RankMap, EveryNeuronHasExactlyOneOwnerAndPartitionsCoverIt) {
  const network net = sizes({10, 3, 7});
  for (std::uint32_t ranks : {1u, 2u, 3u, 4u, 25u}) {
    std::vector<std::uint32_t> custom(20);
    for (gid_t g = 0; g < 20; ++g) custom[g] = (g * 7 + 3) % ranks;
    for (const rank_map& m :
         {rank_map::block(net, ranks), rank_map::round_robin(net, ranks), rank_map::from_owners(net, custom, ranks)}) {
      std::vector<int> owned(20, 0);
      for (std::uint32_t r = 0; r < ranks; ++r)
        for (std::size_t threads : {1u, 3u}) {
          const partition p = make_rank_partition(net, m, r, threads);
          for (std::size_t s = 0; s < p.n_shards(); ++s) {
            std::uint32_t offset = 0;
            for (const shard_slice& sl : p.shards[s]) {
              EXPECT_EQ(sl.local_offset, offset);
              offset += sl.size();
              for (std::uint32_t i = 0; i < sl.size(); ++i) {
                const gid_t g = p.population_offsets[sl.population] + sl.id(i);
                EXPECT_EQ(m.owner(g), r) << m.name() << " gid " << g;
                EXPECT_TRUE(sl.contains(sl.id(i)));
                EXPECT_EQ(sl.index_of(sl.id(i)), i);
                if (threads == 1) ++owned[g];
              }
            }
          }
        }
      for (gid_t g = 0; g < 20; ++g) EXPECT_EQ(owned[g], 1) << m.name() << " gid " << g << " ranks " << ranks;
    }
  }
  EXPECT_EQ(rank_map::round_robin(net, 3).owner(13), 1u);
  EXPECT_EQ(rank_map::block(net, 2).owner(4), 0u);  // P0 block 0 holds ids 0-4
  EXPECT_EQ(rank_map::block(net, 2).owner(5), 1u);
  EXPECT_THROW(rank_map::by_name("diagonal", net, 2), config_error);
  EXPECT_THROW(rank_map::from_owners(net, std::vector<std::uint32_t>(19, 0), 2), config_error);
  EXPECT_THROW(rank_map::from_owners(net, std::vector<std::uint32_t>(20, 2), 2), config_error);
}

TEST(RankMap, DecompositionOptionIsValidated) {
  // In one process every decomposition owns everything (scattered slices are exercised by the
  // distributed tests under mpirun); the option is checked and changes no spike.
  network net = builtin_network("vogels_abbott_cuba");
  simulation_options opt;
  opt.threads = 2;
  opt.decomposition = "round-robin";
  auto a = make_simulation(net, opt);
  a->run(100.0);
  opt.decomposition = "block";
  auto b = make_simulation(net, opt);
  b->run(100.0);
  EXPECT_EQ(a->spikes(), b->spikes());
  EXPECT_FALSE(a->spikes().empty());
  opt.decomposition = "diagonal";
  EXPECT_THROW(make_simulation(net, opt), config_error);
}

class DistanceConnector : public ::testing::Test {
 protected:
  network sheet(double p, double sigma) {
    network net = sizes({400, 100});
    projection pr;
    pr.pre = "P0";
    pr.post = "P1";
    pr.conn.type = connector::kind::distance_probability;
    pr.conn.p = p;
    pr.conn.sigma = sigma;
    net.projections.push_back(pr);
    return net;
  }
  std::vector<generated_synapse> generate(const network& net, index_t b, index_t e) {
    std::vector<generated_synapse> out;
    generate_projection(net, 0, b, e, time_grid(net.dt), out);
    return out;
  }
};

TEST_F(DistanceConnector, SplitInvariantLocalAndPeaked) {
  const network net = sheet(0.8, 0.1);
  EXPECT_NO_THROW(validate(net));
  const auto all = generate(net, 0, 100);
  auto parts = generate(net, 0, 37);
  const auto rest = generate(net, 37, 100);
  parts.insert(parts.end(), rest.begin(), rest.end());
  ASSERT_EQ(all.size(), parts.size());
  for (std::size_t k = 0; k < all.size(); ++k) {
    EXPECT_EQ(all[k].source, parts[k].source);
    EXPECT_EQ(all[k].target, parts[k].target);
  }
  // Distances on the periodic unit square: connections are local (the kernel's mean distance
  // sigma * sqrt(pi/2) = 0.125, far below the 0.38 of random pairs).
  auto distance = [](index_t i, index_t j) {
    auto coord = [](index_t k, int side) {
      return std::pair<double, double>{(k % side + 0.5) / side, (k / side + 0.5) / side};
    };
    auto [x1, y1] = coord(i, 20);
    auto [x2, y2] = coord(j, 10);
    auto wrap = [](double d) { return std::min(std::abs(d), 1.0 - std::abs(d)); };
    return std::hypot(wrap(x1 - x2), wrap(y1 - y2));
  };
  double mean = 0;
  for (const auto& s : all) mean += distance(s.source, s.target);
  mean /= static_cast<double>(all.size());
  EXPECT_NEAR(mean, 0.1 * std::sqrt(std::acos(-1.0) / 2), 0.02);
  // Expected number: p * sum of the kernel over the sheet ~ p * 2 pi sigma^2 * n_pre per target.
  const double expected = 0.8 * 2 * std::acos(-1.0) * 0.01 * 400 * 100;
  EXPECT_NEAR(static_cast<double>(all.size()), expected, 0.1 * expected);
  network bad = sheet(0.5, 0.0);
  EXPECT_THROW(validate(bad), config_error);
  bad = sheet(1.5, 0.1);
  EXPECT_THROW(validate(bad), config_error);
}

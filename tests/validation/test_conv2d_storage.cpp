// The cpu backend keeps a static conv2d projection onto a contiguous shard slice as its plan only
// (backends/cpu/src/conv_delivery.hpp: no stored synapses). Every reader of its synapses must see
// what stored rows would give (connectivity "stored" stores them): the same records in the same
// order from read_synapses and from the by-target reader (the output file's edges) in any piece
// size, the same counts, delays and sources with targets (routing), and the same spikes -- for
// strides, paddings, dilations, groups, pre/post views that cut the shard slices, and 1-3 threads.
// Plan-only storage holds no per-synapse bytes; connectivity "procedural" is refused on the cpu.
#include <tuple>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/partition.hpp>
#include <neuromesh/cpu/cpu_engine.hpp>

#include "conv2d_networks.hpp"

using namespace neuromesh;
using test_support::conv2d_case;
using test_support::conv2d_case_network;
using test_support::conv2d_cases;

namespace {

using record = std::tuple<index_t, index_t, double, delay_t>;

std::vector<record> records(const std::vector<synapse_record>& in) {
  std::vector<record> out;
  for (const synapse_record& r : in) out.emplace_back(r.pre, r.post, r.weight, r.delay);
  return out;
}

// The by-target reader in pieces of `piece` synapses: the records, and the size of every piece.
std::pair<std::vector<record>, std::vector<std::size_t>> read_by_target(const engine& e, std::size_t k,
                                                                        std::size_t piece) {
  std::unique_ptr<synapse_reader> reader = e.synapses_by_target(k);
  std::vector<record> all;
  std::vector<std::size_t> sizes;
  for (bool more = true; more;) {
    std::vector<synapse_record> out;
    more = reader->next(piece, out);
    sizes.push_back(out.size());
    for (const record& r : records(out)) all.push_back(r);
  }
  return {all, sizes};
}

}  // namespace

TEST(Conv2dStorage, EveryReaderOfThePlanSeesTheStoredRows) {
  for (const conv2d_case& c : conv2d_cases()) {
    const network net = conv2d_case_network(c);
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE("stride " + std::to_string(c.stride) + " groups " + std::to_string(c.groups) + ", " +
                   std::to_string(threads) + " threads");
      engine_config cfg;
      cfg.net = &net;
      cfg.part = make_block_partition(net, static_cast<std::size_t>(threads));
      const auto plan = cpu::make_engine(cfg);
      const auto rows = cpu::make_engine(cfg, {.stored_rows = true});
      const engine_statistics a = plan->statistics(), b = rows->statistics();
      ASSERT_GT(b.synapses, 500u);
      EXPECT_EQ(a.synapses, b.synapses);
      EXPECT_EQ(a.min_delay, b.min_delay);
      EXPECT_EQ(a.max_delay, b.max_delay);
      EXPECT_EQ(a.synapse_payload_bytes, 0u);  // nothing per synapse
      EXPECT_GE(b.synapse_payload_bytes, 4 * b.synapses);
      std::vector<gid_t> sa, sb;
      ASSERT_TRUE(plan->sources_with_targets(sa) && rows->sources_with_targets(sb));
      EXPECT_EQ(sa, sb);
      if (c.pre_extra > 0) EXPECT_LT(sa.size(), net.populations[0].size);  // the view leaves sources out
      for (std::size_t k = 0; k < net.projections.size(); ++k) {
        std::vector<synapse_record> ra, rb;
        ASSERT_TRUE(plan->read_synapses(k, ra) && rows->read_synapses(k, rb));
        EXPECT_EQ(records(ra), records(rb));
        std::vector<std::uint32_t> pa, pb;
        std::vector<double> na, nb;
        plan->synapses_by_target(k)->counts(pa, na);
        rows->synapses_by_target(k)->counts(pb, nb);
        EXPECT_EQ(pa, pb);
        EXPECT_EQ(na, nb);
        for (std::size_t piece : {std::size_t{7}, std::size_t{1} << 20}) {
          const auto [ta, sizes_a] = read_by_target(*plan, k, piece);
          const auto [tb, sizes_b] = read_by_target(*rows, k, piece);
          EXPECT_EQ(ta, tb);
          EXPECT_EQ(sizes_a, sizes_b);
          EXPECT_EQ(ta.size(), rb.size());
        }
      }
    }
  }
}

TEST(Conv2dStorage, SpikesOfThePlanEqualTheStoredRowsForAnyThreads) {
  for (const conv2d_case& c : conv2d_cases()) {
    const network net = conv2d_case_network(c);
    auto ref_sim = make_simulation(net, {.threads = 1, .connectivity = "stored"});
    ref_sim->run(60.0);
    const std::vector<spike> ref = ref_sim->spikes();
    ASSERT_GT(ref.size(), 50u);
    for (int threads : {1, 2, 3})
      for (const std::string connectivity : {"", "procedural_if_regenerable", "stored"}) {
        auto sim = make_simulation(net, {.threads = threads, .connectivity = connectivity});
        sim->run(60.0);
        EXPECT_TRUE(sim->spikes() == ref) << threads << " threads, connectivity '" << connectivity << "'";
        EXPECT_EQ(sim->summary().synapses, ref_sim->summary().synapses);
        EXPECT_EQ(sim->statistics().synapse_payload_bytes == 0, connectivity != "stored");
      }
  }
}

TEST(Conv2dStorage, TheCpuBackendRefusesProceduralConnectivityByName) {
  try {
    make_simulation(conv2d_case_network(conv2d_cases()[0]), {.threads = 1, .connectivity = "procedural"});
    FAIL() << "no error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("connectivity"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("conv2d"), std::string::npos) << e.what();
  }
}

// estimate_memory counts what the engine allocates for conv2d projections: on the cpu backend a
// plan per shard (exactly its bytes, none per synapse), with connectivity "stored" rows of 8 bytes
// per synapse (the kernel gives each synapse its own weight; 4 before), for 1-3 threads.
TEST(Conv2dStorage, TheMemoryEstimateCountsWhatTheEngineAllocates) {
  for (const conv2d_case& c : conv2d_cases()) {
    const network net = conv2d_case_network(c);
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE("stride " + std::to_string(c.stride) + ", " + std::to_string(threads) + " threads");
      const engine_statistics plan = make_simulation(net, {.threads = threads})->statistics();
      ASSERT_EQ(plan.synapse_payload_bytes, 0u);
      EXPECT_EQ(estimate_memory(net, 1, threads, true).synapse_bytes, static_cast<double>(plan.synapse_index_bytes));
      const engine_statistics rows = make_simulation(net, {.threads = threads, .connectivity = "stored"})->statistics();
      const memory_estimate stored = estimate_memory(net, 1, threads, false);
      // The count is the connector's bound (padding and zero kernel entries included); the bytes
      // per synapse are the engine's.
      EXPECT_GE(stored.synapses, static_cast<double>(rows.synapses));
      EXPECT_EQ(rows.synapse_payload_bytes, 8 * rows.synapses);
      EXPECT_EQ(stored.synapse_bytes, 8 * stored.synapses);
    }
  }
}

// conv2d projections under MPI (ctest runs this on 1-4 ranks): with the block decomposition each
// rank's slice is contiguous, so each rank keeps only its plan (no stored synapses); round-robin
// scatters the slices and they are stored as rows. Either way, and against connectivity "stored"
// (every projection as rows), rank 0 gets the spikes of one process, every rank the same synapses
// read back, and the exchange sends the same bytes (the sources with targets on each rank, which
// the plan computes, decide where spikes go).
#include <gtest/gtest.h>

#include "conv2d_networks.hpp"
#include "distributed_support.hpp"

using namespace neuromesh;
using test_support::threads_per_rank;

TEST(DistributedConv2d, PlanOnlyStorageAsStoredRowsAndOneProcess) {
  for (const test_support::conv2d_case& c : test_support::conv2d_cases()) {
    const network net = test_support::conv2d_case_network(c);
    simulation_options local;
    local.threads = 1;
    local.communicator = "local";
    local.connectivity = "stored";
    auto ref = make_simulation(net, local);
    ref->run(60.0);
    ASSERT_GT(ref->spikes().size(), 50u);
    for (const std::string decomposition : {"block", "round-robin"}) {
      std::vector<std::unique_ptr<simulation>> sims;
      for (const std::string connectivity : {"", "stored"}) {
        simulation_options opt;
        opt.threads = threads_per_rank();
        opt.decomposition = decomposition;
        opt.connectivity = connectivity;
        sims.push_back(make_simulation(net, opt));
        sims.back()->run(60.0);
        if (sims.back()->rank() == 0) EXPECT_TRUE(sims.back()->spikes() == ref->spikes()) << decomposition;
        EXPECT_EQ(sims.back()->summary().synapses, ref->summary().synapses);
        for (std::size_t k = 0; k < net.projections.size(); ++k) {
          const std::vector<synapse_record> a = sims.back()->synapses(k), b = ref->synapses(k);
          ASSERT_EQ(a.size(), b.size());
          for (std::size_t i = 0; i < a.size(); ++i)
            ASSERT_TRUE(a[i].pre == b[i].pre && a[i].post == b[i].post && a[i].weight == b[i].weight &&
                        a[i].delay == b[i].delay)
                << decomposition << " '" << connectivity << "' projection " << k << " synapse " << i;
        }
      }
      EXPECT_EQ(sims[0]->communication().bytes_sent, sims[1]->communication().bytes_sent) << decomposition;
    }
  }
}

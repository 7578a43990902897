// simulation::reset under MPI (ctest runs this on 1-4 ranks): every rank resets together, and a
// sample after the reset -- with new spike trains, started mid-run with input in flight -- gives
// rank 0 the spikes of one process running a fresh simulation of that sample.
#include <gtest/gtest.h>

#include "distributed_support.hpp"
#include "test_networks.hpp"

using namespace neuromesh;
using test_support::threads_per_rank;

namespace {

std::vector<std::vector<double>> trains(double first, double second) {
  std::vector<std::vector<double>> t(10, {first});
  for (std::size_t i = 0; i < t.size(); i += 2) t[i].push_back(second);
  return t;
}

}  // namespace

TEST(DistributedReset, SampleAfterResetAsAFreshSingleProcess) {
  network net = test_support::synfire_chain(trains(5.0, 31.0), 6, 50);
  simulation_options opt;
  opt.threads = threads_per_rank();
  opt.decomposition = "round-robin";
  auto sim = make_simulation(net, opt);
  sim->run(23.7);  // mid-epoch: input in flight in the ring buffers
  sim->reset({{"S", trains(2.0, 17.0)}});
  sim->run(40.0);
  net.populations[0].spike_times = trains(2.0, 17.0);
  simulation_options local;
  local.threads = 1;
  local.communicator = "local";
  auto fresh = make_simulation(net, local);
  fresh->run(40.0);
  ASSERT_GT(fresh->spikes().size(), 100u);
  if (sim->rank() == 0) EXPECT_TRUE(sim->spikes() == fresh->spikes());
}

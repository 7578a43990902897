// Checkpoint and restart under MPI (ctest runs this on 1-4 ranks): periodic checkpoints written by
// R ranks, resumed by R ranks with another decomposition (so every rank takes other neurons' rows
// than it saved), continue the output file to one identical to a single process's uninterrupted
// run. (Checkpoints written by 2 ranks and resumed on 3: tests/python/test_checkpoint.py.)
#include <filesystem>

#include <gtest/gtest.h>

#include <neuromesh/core/io/sonata_reader.hpp>

#include "distributed_support.hpp"
#include "test_networks.hpp"

using namespace neuromesh;
using test_support::shared_temp_path;
using test_support::threads_per_rank;

namespace {

// Brunel scaled down with delays of 0.5-3 ms (input waits in the ring buffers several steps ahead).
network delays() {
  network net = test_support::brunel_with_delay_distribution();
  net.recorders.push_back({"E", "spikes", 1.0, {}});
  net.recorders.push_back({"I", "spikes", 1.0, {}});
  net.recorders.push_back({"E", "V_m", 0.5, {0, 3, 401, 799}});
  return net;
}

template <class T>
void expect_same(const std::map<std::string, T>& a, const std::map<std::string, T>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, ta] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    if constexpr (std::is_same_v<T, io::spike_table>) {
      EXPECT_EQ(ta.node_ids, b.at(name).node_ids) << name;
      EXPECT_EQ(ta.timestamps_ms, b.at(name).timestamps_ms) << name;
    } else {
      EXPECT_EQ(ta.data, b.at(name).data) << name;
    }
  }
}

}  // namespace

TEST(DistributedCheckpoint, ResumedOnAnotherDecompositionAsOneUninterruptedProcess) {
  const network net = delays();
  simulation_options opt;
  opt.threads = threads_per_rank();
  opt.output = shared_temp_path("checkpoint");
  opt.checkpoint_every_ms = 40.0;
  opt.decomposition = "block";
  int rank = 0;
  {
    auto sim = make_simulation(net, opt);
    sim->run(100.0);  // checkpoints at 40 and 80 ms; the output goes on to 100 ms
    rank = sim->rank();
  }
  simulation_options again = opt;
  again.checkpoint_every_ms = 0;
  again.decomposition = "round-robin";
  again.resume = opt.output + ".ckpt";
  {
    auto sim = make_simulation(net, again);
    EXPECT_DOUBLE_EQ(sim->time_ms(), 80.0);
    sim->run(20.0);
  }
  if (rank != 0) return;  // rank 0 holds the file; it compares
  simulation_options ref;
  ref.communicator = "local";
  ref.threads = 1;
  ref.output = shared_temp_path("checkpoint_reference");
  {
    auto sim = make_simulation(net, ref);
    sim->run(100.0);
  }
  const auto spikes = io::read_spikes(opt.output);
  ASSERT_GT(spikes.at("E").node_ids.size(), 100u);
  expect_same(spikes, io::read_spikes(ref.output));
  expect_same(io::read_reports(opt.output), io::read_reports(ref.output));
  for (const std::string& p : {opt.output, opt.output + ".ckpt", ref.output}) std::filesystem::remove(p);
}

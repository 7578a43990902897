// The history window of the STDP rules (stdp_update.hpp, find_window) against its definition:
// facilitation reads the postsynaptic spikes with lo <= step <= hi (none when lo > hi -- a
// source's second spike in one step, NEST's get_history(t_last - d, t_pre - d) with t_last ==
// t_pre), depression the last one with step < hi. Random step-sorted histories, any first/n.
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include <neuromesh/synapses/stdp_update.hpp>

using neuromesh::step_t;
using neuromesh::stdp::find_window;
using neuromesh::stdp::post_spike;

TEST(StdpWindow, MatchesItsDefinitionForEveryBoundIncludingAnEmptyOne) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20000; ++trial) {
    const auto n = static_cast<std::uint32_t>(rng() % 12);
    std::vector<post_spike> spikes(n);
    step_t step = static_cast<step_t>(rng() % 4);
    for (post_spike& s : spikes) {
      s.step = step;
      step += 1 + static_cast<step_t>(rng() % 3);
    }
    const std::uint32_t first = n == 0 ? 0 : static_cast<std::uint32_t>(rng() % (n + 1));
    const step_t lo = static_cast<step_t>(rng() % 30) - 2, hi = static_cast<step_t>(rng() % 30) - 2;
    const auto w = find_window(spikes.data(), first, n, lo, hi);
    std::vector<std::uint32_t> in_window;
    std::uint32_t before = first;
    for (std::uint32_t i = first; i < n; ++i) {
      if (spikes[i].step >= lo && spikes[i].step <= hi) in_window.push_back(i);
      if (spikes[i].step < hi) before = i + 1;
    }
    ASSERT_EQ(w.before, before) << "trial " << trial;
    ASSERT_EQ(w.end - w.start, in_window.size()) << "trial " << trial << " lo " << lo << " hi " << hi;
    if (!in_window.empty()) ASSERT_EQ(w.start, in_window.front()) << "trial " << trial;
  }
}

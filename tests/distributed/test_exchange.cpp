// The MPI communicator on its own: every spike reaches every rank that needs it exactly once, for
// both strategies, with epochs without spikes and a rank that owns no neuron; gathers, value
// combination and error agreement.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/mpi/mpi_backend.hpp>

#include "distributed_support.hpp"

using namespace neuromesh;

namespace {

std::uint32_t mix(std::uint32_t a, std::uint32_t b, std::uint32_t c = 0) {
  std::uint32_t h = 2166136261u;
  for (std::uint32_t v : {a, b, c}) h = (h ^ v) * 16777619u;
  return h ^ (h >> 15);
}

constexpr gid_t n_neurons = 23;

network two_populations() {
  network net;
  net.populations.push_back({"A", 10, "iaf_psc_delta", {}, {}, {}});
  net.populations.push_back({"B", 13, "iaf_psc_delta", {}, {}, {}});
  return net;
}

// The last rank owns nothing (when there are several).
std::vector<std::uint32_t> owners(int size) {
  const int holders = std::max(1, size - 1);
  std::vector<std::uint32_t> o(n_neurons);
  for (gid_t g = 0; g < n_neurons; ++g) o[g] = g % static_cast<std::uint32_t>(holders);
  return o;
}

bool needs(int rank, gid_t g) { return mix(static_cast<std::uint32_t>(rank), g) % 3 == 0; }

// Spikes of rank q's neurons in epoch e (steps [5e, 5e+5)); every seventh epoch is silent everywhere.
std::vector<spike> spikes_of(int q, int e, const std::vector<std::uint32_t>& own) {
  std::vector<spike> out;
  if (e % 7 == 3) return out;
  for (gid_t g = 0; g < n_neurons; ++g)
    if (own[g] == static_cast<std::uint32_t>(q) && mix(g, static_cast<std::uint32_t>(e), 1) % 4 == 0)
      out.push_back({5 * e + static_cast<step_t>(mix(g, static_cast<std::uint32_t>(e), 2) % 5), g});
  std::reverse(out.begin(), out.end());  // the communicator must not rely on the input order
  return out;
}

}  // namespace

class Exchange : public ::testing::TestWithParam<std::string> {};

TEST_P(Exchange, EverySpikeReachesEveryRankThatNeedsItExactlyOnce) {
  auto comm = mpi::make_communicator(GetParam());
  const int me = comm->rank(), size = comm->size();
  const network net = two_populations();
  const auto own = owners(size);
  std::vector<gid_t> needed;
  for (gid_t g = 0; g < n_neurons; ++g)
    if (needs(me, g)) needed.push_back(g);
  comm->prepare(rank_map::from_owners(net, own, static_cast<std::uint32_t>(size)), needed);
  EXPECT_EQ(comm->exchange_gives_all(), GetParam() == "allgather");
  std::uint64_t silent_epochs = 0;
  for (int e = 0; e < 30; ++e) {
    std::vector<spike> to_deliver, expected, at_root;
    const std::vector<spike> mine = spikes_of(me, e, own);
    comm->exchange(mine, to_deliver);
    for (int q = 0; q < size; ++q)
      for (const spike& s : spikes_of(q, e, own))
        if (q == me || GetParam() == "allgather" || needs(me, s.gid)) expected.push_back(s);
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(to_deliver, expected) << "epoch " << e << " on rank " << me;
    silent_epochs += expected.empty();
    comm->gather_to_root(mine, at_root);
    std::vector<spike> all;
    for (int q = 0; q < size; ++q)
      for (const spike& s : spikes_of(q, e, own))
        if (me == 0 || q == me) all.push_back(s);
    std::sort(all.begin(), all.end());
    EXPECT_EQ(at_root, all) << "epoch " << e << " on rank " << me;
  }
  EXPECT_GE(silent_epochs, 4u);  // the silent epochs were exercised
  // A rank with no neurons sends nothing; the targeted strategy never sends more than all-gather.
  if (size > 1 && me == size - 1) EXPECT_EQ(comm->statistics().bytes_sent, 0u);
}

TEST_P(Exchange, ReductionsCombineAndAgreement) {
  auto comm = mpi::make_communicator(GetParam());
  const int me = comm->rank(), size = comm->size();
  EXPECT_EQ(comm->min_over_ranks(10 + me), 10u);
  EXPECT_EQ(comm->max_over_ranks(10 + me), 10u + size - 1);
  EXPECT_EQ(comm->sum_over_ranks(1), static_cast<std::uint64_t>(size));
  std::vector<std::uint32_t> positions;
  std::vector<double> values;
  for (std::uint32_t k = 0; k < 11; ++k)
    if (static_cast<int>(k % size) == me) {
      positions.push_back(k);
      values.push_back(1.5 * k - 3.0);
    }
  std::vector<double> out(11, -1.0);
  comm->combine_values(positions, values, out);
  for (std::uint32_t k = 0; k < 11; ++k) EXPECT_EQ(out[k], 1.5 * k - 3.0);
  EXPECT_NO_THROW(comm->agree(nullptr));
  // The last rank fails: it rethrows its own error, every other rank stops with peer_failure.
  std::exception_ptr failure;
  if (me == size - 1) failure = std::make_exception_ptr(config_error("here", "only on the last rank"));
  if (me == size - 1)
    EXPECT_THROW(comm->agree(failure), config_error);
  else
    EXPECT_THROW(comm->agree(failure), peer_failure);
}

INSTANTIATE_TEST_SUITE_P(Strategies, Exchange, ::testing::Values("targeted", "allgather"));

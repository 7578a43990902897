// The decays of the STDP traces (stdp_update.hpp): step_decay read from the cpu backend's tables
// gives the bits of trace_decay computed where it is needed (the CUDA kernels) for every step
// count -- below, at and above each table boundary -- and trace_decay is e^(-n h / tau) up to
// rounding: a few ulps plus the rounding of the argument x = n h / tau, which moves e^-x by about
// x ulps in either computation (NEST computes the plain exponential; crosschecked to 1e-12).
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include <neuromesh/synapses/stdp_update.hpp>

namespace stdp = neuromesh::stdp;
using neuromesh::step_t;

namespace {

std::vector<step_t> step_counts() {
  std::vector<step_t> n;
  for (step_t i = 0; i < 5000; ++i) n.push_back(i);
  const step_t block = stdp::decay_block, end = step_t{stdp::decay_block} * stdp::decay_blocks;
  for (step_t b = block; b <= end + block; b += block)
    for (step_t d = -3; d <= 3; ++d) n.push_back(b + d);
  for (step_t i = 0; i < 2000; ++i) n.push_back(i * 977 + 13);  // spread over the blocks and beyond
  n.push_back(10'000'000);
  return n;
}

}  // namespace

TEST(StdpDecay, TablesGiveTheBitsOfTheComputedDecay) {
  for (const double h : {0.1, 0.01, 1.0})
    for (const double tau : {20.0, 16.8, 33.7, 100.0}) {
      const stdp::decay_tables t(h, tau);  // the builder the cpu backend's stdp_rows uses
      const stdp::step_decay from_tables = t.view(h, tau);
      const stdp::step_decay computed{h, tau};
      for (const step_t n : step_counts())
        ASSERT_EQ(std::bit_cast<std::uint64_t>(from_tables(n)), std::bit_cast<std::uint64_t>(computed(n)))
            << "h " << h << " tau " << tau << " n " << n;
    }
}

TEST(StdpDecay, IsTheExponentialUpToRounding) {
  for (const double h : {0.1, 0.01})
    for (const double tau : {20.0, 33.7}) {
      for (const step_t n : step_counts()) {
        const double want = std::exp(-static_cast<double>(n) * h / tau);
        const double got = stdp::trace_decay(n, h, tau);
        if (want < 1e-300) {  // near the underflow the product's rounding is absolute
          EXPECT_NEAR(got, want, 1e-305) << "n " << n;
          continue;
        }
        const double x = static_cast<double>(n) * h / tau;
        EXPECT_NEAR(got, want, (4.0 + 2.0 * x) * 0x1p-52 * want) << "h " << h << " tau " << tau << " n " << n;
      }
      EXPECT_EQ(stdp::trace_decay(0, h, tau), 1.0);
    }
}

#pragma once
// Procedural delivery of conv2d projections (core/conv2d.hpp) on the cpu: a spike's targets and
// fixed-point inputs are computed from the kernel instead of read from its stored row. The plan is
// the kernel's size (a few KiB), so a spike's 144 events of an N-MNIST CNN read L1-resident taps
// instead of streaming 8 bytes per synapse from the store (docs/nir.md, "Memory and speed").
// The same synapses as the rows (zero kernel entries and padding skipped), each adding
// Synapse::input of the same float weight (conv2d_weight), so the ring buffers hold the same sums
// bit for bit -- fixed-point adds do not depend on their order. The rows stay for everything else
// (routing, edges, read-back, checkpoints, the timing mode's partial deliveries).
#include <cstdint>
#include <vector>

#include <neuromesh/core/conv2d.hpp>
#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/partition.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh::cpu {

struct conv_plan {
  struct pair {
    std::uint32_t out, k;  // output coordinate, kernel coordinate
  };
  struct tap {
    std::uint32_t offset;  // o * out_h * out_w
    fixed_t input;
  };
  std::uint32_t in_h = 0, in_w = 0, out_w = 0, kh = 0, kw = 0;
  index_t pre_begin = 0, n_pre = 0;  // the pre view in its population
  delay_t delay = 1;                 // the projection's one delay [steps] and receptor
  std::uint8_t receptor = 0;
  std::int64_t first = 0;  // post view begin - the shard slice's begin
  std::uint32_t local_offset = 0, n_local = 0;
  std::vector<std::uint32_t> row_start, col_start, tap_start;  // CSR offsets: by iy, by ix, by (c, ky, kx)
  std::vector<pair> rows, cols;
  std::vector<tap> taps;

  // The plan of projection `proj` (a conv2d with scalar weight and delay, receptors resolved) onto
  // the contiguous slice `sl` of its post population; input(float) is the synapse model's.
  template <class Input>
  conv_plan(const projection& proj, const shard_slice& sl, index_t pre_size, index_t post_size, double dt, Input input);

  // Calls add(local target, input) for every synapse of view-local source s.
  template <class Add>
  void deliver(index_t s, Add&& add) const {
    const std::uint32_t c = s / (in_h * in_w), iy = (s / in_w) % in_h, ix = s % in_w;
    for (std::uint32_t r = row_start[iy]; r < row_start[iy + 1]; ++r) {
      for (std::uint32_t q = col_start[ix]; q < col_start[ix + 1]; ++q) {
        const std::int64_t base = first + std::int64_t{rows[r].out} * out_w + cols[q].out;
        const std::uint32_t kk = (c * kh + rows[r].k) * kw + cols[q].k;
        for (std::uint32_t k = tap_start[kk]; k < tap_start[kk + 1]; ++k) {
          const std::uint64_t t = static_cast<std::uint64_t>(base + taps[k].offset);
          if (t < n_local) add(local_offset + static_cast<std::uint32_t>(t), taps[k].input);
        }
      }
    }
  }
};

template <class Input>
conv_plan::conv_plan(const projection& proj, const shard_slice& sl, index_t pre_size, index_t post_size, double dt,
                     Input input) {
  const conv2d_geometry& g = proj.conn.conv;
  const auto [pb, pe] = view_of(proj.pre_view, pre_size);
  const auto [qb, qe] = view_of(proj.post_view, post_size);
  (void)qe;
  pre_begin = pb;
  n_pre = pe - pb;
  receptor = static_cast<std::uint8_t>(proj.target);  // resolved: excitatory or inhibitory
  if (!delay_in_steps(std::get<double>(proj.delay), time_grid(dt).steps_per_ms(), delay))
    time_grid(dt).delay_steps(std::get<double>(proj.delay), "projections.delay");  // throws (validated before)
  in_h = g.input[1], in_w = g.input[2], kh = g.kernel_shape[2], kw = g.kernel_shape[3];
  const std::uint32_t out_h = g.out_extent(0);
  out_w = g.out_extent(1);
  first = static_cast<std::int64_t>(qb) - static_cast<std::int64_t>(sl.begin);
  local_offset = sl.local_offset;
  n_local = sl.size();
  const auto axis = [&](int a, std::uint32_t n_in, std::uint32_t n_k, std::uint32_t n_out,
                        std::vector<std::uint32_t>& start, std::vector<pair>& out) {
    start.assign(1, 0);
    for (std::uint32_t i = 0; i < n_in; ++i) {
      for (std::uint32_t k = 0; k < n_k; ++k) {
        const std::int64_t num = std::int64_t{i} + g.padding[a] - std::int64_t{k} * g.dilation[a];
        if (num >= 0 && num % g.stride[a] == 0 && num / g.stride[a] < n_out)
          out.push_back({static_cast<std::uint32_t>(num / g.stride[a]), k});
      }
      start.push_back(static_cast<std::uint32_t>(out.size()));
    }
  };
  axis(0, in_h, kh, out_h, row_start, rows);
  axis(1, in_w, kw, out_w, col_start, cols);
  const double w = std::get<double>(proj.weight);
  const std::uint32_t cin_g = g.kernel_shape[1], per_group = g.kernel_shape[0] / g.groups;
  tap_start.assign(1, 0);
  for (std::uint32_t c = 0; c < g.input[0]; ++c) {
    const std::uint32_t grp = c / cin_g, cl = c % cin_g;
    for (std::uint32_t ky = 0; ky < kh; ++ky)
      for (std::uint32_t kx = 0; kx < kw; ++kx) {
        for (std::uint32_t o = grp * per_group; o < (grp + 1) * per_group; ++o) {
          const double k = g.kernel[((std::size_t{o} * cin_g + cl) * kh + ky) * kw + kx];
          if (k != 0.0) taps.push_back({o * out_h * out_w, input(conv2d_weight(w, k))});
        }
        tap_start.push_back(static_cast<std::uint32_t>(taps.size()));
      }
  }
}

}  // namespace neuromesh::cpu

#pragma once
// Procedural conv2d projections (core/conv2d.hpp) on the cpu: their synapses are not stored; a
// spike's targets and fixed-point inputs are computed from the kernel. The plan grows with the
// kernel, not the synapses (~40 kB for a 6x6x8x16 kernel: 0.08 bytes per synapse), so a spike's 144 events of an
// N-MNIST CNN read L1-resident taps instead of streaming 8 bytes per synapse from a store (docs/nir.md, "Memory and
// speed"). The same synapses as build_projection_rows would store (zero kernel entries and padding skipped), each
// adding Synapse::input of the same float weight (conv2d_weight), so the ring buffers hold the same sums bit for bit --
// fixed-point adds do not depend on their order. Every other reader of synapses (read-back, edges, counts, routing, the
// fixed-point bound) walks them through for_each_of_source / for_each_of_target in the rows' order with the rows' float
// weights.
#include <cstdint>
#include <vector>

#include <neuromesh/core/conv2d.hpp>
#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/partition.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh::cpu {

// A static conv2d projection (no plasticity, no short-term state): the kind a shard keeps as its
// plan, wherever its post slice is contiguous and stored rows are not asked for (conv_plan_bytes.cpp).
bool plan_capable(const projection& proj);

struct conv_plan {
  struct pair {
    std::uint32_t out, k;  // output coordinate, kernel coordinate
  };
  struct tap {
    std::uint32_t offset;  // o * out_h * out_w
    fixed_t input;
  };
  const conv2d_geometry* geometry = nullptr;  // the network's (it outlives the engine)
  double weight = 0;                          // the projection's scalar weight
  std::uint32_t in_h = 0, in_w = 0, out_h = 0, out_w = 0, kh = 0, kw = 0, cin_g = 0, per_group = 0;
  index_t pre_begin = 0, n_pre = 0;  // the pre view in its population
  delay_t delay = 1;                 // the projection's one delay [steps] and receptor
  std::uint8_t receptor = 0;
  std::int64_t first = 0;  // post view begin - the shard slice's begin
  std::uint32_t local_offset = 0, n_local = 0;
  std::vector<std::uint32_t> row_start, col_start, tap_start;  // CSR offsets: by iy, by ix, by (c, ky, kx)
  std::vector<pair> rows, cols;
  std::vector<tap> taps;
  std::uint64_t synapses = 0;  // onto the slice

  // The plan of projection `proj` (a conv2d with scalar weight and delay, receptors resolved) onto
  // the contiguous slice `sl` of its post population; input(float) is the synapse model's.
  template <class Input>
  conv_plan(const projection& proj, const shard_slice& sl, index_t pre_size, index_t post_size, double dt, Input input);

  // Calls add(local target, input) for every synapse of view-local source s (in no set order).
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

  // Calls f(local target, float weight) for every synapse of view-local source s, by ascending
  // target: the stored row's order (synapse_store sorts a row by target; one receptor and delay).
  template <class F>
  void for_each_of_source(index_t s, F&& f) const {
    const std::uint32_t c = s / (in_h * in_w), iy = (s / in_w) % in_h, ix = s % in_w;
    const std::uint32_t grp = c / cin_g, cl = c % cin_g;
    for (std::uint32_t o = grp * per_group; o < (grp + 1) * per_group; ++o)
      for (std::uint32_t r = row_start[iy]; r < row_start[iy + 1]; ++r)  // ascending output row
        for (std::uint32_t q = col_start[ix]; q < col_start[ix + 1]; ++q) {
          const double k = geometry->kernel[((std::size_t{o} * cin_g + cl) * kh + rows[r].k) * kw + cols[q].k];
          const std::uint64_t t = static_cast<std::uint64_t>(first + (std::int64_t{o} * out_h + rows[r].out) * out_w +
                                                             std::int64_t{cols[q].out});
          if (k != 0.0 && t < n_local) f(local_offset + static_cast<std::uint32_t>(t), conv2d_weight(weight, k));
        }
  }
  bool has_synapses(index_t s) const {
    bool any = false;
    for_each_of_source(s, [&](std::uint32_t, float) { any = true; });
    return any;
  }

  // Calls f(view-local source, float weight) for every synapse onto the slice's i-th neuron, by
  // ascending source (taps_of_target's (cl, ky, kx) order): the rows' order by target.
  template <class F>
  void for_each_of_target(std::uint32_t i, F&& f) const {
    const std::int64_t j = std::int64_t{i} - first;  // view-local target
    if (j < 0 || j >= std::int64_t{geometry->kernel_shape[0]} * out_h * out_w) return;
    geometry->taps_of_target(static_cast<std::uint32_t>(j), [&](std::uint32_t source, std::size_t k) {
      if (geometry->kernel[k] != 0.0) f(source, conv2d_weight(weight, geometry->kernel[k]));
    });
  }

  // What the plan keeps (it grows with the kernel and the input's height and width, not with the
  // synapses).
  std::size_t bytes() const {
    return sizeof(*this) + (row_start.size() + col_start.size() + tap_start.size()) * sizeof(std::uint32_t) +
           (rows.size() + cols.size()) * sizeof(pair) + taps.size() * sizeof(tap);
  }
};

template <class Input>
conv_plan::conv_plan(const projection& proj, const shard_slice& sl, index_t pre_size, index_t post_size, double dt,
                     Input input) {
  const conv2d_geometry& g = proj.conn.conv;
  geometry = &g;
  weight = std::get<double>(proj.weight);
  const auto [pb, pe] = view_of(proj.pre_view, pre_size);
  const auto [qb, qe] = view_of(proj.post_view, post_size);
  (void)qe;
  pre_begin = pb;
  n_pre = pe - pb;
  receptor = static_cast<std::uint8_t>(proj.target);  // resolved: excitatory or inhibitory
  if (!delay_in_steps(std::get<double>(proj.delay), time_grid(dt).steps_per_ms(), delay))
    time_grid(dt).delay_steps(std::get<double>(proj.delay), "projections.delay");  // throws (validated before)
  in_h = g.input[1], in_w = g.input[2], kh = g.kernel_shape[2], kw = g.kernel_shape[3];
  out_h = g.out_extent(0);
  out_w = g.out_extent(1);
  first = static_cast<std::int64_t>(qb) - static_cast<std::int64_t>(sl.begin);
  local_offset = sl.local_offset;
  n_local = sl.size();
  const auto axis = [&](int a, std::uint32_t n_in, std::uint32_t n_k, std::uint32_t n_out,
                        std::vector<std::uint32_t>& start, std::vector<pair>& out) {
    start.assign(1, 0);
    for (std::uint32_t i = 0; i < n_in; ++i) {
      for (std::uint32_t k = n_k; k-- > 0;) {  // ascending output coordinate
        const std::int64_t num = std::int64_t{i} + g.padding[a] - std::int64_t{k} * g.dilation[a];
        if (num >= 0 && num % g.stride[a] == 0 && num / g.stride[a] < n_out)
          out.push_back({static_cast<std::uint32_t>(num / g.stride[a]), k});
      }
      start.push_back(static_cast<std::uint32_t>(out.size()));
    }
  };
  axis(0, in_h, kh, out_h, row_start, rows);
  axis(1, in_w, kw, out_w, col_start, cols);
  cin_g = g.kernel_shape[1];
  per_group = g.kernel_shape[0] / g.groups;
  tap_start.assign(1, 0);
  for (std::uint32_t c = 0; c < g.input[0]; ++c) {
    const std::uint32_t grp = c / cin_g, cl = c % cin_g;
    for (std::uint32_t ky = 0; ky < kh; ++ky)
      for (std::uint32_t kx = 0; kx < kw; ++kx) {
        for (std::uint32_t o = grp * per_group; o < (grp + 1) * per_group; ++o) {
          const double k = g.kernel[((std::size_t{o} * cin_g + cl) * kh + ky) * kw + kx];
          if (k != 0.0) taps.push_back({o * out_h * out_w, input(conv2d_weight(weight, k))});
        }
        tap_start.push_back(static_cast<std::uint32_t>(taps.size()));
      }
  }
  for (std::uint32_t i = 0; i < n_local; ++i) for_each_of_target(i, [&](std::uint32_t, float) { ++synapses; });
}

}  // namespace neuromesh::cpu

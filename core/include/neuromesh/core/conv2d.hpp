#pragma once
// Connector kind `conv2d`: a 2-d convolution as synapses. The pre view is read as an
// (in_channels, height, width) array in C order, the post view as (out_channels, out_height,
// out_width); output (o, y, x) receives from input (c, iy, ix) with
//   iy = y * stride[0] - padding[0] + ky * dilation[0],  ix = x * stride[1] - padding[1] + kx * dilation[1],
//   c = g * (in_channels / groups) + cl,  g = o / (out_channels / groups),
// weight = projection weight x kernel[o][cl][ky][kx] -- PyTorch's Conv2d (a cross-correlation,
// zero padding), which is what NIR's Conv2d means. Taps outside the input (padding) and zero kernel
// entries make no synapse. Pooling is the same connector: groups = channels and a kernel of ones
// (sum) or of 1/(kh kw) (average). Nothing is drawn: every synapse follows from its target's
// coordinates, so any split of the targets over threads and ranks builds the same synapses.
//   out_height = (height + 2 padding[0] - dilation[0] (kh - 1) - 1) / stride[0] + 1   (floor)
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace neuromesh {

struct conv2d_geometry {
  std::array<std::uint32_t, 3> input{0, 0, 0};            // in_channels, height, width
  std::array<std::uint32_t, 4> kernel_shape{0, 0, 0, 0};  // out_channels, in_channels / groups, kh, kw
  std::array<std::uint32_t, 2> stride{1, 1}, padding{0, 0}, dilation{1, 1};
  std::uint32_t groups = 1;
  std::vector<double> kernel;  // kernel_shape in C order

  // Output height and width; 0 when the kernel does not fit (check_conv2d names that).
  std::uint32_t out_extent(int axis) const {
    const std::int64_t span = static_cast<std::int64_t>(dilation[axis]) * (kernel_shape[2 + axis] - 1) + 1;
    const std::int64_t room = static_cast<std::int64_t>(input[1 + axis]) + 2 * padding[axis] - span;
    return room < 0 || stride[axis] == 0 ? 0 : static_cast<std::uint32_t>(room / stride[axis] + 1);
  }
  std::uint64_t in_size() const { return std::uint64_t{input[0]} * input[1] * input[2]; }
  std::uint64_t out_size() const { return std::uint64_t{kernel_shape[0]} * out_extent(0) * out_extent(1); }
  // Kernel entries per output neuron (an upper bound of its synapses).
  std::uint64_t taps() const { return std::uint64_t{kernel_shape[1]} * kernel_shape[2] * kernel_shape[3]; }

  // Calls f(source, kernel index) for every tap of view-local target j (padding skipped; zero
  // entries included -- the caller drops them), in (cl, ky, kx) order.
  template <class F>
  void taps_of_target(std::uint32_t j, F&& f) const {
    const std::uint32_t ho = out_extent(0), wo = out_extent(1);
    const std::uint32_t o = j / (ho * wo), y = (j / wo) % ho, x = j % wo;
    const std::uint32_t cin_g = kernel_shape[1], kh = kernel_shape[2], kw = kernel_shape[3];
    const std::uint32_t g = o / (kernel_shape[0] / groups);
    for (std::uint32_t cl = 0; cl < cin_g; ++cl) {
      const std::uint32_t c = g * cin_g + cl;
      for (std::uint32_t ky = 0; ky < kh; ++ky) {
        const std::int64_t iy = std::int64_t{y} * stride[0] - padding[0] + std::int64_t{ky} * dilation[0];
        if (iy < 0 || iy >= input[1]) continue;
        for (std::uint32_t kx = 0; kx < kw; ++kx) {
          const std::int64_t ix = std::int64_t{x} * stride[1] - padding[1] + std::int64_t{kx} * dilation[1];
          if (ix < 0 || ix >= input[2]) continue;
          f(static_cast<std::uint32_t>((std::int64_t{c} * input[1] + iy) * input[2] + ix),
            ((std::size_t{o} * cin_g + cl) * kh + ky) * kw + kx);
        }
      }
    }
  }
};

// The float weight of the synapse with kernel entry k in a projection of scalar weight w: what the
// stored rows hold and what procedural delivery adds (the same value on both paths).
inline float conv2d_weight(double w, double k) { return static_cast<float>(w * k); }

// The connector's checks (validate() calls it): shapes positive and consistent with groups,
// stride and dilation >= 1, the kernel's size and finiteness, and the views' sizes equal to the
// input's and the output's. config_error names `where` + the key.
void check_conv2d(const conv2d_geometry& g, std::uint32_t n_pre, std::uint32_t n_post, const std::string& where);

}  // namespace neuromesh

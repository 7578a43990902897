#include <cmath>

#include <neuromesh/core/conv2d.hpp>
#include <neuromesh/core/errors.hpp>

namespace neuromesh {

void check_conv2d(const conv2d_geometry& g, std::uint32_t n_pre, std::uint32_t n_post, const std::string& where) {
  const auto shape_text = [](const auto& a) {
    std::string s = "(";
    for (std::size_t i = 0; i < a.size(); ++i) s += (i ? ", " : "") + std::to_string(a[i]);
    return s + ")";
  };
  for (std::uint32_t v : g.input)
    if (v == 0) throw config_error(where + ".input_shape", shape_text(g.input) + " must be positive integers");
  for (std::uint32_t v : g.kernel_shape)
    if (v == 0) throw config_error(where + ".kernel_shape", shape_text(g.kernel_shape) + " must be positive integers");
  if (g.groups == 0 || g.kernel_shape[0] % g.groups != 0 || std::uint64_t{g.kernel_shape[1]} * g.groups != g.input[0])
    throw config_error(where + ".groups", "groups = " + std::to_string(g.groups) + " does not fit input channels " +
                                              std::to_string(g.input[0]) + " and kernel_shape " +
                                              shape_text(g.kernel_shape) +
                                              " (needs out_channels % groups == 0 and in_channels == "
                                              "kernel_shape[1] x groups)");
  for (int a = 0; a < 2; ++a) {
    if (g.stride[a] == 0) throw config_error(where + ".stride", "stride must be >= 1");
    if (g.dilation[a] == 0) throw config_error(where + ".dilation", "dilation must be >= 1");
  }
  if (g.kernel.size() != std::uint64_t{g.kernel_shape[0]} * g.taps())
    throw config_error(where + ".kernel",
                       std::to_string(g.kernel.size()) + " values for kernel_shape " + shape_text(g.kernel_shape));
  for (double v : g.kernel)
    if (!std::isfinite(v)) throw config_error(where + ".kernel", "values must be finite");
  if (g.out_extent(0) == 0 || g.out_extent(1) == 0)
    throw config_error(where + ".kernel_shape", "the kernel " + shape_text(g.kernel_shape) +
                                                    " (dilated) does not fit the padded input " + shape_text(g.input));
  if (g.in_size() != n_pre)
    throw config_error(where + ".input_shape", "input_shape " + shape_text(g.input) + " has " +
                                                   std::to_string(g.in_size()) + " neurons, the pre view " +
                                                   std::to_string(n_pre));
  if (g.out_size() != n_post)
    throw config_error(where, "the output (" + std::to_string(g.kernel_shape[0]) + ", " +
                                  std::to_string(g.out_extent(0)) + ", " + std::to_string(g.out_extent(1)) + ") has " +
                                  std::to_string(g.out_size()) + " neurons, the post view " + std::to_string(n_post));
}

}  // namespace neuromesh

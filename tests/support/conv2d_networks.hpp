#pragma once
// A conv2d test network (core/conv2d.hpp): a spike-source "in" and an iaf_psc_exp "out", joined by
// two conv2d projections (one per kernel sign, delays 1 and 2 ms) from views of "in" onto views of
// "out", with spikes recorded from "out". Used by the plan-only storage tests (validation,
// distributed).
#include <string>
#include <vector>

#include <neuromesh/api.hpp>

namespace neuromesh::test_support {

struct conv2d_case {
  std::uint32_t stride, pad, dil, groups;
  index_t pre_extra, post_extra;  // neurons before and after the views
};

inline conv2d_geometry conv2d_case_geometry(const conv2d_case& c) {
  conv2d_geometry g;
  g.input = {4, 7, 6};
  g.kernel_shape = {8, 4 / c.groups, 3, 2};
  g.stride = {c.stride, 1};
  g.padding = {c.pad, c.pad + 1};
  g.dilation = {c.dil, 1};
  g.groups = c.groups;
  for (std::size_t k = 0; k < 8u * (4 / c.groups) * 3 * 2; ++k)  // both signs, some zeros, exact in float
    g.kernel.push_back(k % 7 == 3 ? 0.0 : (static_cast<double>(k % 11) - 5.0) / 8.0);
  return g;
}

// The network of case c, receptors resolved (resolve_receptors), as engines take it.
inline network conv2d_case_network(const conv2d_case& c) {
  const conv2d_geometry g = conv2d_case_geometry(c);
  const auto n_in = static_cast<index_t>(g.in_size()), n_out = static_cast<index_t>(g.out_size());
  std::vector<std::vector<double>> trains(n_in + 2 * c.pre_extra);
  for (std::size_t i = 0; i < trains.size(); ++i)
    for (double t = 1.0 + static_cast<double>(i % 5); t < 60.0; t += 3.0 + static_cast<double>(i % 7))
      trains[i].push_back(t);
  network net;
  net.dt = 1.0;
  net.populations.push_back({"in", n_in + 2 * c.pre_extra, "spike_source_array", {}, {}, std::move(trains)});
  net.populations.push_back({"out", n_out + 2 * c.post_extra, "iaf_psc_exp", {{"V_th", -69.0}, {"tau_m", 5.0}}, {}});
  for (double sign : {1.0, -1.0}) {
    projection pr;
    pr.pre = "in";
    pr.post = "out";
    pr.pre_view = {c.pre_extra, c.pre_extra + n_in};
    pr.post_view = {c.post_extra, c.post_extra + n_out};
    pr.conn.type = connector::kind::conv2d;
    pr.conn.conv = g;
    for (double& k : pr.conn.conv.kernel) k = sign * k > 0 ? k : 0.0;
    pr.weight = 400.0;
    pr.delay = sign > 0 ? 1.0 : 2.0;
    net.projections.push_back(pr);
  }
  net.recorders.push_back({"out", "spikes", 1.0, {}});
  return resolve_receptors(std::move(net));
}

// Strides, paddings, dilations, groups, and views that cut the shards' slices.
inline const std::vector<conv2d_case>& conv2d_cases() {
  static const std::vector<conv2d_case> cases = {
      {1, 1, 1, 2, 0, 0}, {2, 0, 2, 1, 3, 5}, {3, 2, 1, 4, 1, 2}, {1, 0, 1, 1, 0, 7}};
  return cases;
}

}  // namespace neuromesh::test_support

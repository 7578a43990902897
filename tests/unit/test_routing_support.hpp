#pragma once
// Hardware descriptions and networks for the routing tests: a JSON builder for small hand-checkable
// chips, and networks given as explicit synapse lists.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <neuromesh/api.hpp>

namespace neuromesh::test_support {

// A chip family of chips_x x chips_y chips with an mx x my router mesh; energies in pJ chosen as
// distinct values so every component of a total can be identified.
inline nlohmann::json tiny_hardware_json(unsigned mx, unsigned my, unsigned cores_per_router, unsigned neurons,
                                         const std::string& routing = "multicast", const std::string& links = "mesh",
                                         unsigned chips_x = 1, unsigned chips_y = 1) {
  auto c = [](double v, const char* unit) {
    return nlohmann::json{{"value", v}, {"unit", unit}, {"source", "test value"}, {"status", "verified"}};
  };
  nlohmann::json j;
  j["name"] = "tiny";
  j["chips"] = {{"x", chips_x}, {"y", chips_y}, {"links", links}};
  j["mesh"] = {{"x", mx}, {"y", my}, {"cores_per_router", cores_per_router}};
  j["limits"] = {
      {"neurons", neurons}, {"fan_in_synapses", 0}, {"input_axons", 0}, {"fan_out_edges", 0}, {"router_entries", 0}};
  j["routing"] = routing;
  j["time"] = "real_time";
  j["constants"] = {{"e_synop", c(1, "pJ")},
                    {"e_syn_update", c(0, "pJ")},
                    {"e_nu_active", c(2, "pJ")},
                    {"e_nu_idle", c(3, "pJ")},
                    {"e_spike_gen", c(10, "pJ")},
                    {"e_msg_out", c(100, "pJ")},
                    {"e_intra_core", c(1000, "pJ")},
                    {"e_hop_ew", c(10000, "pJ")},
                    {"e_hop_ns", c(100000, "pJ")},
                    {"e_router", c(7, "pJ")},
                    {"e_chip_link", c(500000, "pJ")},
                    {"e_barrier", c(1, "pJ")},
                    {"p_static_chip", c(1, "mW")},
                    {"t_hop_ew", c(1, "ns")},
                    {"t_hop_ns", c(2, "ns")},
                    {"t_synop", c(1, "ns")},
                    {"t_nu", c(1, "ns")},
                    {"t_barrier", c(100, "ns")},
                    {"t_barrier_multichip", c(1, "us")},
                    {"link_capacity", c(1, "Mpackets/s")}};
  return j;
}

inline routing::hardware tiny_hardware(const nlohmann::json& j) { return routing::parse_hardware(j.dump(), "tiny"); }

// Population "src" (spike_source_array, `n_src` neurons firing at `times` ms) and "dst"
// (iaf_psc_exp, n_dst neurons, weights too small to fire), connected by explicit pairs.
inline network explicit_network(unsigned n_src, unsigned n_dst, std::vector<index_t> pre, std::vector<index_t> post,
                                std::vector<double> times = {1.0, 2.0, 3.0}) {
  network net;
  net.name = "explicit";
  net.populations.push_back({"src", n_src, "spike_source_array", {}, {}, {}});
  net.populations[0].spike_times.assign(n_src, times);
  net.populations.push_back({"dst", n_dst, "iaf_psc_exp", {}, {}, {}});
  projection p;
  p.pre = "src";
  p.post = "dst";
  p.conn.type = connector::kind::explicit_list;
  p.conn.sources = std::move(pre);
  p.conn.targets = std::move(post);
  p.weight = 0.001;
  net.projections.push_back(p);
  return net;
}

// Populations of iaf_psc_exp neurons (label, size), and all-to-all projections between them.
inline network populations_network(const std::string& name, const std::vector<std::pair<std::string, index_t>>& pops,
                                   const std::vector<std::pair<std::string, std::string>>& all_to_all,
                                   double weight = 0.001) {
  network net;
  net.name = name;
  for (const auto& [label, size] : pops) net.populations.push_back({label, size, "iaf_psc_exp", {}, {}, {}});
  for (const auto& [pre, post] : all_to_all) {
    projection p;
    p.pre = pre;
    p.post = post;
    p.conn.type = connector::kind::all_to_all;
    p.weight = weight;
    net.projections.push_back(p);
  }
  return net;
}

// A side x side sheet of neurons (row-major gids), each connected to every neuron within
// Chebyshev distance `radius` (Mundy et al. 2016's locally connected network, with a square kernel).
inline network local_sheet(unsigned side, unsigned radius) {
  network net;
  net.name = "local_sheet";
  net.populations.push_back({"sheet", side * side, "iaf_psc_exp", {}, {}, {}});
  projection p;
  p.pre = p.post = "sheet";
  p.conn.type = connector::kind::explicit_list;
  const int r = static_cast<int>(radius), n = static_cast<int>(side);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x)
      for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx) {
          const int tx = x + dx, ty = y + dy;
          if ((dx || dy) && tx >= 0 && ty >= 0 && tx < n && ty < n) {
            p.conn.sources.push_back(static_cast<index_t>(y * n + x));
            p.conn.targets.push_back(static_cast<index_t>(ty * n + tx));
          }
        }
  p.weight = 0.001;
  net.projections.push_back(p);
  return net;
}

}  // namespace neuromesh::test_support

#pragma once
// The network-on-chip of a hardware description as a Boost.Graph graph (built in topology.cpp, so
// Boost stays out of the public headers): one vertex per router (all chips), one directed edge per
// link. Routers sit on a global grid of
// (chips_x * mesh_x) x (chips_y * mesh_y) positions; a link between routers of different chips is an
// inter-chip link. Every link keeps its direction (E–W and N–S cost differ on Loihi), energy,
// latency and capacity. Routes are dimension-ordered (X then Y; on the hexagonal torus the
// diagonal first), computed from coordinates and returned as link indices of the graph.
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include <neuromesh/core/routing/hardware.hpp>

namespace neuromesh::routing {

enum class direction : std::uint8_t { east, west, north, south, north_east, south_west };
inline constexpr int n_directions = 6;
const char* to_string(direction d);
direction opposite(direction d);

struct router_info {
  std::uint32_t chip = 0, x = 0, y = 0;  // global grid position
};

struct link_info {
  std::uint32_t index = 0;  // position in topology::links()
  std::uint32_t from = 0, to = 0;
  direction dir = direction::east;
  bool inter_chip = false;
  double energy = 0.0;    // J per packet traversal (hop energy, plus e_chip_link when inter-chip)
  double latency = 0.0;   // s per traversal
  double capacity = 0.0;  // packets/s (0: not published)
};

namespace detail {
struct noc_graph;  // boost::adjacency_list<vecS, vecS, bidirectionalS, router_info, link_info>
}

class topology {
 public:
  explicit topology(const hardware& hw);

  const std::vector<link_info>& links() const { return links_; }
  std::uint32_t n_routers() const { return static_cast<std::uint32_t>(routers_.size()); }
  std::uint32_t n_cores() const { return n_cores_; }
  std::uint32_t router_of_core(std::uint32_t core) const { return core / cores_per_router_; }
  std::uint32_t chip_of_router(std::uint32_t r) const { return routers_[r].chip; }
  std::uint32_t chip_of_core(std::uint32_t core) const { return chip_of_router(router_of_core(core)); }
  const router_info& router(std::uint32_t r) const { return routers_[r]; }
  // Link leaving router r in direction d, or npos.
  std::uint32_t link(std::uint32_t r, direction d) const { return out_[r][static_cast<int>(d)]; }
  // Dimension-ordered route from router a to b, appended to `out` as link indices.
  void route(std::uint32_t a, std::uint32_t b, std::vector<std::uint32_t>& out) const;
  // Direction-weighted energy of that route (J per packet), and its hop count.
  double route_energy(std::uint32_t a, std::uint32_t b) const;
  std::uint32_t hops(std::uint32_t a, std::uint32_t b) const;
  // Shortest hop counts from router `from` to every router, by breadth-first search on the graph
  // (independent of the route function: the tests check X–Y routes are shortest with it).
  std::vector<std::uint32_t> bfs_hops(std::uint32_t from) const;
  // Whether every router reaches every other (Boost strong components).
  bool connected() const;

  static constexpr std::uint32_t npos = 0xffffffffu;

 private:
  std::uint32_t router_at(std::uint32_t gx, std::uint32_t gy) const;
  // Signed steps along one axis of length n (shortest way round when wrapping).
  std::int64_t delta(std::uint32_t from, std::uint32_t to, std::uint32_t n) const;
  void add_link(std::uint32_t from, std::uint32_t to, direction d, const hardware& hw);

  std::shared_ptr<const detail::noc_graph> graph_;
  std::vector<router_info> routers_;
  std::vector<link_info> links_;
  std::vector<std::array<std::uint32_t, n_directions>> out_;
  std::vector<std::uint32_t> at_;  // router index per global grid position
  std::uint32_t width_ = 1, height_ = 1, mesh_x_ = 1, mesh_y_ = 1, chips_x_ = 1, cores_per_router_ = 1, n_cores_ = 0;
  bool wrap_ = false, hex_ = false;
};

}  // namespace neuromesh::routing

// Router graph construction and dimension-ordered routes (see topology.hpp).
#include <neuromesh/core/routing/topology.hpp>

#include <cstdlib>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/strong_components.hpp>

#include <neuromesh/core/errors.hpp>

namespace neuromesh::routing {
namespace detail {
struct noc_graph : boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, router_info, link_info> {};
}  // namespace detail

const char* to_string(direction d) {
  static const char* names[] = {"E", "W", "N", "S", "NE", "SW"};
  return names[static_cast<int>(d)];
}

direction opposite(direction d) {
  switch (d) {
    case direction::east:
      return direction::west;
    case direction::west:
      return direction::east;
    case direction::north:
      return direction::south;
    case direction::south:
      return direction::north;
    case direction::north_east:
      return direction::south_west;
    case direction::south_west:
      return direction::north_east;
  }
  return d;
}

topology::topology(const hardware& hw)
    : width_(hw.chips_x * hw.mesh_x),
      height_(hw.chips_y * hw.mesh_y),
      mesh_x_(hw.mesh_x),
      mesh_y_(hw.mesh_y),
      chips_x_(hw.chips_x),
      cores_per_router_(hw.cores_per_router),
      n_cores_(hw.n_cores()),
      wrap_(hw.chip_links != link_layout::mesh),
      hex_(hw.chip_links == link_layout::hexagonal_torus) {
  auto graph = std::make_shared<detail::noc_graph>();
  const std::uint32_t n = hw.n_chips() * hw.routers_per_chip();
  at_.assign(static_cast<std::size_t>(width_) * height_, npos);
  out_.assign(n, {});
  for (auto& o : out_) o.fill(npos);
  // Routers are numbered chip by chip, row-major within a chip, so cores of a chip are contiguous.
  for (std::uint32_t chip = 0; chip < hw.n_chips(); ++chip)
    for (std::uint32_t r = 0; r < hw.routers_per_chip(); ++r) {
      const std::uint32_t gx = (chip % hw.chips_x) * mesh_x_ + r % mesh_x_;
      const std::uint32_t gy = (chip / hw.chips_x) * mesh_y_ + r / mesh_x_;
      const auto v = boost::add_vertex(router_info{chip, gx, gy}, *graph);
      routers_.push_back(router_info{chip, gx, gy});
      at_[static_cast<std::size_t>(gy) * width_ + gx] = static_cast<std::uint32_t>(v);
    }
  for (std::uint32_t gy = 0; gy < height_; ++gy)
    for (std::uint32_t gx = 0; gx < width_; ++gx) {
      const std::uint32_t r = router_at(gx, gy);
      const bool east_edge = gx + 1 == width_, north_edge = gy + 1 == height_;
      if ((!east_edge || wrap_) && width_ > 1) {
        const std::uint32_t e = router_at((gx + 1) % width_, gy);
        add_link(r, e, direction::east, hw);
        add_link(e, r, direction::west, hw);
      }
      if ((!north_edge || wrap_) && height_ > 1) {
        const std::uint32_t nn = router_at(gx, (gy + 1) % height_);
        add_link(r, nn, direction::north, hw);
        add_link(nn, r, direction::south, hw);
      }
      if (hex_ && width_ > 1 && height_ > 1) {
        const std::uint32_t ne = router_at((gx + 1) % width_, (gy + 1) % height_);
        add_link(r, ne, direction::north_east, hw);
        add_link(ne, r, direction::south_west, hw);
      }
    }
  for (const auto& l : links_) boost::add_edge(l.from, l.to, l, *graph);
  graph_ = std::move(graph);
}

std::vector<std::uint32_t> topology::bfs_hops(std::uint32_t from) const {
  std::vector<std::uint32_t> dist(n_routers(), npos);
  dist[from] = 0;
  const auto recorder = boost::record_distances(dist.data(), boost::on_tree_edge());
  boost::breadth_first_search(*graph_, from, boost::visitor(boost::make_bfs_visitor(recorder)));
  return dist;
}

bool topology::connected() const {
  if (n_routers() == 0) return true;
  std::vector<int> comp(n_routers());
  return boost::strong_components(*graph_, comp.data()) == 1;
}

void topology::add_link(std::uint32_t from, std::uint32_t to, direction d, const hardware& hw) {
  if (out_[from][static_cast<int>(d)] != npos) return;  // a 2-wide torus: both ways round meet
  link_info l;
  l.index = static_cast<std::uint32_t>(links_.size());
  l.from = from;
  l.to = to;
  l.dir = d;
  l.inter_chip = routers_[from].chip != routers_[to].chip;
  const bool ew = d == direction::east || d == direction::west;
  const bool ns = d == direction::north || d == direction::south;
  l.energy = hw.value(ew   ? "e_hop_ew"
                      : ns ? "e_hop_ns"
                           : "e_hop_diag") +
             (l.inter_chip ? hw.value("e_chip_link") : 0.0);
  l.latency = hw.value(ns ? "t_hop_ns" : "t_hop_ew");
  l.capacity = hw.value("link_capacity");
  links_.push_back(l);
  out_[from][static_cast<int>(d)] = l.index;
}

std::uint32_t topology::router_at(std::uint32_t gx, std::uint32_t gy) const {
  return at_[static_cast<std::size_t>(gy) * width_ + gx];
}

std::int64_t topology::delta(std::uint32_t from, std::uint32_t to, std::uint32_t n) const {
  std::int64_t d = static_cast<std::int64_t>(to) - from;
  if (wrap_) {
    if (d > static_cast<std::int64_t>(n) / 2) d -= n;
    if (d < -static_cast<std::int64_t>(n - 1) / 2) d += n;
  }
  return d;
}

void topology::route(std::uint32_t a, std::uint32_t b, std::vector<std::uint32_t>& out) const {
  std::int64_t dx = delta(routers_[a].x, routers_[b].x, width_);
  std::int64_t dy = delta(routers_[a].y, routers_[b].y, height_);
  if (hex_) {  // the wrap of each axis that gives the shortest hexagonal path (diagonals count once)
    const std::int64_t w = width_, h = height_;
    auto cost = [](std::int64_t x, std::int64_t y) {
      return (x > 0) == (y > 0) ? std::max(std::llabs(x), std::llabs(y)) : std::llabs(x) + std::llabs(y);
    };
    const std::int64_t x0 = dx, y0 = dy;
    for (std::int64_t x : {x0, x0 - w, x0 + w})
      for (std::int64_t y : {y0, y0 - h, y0 + h})
        if (cost(x, y) < cost(dx, dy)) dx = x, dy = y;
  }
  std::uint32_t r = a;
  auto walk = [&](direction d, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) {
      const std::uint32_t l = link(r, d);
      if (l == npos) throw internal_error("route: no link " + std::string(to_string(d)) + " at a router");
      out.push_back(l);
      r = links_[l].to;
    }
  };
  if (hex_ && ((dx > 0 && dy > 0) || (dx < 0 && dy < 0))) {  // diagonal links cover both axes
    const std::int64_t diag = std::min(std::llabs(dx), std::llabs(dy));
    walk(dx > 0 ? direction::north_east : direction::south_west, diag);
    dx += dx > 0 ? -diag : diag;
    dy += dy > 0 ? -diag : diag;
  }
  walk(dx > 0 ? direction::east : direction::west, std::llabs(dx));
  walk(dy > 0 ? direction::north : direction::south, std::llabs(dy));
  if (r != b) throw internal_error("route did not reach its destination router");
}

double topology::route_energy(std::uint32_t a, std::uint32_t b) const {
  thread_local std::vector<std::uint32_t> path;
  path.clear();
  route(a, b, path);
  double e = 0;
  for (auto l : path) e += links_[l].energy;
  return e;
}

std::uint32_t topology::hops(std::uint32_t a, std::uint32_t b) const {
  thread_local std::vector<std::uint32_t> path;
  path.clear();
  route(a, b, path);
  return static_cast<std::uint32_t>(path.size());
}

}  // namespace neuromesh::routing

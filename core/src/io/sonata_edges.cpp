// Streamed SONATA edges: see sonata_edges.hpp; layout in shared/specs/sonata.md §5.
#include <neuromesh/core/io/sonata_edges.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <utility>
#include <vector>

#include <hdf5.h>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_writer.hpp>

namespace neuromesh::io {
namespace {

using detail::hdf5_id;
using detail::hdf5_quiet;

constexpr hsize_t targets_per_block = 4096;  // index rows read at once

bool exists(hid_t loc, const std::string& path) {
  std::string prefix;
  for (std::size_t pos = 0; pos != std::string::npos;) {  // every component, as H5Lexists wants
    const std::size_t next = path.find('/', pos);
    prefix = path.substr(0, next);
    if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    pos = next == std::string::npos ? next : next + 1;
  }
  return true;
}

// One edge population opened for reading; every failure names the projection (`where`).
struct edge_file {
  const sonata_edges& e;
  std::string where, pop;  // pop: "/edges/<population>"
  hdf5_id file, group;
  hdf5_id source, target, type, weight, delay, group_index;  // weight / delay / group_index: may be absent
  hdf5_id node_ranges, ranges;                               // indices/target_to_source: may be absent
  hsize_t size = 0, index_rows = 0;

  edge_file(const sonata_edges& edges, const std::string& w) : e(edges), where(w), pop("/edges/" + edges.population) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_regular_file(e.file, ec))
      throw config_error(where + ".file", "SONATA edges file '" + e.file + "' not found");
    const hid_t f = H5Fopen(e.file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) throw config_error(where + ".file", "'" + e.file + "' is not a readable HDF5 file");
    file = hdf5_id(f);
    if (e.population.empty() || !exists(f, "edges/" + e.population))
      throw config_error(where + ".population", "'" + e.file + "' has no edge population " + pop);
    group = hdf5_id(H5Gopen2(f, ("edges/" + e.population).c_str(), H5P_DEFAULT));
    if (!group.valid()) throw config_error(where + ".population", pop + " in '" + e.file + "' is not a group");
    source = column("source_node_id", true);
    target = column("target_node_id", true);
    size = length(source.get(), "source_node_id");
    if (length(target.get(), "target_node_id") != size)
      throw config_error(where + ".population", pop + ": source_node_id and target_node_id differ in length");
    if (exists(group.get(), "1"))
      throw config_error(where + ".population", pop +
                                                    " has several edge groups; the streamed reader takes one "
                                                    "(group 0): read it with the explicit reader");
    const bool typed = !e.edge_types.empty();
    if (typed) type = column("edge_type_id", true);
    if (typed && length(type.get(), "edge_type_id") != size)
      throw config_error(where + ".edge_type_id", pop + ": edge_type_id and source_node_id differ in length");
    weight = column("0/syn_weight", false);
    delay = column("0/delay", false);
    for (auto [id, name, per_type] :
         {std::tuple{&weight, "syn_weight", &e.type_weight}, {&delay, "delay", &e.type_delay}}) {
      if (id->valid()) {
        if (length(id->get(), name) != size)
          throw config_error(where + "." + name, pop + "/0/" + name + " and source_node_id differ in length");
        continue;
      }
      const bool all_typed = typed && per_type->size() == e.edge_types.size() &&
                             std::all_of(per_type->begin(), per_type->end(), [](double x) { return std::isfinite(x); });
      if (!all_typed)
        throw config_error(where + "." + name, pop + " has no column 0/" + name +
                                                   " and not every kept edge type "
                                                   "has a " +
                                                   name + " value (edge_types.csv)");
    }
    if ((weight.valid() || delay.valid()) && exists(group.get(), "edge_group_index")) {
      group_index = column("edge_group_index", true);
      if (length(group_index.get(), "edge_group_index") != size)
        throw config_error(where + ".population", pop + ": edge_group_index and source_node_id differ in length");
    }
    const std::string t2s = "indices/target_to_source/";
    const std::string rows = exists(group.get(), t2s + "node_id_to_ranges") ? "node_id_to_ranges" : "node_id_to_range";
    if (exists(group.get(), t2s + rows) && exists(group.get(), t2s + "range_to_edge_id")) {
      node_ranges = column(t2s + rows, true);
      ranges = column(t2s + "range_to_edge_id", true);
      index_rows = length(node_ranges.get(), rows.c_str(), 2);
    }
  }

  hdf5_id column(const std::string& name, bool required) const {
    if (!exists(group.get(), name)) {
      if (required) throw config_error(where + "." + name, pop + "/" + name + " is missing in '" + e.file + "'");
      return {};
    }
    hdf5_id d(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT));
    if (!d.valid()) throw config_error(where + "." + name, pop + "/" + name + " is not a dataset");
    return d;
  }

  hsize_t length(hid_t d, const char* name, int rank = 1) const {
    hdf5_id space(H5Dget_space(d));
    hsize_t dims[2] = {0, 0};
    if (!space.valid() || H5Sget_simple_extent_ndims(space.get()) != rank ||
        H5Sget_simple_extent_dims(space.get(), dims, nullptr) < 0 || (rank == 2 && dims[1] != 2))
      throw config_error(where + "." + name, pop + "/" + name + " has the wrong shape");
    return dims[0];
  }

  // Rows [start, start + count) of dataset d (rank 1, or rank 2 with two columns) into buf.
  template <class T>
  void read(hid_t d, hid_t mem_type, hsize_t start, hsize_t count, std::vector<T>& buf, int rank = 1) const {
    buf.resize(count * rank);
    if (count == 0) return;
    hdf5_id space(H5Dget_space(d));
    const hsize_t off[2] = {start, 0}, cnt[2] = {count, static_cast<hsize_t>(rank)};
    hdf5_id mem(H5Screate_simple(rank, cnt, nullptr));
    if (!space.valid() || !mem.valid() ||
        H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, off, nullptr, cnt, nullptr) < 0 ||
        H5Dread(d, mem_type, mem.get(), space.get(), H5P_DEFAULT, buf.data()) < 0)
      throw io_error(e.file, "HDF5 could not read rows " + std::to_string(start) + ".." +
                                 std::to_string(start + count) + " of a dataset of " + pop);
  }
};

// Per-kept-type lookup: the position of an edge_type_id in e.edge_types (-1: not kept).
class type_table {
 public:
  explicit type_table(const std::vector<std::int64_t>& types) {
    for (std::size_t k = 0; k < types.size(); ++k) sorted_.emplace_back(types[k], static_cast<int>(k));
    std::sort(sorted_.begin(), sorted_.end());
  }
  int find(std::int64_t t) const {
    const auto it = std::lower_bound(sorted_.begin(), sorted_.end(), std::pair<std::int64_t, int>{t, -1});
    return it != sorted_.end() && it->first == t ? it->second : -1;
  }

 private:
  std::vector<std::pair<std::int64_t, int>> sorted_;
};

struct chunk_reader {
  const edge_file& f;
  index_t n_pre, n_post;
  bool values;
  type_table types;
  std::vector<std::uint64_t> src, tgt, gidx;
  std::vector<std::int64_t> type;
  std::vector<double> w, d;

  // Edges [start, start + count): those with view-local target in [first, last) go to fn.
  // `indexed`: the index promised only such targets, so any other is an error.
  void run(hsize_t start, hsize_t count, index_t first, index_t last, bool indexed,
           const std::function<void(const sonata_edge&)>& fn) {
    const sonata_edges& e = f.e;
    f.read(f.source.get(), H5T_NATIVE_UINT64, start, count, src);
    f.read(f.target.get(), H5T_NATIVE_UINT64, start, count, tgt);
    if (f.type.valid()) f.read(f.type.get(), H5T_NATIVE_INT64, start, count, type);
    const bool need_weight = values || e.sign != 0;
    if (need_weight && f.weight.valid()) f.read(f.weight.get(), H5T_NATIVE_DOUBLE, start, count, w);
    if (values && f.delay.valid()) f.read(f.delay.get(), H5T_NATIVE_DOUBLE, start, count, d);
    if (values && f.group_index.valid()) f.read(f.group_index.get(), H5T_NATIVE_UINT64, start, count, gidx);
    for (hsize_t k = 0; k < count; ++k) {
      const std::uint64_t s = src[k], t = tgt[k];
      if (s >= e.source_nodes || t >= e.target_nodes)
        throw config_error(f.where,
                           f.pop + ": edge " + std::to_string(start + k) + " joins node " +
                               std::to_string(s >= e.source_nodes ? s : t) + " outside its node population's " +
                               std::to_string(s >= e.source_nodes ? e.source_nodes : e.target_nodes) + " nodes");
      const std::uint64_t j = t - e.target_first;  // wraps below target_first: outside the view
      if (t < e.target_first || j < first || j >= last) {
        if (indexed)
          throw config_error(f.where, f.pop + "/indices/target_to_source lists edge " + std::to_string(start + k) +
                                          " under another target than its target_node_id " + std::to_string(t));
        continue;
      }
      if (s < e.source_first || s - e.source_first >= n_pre) continue;
      int slot = 0;
      if (f.type.valid() && (slot = types.find(type[k])) < 0) continue;
      sonata_edge out{static_cast<index_t>(s - e.source_first), static_cast<index_t>(j), 0.0, 0.0};
      if (need_weight) out.weight = f.weight.valid() ? w[k] : e.type_weight[slot];
      if (e.sign > 0 ? out.weight < 0 : e.sign < 0 ? !(out.weight < 0) : false) continue;
      if (values) {
        if (f.group_index.valid() && gidx[k] != start + k)
          throw config_error(f.where, f.pop + ": edge_group_index[" + std::to_string(start + k) +
                                          "] = " + std::to_string(gidx[k]) +
                                          "; the streamed reader needs edge group 0 in "
                                          "edge order (read the file with the explicit reader)");
        out.delay = f.delay.valid() ? d[k] : e.type_delay[slot];
        if (!std::isfinite(out.weight) || !std::isfinite(out.delay))
          throw config_error(f.where, f.pop + ": edge " + std::to_string(start + k) + " has syn_weight " +
                                          std::to_string(out.weight) + " and delay " + std::to_string(out.delay));
      }
      fn(out);
    }
  }
};

}  // namespace

void check_sonata_edges(const sonata_edges& e, index_t n_pre, index_t n_post, const std::string& where) {
  hdf5_quiet quiet;
  if (e.chunk == 0) throw config_error(where + ".chunk", "must be at least 1 edge");
  if (e.sign < -1 || e.sign > 1) throw config_error(where + ".sign", "must be -1, 0 or 1");
  if (e.type_weight.size() != e.edge_types.size() || e.type_delay.size() != e.edge_types.size())
    throw config_error(where + ".type_weight", "type_weight and type_delay need one value per entry of edge_types");
  if (e.source_first + n_pre > e.source_nodes || e.target_first + n_post > e.target_nodes)
    throw config_error(where, "the views [source_first, +" + std::to_string(n_pre) + ") and [target_first, +" +
                                  std::to_string(n_post) + ") must lie inside the node populations of " +
                                  std::to_string(e.source_nodes) + " and " + std::to_string(e.target_nodes) +
                                  " nodes (source_nodes, target_nodes)");
  const edge_file f(e, where);
  if (f.node_ranges.valid() && f.index_rows != e.target_nodes)
    throw config_error(where + ".target_nodes", f.pop + "/indices/target_to_source has " +
                                                    std::to_string(f.index_rows) + " node rows for " +
                                                    std::to_string(e.target_nodes) + " target nodes");
}

void for_each_sonata_edge(const sonata_edges& e, index_t n_pre, index_t n_post, index_t first, index_t last,
                          bool values, const std::string& where, const std::function<void(const sonata_edge&)>& fn) {
  hdf5_quiet quiet;
  last = std::min(last, n_post);
  if (first >= last) return;
  const edge_file f(e, where);
  chunk_reader r{f, n_pre, n_post, values, type_table(e.edge_types), {}, {}, {}, {}, {}, {}};
  if (!f.node_ranges.valid()) {  // one scan of the file
    for (hsize_t s = 0; s < f.size; s += e.chunk)
      r.run(s, std::min<hsize_t>(e.chunk, f.size - s), first, last, false, fn);
    return;
  }
  if (e.target_first + last > f.index_rows)
    throw config_error(where, f.pop + "/indices/target_to_source has no rows for the view's targets");
  std::vector<std::uint64_t> rows, edge_ranges;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  for (index_t b = first; b < last;) {
    const index_t end = static_cast<index_t>(std::min<std::uint64_t>(last, std::uint64_t{b} + targets_per_block));
    f.read(f.node_ranges.get(), H5T_NATIVE_UINT64, e.target_first + b, end - b, rows, 2);
    std::uint64_t lo = UINT64_MAX, hi = 0;
    for (std::size_t t = 0; t < end - b; ++t)
      if (rows[2 * t] < rows[2 * t + 1]) lo = std::min(lo, rows[2 * t]), hi = std::max(hi, rows[2 * t + 1]);
    spans.clear();
    if (lo < hi) {
      f.read(f.ranges.get(), H5T_NATIVE_UINT64, lo, hi - lo, edge_ranges, 2);
      for (std::size_t t = 0; t < end - b; ++t)
        for (std::uint64_t q = rows[2 * t]; q < rows[2 * t + 1]; ++q) {
          const std::uint64_t s = edge_ranges[2 * (q - lo)], x = edge_ranges[2 * (q - lo) + 1];
          if (s > x || x > f.size)
            throw config_error(where, f.pop + "/indices/target_to_source/range_to_edge_id row " + std::to_string(q) +
                                          " is not a range of the population's " + std::to_string(f.size) + " edges");
          if (s < x) spans.emplace_back(s, x);
        }
    }
    // The file's order: spans sorted by first edge, touching ones read together.
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 0; i < spans.size();) {
      auto [s, x] = spans[i];
      for (++i; i < spans.size() && spans[i].first <= x; ++i) {
        if (spans[i].first < x)
          throw config_error(
              where, f.pop + "/indices/target_to_source lists edge " + std::to_string(spans[i].first) + " twice");
        x = spans[i].second;
      }
      for (std::uint64_t c = s; c < x; c += e.chunk)
        r.run(c, std::min<std::uint64_t>(e.chunk, x - c), b, end, true, fn);
    }
    b = end;
  }
}

}  // namespace neuromesh::io

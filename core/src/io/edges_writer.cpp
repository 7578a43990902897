// SONATA edges in the output file: see edges_writer.hpp and shared/specs/sonata.md §5.
#include <neuromesh/core/io/edges_writer.hpp>

#include <algorithm>
#include <numeric>

#include <hdf5.h>

#include <neuromesh/core/errors.hpp>

#include "hdf5_helpers.hpp"

namespace neuromesh::io {

using namespace detail;  // NOLINT(google-build-using-namespace): this module's own helpers

struct edges_writer::datasets {
  hdf5_id source, target, weight, delay;
};

namespace {

constexpr hsize_t block = hsize_t{1} << 16;  // values per write of the generated columns

hdf5_id create_fixed(hid_t loc, const char* name, hid_t type, int rank, const hsize_t* dims, const std::string& path) {
  hdf5_id space = checked(H5Screate_simple(rank, dims, nullptr), path, std::string("create dataspace for ") + name);
  return checked(H5Dcreate2(loc, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path,
                 std::string("create dataset ") + name);
}

// A column of n values that `value(i)` gives, written block by block.
template <class T, class F>
void write_generated(hid_t loc, const char* name, hid_t file_type, hid_t mem_type, hsize_t n, F value,
                     const std::string& path) {
  hdf5_id d = create_fixed(loc, name, file_type, 1, &n, path);
  std::vector<T> buf;
  for (hsize_t start = 0; start < n; start += block) {
    const hsize_t count = std::min(block, n - start);
    buf.resize(count);
    for (hsize_t i = 0; i < count; ++i) buf[i] = value(start + i);
    write_rows(d.get(), 1, &start, &count, mem_type, buf.data(), path, name);
  }
}

// indices/target_to_source: one range per target with synapses (libsonata writes [k, k] for a
// target without any).
void write_target_index(hid_t group, std::span<const std::uint64_t> first, const std::string& path) {
  const std::size_t n_post = first.size() - 1;
  std::vector<std::uint64_t> node_ranges(2 * n_post), ranges;
  std::uint64_t r = 0;
  for (std::size_t t = 0; t < n_post; ++t) {
    node_ranges[2 * t] = r;
    if (first[t + 1] > first[t]) {
      ranges.push_back(first[t]);
      ranges.push_back(first[t + 1]);
      ++r;
    }
    node_ranges[2 * t + 1] = r;
  }
  hdf5_id indices = open_or_create_group(group, "indices", path);
  hdf5_id t2s = open_or_create_group(indices.get(), "target_to_source", path);
  const hsize_t dims[2] = {n_post, 2}, rdims[2] = {r, 2};
  hdf5_id a = create_fixed(t2s.get(), "node_id_to_ranges", H5T_STD_U64LE, 2, dims, path);
  if (n_post > 0)
    check(H5Dwrite(a.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, node_ranges.data()), path,
          "write node_id_to_ranges");
  // bmtk and NEST's guide spell it node_id_to_range (sonata.md §5).
  check(H5Lcreate_hard(t2s.get(), "node_id_to_ranges", t2s.get(), "node_id_to_range", H5P_DEFAULT, H5P_DEFAULT), path,
        "link node_id_to_range");
  hdf5_id b = create_fixed(t2s.get(), "range_to_edge_id", H5T_STD_U64LE, 2, rdims, path);
  if (r > 0)
    check(H5Dwrite(b.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, ranges.data()), path,
          "write range_to_edge_id");
}

}  // namespace

edges_writer::edges_writer(output_file& file, const std::string& name, const std::string& source_population,
                           const std::string& target_population, std::span<const std::uint64_t> first,
                           std::int64_t edge_type_id,
                           const std::vector<std::pair<std::string, std::string>>& attributes)
    : path_(file.path()), where_("/edges/" + name), state_(file.state()), d_(std::make_unique<datasets>()) {
  hdf5_quiet quiet;
  require_open(file);
  require_healthy(*state_, where_);
  validate_name(name, "edge population");
  if (first.empty()) throw internal_error("edges_writer: no target offsets for " + where_);
  size_ = first.back();
  const hid_t f = file.native_handle();
  guarded(*state_, f, [&] {
    require_space(*state_, size_ * 48, where_);  // the columns' bytes
    hdf5_id edges = open_or_create_group(f, "edges", path_);
    if (link_exists(edges.get(), name))  // an earlier run's weights (a continued simulation)
      check(H5Ldelete(edges.get(), name.c_str(), H5P_DEFAULT), path_, "replace " + where_);
    hdf5_id g = checked(H5Gcreate2(edges.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path_,
                        "create " + where_);
    for (const auto& [key, value] : attributes) write_string_attr(g.get(), key, value, path_);
    const hsize_t n = size_;
    d_->source = create_fixed(g.get(), "source_node_id", H5T_STD_U64LE, 1, &n, path_);
    write_string_attr(d_->source.get(), "node_population", source_population, path_);
    d_->target = create_fixed(g.get(), "target_node_id", H5T_STD_U64LE, 1, &n, path_);
    write_string_attr(d_->target.get(), "node_population", target_population, path_);
    write_generated<std::int64_t>(
        g.get(), "edge_type_id", H5T_STD_I64LE, H5T_NATIVE_INT64, n, [&](hsize_t) { return edge_type_id; }, path_);
    write_generated<std::int64_t>(
        g.get(), "edge_group_id", H5T_STD_I64LE, H5T_NATIVE_INT64, n, [](hsize_t) { return std::int64_t{0}; }, path_);
    write_generated<std::uint64_t>(
        g.get(), "edge_group_index", H5T_STD_U64LE, H5T_NATIVE_UINT64, n, [](hsize_t i) { return std::uint64_t{i}; },
        path_);
    hdf5_id group0 =
        checked(H5Gcreate2(g.get(), "0", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path_, "create " + where_ + "/0");
    d_->weight = create_fixed(group0.get(), "syn_weight", H5T_IEEE_F64LE, 1, &n, path_);
    d_->delay = create_fixed(group0.get(), "delay", H5T_IEEE_F64LE, 1, &n, path_);
    write_string_attr(d_->delay.get(), "units", "ms", path_);
    write_target_index(g.get(), first, path_);
  });
}

edges_writer::~edges_writer() = default;

void edges_writer::write(std::span<const std::uint64_t> position, std::span<const std::uint64_t> source,
                         std::span<const std::uint64_t> target, std::span<const double> weight,
                         std::span<const double> delay_ms) {
  hdf5_quiet quiet;
  require_healthy(*state_, where_);
  const std::size_t n = position.size();
  if (source.size() != n || target.size() != n || weight.size() != n || delay_ms.size() != n)
    throw internal_error("edges_writer: columns of different lengths for " + where_);
  guarded(*state_, d_->source.get(), [&] {
    for (std::size_t b = 0; b < n;) {
      std::size_t e = b + 1;
      while (e < n && position[e] == position[e - 1] + 1) ++e;
      const hsize_t start = position[b], count = e - b;
      if (start + count > size_)
        throw internal_error("edges_writer: synapse position " + std::to_string(start + count - 1) + " beyond the " +
                             std::to_string(size_) + " edges of " + where_);
      write_rows(d_->source.get(), 1, &start, &count, H5T_NATIVE_UINT64, source.data() + b, path_, where_);
      write_rows(d_->target.get(), 1, &start, &count, H5T_NATIVE_UINT64, target.data() + b, path_, where_);
      write_rows(d_->weight.get(), 1, &start, &count, H5T_NATIVE_DOUBLE, weight.data() + b, path_, where_);
      write_rows(d_->delay.get(), 1, &start, &count, H5T_NATIVE_DOUBLE, delay_ms.data() + b, path_, where_);
      b = e;
    }
  });
  written_ += n;
}

void edges_writer::finish() {
  if (written_ != size_)
    throw internal_error("edges_writer: " + std::to_string(written_) + " synapses written to " + where_ + " of " +
                         std::to_string(size_));
}

}  // namespace neuromesh::io

// Rows of equal-length columns in the output file: see table_writer.hpp.
#include <neuromesh/core/io/table_writer.hpp>

#include <hdf5.h>

#include <neuromesh/core/errors.hpp>

#include "hdf5_helpers.hpp"

namespace neuromesh::io {

using namespace detail;  // NOLINT(google-build-using-namespace): this module's own helpers

namespace {
hid_t file_type(table_writer::type t) { return t == table_writer::type::f64 ? H5T_IEEE_F64LE : H5T_STD_U64LE; }
}  // namespace

table_writer::table_writer(
    output_file& file, const std::string& parent, const std::string& name, std::vector<column> columns,
    const std::vector<std::pair<std::string, std::string>>& attributes,
    const std::vector<std::pair<std::string, std::pair<std::string, std::string>>>& column_attributes,
    std::size_t chunk)
    : path_(file.path()),
      where_("/" + parent + "/" + name),
      state_(file.state()),
      columns_(std::move(columns)),
      chunk_(std::max<std::size_t>(chunk, 1)) {
  hdf5_quiet quiet;
  require_open(file);
  validate_name(name, parent + " group");
  hdf5_id top = open_or_create_group(file.native_handle(), parent, path_);
  if (link_exists(top.get(), name)) throw io_error(path_, where_ + " already exists; each is written once per file");
  hdf5_id g =
      checked(H5Gcreate2(top.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path_, "create " + where_);
  for (const auto& [key, value] : attributes) write_string_attr(g.get(), key, value, path_);
  const hsize_t zero = 0, rows = chunk_;
  for (const column& c : columns_) {
    data_.push_back(create_extendible(g.get(), c.name, file_type(c.t), 1, &zero, &rows, path_));
    if (!c.units.empty()) write_string_attr(data_.back().get(), "units", c.units, path_);
    for (const auto& [col, attr] : column_attributes)
      if (col == c.name) write_string_attr(data_.back().get(), attr.first, attr.second, path_);
  }
  f64_.resize(columns_.size());
  u64_.resize(columns_.size());
}

table_writer::~table_writer() {
  try {
    flush();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; flush() reports
  }
}

void table_writer::append(std::span<const double> row) {
  if (row.size() != columns_.size())
    throw internal_error(where_ + ": a row of " + std::to_string(row.size()) + " values for " +
                         std::to_string(columns_.size()) + " columns");
  require_healthy(*state_, where_);
  for (std::size_t c = 0; c < columns_.size(); ++c)
    if (columns_[c].t == type::f64)
      f64_[c].push_back(row[c]);
    else
      u64_[c].push_back(static_cast<std::uint64_t>(row[c]));
  if (++buffered_ == chunk_) write_buffer();
}

void table_writer::write_buffer() {
  if (buffered_ == 0 || state_->broken || state_->full) return;
  hdf5_quiet quiet;
  const hsize_t start = written_, n = buffered_, size = start + n;
  detail::require_space(*state_, (n + chunk_) * 8 * columns_.size(), where_);
  guarded(*state_, data_.front().get(), [&] {
    for (std::size_t c = 0; c < columns_.size(); ++c)
      check(H5Dset_extent(data_[c].get(), &size), path_, "extend " + where_ + "/" + columns_[c].name);
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      const bool f = columns_[c].t == type::f64;
      write_rows(data_[c].get(), 1, &start, &n, f ? H5T_NATIVE_DOUBLE : H5T_NATIVE_UINT64,
                 f ? static_cast<const void*>(f64_[c].data()) : static_cast<const void*>(u64_[c].data()), path_,
                 where_ + "/" + columns_[c].name);
    }
  });
  written_ = size;
  buffered_ = 0;
  for (auto& v : f64_) v.clear();
  for (auto& v : u64_) v.clear();
}

void table_writer::flush() {
  if (data_.empty() || !data_.front().valid() || state_->broken) return;
  hdf5_quiet quiet;
  write_buffer();
  guarded(*state_, data_.front().get(),
          [&] { check(H5Fflush(data_.front().get(), H5F_SCOPE_GLOBAL), path_, "flush " + where_); });
  state_->pending_bytes = 0;
}

void table_writer::detach() {
  flush();
  for (auto& d : data_) d.reset();
}

void table_writer::reattach(output_file& file) {
  hdf5_quiet quiet;
  require_open(file);
  state_ = file.state();
  hdf5_id dapl = checked(H5Pcreate(H5P_DATASET_ACCESS), path_, "create a dataset access property list");
  check(H5Pset_chunk_cache(dapl.get(), 0, 0, H5D_CHUNK_CACHE_W0_DEFAULT), path_, "turn off the chunk cache");
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    const std::string full = where_ + "/" + columns_[c].name;
    data_[c] = checked(H5Dopen2(file.native_handle(), full.c_str(), dapl.get()), path_, "reopen " + full);
  }
}

std::vector<std::vector<double>> read_table(const std::string& path, const std::string& group,
                                            const std::vector<std::string>& columns, std::uint64_t rows) {
  hdf5_quiet quiet;
  hdf5_id f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!f.valid()) throw io_error(path, "cannot open it to read " + group);
  std::vector<std::vector<double>> out;
  for (const std::string& name : columns) {
    const std::string full = group + "/" + name;
    if (H5Lexists(f.get(), group.c_str(), H5P_DEFAULT) <= 0 || H5Lexists(f.get(), full.c_str(), H5P_DEFAULT) <= 0)
      throw io_error(path, "has no " + full);
    hdf5_id d = checked(H5Dopen2(f.get(), full.c_str(), H5P_DEFAULT), path, "open " + full);
    hdf5_id space = checked(H5Dget_space(d.get()), path, "read the shape of " + full);
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0 || static_cast<std::uint64_t>(n) < rows)
      throw io_error(
          path, full + " holds " + std::to_string(n) + " rows, fewer than the " + std::to_string(rows) + " needed");
    std::vector<double> v(static_cast<std::size_t>(n));
    if (n > 0)
      check(H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), path, "read " + full);
    v.resize(rows);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace neuromesh::io

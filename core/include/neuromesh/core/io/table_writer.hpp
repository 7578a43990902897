#pragma once
// Streams rows of a few equal-length 1-D columns to /<parent>/<name>/<column> in the output file
// (extendible chunked datasets, appended a block at a time, every column extended before any is
// written, so a flushed file always has equal lengths). Used by the weight recorder
// (/weights/<name>/{times, pre, post, weight}; docs/plasticity.md). Not thread-safe, like the other
// writers.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <neuromesh/core/io/sonata_writer.hpp>

namespace neuromesh::io {

class table_writer {
 public:
  enum class type : std::uint8_t { f64, u64 };
  struct column {
    std::string name;
    type t;
    std::string units;  // attribute `units` unless empty
  };
  // Creates the group (io_error if it exists) and its empty columns; `attributes` are text
  // attributes of the group, `column_attributes` (column, name, value) text attributes of columns.
  table_writer(output_file& file, const std::string& parent, const std::string& name, std::vector<column> columns,
               const std::vector<std::pair<std::string, std::string>>& attributes,
               const std::vector<std::pair<std::string, std::pair<std::string, std::string>>>& column_attributes,
               std::size_t chunk = std::size_t{1} << 15);
  ~table_writer();  // flushes, swallowing errors (call flush() to see them)
  table_writer(const table_writer&) = delete;
  table_writer& operator=(const table_writer&) = delete;

  // One row: values[c] for column c (uint64 columns take the double's integral value exactly up to 2^53).
  void append(std::span<const double> row);
  void flush();
  // Between runs of a continued simulation, as spike_writer's.
  void detach();
  void reattach(output_file& file);
  std::uint64_t rows() const noexcept { return written_ + buffered_; }
  const std::string& where() const noexcept { return where_; }  // the group's path

 private:
  void write_buffer();
  std::string path_, where_;
  std::shared_ptr<detail::file_state> state_;
  std::vector<column> columns_;
  std::vector<detail::hdf5_id> data_;
  std::vector<std::vector<double>> f64_;
  std::vector<std::vector<std::uint64_t>> u64_;
  std::size_t chunk_ = 1, buffered_ = 0;
  std::uint64_t written_ = 0;
};

// The first `rows` rows of columns of /group in the file at `path`, as doubles (io_error if the
// group, a column or rows are missing): what resuming copies from the killed run's file.
std::vector<std::vector<double>> read_table(const std::string& path, const std::string& group,
                                            const std::vector<std::string>& columns, std::uint64_t rows);

}  // namespace neuromesh::io

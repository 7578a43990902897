#pragma once
// Streaming SONATA output (shared/specs/sonata.md §1–3): one HDF5 file per run holding
// /spikes/<pop>, /report/<group> and /provenance. Data is buffered in fixed-size blocks and
// appended to chunked, unlimited datasets, so memory does not grow with run length and a file
// flushed at any point is a valid SONATA file. HDF5 headers stay in the .cpp: hot code includes
// this header, and HDF5 ids are carried as std::int64_t (hid_t is int64_t since HDF5 1.10).
// Not thread-safe (serial HDF5): one thread drives all writers of a file.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <neuromesh/core/errors.hpp>

namespace neuromesh::io {

// Thrown instead of writing when the file system has no room left for the next block plus the
// reserve that finishing the file needs (see output_file::require_space): the file is still
// consistent, so it can be given its final provenance and closed.
class disk_full : public io_error {
 public:
  using io_error::io_error;
};

// Value of the `sorting` enum attribute on /spikes/<pop> (libsonata's enum, base uint8).
enum class sorting : std::uint8_t { none = 0, by_id = 1, by_time = 2 };

// Storage type of /report/<group>/data: the run's precision (float32 for a single-precision run,
// float64 for a double-precision one), so a report never holds less than the simulation computed.
enum class report_type : std::uint8_t { float32, float64 };

namespace detail {

// Owns one HDF5 identifier (file, group, dataset, attribute, type, space or property list) and
// releases it on destruction, so no error path can leak a handle.
class hdf5_id {
 public:
  hdf5_id() noexcept = default;
  explicit hdf5_id(std::int64_t id) noexcept : id_(id) {}
  hdf5_id(hdf5_id&& other) noexcept : id_(std::exchange(other.id_, -1)) {}
  hdf5_id& operator=(hdf5_id&& other) noexcept;
  hdf5_id(const hdf5_id&) = delete;
  hdf5_id& operator=(const hdf5_id&) = delete;
  ~hdf5_id() { reset(); }

  std::int64_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  // Releases the id; returns false if HDF5 reported an error (e.g. the final write of a file).
  bool reset() noexcept;

 private:
  std::int64_t id_ = -1;
};

// Turns off HDF5's automatic error-stack printing for its lifetime and restores the previous
// handler afterwards: users see our io_error messages, never HDF5's raw traces.
class hdf5_quiet {
 public:
  hdf5_quiet() noexcept;
  ~hdf5_quiet();
  hdf5_quiet(const hdf5_quiet&) = delete;
  hdf5_quiet& operator=(const hdf5_quiet&) = delete;

 private:
  // Same signature as HDF5's H5E_auto2_t (checked by a static_assert in the .cpp).
  int (*saved_func_)(std::int64_t, void*) = nullptr;
  void* saved_data_ = nullptr;
  bool saved_ = false;
};

// What the writers of one file share about it. `full`: the disk has no room for more data (no
// data is written after it; provenance and the close may still use the reserve). `broken`: HDF5
// failed to write: nothing more is written, and close() abandons the file as it is on disk.
struct file_state {
  std::string path;
  bool full = false;
  bool broken = false;
  std::uint64_t pending_bytes = 0;  // handed to HDF5 since the last flush (whole chunks)
};

// Throws disk_full (and sets state.full) unless the file system holding the file has room for
// `bytes` more, plus what is pending, plus a reserve for the metadata that finishes the file.
void require_space(file_state& state, std::uint64_t bytes, const std::string& what);

}  // namespace detail

// RAII owner of one output file. Creating it truncates any existing file and writes the root
// attributes magic = 0x0A7A and version = {0, 1}. Writers created from it keep their own handles,
// so HDF5 keeps the file open until the last writer is destroyed even after close().
class output_file {
 public:
  // Throws io_error naming the path and the likely fix (missing or read-only directory...).
  explicit output_file(const std::string& path);
  output_file(output_file&&) noexcept = default;
  output_file& operator=(output_file&&) noexcept = default;
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;
  ~output_file() {
    if (state_ && state_->broken) abandon();
  }

  const std::string& path() const noexcept { return path_; }
  bool is_open() const noexcept { return file_.valid(); }
  // Pushes HDF5's caches to disk. Data still buffered in writers is not included; call their
  // flush() first.
  void flush();
  // Idempotent. Throws io_error if HDF5 could not finish the file (e.g. disk full); the file is
  // then abandoned as it was on disk (see abandon()).
  void close();
  // After a write error: lets go of the file without writing anything more to it (HDF5's last
  // writes go to a scratch file), so what was flushed before stays intact and nothing of the
  // file is left for HDF5's exit-time cleanup. Writers must have been destroyed or detached.
  void abandon() noexcept;
  // The writers' shared view of the file (full / broken after an error).
  const std::shared_ptr<detail::file_state>& state() const noexcept { return state_; }
  bool failed() const noexcept { return state_->full || state_->broken; }
  // Opens the closed file again for writing (a continued run appends to it); io_error if it
  // cannot (moved, deleted, read-only). Writers detached before the close() reattach to it.
  void reopen();
  // The HDF5 file id (hid_t), for the writers in this module.
  std::int64_t native_handle() const noexcept { return file_.get(); }

 private:
  std::string path_;
  std::shared_ptr<detail::file_state> state_;
  detail::hdf5_id file_;
  // (inode, size, modification time in ns) when closed: reopen() refuses a file someone else
  // has written since (another run with the same output path, a user's tool).
  std::array<std::int64_t, 3> closed_as_{-1, -1, -1};
};

// Streams one population's spikes to /spikes/<pop>/{timestamps,node_ids}. Both datasets exist
// from construction (length 0) and are always extended together, so any flushed state of the file
// has equal lengths. If spikes arrive out of the declared order, `sorting` is rewritten to none so
// the file never claims an order its data does not have.
class spike_writer {
 public:
  spike_writer(output_file& file, const std::string& population, sorting order = sorting::by_time,
               std::size_t chunk = std::size_t{1} << 16);
  spike_writer(spike_writer&&) noexcept = default;
  // No move assignment: it would drop the target's buffered spikes without a chance to flush.
  spike_writer& operator=(spike_writer&&) = delete;
  spike_writer(const spike_writer&) = delete;
  spike_writer& operator=(const spike_writer&) = delete;
  // Flushes; errors are swallowed because destructors must not throw (call flush() to see them).
  ~spike_writer();

  // node_ids[i] spiked at times_ms[i]. Buffers up to `chunk` spikes, then writes.
  void append(std::span<const std::uint64_t> node_ids, std::span<const double> times_ms);
  // Writes the buffer and flushes the file, leaving a consistent file on disk.
  void flush();
  // Between runs of a continued simulation: detach() flushes and lets go of the file's datasets so
  // the file can be closed (and read by others); reattach() opens them again in the reopened file.
  void detach();
  void reattach(output_file& file);
  // Spikes appended so far, written or buffered.
  std::uint64_t count() const noexcept { return written_ + ids_.size(); }
  // Spikes handed to HDF5 (in the file once it is closed) and the time of the last of them; the
  // same as of the last successful flush (in the file even if HDF5 fails later).
  std::uint64_t written() const noexcept { return written_; }
  double last_written_ms() const noexcept { return last_written_ms_; }
  std::uint64_t flushed() const noexcept { return flushed_; }
  double last_flushed_ms() const noexcept { return last_flushed_ms_; }
  // Declares that only these neurons' spikes are recorded (a recorder with `ids`): writes the
  // dataset recorded_node_ids (uint64, sorted) next to node_ids, so readers compute rates over the
  // recorded neurons, not the whole population. Without it every neuron's spikes are recorded.
  // Once per writer.
  void write_recorded_node_ids(std::span<const std::uint64_t> node_ids);
  sorting order() const noexcept { return order_; }
  // The population's name (the group under /spikes).
  std::string population() const { return where_.substr(std::string_view("/spikes/").size()); }

 private:
  void write_buffer();
  void check_order(std::span<const std::uint64_t> node_ids, std::span<const double> times_ms);

  std::string path_;   // file path, for error messages
  std::string where_;  // HDF5 group path, for error messages
  std::shared_ptr<detail::file_state> state_;
  detail::hdf5_id group_, times_, ids_dset_;
  std::vector<double> times_buf_;
  std::vector<std::uint64_t> ids_;
  std::size_t chunk_ = 0;
  std::uint64_t written_ = 0, flushed_ = 0;
  double last_written_ms_ = 0.0, last_flushed_ms_ = 0.0;
  sorting order_ = sorting::by_time;
  bool have_last_ = false;
  std::uint64_t last_id_ = 0;
  double last_time_ = 0.0;
};

// A SONATA frame-oriented report for point neurons: /report/<group>/data is float32 or float64
// (`type`: the run's precision) [frames × nodes], one column per node, and mapping/ follows §3 (index_pointers =
// arange(N+1) plus the hard link index_pointer, element_ids zeros, time = (tstart, tstop, dt) with tstop = tstart +
// frames·dt rewritten whenever frames are written).
//
// Several variables of one population: SONATA puts each report in its own file under
// /report/<pop>; we keep one file per run, so each (population, variable) needs its own group.
// Convention: the first variable recorded for a population uses group_name = "" (i.e. /report/<pop>,
// what libsonata and bmtk look for); each further one uses "<pop>_<variable>". The group carries
// attribute `population` and data@variable, so readers can match by (population, variable)
// whatever the group is called.
class report_writer {
 public:
  report_writer(output_file& file, const std::string& population, const std::string& variable, const std::string& units,
                std::span<const std::uint64_t> node_ids, double tstart_ms, double dt_ms, std::string group_name = "",
                report_type type = report_type::float32);
  report_writer(report_writer&&) noexcept = default;
  report_writer& operator=(report_writer&&) = delete;  // as for spike_writer
  report_writer(const report_writer&) = delete;
  report_writer& operator=(const report_writer&) = delete;
  ~report_writer();  // flushes, swallowing errors like spike_writer

  // One frame: values[i] belongs to node_ids[i]; values.size() must equal the node count. Values
  // are stored as `type()` (double -> float32 rounds to nearest, float -> float64 is exact).
  void append_frame(std::span<const float> values);
  void append_frame(std::span<const double> values);
  // Writes buffered frames, updates mapping/time and flushes the file.
  void flush();
  // As spike_writer's: let go of the datasets between runs, and open them again.
  void detach();
  void reattach(output_file& file);
  // Frames appended so far, written or buffered.
  std::uint64_t frames() const noexcept { return written_ + buffered_; }
  std::size_t nodes() const noexcept { return n_nodes_; }
  report_type type() const noexcept { return type_; }

 private:
  template <class T>
  void append(std::span<const T> values);
  void write_buffer();
  void write_time();

  std::string path_;
  std::string where_;
  std::shared_ptr<detail::file_state> state_;
  detail::hdf5_id data_, time_;
  report_type type_ = report_type::float32;
  std::vector<float> buf32_;   // block_frames_ frames, row-major (float32 reports)
  std::vector<double> buf64_;  // the same for float64 reports
  std::size_t n_nodes_ = 0;
  std::size_t block_frames_ = 1;
  std::size_t buffered_ = 0;
  std::uint64_t written_ = 0;
  double tstart_ = 0.0;
  double dt_ = 0.0;
};

// Writes (or overwrites) attributes on /provenance: strings from `text`, float64 from `numbers`
// (version, seed, dt, backend, threads, timings, ...). Safe to call more than once.
void write_provenance(output_file& file, const std::vector<std::pair<std::string, std::string>>& text,
                      const std::vector<std::pair<std::string, double>>& numbers);

}  // namespace neuromesh::io

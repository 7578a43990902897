// SONATA writers: see sonata_writer.hpp and shared/specs/sonata.md §1–3 for the layout.
#include <neuromesh/core/io/sonata_writer.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <type_traits>

#include <hdf5.h>

#include <neuromesh/core/errors.hpp>

#include "hdf5_helpers.hpp"

namespace neuromesh::io {

// The header carries hid_t and H5E_auto2_t without including hdf5.h; keep them in step.
static_assert(std::is_same_v<hid_t, std::int64_t>, "HDF5 >= 1.10 is required (64-bit hid_t)");
static_assert(std::is_same_v<H5E_auto2_t, int (*)(std::int64_t, void*)>);

namespace detail {

hdf5_id& hdf5_id::operator=(hdf5_id&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, -1);
  }
  return *this;
}

bool hdf5_id::reset() noexcept {
  if (id_ < 0) return true;
  const hdf5_quiet quiet;  // also in destructors run while an error unwinds: no raw HDF5 traces
  const hid_t id = std::exchange(id_, -1);
  herr_t rc = -1;
  switch (H5Iget_type(id)) {
    case H5I_FILE:
      rc = H5Fclose(id);
      break;
    case H5I_GROUP:
      rc = H5Gclose(id);
      break;
    case H5I_DATASET:
      rc = H5Dclose(id);
      break;
    case H5I_ATTR:
      rc = H5Aclose(id);
      break;
    case H5I_DATATYPE:
      rc = H5Tclose(id);
      break;
    case H5I_DATASPACE:
      rc = H5Sclose(id);
      break;
    case H5I_GENPROP_LST:
      rc = H5Pclose(id);
      break;
    default:
      rc = H5Idec_ref(id) < 0 ? -1 : 0;
      break;
  }
  return rc >= 0;
}

hdf5_quiet::hdf5_quiet() noexcept {
  saved_ = H5Eget_auto2(H5E_DEFAULT, &saved_func_, &saved_data_) >= 0;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

hdf5_quiet::~hdf5_quiet() {
  if (saved_) H5Eset_auto2(H5E_DEFAULT, saved_func_, saved_data_);
}

// Room kept free for what finishes a file after the disk is found full: the final provenance,
// the metadata HDF5 writes at flush and close, the superblock.
constexpr std::uint64_t finish_reserve_bytes = std::uint64_t{256} << 10;

void require_space(file_state& state, std::uint64_t bytes, const std::string& what) {
  struct statvfs fs {};
  if (::statvfs(state.path.c_str(), &fs) != 0) return;  // cannot tell: let HDF5 find out
  const std::uint64_t free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  const std::uint64_t need = state.pending_bytes + bytes + finish_reserve_bytes;
  if (free_bytes >= need) {
    state.pending_bytes += bytes;
    return;
  }
  state.full = true;
  throw disk_full(state.path, "disk full while writing " + what + " (" + std::to_string(free_bytes >> 10) +
                                  " KiB free, " + std::to_string(need >> 10) + " KiB needed)");
}

}  // namespace detail

// Helpers shared with the other writers of this module (hdf5_helpers.hpp).
namespace detail {

// Target 2^18 values per report chunk (1 MiB of float32, 2 MiB of float64).
constexpr hsize_t report_chunk_values = hsize_t{1} << 18;

// Wraps a freshly returned id, turning HDF5's negative "failed" into an io_error.
hdf5_id checked(hid_t id, const std::string& path, const std::string& what) {
  if (id < 0) throw io_error(path, "HDF5 could not " + what);
  return hdf5_id(id);
}

void check(herr_t rc, const std::string& path, const std::string& what) {
  if (rc < 0) throw io_error(path, "HDF5 could not " + what);
}

bool link_exists(hid_t loc, const std::string& name) { return H5Lexists(loc, name.c_str(), H5P_DEFAULT) > 0; }

// A name becomes one HDF5 link; '/' would silently create nested groups.
void validate_name(const std::string& name, const std::string& what) {
  if (name.empty() || name == "." || name.find('/') != std::string::npos)
    throw config_error(what + " '" + name + "'", "must be non-empty and must not contain '/'");
}

hdf5_id open_or_create_group(hid_t loc, const std::string& name, const std::string& path) {
  if (link_exists(loc, name)) return checked(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), path, "open group " + name);
  return checked(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "create group " + name);
}

hdf5_id create_new_group(hid_t loc, const std::string& name, const std::string& path, const std::string& where) {
  if (link_exists(loc, name))
    throw io_error(path, where + " already exists; each population (or report group) is written once per file");
  return checked(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "create " + where);
}

// Attributes are deleted before writing so repeated calls may change their type or value.
void write_attr(hid_t obj, const std::string& name, hid_t file_type, hid_t mem_type, const void* value, hsize_t n,
                const std::string& path) {
  if (H5Aexists(obj, name.c_str()) > 0) check(H5Adelete(obj, name.c_str()), path, "replace attribute " + name);
  hdf5_id space = checked(n == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), path, "create dataspace");
  hdf5_id attr = checked(H5Acreate2(obj, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), path,
                         "create attribute " + name);
  check(H5Awrite(attr.get(), mem_type, value), path, "write attribute " + name);
}

// Variable-length UTF-8 string, which is what h5py writes for str and what libsonata reads.
void write_string_attr(hid_t obj, const std::string& name, const std::string& value, const std::string& path) {
  hdf5_id type = checked(H5Tcopy(H5T_C_S1), path, "copy string type");
  check(H5Tset_size(type.get(), H5T_VARIABLE), path, "make a string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), path, "make a UTF-8 string type");
  const char* c = value.c_str();
  write_attr(obj, name, type.get(), type.get(), &c, 0, path);
}

void write_double_attr(hid_t obj, const std::string& name, double value, const std::string& path) {
  write_attr(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, 0, path);
}

// libsonata's sorting enum: base uint8 with exactly none=0, by_id=1, by_time=2.
void write_sorting(hid_t group, sorting order, const std::string& path) {
  hdf5_id type = checked(H5Tenum_create(H5T_STD_U8LE), path, "create the sorting enum type");
  const std::pair<const char*, std::uint8_t> members[] = {{"none", 0}, {"by_id", 1}, {"by_time", 2}};
  for (const auto& [name, value] : members)
    check(H5Tenum_insert(type.get(), name, &value), path, "build the sorting enum");
  const auto value = static_cast<std::uint8_t>(order);
  write_attr(group, "sorting", type.get(), type.get(), &value, 0, path);
}

// Access to the extendible datasets without HDF5's raw-data chunk cache: each block goes to the disk
// when it is written (H5Dwrite), not later in some flush. A failing write (disk full) is then seen
// where it happens, before HDF5 writes any metadata that would refer to it, and a killed run
// leaves only chunks the file's metadata does not yet count.
hdf5_id uncached_access(const std::string& path) {
  hdf5_id dapl = checked(H5Pcreate(H5P_DATASET_ACCESS), path, "create a dataset access property list");
  check(H5Pset_chunk_cache(dapl.get(), 0, 0, H5D_CHUNK_CACHE_W0_DEFAULT), path, "turn off the chunk cache");
  return dapl;
}

// A chunked dataset that starts with dims[0] = 0 rows and can grow without limit along axis 0.
hdf5_id create_extendible(hid_t loc, const std::string& name, hid_t type, int rank, const hsize_t* dims,
                          const hsize_t* chunk, const std::string& path) {
  hsize_t maxdims[2] = {H5S_UNLIMITED, rank > 1 ? dims[1] : 0};
  if (rank > 1 && dims[1] == 0) maxdims[1] = H5S_UNLIMITED;  // a chunk may not exceed a fixed 0 extent
  hdf5_id space = checked(H5Screate_simple(rank, dims, maxdims), path, "create dataspace for " + name);
  hdf5_id dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), path, "create a property list");
  check(H5Pset_chunk(dcpl.get(), rank, chunk), path, "set chunking for " + name);
  return checked(H5Dcreate2(loc, name.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), uncached_access(path).get()),
                 path, "create dataset " + name);
}

// Writes a block of count rows starting at row `start` of a dataset already extended to hold it.
void write_rows(hid_t dset, int rank, const hsize_t* start, const hsize_t* count, hid_t mem_type, const void* buf,
                const std::string& path, const std::string& where) {
  hdf5_id file_space = checked(H5Dget_space(dset), path, "get the dataspace of " + where);
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), path,
        "select rows of " + where);
  hdf5_id mem_space = checked(H5Screate_simple(rank, count, nullptr), path, "create a memory dataspace");
  check(H5Dwrite(dset, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, buf), path, "write to " + where);
}

// A fixed-size 1-D dataset written in one go.
hdf5_id write_fixed(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type, hsize_t n, const void* data,
                    const std::string& path) {
  hdf5_id space = checked(H5Screate_simple(1, &n, nullptr), path, "create dataspace for " + name);
  hdf5_id dset = checked(H5Dcreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                         path, "create dataset " + name);
  if (n > 0) check(H5Dwrite(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), path, "write " + name);
  return dset;
}

// After a failed write, HDF5 retries its dirty caches whenever a dataset or the file is closed, and
// a close that fails leaves a half-closed object that HDF5's exit-time cleanup crashes on; the
// retries may also damage what the last flush left on disk. So the file's descriptor is pointed
// at an anonymous scratch file at once: every later write lands there, closes succeed, and the
// real file keeps what it had.
void divert_writes(hid_t obj_in_file) {
  const hdf5_quiet quiet;
  const hid_t file = H5Iget_file_id(obj_in_file);
  if (file < 0) return;
  void* handle = nullptr;
  if (H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) >= 0 && handle != nullptr) {
    const int fd = *static_cast<int*>(handle);
    // The scratch file must be able to grow as far as HDF5 writes: lift a file-size limit
    // (ulimit -f) to its hard maximum.
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    const int scratch = ::memfd_create("neuromesh-abandoned-output", MFD_CLOEXEC);
    if (scratch >= 0) {
      ::dup2(scratch, fd);
      ::close(scratch);
    }
  }
  H5Fclose(file);  // only the reference H5Iget_file_id took
}

// Writers refuse data after the file failed (their flush is then a no-op).
void require_healthy(const detail::file_state& state, const std::string& where) {
  if (state.broken || state.full)
    throw io_error(state.path, where + ": output stopped after an earlier error (" +
                                   (state.full ? "disk full" : "HDF5 write failed") + ")");
}

// Metadata stays in memory between flushes (no evictions), so the file on disk is always the
// one of the last flush plus raw data nothing refers to yet: a killed run leaves a readable file.
void keep_metadata_until_flush(hid_t fapl, const std::string& path) {
  H5AC_cache_config_t config{};
  config.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  check(H5Pget_mdc_config(fapl, &config), path, "read the metadata cache configuration");
  config.evictions_enabled = false;
  config.incr_mode = H5C_incr__off;
  config.flash_incr_mode = H5C_flash_incr__off;
  config.decr_mode = H5C_decr__off;
  check(H5Pset_mdc_config(fapl, &config), path, "configure the metadata cache");
}

void require_open(const output_file& file) {
  if (!file.is_open()) throw io_error(file.path(), "the output file is already closed");
}

// Explains a failed H5Fcreate in terms of what the user can fix.
std::string create_failure_hint(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.empty()) return "no output path given; pass one with -o OUT.h5";
  if (fs::is_directory(path, ec)) return "is a directory; give a file name such as out.h5";
  fs::path parent = fs::absolute(path, ec).parent_path();
  if (!fs::exists(parent, ec))
    return "cannot create the output file: directory '" + parent.string() +
           "' does not exist; create it (mkdir -p) or choose another output path";
  if (!fs::is_directory(parent, ec))
    return "cannot create the output file: '" + parent.string() + "' is not a directory";
  if (::access(parent.c_str(), W_OK) != 0)
    return "cannot create the output file: directory '" + parent.string() +
           "' is not writable; choose a writable output path";
  if (fs::exists(path, ec) && ::access(path.c_str(), W_OK) != 0)
    return "the file exists and is read-only; remove it or choose another output path";
  return "HDF5 could not create the file; it may be open in another program (HDF5 locks files that "
         "h5py or HDFView have open): close it or choose another output path";
}

}  // namespace detail

using namespace detail;  // NOLINT(google-build-using-namespace): this module's own helpers

output_file::output_file(const std::string& path) : path_(path), state_(std::make_shared<detail::file_state>()) {
  hdf5_quiet quiet;
  state_->path = path_;
  hdf5_id fapl = checked(H5Pcreate(H5P_FILE_ACCESS), path_, "create a file access property list");
  // Weak close: writers still holding datasets keep the file open until they have flushed.
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_WEAK), path_, "set the file close degree");
  keep_metadata_until_flush(fapl.get(), path_);
  const hid_t f = H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (f < 0) throw io_error(path_, create_failure_hint(path_));
  file_ = hdf5_id(f);
  const std::uint32_t magic = 0x0A7A;
  const std::uint32_t version[2] = {0, 1};
  write_attr(f, "magic", H5T_STD_U32LE, H5T_NATIVE_UINT32, &magic, 0, path_);
  write_attr(f, "version", H5T_STD_U32LE, H5T_NATIVE_UINT32, version, 2, path_);
}

void output_file::flush() {
  hdf5_quiet quiet;
  require_open(*this);
  if (state_->broken) return;
  guarded(*state_, file_.get(),
          [&] { check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), path_, "flush the file to disk"); });
  state_->pending_bytes = 0;
}

namespace {
std::array<std::int64_t, 3> file_stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {-1, -1, -1};
  return {static_cast<std::int64_t>(st.st_ino), static_cast<std::int64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}
}  // namespace

void output_file::close() {
  hdf5_quiet quiet;
  if (!file_.valid()) return;
  if (state_->broken) {
    abandon();
    return;
  }
  if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0) {  // a failure here leaves the last flush intact
    abandon();
    throw io_error(path_, "HDF5 could not finish writing the file (disk full?); it holds what was flushed before");
  }
  if (!file_.reset()) throw io_error(path_, "HDF5 could not finish writing the file (disk full?)");
  state_->pending_bytes = 0;
  closed_as_ = file_stamp(path_);
}

void output_file::abandon() noexcept {
  hdf5_quiet quiet;
  if (!file_.valid()) return;
  if (!state_->broken) divert_writes(file_.get());  // see divert_writes
  state_->broken = true;
  file_.reset();
  // HDF5's failed writes leave blocks on its free lists that its exit-time cleanup would complain
  // about ("infinite loop closing library"): release them now.
  H5garbage_collect();
}

void output_file::reopen() {
  hdf5_quiet quiet;
  if (file_.valid()) return;
  if (file_stamp(path_) != closed_as_)
    throw io_error(path_,
                   "the output file was deleted, moved or written by something else since the last run, so "
                   "this run cannot append to it; in Python call net.reset() (or give another output)");
  hdf5_id fapl = checked(H5Pcreate(H5P_FILE_ACCESS), path_, "create a file access property list");
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_WEAK), path_, "set the file close degree");
  keep_metadata_until_flush(fapl.get(), path_);
  const hid_t f = H5Fopen(path_.c_str(), H5F_ACC_RDWR, fapl.get());
  if (f < 0)
    throw io_error(path_,
                   "cannot reopen the output file to continue the run (was it moved, deleted or made "
                   "read-only, or is another program holding it open?)");
  file_ = hdf5_id(f);
  state_->full = state_->broken = false;
  state_->pending_bytes = 0;
}

spike_writer::spike_writer(output_file& file, const std::string& population, sorting order, std::size_t chunk)
    : path_(file.path()),
      where_("/spikes/" + population),
      state_(file.state()),
      chunk_(std::max<std::size_t>(chunk, 1)),
      order_(order) {
  hdf5_quiet quiet;
  require_open(file);
  validate_name(population, "spike population");
  hdf5_id spikes = open_or_create_group(file.native_handle(), "spikes", path_);
  group_ = create_new_group(spikes.get(), population, path_, where_);
  write_sorting(group_.get(), order_, path_);
  const hsize_t zero = 0, chunk_rows = chunk_;
  times_ = create_extendible(group_.get(), "timestamps", H5T_IEEE_F64LE, 1, &zero, &chunk_rows, path_);
  write_string_attr(times_.get(), "units", "ms", path_);
  ids_dset_ = create_extendible(group_.get(), "node_ids", H5T_STD_U64LE, 1, &zero, &chunk_rows, path_);
}

void spike_writer::detach() {
  flush();
  times_.reset();
  ids_dset_.reset();
  group_.reset();
}

void spike_writer::reattach(output_file& file) {
  hdf5_quiet quiet;
  require_open(file);
  state_ = file.state();
  group_ = checked(H5Gopen2(file.native_handle(), where_.c_str(), H5P_DEFAULT), path_, "reopen " + where_);
  times_ = checked(H5Dopen2(group_.get(), "timestamps", uncached_access(path_).get()), path_,
                   "reopen " + where_ + "/timestamps");
  ids_dset_ = checked(H5Dopen2(group_.get(), "node_ids", uncached_access(path_).get()), path_,
                      "reopen " + where_ + "/node_ids");
}

spike_writer::~spike_writer() {
  try {
    flush();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; flush() reports
  }
}

void spike_writer::append(std::span<const std::uint64_t> node_ids, std::span<const double> times_ms) {
  if (node_ids.size() != times_ms.size())
    throw config_error(where_, "append: " + std::to_string(node_ids.size()) + " node ids but " +
                                   std::to_string(times_ms.size()) + " times");
  if (node_ids.empty()) return;
  hdf5_quiet quiet;
  if (state_) require_healthy(*state_, where_);
  check_order(node_ids, times_ms);
  std::size_t done = 0;
  while (done < node_ids.size()) {
    const std::size_t take = std::min(chunk_ - ids_.size(), node_ids.size() - done);
    const auto ids_part = node_ids.subspan(done, take);
    const auto times_part = times_ms.subspan(done, take);
    ids_.insert(ids_.end(), ids_part.begin(), ids_part.end());
    times_buf_.insert(times_buf_.end(), times_part.begin(), times_part.end());
    done += take;
    if (ids_.size() == chunk_) write_buffer();
  }
}

// The file must never claim an order its data lacks: on the first violation, say "none".
void spike_writer::check_order(std::span<const std::uint64_t> node_ids, std::span<const double> times_ms) {
  for (std::size_t i = 0; i < node_ids.size() && order_ != sorting::none; ++i) {
    const std::uint64_t id = node_ids[i];
    const double t = times_ms[i];
    if (have_last_) {
      const bool ok =
          order_ == sorting::by_time ? !(t < last_time_) : (id > last_id_ || (id == last_id_ && !(t < last_time_)));
      if (!ok) {
        order_ = sorting::none;
        write_sorting(group_.get(), order_, path_);
        break;
      }
    }
    have_last_ = true;
    last_id_ = id;
    last_time_ = t;
  }
}

// Both datasets are extended before either is written, so their lengths never differ.
void spike_writer::write_buffer() {
  if (ids_.empty() || state_->broken || state_->full) return;
  const hsize_t start = written_, n = ids_.size(), size = start + n;
  // HDF5 writes whole chunks: every chunk this block touches, in both datasets.
  const std::uint64_t chunks = (size - 1) / chunk_ - start / chunk_ + 1;
  detail::require_space(*state_, chunks * chunk_ * 16, where_);
  guarded(*state_, times_.get(), [&] {
    check(H5Dset_extent(times_.get(), &size), path_, "extend " + where_ + "/timestamps");
    check(H5Dset_extent(ids_dset_.get(), &size), path_, "extend " + where_ + "/node_ids");
    write_rows(times_.get(), 1, &start, &n, H5T_NATIVE_DOUBLE, times_buf_.data(), path_, where_ + "/timestamps");
    write_rows(ids_dset_.get(), 1, &start, &n, H5T_NATIVE_UINT64, ids_.data(), path_, where_ + "/node_ids");
  });
  written_ = size;
  last_written_ms_ = times_buf_.back();
  ids_.clear();
  times_buf_.clear();
}

void spike_writer::write_recorded_node_ids(std::span<const std::uint64_t> node_ids) {
  hdf5_quiet quiet;
  if (!group_.valid()) throw io_error(path_, where_ + ": the spike writer was moved from");
  if (link_exists(group_.get(), "recorded_node_ids"))
    throw io_error(path_, where_ + "/recorded_node_ids is written once per population");
  if (!std::is_sorted(node_ids.begin(), node_ids.end()) ||
      std::adjacent_find(node_ids.begin(), node_ids.end()) != node_ids.end())
    throw config_error(where_ + "/recorded_node_ids", "node ids must be sorted and unique");
  write_fixed(group_.get(), "recorded_node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, node_ids.size(), node_ids.data(),
              path_);
}

void spike_writer::flush() {
  if (!times_.valid() || state_->broken) return;  // moved from, or nothing more can be written
  hdf5_quiet quiet;
  write_buffer();
  guarded(*state_, times_.get(), [&] { check(H5Fflush(times_.get(), H5F_SCOPE_GLOBAL), path_, "flush " + where_); });
  state_->pending_bytes = 0;
  flushed_ = written_;
  last_flushed_ms_ = last_written_ms_;
}

void report_writer::detach() {
  flush();
  data_.reset();
  time_.reset();
}

void report_writer::reattach(output_file& file) {
  hdf5_quiet quiet;
  require_open(file);
  state_ = file.state();
  data_ = checked(H5Dopen2(file.native_handle(), (where_ + "/data").c_str(), uncached_access(path_).get()), path_,
                  "reopen " + where_ + "/data");
  time_ = checked(H5Dopen2(file.native_handle(), (where_ + "/mapping/time").c_str(), H5P_DEFAULT), path_,
                  "reopen " + where_ + "/mapping/time");
}

report_writer::report_writer(output_file& file, const std::string& population, const std::string& variable,
                             const std::string& units, std::span<const std::uint64_t> node_ids, double tstart_ms,
                             double dt_ms, std::string group_name, report_type type)
    : path_(file.path()), state_(file.state()), type_(type), n_nodes_(node_ids.size()), tstart_(tstart_ms), dt_(dt_ms) {
  hdf5_quiet quiet;
  require_open(file);
  if (group_name.empty()) group_name = population;
  validate_name(population, "report population");
  validate_name(group_name, "report group");
  where_ = "/report/" + group_name;
  if (!(dt_ms > 0.0) || !std::isfinite(tstart_ms)) throw config_error(where_, "needs a finite tstart and dt > 0");
  hdf5_id report = open_or_create_group(file.native_handle(), "report", path_);
  hdf5_id group = create_new_group(report.get(), group_name, path_, where_);
  write_string_attr(group.get(), "population", population, path_);

  const hsize_t n = n_nodes_;
  const hsize_t cols = std::clamp<hsize_t>(n, 1, report_chunk_values);
  block_frames_ = static_cast<std::size_t>(std::max<hsize_t>(1, report_chunk_values / cols));
  const hsize_t dims[2] = {0, n}, chunk[2] = {block_frames_, cols};
  const hid_t file_type = type_ == report_type::float64 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE;
  data_ = create_extendible(group.get(), "data", file_type, 2, dims, chunk, path_);
  write_string_attr(data_.get(), "units", units, path_);
  write_string_attr(data_.get(), "variable", variable, path_);
  write_string_attr(data_.get(), "variable_name", variable, path_);

  hdf5_id mapping = create_new_group(group.get(), "mapping", path_, where_ + "/mapping");
  hdf5_id ids = write_fixed(mapping.get(), "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, n, node_ids.data(), path_);
  const auto sorted = static_cast<std::int8_t>(std::is_sorted(node_ids.begin(), node_ids.end()));
  write_attr(ids.get(), "sorted", H5T_STD_I8LE, H5T_NATIVE_INT8, &sorted, 0, path_);
  std::vector<std::uint64_t> pointers(n_nodes_ + 1);
  std::iota(pointers.begin(), pointers.end(), std::uint64_t{0});
  write_fixed(mapping.get(), "index_pointers", H5T_STD_U64LE, H5T_NATIVE_UINT64, n + 1, pointers.data(), path_);
  // bmtk reads the singular name; a hard link serves both without a second copy.
  check(H5Lcreate_hard(mapping.get(), "index_pointers", mapping.get(), "index_pointer", H5P_DEFAULT, H5P_DEFAULT),
        path_, "link " + where_ + "/mapping/index_pointer");
  const std::vector<std::uint32_t> elements(n_nodes_, 0);
  write_fixed(mapping.get(), "element_ids", H5T_STD_U32LE, H5T_NATIVE_UINT32, n, elements.data(), path_);
  const double time[3] = {tstart_, tstart_, dt_};
  time_ = write_fixed(mapping.get(), "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, time, path_);
  write_string_attr(time_.get(), "units", "ms", path_);
  if (type_ == report_type::float64)
    buf64_.resize(block_frames_ * n_nodes_);
  else
    buf32_.resize(block_frames_ * n_nodes_);
}

report_writer::~report_writer() {
  try {
    flush();
  } catch (...) {  // NOLINT(bugprone-empty-catch): as in ~spike_writer
  }
}

void report_writer::append_frame(std::span<const float> values) { append(values); }

void report_writer::append_frame(std::span<const double> values) { append(values); }

template <class T>
void report_writer::append(std::span<const T> values) {
  if (values.size() != n_nodes_)
    throw config_error(where_, "append_frame: " + std::to_string(values.size()) + " values for " +
                                   std::to_string(n_nodes_) + " nodes");
  if (state_) require_healthy(*state_, where_);
  const auto at = static_cast<std::ptrdiff_t>(buffered_ * n_nodes_);
  if (type_ == report_type::float64)
    std::copy(values.begin(), values.end(), buf64_.begin() + at);
  else
    std::transform(values.begin(), values.end(), buf32_.begin() + at, [](T v) { return static_cast<float>(v); });
  if (++buffered_ == block_frames_) {
    hdf5_quiet quiet;
    write_buffer();
  }
}

void report_writer::write_buffer() {
  if (buffered_ == 0 || state_->broken || state_->full) return;
  const hsize_t start[2] = {written_, 0}, count[2] = {buffered_, n_nodes_};
  const hsize_t dims[2] = {written_ + buffered_, n_nodes_};
  const bool f64 = type_ == report_type::float64;
  // This block plus one chunk (a partly filled chunk is written whole).
  const std::uint64_t value_bytes = f64 ? 8 : 4;
  detail::require_space(*state_, (buffered_ + block_frames_) * std::max<std::uint64_t>(n_nodes_, 1) * value_bytes,
                        where_);
  guarded(*state_, data_.get(), [&] {
    check(H5Dset_extent(data_.get(), dims), path_, "extend " + where_ + "/data");
    if (n_nodes_ > 0)
      write_rows(data_.get(), 2, start, count, f64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT,
                 f64 ? static_cast<const void*>(buf64_.data()) : static_cast<const void*>(buf32_.data()), path_,
                 where_ + "/data");
    written_ += buffered_;
    buffered_ = 0;
    write_time();
  });
}

// tstop = tstart + frames·dt, nudged up by a few ulps if needed so that bmtk's
// int((tstop - tstart) / dt) is exactly the frame count (libsonata's 1e-6 tolerance is unaffected).
void report_writer::write_time() {
  const double frames = static_cast<double>(written_);
  double tstop = tstart_ + frames * dt_;
  for (int i = 0; i < 8 && (tstop - tstart_) / dt_ < frames; ++i) tstop = std::nextafter(tstop, INFINITY);
  const double time[3] = {tstart_, tstop, dt_};
  check(H5Dwrite(time_.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, time), path_,
        "write " + where_ + "/mapping/time");
}

void report_writer::flush() {
  if (!data_.valid() || state_->broken) return;  // moved from, or nothing more can be written
  hdf5_quiet quiet;
  write_buffer();
  guarded(*state_, data_.get(), [&] { check(H5Fflush(data_.get(), H5F_SCOPE_GLOBAL), path_, "flush " + where_); });
  state_->pending_bytes = 0;
}

void write_provenance(output_file& file, const std::vector<std::pair<std::string, std::string>>& text,
                      const std::vector<std::pair<std::string, double>>& numbers) {
  hdf5_quiet quiet;
  require_open(file);
  detail::file_state& state = *file.state();
  if (state.broken) return;  // nothing more can be written; the file keeps its last flush
  guarded(state, file.native_handle(), [&] {
    hdf5_id group = open_or_create_group(file.native_handle(), "provenance", file.path());
    for (const auto& [name, value] : text) write_string_attr(group.get(), name, value, file.path());
    for (const auto& [name, value] : numbers) write_double_attr(group.get(), name, value, file.path());
  });
}

}  // namespace neuromesh::io

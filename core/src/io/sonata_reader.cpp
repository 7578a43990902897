// SONATA readers: see sonata_reader.hpp; layouts in shared/specs/sonata.md §2–3.
#include <neuromesh/core/io/sonata_reader.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <sstream>
#include <tuple>

#include <hdf5.h>

#if defined(__unix__)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#endif

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_writer.hpp>

namespace neuromesh::io {
namespace {

using detail::hdf5_id;
using detail::hdf5_quiet;

// Rows read per block when streaming spikes: bounds memory use of describe_file and filtering.
constexpr hsize_t spike_block = hsize_t{1} << 20;
// Untrusted files: no dataset may declare more values than this, filtered (compressed) data may
// declare at most this many bytes per stored byte (deflate tops out at 1032:1), and populations
// hold at most max_population neurons (provenance population_size, node ids + 1).
constexpr hsize_t max_values = hsize_t{1} << 40;
constexpr hsize_t max_compression = 1100;
constexpr double max_population = 4294967296.0;
// Attribute strings and link names longer than this are refused rather than allocated.
constexpr std::size_t max_name = std::size_t{1} << 20;

// Every function below reports failures against this file.
struct reader {
  std::string path;
  hdf5_id file;
  std::uintmax_t file_size = 0;  // bytes on disk: no dataset may claim to store more

  hdf5_id check(hid_t id, const std::string& what) const {
    if (id < 0) throw io_error(path, "HDF5 could not read " + what);
    return hdf5_id(id);
  }
  void check(herr_t rc, const std::string& what) const {
    if (rc < 0) throw io_error(path, "HDF5 could not read " + what);
  }
};

reader open_for_reading(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw io_error(path, "file not found; check the path of the neuromesh/SONATA output file");
  if (fs::is_directory(path, ec)) throw io_error(path, "is a directory; expected a neuromesh/SONATA output file");
#if H5_VERSION_GE(1, 12, 0)
  const htri_t is_hdf5 = H5Fis_accessible(path.c_str(), H5P_DEFAULT);
#else
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
#endif
  if (is_hdf5 <= 0) throw io_error(path, "is not an HDF5 file; expected a neuromesh/SONATA output file");
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0)
    throw io_error(path,
                   "HDF5 could not open the file: it is damaged or truncated (a run killed while it was "
                   "flushing, a copy cut short), or a simulation is still writing it (HDF5 locks files that "
                   "are open for writing: wait for it to finish)");
  reader r{path, hdf5_id(f)};
  r.file_size = fs::file_size(path, ec);
  if (ec) r.file_size = 0;
  return r;
}

// What a dataset must hold.
enum class values { integers, numbers };

// A chunked dataset must store every chunk its extent covers. The byte count alone cannot tell for
// compressed data (up to max_compression declared bytes per stored byte), and chunks never written
// read as fill values, one chunk lookup each: a 2-KiB file could make a reader scan 2^20
// one-row chunks (tests/fuzz). Rows that were never written are refused, as for contiguous data.
void check_every_chunk_stored(const reader& r, hid_t dset, hid_t dcpl, const std::vector<hsize_t>& dims,
                              const std::string& where) {
#if H5_VERSION_GE(1, 10, 5)
  const int rank = static_cast<int>(dims.size());
  std::vector<hsize_t> chunk(dims.size());
  if (H5Pget_layout(dcpl) != H5D_CHUNKED || rank == 0 || H5Pget_chunk(dcpl, rank, chunk.data()) != rank) return;
  hsize_t expected = 1;
  for (int d = 0; d < rank; ++d) expected *= chunk[d] == 0 ? 0 : (dims[d] + chunk[d] - 1) / chunk[d];
  hsize_t stored = 0;
  hdf5_id space = r.check(H5Dget_space(dset), "the shape of " + where);
  r.check(H5Dget_num_chunks(dset, space.get(), &stored), "the chunks of " + where);
  if (stored < expected)
    throw io_error(r.path, where + " covers " + std::to_string(expected) + " chunks but the file stores only " +
                               std::to_string(stored) + " of them: rows that were never written, or a damaged file");
#endif
}

// Checks a dataset against the file before libhdf5 is asked for any of its data (it trusts the
// metadata, and a damaged or hand-made file can declare 2^40 rows that were never written): a
// numeric type of at most 8 bytes (integers only where asked), exactly `rank` dimensions, at most
// max_values values, storage inside this file (no external or virtual datasets), and every
// declared byte stored (compressed: at most max_compression declared bytes per stored byte).
// Returns the dimensions.
std::vector<hsize_t> checked_dims(const reader& r, hid_t dset, const std::string& where, values want, int rank) {
  hdf5_id type = r.check(H5Dget_type(dset), "the type of " + where);
  const H5T_class_t cls = H5Tget_class(type.get());
  const std::size_t size = H5Tget_size(type.get());
  if (!(cls == H5T_INTEGER || (want == values::numbers && cls == H5T_FLOAT)) || size == 0 || size > 8)
    throw io_error(r.path, where + " holds values of HDF5 type class " + std::to_string(static_cast<int>(cls)) +
                               " and size " + std::to_string(size) + "; expected " +
                               (want == values::integers ? "integers" : "numbers"));
  hdf5_id space = r.check(H5Dget_space(dset), "the shape of " + where);
  const int n = H5Sget_simple_extent_ndims(space.get());
  if (n != rank)
    throw io_error(r.path, where + " has " + std::to_string(n) + " dimension(s); expected " + std::to_string(rank));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  r.check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0 ? herr_t{-1} : herr_t{0},
          "the shape of " + where);
  hsize_t count = 1;
  for (hsize_t d : dims) {
    if (d != 0 && count > max_values / d)
      throw io_error(r.path, where + " declares more than " + std::to_string(max_values) + " values");
    count *= d;
  }
  hdf5_id dcpl = r.check(H5Dget_create_plist(dset), "the storage of " + where);
  if (H5Pget_layout(dcpl.get()) == H5D_VIRTUAL || H5Pget_external_count(dcpl.get()) != 0)
    throw io_error(r.path,
                   where + " keeps its data outside this file (external or virtual storage), which is not read");
  const bool filtered = H5Pget_nfilters(dcpl.get()) > 0;
  const hsize_t declared = count * size;
  const hsize_t stored = H5Dget_storage_size(dset);
  if (stored > r.file_size)
    throw io_error(r.path, where + " claims " + std::to_string(stored) + " stored bytes but the file has only " +
                               std::to_string(r.file_size));
  if (declared > (filtered ? stored * max_compression : stored))
    throw io_error(r.path, where + " declares " + std::to_string(count) + " values (" + std::to_string(declared) +
                               " bytes) but the file stores only " + std::to_string(stored) +
                               " bytes of them: rows that were never written, or a damaged file");
  check_every_chunk_stored(r, dset, dcpl.get(), dims, where);
  return dims;
}

bool is_signed(const reader& r, hid_t dset, const std::string& where) {
  hdf5_id type = r.check(H5Dget_type(dset), "the type of " + where);
  return H5Tget_class(type.get()) == H5T_INTEGER && H5Tget_sign(type.get()) != H5T_SGN_NONE;
}

std::string to_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

enum class kind { missing, group, dataset, other };

kind object_kind(hid_t loc, const std::string& name) {
  if (H5Lexists(loc, name.c_str(), H5P_DEFAULT) <= 0) return kind::missing;
  hdf5_id obj(H5Oopen(loc, name.c_str(), H5P_DEFAULT));
  if (!obj.valid()) return kind::missing;  // e.g. a dangling soft link
  switch (H5Iget_type(obj.get())) {
    case H5I_GROUP:
      return kind::group;
    case H5I_DATASET:
      return kind::dataset;
    default:
      return kind::other;
  }
}

std::vector<std::string> children(const reader& r, hid_t group, const std::string& where) {
  H5G_info_t info;
  r.check(H5Gget_info(group, &info), "the members of " + where);
  if (info.nlinks > r.file_size)  // every link takes bytes of the file
    throw io_error(r.path, where + " claims " + std::to_string(info.nlinks) + " members, more than the file can hold");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    r.check(static_cast<herr_t>(len < 0 || static_cast<std::size_t>(len) > max_name ? -1 : 0),
            "the member names of " + where);
    std::string name(static_cast<std::size_t>(len), '\0');
    r.check(static_cast<herr_t>(H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(),
                                                   name.size() + 1, H5P_DEFAULT) < 0
                                    ? -1
                                    : 0),
            "the member names of " + where);
    names.push_back(std::move(name));
  }
  return names;
}

hdf5_id open_attr(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) <= 0) return {};
  return hdf5_id(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
}

// A scalar string attribute, fixed- or variable-length; nullopt if absent or not a string.
std::optional<std::string> read_string_attr(hid_t obj, const std::string& name) {
  hdf5_id attr = open_attr(obj, name);
  if (!attr.valid()) return std::nullopt;
  hdf5_id type(H5Aget_type(attr.get()));
  hdf5_id space(H5Aget_space(attr.get()));
  if (H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_npoints(space.get()) != 1) return std::nullopt;
  hdf5_id mem(H5Tcopy(type.get()));
  if (H5Tis_variable_str(type.get()) > 0) {
    char* value = nullptr;
    if (H5Aread(attr.get(), mem.get(), &value) < 0) return std::nullopt;
    std::string out = value ? value : "";
    H5free_memory(value);
    return out;
  }
  const std::size_t size = H5Tget_size(type.get());
  if (size == 0 || size > max_name) return std::nullopt;
  std::string buf(size, '\0');
  if (H5Aread(attr.get(), mem.get(), buf.data()) < 0) return std::nullopt;
  return buf.substr(0, buf.find('\0'));
}

// A scalar numeric attribute converted to double by HDF5; nullopt if absent or not a number.
std::optional<double> read_number_attr(hid_t obj, const std::string& name) {
  hdf5_id attr = open_attr(obj, name);
  if (!attr.valid()) return std::nullopt;
  hdf5_id type(H5Aget_type(attr.get()));
  hdf5_id space(H5Aget_space(attr.get()));
  const H5T_class_t cls = H5Tget_class(type.get());
  if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || H5Sget_simple_extent_npoints(space.get()) != 1) return std::nullopt;
  double value = 0.0;
  if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) return std::nullopt;
  return value;
}

std::string normalise_sorting(const std::string& s) {
  if (s == "by_time" || s == "time") return "by_time";
  if (s == "by_id" || s == "by_gid" || s == "id" || s == "gid") return "by_id";
  return "none";  // unknown orders promise nothing
}

// `sorting` as libsonata's enum, bmtk's string, or a plain integer; "" when absent.
std::string read_sorting(hid_t obj) {
  hdf5_id attr = open_attr(obj, "sorting");
  if (!attr.valid()) return "";
  hdf5_id type(H5Aget_type(attr.get()));
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls == H5T_STRING) return normalise_sorting(read_string_attr(obj, "sorting").value_or(""));
  if (cls == H5T_ENUM) {
    hdf5_id native(H5Tget_native_type(type.get(), H5T_DIR_ASCEND));
    unsigned char value[16] = {};
    char name[64] = {};
    if (H5Tget_size(native.get()) > sizeof value || H5Aread(attr.get(), native.get(), value) < 0 ||
        H5Tenum_nameof(native.get(), value, name, sizeof name) < 0)
      return "none";
    return normalise_sorting(name);
  }
  const auto v = read_number_attr(obj, "sorting");
  if (v == 1.0) return "by_id";
  return v == 2.0 ? "by_time" : "none";
}

// Length of a 1-D dataset of `want` values, checked against the file (checked_dims).
hsize_t checked_length(const reader& r, hid_t dset, const std::string& where, values want) {
  return checked_dims(r, dset, where, want, 1)[0];
}

// libhdf5 keeps about 1 KiB of bookkeeping per chunk one H5Dread touches: a block of 2^20 rows of
// a dataset chunked by 1 row took 1.2 GiB and 3 s, from a file of a few KiB (compressed chunks
// never written; found by tests/fuzz). So one read touches at most max_chunks_per_read chunks:
// the most rows of a rank-1 or rank-2 dataset (with `cols` columns) that keeps to that.
constexpr hsize_t max_chunks_per_read = 1024;
hsize_t rows_per_read(hid_t dset, int rank, hsize_t cols) {
  hdf5_id dcpl(H5Dget_create_plist(dset));
  hsize_t chunk[2] = {0, 0};
  if (!dcpl.valid() || H5Pget_layout(dcpl.get()) != H5D_CHUNKED || H5Pget_chunk(dcpl.get(), rank, chunk) != rank ||
      chunk[0] == 0)
    return spike_block;
  const hsize_t chunks_per_row = rank == 2 && chunk[1] > 0 ? (cols + chunk[1] - 1) / chunk[1] : 1;
  return std::clamp<hsize_t>(max_chunks_per_read / std::max<hsize_t>(1, chunks_per_row), 1,
                             std::max<hsize_t>(1, spike_block / chunk[0])) *
         chunk[0];
}

// Reads rows [start, start + n) of a 1-D dataset, converting to mem_type.
void read_rows(const reader& r, hid_t dset, hsize_t start, hsize_t n, hid_t mem_type, void* out,
               const std::string& where) {
  const hsize_t step = rows_per_read(dset, 1, 1);
  const std::size_t value_size = H5Tget_size(mem_type);
  for (hsize_t done = 0; done < n; done += step) {
    hsize_t first = start + done, count = std::min(step, n - done);
    hdf5_id space = r.check(H5Dget_space(dset), "the dataspace of " + where);
    r.check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &first, nullptr, &count, nullptr), "rows of " + where);
    hdf5_id mem = r.check(H5Screate_simple(1, &count, nullptr), "rows of " + where);
    r.check(H5Dread(dset, mem_type, mem.get(), space.get(), H5P_DEFAULT, static_cast<char*>(out) + done * value_size),
            where);
  }
}

// Node ids of rows [start, start + n): signed datasets are read as such so that a negative id is
// an error rather than libhdf5's silent clip to 0.
void read_ids(const reader& r, hid_t dset, bool is_signed_type, hsize_t start, hsize_t n,
              std::vector<std::uint64_t>& out, const std::string& where) {
  out.resize(n);
  if (!is_signed_type) return read_rows(r, dset, start, n, H5T_NATIVE_UINT64, out.data(), where);
  std::vector<std::int64_t> raw(n);
  read_rows(r, dset, start, n, H5T_NATIVE_INT64, raw.data(), where);
  for (hsize_t i = 0; i < n; ++i) {
    if (raw[i] < 0)
      throw io_error(r.path, where + ": row " + std::to_string(start + i) + " holds the negative node id " +
                                 std::to_string(raw[i]));
    out[i] = static_cast<std::uint64_t>(raw[i]);
  }
}

// A provenance number that must be finite and in [0, hi] (an integer if asked); nullopt if absent.
std::optional<double> provenance_number(const reader& r, const provenance_table& p, const std::string& key, double hi,
                                        bool integral) {
  const std::string want = std::string(integral ? "an integer" : "a number") + " in [0, " +
                           (std::isinf(hi) ? std::string("inf") : std::to_string(static_cast<std::uint64_t>(hi))) + "]";
  if (auto t = p.text.find(key); t != p.text.end())
    throw io_error(r.path, "/provenance attribute " + key + " is '" + t->second + "'; expected " + want);
  auto it = p.numbers.find(key);
  if (it == p.numbers.end()) return std::nullopt;
  const double v = it->second;
  if (!std::isfinite(v) || v < 0.0 || v > hi || (integral && v != std::floor(v))) {
    std::ostringstream os;
    os << "/provenance attribute " << key << " is " << v << "; expected " << want;
    throw io_error(r.path, os.str());
  }
  return v;
}

// One population's datasets, wherever the layout put them, checked against the file.
struct spike_source {
  std::string where;  // HDF5 path of the containing group
  std::string ids_name;
  hdf5_id ids, times;
  bool ids_signed = false;
  hsize_t rows = 0;
  double to_ms = 1.0;
  std::string sorting;
  std::vector<std::uint64_t> recorded;  // recorded_node_ids; empty: every neuron
  std::optional<double> size;           // provenance population_size.<pop>, checked
};

// Factor to ms for a timestamps@units value, as neuromesh.analysis reads it; nullopt if unknown.
std::optional<double> units_to_ms(std::string units) {
  const auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  units.erase(units.begin(), std::find_if_not(units.begin(), units.end(), space));
  units.erase(std::find_if_not(units.rbegin(), units.rend(), space).base(), units.end());
  std::transform(units.begin(), units.end(), units.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* ms : {"ms", "msec", "millisecond", "milliseconds", ""})
    if (units == ms) return 1.0;
  for (const char* s : {"s", "sec", "second", "seconds"})
    if (units == s) return 1000.0;
  return std::nullopt;
}

// Opens {node_ids|gids, timestamps} in `group`; nullopt when the group holds neither. A group
// with only one of them is an error naming the one missing.
std::optional<spike_source> open_spike_source(const reader& r, hid_t group, const std::string& where,
                                              std::string sorting) {
  const char* ids_name = object_kind(group, "node_ids") == kind::dataset ? "node_ids" : "gids";
  const bool has_ids = object_kind(group, ids_name) == kind::dataset;
  const bool has_times = object_kind(group, "timestamps") == kind::dataset;
  if (!has_ids && !has_times) return std::nullopt;
  if (!has_ids || !has_times)
    throw io_error(r.path, where + "/" + (has_ids ? "timestamps" : "node_ids") +
                               " is missing (a spike population needs node_ids (or gids) and timestamps)");
  spike_source s;
  s.where = where;
  s.ids_name = ids_name;
  s.sorting = std::move(sorting);
  const std::string ids_where = where + "/" + ids_name, times_where = where + "/timestamps";
  s.ids = r.check(H5Dopen2(group, ids_name, H5P_DEFAULT), ids_where);
  s.times = r.check(H5Dopen2(group, "timestamps", H5P_DEFAULT), times_where);
  const hsize_t n_ids = checked_length(r, s.ids.get(), ids_where, values::integers);
  s.rows = checked_length(r, s.times.get(), times_where, values::numbers);
  s.ids_signed = is_signed(r, s.ids.get(), ids_where);
  if (n_ids != s.rows)
    throw io_error(r.path, where + ": " + ids_name + " has " + std::to_string(n_ids) + " entries but timestamps has " +
                               std::to_string(s.rows));
  if (H5Aexists(s.times.get(), "units") > 0) {
    const auto units = read_string_attr(s.times.get(), "units");
    const auto scale = units ? units_to_ms(*units) : std::nullopt;
    if (!scale)
      throw io_error(r.path, times_where + ": unknown time units " + (units ? "'" + *units + "'" : "(not a string)") +
                                 " (expected 'ms' or 's')");
    s.to_ms = *scale;
  }
  if (object_kind(group, "recorded_node_ids") == kind::dataset) {
    const std::string rec_where = where + "/recorded_node_ids";
    hdf5_id rec = r.check(H5Dopen2(group, "recorded_node_ids", H5P_DEFAULT), rec_where);
    const hsize_t n = checked_length(r, rec.get(), rec_where, values::integers);
    const bool rec_signed = is_signed(r, rec.get(), rec_where);
    for (hsize_t start = 0; start < n; start += spike_block) {
      std::vector<std::uint64_t> block;
      read_ids(r, rec.get(), rec_signed, start, std::min(spike_block, n - start), block, rec_where);
      s.recorded.insert(s.recorded.end(), block.begin(), block.end());
    }
    if (std::adjacent_find(s.recorded.begin(), s.recorded.end(), std::greater_equal<>()) != s.recorded.end())
      throw io_error(r.path, rec_where + " is not sorted and unique");
  }
  return s;
}

// Every spike population in the file: /spikes/<pop> groups, then the flat legacy layout. Sizes
// come from the provenance (population_size.<pop>, checked).
std::vector<std::pair<std::string, spike_source>> spike_sources(const reader& r, const provenance_table& prov) {
  std::vector<std::pair<std::string, spike_source>> out;
  if (object_kind(r.file.get(), "spikes") != kind::group) return out;
  hdf5_id spikes = r.check(H5Gopen2(r.file.get(), "spikes", H5P_DEFAULT), "/spikes");
  for (const std::string& name : children(r, spikes.get(), "/spikes")) {
    if (object_kind(spikes.get(), name) != kind::group) continue;
    const std::string where = "/spikes/" + name;
    hdf5_id group = r.check(H5Gopen2(spikes.get(), name.c_str(), H5P_DEFAULT), where);
    auto s = open_spike_source(r, group.get(), where, read_sorting(group.get()));
    if (!s) throw io_error(r.path, where + " has no node_ids (or gids) and timestamps datasets");
    out.emplace_back(name, std::move(*s));
  }
  if (auto flat = open_spike_source(r, spikes.get(), "/spikes", read_sorting(spikes.get())))
    out.emplace_back(flat_spike_population, std::move(*flat));
  for (auto& [name, s] : out) {
    s.size = provenance_number(r, prov, "population_size." + name, max_population, true);
    const double limit = s.size.value_or(max_population);
    if (!s.recorded.empty() && static_cast<double>(s.recorded.back()) >= limit)
      throw io_error(r.path, s.where + "/recorded_node_ids: node id " + std::to_string(s.recorded.back()) +
                                 " >= population size " + std::to_string(static_cast<std::uint64_t>(limit)));
  }
  return out;
}

// Whether the rows read so far keep the order the file claims.
struct observed_order {
  bool by_time = true, by_id = true;
  double last_time = -INFINITY;
  std::uint64_t last_id = 0;
  bool any = false;
};

// Calls fn(ids, times_ms) for consecutive blocks of rows [lo, hi). Every row is checked first:
// times finite and >= 0, node ids below the population size (provenance, else max_population)
// and in recorded_node_ids when the file has one; `order` records whether the data really is
// sorted by time / by id (a `sorting` attribute is never trusted).
void scan_spikes(const reader& r, const spike_source& s, hsize_t lo, hsize_t hi, observed_order& order,
                 const std::function<void(std::span<const std::uint64_t>, std::span<const double>)>& fn) {
  std::vector<std::uint64_t> ids;
  std::vector<double> times;
  const std::string ids_where = s.where + "/" + s.ids_name, times_where = s.where + "/timestamps";
  const double limit = s.size.value_or(max_population);
  for (hsize_t start = lo; start < hi; start += spike_block) {
    const hsize_t n = std::min(spike_block, hi - start);
    times.resize(n);
    read_ids(r, s.ids.get(), s.ids_signed, start, n, ids, ids_where);
    read_rows(r, s.times.get(), start, n, H5T_NATIVE_DOUBLE, times.data(), times_where);
    for (hsize_t i = 0; i < n; ++i) {
      double& t = times[i];
      t *= s.to_ms;
      if (!std::isfinite(t) || t < 0.0) {
        std::ostringstream os;
        os << times_where << ": row " << start + i << " holds " << t << " ms; spike times must be finite and >= 0";
        throw io_error(r.path, os.str());
      }
      const std::uint64_t id = ids[i];
      if (static_cast<double>(id) >= limit)
        throw io_error(r.path, ids_where + ": row " + std::to_string(start + i) + " holds node id " +
                                   std::to_string(id) + " >= population size " +
                                   std::to_string(static_cast<std::uint64_t>(limit)) +
                                   (s.size ? " (provenance population_size)" : " (the largest accepted)"));
      if (!s.recorded.empty() && !std::binary_search(s.recorded.begin(), s.recorded.end(), id))
        throw io_error(r.path, ids_where + ": row " + std::to_string(start + i) + " holds node id " +
                                   std::to_string(id) + ": spikes of neurons outside recorded_node_ids");
      if (order.any) {
        order.by_time = order.by_time && t >= order.last_time;
        order.by_id = order.by_id && id >= order.last_id;
      }
      order.any = true;
      order.last_time = t;
      order.last_id = id;
    }
    fn(ids, times);
  }
}

// The sorting a table reports: the file's claim when the data keeps it, else "none".
std::string kept_sorting(const std::string& claimed, const observed_order& order) {
  if ((claimed == "by_time" && !order.by_time) || (claimed == "by_id" && !order.by_id)) return "none";
  return claimed;
}

spike_table read_population(const reader& r, const spike_source& s, double t_start, double t_stop) {
  spike_table table;
  table.recorded_node_ids = s.recorded;
  // Every row is read and checked whatever the window: an order the file claims is not trusted.
  observed_order order;
  scan_spikes(r, s, 0, s.rows, order, [&](std::span<const std::uint64_t> ids, std::span<const double> times) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!(times[i] >= t_start && times[i] < t_stop)) continue;
      table.node_ids.push_back(ids[i]);
      table.timestamps_ms.push_back(times[i]);
    }
  });
  table.sorting = kept_sorting(s.sorting, order);
  return table;
}

// "float32", "float64", "int32", "uint64", ... for a numeric dataset.
std::string stored_type(const reader& r, hid_t dset, const std::string& where) {
  hdf5_id type = r.check(H5Dget_type(dset), "the type of " + where);
  const std::string bits = std::to_string(8 * H5Tget_size(type.get()));
  switch (H5Tget_class(type.get())) {
    case H5T_FLOAT:
      return "float" + bits;
    case H5T_INTEGER:
      return (H5Tget_sign(type.get()) == H5T_SGN_NONE ? "uint" : "int") + bits;
    default:
      throw io_error(r.path, where + " is not numeric");
  }
}

// Reads one report group; with_data = false leaves data empty (for describe_file). Every dataset
// is checked against the file (checked_dims) before it is read; data is read in blocks of frames.
report_table read_report(const reader& r, hid_t report, const std::string& name, bool with_data) {
  const std::string where = "/report/" + name;
  hdf5_id group = r.check(H5Gopen2(report, name.c_str(), H5P_DEFAULT), where);
  if (object_kind(group.get(), "data") != kind::dataset) throw io_error(r.path, where + " has no data dataset");
  report_table t;
  t.population = read_string_attr(group.get(), "population").value_or(name);
  const std::string data_where = where + "/data";
  hdf5_id data = r.check(H5Dopen2(group.get(), "data", H5P_DEFAULT), data_where);
  const std::vector<hsize_t> dims = checked_dims(r, data.get(), data_where, values::numbers, 2);
  t.frames = dims[0];
  t.values = dims[1];
  t.units = read_string_attr(data.get(), "units").value_or("");
  t.variable =
      read_string_attr(data.get(), "variable").value_or(read_string_attr(data.get(), "variable_name").value_or(""));
  t.type = stored_type(r, data.get(), data_where);
  if (with_data && t.frames * t.values > 0) {
    // float32 and float64 (and integers) all convert to double exactly.
    t.data.resize(t.frames * t.values);
    const hsize_t block =
        std::min(std::max<hsize_t>(1, spike_block / t.values), rows_per_read(data.get(), 2, t.values));
    for (hsize_t frame = 0; frame < t.frames; frame += block) {
      const hsize_t start[2] = {frame, 0}, count[2] = {std::min(block, t.frames - frame), t.values};
      hdf5_id space = r.check(H5Dget_space(data.get()), "the dataspace of " + data_where);
      r.check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
              "rows of " + data_where);
      hdf5_id mem = r.check(H5Screate_simple(2, count, nullptr), "rows of " + data_where);
      r.check(
          H5Dread(data.get(), H5T_NATIVE_DOUBLE, mem.get(), space.get(), H5P_DEFAULT, t.data.data() + frame * t.values),
          data_where);
    }
  }
  if (object_kind(group.get(), "mapping/node_ids") == kind::dataset) {
    const std::string ids_where = where + "/mapping/node_ids";
    hdf5_id ids = r.check(H5Dopen2(group.get(), "mapping/node_ids", H5P_DEFAULT), ids_where);
    const hsize_t n = checked_length(r, ids.get(), ids_where, values::integers);
    read_ids(r, ids.get(), is_signed(r, ids.get(), ids_where), 0, n, t.node_ids, ids_where);
  }
  if (object_kind(group.get(), "mapping/time") == kind::dataset) {
    const std::string time_where = where + "/mapping/time";
    hdf5_id time = r.check(H5Dopen2(group.get(), "mapping/time", H5P_DEFAULT), time_where);
    if (checked_length(r, time.get(), time_where, values::numbers) != 3)
      throw io_error(r.path, time_where + " must hold 3 values (tstart, tstop, dt)");
    double v[3];
    read_rows(r, time.get(), 0, 3, H5T_NATIVE_DOUBLE, v, time_where);
    t.tstart = v[0], t.tstop = v[1], t.dt = v[2];
    if (!std::isfinite(t.tstart) || !std::isfinite(t.tstop) || !std::isfinite(t.dt) || !(t.dt > 0.0) ||
        t.tstop < t.tstart) {
      std::ostringstream os;
      os << time_where << ": (tstart, tstop, dt) = (" << t.tstart << ", " << t.tstop << ", " << t.dt
         << "); expected finite values with dt > 0 and tstop >= tstart";
      throw io_error(r.path, os.str());
    }
  }
  return t;
}

std::map<std::string, report_table> reports_of(const reader& r, bool with_data) {
  std::map<std::string, report_table> out;
  if (object_kind(r.file.get(), "report") != kind::group) return out;
  hdf5_id report = r.check(H5Gopen2(r.file.get(), "report", H5P_DEFAULT), "/report");
  for (const std::string& name : children(r, report.get(), "/report"))
    if (object_kind(report.get(), name) == kind::group)
      out.emplace(name, read_report(r, report.get(), name, with_data));
  return out;
}

herr_t collect_attr_name(hid_t, const char* name, const H5A_info_t*, void* names) {
  static_cast<std::vector<std::string>*>(names)->emplace_back(name);
  return 0;
}

provenance_table provenance_of(const reader& r) {
  provenance_table p;
  if (object_kind(r.file.get(), "provenance") != kind::group) return p;
  hdf5_id group = r.check(H5Gopen2(r.file.get(), "provenance", H5P_DEFAULT), "/provenance");
  std::vector<std::string> names;
  r.check(H5Aiterate2(group.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_attr_name, &names),
          "the attributes of /provenance");
  for (const std::string& name : names) {
    if (auto s = read_string_attr(group.get(), name))
      p.text.emplace(name, *s);
    else if (auto v = read_number_attr(group.get(), name))
      p.numbers.emplace(name, *v);
  }
  return p;
}

// Run length for rate estimates: provenance if it says, else the last spike time. Every spike of
// the file counts, those stamped exactly at the end included (fired in the last step).
double run_duration_ms(const provenance_table& p, double last_spike_ms, std::string& source) {
  // Only values the readers accept get here: provenance duration_ms is checked by check_provenance.
  for (const char* key : {"duration_ms", "duration", "tstop_ms", "tstop", "t_stop"}) {
    auto it = p.numbers.find(key);
    if (it != p.numbers.end() && it->second > 0.0) {
      source = std::string("provenance ") + key;
      return it->second;
    }
  }
  source = "last spike";
  return last_spike_ms;
}

// Returns the time of the last spike in the file (0 without spikes).
double describe_spikes(std::ostream& os, const reader& r, const provenance_table& prov) {
  double last = 0.0;
  auto sources = spike_sources(r, prov);
  os << "spikes: " << sources.size() << " population(s)\n";
  for (const auto& [name, s] : sources) {
    std::uint64_t count = 0, id_min = UINT64_MAX, id_max = 0;
    double t_min = INFINITY, t_max = -INFINITY;
    observed_order order;
    scan_spikes(r, s, 0, s.rows, order, [&](std::span<const std::uint64_t> ids, std::span<const double> times) {
      count += ids.size();
      for (std::uint64_t id : ids) id_min = std::min(id_min, id), id_max = std::max(id_max, id);
      for (double t : times) t_min = std::min(t_min, t), t_max = std::max(t_max, t);
    });
    os << "  " << name << ": " << count << " spikes";
    if (count > 0) os << ", node ids " << id_min << ".." << id_max << ", t " << t_min << ".." << t_max << " ms";
    std::string source;
    const double duration = run_duration_ms(prov, count > 0 ? t_max : 0.0, source);
    // Rates are over the neurons whose spikes were recorded: recorded_node_ids when a recorder
    // named ids, else the population size from provenance (neuromesh writes it), else the largest
    // id that spiked, which is all there is to go on.
    const bool known = s.size.has_value() && *s.size > 0;
    const bool subset = !s.recorded.empty();
    const double nodes = subset  ? static_cast<double>(s.recorded.size())
                         : known ? *s.size
                                 : static_cast<double>(count > 0 ? id_max + 1 : 0);
    // A recorder window (provenance spikes_window_{start,stop}_ms.<pop>): rates over its part of the run.
    const auto number = [&](const std::string& key, double fallback) {
      const auto it = prov.numbers.find(key);
      return it == prov.numbers.end() ? fallback : it->second;
    };
    const double w_start = number("spikes_window_start_ms." + name, 0.0);
    const double w_stop = std::min(number("spikes_window_stop_ms." + name, INFINITY), duration);
    const bool windowed = w_start > 0.0 || w_stop < duration;
    const double span = w_stop - w_start;
    if (windowed && span > 0.0 && nodes > 0.0) {
      os << ", mean rate " << static_cast<double>(count) / nodes / (span / 1000.0) << " Hz (" << nodes
         << " nodes, recorded in [" << w_start << ", " << w_stop << ") ms)";
    } else if (windowed) {
      os << ", mean rate - (the recording window [" << w_start << ", " << w_stop << ") ms is empty)";
    } else if (duration > 0.0 && nodes > 0.0) {
      os << ", mean rate " << static_cast<double>(count) / nodes / (duration / 1000.0) << " Hz (";
      if (subset)
        os << nodes << " of " << (known ? std::to_string(static_cast<std::uint64_t>(*s.size)) : "?")
           << " nodes recorded, ";
      else
        os << nodes << (known ? " nodes, " : " nodes assumed, ");
      os << duration << " ms from " << source << ")";
    }
    const std::string sorting = kept_sorting(s.sorting, order);
    os << ", sorting " << (s.sorting.empty() ? "unspecified" : sorting);
    if (sorting != s.sorting) os << " (the file says " << s.sorting << "; the data is not)";
    os << "\n";
    if (count > 0) last = std::max(last, t_max);
  }
  return last;
}

// Whether the run that wrote the file finished: provenance `status`, written "running" when a run
// starts and replaced when it ends, so a file that still says "running" was killed.
std::string status_line(const provenance_table& prov, double last_spike_ms) {
  std::ostringstream os;
  const auto it = prov.text.find("status");
  const auto d = prov.numbers.find("duration_ms");
  if (it == prov.text.end()) {
    os << "status: unknown (no provenance status: not written by neuromesh, or by an older version)";
    return os.str() + "\n";
  }
  const std::string& status = it->second;
  os << "status: " << status;
  if (status == "running")
    os << " \u2014 the run did not finish (killed?); spikes up to t = " << last_spike_ms << " ms"
       << (d != prov.numbers.end() ? ", run reached t = " + to_text(d->second) + " ms at its last flush" : "")
       << " (incomplete)";
  else if (status.rfind("failed", 0) == 0)
    os << " \u2014 the run stopped early; spikes up to t = " << last_spike_ms << " ms (incomplete)";
  else if (status == "interrupted")
    os << " \u2014 stopped by a signal" << (d != prov.numbers.end() ? " at t = " + to_text(d->second) + " ms" : "")
       << " (incomplete)";
  return os.str() + "\n";
}

void describe_reports(std::ostream& os, const reader& r) {
  const auto reports = reports_of(r, false);
  os << "reports: " << reports.size() << "\n";
  for (const auto& [name, t] : reports)
    os << "  " << name << ": population " << t.population << ", variable " << t.variable << " [" << t.units << "], "
       << t.node_ids.size() << " nodes, " << t.frames << " frames, dt " << t.dt << " ms, t " << t.tstart << ".."
       << t.tstop << " ms, " << t.type << "\n";
}

// /edges/<name> (synapses at the end of the run) and /weights/<name> (weight recorders): their
// sizes, from the length of one column each (docs/plasticity.md); what cannot be read says so.
void describe_synapse_groups(std::ostream& os, const reader& r) {
  for (const auto& [group, column, what] :
       {std::tuple{"edges", "source_node_id", "synapses"}, std::tuple{"weights", "times", "weight changes recorded"}}) {
    if (H5Lexists(r.file.get(), group, H5P_DEFAULT) <= 0) continue;
    hdf5_id g(H5Gopen2(r.file.get(), group, H5P_DEFAULT));
    H5G_info_t info{};
    if (!g.valid() || H5Gget_info(g.get(), &info) < 0) {
      os << group << ": unreadable\n";
      continue;
    }
    os << group << ": " << info.nlinks << "\n";
    for (hsize_t i = 0; i < info.nlinks && i < 100; ++i) {
      char name[256] = {};
      if (H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) < 0) break;
      const std::string path = std::string(name) + "/" + column;
      hssize_t n = -1;
      if (H5Lexists(g.get(), name, H5P_DEFAULT) > 0 && H5Lexists(g.get(), path.c_str(), H5P_DEFAULT) > 0) {
        hdf5_id d(H5Dopen2(g.get(), path.c_str(), H5P_DEFAULT));
        hdf5_id space(d.valid() ? H5Dget_space(d.get()) : -1);
        if (space.valid()) n = H5Sget_simple_extent_npoints(space.get());
      }
      os << "  " << name << ": " << (n < 0 ? std::string("unreadable") : std::to_string(n) + " " + what) << "\n";
    }
  }
}

// The provenance numbers the readers rely on, checked: duration_ms a finite number >= 0.
void check_provenance(const reader& r, const provenance_table& p) {
  provenance_number(r, p, "duration_ms", INFINITY, false);
}

// `neuromesh info`: see describe_file.
std::string describe(const std::string& path) {
  reader r = open_for_reading(path);
  std::ostringstream os;
  const provenance_table prov = provenance_of(r);
  check_provenance(r, prov);
  os << "file: " << path << "\n";
  const auto magic = read_number_attr(r.file.get(), "magic");
  os << (magic == 0x0A7A ? "format: SONATA (magic 0x0A7A)\n" : "format: HDF5 without SONATA magic\n");
  std::ostringstream body;
  const double last_spike = describe_spikes(body, r, prov);
  os << status_line(prov, last_spike) << body.str();
  describe_reports(os, r);
  describe_synapse_groups(os, r);
  os << "provenance: " << prov.text.size() + prov.numbers.size() << " attribute(s)\n";
  for (const auto& [k, v] : prov.text) os << "  " << k << " = " << v << "\n";
  for (const auto& [k, v] : prov.numbers) os << "  " << k << " = " << v << "\n";
  return os.str();
}

// Runs a reader: any failure that is not already a neuromesh error (an allocation libhdf5's
// metadata asked for, a filesystem error) becomes an io_error naming the file.
template <class F>
auto guarded(const std::string& path, F&& read) -> decltype(read()) {
  hdf5_quiet quiet;
  try {
    return read();
  } catch (const neuromesh::error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw io_error(path, "cannot be read: it declares more data than fits in memory (a damaged file?)");
  } catch (const std::exception& e) {
    throw io_error(path, std::string("cannot be read (") + e.what() + "); the file is damaged or not a SONATA file");
  }
}

}  // namespace

std::map<std::string, spike_table> read_spikes(const std::string& path, double t_start, double t_stop) {
  return guarded(path, [&] {
    reader r = open_for_reading(path);
    const provenance_table prov = provenance_of(r);
    check_provenance(r, prov);
    std::map<std::string, spike_table> out;
    for (const auto& [name, source] : spike_sources(r, prov))
      out.emplace(name, read_population(r, source, t_start, t_stop));
    return out;
  });
}

std::map<std::string, report_table> read_reports(const std::string& path) {
  return guarded(path, [&] { return reports_of(open_for_reading(path), true); });
}

provenance_table read_provenance(const std::string& path) {
  return guarded(path, [&] { return provenance_of(open_for_reading(path)); });
}

std::string describe_file_in_process(const std::string& path) {
  return guarded(path, [&] { return describe(path); });
}

// libhdf5 1.10 trusts a file's metadata: some damaged files crash it (a corrupt object header or
// global heap: memcpy out of bounds) or make it copy gigabytes, beyond what the checks above can
// see. `neuromesh info` is the reader people point at unknown files, so describe_file reads in a
// child process with bounded memory and reports a crash as an io_error; the text or the error
// comes back through a pipe.
std::string describe_file(const std::string& path) {
#if defined(__unix__)
  int fds[2];
  if (::pipe(fds) == 0) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {  // child: read, send 'o' + text or 'e' + problem, and leave without cleanup
      ::close(fds[0]);
      // 8 GiB more address space than the process already maps (sanitizers reserve terabytes)
      unsigned long long pages = 0;
      if (std::FILE* statm = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(statm, "%llu", &pages) != 1) pages = 0;
        std::fclose(statm);
      }
      const long page = ::sysconf(_SC_PAGESIZE);
      rlimit now{};
      if (pages > 0 && page > 0 && ::getrlimit(RLIMIT_AS, &now) == 0) {
        const rlim_t limit = static_cast<rlim_t>(pages) * static_cast<rlim_t>(page) + (rlim_t{8} << 30);
        if (now.rlim_cur == RLIM_INFINITY || now.rlim_cur > limit) {
          const rlimit memory{limit, now.rlim_max};
          ::setrlimit(RLIMIT_AS, &memory);
        }
      }
      std::string reply;
      try {
        reply = "o" + guarded(path, [&] { return describe(path); });
      } catch (const io_error& e) {
        const std::string what = e.what(), prefix = "'" + path + "': ";
        reply = "e" + (what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what);
      } catch (const std::exception& e) {
        reply = std::string("e") + e.what();
      }
      for (std::size_t done = 0; done < reply.size();) {
        const ssize_t n = ::write(fds[1], reply.data() + done, reply.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    if (pid > 0) {
      std::string reply;
      char buf[1 << 16];
      for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
      }
      ::close(fds[0]);
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !reply.empty()) {
        if (reply[0] == 'o') return reply.substr(1);
        throw io_error(path, reply.substr(1));
      }
      throw io_error(path, "cannot be read: libhdf5 " +
                               (WIFSIGNALED(status) ? "crashed (signal " + std::to_string(WTERMSIG(status)) + ")"
                                                    : std::string("failed")) +
                               " on its metadata; the file is damaged or was not written as a HDF5/SONATA file");
    }
    ::close(fds[0]);  // fork failed: read in this process
  }
#endif
  return describe_file_in_process(path);
}

}  // namespace neuromesh::io

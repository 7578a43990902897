// SONATA readers: see sonata_reader.hpp; layouts in shared/specs/sonata.md §2–3.
#include <neuromesh/core/io/sonata_reader.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <sstream>

#include <hdf5.h>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_writer.hpp>

namespace neuromesh::io {
namespace {

using detail::hdf5_id;
using detail::hdf5_quiet;

// Rows read per block when streaming spikes: bounds memory use of describe_file and filtering.
constexpr hsize_t spike_block = hsize_t{1} << 20;

// Every function below reports failures against this file.
struct reader {
  std::string path;
  hdf5_id file;

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
                   "HDF5 could not open the file; if a simulation is still writing it, wait for it to "
                   "finish (HDF5 locks files that are open for writing)");
  return reader{path, hdf5_id(f)};
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
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    r.check(static_cast<herr_t>(len < 0 ? -1 : 0), "the member names of " + where);
    std::string name(static_cast<std::size_t>(len), '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT);
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
  std::string buf(H5Tget_size(type.get()), '\0');
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

hsize_t dataset_length(const reader& r, hid_t dset, const std::string& where) {
  hdf5_id space = r.check(H5Dget_space(dset), "the shape of " + where);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  r.check(static_cast<herr_t>(n < 0 ? -1 : 0), "the shape of " + where);
  return static_cast<hsize_t>(n);
}

// Reads rows [start, start + n) of a 1-D dataset, converting to mem_type.
void read_rows(const reader& r, hid_t dset, hsize_t start, hsize_t n, hid_t mem_type, void* out,
               const std::string& where) {
  if (n == 0) return;
  hdf5_id space = r.check(H5Dget_space(dset), "the dataspace of " + where);
  r.check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr), "rows of " + where);
  hdf5_id mem = r.check(H5Screate_simple(1, &n, nullptr), "rows of " + where);
  r.check(H5Dread(dset, mem_type, mem.get(), space.get(), H5P_DEFAULT, out), where);
}

// First row in [0, n) whose time is >= t, for a dataset sorted by time: O(log n) single reads.
hsize_t lower_bound_rows(const reader& r, hid_t dset, hsize_t n, double t, const std::string& where) {
  hsize_t lo = 0, hi = n;
  while (lo < hi) {
    const hsize_t mid = lo + (hi - lo) / 2;
    double value = 0.0;
    read_rows(r, dset, mid, 1, H5T_NATIVE_DOUBLE, &value, where);
    if (value < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

// One population's datasets, wherever the layout put them.
struct spike_source {
  std::string where;  // HDF5 path of the containing group
  hdf5_id ids, times;
  hsize_t rows = 0;
  double to_ms = 1.0;
  std::string sorting;
  std::vector<std::uint64_t> recorded;  // recorded_node_ids; empty: every neuron
};

// Opens {node_ids|gids, timestamps} in `group`; nullopt when the group holds neither.
std::optional<spike_source> open_spike_source(const reader& r, hid_t group, const std::string& where,
                                              std::string sorting) {
  const char* ids_name = object_kind(group, "node_ids") == kind::dataset ? "node_ids" : "gids";
  if (object_kind(group, ids_name) != kind::dataset || object_kind(group, "timestamps") != kind::dataset)
    return std::nullopt;
  spike_source s;
  s.where = where;
  s.sorting = std::move(sorting);
  s.ids = r.check(H5Dopen2(group, ids_name, H5P_DEFAULT), where + "/" + ids_name);
  s.times = r.check(H5Dopen2(group, "timestamps", H5P_DEFAULT), where + "/timestamps");
  s.rows = dataset_length(r, s.times.get(), where + "/timestamps");
  const hsize_t n_ids = dataset_length(r, s.ids.get(), where + "/" + ids_name);
  if (n_ids != s.rows)
    throw io_error(r.path, where + ": " + ids_name + " has " + std::to_string(n_ids) + " entries but timestamps has " +
                               std::to_string(s.rows));
  const std::string units = read_string_attr(s.times.get(), "units").value_or("ms");
  if (units == "s" || units == "sec") s.to_ms = 1000.0;
  if (object_kind(group, "recorded_node_ids") == kind::dataset) {
    const std::string rec_where = where + "/recorded_node_ids";
    hdf5_id rec = r.check(H5Dopen2(group, "recorded_node_ids", H5P_DEFAULT), rec_where);
    s.recorded.resize(dataset_length(r, rec.get(), rec_where));
    read_rows(r, rec.get(), 0, s.recorded.size(), H5T_NATIVE_UINT64, s.recorded.data(), rec_where);
    if (!std::is_sorted(s.recorded.begin(), s.recorded.end())) throw io_error(r.path, rec_where + " is not sorted");
  }
  return s;
}

// Every spike population in the file: /spikes/<pop> groups, then the flat legacy layout.
std::vector<std::pair<std::string, spike_source>> spike_sources(const reader& r) {
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
  return out;
}

// Calls fn(ids, times_ms) for consecutive blocks of rows [lo, hi).
void scan_spikes(const reader& r, const spike_source& s, hsize_t lo, hsize_t hi,
                 const std::function<void(std::span<const std::uint64_t>, std::span<const double>)>& fn) {
  std::vector<std::uint64_t> ids;
  std::vector<double> times;
  for (hsize_t start = lo; start < hi; start += spike_block) {
    const hsize_t n = std::min(spike_block, hi - start);
    ids.resize(n);
    times.resize(n);
    read_rows(r, s.ids.get(), start, n, H5T_NATIVE_UINT64, ids.data(), s.where + " node ids");
    read_rows(r, s.times.get(), start, n, H5T_NATIVE_DOUBLE, times.data(), s.where + "/timestamps");
    if (s.to_ms != 1.0)
      for (double& t : times) t *= s.to_ms;
    fn(ids, times);
  }
}

spike_table read_population(const reader& r, const spike_source& s, double t_start, double t_stop) {
  spike_table table;
  table.sorting = s.sorting;
  table.recorded_node_ids = s.recorded;
  hsize_t lo = 0, hi = s.rows;
  // The window bounds are in file units for the search; only exact for ms files, so others scan.
  if (s.sorting == "by_time" && s.to_ms == 1.0) {
    const std::string where = s.where + "/timestamps";
    if (t_start > -INFINITY) lo = lower_bound_rows(r, s.times.get(), s.rows, t_start, where);
    if (t_stop < INFINITY) hi = std::max(lo, lower_bound_rows(r, s.times.get(), s.rows, t_stop, where));
  }
  scan_spikes(r, s, lo, hi, [&](std::span<const std::uint64_t> ids, std::span<const double> times) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!(times[i] >= t_start && times[i] < t_stop)) continue;
      table.node_ids.push_back(ids[i]);
      table.timestamps_ms.push_back(times[i]);
    }
  });
  return table;
}

// Shape of a dataset as a vector (rank 0 gives an empty vector).
std::vector<hsize_t> dataset_dims(const reader& r, hid_t dset, const std::string& where) {
  hdf5_id space = r.check(H5Dget_space(dset), "the shape of " + where);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  r.check(static_cast<herr_t>(rank < 0 ? -1 : 0), "the shape of " + where);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
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

// Reads one report group; with_data = false leaves data empty (for describe_file).
report_table read_report(const reader& r, hid_t report, const std::string& name, bool with_data) {
  const std::string where = "/report/" + name;
  hdf5_id group = r.check(H5Gopen2(report, name.c_str(), H5P_DEFAULT), where);
  if (object_kind(group.get(), "data") != kind::dataset) throw io_error(r.path, where + " has no data dataset");
  report_table t;
  t.population = read_string_attr(group.get(), "population").value_or(name);
  hdf5_id data = r.check(H5Dopen2(group.get(), "data", H5P_DEFAULT), where + "/data");
  const std::vector<hsize_t> dims = dataset_dims(r, data.get(), where + "/data");
  if (dims.size() != 2) throw io_error(r.path, where + "/data is not 2-D [frames x values]");
  t.frames = dims[0];
  t.values = dims[1];
  t.units = read_string_attr(data.get(), "units").value_or("");
  t.variable =
      read_string_attr(data.get(), "variable").value_or(read_string_attr(data.get(), "variable_name").value_or(""));
  t.type = stored_type(r, data.get(), where + "/data");
  if (with_data && t.frames * t.values > 0) {
    // float32 and float64 (and integers) all convert to double exactly.
    t.data.resize(t.frames * t.values);
    r.check(H5Dread(data.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data.data()), where + "/data");
  }
  if (object_kind(group.get(), "mapping/node_ids") == kind::dataset) {
    hdf5_id ids = r.check(H5Dopen2(group.get(), "mapping/node_ids", H5P_DEFAULT), where + "/mapping/node_ids");
    t.node_ids.resize(dataset_length(r, ids.get(), where + "/mapping/node_ids"));
    read_rows(r, ids.get(), 0, t.node_ids.size(), H5T_NATIVE_UINT64, t.node_ids.data(), where + "/mapping/node_ids");
  }
  if (object_kind(group.get(), "mapping/time") == kind::dataset) {
    hdf5_id time = r.check(H5Dopen2(group.get(), "mapping/time", H5P_DEFAULT), where + "/mapping/time");
    if (dataset_length(r, time.get(), where + "/mapping/time") != 3)
      throw io_error(r.path, where + "/mapping/time must hold 3 values (tstart, tstop, dt)");
    double v[3];
    read_rows(r, time.get(), 0, 3, H5T_NATIVE_DOUBLE, v, where + "/mapping/time");
    t.tstart = v[0], t.tstop = v[1], t.dt = v[2];
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

void describe_spikes(std::ostream& os, const reader& r, const provenance_table& prov) {
  auto sources = spike_sources(r);
  os << "spikes: " << sources.size() << " population(s)\n";
  for (const auto& [name, s] : sources) {
    std::uint64_t count = 0, id_min = UINT64_MAX, id_max = 0;
    double t_min = INFINITY, t_max = -INFINITY;
    scan_spikes(r, s, 0, s.rows, [&](std::span<const std::uint64_t> ids, std::span<const double> times) {
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
    const auto size_it = prov.numbers.find("population_size." + name);
    const bool known = size_it != prov.numbers.end() && size_it->second > 0;
    const bool subset = !s.recorded.empty();
    const double nodes = subset  ? static_cast<double>(s.recorded.size())
                         : known ? size_it->second
                                 : static_cast<double>(count > 0 ? id_max + 1 : 0);
    if (duration > 0.0 && nodes > 0.0) {
      os << ", mean rate " << static_cast<double>(count) / nodes / (duration / 1000.0) << " Hz (";
      if (subset)
        os << nodes << " of " << (known ? std::to_string(static_cast<std::uint64_t>(size_it->second)) : "?")
           << " nodes recorded, ";
      else
        os << nodes << (known ? " nodes, " : " nodes assumed, ");
      os << duration << " ms from " << source << ")";
    }
    os << ", sorting " << (s.sorting.empty() ? "unspecified" : s.sorting) << "\n";
  }
}

void describe_reports(std::ostream& os, const reader& r) {
  const auto reports = reports_of(r, false);
  os << "reports: " << reports.size() << "\n";
  for (const auto& [name, t] : reports)
    os << "  " << name << ": population " << t.population << ", variable " << t.variable << " [" << t.units << "], "
       << t.node_ids.size() << " nodes, " << t.frames << " frames, dt " << t.dt << " ms, t " << t.tstart << ".."
       << t.tstop << " ms, " << t.type << "\n";
}

}  // namespace

std::map<std::string, spike_table> read_spikes(const std::string& path, double t_start, double t_stop) {
  hdf5_quiet quiet;
  reader r = open_for_reading(path);
  std::map<std::string, spike_table> out;
  for (const auto& [name, source] : spike_sources(r)) out.emplace(name, read_population(r, source, t_start, t_stop));
  return out;
}

std::map<std::string, report_table> read_reports(const std::string& path) {
  hdf5_quiet quiet;
  return reports_of(open_for_reading(path), true);
}

provenance_table read_provenance(const std::string& path) {
  hdf5_quiet quiet;
  return provenance_of(open_for_reading(path));
}

std::string describe_file(const std::string& path) {
  hdf5_quiet quiet;
  reader r = open_for_reading(path);
  std::ostringstream os;
  const provenance_table prov = provenance_of(r);
  os << "file: " << path << "\n";
  const auto magic = read_number_attr(r.file.get(), "magic");
  os << (magic == 0x0A7A ? "format: SONATA (magic 0x0A7A)\n" : "format: HDF5 without SONATA magic\n");
  describe_spikes(os, r, prov);
  describe_reports(os, r);
  os << "provenance: " << prov.text.size() + prov.numbers.size() << " attribute(s)\n";
  for (const auto& [k, v] : prov.text) os << "  " << k << " = " << v << "\n";
  for (const auto& [k, v] : prov.numbers) os << "  " << k << " = " << v << "\n";
  return os.str();
}

}  // namespace neuromesh::io

// Decodes fuzzer bytes into an HDF5 file; see hdf5_builder.hpp. Each step reads one op byte and
// its operands; libhdf5 refusing a combination (e.g. a chunk larger than a fixed extent) just
// leaves that object out.
#include "hdf5_builder.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <string>

#include <hdf5.h>

namespace neuromesh::fuzz {
namespace {

// Closes an HDF5 id of any kind when it goes out of scope.
struct h5 {
  hid_t id;
  explicit h5(hid_t i) : id(i) {}
  h5(const h5&) = delete;
  h5& operator=(const h5&) = delete;
  ~h5() {
    if (id >= 0) H5Idec_ref(id);
  }
  operator hid_t() const { return id; }
};

// Values that sit on the reader's boundaries; operand bytes >= size() are raw 8-byte values instead.
double pick_number(byte_reader& in) {
  static const std::array<double, 20> pool = {0.0,
                                              1.0,
                                              0.1,
                                              -1.0,
                                              2.5,
                                              99.9,
                                              100.0,
                                              1e9,
                                              1e300,
                                              -0.0,
                                              std::numeric_limits<double>::quiet_NaN(),
                                              std::numeric_limits<double>::infinity(),
                                              -std::numeric_limits<double>::infinity(),
                                              4294967295.0,
                                              4294967296.0,
                                              4294967297.0,
                                              9.2233720368547758e18,
                                              1.8446744073709552e19,
                                              0.5,
                                              1e-300};
  const std::uint8_t b = in.u8();
  return b < pool.size() ? pool[b] : b < 128 ? static_cast<double>(b - pool.size()) : in.f64();
}

std::uint64_t pick_count(byte_reader& in) {
  static const std::array<std::uint64_t, 12> pool = {
      0, 1, 2, 3, 1ull << 20, 1ull << 31, 1ull << 32, 1ull << 35, 1ull << 40, 1ull << 41, 1ull << 62, ~0ull};
  const std::uint8_t b = in.u8();
  return b < pool.size() ? pool[b] : b < 200 ? b - pool.size() : in.u64();
}

const char* pick_name(byte_reader& in) {
  static const std::array<const char*, 24> names = {"E",
                                                    "I",
                                                    "spikes",
                                                    "node_ids",
                                                    "gids",
                                                    "timestamps",
                                                    "recorded_node_ids",
                                                    "sorting",
                                                    "units",
                                                    "population_size.E",
                                                    "population_size.I",
                                                    "population_size.spikes",
                                                    "duration_ms",
                                                    "status",
                                                    "magic",
                                                    "data",
                                                    "mapping",
                                                    "variable",
                                                    "population",
                                                    "duration",
                                                    "tstop",
                                                    "report",
                                                    "provenance",
                                                    " "};
  return names[in.pick(names.size())];
}

hid_t pick_type(byte_reader& in) {
  static const std::array<hid_t*, 10> types = {
      &H5T_NATIVE_UINT64_g, &H5T_NATIVE_DOUBLE_g, &H5T_NATIVE_INT64_g, &H5T_NATIVE_FLOAT_g,  &H5T_NATIVE_UINT32_g,
      &H5T_NATIVE_INT32_g,  &H5T_NATIVE_UINT8_g,  &H5T_NATIVE_INT8_g,  &H5T_NATIVE_UINT16_g, &H5T_NATIVE_LDOUBLE_g};
  H5open();  // initialises the H5T_NATIVE_*_g globals
  const std::size_t i = in.pick(types.size() + 2);
  if (i < types.size()) return H5Tcopy(*types[i]);
  const hid_t s = H5Tcopy(H5T_C_S1);  // strings and compounds: types the reader must refuse
  if (i == types.size())
    H5Tset_size(s, 1 + in.pick(16));
  else
    H5Tset_size(s, H5T_VARIABLE);
  return s;
}

// A scalar (or 2-element) attribute of a hostile kind: number, integer, enum, string.
void write_attribute(byte_reader& in, hid_t obj, const char* name) {
  const std::size_t kind = in.pick(6);
  const hsize_t two = 2;
  h5 space(kind == 5 ? H5Screate_simple(1, &two, nullptr) : H5Screate(H5S_SCALAR));
  if (kind == 0 || kind == 5) {
    const double v[2] = {pick_number(in), pick_number(in)};
    h5 a(H5Acreate2(obj, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT));
    if (a >= 0) H5Awrite(a, H5T_NATIVE_DOUBLE, v);
  } else if (kind == 1) {
    const std::uint64_t v = pick_count(in);
    h5 type(pick_type(in));
    h5 a(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
    if (a >= 0 && H5Tget_class(type) == H5T_INTEGER) H5Awrite(a, H5T_NATIVE_UINT64, &v);
  } else if (kind == 2) {  // libsonata's sorting enum, with values or names out of line
    const bool wide = in.u8() & 1;
    h5 type(H5Tenum_create(wide ? H5T_NATIVE_LLONG : H5T_NATIVE_UCHAR));
    const char* names[] = {"none", "by_id", "by_time", "by_gid"};
    auto bytes_of = [wide](long long& v, unsigned char& c) -> void* {
      c = static_cast<unsigned char>(v);
      return wide ? static_cast<void*>(&v) : static_cast<void*>(&c);
    };
    unsigned char c = 0;
    for (long long v = 0; v < 3; ++v) {
      long long value = v + static_cast<long long>(in.pick(3));
      H5Tenum_insert(type, names[(v + in.pick(2)) % 4], bytes_of(value, c));
    }
    long long value = static_cast<long long>(in.pick(4));
    h5 a(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
    if (a >= 0) H5Awrite(a, type, bytes_of(value, c));
  } else {  // fixed- or variable-length string
    static const std::array<const char*, 12> texts = {"ms",       "s",         "by_time", "by_id", "none",   "running",
                                                      "complete", "failed: x", "",        "sec",   "by_gid", "mV"};
    const char* text = texts[in.pick(texts.size())];
    h5 type(H5Tcopy(H5T_C_S1));
    if (kind == 3) {
      H5Tset_size(type, H5T_VARIABLE);
      h5 a(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
      if (a >= 0) H5Awrite(a, type, &text);
    } else {
      const std::string fixed = std::string(text) + std::string(in.pick(3), '\0');
      H5Tset_size(type, fixed.empty() ? 1 : fixed.size());
      h5 a(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
      if (a >= 0 && !fixed.empty()) H5Awrite(a, type, fixed.data());
    }
  }
}

// A dataset: type, rank 1 (mostly), 0 or 2, layout contiguous, compact or chunked (then maybe
// deflated and extended past what was written), and up to 64 written values.
void write_dataset(byte_reader& in, hid_t loc, const char* name) {
  h5 type(pick_type(in));
  const std::size_t rank_choice = in.pick(8);
  const int rank = rank_choice == 6 ? 2 : rank_choice == 7 ? 0 : 1;
  const hsize_t n = in.pick(65);
  const hsize_t cols = rank == 2 ? 1 + in.pick(4) : 1;
  const std::size_t layout = in.pick(4);  // 0 contiguous, 1 compact, 2-3 chunked
  const hsize_t dims[2] = {n, cols}, unlimited[2] = {H5S_UNLIMITED, H5S_UNLIMITED};
  h5 space(rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, layout >= 2 ? unlimited : nullptr));
  h5 dcpl(H5Pcreate(H5P_DATASET_CREATE));
  if (layout == 1) H5Pset_layout(dcpl, H5D_COMPACT);
  if (layout >= 2 && rank > 0) {
    const hsize_t chunk[2] = {1 + in.pick(64), 1 + in.pick(4)};
    H5Pset_chunk(dcpl, rank, chunk);
    if (layout == 3) H5Pset_deflate(dcpl, 1);
  }
  h5 d(H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
  if (d < 0) return;
  const H5T_class_t cls = H5Tget_class(type);
  const std::size_t count = static_cast<std::size_t>(rank == 0 ? 1 : n * cols);
  if (count > 0 && (cls == H5T_INTEGER || cls == H5T_FLOAT)) {
    // Ids: small, equal, descending or huge; times: ramps, repeats, NaN, negative.
    std::vector<double> f(count);
    std::vector<std::uint64_t> u(count);
    const std::uint8_t pattern = in.u8();
    for (std::size_t i = 0; i < count; ++i) {
      const bool fresh = (pattern & 3) == 0 || i == 0;
      u[i] = fresh ? pick_count(in) : u[i - 1] + (pattern >> 2) % 3;
      f[i] = fresh ? pick_number(in) : f[i - 1] + 0.1 * ((pattern >> 4) % 3);
    }
    if (cls == H5T_INTEGER)
      H5Dwrite(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, u.data());
    else
      H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, f.data());
  }
  if (layout >= 2 && rank > 0 && (in.u8() & 1)) {  // declared rows that were never written
    const hsize_t bigger[2] = {n + pick_count(in) % (1ull << 42), cols};
    H5Dset_extent(d, bigger);
  }
  for (std::size_t a = in.pick(3); a > 0; --a) write_attribute(in, d, pick_name(in));
}

// Links the reader must not follow out of the file or into nothing.
void write_link(byte_reader& in, hid_t loc, const char* name) {
  switch (in.pick(3)) {
    case 0:
      H5Lcreate_soft("/nowhere", loc, name, H5P_DEFAULT, H5P_DEFAULT);
      break;
    case 1:
      H5Lcreate_external("/nonexistent/other.h5", "/spikes", loc, name, H5P_DEFAULT, H5P_DEFAULT);
      break;
    default:
      H5Lcreate_soft("/spikes", loc, name, H5P_DEFAULT, H5P_DEFAULT);
  }
}

// The group at `path` (created if missing); -1 where libhdf5 refuses (e.g. a dataset of that name).
hid_t open_group(hid_t file, const std::string& path) {
  if (H5Lexists(file, path.c_str(), H5P_DEFAULT) > 0) return H5Gopen2(file, path.c_str(), H5P_DEFAULT);
  h5 lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl, 1);
  return H5Gcreate2(file, path.c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT);
}

void apply_op(byte_reader& in, hid_t file) {
  static const std::array<const char*, 9> groups = {"/",           "/spikes",   "/spikes/E",         "/spikes/I",
                                                    "/provenance", "/report/v", "/report/v/mapping", "/report/w",
                                                    "/spikes/E/x"};
  h5 group(open_group(file, groups[in.pick(groups.size())]));
  if (group < 0) return;
  const char* name = pick_name(in);
  if (H5Lexists(group, name, H5P_DEFAULT) > 0) {  // a second object of a name: an attribute instead
    write_attribute(in, group, name);
    return;
  }
  switch (in.pick(4)) {
    case 0:
    case 1:
      write_dataset(in, group, name);
      break;
    case 2:
      write_attribute(in, group, name);
      break;
    default:
      write_link(in, group, name);
  }
}

}  // namespace

std::vector<std::uint8_t> build_hdf5_image(byte_reader& in) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // refusals are expected; no error stacks printed
  // libhdf5 returns freed blocks over its free-list limits (1 MiB) to malloc, so every file open
  // callocs its metadata cache (~1 MiB) afresh -- under ASan an mmap and page faults each time,
  // most of the run's time. Unlimited free lists keep the blocks: 4x more executions per second.
  static const bool unlimited = H5set_free_list_limits(-1, -1, -1, -1, -1, -1) >= 0;
  (void)unlimited;
  h5 fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fapl_core(fapl, 1 << 16, 0);  // in memory only
  h5 file(H5Fcreate("fuzz.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl));
  for (int ops = 0; ops < 64 && !in.empty(); ++ops) apply_op(in, file);
  H5Fflush(file, H5F_SCOPE_GLOBAL);
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  std::vector<std::uint8_t> image(size > 0 ? static_cast<std::size_t>(size) : 0);
  if (size > 0) H5Fget_file_image(file, image.data(), image.size());
  return image;
}

}  // namespace neuromesh::fuzz

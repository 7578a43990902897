// The checkpoint file (checkpoint.hpp; layout in docs/reliability.md, "Checkpoint and restart"):
// root attributes for the time and the network's fingerprint, /pending (the last chunk's spikes),
// /spikes_per_population, and per population /populations/<k> (attribute label) with flat
// datasets state [n x width], current [n] and input [n x 2 x slots], row = neuron id.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <hdf5.h>

#include <neuromesh/core/checkpoint.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_writer.hpp>

namespace neuromesh {
namespace {

using io::detail::hdf5_id;
using io::detail::hdf5_quiet;

constexpr const char* format_name = "neuromesh checkpoint";
constexpr std::uint32_t format_version = 2;  // 2: /synapses, /weight_events (1 had neither)

// Every HDF5 call of this file goes through one of these: a failure names the file and the object.
hdf5_id must(hid_t id, const std::string& path, const std::string& what) {
  if (id < 0) throw io_error(path, "cannot " + what + " (not a neuromesh checkpoint, or damaged)");
  return hdf5_id(id);
}
void must(herr_t rc, const std::string& path, const std::string& what) {
  if (rc < 0) throw io_error(path, "cannot " + what + " (not a neuromesh checkpoint, or damaged)");
}

// The memory type and the little-endian file type of T.
template <class T>
std::pair<hid_t, hid_t> h5_types() {
  if constexpr (std::is_same_v<T, double>) return {H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE};
  if constexpr (std::is_same_v<T, std::int64_t>) return {H5T_NATIVE_INT64, H5T_STD_I64LE};
  if constexpr (std::is_same_v<T, std::uint64_t>) return {H5T_NATIVE_UINT64, H5T_STD_U64LE};
  if constexpr (std::is_same_v<T, std::uint32_t>) return {H5T_NATIVE_UINT32, H5T_STD_U32LE};
}
template <class T>
hid_t native() {
  return h5_types<T>().first;
}
template <class T>
hid_t stored() {
  return h5_types<T>().second;
}

template <class T>
void write_attr(hid_t obj, const char* name, const T* v, hsize_t n, const std::string& path) {
  hdf5_id space = must(n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), path, "create a dataspace");
  hdf5_id a = must(H5Acreate2(obj, name, stored<T>(), space.get(), H5P_DEFAULT, H5P_DEFAULT), path,
                   std::string("create attribute ") + name);
  must(H5Awrite(a.get(), native<T>(), v), path, std::string("write attribute ") + name);
}

void write_text_attr(hid_t obj, const char* name, const std::string& value, const std::string& path) {
  hdf5_id type = must(H5Tcopy(H5T_C_S1), path, "copy a string type");
  must(H5Tset_size(type.get(), H5T_VARIABLE), path, "make a string type");
  hdf5_id space = must(H5Screate(H5S_SCALAR), path, "create a dataspace");
  hdf5_id a = must(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), path,
                   std::string("create attribute ") + name);
  const char* c = value.c_str();
  must(H5Awrite(a.get(), type.get(), &c), path, std::string("write attribute ") + name);
}

template <class T>
void write_data(hid_t loc, const char* name, const std::vector<T>& v, const std::string& path) {
  const hsize_t n = v.size();
  hdf5_id space = must(H5Screate_simple(1, &n, nullptr), path, "create a dataspace");
  hdf5_id d = must(H5Dcreate2(loc, name, stored<T>(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path,
                   std::string("create dataset ") + name);
  if (n > 0)
    must(H5Dwrite(d.get(), native<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), path,
         std::string("write dataset ") + name);
}

template <class T>
void read_attr(hid_t obj, const std::string& where, const char* name, T* v, hsize_t n, const std::string& path) {
  const std::string what = "read attribute " + where + "@" + name;
  hdf5_id a = must(H5Aopen(obj, name, H5P_DEFAULT), path, what);
  hdf5_id space = must(H5Aget_space(a.get()), path, what);
  if (H5Sget_simple_extent_npoints(space.get()) != static_cast<hssize_t>(n))
    throw io_error(path, "attribute " + where + "@" + name + " has the wrong size (damaged checkpoint)");
  must(H5Aread(a.get(), native<T>(), v), path, what);
}

std::string read_text_attr(hid_t obj, const std::string& where, const char* name, const std::string& path) {
  const std::string what = "read attribute " + where + "@" + name;
  hdf5_id a = must(H5Aopen(obj, name, H5P_DEFAULT), path, what);
  hdf5_id type = must(H5Aget_type(a.get()), path, what);
  if (H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) <= 0)
    throw io_error(path, "attribute " + where + "@" + name + " is not a string (damaged checkpoint)");
  hdf5_id mem = must(H5Tcopy(H5T_C_S1), path, "copy a string type");
  must(H5Tset_size(mem.get(), H5T_VARIABLE), path, "make a string type");
  char* c = nullptr;
  must(H5Aread(a.get(), mem.get(), &c), path, what);
  std::string s = c ? c : "";
  H5free_memory(c);
  return s;
}

// Reads a 1-D dataset that must hold exactly n values.
template <class T>
std::vector<T> read_data(hid_t loc, const std::string& where, const char* name, std::uint64_t n,
                         const std::string& path) {
  const std::string full = where + "/" + name;
  hdf5_id d = must(H5Dopen2(loc, name, H5P_DEFAULT), path, "open dataset " + full);
  hdf5_id space = must(H5Dget_space(d.get()), path, "read the shape of " + full);
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(space.get()) != 1 || H5Sget_simple_extent_dims(space.get(), dims, nullptr) != 1 ||
      dims[0] != n)
    throw io_error(path, "dataset " + full + " holds " + std::to_string(dims[0]) +
                             " values where the checkpoint needs " + std::to_string(n) +
                             " (damaged, or written for another network)");
  std::vector<T> v(n);
  if (n > 0) must(H5Dread(d.get(), native<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), path, "read dataset " + full);
  return v;
}

void write_root(hid_t f, const checkpoint_data& c, const std::string& path) {
  write_text_attr(f, "format", format_name, path);
  write_attr(f, "format_version", &format_version, 1, path);
  const std::int64_t step = c.step;
  write_attr(f, "step", &step, 1, path);
  const double time_ms = static_cast<double>(c.step) * c.fingerprint.dt;
  write_attr(f, "time_ms", &time_ms, 1, path);
  write_attr(f, "dt_ms", &c.fingerprint.dt, 1, path);
  write_attr(f, "seed", &c.fingerprint.seed, 1, path);
  write_text_attr(f, "precision", c.fingerprint.precision, path);
  write_attr(f, "fingerprint", c.fingerprint.parts.data(), c.fingerprint.parts.size(), path);
  write_attr(f, "spikes", &c.spikes, 1, path);
  write_attr(f, "runs", &c.runs, 1, path);
  write_attr(f, "simulate_seconds", &c.simulate_seconds, 1, path);
}

void write_contents(hid_t f, const checkpoint_data& c, const network& net, const std::string& path) {
  write_root(f, c, path);
  hdf5_id pending = must(H5Gcreate2(f, "pending", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "create /pending");
  std::vector<std::int64_t> steps;
  std::vector<std::uint32_t> gids;
  for (const spike& s : c.pending) steps.push_back(s.step), gids.push_back(s.gid);
  write_data(pending.get(), "steps", steps, path);
  write_data(pending.get(), "gids", gids, path);
  write_data(f, "spikes_per_population", c.spikes_per_population, path);
  hdf5_id pops = must(H5Gcreate2(f, "populations", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "create /populations");
  for (std::size_t p = 0; p < net.populations.size(); ++p) {
    const population_state& s = c.populations.at(p);
    hdf5_id g = must(H5Gcreate2(pops.get(), std::to_string(p).c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path,
                     "create /populations/" + std::to_string(p));
    write_text_attr(g.get(), "label", net.populations[p].label, path);
    write_attr(g.get(), "width", &s.width, 1, path);
    write_attr(g.get(), "slots", &s.slots, 1, path);
    write_data(g.get(), "state", s.state, path);
    write_data(g.get(), "current", s.current, path);
    write_data(g.get(), "input", s.input, path);
  }
  hdf5_id synapses = must(H5Gcreate2(f, "synapses", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "create /synapses");
  for (std::size_t k = 0; k < c.synapses.size(); ++k) {
    const synapse_state& s = c.synapses[k];
    if (s.empty()) continue;  // a static projection
    const std::string where = "/synapses/" + std::to_string(k);
    hdf5_id g = must(H5Gcreate2(synapses.get(), std::to_string(k).c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path,
                     "create " + where);
    write_text_attr(g.get(), "synapse_model", net.projections.at(k).synapse, path);
    const std::uint32_t widths[4] = {s.pre_width, s.post_width, s.entry_width, s.synapse_width};
    write_attr(g.get(), "widths", widths, 4, path);
    write_data(g.get(), "pre", s.pre, path);
    write_data(g.get(), "post", s.post, path);
    write_data(g.get(), "entries_per_post", s.entries_per_post, path);
    write_data(g.get(), "entries", s.entries, path);
    write_data(g.get(), "synapses_per_post", s.synapses_per_post, path);
    write_data(g.get(), "synapses", s.synapses, path);
  }
  write_data(f, "weight_events", c.weight_events, path);
}

// The data reach the disk before the rename makes them the checkpoint.
void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    throw io_error(path, "cannot sync the checkpoint to disk");
  }
  ::close(fd);
}

// /synapses/<k> for the projections with run-time state (absent: static, or a version 1 file),
// and the weight recorders' event counts.
void read_synapse_state(hid_t r, const network& net, checkpoint_data& c, const std::string& path) {
  c.synapses.assign(net.projections.size(), synapse_state{});
  const bool any = H5Lexists(r, "synapses", H5P_DEFAULT) > 0;
  hdf5_id top;
  if (any) top = must(H5Gopen2(r, "synapses", H5P_DEFAULT), path, "open group /synapses");
  for (std::size_t k = 0; k < net.projections.size() && any; ++k) {
    const std::string name = std::to_string(k), where = "/synapses/" + name;
    if (H5Lexists(top.get(), name.c_str(), H5P_DEFAULT) <= 0) continue;
    hdf5_id g = must(H5Gopen2(top.get(), name.c_str(), H5P_DEFAULT), path, "open group " + where);
    const projection& proj = net.projections[k];
    if (read_text_attr(g.get(), where, "synapse_model", path) != proj.synapse)
      throw io_error(path, "group " + where + " is not the state of a " + proj.synapse + " projection (damaged)");
    synapse_state& s = c.synapses[k];
    std::uint32_t widths[4] = {0, 0, 0, 0};
    read_attr(g.get(), where, "widths", widths, 4, path);
    for (std::uint32_t w : widths)
      if (w > 64) throw io_error(path, "group " + where + " declares an implausible width (damaged)");
    s.pre_width = widths[0], s.post_width = widths[1], s.entry_width = widths[2], s.synapse_width = widths[3];
    const std::uint64_t n_pre = net.populations[net.population_index(proj.pre, where)].size;
    const std::uint64_t n_post = net.populations[net.population_index(proj.post, where)].size;
    const bool per_post = s.post_width + s.entry_width + s.synapse_width > 0;
    s.pre = read_data<double>(g.get(), where, "pre", n_pre * s.pre_width, path);
    s.post = read_data<double>(g.get(), where, "post", per_post ? n_post * s.post_width : 0, path);
    s.entries_per_post = read_data<std::uint64_t>(g.get(), where, "entries_per_post", per_post ? n_post : 0, path);
    s.synapses_per_post = read_data<std::uint64_t>(g.get(), where, "synapses_per_post", per_post ? n_post : 0, path);
    std::uint64_t entries = 0, synapses = 0;
    for (std::uint64_t n : s.entries_per_post) entries += n;
    for (std::uint64_t n : s.synapses_per_post) synapses += n;
    s.entries = read_data<double>(g.get(), where, "entries", entries * s.entry_width, path);
    s.synapses = read_data<double>(g.get(), where, "synapses", synapses * s.synapse_width, path);
  }
  c.weight_events.assign(net.weight_recorders.size(), 0);
  if (H5Lexists(r, "weight_events", H5P_DEFAULT) > 0)
    c.weight_events = read_data<std::uint64_t>(r, "", "weight_events", net.weight_recorders.size(), path);
}

}  // namespace

void write_checkpoint_file(const std::string& path, const checkpoint_data& data, const network& net) {
  hdf5_quiet quiet;
  const std::string tmp = path + ".tmp";
  {
    hdf5_id f(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    if (!f.valid()) throw io_error(tmp, "cannot create the checkpoint (missing or read-only directory?)");
    try {
      write_contents(f.get(), data, net, tmp);
    } catch (...) {
      f.reset();
      std::remove(tmp.c_str());
      throw;
    }
    if (!f.reset()) {
      std::remove(tmp.c_str());
      throw io_error(tmp, "HDF5 could not finish writing the checkpoint (disk full?)");
    }
  }
  sync_file(tmp);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw io_error(path, "cannot move the finished checkpoint " + tmp + " into place: " + ec.message());
}

checkpoint_data read_checkpoint_file(const std::string& path) {
  hdf5_quiet quiet;
  if (!std::filesystem::exists(path)) throw io_error(path, "no such checkpoint file");
  hdf5_id f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!f.valid()) throw io_error(path, "cannot open the checkpoint (not an HDF5 file, or truncated)");
  const hid_t r = f.get();
  if (H5Aexists(r, "format") <= 0 || read_text_attr(r, "", "format", path) != format_name)
    throw io_error(path, "not a neuromesh checkpoint (no root attribute format = \"neuromesh checkpoint\")");
  std::uint32_t version = 0;
  read_attr(r, "", "format_version", &version, 1, path);
  if (version != format_version && version != 1)
    throw io_error(path, "checkpoint format version " + std::to_string(version) + "; this neuromesh reads version " +
                             std::to_string(format_version));
  checkpoint_data c;
  std::int64_t step = 0;
  read_attr(r, "", "step", &step, 1, path);
  if (step < 0) throw io_error(path, "attribute step is negative (damaged checkpoint)");
  c.step = step;
  read_attr(r, "", "dt_ms", &c.fingerprint.dt, 1, path);
  read_attr(r, "", "seed", &c.fingerprint.seed, 1, path);
  c.fingerprint.precision = read_text_attr(r, "", "precision", path);
  read_attr(r, "", "fingerprint", c.fingerprint.parts.data(), c.fingerprint.parts.size(), path);
  read_attr(r, "", "spikes", &c.spikes, 1, path);
  read_attr(r, "", "runs", &c.runs, 1, path);
  read_attr(r, "", "simulate_seconds", &c.simulate_seconds, 1, path);
  return c;  // the rest once the caller has checked the fingerprint: read_checkpoint_state
}

void read_checkpoint_state(const std::string& path, const network& net, checkpoint_data& c) {
  hdf5_quiet quiet;
  hdf5_id f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!f.valid()) throw io_error(path, "cannot open the checkpoint (not an HDF5 file, or truncated)");
  const hid_t r = f.get();
  hdf5_id pending = must(H5Gopen2(r, "pending", H5P_DEFAULT), path, "open group /pending");
  hdf5_id space;
  {
    hdf5_id d = must(H5Dopen2(pending.get(), "steps", H5P_DEFAULT), path, "open dataset /pending/steps");
    space = must(H5Dget_space(d.get()), path, "read the shape of /pending/steps");
  }
  const auto m = static_cast<std::uint64_t>(std::max<hssize_t>(0, H5Sget_simple_extent_npoints(space.get())));
  const auto steps = read_data<std::int64_t>(pending.get(), "/pending", "steps", m, path);
  const auto gids = read_data<std::uint32_t>(pending.get(), "/pending", "gids", m, path);
  const gid_t n_neurons = net.offsets().back();
  for (std::uint64_t k = 0; k < m; ++k) {
    if (gids[k] >= n_neurons || steps[k] < 0 || steps[k] >= c.step)
      throw io_error(path, "dataset /pending holds a spike (step " + std::to_string(steps[k]) + ", gid " +
                               std::to_string(gids[k]) + ") outside the network or the time saved (damaged)");
    c.pending.push_back({steps[k], gids[k]});
  }
  c.spikes_per_population = read_data<std::uint64_t>(r, "", "spikes_per_population", net.populations.size(), path);
  c.populations.resize(net.populations.size());
  for (std::size_t p = 0; p < net.populations.size(); ++p) {
    const std::string where = "/populations/" + std::to_string(p);
    hdf5_id g = must(H5Gopen2(r, where.c_str(), H5P_DEFAULT), path, "open group " + where);
    if (read_text_attr(g.get(), where, "label", path) != net.populations[p].label)
      throw io_error(path, "group " + where + " is not population " + net.populations[p].label + " (damaged)");
    population_state& s = c.populations[p];
    read_attr(g.get(), where, "width", &s.width, 1, path);
    read_attr(g.get(), where, "slots", &s.slots, 1, path);
    const std::uint64_t n = net.populations[p].size;
    if (s.width > 4096 || s.slots > (1u << 24))
      throw io_error(path, "group " + where + " declares an implausible width or slot count (damaged)");
    s.state = read_data<double>(g.get(), where, "state", n * s.width, path);
    s.current = read_data<double>(g.get(), where, "current", n, path);
    s.input = read_data<fixed_t>(g.get(), where, "input", n * n_receptors * s.slots, path);
  }
  read_synapse_state(r, net, c, path);
}

}  // namespace neuromesh

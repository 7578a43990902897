// Checkpoint contents that do not touch HDF5: the network fingerprint and the byte form in which
// ranks send their neurons' state to rank 0 (io/checkpoint_file.cpp writes and reads the file).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <type_traits>

#include <neuromesh/core/checkpoint.hpp>
#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/errors.hpp>

namespace neuromesh {
namespace {

// 64-bit FNV-1a over a canonical byte form of the description (lengths before contents, so
// sections cannot run into each other).
class hasher {
 public:
  std::uint64_t value() const { return h_; }
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h_ = (h_ ^ b[i]) * 0x100000001b3ull;
  }
  template <class T>
  requires std::is_arithmetic_v<T> || std::is_enum_v<T>
  void add(T v) { bytes(&v, sizeof v); }
  void add(const std::string& s) {
    add(s.size());
    bytes(s.data(), s.size());
  }
  template <class T>
  void add(const std::vector<T>& v) {
    add(v.size());
    for (const T& x : v) add(x);
  }
  void add(const distribution& d) { add(d.type), add(d.a), add(d.b), add(d.low), add(d.high), add(d.magnitude_sign); }
  void add(const value_spec& v) {
    add(v.index());
    std::visit([this](const auto& x) { add(x); }, v);
  }
  void add(const std::map<std::string, value_spec>& m) {
    add(m.size());
    for (const auto& [k, v] : m) add(k), add(v);
  }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

std::uint64_t hash_populations(const network& net) {
  hasher h;
  for (const population& p : net.populations) {
    h.add(p.label), h.add(p.size), h.add(p.model), h.add(p.params), h.add(p.initial);
    h.add(p.spike_times.size());
    for (const auto& t : p.spike_times) h.add(t);
    h.add(p.allow_offgrid_times);
  }
  return h.value();
}

std::uint64_t hash_projections(const network& net) {
  hasher h;
  for (const projection& p : net.projections) {
    h.add(p.pre), h.add(p.post), h.add(p.pre_view.begin), h.add(p.pre_view.end);
    h.add(p.post_view.begin), h.add(p.post_view.end);
    const connector& c = p.conn;
    h.add(c.type), h.add(c.p), h.add(c.sigma), h.add(c.n), h.add(c.autapses), h.add(c.multapses);
    h.add(c.sources), h.add(c.targets);
    if (c.type == connector::kind::sonata) {  // (other connectors keep their fingerprint)
      const sonata_edges& e = c.edges;
      h.add(e.file), h.add(e.population), h.add(e.source_first), h.add(e.target_first), h.add(e.source_nodes);
      h.add(e.target_nodes), h.add(e.edge_types), h.add(e.type_weight), h.add(e.type_delay), h.add(e.sign);
    }
    if (c.type == connector::kind::conv2d) {
      const conv2d_geometry& g = c.conv;
      h.add(std::vector<std::uint32_t>(g.input.begin(), g.input.end()));
      h.add(std::vector<std::uint32_t>(g.kernel_shape.begin(), g.kernel_shape.end()));
      h.add(std::vector<std::uint32_t>{g.stride[0], g.stride[1], g.padding[0], g.padding[1], g.dilation[0],
                                       g.dilation[1], g.groups});
      h.add(g.kernel);
    }
    h.add(p.synapse), h.add(p.weight), h.add(p.delay), h.add(p.target);
    if (!p.synapse_parameters.empty()) {  // (static projections keep their fingerprint)
      h.add(p.synapse_parameters.size());
      for (const auto& [name, value] : p.synapse_parameters) h.add(name), h.add(value);
    }
  }
  return h.value();
}

std::uint64_t hash_stimuli(const network& net) {
  hasher h;
  for (const stimulus& s : net.stimuli) {
    h.add(s.type), h.add(s.target), h.add(s.rate), h.add(s.weight), h.add(s.target_receptor);
    h.add(s.amplitude), h.add(s.start), h.add(s.stop);
    // NEST's other devices and an explicit delay (networks with neither keep their fingerprint).
    const bool older = s.type == stimulus::kind::poisson_generator || s.type == stimulus::kind::dc_source;
    if (!older || !std::isnan(s.delay)) {
      h.add(s.delay), h.add(s.times), h.add(s.values), h.add(s.allow_offgrid_times), h.add(s.offset);
      h.add(s.frequency), h.add(s.phase), h.add(s.mean), h.add(s.std_dev), h.add(s.std_mod), h.add(s.dt);
      h.add(s.individual_spike_trains);
    }
  }
  return h.value();
}

std::uint64_t hash_recorders(const network& net) {
  hasher h;
  for (const recorder& r : net.recorders) {
    h.add(r.population), h.add(r.variable), h.add(r.interval), h.add(r.ids);
    if (r.windowed()) h.add(r.start), h.add(r.stop);  // (unwindowed recorders keep their fingerprint)
  }
  if (!net.weight_recorders.empty()) {  // (networks without any keep their fingerprint)
    h.add(net.weight_recorders.size());
    for (const weight_recorder& r : net.weight_recorders)
      h.add(r.projection), h.add(r.pre), h.add(r.post), h.add(r.label);
  }
  return h.value();
}

template <class T>
void put(std::vector<std::uint8_t>& out, const T* p, std::size_t n) {
  if (n == 0) return;  // p may be null (an empty vector)
  const auto* b = reinterpret_cast<const std::uint8_t*>(p);
  out.insert(out.end(), b, b + n * sizeof(T));
}

// Reads n values of T from the front of `in`, which shrinks; internal_error if it is too short
// (the bytes come from our own ranks, never from a file).
template <class T>
void take(std::span<const std::uint8_t>& in, T* p, std::size_t n) {
  if (in.size() < n * sizeof(T)) throw internal_error("checkpoint: a rank's state message is truncated");
  if (n == 0) return;  // p may be an empty vector's null data(): memcpy's arguments must not be null
  std::memcpy(p, in.data(), n * sizeof(T));
  in = in.subspan(n * sizeof(T));
}

}  // namespace

network_fingerprint fingerprint_of(const network& net, precision prec) {
  network_fingerprint f;
  f.dt = net.dt;
  f.seed = net.seed;
  f.precision = prec == precision::double_precision ? "double" : "float";
  f.parts = {hash_populations(net), hash_projections(net), hash_stimuli(net), hash_recorders(net)};
  return f;
}

void check_same_network(const network_fingerprint& saved, const network_fingerprint& now, const std::string& path) {
  const std::string refuse = "checkpoint '" + path + "' belongs to another run: ";
  const std::string advice = "; resume with the same network and options as the run that wrote it";
  if (saved.dt != now.dt)
    throw config_error("resume", refuse + "dt " + std::to_string(saved.dt) + " ms there, " + std::to_string(now.dt) +
                                     " ms here" + advice);
  if (saved.seed != now.seed)
    throw config_error("resume", refuse + "seed " + std::to_string(saved.seed) + " there, " + std::to_string(now.seed) +
                                     " here" + advice);
  if (saved.precision != now.precision)
    throw config_error("resume", refuse + "precision " + saved.precision + " there, " + now.precision + " here" +
                                     " (--double)" + advice);
  for (std::size_t k = 0; k < saved.parts.size(); ++k)
    if (saved.parts[k] != now.parts[k])
      throw config_error("resume", refuse + "the network's " + network_fingerprint::part_names[k] +
                                       " differ from those it was written for" + advice);
}

// Per population: count, width, slots, then ids, state, current, input.
void append_bytes(const std::vector<population_state>& states, std::vector<std::uint8_t>& out) {
  for (const population_state& s : states) {
    const std::uint64_t rows = s.rows();
    put(out, &rows, 1);
    put(out, &s.width, 1);
    put(out, &s.slots, 1);
    put(out, s.ids.data(), s.ids.size());
    put(out, s.state.data(), s.state.size());
    put(out, s.current.data(), s.current.size());
    put(out, s.input.data(), s.input.size());
  }
}

// Appends one rank's pieces to `merged` (ids still explicit); finish_merge orders them by id.
void merge_bytes(std::span<const std::uint8_t> bytes, const network& net, std::vector<population_state>& merged) {
  merged.resize(net.populations.size());
  for (std::size_t p = 0; p < net.populations.size(); ++p) {
    std::uint64_t rows = 0;
    population_state piece;
    take(bytes, &rows, 1);
    take(bytes, &piece.width, 1);
    take(bytes, &piece.slots, 1);
    piece.ids.resize(rows);
    piece.state.resize(rows * piece.width);
    piece.current.resize(rows);
    piece.input.resize(rows * n_receptors * piece.slots);
    take(bytes, piece.ids.data(), piece.ids.size());
    take(bytes, piece.state.data(), piece.state.size());
    take(bytes, piece.current.data(), piece.current.size());
    take(bytes, piece.input.data(), piece.input.size());
    population_state& m = merged[p];
    if (rows > 0 && m.rows() > 0 && m.width != piece.width)
      throw internal_error("checkpoint: ranks disagree on the state width of " + net.populations[p].label);
    if (rows > 0) m.width = piece.width;
    // Input slots: pad the narrower to the wider (a rank sizes its ring by its own largest delay).
    const std::uint32_t slots = std::max(m.slots, piece.slots);
    auto widen = [](population_state& s, std::uint32_t to) {
      if (s.slots == to) return;
      std::vector<fixed_t> wide(s.rows() * n_receptors * to, 0);
      for (std::size_t r = 0; r < s.rows() * n_receptors; ++r)
        std::copy_n(s.input.begin() + static_cast<std::ptrdiff_t>(r * s.slots), s.slots,
                    wide.begin() + static_cast<std::ptrdiff_t>(r * to));
      s.input.swap(wide);
      s.slots = to;
    };
    widen(m, slots);
    widen(piece, slots);
    m.ids.insert(m.ids.end(), piece.ids.begin(), piece.ids.end());
    m.state.insert(m.state.end(), piece.state.begin(), piece.state.end());
    m.current.insert(m.current.end(), piece.current.begin(), piece.current.end());
    m.input.insert(m.input.end(), piece.input.begin(), piece.input.end());
  }
  if (!bytes.empty()) throw internal_error("checkpoint: a rank's state message is longer than its populations");
}

// Sorts each population's rows by id and checks that every neuron is there exactly once.
void finish_merge(const network& net, std::vector<population_state>& merged) {
  merged.resize(net.populations.size());
  for (std::size_t p = 0; p < net.populations.size(); ++p) {
    population_state& m = merged[p];
    const std::size_t n = net.populations[p].size;
    std::vector<std::size_t> order(m.rows());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return m.ids[a] < m.ids[b]; });
    for (std::size_t r = 0; r < order.size(); ++r)
      if (m.ids[order[r]] != r || order.size() != n)
        throw internal_error("checkpoint: the engines hold " + std::to_string(order.size()) + " neurons of " +
                             net.populations[p].label + ", not each of its " + std::to_string(n) + " once");
    population_state s;
    s.width = m.width;
    s.slots = m.slots;
    const std::size_t in = static_cast<std::size_t>(n_receptors) * m.slots;
    for (std::size_t r : order) {
      s.state.insert(s.state.end(), m.state.begin() + static_cast<std::ptrdiff_t>(r * m.width),
                     m.state.begin() + static_cast<std::ptrdiff_t>((r + 1) * m.width));
      s.current.push_back(m.current[r]);
      s.input.insert(s.input.end(), m.input.begin() + static_cast<std::ptrdiff_t>(r * in),
                     m.input.begin() + static_cast<std::ptrdiff_t>((r + 1) * in));
    }
    m = std::move(s);  // ids empty: row = id
  }
}

// Per projection: the four widths, the counts (pre rows, post rows, entry values, synapse values),
// then pre_ids, pre, post_ids, post, entries_per_post, entries, synapses_per_post, synapses.
void append_synapse_bytes(const std::vector<synapse_state>& pieces, std::vector<std::uint8_t>& out) {
  for (const synapse_state& s : pieces) {
    const std::uint32_t widths[4] = {s.pre_width, s.post_width, s.entry_width, s.synapse_width};
    const std::uint64_t counts[4] = {s.pre_ids.size(), s.post_ids.size(), s.entries.size(), s.synapses.size()};
    put(out, widths, 4);
    put(out, counts, 4);
    put(out, s.pre_ids.data(), s.pre_ids.size());
    put(out, s.pre.data(), s.pre.size());
    put(out, s.post_ids.data(), s.post_ids.size());
    put(out, s.post.data(), s.post.size());
    put(out, s.entries_per_post.data(), s.entries_per_post.size());
    put(out, s.entries.data(), s.entries.size());
    put(out, s.synapses_per_post.data(), s.synapses_per_post.size());
    put(out, s.synapses.data(), s.synapses.size());
  }
}

void merge_synapse_bytes(std::span<const std::uint8_t> bytes, const network& net, std::vector<synapse_state>& merged) {
  merged.resize(net.projections.size());
  for (std::size_t k = 0; k < net.projections.size() && !bytes.empty(); ++k) {
    std::uint32_t widths[4];
    std::uint64_t counts[4];
    take(bytes, widths, 4);
    take(bytes, counts, 4);
    synapse_state piece;
    piece.pre_width = widths[0], piece.post_width = widths[1], piece.entry_width = widths[2];
    piece.synapse_width = widths[3];
    piece.pre_ids.resize(counts[0]);
    piece.pre.resize(counts[0] * piece.pre_width);
    piece.post_ids.resize(counts[1]);
    piece.post.resize(counts[1] * piece.post_width);
    piece.entries_per_post.resize(counts[1]);
    piece.entries.resize(counts[2]);
    piece.synapses_per_post.resize(counts[1]);
    piece.synapses.resize(counts[3]);
    take(bytes, piece.pre_ids.data(), piece.pre_ids.size());
    take(bytes, piece.pre.data(), piece.pre.size());
    take(bytes, piece.post_ids.data(), piece.post_ids.size());
    take(bytes, piece.post.data(), piece.post.size());
    take(bytes, piece.entries_per_post.data(), piece.entries_per_post.size());
    take(bytes, piece.entries.data(), piece.entries.size());
    take(bytes, piece.synapses_per_post.data(), piece.synapses_per_post.size());
    take(bytes, piece.synapses.data(), piece.synapses.size());
    synapse_state& m = merged[k];
    if (piece.empty()) continue;
    if (!m.empty() && (m.pre_width != piece.pre_width || m.post_width != piece.post_width ||
                       m.entry_width != piece.entry_width || m.synapse_width != piece.synapse_width))
      throw internal_error("checkpoint: ranks disagree on the synapse state of projections[" + std::to_string(k) + "]");
    m.pre_width = piece.pre_width, m.post_width = piece.post_width, m.entry_width = piece.entry_width;
    m.synapse_width = piece.synapse_width;
    auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
    append(m.pre_ids, piece.pre_ids);
    append(m.pre, piece.pre);
    append(m.post_ids, piece.post_ids);
    append(m.post, piece.post);
    append(m.entries_per_post, piece.entries_per_post);
    append(m.entries, piece.entries);
    append(m.synapses_per_post, piece.synapses_per_post);
    append(m.synapses, piece.synapses);
  }
  if (!bytes.empty()) throw internal_error("checkpoint: a rank's synapse state message is longer than its projections");
}

// Row = id: sources once (every shard holding synapses of a source keeps the same state for it: a
// difference is a bug), every post neuron exactly once, its history and synapses after it.
void finish_synapse_merge(const network& net, std::vector<synapse_state>& merged) {
  merged.resize(net.projections.size());
  for (std::size_t k = 0; k < net.projections.size(); ++k) {
    synapse_state& m = merged[k];
    if (m.empty()) {
      m = synapse_state{};
      continue;
    }
    const std::string where = "projections[" + std::to_string(k) + "]";
    const projection& proj = net.projections[k];
    const std::size_t n_pre = net.populations[net.population_index(proj.pre, where)].size;
    const std::size_t n_post = net.populations[net.population_index(proj.post, where)].size;
    synapse_state s;
    s.pre_width = m.pre_width, s.post_width = m.post_width, s.entry_width = m.entry_width;
    s.synapse_width = m.synapse_width;
    s.pre.assign(n_pre * s.pre_width, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < m.pre_ids.size(); ++i) {
      const double* from = m.pre.data() + i * s.pre_width;
      double* to = s.pre.data() + static_cast<std::size_t>(m.pre_ids[i]) * s.pre_width;
      if (std::isnan(to[0]))
        std::copy_n(from, s.pre_width, to);
      else if (std::memcmp(to, from, s.pre_width * sizeof(double)) != 0)
        throw internal_error("checkpoint: shards disagree on the state of source " + std::to_string(m.pre_ids[i]) +
                             " of " + where);
    }
    if (s.post_width + s.entry_width + s.synapse_width > 0) {
      std::vector<std::size_t> order(m.post_ids.size());
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return m.post_ids[a] < m.post_ids[b]; });
      std::vector<std::uint64_t> entry_at(order.size() + 1, 0), synapse_at(order.size() + 1, 0);
      for (std::size_t i = 0; i < order.size(); ++i) {
        entry_at[i + 1] = entry_at[i] + m.entries_per_post[i] * s.entry_width;
        synapse_at[i + 1] = synapse_at[i] + m.synapses_per_post[i] * s.synapse_width;
      }
      for (std::size_t r = 0; r < order.size(); ++r) {
        const std::size_t i = order[r];
        if (m.post_ids[i] != r || order.size() != n_post)
          throw internal_error("checkpoint: the engines hold " + std::to_string(order.size()) + " post neurons of " +
                               where + ", not each of its " + std::to_string(n_post) + " once");
        s.post.insert(s.post.end(), m.post.begin() + static_cast<std::ptrdiff_t>(i * s.post_width),
                      m.post.begin() + static_cast<std::ptrdiff_t>((i + 1) * s.post_width));
        s.entries_per_post.push_back(m.entries_per_post[i]);
        s.entries.insert(s.entries.end(), m.entries.begin() + static_cast<std::ptrdiff_t>(entry_at[i]),
                         m.entries.begin() + static_cast<std::ptrdiff_t>(entry_at[i + 1]));
        s.synapses_per_post.push_back(m.synapses_per_post[i]);
        s.synapses.insert(s.synapses.end(), m.synapses.begin() + static_cast<std::ptrdiff_t>(synapse_at[i]),
                          m.synapses.begin() + static_cast<std::ptrdiff_t>(synapse_at[i + 1]));
      }
    }
    m = std::move(s);
  }
}

}  // namespace neuromesh

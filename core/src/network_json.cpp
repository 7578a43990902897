#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/network_json.hpp>

namespace neuromesh {
namespace {

using json = nlohmann::json;

// A JSON value together with its key path, so every error can say where it is.
struct node {
  const json& j;
  std::string path;

  node at(const std::string& key) const {
    if (!j.contains(key)) throw config_error(path, "missing required key '" + key + "'");
    return {j.at(key), join(key)};
  }
  bool has(const std::string& key) const { return j.contains(key); }
  node operator[](std::size_t i) const { return {j.at(i), path + "[" + std::to_string(i) + "]"}; }
  std::string join(const std::string& key) const { return path.empty() ? key : path + "." + key; }

  void expect_object(std::initializer_list<const char*> allowed) const {
    if (!j.is_object()) throw config_error(path, "expected an object");
    const std::set<std::string> ok(allowed.begin(), allowed.end());
    for (const auto& item : j.items())
      if (!ok.count(item.key())) {
        std::string list;
        for (const auto& a : ok) list += (list.empty() ? "" : ", ") + a;
        throw config_error(join(item.key()), "unknown key (allowed: " + list + ")");
      }
  }
  const json& array() const {
    if (!j.is_array()) throw config_error(path, "expected an array");
    return j;
  }
  double number() const {
    if (!j.is_number()) throw config_error(path, "expected a number");
    return j.get<double>();
  }
  std::uint64_t count() const {
    if (!j.is_number_integer() || (j.is_number_integer() && !j.is_number_unsigned() && j.get<std::int64_t>() < 0))
      throw config_error(path, "expected a non-negative integer");
    return j.get<std::uint64_t>();
  }
  // A neuron count or index: 32-bit in the core, so larger values are errors, never wrapped.
  index_t index() const {
    const std::uint64_t v = count();
    if (v > std::numeric_limits<index_t>::max() - 1)
      throw config_error(path, std::to_string(v) + " exceeds the largest neuron count or index (" +
                                   std::to_string(std::numeric_limits<index_t>::max() - 1) + ")");
    return static_cast<index_t>(v);
  }
  std::string text() const {
    if (!j.is_string()) throw config_error(path, "expected a string");
    return j.get<std::string>();
  }
  bool flag() const {
    if (!j.is_boolean()) throw config_error(path, "expected true or false");
    return j.get<bool>();
  }
};

double number_or(const node& n, const char* key, double fallback) { return n.has(key) ? n.at(key).number() : fallback; }

value_spec parse_value(const node& n) {
  if (n.j.is_number()) return n.number();
  // JSON has no infinities; "-inf" spells NEST's default V_min (no lower bound). Which parameters
  // may be infinite is decided by validation (validate_value), not here.
  if (n.j.is_string() && n.j.get<std::string>() == "-inf") return -std::numeric_limits<double>::infinity();
  if (n.j.is_array()) {
    std::vector<double> v;
    for (std::size_t i = 0; i < n.j.size(); ++i) v.push_back(n[i].number());
    return v;
  }
  if (!n.j.is_object())
    throw config_error(n.path, "expected a number, \"-inf\", an array of numbers or a distribution object");
  distribution d;
  const std::string kind = n.at("distribution").text();
  if (kind == "uniform") {
    n.expect_object({"distribution", "low", "high"});
    d.type = distribution::kind::uniform;
    d.a = n.at("low").number();
    d.b = n.at("high").number();
    return d;
  }
  if (kind == "normal") {
    n.expect_object({"distribution", "mean", "std", "min", "max"});
    d.type = distribution::kind::normal;
    d.a = n.at("mean").number();
    d.b = n.at("std").number();
  } else if (kind == "exponential") {
    n.expect_object({"distribution", "mean", "min", "max"});
    d.type = distribution::kind::exponential;
    d.a = n.at("mean").number();
  } else if (kind == "lognormal") {
    n.expect_object({"distribution", "mu", "sigma", "min", "max"});
    d.type = distribution::kind::lognormal;
    d.a = n.at("mu").number();
    d.b = n.at("sigma").number();
  } else {
    throw config_error(n.join("distribution"),
                       "unknown distribution '" + kind + "' (known: uniform, normal, exponential, lognormal)");
  }
  d.low = number_or(n, "min", d.low);
  d.high = number_or(n, "max", d.high);
  return d;
}

std::map<std::string, value_spec> parse_values(const node& n) {
  if (!n.j.is_object()) throw config_error(n.path, "expected an object of name: value");
  std::map<std::string, value_spec> out;
  for (const auto& item : n.j.items()) out[item.key()] = parse_value({item.value(), n.join(item.key())});
  return out;
}

population parse_population(const node& n) {
  n.expect_object({"label", "size", "model", "params", "initial", "spike_times", "allow_offgrid_times"});
  population p;
  p.label = n.at("label").text();
  p.size = n.at("size").index();
  p.model = n.at("model").text();
  if (n.has("params")) p.params = parse_values(n.at("params"));
  if (n.has("initial")) p.initial = parse_values(n.at("initial"));
  if (n.has("spike_times")) {
    const node st = n.at("spike_times");
    for (std::size_t i = 0; i < st.array().size(); ++i) {
      std::vector<double> times;
      for (std::size_t k = 0; k < st[i].array().size(); ++k) times.push_back(st[i][k].number());
      p.spike_times.push_back(std::move(times));
    }
  }
  if (n.has("allow_offgrid_times")) p.allow_offgrid_times = n.at("allow_offgrid_times").flag();
  return p;
}

// The "sonata" object of a sonata connector (network.hpp, sonata_edges); null in type_weight /
// type_delay: the type has no value (the file's column is used).
sonata_edges parse_sonata_edges(const node& n) {
  n.expect_object({"file", "population", "source_first", "target_first", "source_nodes", "target_nodes", "edge_types",
                   "type_weight", "type_delay", "sign", "chunk"});
  sonata_edges e;
  e.file = n.at("file").text();
  e.population = n.at("population").text();
  for (auto [key, out] : {std::pair{"source_first", &e.source_first},
                          {"target_first", &e.target_first},
                          {"source_nodes", &e.source_nodes},
                          {"target_nodes", &e.target_nodes},
                          {"chunk", &e.chunk}})
    if (n.has(key)) *out = n.at(key).count();
  for (const char* key : {"source_nodes", "target_nodes"})
    if (!n.has(key)) throw config_error(n.join(key), "the node population's size is needed");
  if (n.has("edge_types")) {
    const node list = n.at("edge_types");
    for (std::size_t i = 0; i < list.array().size(); ++i) {
      if (!list[i].j.is_number_integer()) throw config_error(list[i].path, "expected an integer edge_type_id");
      e.edge_types.push_back(list[i].j.get<std::int64_t>());
    }
  }
  for (auto [key, out] : {std::pair{"type_weight", &e.type_weight}, {"type_delay", &e.type_delay}}) {
    if (!n.has(key)) {
      out->assign(e.edge_types.size(), std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    const node list = n.at(key);
    for (std::size_t i = 0; i < list.array().size(); ++i)
      out->push_back(list[i].j.is_null() ? std::numeric_limits<double>::quiet_NaN() : list[i].number());
  }
  if (n.has("sign")) e.sign = static_cast<int>(number_or(n, "sign", 0.0));
  return e;
}

// The keys of a conv2d connector (core/conv2d.hpp): input_shape [C, H, W], kernel_shape
// [O, C/groups, kh, kw], kernel (flat, C order), stride / padding / dilation (an integer or
// [along H, along W]), groups.
conv2d_geometry parse_conv2d(const node& n) {
  conv2d_geometry g;
  const auto fixed = [&](const char* key, auto& out) {
    const node list = n.at(key);
    if (list.array().size() != out.size())
      throw config_error(list.path, "expected " + std::to_string(out.size()) + " non-negative integers");
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = list[i].index();
  };
  const auto pair = [&](const char* key, std::array<std::uint32_t, 2>& out) {
    if (!n.has(key)) return;
    const node v = n.at(key);
    if (v.j.is_array())
      fixed(key, out);
    else
      out[0] = out[1] = v.index();
  };
  fixed("input_shape", g.input);
  fixed("kernel_shape", g.kernel_shape);
  const node k = n.at("kernel");
  for (std::size_t i = 0; i < k.array().size(); ++i) g.kernel.push_back(k[i].number());
  pair("stride", g.stride);
  pair("padding", g.padding);
  pair("dilation", g.dilation);
  if (n.has("groups")) g.groups = n.at("groups").index();
  return g;
}

connector parse_connector(const node& n) {
  n.expect_object({"type", "p", "n", "sigma", "autapses", "multapses", "sources", "targets", "sonata", "input_shape",
                   "kernel_shape", "kernel", "stride", "padding", "dilation", "groups"});
  connector c;
  const std::string type = n.at("type").text();
  c.type = connector_kind_from_name(type, n.join("type"));
  if (n.has("p")) c.p = n.at("p").number();
  if (n.has("n")) c.n = n.at("n").count();
  if (n.has("autapses")) c.autapses = n.at("autapses").flag();
  if (n.has("multapses")) c.multapses = n.at("multapses").flag();
  for (const char* key : {"sources", "targets"}) {
    if (!n.has(key)) continue;
    auto& out = std::string(key) == "sources" ? c.sources : c.targets;
    const node list = n.at(key);
    for (std::size_t i = 0; i < list.array().size(); ++i) out.push_back(list[i].index());
  }
  if (n.has("sigma")) c.sigma = n.at("sigma").number();
  if (c.type == connector::kind::distance_probability && !n.has("sigma"))
    throw config_error(n.path, "connector '" + type + "' needs 'sigma'");
  const bool needs_p = c.type == connector::kind::fixed_probability || c.type == connector::kind::distance_probability;
  const bool needs_n = c.type == connector::kind::fixed_indegree || c.type == connector::kind::fixed_outdegree ||
                       c.type == connector::kind::fixed_total_number;
  if (needs_p && !n.has("p")) throw config_error(n.path, "connector '" + type + "' needs 'p'");
  if (needs_n && !n.has("n")) throw config_error(n.path, "connector '" + type + "' needs 'n'");
  if (c.type == connector::kind::sonata) {
    if (!n.has("sonata"))
      throw config_error(n.path, "connector 'sonata' needs 'sonata': {\"file\", \"population\", ...}");
    c.edges = parse_sonata_edges(n.at("sonata"));
  } else if (n.has("sonata")) {
    throw config_error(n.join("sonata"), "only connector 'sonata' takes it");
  }
  if (c.type == connector::kind::conv2d) {
    c.conv = parse_conv2d(n);
  } else {
    for (const char* key : {"input_shape", "kernel_shape", "kernel", "stride", "padding", "dilation", "groups"})
      if (n.has(key)) throw config_error(n.join(key), "only connector 'conv2d' takes it");
  }
  return c;
}

receptor parse_receptor(const node& n) { return receptor_from_name(n.text(), n.path); }

// [begin, end) of a population, as two non-negative integers.
view parse_view(const node& n) {
  if (!n.j.is_array() || n.j.size() != 2) throw config_error(n.path, "expected [begin, end]");
  return {n[0].index(), n[1].index()};
}

projection parse_projection(const node& n) {
  n.expect_object({"pre", "post", "pre_slice", "post_slice", "connector", "synapse", "receptor", "receptor_type"});
  projection p;
  p.pre = n.at("pre").text();
  p.post = n.at("post").text();
  if (n.has("pre_slice")) p.pre_view = parse_view(n.at("pre_slice"));
  if (n.has("post_slice")) p.post_view = parse_view(n.at("post_slice"));
  p.conn = parse_connector(n.at("connector"));
  const node syn = n.at("synapse");
  if (!syn.j.is_object()) throw config_error(syn.path, "expected an object {model, weight, delay, ...}");
  if (syn.has("model")) p.synapse = syn.at("model").text();
  p.weight = parse_value(syn.at("weight"));
  p.delay = parse_value(syn.at("delay"));
  // Every other key is a parameter of the synapse model (NEST's syn_spec style: "tau_plus": 20);
  // validate() checks the names against the model.
  for (const auto& [key, value] : syn.j.items())
    if (key != "model" && key != "weight" && key != "delay") p.synapse_parameters[key] = syn.at(key).number();
  if (n.has("receptor")) p.target = parse_receptor(n.at("receptor"));
  // NEST's receptor_type: a multisynapse model's port, 1..n (validate() checks the range).
  if (n.has("receptor_type")) p.receptor_type = static_cast<int>(n.at("receptor_type").index());
  return p;
}

std::vector<double> number_list(const node& n, const char* key) {
  std::vector<double> out;
  if (!n.has(key)) return out;
  const node list = n.at(key);
  for (std::size_t i = 0; i < list.array().size(); ++i) out.push_back(list[i].number());
  return out;
}

bool flag_or(const node& n, const char* key, bool fallback) { return n.has(key) ? n.at(key).flag() : fallback; }

// NEST's names and parameters (docs/network-format.md, "Stimuli"); validate() checks the values.
stimulus parse_stimulus(const node& n) {
  stimulus s;
  const std::string type = n.at("type").text();
  s.type = stimulus_kind_from_name(type, n.join("type"));
  s.target = n.at("target").text();
  switch (s.type) {
    case stimulus::kind::poisson_generator:
      n.expect_object({"type", "target", "rate", "weight", "receptor", "start", "stop", "delay"});
      s.rate = n.at("rate").number();
      break;
    case stimulus::kind::dc_source:
      n.expect_object({"type", "target", "amplitude", "start", "stop", "delay"});
      s.amplitude = n.at("amplitude").number();
      break;
    case stimulus::kind::step_current_generator:
      n.expect_object(
          {"type", "target", "amplitude_times", "amplitude_values", "allow_offgrid_times", "start", "stop", "delay"});
      s.times = number_list(n, "amplitude_times");
      s.values = number_list(n, "amplitude_values");
      break;
    case stimulus::kind::ac_generator:
      n.expect_object({"type", "target", "amplitude", "offset", "frequency", "phase", "start", "stop", "delay"});
      s.amplitude = number_or(n, "amplitude", 0.0);
      break;
    case stimulus::kind::noise_generator:
      n.expect_object(
          {"type", "target", "mean", "std", "dt", "std_mod", "frequency", "phase", "start", "stop", "delay"});
      s.mean = number_or(n, "mean", 0.0);
      s.std_dev = number_or(n, "std", 0.0);
      s.std_mod = number_or(n, "std_mod", 0.0);
      s.dt = number_or(n, "dt", s.dt);
      break;
    case stimulus::kind::inhomogeneous_poisson_generator:
      n.expect_object({"type", "target", "rate_times", "rate_values", "allow_offgrid_times", "weight", "receptor",
                       "start", "stop", "delay"});
      s.times = number_list(n, "rate_times");
      s.values = number_list(n, "rate_values");
      break;
    case stimulus::kind::sinusoidal_poisson_generator:
      n.expect_object({"type", "target", "rate", "amplitude", "frequency", "phase", "individual_spike_trains", "weight",
                       "receptor", "start", "stop", "delay"});
      s.rate = number_or(n, "rate", 0.0);
      s.amplitude = number_or(n, "amplitude", 0.0);
      s.individual_spike_trains = flag_or(n, "individual_spike_trains", true);
      break;
  }
  if (sends_spikes(s.type)) {
    s.weight = n.at("weight").number();
    if (n.has("receptor")) s.target_receptor = parse_receptor(n.at("receptor"));
  }
  s.allow_offgrid_times = flag_or(n, "allow_offgrid_times", false);
  s.offset = number_or(n, "offset", 0.0);
  s.frequency = number_or(n, "frequency", 0.0);
  s.phase = number_or(n, "phase", 0.0);
  s.start = number_or(n, "start", 0.0);
  s.stop = number_or(n, "stop", s.stop);
  s.delay = number_or(n, "delay", s.delay);
  return s;
}

recorder parse_recorder(const node& n) {
  n.expect_object({"population", "variable", "interval", "ids", "start", "stop"});
  recorder r;
  r.population = n.at("population").text();
  if (n.has("variable")) r.variable = n.at("variable").text();
  r.interval = number_or(n, "interval", r.interval);
  r.start = number_or(n, "start", r.start);
  r.stop = number_or(n, "stop", r.stop);
  if (n.has("ids")) {
    const node ids = n.at("ids");
    for (std::size_t i = 0; i < ids.array().size(); ++i) r.ids.push_back(ids[i].index());
  }
  return r;
}

weight_recorder parse_weight_recorder(const node& n) {
  n.expect_object({"projection", "pre", "post", "label"});
  weight_recorder r;
  r.projection = n.at("projection").index();
  for (const char* key : {"pre", "post"}) {
    if (!n.has(key)) continue;
    const node ids = n.at(key);
    for (std::size_t i = 0; i < ids.array().size(); ++i) (key[1] == 'r' ? r.pre : r.post).push_back(ids[i].index());
  }
  if (n.has("label")) r.label = n.at("label").text();
  return r;
}

template <class T, class F>
std::vector<T> parse_list(const node& root, const char* key, F parse) {
  std::vector<T> out;
  if (!root.has(key)) return out;
  const node list = root.at(key);
  for (std::size_t i = 0; i < list.array().size(); ++i) out.push_back(parse(list[i]));
  return out;
}

}  // namespace

// Parses `text`, keeping the key path of the value being read, so a number out of range (1e400)
// or a duplicate key (which nlohmann would resolve silently, keeping the last) is an error naming
// where it is.
json parse_with_paths(const std::string& text, const std::string& origin) {
  struct frame {
    bool array = false;
    std::size_t index = 0;
    std::string key;
    std::set<std::string> keys;
  };
  std::vector<frame> stack;
  const auto path = [&] {
    std::string p;
    for (const frame& f : stack)
      p += f.array ? "[" + std::to_string(f.index) + "]" : (p.empty() || f.key.empty() ? "" : ".") + f.key;
    return p;
  };
  const auto element_done = [&] {
    if (!stack.empty() && stack.back().array) ++stack.back().index;
  };
  const json::parser_callback_t track = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        stack.emplace_back();
        break;
      case json::parse_event_t::array_start:
        stack.emplace_back().array = true;
        break;
      case json::parse_event_t::key:
        stack.back().key = parsed.get<std::string>();
        if (!stack.back().keys.insert(stack.back().key).second)
          throw config_error(origin + ": " + path(), "duplicate key (JSON readers disagree on which value counts)");
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        stack.pop_back();
        element_done();
        break;
      case json::parse_event_t::value:
        element_done();
        break;
    }
    return true;
  };
  try {
    return json::parse(text, track);
  } catch (const json::out_of_range& e) {
    throw config_error(origin + (stack.empty() ? "" : ": " + path()),
                       std::string("number out of range (beyond double precision): ") + e.what());
  } catch (const json::exception& e) {
    throw config_error(origin + (stack.empty() ? "" : ": " + path()), std::string("malformed JSON: ") + e.what());
  }
}

network parse_network_json(const std::string& text, const std::string& origin) {
  const json j = parse_with_paths(text, origin);
  const node root{j, ""};
  // A SONATA circuit or simulation config is read by the Python package (neuromesh.sonata), which
  // the installed `neuromesh` command routes `run CONFIG` to; say so instead of "unknown key".
  if (j.is_object() && (j.contains("networks") || j.contains("manifest") || j.contains("target_simulator")))
    throw config_error(origin,
                       "this is a SONATA config, not a neuromesh network file; run it with the `neuromesh` "
                       "command installed by the Python package (pip install .), or from Python with "
                       "neuromesh.sonata.read(path) (docs/network-format.md, SONATA)");
  try {
    root.expect_object({"name", "dt", "seed", "duration", "populations", "projections", "stimuli", "recorders",
                        "weight_recorders", "description"});
    network net;
    if (root.has("name")) net.name = root.at("name").text();
    net.dt = number_or(root, "dt", net.dt);
    if (root.has("seed")) net.seed = root.at("seed").count();
    net.duration = number_or(root, "duration", net.duration);
    net.populations = parse_list<population>(root, "populations", parse_population);
    if (net.populations.empty()) throw config_error("populations", "a network needs at least one population");
    net.projections = parse_list<projection>(root, "projections", parse_projection);
    net.stimuli = parse_list<stimulus>(root, "stimuli", parse_stimulus);
    net.recorders = parse_list<recorder>(root, "recorders", parse_recorder);
    net.weight_recorders = parse_list<weight_recorder>(root, "weight_recorders", parse_weight_recorder);
    return net;
  } catch (const config_error& e) {
    throw config_error(origin + ": " + e.where(),
                       std::string(e.what()).substr(e.where().size() + (e.where().empty() ? 0 : 2)));
  }
}

stimulus parse_stimulus_json(const std::string& text, const std::string& where) {
  const json j = parse_with_paths(text, where);
  return parse_stimulus(node{j, where});
}

network load_network_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw io_error(path, "cannot open network file (does it exist and is it readable?)");
  std::stringstream text;
  text << in.rdbuf();
  return parse_network_json(text.str(), path);
}

}  // namespace neuromesh

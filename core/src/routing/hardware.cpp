// Hardware descriptions: JSON parsing with unit conversion and key-path errors.
#include <neuromesh/core/routing/hardware.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include <neuromesh/core/errors.hpp>

namespace neuromesh::routing {
namespace {

using json = nlohmann::json;

// Unit -> factor to SI, per quantity kind.
const std::map<std::string, double>& unit_factors() {
  static const std::map<std::string, double> f = {
      {"pJ", 1e-12}, {"nJ", 1e-9}, {"uJ", 1e-6}, {"J", 1.0}, {"uW", 1e-6},       {"mW", 1e-3},       {"W", 1.0},
      {"ns", 1e-9},  {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0}, {"packets/s", 1.0}, {"Mpackets/s", 1e6}};
  return f;
}

const std::vector<std::string>& statuses() {
  static const std::vector<std::string> s = {"verified",    "secondary",  "derived",  "unverified",
                                             "unpublished", "assumption", "ambiguous"};
  return s;
}

// The SI unit family a constant's name implies: e_* energy, p_* power, t_* time, link_capacity rate.
std::string family_of(const std::string& name) {
  if (name.rfind("e_", 0) == 0) return "J";
  if (name.rfind("p_", 0) == 0) return "W";
  if (name.rfind("t_", 0) == 0) return "s";
  return "packets/s";
}

bool unit_in_family(const std::string& unit, const std::string& family) {
  if (family == "packets/s") return unit == "packets/s" || unit == "Mpackets/s";
  return unit.size() >= family.size() && unit.compare(unit.size() - family.size(), family.size(), family) == 0 &&
         unit.find('/') == std::string::npos;
}

std::string text_field(const json& j, const std::string& key, const std::string& where, bool required = true) {
  if (!j.contains(key)) {
    if (required) throw config_error(where + "." + key, "missing");
    return {};
  }
  if (!j.at(key).is_string()) throw config_error(where + "." + key, "must be a string");
  return j.at(key).get<std::string>();
}

std::uint64_t count_field(const json& j, const std::string& key, const std::string& where, bool positive) {
  if (!j.contains(key)) throw config_error(where + "." + key, "missing");
  const json& v = j.at(key);
  if (!v.is_number_integer() || v.get<std::int64_t>() < (positive ? 1 : 0))
    throw config_error(where + "." + key, std::string("must be a ") + (positive ? "positive" : "non-negative") +
                                              " integer, not " + v.dump());
  return v.get<std::uint64_t>();
}

const json& object_field(const json& j, const std::string& key, const std::string& where) {
  if (!j.contains(key) || !j.at(key).is_object()) throw config_error(where + "." + key, "missing or not an object");
  return j.at(key);
}

constant parse_constant(const json& j, const std::string& name, const std::string& where) {
  if (!j.is_object()) throw config_error(where, "must be an object with value, unit, source and status");
  constant c;
  if (!j.contains("value") || !j.at("value").is_number())
    throw config_error(where + ".value", "missing or not a number");
  const double v = j.at("value").get<double>();
  if (!(v >= 0)) throw config_error(where + ".value", "must be >= 0");
  c.unit = text_field(j, "unit", where);
  c.source = text_field(j, "source", where);
  c.status = text_field(j, "status", where);
  c.voltage = text_field(j, "voltage", where, false);
  const auto f = unit_factors().find(c.unit);
  const std::string family = family_of(name);
  if (f == unit_factors().end() || !unit_in_family(c.unit, family))
    throw config_error(where + ".unit", "'" + c.unit + "' is not a unit of " + family + " (e.g. pJ, nJ, mW, ns)");
  if (std::find(statuses().begin(), statuses().end(), c.status) == statuses().end()) {
    std::string known;
    for (const auto& s : statuses()) known += (known.empty() ? "" : ", ") + s;
    throw config_error(where + ".status", "'" + c.status + "' is not one of " + known);
  }
  if (c.source.empty()) throw config_error(where + ".source", "must name where the value comes from");
  c.value = v * f->second;
  return c;
}

link_layout layout_from_name(const std::string& s, const std::string& where) {
  if (s == "mesh") return link_layout::mesh;
  if (s == "torus") return link_layout::torus;
  if (s == "hexagonal_torus") return link_layout::hexagonal_torus;
  throw config_error(where, "'" + s + "' is not one of mesh, torus, hexagonal_torus");
}

void parse_geometry(const json& j, hardware& hw, const std::string& where) {
  const json& chips = object_field(j, "chips", where);
  hw.chips_x = static_cast<std::uint32_t>(count_field(chips, "x", where + ".chips", true));
  hw.chips_y = static_cast<std::uint32_t>(count_field(chips, "y", where + ".chips", true));
  hw.chip_links = layout_from_name(text_field(chips, "links", where + ".chips"), where + ".chips.links");
  const json& mesh = object_field(j, "mesh", where);
  hw.mesh_x = static_cast<std::uint32_t>(count_field(mesh, "x", where + ".mesh", true));
  hw.mesh_y = static_cast<std::uint32_t>(count_field(mesh, "y", where + ".mesh", true));
  hw.cores_per_router = static_cast<std::uint32_t>(count_field(mesh, "cores_per_router", where + ".mesh", true));
  if (hw.chip_links == link_layout::hexagonal_torus && hw.routers_per_chip() != 1)
    throw config_error(where + ".chips.links", "hexagonal_torus joins one router per chip; set mesh.x = mesh.y = 1");
  if (static_cast<std::uint64_t>(hw.n_chips()) * hw.cores_per_chip() > (1u << 24))
    throw config_error(where + ".chips", "more than 2^24 cores are not supported");
}

void parse_limits(const json& j, hardware& hw, const std::string& where) {
  const json& l = object_field(j, "limits", where);
  const std::string w = where + ".limits";
  hw.limits.neurons = static_cast<std::uint32_t>(count_field(l, "neurons", w, true));
  hw.limits.fan_in_synapses = count_field(l, "fan_in_synapses", w, false);
  hw.limits.input_axons = static_cast<std::uint32_t>(count_field(l, "input_axons", w, false));
  hw.limits.fan_out_edges = static_cast<std::uint32_t>(count_field(l, "fan_out_edges", w, false));
  hw.limits.router_entries = static_cast<std::uint32_t>(count_field(l, "router_entries", w, false));
  if (hw.limits.neurons > 65535) throw config_error(w + ".neurons", "at most 65535 neurons per core are supported");
}

}  // namespace

bool constant::flagged() const { return status != "verified" && status != "secondary" && status != "derived"; }

double hardware::value(const std::string& name) const {
  const auto it = constants.find(name);
  if (it == constants.end()) throw internal_error("hardware '" + name + "' has no constant " + name);
  return it->second.value;
}

std::vector<std::string> hardware::unverified() const {
  std::vector<std::string> out;
  for (const auto& [name, c] : constants)
    if (c.flagged()) out.push_back(name + " (" + c.status + ": " + c.source + ")");
  return out;
}

const std::vector<std::string>& required_constants() {
  static const std::vector<std::string> names = {
      "e_synop",  "e_syn_update", "e_nu_active", "e_nu_idle",   "e_spike_gen",         "e_msg_out",     "e_intra_core",
      "e_hop_ew", "e_hop_ns",     "e_router",    "e_chip_link", "e_barrier",           "p_static_chip", "t_hop_ew",
      "t_hop_ns", "t_synop",      "t_nu",        "t_barrier",   "t_barrier_multichip", "link_capacity"};
  return names;
}

routing_mode routing_mode_from_name(const std::string& name, const std::string& where) {
  if (name == "multicast") return routing_mode::multicast;
  if (name == "unicast") return routing_mode::unicast;
  if (name == "single_destination") return routing_mode::single_destination;
  throw config_error(where, "'" + name + "' is not one of multicast, unicast, single_destination");
}

std::string to_string(routing_mode m) {
  switch (m) {
    case routing_mode::multicast:
      return "multicast";
    case routing_mode::unicast:
      return "unicast";
    case routing_mode::single_destination:
      return "single_destination";
  }
  return "?";
}

hardware parse_hardware(const std::string& json_text, const std::string& origin) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw config_error(origin, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw config_error(origin, "a hardware description must be a JSON object");
  const std::string where = "hardware '" + origin + "'";
  hardware hw;
  hw.origin = origin;
  hw.name = text_field(j, "name", where);
  hw.description = text_field(j, "description", where, false);
  parse_geometry(j, hw, where);
  parse_limits(j, hw, where);
  hw.routing = routing_mode_from_name(text_field(j, "routing", where), where + ".routing");
  const std::string time = text_field(j, "time", where);
  if (time != "real_time" && time != "step_time")
    throw config_error(where + ".time", "'" + time + "' is not one of real_time, step_time");
  hw.real_time = time == "real_time";
  if (hw.limits.router_entries > 0 && hw.routing != routing_mode::multicast)
    throw config_error(where + ".limits.router_entries", "routing tables need routing = multicast");
  const json& cs = object_field(j, "constants", where);
  for (const auto& [name, value] : cs.items()) {
    const auto& req = required_constants();
    if (std::find(req.begin(), req.end(), name) == req.end() && name != "e_hop_diag")
      throw config_error(where + ".constants." + name, "unknown constant (see docs/routing.md for the list)");
    hw.constants[name] = parse_constant(value, name, where + ".constants." + name);
  }
  for (const auto& name : required_constants())
    if (!hw.constants.count(name)) throw config_error(where + ".constants." + name, "missing");
  if (!hw.constants.count("e_hop_diag")) hw.constants["e_hop_diag"] = hw.constants.at("e_hop_ew");
  return hw;
}

hardware load_hardware_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw io_error(path, "cannot open hardware description");
  std::stringstream text;
  text << in.rdbuf();
  return parse_hardware(text.str(), path);
}

hardware with_chips(hardware hw, std::uint32_t chips_x, std::uint32_t chips_y) {
  if (chips_x == 0 || chips_y == 0) throw config_error("chips", "needs at least 1 x 1 chips");
  if (static_cast<std::uint64_t>(chips_x) * chips_y * hw.cores_per_chip() > (1u << 24))
    throw config_error("chips", "more than 2^24 cores are not supported");
  hw.chips_x = chips_x;
  hw.chips_y = chips_y;
  return hw;
}

}  // namespace neuromesh::routing

#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include <neuromesh/core/connector_kernels.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/random/distributions.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>

namespace neuromesh {

double evaluate(const value_spec& v, std::size_t i, std::uint64_t seed, std::uint32_t purpose, std::uint32_t entity,
                std::uint32_t sub) {
  if (const double* x = std::get_if<double>(&v)) return *x;
  if (const auto* a = std::get_if<std::vector<double>>(&v)) return (*a)[i];
  keyed_stream s(seed, purpose, entity, sub);
  return draw(std::get<distribution>(v), s);
}

double draw(const distribution& d, keyed_stream& s) {
  double x = 0.0;
  if (kernels::draw_within(d, s, x)) return x;
  throw config_error("distribution", "could not draw a value inside [low, high] in 10000 attempts; widen the bounds");
}

// The finiteness rule: every value is a finite number, except that a parameter whose model default
// is -inf (V_min: no lower bound, NEST's default for iaf_psc_alpha, iaf_psc_delta and izhikevich)
// may be -inf. NaN and +inf are always refused. (The model's own check() then judges the value.)
bool allowed_number(double x, bool minus_infinity_allowed) {
  return std::isfinite(x) || (minus_infinity_allowed && x == -std::numeric_limits<double>::infinity());
}

namespace {

void check_number(double x, const std::string& where, const char* what, bool minus_infinity_allowed) {
  if (allowed_number(x, minus_infinity_allowed)) return;
  if (std::isnan(x)) throw config_error(where, std::string(what) + " NaN (not a number)");
  throw config_error(where, std::string(what) + (x < 0 ? " -inf" : " +inf") +
                                ": must be a finite number (only a bound such as V_min may be -inf: no bound)");
}

}  // namespace

void validate_value(const value_spec& v, std::size_t n, const std::string& where, bool minus_infinity_allowed) {
  if (const double* x = std::get_if<double>(&v)) {
    check_number(*x, where, "is", minus_infinity_allowed);
    return;
  }
  if (const auto* a = std::get_if<std::vector<double>>(&v)) {
    if (a->size() != n) {
      std::ostringstream msg;
      msg << "array has " << a->size() << " values but " << n << " are needed (one per entity)";
      throw config_error(where, msg.str());
    }
    for (double x : *a) check_number(x, where, "array contains", minus_infinity_allowed);
    return;
  }
  const auto& d = std::get<distribution>(v);
  if (!std::isfinite(d.a) || !std::isfinite(d.b))
    throw config_error(where, "distribution parameters (mean, std, ...) must be finite numbers");
  const bool spread_ok = d.type == distribution::kind::uniform ? d.a <= d.b : d.b >= 0.0;
  if (!spread_ok) throw config_error(where, "distribution has a negative spread (std/sigma < 0 or high < low)");
  if (d.type == distribution::kind::exponential && !(d.a > 0.0))
    throw config_error(where, "exponential mean must be > 0");
  if (!(d.low <= d.high)) throw config_error(where, "distribution bounds have low > high");
}

namespace {

template <class Kind>
Kind from_name(const std::map<std::string, Kind>& table, const std::string& name, const std::string& where,
               const std::string& what) {
  if (auto it = table.find(name); it != table.end()) return it->second;
  std::string known;
  for (const auto& [n, k] : table) known += (known.empty() ? "" : ", ") + n;
  throw config_error(where, "unknown " + what + " '" + name + "' (known: " + known + ")");
}

}  // namespace

connector::kind connector_kind_from_name(const std::string& name, const std::string& where) {
  static const std::map<std::string, connector::kind> kinds = {
      {"all_to_all", connector::kind::all_to_all},
      {"one_to_one", connector::kind::one_to_one},
      {"fixed_probability", connector::kind::fixed_probability},
      {"distance_probability", connector::kind::distance_probability},
      {"fixed_indegree", connector::kind::fixed_indegree},
      {"fixed_outdegree", connector::kind::fixed_outdegree},
      {"fixed_total_number", connector::kind::fixed_total_number},
      {"explicit", connector::kind::explicit_list},
      {"sonata", connector::kind::sonata},
      {"conv2d", connector::kind::conv2d}};
  return from_name(kinds, name, where, "connector");
}

receptor receptor_from_name(const std::string& name, const std::string& where) {
  static const std::map<std::string, receptor> kinds = {
      {"excitatory", receptor::excitatory}, {"inhibitory", receptor::inhibitory}, {"by_sign", receptor::by_sign}};
  return from_name(kinds, name, where, "receptor");
}

namespace {
const std::map<std::string, stimulus::kind>& stimulus_kinds() {
  static const std::map<std::string, stimulus::kind> kinds = {
      {"poisson_generator", stimulus::kind::poisson_generator},
      {"dc_source", stimulus::kind::dc_source},
      {"step_current_generator", stimulus::kind::step_current_generator},
      {"ac_generator", stimulus::kind::ac_generator},
      {"noise_generator", stimulus::kind::noise_generator},
      {"inhomogeneous_poisson_generator", stimulus::kind::inhomogeneous_poisson_generator},
      {"sinusoidal_poisson_generator", stimulus::kind::sinusoidal_poisson_generator}};
  return kinds;
}
}  // namespace

stimulus::kind stimulus_kind_from_name(const std::string& name, const std::string& where) {
  return from_name(stimulus_kinds(), name, where, "stimulus");
}

const char* stimulus_kind_name(stimulus::kind k) {
  for (const auto& [name, kind] : stimulus_kinds())
    if (kind == k) return name.c_str();
  return "?";
}

distribution::kind distribution_kind_from_name(const std::string& name, const std::string& where) {
  static const std::map<std::string, distribution::kind> kinds = {{"uniform", distribution::kind::uniform},
                                                                  {"normal", distribution::kind::normal},
                                                                  {"exponential", distribution::kind::exponential},
                                                                  {"lognormal", distribution::kind::lognormal}};
  return from_name(kinds, name, where, "distribution");
}

std::size_t network::population_index(const std::string& label, const std::string& where) const {
  for (std::size_t i = 0; i < populations.size(); ++i)
    if (populations[i].label == label) return i;
  std::string known;
  for (const auto& p : populations) known += (known.empty() ? "" : ", ") + p.label;
  throw config_error(where, "no population labelled '" + label + "' (populations: " + known + ")");
}

std::vector<gid_t> network::offsets() const {
  std::vector<gid_t> off{0};
  for (const auto& p : populations) off.push_back(off.back() + p.size);
  return off;
}

std::string network::edge_name(std::size_t k) const {
  const projection& p = projections.at(k);
  std::size_t same = 0;
  for (const projection& q : projections) same += q.pre == p.pre && q.post == p.post;
  return p.pre + "_to_" + p.post + (same > 1 ? "_" + std::to_string(k) : std::string());
}

std::string network::weight_recorder_name(std::size_t i) const {
  const weight_recorder& r = weight_recorders.at(i);
  return r.label.empty() ? edge_name(r.projection) : r.label;
}

}  // namespace neuromesh

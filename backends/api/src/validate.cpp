// Network validation against the model registry and connector rules. Every error names where it
// is: "populations[E].params.tau_m", "projections[2] (E->I).connector.p", ...
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/io/sonata_edges.hpp>
#include <neuromesh/core/time.hpp>
#include <neuromesh/neurons/registry.hpp>
#include <neuromesh/synapses/registry.hpp>

namespace neuromesh {
namespace {

// The interval [lo, hi] every value of `d` lies in. Bounded distributions give their bounds;
// unbounded tails are cut where the in-project samplers end (random/distributions.hpp: uniforms
// are at least 2^-53, so a normal draw lies within 8.6 sd, an exponential below 36.8 means): the
// mean +- 10 sd for normal (and for lognormal's underlying normal), 40 means for exponential.
std::pair<double, double> support(const distribution& d) {
  double lo = 0, hi = 0;
  switch (d.type) {
    case distribution::kind::uniform:
      lo = d.a, hi = d.b;
      break;
    case distribution::kind::normal:
      lo = d.a - 10 * std::abs(d.b), hi = d.a + 10 * std::abs(d.b);
      break;
    case distribution::kind::exponential:
      lo = std::min(0.0, 40 * d.a), hi = std::max(0.0, 40 * d.a);
      break;
    case distribution::kind::lognormal:
      lo = 0, hi = std::exp(d.a + 10 * std::abs(d.b));
      break;
  }
  return {std::max(lo, d.low), std::min(hi, d.high)};
}

// The largest magnitude a value_spec can take.
double max_magnitude(const value_spec& v) {
  if (const double* x = std::get_if<double>(&v)) return std::abs(*x);
  if (const auto* a = std::get_if<std::vector<double>>(&v)) {
    double m = 0;
    for (double x : *a) m = std::max(m, std::abs(x));
    return m;
  }
  const auto [lo, hi] = support(std::get<distribution>(v));
  return std::max(std::abs(lo), std::abs(hi));
}

std::string number_text(double x) {
  std::ostringstream s;
  s.precision(6);
  s << x;
  return s.str();
}

// Issue 17 item 5: the fixed-point ring buffer (fixed_point.hpp) holds +-2^31 receptor units per
// slot; one input may be at most fixed_max_input = 2^30 so its fixed value cannot overflow.
void check_input_magnitude(double magnitude, const std::string& where, const std::string& what) {
  if (!(magnitude <= fixed_max_input))
    throw config_error(where, what + " " + number_text(magnitude) +
                                  " exceeds the largest input of 2^30 = " + number_text(fixed_max_input) +
                                  " receptor units (pA, nS or mV) the fixed-point input holds per synapse "
                                  "(docs/architecture.md, determinism contract)");
}

// A multisynapse model's per-port state ("g_3", "dg_3", "I_syn_3": state_spec::port) for a port
// the population does not have (its port list -- tau_syn, or tau_decay -- is shorter): nothing decays it, so a non-zero
// initial value would act on V_m for the whole run (aeif_cond_alpha_multisynapse). Only 0 is
// accepted there. The population's ports are receptor_ports' count, the one the engines use.
void check_port_state(const population& p, const model_info& m, const state_spec& var, const value_spec& value,
                      const std::string& where) {
  if (var.port == 0) return;
  const int ports = receptor_ports(p);
  const double* x = std::get_if<double>(&value);
  const auto* xs = std::get_if<std::vector<double>>(&value);
  const bool zero = (x && *x == 0.0) || (xs && std::all_of(xs->begin(), xs->end(), [](double v) { return v == 0.0; }));
  if (var.port > ports && !zero)
    throw config_error(where, "port " + std::to_string(var.port) + " does not exist: this population has " +
                                  std::to_string(ports) + " port(s) (its " + std::string(m.port_list) +
                                  " list); give ports up to " + std::to_string(ports) + " or lengthen " +
                                  std::string(m.port_list));
}

// A multisynapse model's per-port list (multisynapse.hpp: `tau_syn`, `E_rev` of the conductance
// models, `tau_rise` / `tau_decay` of the beta model): one list for the population, 1..max_ports
// entries, each finite, time constants ("tau_...") > 0 (NEST: "All synaptic time constants must be
// strictly positive"); it sets every slot "<list>[r]" at `first`, so a slot given by name besides
// it is refused. The list's values go into `scalars` for the model's check (which also matches the
// other lists' lengths to the port list's).
void validate_port_list(const population& p, const model_info& m, const std::string& list_name, int first,
                        const value_spec& value, const std::string& where, std::vector<double>& scalars) {
  const bool times = list_name.rfind("tau_", 0) == 0;
  const auto* list = std::get_if<std::vector<double>>(&value);
  if (list == nullptr || list->empty() || list->size() > static_cast<std::size_t>(m.max_ports))
    throw config_error(where,
                       "a list of 1 to " + std::to_string(m.max_ports) +
                           (times ? " port time constants [ms] (NEST's " + list_name + ": one receptor port per entry)"
                                  : " values, one per receptor port (NEST's " + list_name + ")"));
  for (std::size_t r = 0; r < list->size(); ++r)
    if ((times && !((*list)[r] > 0)) || !std::isfinite((*list)[r]))
      throw parameter_error(p.label, multisynapse::slot_name(list_name, static_cast<int>(r) + 1),
                            std::string(times ? "must be > 0 ms and finite" : "must be finite") + " (port " +
                                std::to_string(r + 1) + ", entry " + std::to_string(r) + " of " + list_name + ")");
  for (int r = 0; r < m.max_ports; ++r) {
    const std::string slot = multisynapse::slot_name(list_name, r + 1);
    if (p.params.count(slot))
      throw config_error(
          where, "give the ports either as the list " + list_name + " or slot by slot (" + slot + "), not both");
    scalars[first + r] = r < static_cast<int>(list->size()) ? (*list)[r] : std::numeric_limits<double>::quiet_NaN();
  }
}

void validate_population(const population& p, const std::string& where, double dt) {
  if (p.label.empty()) throw config_error(where + ".label", "a population needs a non-empty label");
  if (p.size == 0) throw config_error(where + ".size", "population size must be > 0");
  const model_info* m = find_model(p.model);
  if (!m) throw config_error(where + ".model", "unknown model '" + p.model + "' (known: " + model_names() + ")");
  // Defaults overlaid with scalar values: lets the model's own check name a bad parameter early.
  std::vector<double> scalars;
  for (const auto& spec : m->parameters) scalars.push_back(spec.default_value);
  for (const auto& [name, value] : p.params) {
    // NEST's per-port lists (tau_syn, E_rev, tau_rise, tau_decay): a name whose slot "<name>[1]" is a parameter.
    if (const int first = m->max_ports > 0 ? m->parameter(multisynapse::slot_name(name, 1)) : -1; first >= 0) {
      validate_port_list(p, *m, name, first, value, where + ".params." + name, scalars);
      continue;
    }
    const int k = m->parameter(name);
    if (k < 0) {
      std::string known;
      for (const auto& spec : m->parameters) known += (known.empty() ? "" : ", ") + std::string(spec.name);
      throw config_error(where + ".params." + name,
                         "model " + p.model + " has no parameter '" + name + "' (known: " + known + ")");
    }
    validate_value(value, p.size, where + ".params." + name,
                   m->parameters[k].default_value == -std::numeric_limits<double>::infinity());
    if (const double* x = std::get_if<double>(&value)) scalars[k] = *x;
  }
  if (std::string problem = m->check(scalars.data(), dt); !problem.empty())
    throw parameter_error(p.label, problem.substr(0, problem.find(':')), problem.substr(problem.find(':') + 2));
  for (const auto& [name, value] : p.initial) {
    const int var = m->state_variable(name);
    if (var < 0)
      throw config_error(where + ".initial." + name, "model " + p.model + " has no state variable '" + name + "'");
    validate_value(value, p.size, where + ".initial." + name);
    check_port_state(p, *m, m->state[static_cast<std::size_t>(var)], value, where + ".initial." + name);
  }
  if (m->kind == population_kind::spike_source_array) {
    if (p.spike_times.size() > p.size) throw config_error(where + ".spike_times", "more spike trains than neurons");
    const time_grid grid(dt);
    for (std::size_t i = 0; i < p.spike_times.size(); ++i)
      for (double t : p.spike_times[i])
        grid.spike_step(t, p.allow_offgrid_times, where + ".spike_times[" + std::to_string(i) + "]");
    for (const char* name : {"start", "stop", "origin"})  // on the grid, as NEST's spike_generator
      if (auto it = p.params.find(name); it != p.params.end())
        if (const double* x = std::get_if<double>(&it->second); x && std::isfinite(*x))
          grid.on_grid_steps(*x, where + ".params." + name);
  } else if (!p.spike_times.empty()) {
    throw config_error(where + ".spike_times", "only spike_source_array populations take spike_times");
  }
}

void validate_connector(const connector& c, index_t n_pre, index_t n_post, bool same, const std::string& where) {
  using k = connector::kind;
  const std::uint64_t pool = n_pre - ((same && !c.autapses) ? 1 : 0);
  switch (c.type) {
    case k::fixed_probability:
      if (!(c.p >= 0.0 && c.p <= 1.0))
        throw config_error(where + ".p", "connection probability " + std::to_string(c.p) + " is outside [0, 1]");
      break;
    case k::distance_probability:
      if (!(c.p >= 0.0 && c.p <= 1.0))
        throw config_error(where + ".p", "peak connection probability " + std::to_string(c.p) + " is outside [0, 1]");
      if (!(c.sigma > 0.0 && c.sigma <= 1.0))
        throw config_error(where + ".sigma", "kernel width " + std::to_string(c.sigma) +
                                                 " must lie in (0, 1] (a fraction of the sheet's side)");
      break;
    case k::one_to_one:
      if (n_pre != n_post) throw config_error(where, "one_to_one needs pre and post of equal size");
      break;
    case k::fixed_indegree:
      if (!c.multapses && c.n > pool)
        throw config_error(where + ".n", "in-degree exceeds the number of distinct sources without multapses");
      if (c.n > 0 && pool == 0) throw config_error(where + ".n", "no source available");
      break;
    case k::fixed_outdegree: {
      const std::uint64_t targets = n_post - ((same && !c.autapses) ? 1 : 0);
      if (!c.multapses && c.n > targets)
        throw config_error(where + ".n", "out-degree exceeds the number of distinct targets without multapses");
      break;
    }
    case k::fixed_total_number:
      // As NEST: the total is split over targets by a multinomial draw, so a target may be
      // assigned more synapses than it has distinct sources; only multapses keep the total exact.
      if (!c.multapses)
        throw config_error(where + ".multapses", "fixed_total_number needs multapses: true (as in NEST)");
      if (c.n > 0 && pool == 0) throw config_error(where + ".n", "no source available");
      break;
    case k::explicit_list:
      if (c.sources.size() != c.targets.size()) throw config_error(where, "'sources' and 'targets' differ in length");
      for (std::size_t i = 0; i < c.sources.size(); ++i)
        if (c.sources[i] >= n_pre || c.targets[i] >= n_post)
          throw config_error(where, "pair " + std::to_string(i) + " is out of range");
      break;
    case k::sonata:  // the file, its population and columns; the edges themselves as they are read
      io::check_sonata_edges(c.edges, n_pre, n_post, where);
      break;
    case k::conv2d:
      check_conv2d(c.conv, n_pre, n_post, where);
      break;
    case k::all_to_all:
      break;
  }
}

// Weights and delays as arrays only make sense where synapses have a fixed order.
void validate_synapse_values(const projection& pr, index_t n_post, double dt, const std::string& where) {
  const bool explicit_order =
      pr.conn.type == connector::kind::explicit_list || pr.conn.type == connector::kind::one_to_one;
  const std::size_t n = pr.conn.type == connector::kind::explicit_list ? pr.conn.sources.size() : n_post;
  if (pr.conn.type == connector::kind::sonata)  // weights and delays come from the file
    for (const auto& [name, value] : {std::pair{"weight", &pr.weight}, std::pair{"delay", &pr.delay}})
      if (!std::holds_alternative<double>(*value))
        throw config_error(where + ".synapse." + name,
                           std::string("a sonata connector reads its edges' ") + name +
                               "s from the file: give a number (weight: the factor of |syn_weight|)");
  for (const auto& [name, value] :
       {std::pair<std::string, const value_spec*>{"weight", &pr.weight}, {"delay", &pr.delay}}) {
    if (std::holds_alternative<std::vector<double>>(*value) && !explicit_order)
      throw config_error(where + ".synapse." + name, "arrays are accepted only with one_to_one or explicit connectors");
    validate_value(*value, n, where + ".synapse." + name);
  }
  if (pr.conn.type == connector::kind::conv2d) {  // the kernel gives each synapse its factor
    for (const auto& [name, value] : {std::pair{"weight", &pr.weight}, std::pair{"delay", &pr.delay}})
      if (!std::holds_alternative<double>(*value))
        throw config_error(where + ".synapse." + name, std::string("a conv2d connector takes a scalar ") + name +
                                                           " (weight: the factor of every kernel entry)");
    double k = 0;
    for (double x : pr.conn.conv.kernel) k = std::max(k, std::abs(x));
    check_input_magnitude(max_magnitude(pr.weight) * k, where + ".synapse.weight", "|weight x kernel| up to");
  }
  check_input_magnitude(max_magnitude(pr.weight), where + ".synapse.weight", "|weight| up to");
  const time_grid grid(dt);
  if (const double* d = std::get_if<double>(&pr.delay)) grid.delay_steps(*d, where + ".synapse.delay");
  if (const auto* a = std::get_if<std::vector<double>>(&pr.delay))
    for (double d : *a) grid.delay_steps(d, where + ".synapse.delay");
  // A uniform distribution's own 'low' bounds it (docs/network-format.md's example), others need 'min'.
  if (const auto* d = std::get_if<distribution>(&pr.delay);
      d && (d->type == distribution::kind::uniform ? std::max(d->a, d->low) : d->low) * grid.steps_per_ms() < 0.5)
    throw config_error(where + ".synapse.delay",
                       d->type == distribution::kind::uniform
                           ? "a uniform delay distribution needs 'low' >= dt / 2 so no delay rounds below one step"
                           : "a delay distribution needs 'min' >= dt / 2 so no delay rounds below one step");
}

// What plastic rules support so far: excitatory weights >= 0 (stdp_synapse.hpp).
void validate_plastic(const projection& pr, const synapse_info& syn, const std::string& where) {
  const std::string model(syn.nest_name);
  if (pr.target == receptor::inhibitory)
    throw config_error(where + ".receptor", model +
                                                " is excitatory only for now (inhibitory STDP is not implemented): "
                                                "use receptor by_sign or excitatory with weights >= 0");
  double lowest = 0;
  if (const double* x = std::get_if<double>(&pr.weight)) lowest = *x;
  if (const auto* a = std::get_if<std::vector<double>>(&pr.weight))
    for (double x : *a) lowest = std::min(lowest, x);
  if (const auto* d = std::get_if<distribution>(&pr.weight)) lowest = support(*d).first;
  if (lowest < 0)
    throw config_error(where + ".synapse.weight", model +
                                                      " needs weights >= 0 (lowest possible: " + number_text(lowest) +
                                                      "); inhibitory STDP is not implemented yet");
}

void validate_projection(const network& net, std::size_t i) {
  const projection& pr = net.projections[i];
  const std::string where = "projections[" + std::to_string(i) + "] (" + pr.pre + "->" + pr.post + ")";
  const auto& pre = net.populations[net.population_index(pr.pre, where + ".pre")];
  const auto& post = net.populations[net.population_index(pr.post, where + ".post")];
  const model_info* m = find_model(post.model);
  if (m->kind != population_kind::neuron)
    throw config_error(where + ".post", "population '" + post.label + "' is a spike source and takes no input");
  const synapse_info* syn = find_synapse_model(pr.synapse);
  if (syn == nullptr)
    throw config_error(where + ".synapse.model",
                       "unknown synapse model '" + pr.synapse + "' (known: " + synapse_model_names() + ")");
  synapse_parameter_values(pr, where);  // names and values of the model's parameters
  if (syn->plastic) validate_plastic(pr, *syn, where);
  const auto check_view = [&](const view& v, const population& pop, const std::string& key) {
    const bool whole_end = v.end == view{}.end;
    if (v.begin >= (whole_end ? pop.size : v.end) || (!whole_end && v.end > pop.size))
      throw config_error(where + "." + key, "slice [" + std::to_string(v.begin) + ", " +
                                                (whole_end ? std::string("end") : std::to_string(v.end)) +
                                                ") is empty or outside population '" + pop.label + "' of " +
                                                std::to_string(pop.size) + " neurons");
  };
  check_view(pr.pre_view, pre, "pre_slice");
  check_view(pr.post_view, post, "post_slice");
  const auto [pb, pe] = view_of(pr.pre_view, pre.size);
  const auto [qb, qe] = view_of(pr.post_view, post.size);
  // Autapse exclusion shrinks a target's pool only where the two views overlap; the check below
  // is conservative (it assumes every target could lose one source).
  validate_connector(pr.conn, pe - pb, qe - qb, pr.pre == pr.post, where + ".connector");
  validate_synapse_values(pr, qe - qb, net.dt, where);
}

// Times of a step_current_generator / inhomogeneous_poisson_generator: as many as values, >= 0,
// strictly increasing, on the grid (unless allow_offgrid_times) -- NEST's checks.
double net_dt(const time_grid& grid) { return grid.ms(1); }

void validate_stimulus_times(const stimulus& s, const time_grid& grid, const std::string& where,
                             const std::string& times, const std::string& values) {
  if (s.times.size() != s.values.size())
    throw config_error(where + "." + values, std::string(stimulus_kind_name(s.type)) + ": " + times + " has " +
                                                 std::to_string(s.times.size()) + " entries and " + values + " " +
                                                 std::to_string(s.values.size()) + "; they must have the same length");
  for (std::size_t k = 0; k < s.times.size(); ++k) {
    const std::string at = where + "." + times + "[" + std::to_string(k) + "]";
    if (!std::isfinite(s.times[k]) || s.times[k] < 0)
      throw config_error(at, std::string(stimulus_kind_name(s.type)) + ": times must be finite and >= 0, not " +
                                 number_text(s.times[k]));
    if (!s.allow_offgrid_times && !grid.on_grid(s.times[k]))
      throw config_error(at, std::string(stimulus_kind_name(s.type)) + ": " + number_text(s.times[k]) +
                                 " ms is not a multiple of the time step dt = " + number_text(net_dt(grid)) +
                                 " ms (NEST refuses it too; allow_offgrid_times rounds it up)");
    const bool later =
        k == 0 || (s.allow_offgrid_times ? grid.duration_steps(s.times[k]) > grid.duration_steps(s.times[k - 1])
                                         : s.times[k] > s.times[k - 1]);
    if (!later)
      throw config_error(at, std::string(stimulus_kind_name(s.type)) + ": " + times + " must be strictly increasing" +
                                 (s.allow_offgrid_times ? " after rounding up to the grid" : "") + " (" +
                                 number_text(s.times[k - 1]) + " then " + number_text(s.times[k]) + ")");
    if (!std::isfinite(s.values[k]))
      throw config_error(where + "." + values + "[" + std::to_string(k) + "]", "must be finite");
  }
}

void validate_stimulus(const network& net, std::size_t i) {
  const stimulus& s = net.stimuli[i];
  const std::string where = "stimuli[" + std::to_string(i) + "]";
  const std::string name = stimulus_kind_name(s.type);
  const auto& target = net.populations[net.population_index(s.target, where + ".target")];
  if (find_model(target.model)->kind != population_kind::neuron)
    throw config_error(where + ".target", "spike sources take no stimulus");
  if (!(s.rate >= 0) || !std::isfinite(s.rate))
    throw config_error(where + ".rate", name + ": rate must be a finite number >= 0 Hz");
  if (!std::isfinite(s.weight)) throw config_error(where + ".weight", "must be finite");
  for (const auto& [value, key] : {std::pair{s.amplitude, "amplitude"}, std::pair{s.offset, "offset"},
                                   std::pair{s.phase, "phase"}, std::pair{s.mean, "mean"}})
    if (!std::isfinite(value)) throw config_error(where + "." + key, name + ": must be finite");
  if (!(s.frequency >= 0) || !std::isfinite(s.frequency))
    throw config_error(where + ".frequency", name + ": frequency must be a finite number >= 0 Hz");
  const time_grid grid(net.dt);
  // The largest rate a Poisson device reaches, for the fixed-point bound below.
  double max_rate = s.rate;
  switch (s.type) {
    case stimulus::kind::step_current_generator:
      validate_stimulus_times(s, grid, where, "amplitude_times", "amplitude_values");
      break;
    case stimulus::kind::inhomogeneous_poisson_generator:
      validate_stimulus_times(s, grid, where, "rate_times", "rate_values");
      max_rate = 0;
      for (std::size_t k = 0; k < s.values.size(); ++k) {
        if (!(s.values[k] >= 0))
          throw config_error(where + ".rate_values[" + std::to_string(k) + "]",
                             name + ": rates must be >= 0 Hz, not " + number_text(s.values[k]));
        max_rate = std::max(max_rate, s.values[k]);
      }
      break;
    case stimulus::kind::sinusoidal_poisson_generator:
      max_rate = s.rate + std::abs(s.amplitude);
      break;
    case stimulus::kind::noise_generator:
      if (!(s.std_dev >= 0) || !std::isfinite(s.std_dev))
        throw config_error(where + ".std", name + ": std must be a finite number >= 0 pA");
      if (!(s.std_mod >= 0) || !(s.std_mod <= s.std_dev))
        throw config_error(where + ".std_mod", name +
                                                   ": std_mod must lie in [0, std] (std^2 + std_mod^2 sin(...) "
                                                   "is the variance), not " +
                                                   number_text(s.std_mod));
      if (!std::isnan(s.dt) && grid.on_grid_steps(s.dt, where + ".dt") < 1)
        throw config_error(where + ".dt", name + ": dt must be at least one time step");
      break;
    default:
      break;
  }
  if ((s.type != stimulus::kind::step_current_generator && s.type != stimulus::kind::inhomogeneous_poisson_generator) &&
      (!s.times.empty() || !s.values.empty()))
    throw config_error(where, name + " takes no times/values");
  if (sends_spikes(s.type)) {
    check_input_magnitude(std::abs(s.weight), where + ".weight", "|weight|");
    // Expected drive per step: (mean + 10 sd of the count) x |weight|, within the same bound.
    const double mean = max_rate * net.dt * 1e-3;
    const double drive = (mean + 10 * std::sqrt(mean)) * std::abs(s.weight);
    if (!(drive <= fixed_max_input))
      throw config_error(where, "rate " + number_text(max_rate) + " Hz x |weight| " + number_text(std::abs(s.weight)) +
                                    " gives up to " + number_text(drive) +
                                    " receptor units per step, more than the 2^30 = " + number_text(fixed_max_input) +
                                    " the fixed-point input holds (docs/architecture.md, determinism contract)");
  }
  if (!(s.start <= s.stop) || !(s.start >= 0)) throw config_error(where, name + ": needs 0 <= start <= stop");
  grid.on_grid_steps(s.start, where + ".start");
  if (std::isfinite(s.stop)) grid.on_grid_steps(s.stop, where + ".stop");
  if (!std::isnan(s.delay)) {
    if (!(s.delay >= 0)) throw config_error(where + ".delay", name + ": delay must be >= 0 ms");
    grid.on_grid_steps(s.delay, where + ".delay");
  }
}

void validate_recording_window(const network& net, std::size_t i);

void validate_recorder(const network& net, std::size_t i) {
  const recorder& r = net.recorders[i];
  const std::string where = "recorders[" + std::to_string(i) + "]";
  const auto& pop = net.populations[net.population_index(r.population, where + ".population")];
  if (r.variable != "spikes" && find_model(pop.model)->state_variable(r.variable) < 0)
    throw config_error(where + ".variable",
                       "population '" + pop.label + "' (" + pop.model + ") has no state variable '" + r.variable + "'");
  if (time_grid(net.dt).on_grid_steps(r.interval, where + ".interval") < 1)
    throw config_error(where + ".interval", "must be at least one time step");
  for (index_t id : r.ids)
    if (id >= pop.size) throw config_error(where + ".ids", "id " + std::to_string(id) + " out of range");
  validate_recording_window(net, i);
}

// A recorder's window [start, stop): on the dt grid, 0 <= start < stop; the spike recorders of
// one population share one window (which spikes are kept is decided per population).
void validate_recording_window(const network& net, std::size_t i) {
  const recorder& r = net.recorders[i];
  const std::string where =
      "recorders[" + std::to_string(i) + "] (population '" + r.population + "', " + r.variable + ")";
  const time_grid grid(net.dt);
  if (!std::isfinite(r.start) || r.start < 0)
    throw config_error(where + ".start", "start = " + number_text(r.start) + " ms must be a time >= 0 ms");
  grid.on_grid_steps(r.start, where + ".start");
  if (std::isnan(r.stop) || r.stop <= r.start)
    throw config_error(where + ".stop", "stop = " + number_text(r.stop) + " ms must be after start = " +
                                            number_text(r.start) + " ms (the window is [start, stop))");
  if (std::isfinite(r.stop)) grid.on_grid_steps(r.stop, where + ".stop");
  if (r.variable != "spikes") return;
  for (std::size_t k = 0; k < i; ++k) {
    const recorder& o = net.recorders[k];
    if (o.variable == "spikes" && o.population == r.population && (o.start != r.start || o.stop != r.stop))
      throw config_error(where + ".start", "the spike recorders of population '" + r.population +
                                               "' have different windows (recorders[" + std::to_string(k) + "]: [" +
                                               number_text(o.start) + ", " + number_text(o.stop) + ") ms, this one: [" +
                                               number_text(r.start) + ", " + number_text(r.stop) +
                                               ") ms); give them the same start and stop");
  }
}

// Weight recorders: a plastic projection (static weights never change; tsodyks2's stored weights
// neither), ids in range, one group name each.
void validate_weight_recorder(const network& net, std::size_t i, std::set<std::string>& names) {
  const weight_recorder& r = net.weight_recorders[i];
  const std::string where = "weight_recorders[" + std::to_string(i) + "]";
  if (r.projection >= net.projections.size())
    throw config_error(where + ".projection", "no projection " + std::to_string(r.projection) + " (the network has " +
                                                  std::to_string(net.projections.size()) + ")");
  const projection& p = net.projections[r.projection];
  const synapse_info* syn = find_synapse_model(p.synapse);
  if (!syn || !syn->plastic)
    throw config_error(where + ".projection",
                       "projection " + std::to_string(r.projection) + " (" + p.pre + " -> " + p.post + ") uses " +
                           p.synapse +
                           ", whose weights do not change; a weight recorder needs a plastic synapse "
                           "model (stdp_synapse, stdp_synapse_hom, stdp_pl_synapse_hom)");
  for (const auto& [ids, label, key] : {std::tuple{&r.pre, &p.pre, ".pre"}, std::tuple{&r.post, &p.post, ".post"}}) {
    const index_t size = net.populations[net.population_index(*label, where)].size;
    for (index_t id : *ids)
      if (id >= size)
        throw config_error(where + key, "id " + std::to_string(id) + " out of range for population '" + *label +
                                            "' of " + std::to_string(size) + " neurons");
  }
  const std::string name = net.weight_recorder_name(i);
  if (name.find('/') != std::string::npos || name == ".")
    throw config_error(where + ".label", "'" + name + "' must not contain '/'");
  if (!names.insert(name).second)
    throw config_error(where + ".label",
                       "another weight recorder already writes /weights/" + name + "; give each a distinct label");
}

}  // namespace

void validate(const network& net) {
  time_grid grid(net.dt);
  if (net.populations.empty()) throw config_error("populations", "a network needs at least one population");
  std::set<std::string> labels;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < net.populations.size(); ++i) {
    const auto& p = net.populations[i];
    validate_population(p, "populations[" + p.label + "]", net.dt);
    if (!labels.insert(p.label).second) throw config_error("populations[" + p.label + "]", "duplicate label");
    total += p.size;
  }
  if (total >= (1ull << 32) - 1) throw config_error("populations", "more than 2^32 neurons in total");
  for (std::size_t i = 0; i < net.projections.size(); ++i) validate_projection(net, i);
  for (std::size_t i = 0; i < net.stimuli.size(); ++i) validate_stimulus(net, i);
  for (std::size_t i = 0; i < net.recorders.size(); ++i) validate_recorder(net, i);
  std::set<std::string> weight_groups;
  for (std::size_t i = 0; i < net.weight_recorders.size(); ++i) validate_weight_recorder(net, i, weight_groups);
  check_sign_rule(net);
  grid.on_grid_steps(net.duration, "duration");
}

}  // namespace neuromesh

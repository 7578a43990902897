// The sign rule: how a weight's sign and a projection's receptor decide which receptor is excited
// and with which value. Written once here and used by validate() (errors) and make_simulation
// (resolve_receptors: the engines' values), for C++, JSON, Python and the CLI alike:
//
//   receptor   weights            acts on       engine value (current/voltage | conductance)
//   by_sign    all >= 0           excitatory    w            | w
//   by_sign    all <= 0 (some<0)  inhibitory    w  (= -|w|)  | |w|
//   excitatory all >= 0           excitatory    w            | w
//   inhibitory all >= 0 or <= 0   inhibitory    -|w|         | |w|
//   otherwise: config_error naming the projection (a negative weight on the excitatory receptor;
//   weights of both signs in one projection).
// Multisynapse models (neurons/multisynapse.hpp) have ports instead: receptor_type 1..n names
// one, the weights act on it as given (either sign, as NEST; conductance ports: >= 0, a
// distribution's negligible negative tail by its magnitude), and `receptor` must be left out.
//
// This is NEST's rule (the sign selects the receptor, conductances are never negative) extended
// by PyNN's convention (positive weights, the receptor chooses) where the receptor is given.
// Spike-counting models (receptor_kind::count: parrot_neuron) ignore weights as NEST does: every
// projection and Poisson drive onto them gets weight 1 on the excitatory receptor (NEST's port 0);
// the inhibitory receptor, current stimuli and plastic synapses onto them are refused.
// A distribution counts as one-signed when at most 1e-6 of its mass (within its bounds) lies on
// the other side of zero; each draw's magnitude is then used, so a Normal(0.5, 0.05) weight on an
// inhibitory receptor inhibits exactly like the scalar 0.5 does.
#include <algorithm>
#include <cmath>
#include <limits>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/neurons/registry.hpp>

namespace neuromesh {
namespace {

enum class signs { non_negative, non_positive, both };

// Mass of a normal(mean, sd) below 0 given that it lies in [low, high].
double normal_mass_below_zero(const distribution& d) {
  const auto cdf = [&](double x) {
    if (x == -std::numeric_limits<double>::infinity()) return 0.0;
    if (x == std::numeric_limits<double>::infinity()) return 1.0;
    return d.b > 0 ? 0.5 * std::erfc(-(x - d.a) / (d.b * std::sqrt(2.0))) : (x >= d.a ? 1.0 : 0.0);
  };
  const double inside = cdf(d.high) - cdf(d.low);
  if (!(inside > 0)) return d.a < 0 ? 1.0 : 0.0;
  return std::clamp((cdf(std::min(0.0, d.high)) - cdf(std::min(0.0, d.low))) / inside, 0.0, 1.0);
}

signs signs_of(const value_spec& w) {
  constexpr double negligible = 1e-6;
  double lo = 0.0, hi = 0.0;
  if (const double* x = std::get_if<double>(&w)) {
    lo = hi = *x;
  } else if (const auto* a = std::get_if<std::vector<double>>(&w)) {
    if (!a->empty())
      std::tie(lo, hi) = std::pair{*std::min_element(a->begin(), a->end()), *std::max_element(a->begin(), a->end())};
  } else {
    const auto& d = std::get<distribution>(w);
    switch (d.type) {
      case distribution::kind::uniform:
        lo = std::max(d.a, d.low), hi = std::min(d.b, d.high);
        break;
      case distribution::kind::normal: {
        const double below = normal_mass_below_zero(d);
        if (below <= negligible) return signs::non_negative;
        if (below >= 1.0 - negligible) return signs::non_positive;
        return signs::both;
      }
      case distribution::kind::exponential:
      case distribution::kind::lognormal:
        lo = std::max(0.0, d.low), hi = d.high;
        break;
    }
  }
  if (lo >= 0) return signs::non_negative;
  if (hi <= 0) return signs::non_positive;
  return signs::both;
}

// Every value of `w` replaced by sign * |value| (0: unchanged).
void apply_magnitude(value_spec& w, double sign) {
  if (sign == 0.0) return;
  if (double* x = std::get_if<double>(&w)) {
    *x = sign * std::fabs(*x);
  } else if (auto* a = std::get_if<std::vector<double>>(&w)) {
    for (double& x : *a) x = sign * std::fabs(x);
  } else {
    std::get<distribution>(w).magnitude_sign = sign;
  }
}

struct decision {
  receptor target;
  double sign;        // engine value = sign * |w| (0: as given)
  bool unit = false;  // engine value 1 whatever w (a spike-counting model)
};

decision decide(receptor given, const value_spec& w, receptor_kind input, const std::string& where) {
  if (input == receptor_kind::count) {
    if (given == receptor::inhibitory)
      throw config_error(where,
                         "parrot_neuron repeats spikes of receptor 0 only (NEST's port 1 ignores them): leave the "
                         "receptor out or make it excitatory");
    return {receptor::excitatory, 1.0, true};
  }
  const signs s = signs_of(w);
  if (s == signs::both)
    throw config_error(where,
                       "weights of both signs in one projection: the sign would choose a different receptor for "
                       "each synapse; split it into an excitatory and an inhibitory projection (or bound the "
                       "distribution with low/high on one side of 0)");
  if (given == receptor::excitatory && s == signs::non_positive)
    throw config_error(where,
                       "a negative weight on the excitatory receptor: give receptor \"inhibitory\" (its "
                       "magnitude is used) or leave the receptor out (the sign chooses, as in NEST)");
  const receptor target =
      given == receptor::by_sign ? (s == signs::non_positive ? receptor::inhibitory : receptor::excitatory) : given;
  if (input == receptor_kind::conductance) return {target, 1.0};
  return {target, target == receptor::inhibitory ? -1.0 : 1.0};
}

receptor_kind input_of(const network& net, const std::string& label, const std::string& where) {
  const model_info* m = find_model(net.populations[net.population_index(label, where)].model);
  if (!m) throw config_error(where, "unknown model of population '" + label + "'");
  return m->input;
}

// The weights a projection's synapses get, for the sign rule: a conv2d connector's are the scalar
// weight times its kernel entries (their extremes).
value_spec effective_weight(const projection& pr) {
  if (pr.conn.type != connector::kind::conv2d || !std::holds_alternative<double>(pr.weight)) return pr.weight;
  const double w = std::get<double>(pr.weight);
  std::vector<double> range;
  for (double k : pr.conn.conv.kernel)
    if (k != 0.0) range.push_back(w * k);
  if (range.empty()) return w;
  const auto [lo, hi] = std::minmax_element(range.begin(), range.end());
  return std::vector<double>{*lo, *hi};
}

// Multisynapse models (neurons/multisynapse.hpp): receptor_type names the port, 1..n as NEST
// (which refuses 0 and n + 1 with IncompatibleReceptorType), and a weight of either sign acts on
// it as given -- the sign chooses nothing, so a projection may mix signs. true: a port projection.
// Any other model refuses receptor_type.
bool port_projection(const network& net, const projection& pr, const std::string& where) {
  const population& post = net.populations[net.population_index(pr.post, where + ".post")];
  const model_info* m = find_model(post.model);
  if (m == nullptr || m->max_ports == 0) {
    if (pr.receptor_type != 0)
      throw config_error(where + ".receptor_type", "model " + post.model + " of population '" + post.label +
                                                       "' has no receptor ports (receptor_type is for the "
                                                       "*_multisynapse models; use receptor)");
    return false;
  }
  const int ports = receptor_ports(post);
  if (pr.receptor_type < 1 || pr.receptor_type > ports)
    throw config_error(where + ".receptor_type",
                       "receptor_type " + std::to_string(pr.receptor_type) + " is not a port of population '" +
                           post.label + "' (" + post.model + " with " + std::to_string(ports) + " ports from " +
                           std::string(m->port_list) + ": give 1.." + std::to_string(ports) + "; NEST refuses 0 too)");
  if (pr.target != receptor::by_sign)
    throw config_error(where + ".receptor", "a port of " + post.model +
                                                " takes weights of either sign as given: leave receptor out and "
                                                "choose the port with receptor_type");
  if (pr.synapse != "static")
    throw config_error(where + ".synapse", "plastic synapses onto " + post.model + " are not implemented yet");
  // Conductance ports (aeif_cond_alpha/beta_multisynapse): a conductance is never negative; NEST throws
  // "Synaptic weights for conductance-based multisynapse models must be positive" at delivery.
  if (m->input == receptor_kind::conductance && signs_of(effective_weight(pr)) != signs::non_negative)
    throw config_error(where + ".synapse.weight",
                       "a negative weight onto a conductance port of " + post.model + " (population '" + post.label +
                           "'): weights are conductances [nS] >= 0, as NEST requires; the port's E_rev chooses "
                           "whether it excites or inhibits");
  return true;
}

// Spike-sending generators have no receptor_type yet: onto a multisynapse model they are refused
// (connect a spike source population through a projection with receptor_type instead).
void check_port_stimulus(const network& net, const stimulus& s, const std::string& where) {
  const model_info* m = find_model(net.populations[net.population_index(s.target, where + ".target")].model);
  if (m != nullptr && m->max_ports > 0 && sends_spikes(s.type))
    throw config_error(where + ".target", std::string(stimulus_kind_name(s.type)) + " onto " + std::string(m->name) +
                                              " needs a port, which generators cannot name yet: drive it from a "
                                              "spike source population through a projection with receptor_type");
}

}  // namespace

void check_sign_rule(const network& net) {
  for (std::size_t i = 0; i < net.projections.size(); ++i) {
    const projection& pr = net.projections[i];
    const std::string where = "projections[" + std::to_string(i) + "] (" + pr.pre + "->" + pr.post + ")";
    if (port_projection(net, pr, where)) continue;
    const receptor_kind input = input_of(net, pr.post, where + ".post");
    decide(pr.target, effective_weight(pr), input, where + ".synapse.weight");
    if (input == receptor_kind::count && pr.synapse != "static")
      throw config_error(where + ".synapse",
                         "a plastic synapse onto a parrot_neuron: the parrot ignores weights, so a learnt weight "
                         "would mean nothing (use \"static\")");
  }
  for (std::size_t i = 0; i < net.stimuli.size(); ++i) {
    const stimulus& s = net.stimuli[i];
    const std::string where = "stimuli[" + std::to_string(i) + "]";
    check_port_stimulus(net, s, where);
    if (!sends_spikes(s.type)) {  // current devices
      if (input_of(net, s.target, where + ".target") == receptor_kind::count)
        throw config_error(where + ".target",
                           "population '" + s.target + "' is a parrot_neuron, which takes spikes only (no current)");
      continue;
    }
    decide(s.target_receptor, s.weight, input_of(net, s.target, where + ".target"), where + ".weight");
  }
}

network resolve_receptors(network net) {
  for (std::size_t i = 0; i < net.projections.size(); ++i) {
    projection& pr = net.projections[i];
    const std::string where = "projections[" + std::to_string(i) + "] (" + pr.pre + "->" + pr.post + ")";
    if (port_projection(net, pr, where)) {  // weights as given on the port (engine_receptor)
      pr.target = receptor::excitatory;
      if (input_of(net, pr.post, where + ".post") == receptor_kind::conductance) apply_magnitude(pr.weight, 1.0);
      continue;
    }
    const decision d =
        decide(pr.target, effective_weight(pr), input_of(net, pr.post, where + ".post"), where + ".synapse.weight");
    pr.target = d.target;
    if (d.unit) {
      pr.weight = 1.0;
    } else {
      apply_magnitude(pr.weight, d.sign);
      if (pr.conn.type == connector::kind::conv2d && d.sign != 0.0)  // sign x |w| x |kernel entry|
        for (double& k : pr.conn.conv.kernel) k = std::fabs(k);
    }
  }
  for (std::size_t i = 0; i < net.stimuli.size(); ++i) {
    stimulus& s = net.stimuli[i];
    if (!sends_spikes(s.type)) {
      s.target_receptor = receptor::excitatory;  // unused by current devices; never by_sign in an engine
      continue;
    }
    const std::string where = "stimuli[" + std::to_string(i) + "]";
    const decision d =
        decide(s.target_receptor, s.weight, input_of(net, s.target, where + ".target"), where + ".weight");
    s.target_receptor = d.target;
    s.weight = d.unit ? 1.0 : d.sign * std::fabs(s.weight);
  }
  return net;
}

}  // namespace neuromesh

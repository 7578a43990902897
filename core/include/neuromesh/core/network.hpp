#pragma once
// The network description: a pure value (no simulation state) that every front end produces (C++,
// JSON files, built-in networks, later Python/NIR/SONATA) and every backend instantiates.
// Nothing downstream knows where a description came from.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <neuromesh/core/conv2d.hpp>

namespace neuromesh {

using index_t = std::uint32_t;  // neuron index within a population
using gid_t = std::uint32_t;    // global neuron id: populations concatenated in order

// A random distribution for parameters, initial values, weights and delays; evaluated from keyed
// streams so every entity's value is independent of who computes it. Values outside [low, high]
// are redrawn (NEST's *_clipped semantics).
struct distribution {
  enum class kind { uniform, normal, exponential, lognormal };
  kind type = kind::uniform;
  double a = 0.0;  // uniform: low;  normal: mean;  exponential: mean;  lognormal: mu of log
  double b = 1.0;  // uniform: high;  normal: std;  exponential: unused;  lognormal: sigma of log
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  // Set only by the sign rule (resolve_receptors, api.hpp) for weights: 0 keeps each draw as it
  // is; +1 / -1 store +|x| / -|x| of a draw x accepted within [low, high].
  double magnitude_sign = 0.0;
};

// A value given as one scalar for all, one number per entity, or a distribution.
using value_spec = std::variant<double, std::vector<double>, distribution>;

class keyed_stream;
// One value of `d` from stream `s`, redrawn while outside [low, high] (config_error after 10,000
// tries): the one place distributions are sampled for parameters, weights and delays.
double draw(const distribution& d, keyed_stream& s);

// Evaluates a value_spec for one entity (index i of n) from a keyed stream identified by
// (seed, purpose, entity, sub). Throws config_error naming `where` for an array of the wrong size.
double evaluate(const value_spec& v, std::size_t i, std::uint64_t seed, std::uint32_t purpose, std::uint32_t entity,
                std::uint32_t sub);
// The finiteness rule of every number given for a parameter or initial value: finite, or -inf
// where minus_infinity_allowed (a parameter whose model default is -inf: no bound). Never NaN or
// +inf, so the models' checks and updates see finite numbers only.
bool allowed_number(double x, bool minus_infinity_allowed);
// Checks an array-valued spec has n entries, every number is finite (-inf too where
// minus_infinity_allowed: a parameter whose model default is -inf, e.g. V_min) and a distribution
// is well-formed; names `where`.
void validate_value(const value_spec& v, std::size_t n, const std::string& where, bool minus_infinity_allowed = false);

// A group of neurons sharing one model. Parameters and initial state values missing from the maps
// take the model's defaults. spike_times is used by spike_source_array only (ms, per neuron).
struct population {
  std::string label;
  index_t size = 0;
  std::string model;
  std::map<std::string, value_spec> params;
  std::map<std::string, value_spec> initial;
  std::vector<std::vector<double>> spike_times;
  // spike_source_array: spike times off the dt grid are an error (as in NEST) unless this is set;
  // then they are rounded up to the grid (NEST's allow_offgrid_times).
  bool allow_offgrid_times = false;
};

// Which receptor a projection's (or a Poisson drive's) weights act on -- the sign rule, written
// once in backends/api/src/sign_rule.cpp and documented in docs/network-format.md:
//   by_sign (the default): the weight's sign chooses, as in NEST: w >= 0 excites, w < 0 inhibits;
//   excitatory: weights must be >= 0 (a negative one is an error, not a silent inhibition);
//   inhibitory: inhibition of strength |w|, whichever sign is given (NEST's negative or PyNN's
//               positive convention).
// Weights of both signs in one projection are an error (split it). Engines only ever see
// excitatory or inhibitory: make_simulation resolves by_sign first.
enum class receptor : std::uint8_t { excitatory = 0, inhibitory = 1, by_sign = 2 };
inline constexpr int n_receptors = 2;

// connector kind `sonata`: the edges of one SONATA edge population, read from its HDF5 file at
// build time by each shard for the targets it owns (docs/network-format.md, "Streamed SONATA
// edges"), so the edge list is never held in memory. Edge e joins node source_node_id[e] -
// source_first of the view to target_node_id[e] - target_first; edges whose ids fall outside the
// two views, whose edge_type_id is not in edge_types (when given), or whose weight has the other
// sign are someone else's. Weights and delays come from the population's group 0 columns
// syn_weight / delay, else from the per-type values (edge_types.csv). The projection's weight is a
// scalar factor of |syn_weight| (its sign and receptor follow the sign rule as usual).
struct sonata_edges {
  std::string file, population;                      // the edges file and /edges/<population>
  std::uint64_t source_first = 0, target_first = 0;  // node id of each view's first neuron
  std::uint64_t source_nodes = 0, target_nodes = 0;  // node populations' sizes (larger ids: an error)
  std::vector<std::int64_t> edge_types;              // edge_type_ids kept (empty: all)
  std::vector<double> type_weight, type_delay;       // per entry of edge_types: value without a column (NaN: none)
  int sign = 0;                                      // +1: edges with syn_weight >= 0; -1: < 0; 0: all
  std::uint64_t chunk = std::uint64_t{1} << 20;      // edges read at once: the reader's memory bound
};

// How sources are chosen for each target. Defaults follow NEST: autapses and multapses allowed.
struct connector {
  enum class kind {
    all_to_all,
    one_to_one,
    fixed_probability,
    fixed_indegree,
    fixed_outdegree,
    fixed_total_number,
    explicit_list,
    distance_probability,
    sonata,
    conv2d
  };
  kind type = kind::all_to_all;
  double p = 0.0;  // fixed_probability; distance_probability: peak probability
  // distance_probability: both views lie on the unit square as row-major grids (side ceil(sqrt(n)),
  // periodic edges); a pair at distance d connects with p exp(-d^2 / (2 sigma^2)), sigma in units
  // of the square's side, the kernel cut at 4 sigma. A locally connected sheet (e.g. for MPI).
  double sigma = 0.0;
  std::uint64_t n = 0;                    // fixed_indegree / fixed_outdegree / fixed_total_number
  bool autapses = true;                   // a neuron may connect to itself (only when pre == post)
  bool multapses = true;                  // a pair may be connected more than once
  std::vector<index_t> sources, targets;  // explicit_list: pairs (sources[k], targets[k])
  sonata_edges edges;                     // sonata (n: the expected number of edges, a size hint)
  conv2d_geometry conv;                   // conv2d: a convolution's geometry and kernel (core/conv2d.hpp)
};

// Synapses from `pre` to `post`. weight is in the target model's unit (pA, nS or mV; its sign and
// `target` follow the sign rule above); delay in ms (>= dt).
// A contiguous range [begin, end) of a population's neurons; the default is all of them.
struct view {
  index_t begin = 0;
  index_t end = std::numeric_limits<index_t>::max();
};
// The range a view covers in a population of `size` neurons (end clamped to size).
inline std::pair<index_t, index_t> view_of(const view& v, index_t size) {
  return {std::min(v.begin, size), std::min(v.end, size)};
}

struct projection {
  std::string pre, post;
  view pre_view, post_view;  // population slices (PyNN's pop[a:b]); connectors see only these
  connector conn;
  std::string synapse = "static";  // a synapse model (synapses/registry.hpp): "static", "stdp_synapse", ...
  // The model's parameters besides weight and delay (e.g. tau_plus); the rest take its defaults.
  std::map<std::string, double> synapse_parameters;
  value_spec weight = 1.0;
  value_spec delay = 1.0;
  receptor target = receptor::by_sign;
  // NEST's receptor_type: the port (1..n) of a multisynapse model (neurons/multisynapse.hpp) the
  // synapses act on; 0: none given (every other model, whose receptor is `target`).
  int receptor_type = 0;
};

// The ring-buffer row a projection's synapses add to: port receptor_type - 1 of a multisynapse
// model, else the resolved receptor (0 excitatory, 1 inhibitory).
inline std::uint8_t engine_receptor(const projection& p) {
  return static_cast<std::uint8_t>(p.receptor_type > 0 ? p.receptor_type - 1 : static_cast<int>(p.target));
}

// Stimulus devices attached to a population (NEST's names and parameters, units pA, ms, Hz, deg;
// semantics and timing in neurons/include/neuromesh/neurons/stimulus_drives.hpp and
// docs/network-format.md, "Stimuli"). Each device drives every neuron of `target`.
//   poisson_generator: an independent Poisson train of `rate` Hz per neuron, `weight` per spike;
//   dc_source: a current `amplitude` pA during [start, stop) ms;
//   step_current_generator: piecewise constant current, amplitude_values[i] from amplitude_times[i];
//   ac_generator: offset + amplitude sin(2 pi frequency t + phase);
//   noise_generator: mean + N(0,1) sqrt(std^2 + std_mod^2 sin(2 pi frequency t + phase)), a new
//     draw per neuron every `dt` ms;
//   inhomogeneous_poisson_generator: Poisson trains at rate_values[i] Hz from rate_times[i];
//   sinusoidal_poisson_generator: Poisson trains at max(0, rate + amplitude sin(2 pi f t + phase)).
// Every device is active in [start, stop); `delay` is NEST's device->neuron connection delay.
struct stimulus {
  enum class kind {
    poisson_generator,
    dc_source,
    step_current_generator,
    ac_generator,
    noise_generator,
    inhomogeneous_poisson_generator,
    sinusoidal_poisson_generator
  };
  kind type = kind::poisson_generator;
  std::string target;
  double rate = 0.0, weight = 0.0;
  receptor target_receptor = receptor::by_sign;
  double amplitude = 0.0, start = 0.0, stop = std::numeric_limits<double>::infinity();
  // ms, >= 0, a multiple of dt; NaN: the device's default (one step for NEST's current and
  // inhomogeneous/sinusoidal Poisson generators -- NEST's smallest delay --, 0 for dc_source and
  // poisson_generator, which act from `start`).
  double delay = std::numeric_limits<double>::quiet_NaN();
  // step_current_generator: amplitude_times (ms) / amplitude_values (pA); inhomogeneous_poisson_generator:
  // rate_times (ms) / rate_values (Hz).
  std::vector<double> times, values;
  bool allow_offgrid_times = false;  // times off the grid are rounded up to it (else an error, as NEST)
  double offset = 0.0, frequency = 0.0, phase = 0.0;     // ac_generator, noise_generator, sinusoidal_poisson_generator
  double mean = 0.0, std_dev = 0.0, std_mod = 0.0;       // noise_generator (pA; std_dev is NEST's `std`)
  double dt = std::numeric_limits<double>::quiet_NaN();  // noise_generator's interval (ms); NaN: 10 steps (NEST)
  bool individual_spike_trains = true;                   // sinusoidal_poisson_generator
};
// The device's NEST name ("poisson_generator", "dc_source", "step_current_generator", ...);
// stimulus_kind_from_name is its inverse (an unknown name is a config_error naming `where`).
const char* stimulus_kind_name(stimulus::kind k);
stimulus::kind stimulus_kind_from_name(const std::string& name, const std::string& where);
// Whether the device sends spikes (weight and receptor apply, sign rule) rather than a current.
inline bool sends_spikes(stimulus::kind k) {
  return k == stimulus::kind::poisson_generator || k == stimulus::kind::inhomogeneous_poisson_generator ||
         k == stimulus::kind::sinusoidal_poisson_generator;
}

// What to record. variable "spikes" records spikes; any state variable of the model records a
// SONATA report every `interval` ms for the neurons in `ids` (empty: all). Only the window
// [start, stop) ms is recorded (multiples of dt; stop infinite: to the end): spikes stamped t with
// start <= t < stop, state frames at the multiples of `interval` in it. The spike recorders of
// one population share one window (validate() checks it).
struct recorder {
  std::string population;
  std::string variable = "spikes";
  double interval = 1.0;
  std::vector<index_t> ids;
  double start = 0.0;
  double stop = std::numeric_limits<double>::infinity();
  bool windowed() const { return start != 0.0 || stop != std::numeric_limits<double>::infinity(); }
};

// NEST's weight_recorder: the weight of chosen synapses of a plastic projection, recorded each time
// a presynaptic spike updates it (docs/plasticity.md, "Weight recorder"). Synapse (pre, post) is
// recorded when pre is in `pre` and post in `post` (population-local ids; empty: any) -- NEST's
// senders and targets.
struct weight_recorder {
  std::size_t projection = 0;  // index in network::projections
  std::vector<index_t> pre, post;
  std::string label;  // the group /weights/<label>; empty: the projection's edge name (<pre>_to_<post>)
};

// Names used by every front end (JSON, Python): "fixed_probability", "inhibitory", "normal", ...
// Unknown names throw config_error naming `where` and listing the known ones.
connector::kind connector_kind_from_name(const std::string& name, const std::string& where);
receptor receptor_from_name(const std::string& name, const std::string& where);
distribution::kind distribution_kind_from_name(const std::string& name, const std::string& where);

struct network {
  std::string name = "network";
  double dt = 0.1;  // ms
  std::uint64_t seed = 12345;
  double duration = 1000.0;  // ms; the run length front ends use when none is given
  std::vector<population> populations;
  std::vector<projection> projections;
  std::vector<stimulus> stimuli;
  std::vector<recorder> recorders;
  std::vector<weight_recorder> weight_recorders;

  // Index of the population labelled `label`; throws config_error naming `where` if none.
  std::size_t population_index(const std::string& label, const std::string& where) const;
  // First global id of each population and, last, the total number of neurons.
  std::vector<gid_t> offsets() const;
  // Projection k's name in the output file: <pre>_to_<post>, with _<k> appended when several
  // projections join the same two populations (/edges/<name>).
  std::string edge_name(std::size_t k) const;
  // Weight recorder i's group /weights/<name>: its label, else its projection's edge_name.
  std::string weight_recorder_name(std::size_t i) const;
};

// The population of global id `gid`, given network::offsets(): the last offset at or below it.
inline std::size_t population_of(const std::vector<gid_t>& offsets, gid_t gid) {
  return static_cast<std::size_t>(std::upper_bound(offsets.begin(), offsets.end(), gid) - offsets.begin() - 1);
}

}  // namespace neuromesh

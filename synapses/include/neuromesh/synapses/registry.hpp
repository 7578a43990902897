#pragma once
// The explicit list of synapse models, the counterpart of neurons/registry.hpp. Front ends and
// validation look models up by name (`find_synapse_model`: the JSON name or NEST's); backends turn a
// projection's model name into code once, with `with_synapse_model`, and instantiate their delivery
// over the model type. Adding a model: write its header (model.hpp) and add it to `synapse_models`.
#include <array>
#include <cmath>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/synapses/static_synapse.hpp>
#include <neuromesh/synapses/stdp_nn_synapse.hpp>
#include <neuromesh/synapses/stdp_pl_synapse_hom.hpp>
#include <neuromesh/synapses/stdp_synapse.hpp>
#include <neuromesh/synapses/stdp_triplet_synapse.hpp>
#include <neuromesh/synapses/tsodyks2_synapse.hpp>
#include <neuromesh/synapses/tsodyks_synapse.hpp>

namespace neuromesh {

template <class... Synapses>
struct synapse_list {
  static constexpr std::size_t size = sizeof...(Synapses);
};

// Every synapse model a backend must support.
using synapse_models =
    synapse_list<static_synapse, stdp_synapse, stdp_synapse_hom, stdp_pl_synapse_hom, tsodyks2_synapse, tsodyks_synapse,
                 stdp_nn_symm_synapse, stdp_nn_restr_synapse, stdp_triplet_synapse>;

// A synapse model's description at run time, for validation and front ends.
struct synapse_info {
  std::string_view name, nest_name;
  bool plastic;     // weights change at run time (a weight column per synapse)
  bool short_term;  // run-time state per source (short-term plasticity; weights unchanged)
  std::span<const synapse_parameter_spec> parameters;
  std::span<const synapse_state_spec> state;
  std::string (*check)(const double* p);
};

namespace detail {
template <class S>
constexpr bool has_short_term() {
  if constexpr (requires { S::short_term; })
    return S::short_term;
  else
    return false;
}
template <class S>
constexpr synapse_info describe_synapse() {
  return {S::name,
          S::nest_name,
          S::plastic,
          has_short_term<S>(),
          std::span<const synapse_parameter_spec>(S::parameters),
          std::span<const synapse_state_spec>(S::state),
          &S::check};
}
template <class... Ss>
constexpr std::array<synapse_info, sizeof...(Ss)> describe_synapses(synapse_list<Ss...>) {
  return {describe_synapse<Ss>()...};
}
inline constexpr auto synapse_table = describe_synapses(synapse_models{});  // an immutable constant

template <class F, class S, class... Rest>
decltype(auto) dispatch_synapse_index(std::size_t index, F&& f, synapse_list<S, Rest...>) {
  if (index == 0) return f.template operator()<S>();
  if constexpr (sizeof...(Rest) > 0)
    return dispatch_synapse_index(index - 1, std::forward<F>(f), synapse_list<Rest...>{});
  else
    throw internal_error("synapse model index out of range");
}

template <class F, class S, class... Rest>
decltype(auto) dispatch_synapse(std::string_view name, F&& f, synapse_list<S, Rest...>) {
  if (name == S::name || name == S::nest_name) return f.template operator()<S>();
  if constexpr (sizeof...(Rest) > 0)
    return dispatch_synapse(name, std::forward<F>(f), synapse_list<Rest...>{});
  else
    throw internal_error("synapse model '" + std::string(name) + "' reached a backend without validation");
}
}  // namespace detail

// All synapse models, in registry order.
inline std::span<const synapse_info> all_synapse_models() { return detail::synapse_table; }

// The model called `name` (its JSON name or NEST's, e.g. "static" or "static_synapse"), or nullptr.
inline const synapse_info* find_synapse_model(std::string_view name) {
  for (const synapse_info& s : detail::synapse_table)
    if (s.name == name || s.nest_name == name) return &s;
  return nullptr;
}

// Position of the model called `name` in synapse_models (for with_synapse_model_at), or -1.
inline int synapse_model_index(std::string_view name) {
  for (std::size_t i = 0; i < detail::synapse_table.size(); ++i)
    if (detail::synapse_table[i].name == name || detail::synapse_table[i].nest_name == name) return static_cast<int>(i);
  return -1;
}

// "static (static_synapse), ...": the names of all synapse models, for error messages.
inline std::string synapse_model_names() {
  std::string out;
  for (const synapse_info& s : detail::synapse_table)
    out += (out.empty() ? "" : ", ") + std::string(s.name) + " (" + std::string(s.nest_name) + ")";
  return out;
}

// Calls f.template operator()<S>() with the model S named `name`: the one place where a model name
// becomes code. Names are checked by validate() first; an unknown one here is an internal_error.
template <class F>
decltype(auto) with_synapse_model(std::string_view name, F&& f) {
  return detail::dispatch_synapse(name, std::forward<F>(f), synapse_models{});
}

// The parameter values of projection p's synapse model, in the model's order: its defaults,
// overridden by p.synapse_parameters. An unknown name or a value the model refuses is a
// config_error at `where`.synapse.<name>.
inline std::vector<double> synapse_parameter_values(const projection& p, const std::string& where) {
  const synapse_info* s = find_synapse_model(p.synapse);
  if (s == nullptr) throw config_error(where + ".synapse.model", "unknown synapse model '" + p.synapse + "'");
  std::vector<double> values;
  for (const synapse_parameter_spec& spec : s->parameters) values.push_back(spec.default_value);
  for (const auto& [name, value] : p.synapse_parameters) {
    std::size_t i = 0;
    while (i < s->parameters.size() && s->parameters[i].name != name) ++i;
    if (i == s->parameters.size()) {
      std::string known;
      for (const synapse_parameter_spec& spec : s->parameters)
        known += (known.empty() ? "" : ", ") + std::string(spec.name);
      throw config_error(where + ".synapse." + name,
                         "not a parameter of " + std::string(s->nest_name) +
                             " (known: " + (known.empty() ? "none besides weight and delay" : known) + ")");
    }
    if (!std::isfinite(value)) throw config_error(where + ".synapse." + name, "must be a finite number");
    values[i] = value;
  }
  const std::string problem = s->check(values.data());
  if (!problem.empty()) {
    const std::size_t colon = problem.find(':');
    throw config_error(where + ".synapse." + problem.substr(0, colon), problem.substr(colon + 2));
  }
  return values;
}

// The same dispatch by position in synapse_models (synapse_model_index), for hot paths that
// resolved the name once.
template <class F>
decltype(auto) with_synapse_model_at(std::size_t index, F&& f) {
  return detail::dispatch_synapse_index(index, std::forward<F>(f), synapse_models{});
}

// How a projection keeps its weights -- decided from the description, never from the built data:
// one number for every synapse (shared: a scalar weight on a static synapse; 4 bytes per synapse)
// or a column (distributions, arrays, per-connection lists or files, and every plastic model). validate()
// calls it, so a projection that reaches an engine has a known model.
inline weight_storage weight_storage_of(const projection& p) {
  const synapse_info* s = find_synapse_model(p.synapse);
  if (s == nullptr) throw config_error("synapse.model", "unknown synapse model '" + p.synapse + "'");
  // (a sonata connector's scalar weight is a factor of the file's per-edge weights)
  // (a conv2d connector's scalar weight is a factor of its kernel entries)
  const bool one = std::holds_alternative<double>(p.weight) && p.conn.type != connector::kind::sonata &&
                   p.conn.type != connector::kind::conv2d;
  return !s->plastic && one ? weight_storage::shared : weight_storage::per_synapse;
}

}  // namespace neuromesh

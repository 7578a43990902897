#pragma once
// The starting point of one neuron, computed the same way by every backend (so their spikes can be
// bit-identical): parameters as given (scalars, per-neuron arrays, or distributions drawn from the
// keyed stream (seed, purpose, gid, name key)), the model's check and derived constants, and the
// initial state -- defaults from the model, or given values in user units made relative to their
// offset parameter (V_m is stored as V_m - E_L). Host code.
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>
#include <neuromesh/neurons/model.hpp>
#include <neuromesh/neurons/multisynapse.hpp>

namespace neuromesh {

// Stable 32-bit key of a parameter or state name (FNV-1a): part of the keyed stream's address.
std::uint32_t name_key(std::string_view name);

template <class Model>
struct neuron_values {
  std::array<double, Model::parameters.size()> p{};
  std::array<double, Model::n_constants> k{};
  std::array<double, Model::state.size()> x{};
};

// Values of neuron `idx` (population-local; global id `gid`) of `pop`. parameter_error names the
// population, the parameter and the neuron when the model's check fails.
template <class Model>
neuron_values<Model> initial_values(const population& pop, index_t idx, gid_t gid, std::uint64_t seed, double dt) {
  neuron_values<Model> v;
  for (std::size_t j = 0; j < v.p.size(); ++j) {
    auto it = pop.params.find(std::string(Model::parameters[j].name));
    v.p[j] = it == pop.params.end()
                 ? Model::parameters[j].default_value
                 : evaluate(it->second, idx, seed, static_cast<std::uint32_t>(rng_purpose::parameter), gid,
                            name_key(Model::parameters[j].name));
    // The finiteness rule of validate_value (core/src/network.cpp) for each neuron's value, which
    // also covers values drawn from a distribution (a lognormal can overflow to +inf): every value a
    // model's check sees is finite (or -inf where the default is: no bound), so the checks need not
    // test it. (Defaults are the model's own: a multisynapse model's unused port slots are NaN.)
    if (it != pop.params.end() &&
        !allowed_number(v.p[j], Model::parameters[j].default_value == -std::numeric_limits<double>::infinity()))
      throw parameter_error(
          pop.label, std::string(Model::parameters[j].name),
          "must be a finite number, is " + std::to_string(v.p[j]) + " (neuron " + std::to_string(idx) + ")");
  }
  // NEST's per-port lists (tau_syn, E_rev) fill the port slots (multisynapse.hpp).
  if constexpr (requires { Model::max_ports; }) {
    for (const auto& [name, value] : pop.params) {
      const int first = parameter_index(Model::parameters, multisynapse::slot_name(name, 1));
      if (first < 0) continue;
      const auto& list = std::get<std::vector<double>>(value);  // validate() refuses anything else
      for (int r = 0; r < Model::max_ports; ++r)
        v.p[first + r] = r < static_cast<int>(list.size()) ? list[r] : std::numeric_limits<double>::quiet_NaN();
    }
  }
  if (std::string problem = Model::check(v.p.data(), dt); !problem.empty())
    throw parameter_error(pop.label, problem.substr(0, problem.find(':')),
                          problem.substr(problem.find(':') + 2) + " (neuron " + std::to_string(idx) + ")");
  Model::derive(v.p.data(), dt, v.k.data());
  Model::initial_state(v.p.data(), v.x.data());
  for (std::size_t j = 0; j < v.x.size(); ++j) {
    auto it = pop.initial.find(std::string(Model::state[j].name));
    if (it == pop.initial.end()) continue;
    const int off = Model::state[j].offset_parameter;
    const double given = evaluate(it->second, idx, seed, static_cast<std::uint32_t>(rng_purpose::initial_state), gid,
                                  name_key(Model::state[j].name));
    v.x[j] = given - (off >= 0 ? v.p[off] : 0.0);
    // The same rule for initial values (never -inf), drawn ones included; the difference too.
    if (!allowed_number(given, false) || !allowed_number(v.x[j], false))
      throw parameter_error(pop.label, std::string(Model::state[j].name),
                            "initial value must be a finite number, is " + std::to_string(given) + " (neuron " +
                                std::to_string(idx) + ")");
  }
  return v;
}

}  // namespace neuromesh

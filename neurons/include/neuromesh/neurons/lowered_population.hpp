#pragma once
// The one lowering of a population's description into what an engine runs (docs/architecture.md:
// Lowering): for the neurons an engine part owns, the model (one dispatch by name, one error for
// an unknown model), parameter, constant and state columns, the stimulus drives and the spike
// schedule of a spike source. Every backend calls this, so what they start from is the same by
// construction; the engines only own the memory and run the update kernels. Host code, used while
// an engine is built.
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/partition.hpp>
#include <neuromesh/core/spike.hpp>
#include <neuromesh/neurons/initial_values.hpp>
#include <neuromesh/neurons/registry.hpp>
#include <neuromesh/neurons/stimulus_drives.hpp>

namespace neuromesh {

// Names a model type for a generic visitor: `[&](auto tag) { using M = decltype(tag)::type; }`.
template <class Model>
struct model_tag {
  using type = Model;
};

// Structure-of-arrays columns of n neurons: column j of neuron i at [j * n + i].
template <class Real>
struct neuron_columns {
  std::uint32_t n = 0;
  std::vector<double> params;  // P columns: parameters as given (reading state adds offsets)
  std::vector<Real> k;         // C columns: derived constants (propagators), in Real
  std::vector<Real> x;         // S columns: initial state, in Real
  // Every neuron has the same constants (in Real), so a kernel can hold one copy in registers;
  // false for no neurons (there is no first one to hold).
  bool uniform_constants = false;
};

// One population's neurons owned by one engine part (a shard, a device): population-local ids
// from `slice`, global ids first_gid + id (first_gid: the population's first gid).
class lowered_population {
 public:
  // Throws config_error at populations[<label>].model for a model the registry does not know.
  lowered_population(const network& net, shard_slice slice, gid_t first_gid);
  // The whole population (an engine that owns every neuron).
  lowered_population(const network& net, std::size_t population, gid_t first_gid);

  const network& net() const { return *net_; }
  const population& pop() const { return net_->populations[slice_.population]; }
  const shard_slice& slice() const { return slice_; }
  const model_info& model() const { return *model_; }
  bool is_source() const { return model_->kind == population_kind::spike_source_array; }
  std::uint32_t size() const { return slice_.size(); }
  index_t id(std::uint32_t i) const { return slice_.id(i); }
  gid_t gid(std::uint32_t i) const { return first_gid_ + slice_.id(i); }

  // Calls visitor(model_tag<Model>{}) for the population's neuron model (the one dispatch by
  // name) and returns what it returns. A spike source has no model to step: see spike_schedule.
  template <class Visitor>
  decltype(auto) with_neuron_model(Visitor&& visitor) const {
    return dispatch(visitor, neuron_models{});
  }

  // Parameters (scalars, arrays, or drawn from the keyed streams), the model's check (a
  // parameter_error naming population, parameter and neuron), derived constants and initial
  // state of every owned neuron: initial_values.hpp, in Real.
  template <class Model, class Real>
  neuron_columns<Real> columns() const;
  // The stimulus devices that target this population, in network order.
  stimulus_drives drives() const;
  // A spike source's spikes, sorted by (step, gid): a spike at t is fired in the step ending at
  // t; a time given twice is two spikes (NEST's multiplicity).
  std::vector<spike> spike_schedule() const;

 private:
  template <class Visitor, class... Models>
  decltype(auto) dispatch(Visitor& visitor, model_list<Models...>) const {
    return dispatch_among<Visitor, Models...>(visitor);
  }
  template <class Visitor, class Model, class... Rest>
  decltype(auto) dispatch_among(Visitor& visitor) const {
    if (model_->name == Model::name) return visitor(model_tag<Model>{});
    if constexpr (sizeof...(Rest) > 0)
      return dispatch_among<Visitor, Rest...>(visitor);
    else
      throw internal_error("population " + pop().label + ": '" + std::string(model_->name) +
                           "' is not a neuron model (a spike source has no model to step)");
  }

  const network* net_;
  shard_slice slice_;
  gid_t first_gid_;
  const model_info* model_;
};

template <class Model, class Real>
neuron_columns<Real> lowered_population::columns() const {
  constexpr std::size_t P = Model::parameters.size(), C = Model::n_constants, S = Model::state.size();
  neuron_columns<Real> c;
  c.n = size();
  c.params.resize(P * c.n);
  c.k.resize(C * c.n);
  c.x.resize(S * c.n);
  for (std::uint32_t i = 0; i < c.n; ++i) {
    const auto v = initial_values<Model>(pop(), id(i), gid(i), net_->seed, net_->dt);
    for (std::size_t j = 0; j < P; ++j) c.params[j * c.n + i] = v.p[j];
    for (std::size_t j = 0; j < C; ++j) c.k[j * c.n + i] = static_cast<Real>(v.k[j]);
    for (std::size_t j = 0; j < S; ++j) c.x[j * c.n + i] = static_cast<Real>(v.x[j]);
  }
  c.uniform_constants = c.n > 0;
  for (std::size_t j = 0; j < C * c.n; j += c.n)
    for (std::uint32_t i = 1; i < c.n; ++i) c.uniform_constants = c.uniform_constants && c.k[j + i] == c.k[j];
  return c;
}

// Engine::find_state for every backend: the index and unit of state variable `variable` of the
// population's model, or {-1, ""} if it has none of that name.
std::pair<int, std::string> find_state_variable(const network& net, std::size_t population,
                                                const std::string& variable);

}  // namespace neuromesh

#pragma once
// The explicit list of neuron models. Backends instantiate their population engines over
// `neuron_models`; front ends (JSON, CLI, Python) look models up by name through `find_model`.
// Adding a model: write its header (see model.hpp) and add it to `neuron_models` below.
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <neuromesh/core/network.hpp>
#include <neuromesh/neurons/aeif_cond_alpha.hpp>
#include <neuromesh/neurons/aeif_cond_alpha_multisynapse.hpp>
#include <neuromesh/neurons/aeif_cond_beta_multisynapse.hpp>
#include <neuromesh/neurons/aeif_cond_exp.hpp>
#include <neuromesh/neurons/hh_cond_exp_traub.hpp>
#include <neuromesh/neurons/hh_psc_alpha.hpp>
#include <neuromesh/neurons/iaf_cond_alpha.hpp>
#include <neuromesh/neurons/iaf_cond_exp.hpp>
#include <neuromesh/neurons/iaf_psc_alpha.hpp>
#include <neuromesh/neurons/iaf_psc_alpha_multisynapse.hpp>
#include <neuromesh/neurons/iaf_psc_delta.hpp>
#include <neuromesh/neurons/iaf_psc_exp.hpp>
#include <neuromesh/neurons/iaf_psc_exp_multisynapse.hpp>
#include <neuromesh/neurons/izhikevich.hpp>
#include <neuromesh/neurons/nir_cuba_lif.hpp>
#include <neuromesh/neurons/nir_lif.hpp>
#include <neuromesh/neurons/parrot_neuron.hpp>

namespace neuromesh {

template <class... Models>
struct model_list {
  static constexpr std::size_t size = sizeof...(Models);
};

// Every integrate-and-fire / ODE neuron model a backend must support.
using neuron_models = model_list<iaf_psc_delta, iaf_psc_exp, iaf_psc_alpha, iaf_cond_exp, izhikevich, aeif_cond_exp,
                                 aeif_cond_alpha, nir_lif, nir_cuba_lif, iaf_cond_alpha, hh_psc_alpha,
                                 hh_cond_exp_traub, parrot_neuron, iaf_psc_exp_multisynapse, iaf_psc_alpha_multisynapse,
                                 aeif_cond_alpha_multisynapse, aeif_cond_beta_multisynapse>;

// Kinds of population: ordinary neurons advanced by `step`, or spike sources that emit
// prescribed spike trains (spike_source_array) and have no dynamics.
enum class population_kind : std::uint8_t { neuron, spike_source_array };

// A model's description at run time, for validation, front ends and recording.
struct model_info {
  std::string_view name;
  population_kind kind;
  receptor_kind input;
  std::span<const parameter_spec> parameters;
  std::span<const state_spec> state;
  std::size_t n_constants;
  std::string (*check)(const double* p, double h);
  void (*derive)(const double* p, double h, double* k);
  void (*initial_state)(const double* p, double* x);
  int max_ports = 0;  // receptor port slots (multisynapse.hpp); 0: excitatory / inhibitory receptors
  std::string_view port_list = "tau_syn";            // the list whose set slots are the ports (multisynapse.hpp)
  int parameter(std::string_view pname) const;       // index or -1
  int state_variable(std::string_view sname) const;  // index or -1
};

// All models (neurons and sources), in registry order.
std::span<const model_info> all_models();
// The model called `name`, or nullptr.
const model_info* find_model(std::string_view name);
// The receptor ports of a population's neurons (multisynapse.hpp: the leading slots of the model's
// port_list -- tau_syn, or tau_decay -- that are set, from NEST's list or single slots); 0 for
// models without ports.
int receptor_ports(const population& p);
// Rows per neuron of the engines' input ring buffers: the two receptors (excitatory, inhibitory),
// or as many as the population with the most ports has.
int receptor_rows(const network& net);

// "a, b, c": the names of all models, for error messages that say what is allowed.
std::string model_names();

}  // namespace neuromesh

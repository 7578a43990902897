#include <algorithm>
#include <array>
#include <cmath>

#include <neuromesh/neurons/registry.hpp>
#include <neuromesh/neurons/spike_source_array.hpp>

namespace neuromesh {
namespace {

template <class M>
constexpr int ports_of() {
  if constexpr (has_ports<M>)
    return M::max_ports;
  else
    return 0;
}

template <class M>
constexpr model_info describe(population_kind kind = population_kind::neuron) {
  return model_info{M::name,
                    kind,
                    M::input,
                    std::span<const parameter_spec>(M::parameters),
                    std::span<const state_spec>(M::state),
                    M::n_constants,
                    &M::check,
                    &M::derive,
                    &M::initial_state,
                    ports_of<M>(),
                    port_list_of<M>()};
}

template <class... Ms>
std::vector<model_info> describe_all(model_list<Ms...>) {
  std::vector<model_info> out{describe<Ms>()...};
  out.push_back(describe<spike_source_array>(population_kind::spike_source_array));
  return out;
}

const std::vector<model_info>& table() {
  static const std::vector<model_info> models = describe_all(neuron_models{});  // immutable
  return models;
}

}  // namespace

int model_info::parameter(std::string_view pname) const {
  for (std::size_t i = 0; i < parameters.size(); ++i)
    if (parameters[i].name == pname) return static_cast<int>(i);
  return -1;
}

int model_info::state_variable(std::string_view sname) const {
  for (std::size_t i = 0; i < state.size(); ++i)
    if (state[i].name == sname) return static_cast<int>(i);
  return -1;
}

std::span<const model_info> all_models() { return table(); }

const model_info* find_model(std::string_view name) {
  for (const auto& m : table())
    if (m.name == name) return &m;
  return nullptr;
}

int receptor_ports(const population& p) {
  const model_info* m = find_model(p.model);
  if (!m || m->max_ports == 0) return 0;
  if (auto it = p.params.find(std::string(m->port_list)); it != p.params.end()) {
    const auto* list = std::get_if<std::vector<double>>(&it->second);
    return list ? static_cast<int>(list->size()) : 0;  // validate() refuses anything else
  }
  const int first = m->parameter(multisynapse::slot_name(m->port_list, 1));
  int n = 0;
  for (int r = 0; r < m->max_ports; ++r) {
    auto it = p.params.find(multisynapse::slot_name(m->port_list, r + 1));
    const double* x = it == p.params.end() ? &m->parameters[first + r].default_value : std::get_if<double>(&it->second);
    if (x && std::isnan(*x)) break;  // the first unset slot ends the ports
    ++n;
  }
  return n;
}

int receptor_rows(const network& net) {
  int rows = n_receptors;
  for (const population& p : net.populations) rows = std::max(rows, receptor_ports(p));
  return rows;
}

std::string model_names() {
  std::string out;
  for (const auto& m : table()) out += (out.empty() ? "" : ", ") + std::string(m.name);
  return out;
}

}  // namespace neuromesh

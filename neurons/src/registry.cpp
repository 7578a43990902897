#include <array>

#include <neuromesh/neurons/registry.hpp>
#include <neuromesh/neurons/spike_source_array.hpp>

namespace neuromesh {
namespace {

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
                    &M::initial_state};
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

std::string model_names() {
  std::string out;
  for (const auto& m : table()) out += (out.empty() ? "" : ", ") + std::string(m.name);
  return out;
}

}  // namespace neuromesh

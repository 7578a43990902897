#pragma once
// What every group of model neurons (neuron_group.hpp, port_group.cpp) keeps and how the shard reads
// it: the lowering's SoA columns (column j of neuron i at j * n + i) of parameters as given, derived
// constants and state, and the state access on them -- recording (read, column) and checkpoints
// (save_state, load_state) -- written once. The groups add their update paths and inputs.
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include <neuromesh/neurons/lowered_population.hpp>

#include "population_group.hpp"

namespace neuromesh::cpu {

template <class Model, class Real>
class model_group : public population_group {
 public:
  double read(int var, std::uint32_t i) const final {
    const int off = Model::state[var].offset_parameter;
    return static_cast<double>(x_[var * n_ + i]) + (off >= 0 ? params_[off * n_ + i] : 0.0);
  }

  state_column column(int var) const final {
    if (Model::state[var].offset_parameter >= 0) return {};  // stored relative to a parameter (V_m - E_L)
    return {x_.data() + static_cast<std::size_t>(var) * n_, n_, std::is_same_v<Real, float>};
  }

  std::uint32_t state_width() const final { return static_cast<std::uint32_t>(S); }
  void save_state(std::uint32_t i, double* out) const final {
    for (std::size_t j = 0; j < S; ++j) out[j] = static_cast<double>(x_[j * n_ + i]);  // exact for float too
  }
  void load_state(std::uint32_t i, const double* in) final {
    for (std::size_t j = 0; j < S; ++j) x_[j * n_ + i] = static_cast<Real>(in[j]);
  }

 protected:
  static constexpr std::size_t S = Model::state.size();

  // Takes the columns (c.uniform_constants stays for the group).
  model_group(std::uint32_t n, neuron_columns<Real>& c)
      : n_(n), params_(std::move(c.params)), k_(std::move(c.k)), x_(std::move(c.x)) {}

  std::uint32_t n_;             // neurons
  std::vector<double> params_;  // P columns of n: parameters as given (for reading state)
  std::vector<Real> k_;         // C columns of n: derived constants (propagators)
  std::vector<Real> x_;         // S columns of n: state
};

}  // namespace neuromesh::cpu

#pragma once
// The neurons of a multisynapse model (neurons/multisynapse.hpp) in one shard: like neuron_group
// (SoA columns from the one lowering, the model's shared update), but each neuron reads one input
// per receptor port -- port r from ring-buffer row r - 1 -- and calls the model's `step_ports`.
// Always dense (every neuron updated every step; updating a resting neuron is the identity, so
// the spikes equal an active-set run's). Spike-sending generators cannot target these models
// (validate()), so the drives are currents only: dc/step/ac and noise.
#include <array>
#include <vector>

#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/neurons/lowered_population.hpp>
#include <neuromesh/neurons/multisynapse.hpp>

#include "population_group.hpp"

namespace neuromesh::cpu {

template <class Model, class Real>
class port_group final : public population_group {
  static constexpr std::size_t S = Model::state.size();
  static constexpr std::size_t C = Model::n_constants;
  static constexpr int R = Model::max_ports;

 public:
  port_group(const lowered_population& low, neuron_columns<Real>&& c)
      : n_(low.size()),
        offset_(low.slice().local_offset),
        ports_(receptor_ports(low.pop())),
        uniform_(c.uniform_constants),
        seed_(low.net().seed),
        drives_(low.drives()),
        params_(std::move(c.params)),
        k_(std::move(c.k)),
        x_(std::move(c.x)) {
    for (std::uint32_t i = 0; i < n_; ++i) gids_.push_back(low.gid(i));
  }

  void step(step_t s, shard_arrays& a, std::vector<spike>& fired) override {
    std::array<fixed_t*, R> rows{};
    for (int r = 0; r < ports_; ++r) rows[r] = a.ring.row(r, s) + offset_;
    const drive_step now = drives_.at(s);
    const double* extra = a.extra_current.data() + offset_;
    const auto n_noise = static_cast<std::uint32_t>(now.noise.size());
    Real k[C];
    for (std::uint32_t i = 0; i < n_; ++i) {
      Real in[R] = {}, x[S];
      for (int r = 0; r < ports_; ++r) {
        in[r] = fixed_to<Real>(rows[r][i]);
        rows[r][i] = 0;
      }
      const double current =
          n_noise > 0 ? noisy_current(extra[i], now.noise.data(), n_noise, seed_, gids_[i]) : extra[i];
      const auto stim = static_cast<Real>(current + now.current);
      if (!uniform_ || i == 0)  // scalar parameters: the first neuron's constants serve all
        for (std::size_t j = 0; j < C; ++j) k[j] = k_[j * n_ + i];
      for (std::size_t j = 0; j < S; ++j) x[j] = x_[j * n_ + i];
      const unsigned f = Model::template step_ports<Real, false>(k, x, in, stim);
      for (std::size_t j = 0; j < S; ++j) x_[j * n_ + i] = x[j];
      if (f & step_flags::spiked) fired.push_back({s, gids_[i]});
    }
    updates_ += n_;
  }

  void wake(std::uint32_t) override {}  // always dense

  double read(int var, std::uint32_t i) const override {
    const int off = Model::state[var].offset_parameter;
    return static_cast<double>(x_[var * n_ + i]) + (off >= 0 ? params_[off * n_ + i] : 0.0);
  }

  state_column column(int var) const override {
    if (Model::state[var].offset_parameter >= 0) return {};  // stored relative to a parameter (V_m - E_L)
    return {x_.data() + static_cast<std::size_t>(var) * n_, n_, std::is_same_v<Real, float>};
  }

  void make_dense(shard_arrays&) override {}
  std::uint64_t updates() const override { return updates_; }

  std::uint32_t state_width() const override { return static_cast<std::uint32_t>(S); }
  void save_state(std::uint32_t i, double* out) const override {
    for (std::size_t j = 0; j < S; ++j) out[j] = static_cast<double>(x_[j * n_ + i]);
  }
  void load_state(std::uint32_t i, const double* in) override {
    for (std::size_t j = 0; j < S; ++j) x_[j * n_ + i] = static_cast<Real>(in[j]);
  }

 private:
  std::uint32_t n_, offset_;
  int ports_;
  bool uniform_;  // every neuron has the same constants
  std::uint64_t seed_;
  stimulus_drives drives_;
  std::vector<gid_t> gids_;
  std::uint64_t updates_ = 0;
  std::vector<double> params_;
  std::vector<Real> k_, x_;
};

}  // namespace neuromesh::cpu

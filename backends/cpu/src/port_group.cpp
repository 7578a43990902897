// Multisynapse groups (port_group.hpp): SoA columns from the one lowering and their state access
// (model_group.hpp), as neuron_group, with one staged input column per receptor port. Always dense (every neuron
// updated every step; updating a resting neuron is the identity, so the spikes equal an active-set run's).
// Spike-sending generators cannot target these models (validate()), so the drives are currents only: dc, step, ac and
// noise. The update is a plain loop over neurons the compiler vectorises (fixed port count max_ports: absent ports have
// zero propagators and input); adaptive models (aeif) take the branch-free lane path, and the neurons it defers go
// through the full step in lanes (deferred_lanes.hpp).
#include <array>
#include <cstring>
#include <type_traits>
#include <vector>

#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/vector_width.hpp>
#include <neuromesh/neurons/multisynapse.hpp>

#include "deferred_lanes.hpp"
#include "neuron_group.hpp"
#include "port_group.hpp"

namespace neuromesh::cpu {
namespace {

template <class Model, class Real>
class port_group final : public model_group<Model, Real> {
  using base = model_group<Model, Real>;
  using base::k_, base::n_, base::S, base::x_;
  static constexpr std::size_t C = Model::n_constants;
  static constexpr int R = Model::max_ports;

 public:
  port_group(const lowered_population& low, neuron_columns<Real>&& c)
      : base(low.size(), c),
        offset_(low.slice().local_offset),
        ports_(receptor_ports(low.pop())),
        uniform_(c.uniform_constants),
        seed_(low.net().seed),
        drives_(low.drives()),
        in_(static_cast<std::size_t>(R) * n_, Real(0)),  // rows of absent ports stay 0
        stim_(n_),
        flags_(n_) {
    for (std::uint32_t i = 0; i < n_; ++i) gids_.push_back(low.gid(i));
  }

  void step(step_t s, shard_arrays& a, std::vector<spike>& fired) override {
    const drive_step now = drives_.at(s);
    for (int r = 0; r < ports_; ++r) {  // this step's input, moved out of the ring buffer
      fixed_t* row = a.ring.row(r, s) + offset_;
      Real* in = in_.data() + static_cast<std::size_t>(r) * n_;
      for (std::uint32_t i = 0; i < n_; ++i) {
        in[i] = fixed_to<Real>(row[i]);
        row[i] = 0;
      }
    }
    const double* extra = a.extra_current.data() + offset_;
    const auto n_noise = static_cast<std::uint32_t>(now.noise.size());
    for (std::uint32_t i = 0; i < n_; ++i) {  // the sum every backend forms (noisy_current)
      const double current =
          n_noise > 0 ? noisy_current(extra[i], now.noise.data(), n_noise, seed_, gids_[i]) : extra[i];
      stim_[i] = static_cast<Real>(current + now.current);
    }
    if (uniform_)
      update_all<true>();
    else
      update_all<false>();
    updates_ += n_;
    for (std::uint32_t i = 0; i < n_; ++i)
      if (flags_[i] & step_flags::spiked) fired.push_back({s, gids_[i]});
  }

  void wake(std::uint32_t) override {}  // always dense

  void make_dense(shard_arrays&) override {}
  std::uint64_t updates() const override { return updates_; }

 private:
  // Uniform: every neuron has the same constants, loaded once into registers.
  template <bool Uniform>
  NEUROMESH_WIDE_VECTORS void update_all() {
    const std::uint32_t n = n_;
    const Real* NEUROMESH_RESTRICT kp = k_.data();
    Real* NEUROMESH_RESTRICT xp = x_.data();
    const Real* NEUROMESH_RESTRICT ip = in_.data();
    const Real* NEUROMESH_RESTRICT st = stim_.data();
    std::uint8_t* NEUROMESH_RESTRICT fl = flags_.data();
    Real ku[C];
    if constexpr (Uniform)
      for (std::size_t j = 0; j < C; ++j) ku[j] = kp[j * n];
#pragma GCC ivdep
    for (std::uint32_t i = 0; i < n; ++i) {
      Real k[C], x[S], in[R];
#pragma GCC unroll 64
      for (std::size_t j = 0; j < C; ++j) k[j] = Uniform ? ku[j] : kp[j * n + i];
#pragma GCC unroll 32
      for (std::size_t j = 0; j < S; ++j) x[j] = xp[j * n + i];
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) in[r] = ip[static_cast<std::size_t>(r) * n + i];
      if constexpr (has_lane_ports)
        fl[i] = static_cast<std::uint8_t>(Model::template lane_step_ports<Real, false>(k, x, in, st[i]));
      else
        fl[i] = static_cast<std::uint8_t>(Model::template step_ports<Real, false>(k, x, in, st[i]));
#pragma GCC unroll 32
      for (std::size_t j = 0; j < S; ++j) xp[j * n + i] = x[j];
    }
    if constexpr (has_lane_ports) finish_deferred<Uniform>();
  }

  // The neurons the branch-free path deferred (x untouched): the full step, in SIMD lanes
  // (deferred_lanes.hpp, as neuron_group's; the last few one at a time).
  template <bool Uniform>
  void finish_deferred() {
    collect_deferred(flags_.data(), n_, deferred_idx_);
    const auto input = [ip = in_.data(), n = n_](std::uint32_t i, Real* in) {
      for (int r = 0; r < R; ++r) in[r] = ip[static_cast<std::size_t>(r) * n + i];
    };
    const auto stim = [this](std::uint32_t i) { return stim_[i]; };
    lanes_.template evolve<Uniform, false>(deferred_idx_, k_.data(), x_.data(), flags_.data(), n_, input, stim);
  }

  // Adaptive models (aeif_cond_alpha/beta_multisynapse) run the branch-free common case over all
  // neurons, then `step_ports` for the few it defers (aeif_cond_exp.hpp: the lane path).
  static constexpr bool has_lane_ports = requires(const Real* k, Real* x, const Real* in, Real v) {
    {Model::template lane_step_ports<Real, false>(k, x, in, v)};
  };

  std::uint32_t offset_;
  int ports_;
  bool uniform_;
  std::uint64_t seed_;
  stimulus_drives drives_;
  std::vector<gid_t> gids_;
  std::uint64_t updates_ = 0;
  std::vector<Real> in_, stim_;  // R columns of this step's port input; the current [pA]
  std::vector<std::uint8_t> flags_;
  using lanes_t = std::conditional_t<has_lane_ports, deferred_lanes<Model, Real, R>, no_deferred_lanes>;
  lanes_t lanes_;                            // deferred neurons in lanes (adaptive models)
  std::vector<std::uint32_t> deferred_idx_;  // this step's deferred neurons
};

}  // namespace

template <class Model, class Real>
std::unique_ptr<population_group> make_port_group(const lowered_population& low) {
  return std::make_unique<port_group<Model, Real>>(low, low.template columns<Model, Real>());
}

template std::unique_ptr<population_group> make_port_group<iaf_psc_exp_multisynapse, float>(const lowered_population&);
template std::unique_ptr<population_group> make_port_group<iaf_psc_exp_multisynapse, double>(const lowered_population&);
template std::unique_ptr<population_group> make_port_group<iaf_psc_alpha_multisynapse, float>(
    const lowered_population&);
template std::unique_ptr<population_group> make_port_group<iaf_psc_alpha_multisynapse, double>(
    const lowered_population&);
template std::unique_ptr<population_group> make_port_group<aeif_cond_alpha_multisynapse, float>(
    const lowered_population&);
template std::unique_ptr<population_group> make_port_group<aeif_cond_alpha_multisynapse, double>(
    const lowered_population&);
template std::unique_ptr<population_group> make_port_group<aeif_cond_beta_multisynapse, float>(
    const lowered_population&);
template std::unique_ptr<population_group> make_port_group<aeif_cond_beta_multisynapse, double>(
    const lowered_population&);

}  // namespace neuromesh::cpu

// Neuron groups on the device: columns and drives from the one lowering (lowered_population,
// shared with the cpu backend) copied to the device, then one Thrust for_each per step and group
// over the model's shared `step`.
#include <string>
#include <type_traits>

#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include "neuron_groups.hpp"
#include "runtime.hpp"

namespace neuromesh::NEUROMESH_GPU_NS {
namespace {

// Adds this step's Poisson input of `Drive`s (poisson_drive; rate_now: inhomogeneous and
// sinusoidal Poisson generators) to the ring-buffer slots of a group's neurons (fixed point,
// before the conversion -- as the cpu backend does; a separate pass keeps the update loop free of
// data-dependent inner loops, so the host compiler vectorises it in the OMP build).
template <class Drive>
struct add_spikes {
  fixed_t* ex;  // this step's ring rows, at the group's first neuron
  fixed_t* in;
  const Drive* poisson;
  std::uint32_t n_poisson;
  std::uint64_t seed;
  gid_t first_gid;
  std::uint32_t step;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t u) const {
    const auto i = static_cast<std::size_t>(u);  // 64-bit: affine indices the host compiler vectorises
    for (std::uint32_t d = 0; d < n_poisson; ++d) {
      if constexpr (std::is_same_v<Drive, poisson_drive>)  // (rate_now: only active ones are made)
        if (!poisson[d].active(step)) continue;
      fixed_t& slot = (poisson[d].receptor == 0 ? ex : in)[i];
      slot = add_saturating(slot, poisson[d].input(seed, static_cast<gid_t>(first_gid + i), step));
    }
  }
};
using add_poisson = add_spikes<poisson_drive>;
using add_rates = add_spikes<rate_now>;

// The Poisson drive of neurons [u B, u B + B) of a group (OMP build, B = 64): first the keyed
// streams' first words of all B neurons in a loop the host compiler vectorises (Philox is
// arithmetic only), then the tabulated inversion -- the numbers add_poisson draws one neuron at a
// time, as the cpu backend batches them.
struct add_poisson_batch {
  static constexpr std::uint32_t B = 64;
  add_poisson one;
  std::uint32_t n;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t u) const {
    const auto i0 = static_cast<std::uint32_t>(u) * B;
    const std::uint32_t m = n - i0 < B ? n - i0 : B;
    std::uint64_t bits[B];
    for (std::uint32_t d = 0; d < one.n_poisson; ++d) {
      const poisson_drive& p = one.poisson[d];
      if (!p.active(one.step)) continue;
      fixed_t* row = (p.receptor == 0 ? one.ex : one.in) + i0;
      if (!p.counts.tabulated()) {  // large means: rejection sampling, one stream per neuron
        for (std::uint32_t j = 0; j < m; ++j)
          row[j] = add_saturating(row[j], p.input(one.seed, one.first_gid + i0 + j, one.step));
        continue;
      }
      for (std::uint32_t j = 0; j < m; ++j)
        bits[j] = keyed_stream::drive_u64(one.seed, p.purpose, one.first_gid + i0 + j, one.step);
      for (std::uint32_t j = 0; j < m; ++j)
        row[j] = add_saturating(row[j], scaled_saturating(p.count_from(bits[j]), p.weight, p.max_count));
    }
  }
};

// noise_generator: neuron i's current this step, the closed-loop current plus its noise draws
// (noisy_current, the sum the cpu backend forms), read by update_neuron as its `extra`.
struct fill_noise {
  double* out;
  const double* extra;  // nullptr: no closed-loop current (zero)
  const noise_now* noise;
  std::uint32_t n_noise;
  std::uint64_t seed;
  gid_t first_gid;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t u) const {
    const auto i = static_cast<std::size_t>(u);
    out[i] = noisy_current(extra ? extra[i] : 0.0, noise, n_noise, seed, static_cast<gid_t>(first_gid + i));
  }
};

// Advances neuron i of a group by one step: this step's ring-buffer input (converted once from
// fixed point, then cleared), the model's step, the step flags for spike detection.
// Uniform: all neurons share their constants, held in the functor (registers on a GPU).
// Two functors in one launch: a(i), then b(i).
template <class A, class B>
struct then {
  A a;
  B b;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t i) const {
    a(i);
    b(i);
  }
};

// Extra: a closed-loop current was set (else it is zero and only the dc drive is read, which
// also lets GCC vectorise the loop in the OMP build).
template <class Model, class Real, bool Uniform, bool Extra>
struct update_neuron {
  static constexpr std::size_t C = Model::n_constants, S = Model::state.size();
  const Real* k;
  Real* x;
  std::uint32_t n;
  fixed_t* ex;  // this step's ring rows, at the group's first neuron
  fixed_t* in;
  const double* extra;
  double dc;
  std::uint32_t* flags;
  Real ku[C > 0 ? C : 1];
  int ports = 0;           // multisynapse: the population's ports (rows 0..ports-1)
  std::size_t stride = 0;  // multisynapse: from one receptor row to the next

  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t u) const {
    const auto i = static_cast<std::size_t>(u);  // 64-bit: affine indices the host compiler vectorises
    const Real e = fixed_to<Real>(ex[i]), h = fixed_to<Real>(in[i]);
    ex[i] = 0;
    in[i] = 0;
    Real kk[C > 0 ? C : 1], xx[S];
    NEUROMESH_UNROLL
    for (std::size_t j = 0; j < C; ++j) kk[j] = Uniform ? ku[j] : k[j * n + i];
    NEUROMESH_UNROLL
    for (std::size_t j = 0; j < S; ++j) xx[j] = x[j * n + i];
    const Real stim = Extra ? static_cast<Real>(extra[i] + dc) : static_cast<Real>(dc);
    if constexpr (has_ports<Model>) {  // multisynapse: port r's input is ring row r (ex + r stride)
      Real port[Model::max_ports];
      port[0] = e;
      NEUROMESH_UNROLL
      for (int r = 1; r < Model::max_ports; ++r) port[r] = r == 1 ? h : Real(0);
      for (int r = 2; r < ports; ++r) {
        fixed_t& slot = ex[i + static_cast<std::size_t>(r) * stride];
        port[r] = fixed_to<Real>(slot);
        slot = 0;
      }
      flags[i] = Model::template step_ports<Real, false>(kk, xx, port, stim);
    } else {
      flags[i] = Model::template step<Real, false>(kk, xx, e, h, stim);
    }
    if constexpr (has_multiplicity<Model>)
      flags[i] |= static_cast<std::uint32_t>(xx[Model::multiplicity_state]) << multiplicity_shift;
    NEUROMESH_UNROLL
    for (std::size_t j = 0; j < S; ++j) x[j * n + i] = xx[j];
  }
};

template <class Model, class Real>
class group final : public device_group {
  static constexpr std::size_t S = Model::state.size(), C = Model::n_constants;

 public:
  // Columns and drives from the lowering (the cpu backend's too), copied to the device.
  group(const lowered_population& low, std::uint32_t offset)
      : n_(low.size()), offset_(offset), first_gid_(low.gid(0)), seed_(low.net().seed) {
    neuron_columns<Real> c = low.template columns<Model, Real>();
    uniform_ = c.uniform_constants;
    for (std::size_t j = 0; j < C; ++j) ku_[j] = n_ > 0 ? c.k[j * n_] : Real(0);
    params_ = std::move(c.params);
    k_ = c.k;
    x_ = c.x;
    drives_ = low.drives();
    ports_ = receptor_ports(low.pop());
    poisson_ = drives_.poisson;
    if (!drives_.noise.empty()) noisy_.resize(n_);
  }

  void update(step_t s, const step_context& c) override {
    if (n_ == 0) return;
    // The host part of this step's drives; with `parts` (OMP, one call per thread) every thread
    // computes it alike and uses it in place (host memory), else it is copied to the device.
    const drive_step now = drives_.at(s);
    const double dc = now.current;
    const rate_now* rates = nullptr;
    const noise_now* noise = nullptr;
    if (c.parts > 0) {
      rates = now.rates.data();
      noise = now.noise.data();
    } else {
      if (!now.rates.empty()) rates_.assign(now.rates.begin(), now.rates.end());
      if (!now.noise.empty()) noise_.assign(now.noise.begin(), now.noise.end());
      rates = thrust::raw_pointer_cast(rates_.data());
      noise = thrust::raw_pointer_cast(noise_.data());
    }
    const auto n_rates = static_cast<std::uint32_t>(now.rates.size());
    const auto n_noise = static_cast<std::uint32_t>(now.noise.size());
    const add_rates spikes{c.ring.row(0, s) + offset_,   c.ring.row(1, s) + offset_, rates, n_rates, seed_, first_gid_,
                           static_cast<std::uint32_t>(s)};
    const double* extra = c.extra_current + offset_;
    bool extra_set = c.extra_set;
    if (n_noise > 0) {
      const fill_noise f{
          thrust::raw_pointer_cast(noisy_.data()), c.extra_set ? extra : nullptr, noise, n_noise, seed_, first_gid_};
      extra = thrust::raw_pointer_cast(noisy_.data());
      extra_set = true;
      if (c.parts > 0)
        run_range(c, f);
      else
        for_each_index(c.launch, n_, f);
    }
    if (n_rates > 0) {
      if (c.parts > 0)
        run_range(c, spikes);
      else
        for_each_index(c.launch, n_, spikes);
    }
    if (uniform_ && !extra_set)
      launch<true, false>(s, c, dc, extra);
    else if (uniform_)
      launch<true, true>(s, c, dc, extra);
    else if (!extra_set)
      launch<false, false>(s, c, dc, extra);
    else
      launch<false, true>(s, c, dc, extra);
  }

  void read(int var, std::span<const index_t> ids, std::span<double> out) const override {
    std::vector<Real> column(n_);
    thrust::copy(x_.begin() + static_cast<std::ptrdiff_t>(var) * n_,
                 x_.begin() + static_cast<std::ptrdiff_t>(var + 1) * n_, column.begin());
    const int off = Model::state[var].offset_parameter;
    for (std::size_t j = 0; j < ids.size(); ++j)
      out[j] = static_cast<double>(column[ids[j]]) + (off >= 0 ? params_[off * n_ + ids[j]] : 0.0);
  }

  bool multiplicity() const override { return has_multiplicity<Model>; }

  std::uint32_t state_width() const override { return static_cast<std::uint32_t>(S); }
  void save_state(std::vector<double>& columns) const override {
    std::vector<Real> x(S * n_);
    thrust::copy(x_.begin(), x_.end(), x.begin());
    columns.assign(x.begin(), x.end());  // float -> double is exact
  }
  void load_state(std::span<const double> columns) override {
    std::vector<Real> x(columns.size());
    for (std::size_t k = 0; k < x.size(); ++k) x[k] = static_cast<Real>(columns[k]);
    thrust::copy(x.begin(), x.end(), x_.begin());
  }

 private:
  template <bool Uniform, bool Extra>
  void launch(step_t s, const step_context& c, double dc, const double* extra) {
    fixed_t* ex = c.ring.row(0, s) + offset_;
    fixed_t* in = c.ring.row(1, s) + offset_;
    const add_poisson drive{ex,
                            in,
                            thrust::raw_pointer_cast(poisson_.data()),
                            static_cast<std::uint32_t>(poisson_.size()),
                            seed_,
                            first_gid_,
                            static_cast<std::uint32_t>(s)};
    update_neuron<Model, Real, Uniform, Extra> f{thrust::raw_pointer_cast(k_.data()),
                                                 thrust::raw_pointer_cast(x_.data()),
                                                 n_,
                                                 ex,
                                                 in,
                                                 extra,
                                                 dc,
                                                 c.flags + offset_,
                                                 {}};
    for (std::size_t j = 0; j < C; ++j) f.ku[j] = ku_[j];
    f.ports = ports_;
    f.stride = static_cast<std::size_t>(c.ring.at(1, 0) - c.ring.at(0, 0));
    if (c.parts > 0) {
      run_part(c, drive, f);
    } else if (poisson_.empty()) {
      for_each_index(c.launch, n_, f);
    } else if (c.launch.fuse_poisson) {  // one launch (GPU default)
      for_each_index(c.launch, n_, then<add_poisson, decltype(f)>{drive, f});
    } else {  // two passes: the update loop stays vectorisable (OMP default); drive in batches
      constexpr std::uint32_t B = add_poisson_batch::B;
      launch_policy batches = c.launch;  // the serial threshold still counts neurons
      batches.serial_below = (c.launch.serial_below + B - 1) / B;
      for_each_index(batches, (n_ + B - 1) / B, add_poisson_batch{drive, n_});
      for_each_index(c.launch, n_, f);
    }
  }

  // This thread's part of the step (OMP build, inside the engine's parallel region): whole
  // Poisson batches, so the parts' drives and updates touch disjoint neurons.
  // This thread's part of a per-neuron pass (OMP build, `parts`): the neurons of its whole
  // Poisson batches, as run_part updates them.
  template <class F>
  void run_range(const step_context& c, const F& f) const {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
    constexpr std::uint32_t B = add_poisson_batch::B;
    const std::uint64_t batches = (n_ + B - 1) / B;
    const std::uint64_t b0 = batches * c.part / c.parts, b1 = batches * (c.part + 1) / c.parts;
    run_block(f, b0 * B, b1 * B < n_ ? b1 * B : n_);
#else
    (void)c, (void)f;
#endif
  }

  template <class F>
  void run_part(const step_context& c, const add_poisson& drive, const F& f) const {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
    constexpr std::uint32_t B = add_poisson_batch::B;
    const std::uint64_t batches = (n_ + B - 1) / B;
    const std::uint64_t b0 = batches * c.part / c.parts, b1 = batches * (c.part + 1) / c.parts;
    if (!poisson_.empty()) run_block(add_poisson_batch{drive, n_}, b0, b1);
    run_block(f, b0 * B, b1 * B < n_ ? b1 * B : n_);
#else
    (void)c, (void)drive, (void)f;
#endif
  }

  std::uint32_t n_, offset_;
  gid_t first_gid_;
  std::uint64_t seed_;
  bool uniform_ = false;
  int ports_ = 0;  // multisynapse ports (receptor_ports)
  Real ku_[C > 0 ? C : 1] = {};
  std::vector<double> params_;  // host copy of the parameters as given (for reading state)
  thrust::device_vector<Real> k_, x_;
  thrust::device_vector<poisson_drive> poisson_;
  stimulus_drives drives_;                  // host: currents, noise and rate drives (drive_step)
  thrust::device_vector<rate_now> rates_;   // this step's (whole launches only)
  thrust::device_vector<noise_now> noise_;  // this step's (whole launches only)
  thrust::device_vector<double> noisy_;     // noise_generator: this step's current per neuron
};

}  // namespace

template <class Real>
std::unique_ptr<device_group> make_device_group(const lowered_population& low, std::uint32_t offset) {
  return low.with_neuron_model([&](auto tag) -> std::unique_ptr<device_group> {
    return std::make_unique<group<typename decltype(tag)::type, Real>>(low, offset);
  });
}

template std::unique_ptr<device_group> make_device_group<float>(const lowered_population&, std::uint32_t);
template std::unique_ptr<device_group> make_device_group<double>(const lowered_population&, std::uint32_t);

}  // namespace neuromesh::NEUROMESH_GPU_NS

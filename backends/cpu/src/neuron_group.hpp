#pragma once
// One model's neurons in one shard, in structure-of-arrays layout, updated by the model's
// shared `step`. Two update paths give identical results, because updating a neuron at its fixed
// point is the identity: a dense loop over all neurons that GCC vectorises (used while most
// neurons are active) and a loop over the active list (used while few are). A neuron leaves the
// active list when a step with zero input left its state bit-for-bit unchanged and no input is
// waiting in its ring-buffer slots; delivery wakes it again.
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include <neuromesh/core/avx512.hpp>
#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>
#include <neuromesh/core/vector_width.hpp>
#include <neuromesh/neurons/lowered_population.hpp>

#include "deferred_lanes.hpp"
#include "model_group.hpp"
#include "population_group.hpp"

namespace neuromesh::cpu {

template <class Model, class Real>
class neuron_group final : public model_group<Model, Real> {
  using base = model_group<Model, Real>;
  using base::k_, base::n_, base::S, base::x_;
  static constexpr std::size_t C = Model::n_constants;

 public:
  // Parameters, constants, initial state and drives come from the lowering (the same for every
  // backend); the group keeps them as columns in Real.
  neuron_group(const engine_config& cfg, const lowered_population& low, shard_arrays& a)
      : neuron_group(cfg, low, low.template columns<Model, Real>(), a) {}

  neuron_group(const engine_config& cfg, const lowered_population& low, neuron_columns<Real>&& c, shard_arrays& a)
      : base(low.size(), c),
        offset_(low.slice().local_offset),
        first_gid_(low.size() > 0 ? low.gid(0) : 0),
        seed_(low.net().seed),
        drives_(low.drives()),
        sparse_allowed_(cfg.active_set && !drives_.any()),
        uniform_constants_(c.uniform_constants),
        in_ex_(n_),
        in_in_(n_),
        stim_(n_),
        deferred_ex_(has_lane_step<Model, Real> ? n_ : 0),
        deferred_in_(has_lane_step<Model, Real> ? n_ : 0),
        flags_(n_) {
    if (!low.slice().contiguous())  // a rank that owns scattered neurons (round-robin, placement)
      for (std::uint32_t i = 0; i < n_; ++i) gids_.push_back(low.gid(i));
    for (std::uint32_t i = 0; i < n_; ++i) a.awake[offset_ + i] = 1;  // start dense
  }

  void allocate_run_buffers() override {
    kept_.clear();
    for (const poisson_drive& d : drives_.poisson)
      kept_.push_back({std::vector<std::uint64_t>(d.counts.tabulated() ? n_ : 0)});
  }

  void step(step_t s, shard_arrays& a, std::vector<spike>& fired) override {
    if (dense_)
      step_dense(s, a, fired);
    else
      step_sparse(s, a, fired);
  }

  void wake(std::uint32_t i) override { active_.push_back(i); }

  void make_dense(shard_arrays& a) override {
    if (!dense_) --a.sparse_groups;
    dense_ = true;
    has_extra_current_ = true;
    sparse_allowed_ = false;
    for (std::uint32_t i = 0; i < n_; ++i) a.awake[offset_ + i] = 1;
  }

  std::uint64_t updates() const override { return updates_; }

 private:
  // Input of neuron i (group index) for step s, for the sparse path (groups with stimulus
  // devices never go sparse, so only ring-buffer input and closed-loop current apply).
  void stage_input(shard_arrays& a, fixed_t* ex, fixed_t* in, std::uint32_t i) {
    in_ex_[i] = fixed_to<Real>(ex[offset_ + i]);
    in_in_[i] = fixed_to<Real>(in[offset_ + i]);
    ex[offset_ + i] = 0;
    in[offset_ + i] = 0;
    stim_[i] = static_cast<Real>(a.extra_current[offset_ + i]);
  }

  // Advances neuron i by one step through the model's shared step function.
  unsigned update_one(std::uint32_t i) {
    std::array<Real, C> k;
    std::array<Real, S> x;
    for (std::size_t j = 0; j < C; ++j) k[j] = k_[j * n_ + i];
    for (std::size_t j = 0; j < S; ++j) x[j] = x_[j * n_ + i];
    const unsigned f = Model::template step<Real>(k.data(), x.data(), in_ex_[i], in_in_[i], stim_[i]);
    for (std::size_t j = 0; j < S; ++j) x_[j * n_ + i] = x[j];
    return f;
  }

  // The vectorised path: plain loops over SoA columns with no aliasing between them. Uniform:
  // every neuron has the same constants (scalar parameters), loaded once into registers.
  // Fused: input is read (and cleared) straight from the ring buffer instead of the staging
  // arrays -- same arithmetic, less memory traffic; used on steps that skip the rest check.
  template <bool Uniform, bool Fused>
  NEUROMESH_WIDE_VECTORS void update_all(fixed_t* NEUROMESH_RESTRICT rex, fixed_t* NEUROMESH_RESTRICT rin) {
    const std::uint32_t n = n_;
    const Real* NEUROMESH_RESTRICT kp = k_.data();
    Real* NEUROMESH_RESTRICT xp = x_.data();
    const Real* NEUROMESH_RESTRICT ex = in_ex_.data();
    const Real* NEUROMESH_RESTRICT in = in_in_.data();
    const Real* NEUROMESH_RESTRICT st = stim_.data();
    Real* NEUROMESH_RESTRICT dex = deferred_ex_.data();
    Real* NEUROMESH_RESTRICT din = deferred_in_.data();
    std::uint8_t* NEUROMESH_RESTRICT fl = flags_.data();
    const Real dc = static_cast<Real>(dc_now_);
    Real ku[C > 0 ? C : 1];
    if constexpr (Uniform)
      for (std::size_t j = 0; j < C; ++j) ku[j] = kp[j * n];
#pragma GCC ivdep
    for (std::uint32_t i = 0; i < n; ++i) {
      Real k[C > 0 ? C : 1], x[S];
#pragma GCC unroll 32
      for (std::size_t j = 0; j < C; ++j) k[j] = Uniform ? ku[j] : kp[j * n + i];
#pragma GCC unroll 16
      for (std::size_t j = 0; j < S; ++j) x[j] = xp[j * n + i];
      Real e, h, c;
      if constexpr (Fused) {
        e = fixed_to<Real>(rex[i]);
        h = fixed_to<Real>(rin[i]);
        c = dc;
        rex[i] = 0;
        rin[i] = 0;
      } else {
        e = ex[i];
        h = in[i];
        c = st[i];
      }
      // The fused path never checks for rest, so it skips the model's change detection.
      if constexpr (has_lane_step<Model, Real>) {
        fl[i] = static_cast<std::uint8_t>(Model::template lane_step<Real, !Fused>(k, x, e, h, c));
        if constexpr (Fused) {  // kept for the neurons `lane_step` defers (finish_deferred)
          dex[i] = e;
          din[i] = h;
        }
      } else {
        fl[i] = static_cast<std::uint8_t>(Model::template step<Real, !Fused>(k, x, e, h, c));
      }
#pragma GCC unroll 16
      for (std::size_t j = 0; j < S; ++j) xp[j * n + i] = x[j];
    }
  }

  template <bool Fused>
  void update_all(fixed_t* rex, fixed_t* rin) {
    if (uniform_constants_)
      update_all<true, Fused>(rex, rin);
    else
      update_all<false, Fused>(rex, rin);
    if constexpr (has_lane_step<Model, Real>) collect_deferred(flags_.data(), n_, deferred_idx_);
    if constexpr (has_lane_evolve<Model, Real>)
      evolve_deferred<Fused>();
    else if constexpr (has_lane_step<Model, Real>)
      finish_deferred<Fused>();
  }

  // The neurons the lane path deferred (flag bit `deferred`, listed in deferred_idx_): the model's
  // full `step`, with the input the lane path saw.
  template <bool Fused>
  void finish_deferred() {
    for (const std::uint32_t i : deferred_idx_) {
      std::array<Real, C> k;
      std::array<Real, S> x;
      for (std::size_t j = 0; j < C; ++j) k[j] = k_[j * n_ + i];
      for (std::size_t j = 0; j < S; ++j) x[j] = x_[j * n_ + i];
      const Real e = Fused ? deferred_ex_[i] : in_ex_[i], h = Fused ? deferred_in_[i] : in_in_[i];
      const Real c = Fused ? static_cast<Real>(dc_now_) : stim_[i];
      flags_[i] = static_cast<std::uint8_t>(Model::template step<Real, !Fused>(k.data(), x.data(), e, h, c));
      for (std::size_t j = 0; j < S; ++j) x_[j * n_ + i] = x[j];
    }
  }

  // The neurons the lane path deferred, for models whose step is branch-free pieces
  // (has_lane_evolve): side by side in SIMD lanes (deferred_lanes.hpp, which takes the last few
  // one at a time), with the input the lane path saw.
  template <bool Fused>
  void evolve_deferred() {
    const auto input = [this](std::uint32_t i, Real* in) {
      in[0] = Fused ? deferred_ex_[i] : in_ex_[i];
      in[1] = Fused ? deferred_in_[i] : in_in_[i];
    };
    const Real dc = static_cast<Real>(dc_now_);
    const auto stim = [this, dc](std::uint32_t i) { return Fused ? dc : stim_[i]; };
    if (uniform_constants_)
      lanes_.template evolve<true, !Fused>(deferred_idx_, k_.data(), x_.data(), flags_.data(), n_, input, stim);
    else
      lanes_.template evolve<false, !Fused>(deferred_idx_, k_.data(), x_.data(), flags_.data(), n_, input, stim);
  }

  // No change, no input, no current in step s: a candidate for rest (cheap; used for counting).
  bool resting(std::uint32_t i) const {
    return !(flags_[i] & step_flags::changed) && in_ex_[i] == Real(0) && in_in_[i] == Real(0) && stim_[i] == Real(0);
  }

  // Resting and no input waiting in any future ring-buffer slot: at its fixed point until
  // delivery wakes it (ring slots of steps after s are all that can hold input for it).
  bool quiescent(std::uint32_t i, step_t s, const shard_arrays& a) const {
    if (!resting(i)) return false;
    for (step_t t = s + 1; t < s + static_cast<step_t>(a.ring.slots()); ++t)
      if (a.ring.row(0, t)[offset_ + i] != 0 || a.ring.row(1, t)[offset_ + i] != 0) return false;
    return true;
  }

  // Adds this step's Poisson drive to the ring-buffer slots (fixed point, before conversion).
  // Each neuron's count comes from the first uniform of its keyed stream (seed, generator,
  // gid, step): the Philox blocks of a batch of neurons are computed in lanes, then turned into
  // counts by the tabulated inversion's comparisons, in lanes too -- the same numbers as
  // drawing from keyed_stream one neuron at a time (test_distributions: PoissonTable).
  //
  // Range (fixed_point.hpp): a tabulated count is at most 255, so while the slots hold below 2^62
  // from deliveries (`in_range`) and the drives' 255 |w| add up below 2^62, plain arithmetic
  // cannot leave the range and the loop stays vectorised; otherwise count x weight and the sum
  // saturate.
  void add_poisson(step_t s, fixed_t* ex, fixed_t* in, bool in_range) {
    if (poisson_bound_ < 0) {
      poisson_bound_ = 0;
      for (const poisson_drive& d : drives_.poisson) poisson_bound_ += 255.0 * std::abs(static_cast<double>(d.weight));
    }
    const bool exact = in_range && poisson_bound_ < 0x1.0p62;
    constexpr std::uint32_t batch = keyed_stream::max_lanes;
    std::uint64_t bits[batch], counts[batch];
    const auto step = static_cast<std::uint32_t>(s);
    for (const poisson_drive& d : drives_.poisson) {
      if (!d.active(s)) continue;
      fixed_t* row = (d.receptor == 0 ? ex : in) + offset_;
      if (!d.counts.tabulated()) {  // large means: PTRS rejection, one stream per neuron
        for (std::uint32_t i = 0; i < n_; ++i) row[i] = add_saturating(row[i], d.input(seed_, gid_of(i), step));
        continue;
      }
      // keyed_stream::drive_u64: one Philox block per neuron serves steps 2k and 2k + 1. An even
      // step keeps the blocks' second halves for the next step; an odd step uses them if they are
      // its own (else -- a run resumed or a drive started at an odd step -- it computes its blocks).
      kept_pair& pair = kept_[static_cast<std::size_t>(&d - drives_.poisson.data())];
      std::vector<std::uint64_t>& kept = pair.bits;
      const bool odd = (step & 1u) != 0, have = odd && pair.step == s;
      for (std::uint32_t i0 = 0; i0 < n_; i0 += batch) {
        const std::uint32_t m = std::min(batch, n_ - i0);
        const std::uint64_t* use = bits;
        if (have) {
          use = kept.data() + i0;
        } else {
          std::uint64_t* hi = odd ? bits : kept.data() + i0;  // odd: this step's bits are the second half
          std::uint64_t* lo = odd ? counts : bits;            // (counts: scratch until the counts are formed)
          // Two copies of the loop, so the common one (consecutive gids) stays branch-free and vectorises.
          if (gids_.empty())
            first_bits(lo, hi, m, step >> 1, d.purpose, [&](std::uint32_t j) { return first_gid_ + i0 + j; });
          else
            first_bits(lo, hi, m, step >> 1, d.purpose, [&](std::uint32_t j) { return gids_[i0 + j]; });
        }
        d.counts.counts_from_bits(use, m, counts);  // = d.count_from(use[j]), branch-free
        if (exact)
          add_counts_times(row + i0, counts, m, d.weight);
        else  // count x weight and the sum saturate instead of wrapping (fixed_point.hpp: range)
          for (std::uint32_t j = 0; j < m; ++j)
            row[i0 + j] = add_saturating(row[i0 + j], scaled_saturating(counts[j], d.weight, d.max_count));
      }
      pair.step = odd ? -1 : s + 1;
    }
  }

  // row[j] += counts[j] x weight for j < m (no overflow: add_poisson's `exact`). GCC leaves this
  // loop scalar (a 64-bit multiply and an add to memory per neuron, a fifth of the drive's time in
  // the microcircuit); with AVX-512 (core/avx512.hpp) eight at a time, the product formed from two
  // 32 x 32 -> 64 multiplies (count < 2^32: count w = count w_lo + (count w_hi << 32) mod 2^64, two's
  // complement alike for negative weights).
  static void add_counts_times(fixed_t* NEUROMESH_RESTRICT row, const std::uint64_t* NEUROMESH_RESTRICT counts,
                               std::uint32_t m, fixed_t weight) {
    std::uint32_t j = 0;
#ifdef NEUROMESH_AVX512_KERNELS
    if (cpu_has_avx512()) j = add_counts_times_avx512(row, counts, m, weight);
#endif
    for (; j < m; ++j) row[j] += static_cast<fixed_t>(counts[j]) * weight;
  }
#ifdef NEUROMESH_AVX512_KERNELS
  // The whole groups of eight; returns how many neurons it did.
  NEUROMESH_AVX512_TARGET static std::uint32_t add_counts_times_avx512(fixed_t* NEUROMESH_RESTRICT row,
                                                                       const std::uint64_t* NEUROMESH_RESTRICT counts,
                                                                       std::uint32_t m, fixed_t weight) {
    const __m512i w_lo = _mm512_set1_epi64(weight), w_hi = _mm512_srli_epi64(w_lo, 32);
    std::uint32_t j = 0;
    for (; j + 8 <= m; j += 8) {
      const __m512i c = _mm512_loadu_si512(counts + j);
      const __m512i product =
          _mm512_add_epi64(_mm512_mul_epu32(c, w_lo), _mm512_slli_epi64(_mm512_mul_epu32(c, w_hi), 32));
      _mm512_storeu_si512(row + j, _mm512_add_epi64(_mm512_loadu_si512(row + j), product));
    }
    return j;
  }
#endif

  // Inhomogeneous and sinusoidal Poisson generators: this step's count per neuron (or one count
  // for all, a shared train) from the keyed stream, as every backend draws it (rate_now::input).
  void add_rates(const drive_step& now, step_t s, fixed_t* ex, fixed_t* in) {
    const auto step = static_cast<std::uint32_t>(s);
    for (const rate_now& r : now.rates) {
      fixed_t* row = (r.receptor == 0 ? ex : in) + offset_;
      for (std::uint32_t i = 0; i < n_; ++i) row[i] = add_saturating(row[i], r.input(seed_, gid_of(i), step));
    }
  }

  // noise_generator: each neuron's current this step, the closed-loop current plus its draws
  // (noisy_current, the sum every backend forms).
  void add_noise(const drive_step& now, const shard_arrays& a) {
    noisy_.resize(n_);
    const double* extra = a.extra_current.data() + offset_;
    const auto k = static_cast<std::uint32_t>(now.noise.size());
    for (std::uint32_t i = 0; i < n_; ++i) noisy_[i] = noisy_current(extra[i], now.noise.data(), k, seed_, gid_of(i));
  }

  // The blocks {0, pair, gid(j), purpose} of the keyed streams for j < m, first and second 64
  // bits: the stream's own Philox over lanes (keyed_stream::first_u64_lanes, at the full vector width).
  template <class GidOf>
  void first_bits(std::uint64_t* lo, std::uint64_t* hi, std::uint32_t m, std::uint32_t pair, std::uint32_t purpose,
                  GidOf gid) const {
    keyed_stream::first_u64_lanes(seed_, purpose, pair, m, gid, lo, hi);
  }

  // Moves this step's input out of the ring buffer into the staging arrays (vectorised).
  // `noisy`: this step's closed-loop current plus noise per neuron (else the closed-loop current).
  void stage_all(const shard_arrays& a, fixed_t* NEUROMESH_RESTRICT ex, fixed_t* NEUROMESH_RESTRICT in,
                 const double* noisy = nullptr) {
    const std::uint32_t n = n_;
    ex += offset_;
    in += offset_;
    const double* NEUROMESH_RESTRICT extra = noisy ? noisy : a.extra_current.data() + offset_;
    Real* NEUROMESH_RESTRICT sex = in_ex_.data();
    Real* NEUROMESH_RESTRICT sin = in_in_.data();
    Real* NEUROMESH_RESTRICT sst = stim_.data();
    const double dc = dc_now_;
    for (std::uint32_t i = 0; i < n; ++i) {
      sex[i] = fixed_to<Real>(ex[i]);
      sin[i] = fixed_to<Real>(in[i]);
      sst[i] = static_cast<Real>(extra[i] + dc);
      ex[i] = 0;
      in[i] = 0;
    }
  }

  // Spike detection over the flags, eight neurons per word: most words hold no spike at all, and
  // most blocks of 64 neurons neither (tested with one OR of eight words; in increasing order).
  void collect_spikes(step_t s, std::vector<spike>& fired) const {
    constexpr std::uint64_t spike_bits = 0x0101010101010101ull * step_flags::spiked;
    const std::uint8_t* fl = flags_.data();
    std::uint32_t i = 0;
    const auto word_at = [fl](std::uint32_t j) {
      std::uint64_t w;
      std::memcpy(&w, fl + j, sizeof w);
      return w;
    };
    const std::uint32_t n = n_;
    for (; i + 64 <= n; i += 64) {
      std::uint64_t any = 0;
      for (std::uint32_t b = 0; b < 64; b += 8) any |= word_at(i + b);
      if ((any & spike_bits) == 0) continue;
      for (std::uint32_t b = 0; b < 64; b += 8)
        for (std::uint64_t word = word_at(i + b) & spike_bits; word != 0; word &= word - 1)
          emit(s, i + b + static_cast<std::uint32_t>(std::countr_zero(word) / 8), fired);
    }
    for (; i + 8 <= n; i += 8)
      for (std::uint64_t word = word_at(i) & spike_bits; word != 0; word &= word - 1)
        emit(s, i + static_cast<std::uint32_t>(std::countr_zero(word) / 8), fired);
    for (; i < n_; ++i)
      if (fl[i] & step_flags::spiked) emit(s, i, fired);
  }

  // Neuron i's spike of step s: once, or as many times as its multiplicity (parrot_neuron).
  void emit(step_t s, std::uint32_t i, std::vector<spike>& fired) const {
    if constexpr (has_multiplicity<Model>) {
      const auto copies = static_cast<std::uint32_t>(x_[static_cast<std::size_t>(Model::multiplicity_state) * n_ + i]);
      for (std::uint32_t c = 0; c < copies; ++c) fired.push_back({s, gid_of(i)});
    } else {
      fired.push_back({s, gid_of(i)});
    }
  }

  std::uint32_t count_resting() const {
    std::uint32_t count = 0;
    for (std::uint32_t i = 0; i < n_; ++i) count += resting(i);
    return count;
  }

  void step_dense(step_t s, shard_arrays& a, std::vector<spike>& fired) {
    fixed_t* ex = a.ring.row(0, s);
    fixed_t* in = a.ring.row(1, s);
    const drive_step now = drives_.at(s);
    dc_now_ = now.current;
    if (!drives_.poisson.empty()) add_poisson(s, ex, in, a.input_in_range);
    if (!now.rates.empty()) add_rates(now, s, ex, in);
    if (!now.noise.empty()) add_noise(now, a);
    // Looking for resting neurons needs the staged input and a pass over the group; it is done
    // every 16 steps, backing off to every 1024 while the group is busy (COBA never rests).
    const bool check_rest = sparse_allowed_ && s >= next_rest_check_;
    if (check_rest || has_extra_current_ || !now.noise.empty()) {  // these need the staged per-neuron input
      stage_all(a, ex, in, now.noise.empty() ? nullptr : noisy_.data());
      update_all<false>(ex + offset_, in + offset_);
    } else {
      update_all<true>(ex + offset_, in + offset_);
    }
    updates_ += n_;
    collect_spikes(s, fired);
    if (check_rest) {
      const std::uint32_t resting = count_resting();
      if (resting * 4 >= n_ * 3) switch_to_sparse(s, a);
      rest_check_interval_ = resting * 10 < n_ ? std::min<step_t>(rest_check_interval_ * 2, 1024) : 16;
      next_rest_check_ = s + rest_check_interval_;
    }
  }

  void switch_to_sparse(step_t s, shard_arrays& a) {
    dense_ = false;
    ++a.sparse_groups;
    active_.clear();
    for (std::uint32_t i = 0; i < n_; ++i) {
      const bool rest = quiescent(i, s, a);
      a.awake[offset_ + i] = rest ? 0 : 1;
      if (!rest) active_.push_back(i);
    }
  }

  void step_sparse(step_t s, shard_arrays& a, std::vector<spike>& fired) {
    fixed_t* ex = a.ring.row(0, s);
    fixed_t* in = a.ring.row(1, s);
    dc_now_ = 0.0;
    std::size_t kept = 0;
    for (std::size_t k = 0; k < active_.size(); ++k) {
      const std::uint32_t i = active_[k];
      stage_input(a, ex, in, i);
      flags_[i] = static_cast<std::uint8_t>(update_one(i));
      if (flags_[i] & step_flags::spiked) emit(s, i, fired);
      if (quiescent(i, s, a))
        a.awake[offset_ + i] = 0;
      else
        active_[kept++] = i;
    }
    updates_ += active_.size();
    active_.resize(kept);
    if (active_.size() * 2 > n_) make_dense_keep_sparse_allowed(a);
  }

  void make_dense_keep_sparse_allowed(shard_arrays& a) {
    dense_ = true;
    --a.sparse_groups;
    for (std::uint32_t i = 0; i < n_; ++i) a.awake[offset_ + i] = 1;
  }

  // Global id of the group's i-th neuron: consecutive from first_gid_ unless the slice is a list.
  gid_t gid_of(std::uint32_t i) const { return gids_.empty() ? first_gid_ + i : gids_[i]; }

  std::uint32_t offset_;
  gid_t first_gid_;
  std::vector<gid_t> gids_;  // per neuron, only for non-contiguous slices
  std::uint64_t seed_;
  stimulus_drives drives_;
  bool sparse_allowed_;
  bool dense_ = true;
  bool uniform_constants_ = false;
  bool has_extra_current_ = false;
  step_t rest_check_interval_ = 16, next_rest_check_ = 0;  // set_current was used: stim comes from shard_arrays
  double dc_now_ = 0.0;
  std::vector<double> noisy_;  // noise_generator: this step's current per neuron (add_noise)
  double poisson_bound_ = -1;  // sum over drives of 255 |w| (add_poisson); -1: not yet computed
  // add_poisson: per Poisson drive, the second halves of the last even step's Philox blocks (the
  // bits of the next, odd step; 8 bytes per neuron) and that odd step (-1: none kept).
  struct kept_pair {
    std::vector<std::uint64_t> bits;
    step_t step = -1;
  };
  std::vector<kept_pair> kept_;
  std::uint64_t updates_ = 0;
  std::vector<Real> in_ex_, in_in_, stim_;
  std::vector<Real> deferred_ex_, deferred_in_;  // fused path's input, for deferred neurons (lane_step models)
  using lanes_t = std::conditional_t<has_lane_evolve<Model, Real>, deferred_lanes<Model, Real, 2>, no_deferred_lanes>;
  lanes_t lanes_;                            // deferred neurons in lanes (has_lane_evolve models; evolve_deferred)
  std::vector<std::uint32_t> deferred_idx_;  // this step's deferred neurons (lane_step models)
  std::vector<std::uint8_t> flags_;
  std::vector<std::uint32_t> active_;
};

}  // namespace neuromesh::cpu

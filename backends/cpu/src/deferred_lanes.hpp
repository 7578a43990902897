#pragma once
// The neurons a model's branch-free lane path deferred (flag bit step_flags::deferred), for models
// whose full step is branch-free pieces (has_lane_evolve: hh_common.hpp, aeif_integrator.hpp):
// their records of the adaptive loop side by side in lanes (columns of stride cap_), one try per
// pass for every neuron not yet at the end of the step, compacted after each pass, so the work
// follows the tries made rather than the slowest neuron's. The same functions in the same order
// as the model's `step`: the same bits (tests/validation/test_aeif_lanes.cpp, test_hh_lanes.cpp).
// Written once for the groups with two inputs (neuron_group.hpp) and with receptor ports
// (port_group.cpp): `Inputs` is the number of summed spike inputs per neuron.
//
// Lanes are indexed by j (deferred neuron j, group index idx[j]) for input, state and finished
// records, and by position p for the records still trying (j_[p] = j).
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

#include <neuromesh/core/macros.hpp>
#include <neuromesh/core/vector_width.hpp>
#include <neuromesh/neurons/model.hpp>

namespace neuromesh::cpu {

// The neurons with the deferred bit in flags[0, n), in index order, into idx (cleared first): the
// one scan each group makes per step, for the lanes and for the one-by-one step alike.
inline void collect_deferred(const std::uint8_t* flags, std::uint32_t n, std::vector<std::uint32_t>& idx) {
  constexpr std::uint64_t bits = 0x0101010101010101ull * step_flags::deferred;
  idx.clear();
  for (std::uint32_t i0 = 0; i0 < n; i0 += 8) {  // eight flags per word: most words hold none
    std::uint64_t word = 0;
    std::memcpy(&word, flags + i0, std::min<std::uint32_t>(8, n - i0));
    for (word &= bits; word != 0; word &= word - 1)
      idx.push_back(i0 + static_cast<std::uint32_t>(std::countr_zero(word) / 8));
  }
}

template <class Model, class Real, int Inputs>
class deferred_lanes {
  static constexpr std::size_t C = Model::n_constants;
  static constexpr std::size_t S = Model::state.size();
  static constexpr std::size_t E = Model::n_evolve();
  static constexpr std::size_t KC = C > 0 ? C : 1;

 public:
  static constexpr std::uint32_t lane_block = 16;  // passes run over whole blocks (float AVX-512 lanes)
  static constexpr std::uint32_t few_lanes = 3;    // fewer records than this: their tries one at a time

  // Evolves the neurons idx (collect_deferred's, any number) through the step and writes
  // their state into the columns x (S columns of stride n) and their flags. k: the group's
  // constant columns (C of stride n; Uniform: every neuron has column entry 0's). input(i, in)
  // fills neuron i's Inputs summed inputs, stim(i) its current.
  template <bool Uniform, bool DetectChange, class Input, class Stim>
  void evolve(const std::vector<std::uint32_t>& idx, const Real* k, Real* x, std::uint8_t* flags, std::uint32_t n,
              Input input, Stim stim) {
    const auto m = static_cast<std::uint32_t>(idx.size());
    if (m == 0) return;
    if (cap_ < round_up(m)) resize(round_up(m));
    const std::size_t L = cap_;
    for (std::uint32_t j = 0; j < round_up(m); ++j) {  // gather; the padding repeats neuron 0
      const std::uint32_t i = idx[j < m ? j : 0];
      for (std::size_t c = 0; c < S; ++c) x_[c * L + j] = x[c * n + i];
      for (std::size_t c = 0; c < C; ++c) k_[c * L + j] = k[c * n + i];
      Real in[Inputs];
      input(i, in);
      for (int r = 0; r < Inputs; ++r) in_[r * L + j] = in[r];
      st_[j] = stim(i);
      j_[j] = j;
    }
    Real ku[KC];
    for (std::size_t c = 0; c < C; ++c) ku[c] = k[c * n];
    begin_all<Uniform>(round_up(m));
    std::uint32_t active = m;
    while (active > 0) {
      if (active < few_lanes) {  // the last few (or all, if few were deferred) one at a time: the same tries
        for (std::uint32_t p = 0; p < active; ++p) {
          Real kp[KC], e[E];
          load_k<Uniform>(kp, ku, p);
          load_lane<E>(e, e_.data(), L, p);
          while (!Model::template evolve_done<Real>(kp, e)) scalar_try(kp, e);
          store_lane<E>(e, done_.data(), L, j_[p]);
        }
        break;
      }
      Real k0[KC], e0[E];  // padding: repeats of record 0
      load_k<Uniform>(k0, ku, 0);
      load_lane<E>(e0, e_.data(), L, 0);
      for (std::uint32_t p = active; p < round_up(active); ++p) {
        store_lane<E>(e0, e_.data(), L, p);
        if constexpr (!Uniform) store_lane<C>(k0, ka_.data(), L, p);
      }
      pass<Uniform>(ku, round_up(active));
      std::uint32_t kept = 0;  // compaction: finished records go to done_ at their j
      for (std::uint32_t p = 0; p < active; ++p) {
        Real kp[KC], e[E];
        load_k<Uniform>(kp, ku, p);
        load_lane<E>(e, e_.data(), L, p);
        if (Model::template evolve_done<Real>(kp, e)) {
          store_lane<E>(e, done_.data(), L, j_[p]);
          continue;
        }
        if (kept != p) {
          store_lane<E>(e, e_.data(), L, kept);
          if constexpr (!Uniform) store_lane<C>(kp, ka_.data(), L, kept);
          j_[kept] = j_[p];
        }
        ++kept;
      }
      active = kept;
    }
    finish_all<DetectChange>(m);
    for (std::uint32_t j = 0; j < m; ++j) {  // scatter
      const std::uint32_t i = idx[j];
      for (std::size_t c = 0; c < S; ++c) x[c * n + i] = x_[c * L + j];
      flags[i] = fl_[j];
    }
  }

 private:
  static std::uint32_t round_up(std::uint32_t m) { return (m + lane_block - 1) / lane_block * lane_block; }

  void resize(std::uint32_t cap) {
    cap_ = cap;
    x_.assign(S * cap, Real(0));
    k_.assign(C * cap, Real(0));
    ka_.assign(C * cap, Real(0));
    e_.assign(E * cap, Real(0));
    done_.assign(E * cap, Real(0));
    in_.assign(Inputs * std::size_t{cap}, Real(0));
    st_.assign(cap, Real(0));
    j_.assign(cap, 0);
    fl_.assign(cap, 0);
  }

  // Lane p of N columns of stride L (the lanes' records), into v and back: unrolled so the loops
  // over lanes stay plain vector loads and stores. Up to 64: the multisynapse models' records
  // have 43 values and 50+ constants, and a loop left over blocks the vectorisation of the pass.
  template <std::size_t N>
  [[gnu::always_inline]] static void load_lane(Real* v, const Real* cols, std::size_t L, std::size_t p) {
#pragma GCC unroll 64
    for (std::size_t c = 0; c < N; ++c) v[c] = cols[c * L + p];
  }
  template <std::size_t N>
  [[gnu::always_inline]] static void store_lane(const Real* v, Real* cols, std::size_t L, std::size_t p) {
#pragma GCC unroll 64
    for (std::size_t c = 0; c < N; ++c) cols[c * L + p] = v[c];
  }

  // Constants of position p: the group's (Uniform) or the kept column entries.
  template <bool Uniform>
  void load_k(Real* kp, const Real* ku, std::size_t p) const {
    for (std::size_t c = 0; c < C; ++c) kp[c] = Uniform ? ku[c] : ka_[c * cap_ + p];
  }

  // One try of a record alone: the model's scalar form where it has one (aeif_integrator.hpp:
  // a branch to the right-hand side that applies instead of computing both), the same bits.
  static void scalar_try(const Real* k, Real* e) {
    if constexpr (requires { Model::template evolve_try<Real, false>(k, e); })
      Model::template evolve_try<Real, false>(k, e);
    else
      Model::template evolve_try<Real>(k, e);
  }

  // The records at the start of the step (lanes [0, count), input gathered in lane j = p).
  template <bool Uniform>
  NEUROMESH_WIDE_VECTORS void begin_all(std::uint32_t count) {
    const std::size_t L = cap_;
    const Real* NEUROMESH_RESTRICT lk = k_.data();
    Real* NEUROMESH_RESTRICT ka = ka_.data();
    const Real* NEUROMESH_RESTRICT lx = x_.data();
    const Real* NEUROMESH_RESTRICT st = st_.data();
    Real* NEUROMESH_RESTRICT le = e_.data();
#pragma GCC ivdep
    for (std::uint32_t p = 0; p < count; ++p) {
      Real k[KC], x[S], e[E];
      load_lane<C>(k, lk, L, p);
      load_lane<S>(x, lx, L, p);
      Model::template evolve_begin<Real>(k, x, st[p], e);
      store_lane<E>(e, le, L, p);
      if constexpr (!Uniform) store_lane<C>(k, ka, L, p);
    }
  }

  // One try for the records at positions [0, count).
  template <bool Uniform>
  NEUROMESH_WIDE_VECTORS void pass(const Real* ku, std::uint32_t count) {
    const std::size_t L = cap_;
    const Real* NEUROMESH_RESTRICT ka = ka_.data();
    Real* NEUROMESH_RESTRICT le = e_.data();
    Real kr[KC];
    if constexpr (Uniform)
      for (std::size_t c = 0; c < C; ++c) kr[c] = ku[c];
#pragma GCC ivdep
    for (std::uint32_t p = 0; p < count; ++p) {
      Real k[KC], e[E];
      if constexpr (Uniform) {
#pragma GCC unroll 64
        for (std::size_t c = 0; c < C; ++c) k[c] = kr[c];
      } else {
        load_lane<C>(k, ka, L, p);
      }
      load_lane<E>(e, le, L, p);
      Model::template evolve_try<Real>(k, e);
      store_lane<E>(e, le, L, p);
    }
  }

  // The end of the step for deferred neurons [0, m): state in x_, flags in fl_.
  template <bool DetectChange>
  NEUROMESH_WIDE_VECTORS void finish_all(std::uint32_t m) {
    const std::size_t L = cap_;
    const Real* NEUROMESH_RESTRICT lk = k_.data();
    Real* NEUROMESH_RESTRICT lx = x_.data();
    const Real* NEUROMESH_RESTRICT ld = done_.data();
    const Real* NEUROMESH_RESTRICT li = in_.data();
    std::uint8_t* NEUROMESH_RESTRICT fl = fl_.data();
#pragma GCC ivdep
    for (std::uint32_t j = 0; j < m; ++j) {
      Real k[KC], x[S], e[E], in[Inputs];
      load_lane<C>(k, lk, L, j);
      load_lane<S>(x, lx, L, j);
      load_lane<E>(e, ld, L, j);
      load_lane<Inputs>(in, li, L, j);
      unsigned f;
      if constexpr (Inputs == 2)
        f = Model::template evolve_finish<Real, DetectChange>(k, x, e, in[0], in[1]);
      else
        f = Model::template evolve_finish_inputs<Real, DetectChange>(k, x, e, in);
      fl[j] = static_cast<std::uint8_t>(f);
      store_lane<S>(x, lx, L, j);
    }
  }

  std::uint32_t cap_ = 0;
  std::vector<std::uint32_t> j_;
  std::vector<Real> x_, k_, ka_, e_, done_, in_, st_;
  std::vector<std::uint8_t> fl_;
};

// What a group holds instead for models without the pieces (never used: the calls are behind
// `if constexpr`), so that naming deferred_lanes<Model, ...> is only done where it compiles.
struct no_deferred_lanes {};

}  // namespace neuromesh::cpu
